"""Fixtures for the emulator suite: pinned dates, and shared read-only emulators per dialect."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from emulator import EmulatorConfig, running_emulator
from emulator.server import EmulatorHandle

TODAY = dt.date(2025, 7, 15)


def make_config(**overrides: Any) -> EmulatorConfig:
    """A config with `today` pinned, so dates (and bytes) do not depend on when tests run."""
    return EmulatorConfig(today=TODAY, **overrides)


@pytest.fixture(scope="session")
def elevenlabs() -> Iterator[EmulatorHandle]:
    """A read-only elevenlabs-dialect emulator shared by the tests that only read."""
    with running_emulator(make_config(seed=7, agents=6)) as emulator:
        yield emulator


@pytest.fixture(scope="session")
def seed_dialect() -> Iterator[EmulatorHandle]:
    """A read-only seed-dialect emulator shared by the tests that only read."""
    with running_emulator(make_config(seed=7, agents=6, dialect="seed")) as emulator:
        yield emulator


@pytest.fixture
def client(elevenlabs: EmulatorHandle) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=elevenlabs.base_url) as http:
        yield http


@pytest.fixture
def seed_client(seed_dialect: EmulatorHandle) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=seed_dialect.base_url) as http:
        yield http
