"""The yardstick: what an officer who knows pandas would write without vwu.

For each file, each indicator sheet is read with `pandas.read_excel(engine="openpyxl")`
(the header row is known from the official template), validated with its own pandera
call, and everything is concatenated and summed with groupby. It knows nothing of
messy files, periods or the unit tree: it is the cost floor of the obvious approach.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from vwu_pipeline.core.indicators import Catalog

HEADER_ROW = 6  # 0-based: the template's title block takes rows 1-6


def naive_schema(columns: list[str]) -> pa.DataFrameSchema:
    return pa.DataFrameSchema({c: pa.Column(float, pa.Check.ge(0), nullable=True, coerce=True) for c in columns})


def naive_totals(files: list[Path], catalog: Catalog) -> dict[str, float]:
    """National sum of every figure column over the data rows of every file."""
    parts: dict[str, list[pd.DataFrame]] = {i.name: [] for i in catalog.indicators}
    for path in files:
        for indicator in catalog.indicators:
            sheet = pd.read_excel(path, sheet_name=indicator.sheet_name, header=HEADER_ROW, engine="openpyxl", dtype={"Mã xã": str})
            sheet = sheet.rename(columns={c.header: c.name for c in indicator.columns})
            # data rows only: not the numbering row "(2)" nor the totals row (no code)
            sheet = sheet[sheet["Mã xã"].notna() & ~sheet["Mã xã"].astype(str).str.startswith("(")]
            data = naive_schema(indicator.column_names).validate(sheet[["Mã xã", *indicator.column_names]])
            parts[indicator.name].append(data)
    totals: dict[str, float] = {}
    for indicator in catalog.indicators:
        frame = pd.concat(parts[indicator.name])
        summed = frame.groupby("Mã xã")[indicator.column_names].sum().sum()
        totals.update({column: float(value) for column, value in summed.items()})
    return totals
