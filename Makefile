# The README's two set-up commands: `make demo` and `make test`. Each installs what it needs.
# Only Python 3.11+ and make are assumed; uv is installed with pip into .tools/ when missing.

UV_BOOT := .tools/uv/bin/uv
UV := $(or $(shell command -v uv 2>/dev/null),$(UV_BOOT))
# CI runs every suite; a local `make test` leaves the slow ones to `make test-all`.
PYTEST_MARKERS := $(if $(filter true,$(CI)),,-m "not slow")

.PHONY: demo test test-all lint types format sync dev clean notebooks-strip

demo: sync
	$(UV) run convai-lake demo

test: sync lint types
	$(UV) run pytest $(PYTEST_MARKERS)

test-all: sync lint types
	$(UV) run pytest

lint: sync
	$(UV) run ruff check .
	$(UV) run ruff format --check .

types: sync
	$(UV) run mypy

format: sync
	$(UV) run ruff check --fix .
	$(UV) run ruff format .

sync: | $(UV)
	$(UV) sync --locked --all-groups

# Notebooks are committed without outputs or execution counts (tests/notebooks checks it).
notebooks-strip: sync
	$(UV) run nbstripout notebooks/*.ipynb

# The Dagster UI on the instance that `sync` and `demo` record their runs in.
dev: sync
	DAGSTER_HOME="$$($(UV) run python -m pipelines.instance)" $(UV) run dagster dev

$(UV_BOOT):
	python3 -m venv .tools/uv
	.tools/uv/bin/pip install --quiet uv

clean:
	rm -rf .venv .tools .mypy_cache .ruff_cache .pytest_cache
