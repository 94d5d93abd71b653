# Everything runs inside .venv, created here, so a fresh machine needs only Python 3.11+.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
WORKSPACE ?= out/demo-data
OUT ?= out

.PHONY: demo test setup bench units clean

$(BIN)/vwu: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(BIN)/vwu

setup: $(BIN)/vwu

## Run the whole pipeline on sample_data/ into a fresh demo workspace.
demo: setup
	rm -rf $(WORKSPACE)
	$(BIN)/vwu ingest sample_data/inbox/ --workspace $(WORKSPACE) || test $$? -eq 1
	@echo "--- Lần chạy thứ hai: không có gì thay đổi / second run: nothing changes"
	$(BIN)/vwu ingest sample_data/inbox/ --workspace $(WORKSPACE) --quiet || test $$? -eq 1
	$(BIN)/vwu targets sample_data/targets_2024.csv --workspace $(WORKSPACE)
	$(BIN)/vwu aggregate --year 2024 --workspace $(WORKSPACE)
	$(BIN)/vwu report --year 2024 --workspace $(WORKSPACE) --out $(OUT)
	@echo "--- Đã ghi / written: $(OUT)/vwu-2024.xlsx, $(OUT)/vwu-2024.md"

## Run the test suite.
test: setup
	$(BIN)/python -m pytest

## Time vwu at national scale against a naive baseline and the raw read floor (issue 5).
bench: setup
	$(BIN)/python benchmarks/bench.py

## Rebuild the unit master and the 2025 conversion file from official sources (scripts/data/PROVENANCE.md).
units: setup
	$(BIN)/python -m pip install --quiet -e '.[build-units]'
	$(BIN)/python scripts/build_units.py

clean:
	rm -rf $(VENV) out vwu-data *.egg-info
