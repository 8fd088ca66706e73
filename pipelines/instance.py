"""The Dagster instance that `sync` and `demo` record their runs in.

Unless `DAGSTER_HOME` is set, it lives beside the lake in `$CONVAI_LAKE_DIR/.dagster`, so
`DAGSTER_HOME=$CONVAI_LAKE_DIR/.dagster dagster dev` shows the runs that built the lake.
"""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg

from pipelines.lake import PRIVATE_DIR, Lake
from pipelines.settings import Settings

DAGSTER_YAML = """\
# Dagster instance of convai-lake (written once by convai-lake; edit freely).
telemetry:
  enabled: false
concurrency:
  pools:
    # Steps that call the ElevenLabs API share the `elevenlabs_api` pool. One at a time keeps
    # the requests in flight at CONVAI_CONCURRENCY however many runs a backfill starts.
    default_limit: 1
  runs:
    max_concurrent_runs: 4
run_retries:
  # A run that dies (a lost worker, a killed process) is retried once from its failure;
  # transient step failures are retried by the jobs' retry policy.
  enabled: true
  max_retries: 1
"""


def dagster_home(settings: Settings) -> Path:
    """`DAGSTER_HOME`, else `<lake>/.dagster`, with a dagster.yaml written if it has none."""
    explicit = os.environ.get("DAGSTER_HOME")
    home = Path(explicit or settings.lake_dir / ".dagster").absolute()
    if explicit:
        home.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR)
    else:  # the run history names conversations: as private as the lake it sits in
        Lake(settings.lake_dir).make_dirs(home)
    config = home / "dagster.yaml"
    if not config.exists():
        config.write_text(DAGSTER_YAML)
    return home


def local_instance(settings: Settings) -> dg.DagsterInstance:
    """The persistent instance at `dagster_home(settings)`."""
    os.environ["DAGSTER_HOME"] = str(dagster_home(settings))
    return dg.DagsterInstance.get()


if __name__ == "__main__":  # `python -m pipelines.instance`: print (and prepare) the home
    from pipelines.settings import load_env_file, load_settings

    load_env_file()
    print(dagster_home(load_settings()))
