"""Dagster resources: where the lake is (and, with the ingestion layer, how to reach the API)."""

from __future__ import annotations

import dagster as dg

from pipelines.lake import Lake


class LakeResource(dg.ConfigurableResource["LakeResource"]):
    """The lake root (`CONVAI_LAKE_DIR`); assets read and write files only through it."""

    lake_dir: str = "data"

    def lake(self) -> Lake:
        return Lake(self.lake_dir)
