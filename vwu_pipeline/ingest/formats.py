"""The kinds of file ingest reads, by suffix. Apart from the readers (reading.py) so that
listing an inbox whose files are all stored already imports neither them nor their guards."""

from __future__ import annotations

WORKBOOK_SUFFIXES = {".xlsx": "xlsx", ".xlsm": "xlsx", ".xls": "xls", ".ods": "ods"}
SUFFIXES = {*WORKBOOK_SUFFIXES, ".csv"}
