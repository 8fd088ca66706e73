"""Configuration: defaults, dates relative to `today`, and values that are refused."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from emulator import ConfigError, EmulatorConfig, FaultConfig


def test_defaults_are_quiet_and_dates_end_yesterday() -> None:
    config = EmulatorConfig(today=dt.date(2025, 7, 15))
    assert (config.seed, config.agents, config.conversations_per_day, config.days) == (0, 3, 20, 7)
    assert config.dialect == "elevenlabs"
    assert config.api_key is None
    assert not any(config.faults.failure_rates().values())
    assert not config.faults.delays
    assert (
        config.rate_drift_free
        if hasattr(config, "rate_drift_free")
        else config.faults.rate_drift == 0
    )
    assert (config.first_day, config.last_day) == (dt.date(2025, 7, 8), dt.date(2025, 7, 14))
    assert len(config.day_list()) == 7


def test_unpinned_config_pins_to_the_utc_date() -> None:
    pinned = EmulatorConfig().pinned()
    assert pinned.today == dt.datetime.now(dt.UTC).date()
    with pytest.raises(ConfigError):
        _ = EmulatorConfig().first_day


def test_the_key_stays_out_of_repr() -> None:
    assert "sk_secret" not in repr(EmulatorConfig(api_key="sk_secret"))


@pytest.mark.parametrize(
    ("config", "field"),
    [
        ({"agents": -1}, "agents"),
        ({"days": 0}, "days"),
        ({"dialect": "klingon"}, "dialect"),
        ({"hostile_id_rate": 1.5}, "hostile_id_rate"),
        ({"api_key": ""}, "api_key"),
        ({"finalise_after_secs": -1.0}, "finalise_after_secs"),
    ],
)
def test_bad_config_values_name_the_field(config: dict[str, Any], field: str) -> None:
    with pytest.raises(ConfigError, match=field):
        EmulatorConfig(**config)


@pytest.mark.parametrize(
    ("faults", "message"),
    [
        ({"rate_429": -0.1}, "rate_429"),
        ({"latency_ms": -5}, "latency_ms"),
        ({"max_faults_per_request": -1}, "max_faults_per_request"),
        ({"rate_5xx": 0.6, "rate_reset": 0.6}, "add up to at most 1"),
    ],
)
def test_bad_fault_values_are_refused(faults: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        FaultConfig(**faults)
