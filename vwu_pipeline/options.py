"""Options shared by commands, declared once (as frictionless's console/common.py)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Optional

import typer

DEFAULT_WORKSPACE = Path("vwu-data")


def resolve_workspace(option: Path | None) -> Path:
    """--workspace, else VWU_WORKSPACE, else ./vwu-data."""
    return Path(option or os.environ.get("VWU_WORKSPACE") or DEFAULT_WORKSPACE)


Workspace = Annotated[
    Optional[Path],
    typer.Option(
        "--workspace",
        "-w",
        help="Thư mục dữ liệu (mặc định ./vwu-data, hoặc biến VWU_WORKSPACE). Workspace folder.",
        show_default=False,
    ),
]
Year = Annotated[
    Optional[int],
    typer.Option("--year", "-y", help="Năm báo cáo. Report year.", min=2000, max=2100, show_default=False),
]
PeriodOption = Annotated[
    Optional[str],
    typer.Option(
        "--period",
        help="Kỳ báo cáo: 2024, 2024-H1, H2, Q3, 9M, M03 (cùng --year). Chọn kỳ khi tiêu đề nêu nhiều kỳ; "
        "từ chối tệp có tiêu đề nêu kỳ khác. Reporting period.",
        show_default=False,
    ),
]
# No envvar= here: VWU_LANG is read by config.load, between the option and vwu.toml.
Lang = Annotated[
    Optional[str],
    typer.Option("--lang", help="Ngôn ngữ thông báo: vi hoặc en (mặc định vi; VWU_LANG, lang trong vwu.toml). Message language.", show_default=False),
]
Json = Annotated[bool, typer.Option("--json", help="In kết quả dạng JSON cho script. JSON output.")]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="Chỉ in lỗi. Print only problems.")]
Debug = Annotated[bool, typer.Option("--debug", help="Hiện traceback khi lỗi. Show tracebacks.")]
Schemas = Annotated[
    Optional[Path],
    typer.Option("--schemas", help="Thư mục tệp chỉ tiêu *.yaml (mặc định schemas/). Indicator schema folder.", envvar="VWU_SCHEMAS", show_default=False),
]
ReportYear = Annotated[
    int,
    typer.Option("--year", "-y", help="Năm báo cáo (bắt buộc). Report year.", min=2000, max=2100),
]
UnitCode = Annotated[
    Optional[str],
    typer.Option("--unit", "-u", help="Mã đơn vị (văn bản, giữ số 0 đầu: 33, 332). Unit code.", show_default=False),
]
Out = Annotated[Path, typer.Option("--out", "-o", help="Thư mục ghi tệp. Output folder.")]
OutDir = Annotated[
    Optional[Path],
    typer.Option("--out", "-o", help="Thư mục ghi tệp (mặc định: outputs trong vwu.toml, VWU_OUTPUTS, hoặc thư mục hiện tại). Output folder.", show_default=False),
]
LockTimeout = Annotated[
    Optional[float],
    typer.Option(
        "--lock-timeout",
        help="Số giây chờ khi một lượt vwu khác đang ghi vào thư mục dữ liệu (mặc định 10; VWU_LOCK_TIMEOUT, lock_timeout trong vwu.toml). Seconds to wait for another run.",
        min=0,
        show_default=False,
    ),
]
