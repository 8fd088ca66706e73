"""An ElevenLabs-compatible Conversational AI API on loopback: synthetic, deterministic data in
the real API's dialect or the seed spec's, injected faults, and the ground truth of the metrics
a correct pipeline computes from it. Imports nothing from the pipeline it is used to test.

    config = EmulatorConfig(seed=1, today=date(2025, 7, 15)).pinned()
    with running_emulator(config) as emulator:
        ...  # point a client at emulator.base_url
        expected = emulator.truth.agent_daily_metrics(config.first_day, config.last_day)
"""

from emulator.config import ConfigError, EmulatorConfig, FaultConfig
from emulator.server import EmulatorHandle, running_emulator
from emulator.truth import AGENT_COLUMNS, AGENT_DAILY_COLUMNS, GroundTruth

__all__ = [
    "AGENT_COLUMNS",
    "AGENT_DAILY_COLUMNS",
    "ConfigError",
    "EmulatorConfig",
    "EmulatorHandle",
    "FaultConfig",
    "GroundTruth",
    "running_emulator",
]
