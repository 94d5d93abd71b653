"""Options shared by commands, declared once (as frictionless's console/common.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

Workspace = Annotated[
    Path | None,
    typer.Option(
        "--workspace",
        "-w",
        help="Thư mục dữ liệu (mặc định ./vwu-data, hoặc biến VWU_WORKSPACE). Workspace folder.",
        show_default=False,
    ),
]
Year = Annotated[
    int | None,
    typer.Option("--year", "-y", help="Năm báo cáo. Report year.", min=2000, max=2100, show_default=False),
]
PeriodOption = Annotated[
    str | None,
    typer.Option(
        "--period",
        help="Kỳ báo cáo: 2024, 2024-H1, H2, Q3, 9M, M03 (cùng --year). Chọn kỳ khi tiêu đề nêu nhiều kỳ; "
        "từ chối tệp có tiêu đề nêu kỳ khác. Reporting period.",
        show_default=False,
    ),
]
# No envvar= here: VWU_LANG is read by config.load, between the option and vwu.toml.
Lang = Annotated[
    str | None,
    typer.Option(
        "--lang", help="Ngôn ngữ thông báo: vi hoặc en (mặc định vi; VWU_LANG, lang trong vwu.toml). Message language.", show_default=False
    ),
]
Json = Annotated[bool, typer.Option("--json", help="In kết quả dạng JSON cho script. JSON output.")]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="Chỉ in lỗi. Print only problems.")]
Debug = Annotated[bool, typer.Option("--debug", help="Hiện traceback khi lỗi. Show tracebacks.")]
Schemas = Annotated[
    Path | None,
    typer.Option(
        "--schemas",
        help="Thư mục tệp chỉ tiêu *.yaml (mặc định schemas/). Indicator schema folder.",
        envvar="VWU_SCHEMAS",
        show_default=False,
    ),
]
ReportYear = Annotated[
    int,
    typer.Option("--year", "-y", help="Năm báo cáo (bắt buộc). Report year.", min=2000, max=2100),
]
ReportPeriod = Annotated[
    str | None,
    typer.Option(
        "--period",
        help="Kỳ trong năm: H1, H2 (6 tháng), Q1…Q4 (quý), 9M (9 tháng), M01…M12 (tháng); mặc định cả năm. Period within the year.",
        show_default=False,
    ),
]
UnitCode = Annotated[
    str | None,
    typer.Option("--unit", "-u", help="Mã đơn vị (văn bản, giữ số 0 đầu: 33, 332). Unit code.", show_default=False),
]
Out = Annotated[Path, typer.Option("--out", "-o", help="Thư mục ghi tệp. Output folder.")]
OutDir = Annotated[
    Path | None,
    typer.Option(
        "--out",
        "-o",
        help="Thư mục ghi tệp (mặc định: outputs trong vwu.toml, VWU_OUTPUTS, hoặc thư mục hiện tại). Output folder.",
        show_default=False,
    ),
]
LockTimeout = Annotated[
    float | None,
    typer.Option(
        "--lock-timeout",
        help="Số giây chờ khi một lượt vwu khác đang ghi vào thư mục dữ liệu (mặc định 10; VWU_LOCK_TIMEOUT, lock_timeout trong vwu.toml). Seconds to wait for another run.",
        min=0,
        show_default=False,
    ),
]
