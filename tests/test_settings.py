from pathlib import Path

import pytest

from pipelines.settings import DEFAULT_CONCURRENCY, SettingsError, load_settings


def test_defaults() -> None:
    s = load_settings({})
    assert s.api_key is None
    assert s.base_url == "https://api.elevenlabs.io"
    assert s.lake_dir == Path("data")
    assert s.warehouse_path == Path("data/warehouse.duckdb")
    assert (s.concurrency, s.lookback_days) == (DEFAULT_CONCURRENCY, 2)


def test_key_never_shows() -> None:
    s = load_settings({"ELEVENLABS_API_KEY": "sk_canary_123"})
    assert s.api_key is not None
    assert s.api_key.reveal() == "sk_canary_123"
    assert "sk_canary_123" not in repr(s)
    assert "sk_canary_123" not in str(s.api_key)


@pytest.mark.parametrize(
    ("name", "value"), [("CONVAI_CONCURRENCY", "lots"), ("CONVAI_CONCURRENCY", "0")]
)
def test_bad_values_name_the_variable(name: str, value: str) -> None:
    with pytest.raises(SettingsError, match=name):
        load_settings({name: value})
