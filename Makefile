# The whole set-up: `make demo` and `make test` create .venv and install what they need.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint reliability bench engine sdk generate plugin clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/python examples/demo.py
	@echo "Under the real Pulumi CLI: make engine, then see README \"Tested against the real Pulumi engine\"."

# PYTHONNODEBUGRANGES: CPython 3.11 before 3.11.8 can raise "SystemError: AST constructor
# recursion depth mismatch" when threads format tracebacks at once (gh-106905); without
# column ranges, tracebacks parse no source, so the suite's many threads cannot hit it.
test: $(STAMP)
	PYTHONNODEBUGRANGES=1 $(BIN)/python -m pytest

# The real Pulumi engine (CLI + Python language host), built from the Go module proxy into
# ~/.cache/pulumi-aliread; `make test` runs tests/engine when it is there.
engine:
	scripts/pulumi-engine.sh

# The TypeScript and Go SDKs of the provider plugin, generated from
# pulumi_aliread/plugin/schema.json into sdk/ (tests/engine/test_sdk_fresh.py fails when stale).
sdk:
	scripts/gen-sdk.sh

# What derives from the operations in pulumi_aliread/core/apis.py: core/results.py,
# pulumi/resource_outputs.py, plugin/schema.json, README's field tables (then `make sdk`).
generate: $(STAMP)
	$(BIN)/python -m tools.codegen

# The provider plugin as an archive for `pulumi plugin install resource aliread VERSION
# --file ARCHIVE` (into dist/); its launcher runs this checkout's .venv/bin/python.
plugin: $(STAMP)
	$(BIN)/python -m pulumi_aliread.plugin.archive --out dist

reliability: $(STAMP)
	$(BIN)/python tests/reliability/report.py

bench: $(STAMP)
	$(BIN)/python -m benchmarks.run

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

clean:
	rm -rf $(VENV) build *.egg-info
