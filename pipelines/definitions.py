"""The Dagster code location: `dagster dev` loads `defs` through workspace.yaml."""

from __future__ import annotations

import dagster as dg

from pipelines.settings import load_env_file

load_env_file()

defs = dg.Definitions()
