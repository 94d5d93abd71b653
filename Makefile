# Everything runs inside .venv, created here, so a fresh machine needs only Python 3.11+.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
WORKSPACE ?= out/demo-data
OUT ?= out

.PHONY: demo test lint setup bench units shipped lock clean

# The exact versions come from requirements.lock (every dependency, dev tools included);
# vwu itself is then installed editable without resolving anything again.
$(BIN)/vwu: pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
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
	@echo "--- Sơ kết 6 tháng đầu năm 2024, so với 6 tháng đầu năm 2023 / six-month review against H1 2023"
	$(BIN)/vwu report --year 2024 --period H1 --workspace $(WORKSPACE) --out $(OUT)
	@echo "--- Đã ghi / written: $(OUT)/vwu-2024-H1.xlsx, $(OUT)/vwu-2024-H1.md"
	@echo "--- Sơ kết 6 tháng đầu năm 2025, do các huyện gửi theo danh mục cũ / the 2025 six-month review, on the legacy tree its districts sent it on"
	$(BIN)/vwu report --period 2025-H1 --workspace $(WORKSPACE) --out $(OUT)
	@echo "--- Đã ghi / written: $(OUT)/vwu-2025-H1.xlsx, $(OUT)/vwu-2025-H1.md"
	@echo "--- 2025: nửa đầu năm theo danh mục cũ, cả năm theo danh mục mới, so với 2024 / across the 2025 reform"
	$(BIN)/vwu aggregate --year 2025 --workspace $(WORKSPACE)
	$(BIN)/vwu report --year 2025 --workspace $(WORKSPACE) --out $(OUT)
	@echo "--- Đã ghi / written: $(OUT)/vwu-2025.xlsx, $(OUT)/vwu-2025.md"

## Run the test suite.
test: setup
	$(BIN)/python -m pytest

## Lint and check formatting (ruff, configured in pyproject.toml); `ruff format .` fixes the format.
lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports  # import directions: [tool.importlinter] in pyproject.toml

## Re-resolve requirements.lock after changing dependencies in pyproject.toml (one resolution valid
## on every Python from 3.11 up, so the lock does not depend on the Python that wrote it).
lock: setup
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --extra dev --universal --python-version 3.11 --no-emit-package vwu -o requirements.lock

## Time vwu at national scale against a naive baseline and the raw read floor (issue 5).
bench: setup
	$(BIN)/python benchmarks/bench.py

## Rebuild the unit master and the 2025 conversion file from official sources (scripts/data/PROVENANCE.md).
## What vwu ships ready-made, checked (core/data/catalogue.json from schemas/, core/data/units.trees from
## the unit master, store/schema-N.sql from the store's migrations): after editing any, or the code that
## checks them (tests/test_schemas.py, tests/test_units.py and tests/test_store.py say when it is due).
shipped: setup
	$(BIN)/python -c 'from vwu_pipeline.core.indicators import ship_catalog; ship_catalog()'
	$(BIN)/python -c 'from vwu_pipeline.core.units import ship_trees; ship_trees()'
	$(BIN)/python -c 'from vwu_pipeline.store.migrations import ship_schema; ship_schema()'

units: setup
	$(BIN)/python -m pip install --quiet -e '.[build-units]'
	$(BIN)/python scripts/build_units.py
	$(BIN)/python -c 'from vwu_pipeline.core.units import ship_trees; ship_trees()'

## Remove only what the build and `make demo` made: never a workspace (vwu-data/ holds the store).
clean:
	rm -rf $(VENV) *.egg-info .pytest_cache .ruff_cache $(WORKSPACE) $(OUT)/vwu-2024.xlsx $(OUT)/vwu-2024.md $(OUT)/vwu-2025.xlsx $(OUT)/vwu-2025.md
	find vwu_pipeline tests scripts benchmarks -name __pycache__ -type d -prune -exec rm -rf {} +
	-rmdir $(OUT) 2>/dev/null
