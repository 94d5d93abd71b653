"""Every text vwu shows a person, Vietnamese and English side by side: one place to add or fix a message.

Keys without a dot are problem codes (`Problem.code`, listed in the README); the others are
grouped by who shows them: `where.` (a problem's place in a file), `report.` (the workbook and
the Markdown summary), `cli.` (the terminal), `error.` (fatal errors and their hints).
Placeholders are `str.format` fields filled by the caller.
"""

from __future__ import annotations

import re
from typing import Literal

Lang = Literal["vi", "en"]
Text = tuple[str, str]  # (Vietnamese, English)

MESSAGES: dict[str, Text] = {
    # --- problems in a submission: the file as a whole ---
    "file-empty": ("Tệp rỗng (0 byte).", "The file is empty (0 bytes)."),
    "file-unreadable": (
        "Không đọc được tệp: {reason}. Hãy mở tệp bằng Excel và lưu lại dạng .xlsx.",
        "The file cannot be read: {reason}. Open it in Excel and save it again as .xlsx.",
    ),
    "file-encrypted": (
        "Tệp được đặt mật khẩu. Hãy gỡ mật khẩu rồi gửi lại.",
        "The workbook is password-protected. Remove the password and send it again.",
    ),
    "file-too-large": (
        "Tệp quá lớn ({size} byte, giới hạn {limit} byte).",
        "The file is too large ({size} bytes, limit {limit} bytes).",
    ),
    "zip-bomb": (
        "Tệp nén giải ra quá lớn ({size} byte, giới hạn {limit} byte): từ chối để bảo vệ máy chủ.",
        "The workbook would expand to {size} bytes (limit {limit}): refused to protect the server.",
    ),
    "unsupported-format": (
        "Định dạng '{suffix}' không được hỗ trợ; hãy gửi .xlsx, .xls hoặc .csv.",
        "Format '{suffix}' is not supported; send .xlsx, .xls or .csv.",
    ),
    "unknown-encoding": (
        "Không nhận ra bảng mã của tệp CSV; hãy lưu lại dạng 'CSV UTF-8'.",
        "The CSV file's encoding is not recognised; save it again as 'CSV UTF-8'.",
    ),
    "outside-inbox": (
        "Tệp là liên kết tới ngoài thư mục nhận ({target}): bỏ qua.",
        "The file is a link to outside the inbox ({target}): skipped.",
    ),
    "too-many-rows": (
        "Trang tính có {count} dòng, vượt giới hạn {limit} dòng.",
        "The sheet has {count} rows, more than the limit of {limit}.",
    ),
    "too-many-columns": (
        "Trang tính có {count} cột, vượt giới hạn {limit} cột.",
        "The sheet has {count} columns, more than the limit of {limit}.",
    ),
    "vwu-output": (
        "Đây là tệp báo cáo tổng hợp do vwu tạo ra, không phải báo cáo của đơn vị: không nhận. "
        "Hãy gửi biểu mẫu của chính đơn vị (vwu template).",
        "This is a report workbook written by vwu, not a unit's submission: refused. Send the unit's own form instead (vwu template).",
    ),
    "folder-unreadable": (
        "Không đọc được thư mục: {reason}. Các tệp trong đó chưa được nhận.",
        "The folder cannot be read: {reason}. The files in it were not ingested.",
    ),
    # why the system would not let vwu read a file or folder: the {reason} of the two above
    "os.permission": (
        "máy chủ không có quyền đọc (quyền của tệp hoặc thư mục; chmod/chown)",
        "the server may not read it (file or folder permissions; chmod/chown)",
    ),
    "os.vanished": (
        "tệp đã bị đổi tên, chuyển đi hoặc xóa trong khi đang nhận (đang tải lên?): chạy lại sau",
        "it was renamed, moved or deleted while being ingested (still uploading?): run again later",
    ),
    "os.too-long": (
        "đường dẫn quá dài (thư mục lồng nhau quá sâu): chuyển tệp lên thư mục ngoài",
        "the path is too long (folders nested too deep): move the files up to an outer folder",
    ),
    "os.loop": ("liên kết vòng tròn", "a circular link"),
    "os.is-folder": ("là một thư mục", "it is a folder"),
    "os.disk": ("lỗi đọc đĩa", "a disk read error"),
    "cell-too-long": (
        "Ô chứa {length} ký tự, vượt giới hạn {limit}.",
        "The cell holds {length} characters, more than the limit of {limit}.",
    ),
    # finding the table
    "targets-file": (
        "Đây là tệp chỉ tiêu giao (year, unit_code, column, target), không phải báo cáo số liệu: bỏ qua. "
        "Nạp chỉ tiêu bằng lệnh: vwu targets {file}",
        "This is a targets file (year, unit_code, column, target), not a submission: skipped. Load it with: vwu targets {file}",
    ),
    "no-indicator-sheet": (
        "Không tìm thấy trang tính chỉ tiêu nào (cần một trong: {expected}).",
        "No indicator sheet found (expected one of: {expected}).",
    ),
    "sheet-hidden": (
        "Trang tính bị ẩn: bỏ qua (một bản cũ Excel không hiện ra). Nếu cần số liệu của trang này, hãy bỏ ẩn và gửi lại.",
        "The sheet is hidden: skipped (an old copy Excel does not show). To send its figures, unhide it and send the file again.",
    ),
    "duplicate-sheet": (
        "Hai trang tính cùng là chỉ tiêu '{indicator}': '{first}' và '{second}'. Xóa trang thừa rồi gửi lại.",
        "Two sheets hold the indicator '{indicator}': '{first}' and '{second}'. Delete the extra one and send the file again.",
    ),
    "no-figures": (
        "Tệp không có số liệu nào (mọi trang đều trống): không nhận.",
        "The file holds no figure at all (every sheet is empty): refused.",
    ),
    "header-not-found": (
        "Không tìm thấy dòng tiêu đề của bảng (cần các cột: {expected}).",
        "The table's header row was not found (expected columns: {expected}).",
    ),
    "missing-column": (
        "Thiếu cột '{expected}'. Mẫu biểu {indicator} gồm các cột: {form}.",
        "Column '{expected}' is missing. The form of {indicator} has the columns: {form}.",
    ),
    "column-not-on-form": (
        "Tệp theo mẫu biểu khác: thiếu cột '{expected}' của mẫu năm {year}; đã nhận, cột này ghi là không báo cáo.",
        "The file is on another year's form: column '{expected}' of the {year} form is missing; "
        "accepted, the column stored as not reported.",
    ),
    "period-missing": (
        "Không xác định được kỳ báo cáo: ghi 'Năm 2024' trong tiêu đề hoặc dùng --year.",
        "The reporting period is unknown: write 'Năm 2024' in the title or use --year.",
    ),
    "period-conflict": (
        "Kỳ báo cáo trong tệp ({found}) khác với {option} {expected}.",
        "The period in the file ({found}) differs from {option} {expected}.",
    ),
    "period-ambiguous": (
        "Tiêu đề nêu nhiều kỳ báo cáo khác nhau: {phrases}. Sửa tiêu đề, hoặc chỉ rõ kỳ bằng --period.",
        "The title names different reporting periods: {phrases}. Fix the title, or say which with --period.",
    ),
    "year-unusual": (
        "Năm báo cáo {year} khác thường (năm gần nhất đã nhận: {latest}; năm công tác hiện tại: {current}): "
        "kiểm tra lại tiêu đề có gõ nhầm năm không.",
        "The report year {year} is unusual (latest year received: {latest}; current working year: {current}): "
        "check the title's year is not a typo.",
    ),
    "unit-unknown": (
        "Không xác định được đơn vị báo cáo: không mã đơn vị nào khớp danh mục năm {year} và tiêu đề không nêu tên đơn vị.",
        "The reporting unit cannot be determined: no unit code matches the {year} unit list and the title names no unit.",
    ),
    "ratio-denominator-missing": (
        "Ô này để trống trong khi dòng có số liệu tính {ratio_vi}: đơn vị {code} không được tính vào {ratio_vi}; hãy điền số (0 nếu không có).",
        "This cell is empty while the row has the other figure of the {ratio_en}: unit {code} is left out of the {ratio_en}; fill it in (0 if none).",
    ),
    "unit-title-mismatch": (
        "Tiêu đề ghi đơn vị '{value}' nhưng mã các dòng thuộc {unit}: kiểm tra lại tệp có đúng của đơn vị không.",
        "The title names '{value}' but the rows' codes belong to {unit}: check the file is that unit's.",
    ),
    # rows and cells
    "type-error": (
        "Giá trị '{value}' không phải là số.",
        "The value '{value}' is not a number.",
    ),
    "not-integer": (
        "Giá trị '{value}' phải là số nguyên.",
        "The value '{value}' must be a whole number.",
    ),
    "below-minimum": (
        "Giá trị {value} nhỏ hơn mức tối thiểu {limit}.",
        "The value {value} is below the minimum of {limit}.",
    ),
    "above-maximum": (
        "Giá trị {value} lớn hơn mức tối đa {limit}.",
        "The value {value} is above the maximum of {limit}.",
    ),
    "missing-code": (
        "Dòng có số liệu nhưng thiếu mã đơn vị.",
        "The row has figures but no unit code.",
    ),
    "unit-not-in-tree": (
        "Mã '{value}' không phải đơn vị thuộc {parent} trong danh mục năm {year}.",
        "Code '{value}' is not a unit of {parent} in the {year} unit list.",
    ),
    "duplicate-unit": (
        "Mã '{value}' xuất hiện lần nữa (đã có ở dòng {first_row}).",
        "Code '{value}' appears again (first at row {first_row}).",
    ),
    "unit-name-mismatch": (
        "Tên '{value}' không khớp với tên trong danh mục của mã {code}: '{official}'.",
        "The name '{value}' does not match the official name of code {code}: '{official}'.",
    ),
    "unit-recoded-2025": (
        "Mã {code} đã đổi theo danh mục chính thức 2025: tên '{value}' không phải '{official}'{hint}. "
        "Mẫu biểu cũ dùng mã tạm; hãy lấy mẫu mới (vwu template) hoặc sửa mã.",
        "Code {code} changed with the official 2025 list: the name '{value}' is not '{official}'{hint_en}. "
        "Old templates carried provisional codes; take a new template (vwu template) or correct the code.",
    ),
    "cell-error": (
        "Ô {cell} có lỗi {value}: sửa công thức trong Excel rồi gửi lại.",
        "Cell {cell} holds the error {value}: fix the formula in Excel and send the file again.",
    ),
    "formula-no-value": (
        "Ô {cell} là công thức chưa có kết quả: mở tệp bằng Excel rồi lưu lại.",
        "Cell {cell} is a formula saved without its result: open the file in Excel and save it again.",
    ),
    "subtotal-row": (
        "Dòng của chính đơn vị {code} bằng tổng các xã bên dưới: coi là dòng tổng để đối chiếu, không cộng thêm.",
        "The row of the unit {code} itself equals the sum of the communes below: checked as a totals row, not added.",
    ),
    # versions of a unit's report
    "kept-previous-rows": (
        "Bản mới không có {count} xã đã có trong bản trước: giữ số liệu của bản trước: {units}.",
        "The new version lacks {count} {count?commune|communes} the previous one had: their previous figures are kept: {units}.",
    ),
    # a full-year file beside the same unit's part-year files of the year (the year takes the
    # longest periods each commune has)
    "part-year-rows-count": (
        "Tệp cả năm không có {count} xã đã có số liệu trong báo cáo {periods_vi}: số liệu {periods_vi} của các xã này "
        "vẫn được tính vào cả năm: {units}. Nếu các xã này không còn số liệu, gửi lại tệp cả năm có dòng của chúng.",
        "The full-year file lacks {count} {count?commune|communes} with figures in the report for the {periods_en}: "
        "those figures still count in the year: {units}. If they no longer hold, send the full-year file again with their rows.",
    ),
    "older-version": (
        "Bản này cũ hơn {newer} đã nhận ({decided_vi}): chỉ dùng cho các xã bản mới hơn không có.",
        "This version is older than {newer}, already stored ({decided_en}): it counts only for communes the newer one lacks.",
    ),
    "newer-version": (
        "Bản này mới hơn {older} ({decided_vi}): thay số liệu các xã có trong bản này.",
        "This version is newer than {older} ({decided_en}): it replaces the figures of the communes it holds.",
    ),
    "resaved-original": (
        "Số liệu giống hệt bản {original} đã được {successor} thay: bỏ qua để không hoàn tác bản sửa. "
        "Nếu đúng là muốn dùng lại bản này: vwu ingest --force {file}",
        "The figures equal those of {original}, already replaced by {successor}: skipped so as not to undo the correction. "
        "To use this version on purpose: vwu ingest --force {file}",
    ),
    "totals-mismatch": (
        "Dòng tổng ghi {value} nhưng cộng các dòng trên được {expected}.",
        "The totals row says {value} but the rows above add up to {expected}.",
    ),
    # --- problems in a targets file (vwu targets) ---
    "targets-header": (
        "Không tìm thấy dòng tiêu đề với các cột: year, unit_code, column, target.",
        "No header row with the columns year, unit_code, column, target was found.",
    ),
    "targets-empty": ("Tệp không có dòng chỉ tiêu nào.", "The file holds no target rows."),
    "targets-year": (
        "Năm '{value}' không hợp lệ: ghi năm 4 chữ số, hoặc dùng --year.",
        "Year '{value}' is not valid: write a 4-digit year, or use --year.",
    ),
    "targets-year-conflict": ("Năm {value} khác với --year {expected}.", "Year {value} differs from --year {expected}."),
    "targets-unit": (
        "Mã đơn vị '{value}' không có trong danh mục đơn vị năm {year}.",
        "Unit code '{value}' is not in the {year} unit list.",
    ),
    "targets-tree": (
        "Cây đơn vị '{value}' không dùng được cho năm {year}: ghi {trees}.",
        "Unit tree '{value}' cannot be used for {year}: write {trees}.",
    ),
    "targets-tree-ambiguous": (
        "Mã '{value}' năm {year} là {legacy_name} trên cây cũ nhưng {new_name} trên cây từ 01/07/2025: "
        "ghi cột tree (legacy hoặc 2025) để nói chỉ tiêu đặt cho đơn vị nào.",
        "Code '{value}' in {year} is {legacy_name} on the legacy tree but {new_name} on the tree of 1 July 2025: "
        "add a tree column (legacy or 2025) saying which unit the target was set for.",
    ),
    "targets-column": (
        "'{value}' không phải tên số liệu nào của các chỉ tiêu (ví dụ: {examples}).",
        "'{value}' is not the name of any figure of the indicators (e.g. {examples}).",
    ),
    "targets-value": ("Chỉ tiêu '{value}' phải là một số không âm.", "Target '{value}' must be a number of at least 0."),
    "targets-duplicate": (
        "Chỉ tiêu này (năm, đơn vị, số liệu) đã có ở dòng {first_row}.",
        "This target (year, unit, figure) already appears at row {first_row}.",
    ),
    # --- where a problem is ---
    "where.sheet": ("trang ", "sheet "),
    "where.row": ("dòng ", "row "),
    "where.column": ("cột ", "column "),
    # --- periods (core/periods.py): labels as titles write them, report headings per cycle ---
    "period.year": ("năm {year}", "{year}"),
    "period.H1": ("6 tháng đầu năm {year}", "first half of {year}"),
    "period.H2": ("6 tháng cuối năm {year}", "second half of {year}"),
    "period.quarter": ("quý {roman} năm {year}", "Q{n} {year}"),
    "period.month": ("tháng {n} năm {year}", "month {n} of {year}"),
    "period.nine-months": ("9 tháng đầu năm {year}", "first nine months of {year}"),
    "period.heading.year": ("Báo cáo tổng hợp kết quả công tác Hội {period}", "Consolidated report of the Union's work, {period}"),
    "period.heading.H1": ("Báo cáo sơ kết {period}", "Six-month review, {period}"),
    "period.heading.H2": ("Báo cáo kết quả công tác Hội {period}", "Report of the Union's work, {period}"),
    "period.heading.part": ("Báo cáo {period}", "Report for {period}"),
    "period.elapsed": ("sau {months} tháng", "after {months} months"),
    "period.elapsed.year": ("sau cả năm", "after the whole year"),
    # --- the report (workbook and summary), through presentation.t ---
    "report.union": ("HỘI LIÊN HIỆP PHỤ NỮ VIỆT NAM", "VIETNAM WOMEN'S UNION"),
    "report.title": ("BÁO CÁO TỔNG HỢP KẾT QUẢ CÔNG TÁC HỘI NĂM {year}", "CONSOLIDATED REPORT OF THE UNION'S WORK, {year}"),
    "report.heading": ("Báo cáo tổng hợp kết quả công tác Hội năm {year}", "Consolidated report of the Union's work, {year}"),
    "report.scope": ("Phạm vi", "Scope"),
    "report.generated": ("Tổng hợp lúc {at}; danh mục đơn vị: {tree}", "Aggregated at {at}; unit list: {tree}"),
    "report.tree_legacy": ("3 cấp (tỉnh – huyện – xã)", "three tiers (province – district – commune)"),
    "report.tree_new": ("2 cấp (tỉnh – xã)", "two tiers (province – commune)"),
    "report.partial_note": (
        "Số liệu chưa đầy đủ: còn đơn vị chưa báo cáo; các số tổng đánh dấu * được cộng từ số liệu chưa đủ.",
        "Incomplete data: some units have not reported; totals marked * are built from partial data.",
    ),
    "report.summary": ("Tổng hợp", "Summary"),
    "report.headline": ("Số liệu chính", "Headline figures"),
    "report.each_unit": ("Từng đơn vị ({n})", "Each unit ({n})"),
    "report.met_count": ("{met}/{total} đạt", "{met}/{total} met"),
    "report.targets": ("Thực hiện chỉ tiêu", "Targets"),
    "report.completeness": ("Tình hình báo cáo", "Submissions"),
    "report.warnings": ("Cảnh báo", "Warnings"),
    "report.outliers": ("Số liệu bất thường", "Outliers"),
    "report.charts": ("Biểu đồ", "Charts"),
    "report.chart_partial": ("chưa đủ số liệu", "incomplete data"),
    "report.chart_change": (
        "{measure}: tăng/giảm so với năm {previous} (trên cùng đơn vị)",
        "{measure}: change on {previous} (like for like)",
    ),
    "report.chart_targets": ("{scope}: % đạt chỉ tiêu — {period}", "{scope}: % of target achieved — {period}"),
    "report.chart_partial_note": (
        "* số liệu chưa đủ (cột nhạt): còn đơn vị chưa báo cáo",
        "* incomplete data (pale bars): some units have not reported",
    ),
    "report.leaders": ("Đơn vị dẫn đầu và đơn vị còn thấp", "Leading and lagging units"),
    "report.indicator": ("Chỉ tiêu", "Indicator"),
    "report.measure": ("Nội dung", "Figure"),
    "report.year": ("Năm {year}", "{year}"),
    "report.change": ("Tăng/giảm", "Change"),
    "report.change_pct": ("Tỷ lệ tăng/giảm", "% change"),
    "report.note": ("Ghi chú", "Note"),
    "report.code": ("Mã", "Code"),
    "report.unit": ("Đơn vị", "Unit"),
    "report.level": ("Cấp", "Level"),
    "report.target": ("Chỉ tiêu giao", "Target"),
    "report.achieved": ("Thực hiện", "Achieved"),
    "report.achieved_pct": ("% đạt", "% achieved"),
    "report.met": ("Đạt", "Met"),
    "report.not_met": ("Chưa đạt", "Not met"),
    # a target's assessment: complete data decides met / not met; partial data may not yet
    "report.target_met": ("Đạt", "Met"),
    "report.target_not_met": ("Chưa đạt", "Not met"),
    "report.target_incomplete": (
        "Chưa đủ số liệu ({submitted}/{expected} đơn vị)",
        "Incomplete data ({submitted}/{expected} units)",
    ),
    "report.target_not_reported": ("Chưa báo cáo", "Not reported"),
    "report.tally_met": ("{n} đạt", "{n} met"),
    "report.tally_not_met": ("{n} chưa đạt", "{n} not met"),
    "report.tally_incomplete": ("{n} chưa đủ số liệu", "{n} with incomplete data"),
    "report.tally_not_reported": ("{n} chưa báo cáo", "{n} not reported"),
    "report.tally_in_progress": ("{n} đang thực hiện", "{n} in progress"),
    # a report for part of the year: progress towards the year's target, never "not met" yet
    "report.target_in_progress": ("Đang thực hiện", "In progress"),
    "report.in_progress": ("Đang thực hiện", "In progress"),
    "report.progress": ("đạt {pct} chỉ tiêu năm {elapsed}", "{pct} of the year's target {elapsed}"),
    "report.progress_part": ("{period} đạt {pct} chỉ tiêu năm", "{period}: {pct} of the year's target"),
    "report.progress_note": (
        "Chỉ tiêu giao theo năm: số thực hiện {period} được so với chỉ tiêu cả năm; chưa đánh giá đạt hay không đạt trước khi kết thúc năm.",
        "Targets are set for the year: the figures of {period} are compared with the whole year's target; "
        "no target is judged missed before the year is over.",
    ),
    "report.rule_break": ("{message} (cộng các kỳ trong {period})", "{message} (periods of {period} combined)"),
    "report.assessment": ("Đánh giá", "Assessment"),
    "report.expected": ("Phải báo cáo", "Expected"),
    "report.submitted": ("Đã báo cáo", "Submitted"),
    "report.missing_count": ("Chưa báo cáo", "Missing"),
    "report.rate": ("Tỷ lệ", "Rate"),
    "report.grassroots_reported": ("Cơ sở có số liệu", "Grassroots units with figures"),
    "report.grassroots_expected": ("Tổng số cơ sở", "Grassroots units"),
    "report.missing_units": ("Đơn vị chưa báo cáo", "Units that have not reported"),
    "report.file": ("Tệp", "File"),
    "report.reporting_unit": ("Đơn vị báo cáo", "Reporting unit"),
    "report.sheet": ("Trang", "Sheet"),
    "report.row": ("Dòng", "Row"),
    "report.column": ("Cột", "Column"),
    "report.value": ("Giá trị", "Value"),
    "report.message": ("Nội dung", "Message"),
    "report.remark": ("Nhận xét", "Remark"),
    "report.reference": ("So sánh với", "Compared with"),
    "report.within": ("Thuộc", "Within"),
    "report.partial": ("Số liệu chưa đủ ({submitted}/{expected} đơn vị báo cáo)", "Partial data ({submitted}/{expected} reporting units)"),
    # 2025+: a commune is answered for by its province's file or its own
    "report.partial_lowest": (
        "Số liệu chưa đủ ({submitted}/{expected} xã có báo cáo)",
        "Partial data ({submitted}/{expected} communes reported)",
    ),
    "report.partly_heading": ("Chưa đủ xã", "Not all communes"),
    "report.partly_covered": ("{name} ({code}): {covered}/{expected} xã", "{name} ({code}): {covered}/{expected} communes"),
    "report.and_more": ("và {n} đơn vị khác", "and {n} more"),
    "report.and_more_figures": ("và {n} số liệu khác", "and {n} more {n?figure|figures}"),
    "report.all_missing": ("Chưa có đơn vị nào báo cáo (số đơn vị phải báo cáo)", "No unit has reported (units expected)"),
    "report.jump_up": (
        "Gấp {times} lần {period} ({reference}): kiểm tra có thừa chữ số 0 không.",
        "{times} times the figure of {period} ({reference}): check for an extra zero.",
    ),
    "report.jump_down": (
        "Chỉ bằng 1/{times} {period} ({reference}): kiểm tra có thiếu chữ số không.",
        "1/{times} of the figure of {period} ({reference}): check for a missing digit.",
    ),
    "report.jump_total_up": (
        "Tổng của tỉnh gấp {times} lần {period} tính trên các tỉnh cũ hợp thành ({reference}): kiểm tra có thừa chữ số 0 không.",
        "The province's total is {times} times that of {period} over the legacy provinces it was formed from ({reference}): "
        "check for an extra zero.",
    ),
    "report.jump_total_down": (
        "Tổng của tỉnh chỉ bằng 1/{times} {period} tính trên các tỉnh cũ hợp thành ({reference}): kiểm tra có thiếu chữ số không.",
        "The province's total is 1/{times} of that of {period} over the legacy provinces it was formed from ({reference}): "
        "check for a missing digit.",
    ),
    "report.siblings": (
        "Khác xa các đơn vị cùng cấp thuộc {parent} (trung vị {reference}).",
        "Far from the other units of {parent} (median {reference}).",
    ),
    "report.leading": ("Dẫn đầu", "Leading"),
    "report.lagging": ("Thấp nhất", "Lagging"),
    "report.none": ("Không có", "None"),
    "report.count_warnings": ("{n} cảnh báo khi nhận báo cáo", "{n} {n?warning|warnings} at ingest"),
    "report.count_outliers": ("{n} số liệu bất thường cần kiểm tra", "{n} outlying {n?figure|figures} to check"),
    "report.national": ("Toàn quốc", "National"),
    "report.level_national": ("Toàn quốc", "National"),
    "report.level_province": ("Tỉnh", "Province"),
    "report.level_district": ("Huyện", "District"),
    "report.level_commune": ("Xã", "Commune"),
    # a count of units: "1 huyện" / "1 district", "2 districts"
    "report.word_province": ("tỉnh", "province"),
    "report.word_district": ("huyện", "district"),
    "report.word_commune": ("xã", "commune"),
    # what a year-on-year change compares (report/compare.py), or why there is none
    "report.partial_previous_note": ("Số liệu {previous} chưa đầy đủ.", "The figures of {previous} are incomplete."),
    "report.lfl_over": ("so sánh trên {n} {units} có số liệu cả hai năm", "compared over the {n} {units} reporting in both years"),
    "report.ratio_over": (
        "tính trên {n}/{total} cơ sở có đủ tử số và mẫu số",
        "computed over the {n} of {total} grassroots units with both parts",
    ),
    "report.part_year": ("chỉ có số liệu {what}", "only {what} figures"),
    "report.months_span": ("tháng {first}–{last} năm {year}", "months {first}–{last} of {year}"),
    # the opening paragraph of the summary (report/narrative.py)
    "report.story_complete": ("{scope}: đủ {n} {units} đã báo cáo.", "{scope}: all {n} {units} reported."),
    "report.story_partial": (
        "{scope}: {submitted}/{expected} {units} đã báo cáo, còn {missing} chưa báo cáo; các số liệu đánh dấu * còn chưa đầy đủ.",
        "{scope}: {submitted} of {expected} {units} reported, {missing} not yet; figures marked * are incomplete.",
    ),
    "report.story_figures": ("Kết quả chính: {figures}.", "Headline results: {figures}."),
    "report.story_figure": ("{label} {value}", "{label} {value}"),
    "report.story_compared": ("Mức tăng/giảm so với {previous}{compared}.", "Changes are on {previous}{compared}."),
    "report.story_targets": ("Chỉ tiêu: {tally}.", "Targets: {tally}."),
    "report.story_targets_met": ("Đã đạt: {names}.", "Met: {names}."),
    "report.story_leaders": (
        "Về {label}, dẫn đầu là {leader} ({high}), thấp nhất là {laggard} ({low}).",
        "For {label}, {leader} leads ({high}) and {laggard} is lowest ({low}).",
    ),
    "report.lfl_no_previous_year": ("chưa có số liệu {previous}", "no figures for {previous}"),
    "report.lfl_no_common_unit": ("không có đơn vị nào báo cáo cả hai năm", "no unit reported in both years"),
    "report.lfl_different_periods": (
        "không có đơn vị nào báo cáo cùng loại kỳ ở cả hai năm",
        "no unit reported the same kind of period in both years",
    ),
    "report.reform_heading": ("Sắp xếp đơn vị hành chính từ 01/07/2025", "The administrative reorganisation of 1 July 2025"),
    "report.reform_intro": (
        "Từ 01/07/2025 cả nước có 34 tỉnh, thành phố và 3.321 xã, phường, đặc khu; cấp huyện không còn. Số liệu các kỳ "
        "trước 01/07/2025 (báo cáo của cấp huyện theo danh mục cũ) được chuyển sang danh mục mới theo bảng chuyển đổi "
        "chính thức: xã cũ nhập toàn bộ được tính cho xã mới; xã cũ bị chia được tính cho phần nhận toàn bộ dân số, nếu "
        "không có phần đó thì chỉ tính ở cấp tỉnh ({not_allocated} xã cũ, chưa phân bổ về xã). Số liệu {previous} "
        "được chuyển sang danh mục mới theo cùng quy tắc: tỉnh, thành phố và toàn quốc so sánh chính xác (tỉnh mới so với "
        "tổng các tỉnh cũ hợp thành); xã chỉ so sánh khi xã mới gồm trọn các xã cũ; số cơ sở đạt ngưỡng không so sánh "
        "giữa hai danh mục.",
        "From 1 July 2025 the country has 34 provinces and 3,321 communes; districts were abolished. Figures of periods "
        "before 1 July 2025 (district reports on the legacy tree) are carried onto the new tree through the official "
        "conversion table: a legacy commune merged whole goes to its new commune; a split one to the piece that took all "
        "of its population, otherwise to its province only ({not_allocated} legacy communes, not allocated to a commune). "
        "The figures of {previous} are carried the same way: provinces and the nation compare exactly (a new province "
        "against the sum of its legacy provinces); a commune only when it is made of whole legacy communes; counts of "
        "grassroots units reaching a threshold are not compared across the two trees.",
    ),
    "report.reform_sheet": ("Sắp xếp 01-07-2025", "Reform 1 July 2025"),
    "report.reform_new": ("Tỉnh, thành phố từ 01/07/2025", "Province from 1 July 2025"),
    "report.reform_legacy": ("Gồm các tỉnh, thành phố trước đó", "Formed from"),
    "report.reform_year_value": ("{measure} {period}", "{measure}, {period}"),
    "report.reform_previous_value": (
        "{measure} {previous} (chuyển sang danh mục mới)",
        "{measure}, {previous} (carried onto the new tree)",
    ),
    "report.reform_targets": (
        "Chỉ tiêu năm 2025 giao cho tỉnh cũ được cộng vào tỉnh mới (chỉ tiêu số lượng); chỉ tiêu tỷ lệ không chuyển: {ratios}.",
        "2025 targets set on legacy provinces are added into the new ones (counts); ratio targets are not carried: {ratios}.",
    ),
    "report.lfl_boundary_changed": (
        "không so sánh được (thay đổi địa giới): xã mới có phần của xã cũ bị chia",
        "not comparable (boundaries changed): the new commune took part of a split legacy commune",
    ),
    "report.lfl_different_trees": (
        "danh mục đơn vị hai năm khác nhau, chưa so sánh được",
        "the unit lists of the two years differ: not compared",
    ),
    # --- the terminal (render.py) ---
    # --- vwu schemas: the catalogue's words ---
    "schemas.flow": ("cộng dồn (flow)", "flow"),
    "schemas.stock": ("số cuối kỳ (stock)", "stock (latest)"),
    "schemas.opening": ("số đầu kỳ (opening)", "opening (earliest)"),
    "schemas.percent": ("phần trăm", "percent"),
    "schemas.decimal": ("số thập phân", "decimal"),
    "schemas.optional": ("không bắt buộc", "optional"),
    "schemas.since": ("từ năm {year}", "from {year}"),
    "schemas.until": ("đến năm {year}", "until {year}"),
    "schemas.error": ("lỗi", "error"),
    "schemas.warning": ("cảnh báo", "warning"),
    "schemas.column": ("Cột", "Column"),
    "schemas.header": ("Tiêu đề", "Header"),
    "schemas.aggregation": ("Cộng dồn", "Aggregation"),
    "schemas.bounds": ("Giới hạn", "Bounds"),
    "schemas.form": ("Mẫu biểu", "Form"),
    "schemas.ratio": ("Tỷ lệ", "Ratio"),
    "schemas.formula": ("Công thức", "Formula"),
    "schemas.format": ("Dạng", "Format"),
    "schemas.threshold": ("Ngưỡng", "Threshold"),
    "schemas.derived": ("Số liệu tính", "Derived"),
    "schemas.rule": ("Quy tắc", "Rule"),
    "schemas.check": ("Điều kiện", "Check"),
    "schemas.severity": ("Mức", "Severity"),
    "schemas.indicator": ("Chỉ tiêu", "Indicator"),
    "schemas.sheet": ("Trang tính", "Sheet"),
    "schemas.columns": ("Số cột", "Columns"),
    "schemas.headline": ("số liệu chính", "headline"),
    "schemas.mistakes": ("Tệp chỉ tiêu trong {folder} có {count} lỗi:", "Schema files in {folder} have {count} {count?mistake|mistakes}:"),
    "schemas.fix": ("Sửa các tệp rồi kiểm tra lại bằng: vwu schemas check", "Fix the files, then check them with: vwu schemas check"),
    "cli.schemas-valid": ("Hợp lệ: {count} chỉ tiêu trong {folder}.", "Valid: {count} {count?indicator|indicators} in {folder}."),
    "cli.status.accepted": ("Đã nhận", "Accepted"),
    "cli.status.replaced": ("Thay bản trước", "Replaced earlier"),
    "cli.status.withdrawn": (
        "Tệp đã rút (vwu withdraw): số liệu không được tính",
        "Withdrawn files (vwu withdraw): their figures do not count",
    ),
    "cli.status.withdrawn.line": (
        "{file} ({unit}, {period}): {who} rút lúc {at}; lý do: {reason}",
        "{file} ({unit}, {period}): withdrawn by {who} at {at}; reason: {reason}",
    ),
    "cli.withdraw.done": (
        "Đã rút {file} ({unit}, {period}): số liệu của tệp không còn được tính; các bản khác của đơn vị được tính lại."
        " Hoàn tác: vwu withdraw --undo {sha}",
        "Withdrew {file} ({unit}, {period}): its figures no longer count; the unit's other versions are recomputed."
        " To undo: vwu withdraw --undo {sha}",
    ),
    "cli.withdraw.undone": (
        "Đã hoàn tác việc rút {file} ({unit}, {period}): số liệu của tệp được tính lại theo thứ tự các bản.",
        "Put {file} ({unit}, {period}) back: its figures count again, in the order of the versions.",
    ),
    "cli.withdraw.next": (
        "Lần tổng hợp và báo cáo tới (vwu aggregate, vwu report) sẽ theo số liệu mới.",
        "The next aggregate and report (vwu aggregate, vwu report) follow the new figures.",
    ),
    "cli.status.unchanged": ("Đã có, không đổi", "Already ingested"),
    "cli.status.refused": ("Từ chối", "Refused"),
    "cli.status.checked": ("Hợp lệ", "Valid"),
    "cli.status.skipped": ("Bỏ qua", "Skipped"),
    "cli.file.stored": (" — {unit}, {period}: {rows} dòng, {warnings} cảnh báo", " — {unit}, {period}: {rows} rows, {warnings} warnings"),
    "cli.file.empty_sheets": (
        "; trang không có số liệu (không tính là đã nộp, không thay gì): {sheets}",
        "; sheets without figures (not submitted, replace nothing): {sheets}",
    ),
    "cli.file.refused": (" — {errors} lỗi", " — {errors} errors"),
    "cli.summary": ("Tổng kết", "Summary"),
    "cli.rows": ("Dòng", "Rows"),
    "cli.warnings": ("Cảnh báo", "Warnings"),
    "cli.ingesting": ("Đang nhận báo cáo", "Ingesting"),
    "cli.checking": ("Đang kiểm tra", "Checking"),
    "cli.templates-written": ("Đã ghi {count} mẫu báo cáo vào {out}.", "Wrote {count} {count?template|templates} into {out}."),
    "cli.demo-written": (
        "Đã ghi {count} tệp, {rows} dòng đơn vị × {indicators} chỉ tiêu vào {out} trong {seconds} giây.",
        "Wrote {count} {count?file|files}, {rows} unit {rows?row|rows} × {indicators} {indicators?indicator|indicators} into {out} in {seconds} s.",
    ),
    "cli.headline": ("Số liệu chính {period}", "Headline figures, {period}"),
    "cli.figure": ("Nội dung", "Figure"),
    "cli.aggregated": (
        "Đã tổng hợp {period}: {figures} số liệu của {submissions} báo cáo; {warnings} cảnh báo, {outliers} số liệu bất thường.",
        "Aggregated {period}: {figures} {figures?figure|figures} from {submissions} {submissions?submission|submissions}; {warnings} {warnings?warning|warnings}, {outliers} {outliers?outlier|outliers}.",
    ),
    "cli.aggregated-first": (
        "Số liệu {period} chưa được tổng hợp hoặc đã thay đổi (số liệu, tệp chỉ tiêu, danh mục đơn vị hay bảng chuyển đổi): "
        "đã tổng hợp lại trước khi viết báo cáo.",
        "{period} was not aggregated yet, or its figures, schemas, unit master or conversion table changed: aggregated it first.",
    ),
    "cli.wrote": ("Đã ghi {files}", "Wrote {files}"),
    "cli.partial": ("Số liệu chưa đủ — số đơn vị chưa báo cáo: {missing}", "Partial data — units missing: {missing}"),
    "cli.targets-stored": ("Đã lưu {rows} chỉ tiêu năm {years} từ {file}.", "Stored {rows} targets for {years} from {file}."),
    "cli.targets-refused": ("{errors} lỗi, không lưu chỉ tiêu nào.", "{errors} errors, nothing stored."),
    "cli.running": ("Đang chạy", "Running"),
    "cli.last-runs": ("Các lần chạy gần nhất", "Last runs"),
    "cli.run.started": ("Bắt đầu", "Started"),
    "cli.run.command": ("Lệnh", "Command"),
    "cli.run.state": ("Tình trạng", "State"),
    "cli.run.result": ("Kết quả", "Result"),
    "cli.run.finished": ("xong", "done"),
    "cli.run.running": ("đang chạy", "running"),
    "cli.run.interrupted": ("dừng giữa chừng", "interrupted"),
    "cli.run.failed": ("lỗi", "failed"),
    "cli.refused-again": (
        "{count} tệp đã bị từ chối trước đây, chưa được gửi lại: {files}",
        "{count} {count?file|files} refused before, not sent again: {files}",
    ),
    "cli.no-files": ("Không có tệp nào trong {where}.", "No files in {where}."),
    "cli.backup-written": (
        "Đã sao lưu vào {path} ({size} byte, kiểm tra toàn vẹn: ok); giữ {kept} bản mới nhất.",
        "Backed up to {path} ({size} bytes, integrity check: ok); {kept} newest kept.",
    ),
    "cli.no-runs": ("Chưa có lần chạy nào trong thư mục dữ liệu này.", "No runs in this workspace yet."),
    "cli.ingest-run": (
        "{files} tệp: nhận {accepted}, thay {replaced}, không đổi {unchanged}, từ chối {refused}",
        "{files} {files?file|files}: {accepted} accepted, {replaced} replaced, {unchanged} unchanged, {refused} refused",
    ),
    "cli.ingest-run.skipped": (", bỏ qua {skipped}", ", {skipped} skipped"),
    "cli.aggregate-run": ("{period}: {figures} số liệu, {submissions} báo cáo", "{period}: {figures} figures, {submissions} submissions"),
    "cli.status.scope": (" — đơn vị {unit}", " — unit {unit}"),
    "cli.status.title": ("{period}: đơn vị báo cáo cấp {level}{scope}", "{period}: reporting units at {level} level{scope}"),
    "cli.status.indicator": ("Chỉ tiêu", "Indicator"),
    "cli.status.submitted": ("Đã nộp", "Submitted"),
    "cli.status.missing": ("Chưa nộp", "Missing"),
    # communes answered for (2025+: by the province's file or their own), or with figures (legacy)
    "cli.status.lowest_counted": ("Xã có báo cáo", "Communes reported"),
    "cli.status.lowest_figures": ("Xã có số liệu", "Communes with figures"),
    "cli.status.partly": ("{name} ({code}): {covered}/{expected} xã", "{name} ({code}): {covered}/{expected} communes"),
    # --- the checked copy handed back (ingest/annotate.py): its results sheet, then the e-mail text ---
    "feedback.title": ("KẾT QUẢ KIỂM TRA BÁO CÁO", "SUBMISSION CHECK RESULTS"),
    "feedback.file": ("Tệp", "File"),
    "feedback.unit": ("Đơn vị báo cáo", "Reporting unit"),
    "feedback.period": ("Kỳ báo cáo", "Period"),
    "feedback.checked_at": ("Kiểm tra lúc", "Checked at"),
    "feedback.verdict": ("Kết luận", "Verdict"),
    "feedback.valid": ("Hợp lệ", "Valid"),
    "feedback.invalid": ("Cần sửa", "Needs fixing"),
    "feedback.counts": ("{errors} lỗi, {warnings} cảnh báo", "{errors} errors, {warnings} warnings"),
    "feedback.next": ("Việc cần làm", "What to do next"),
    "feedback.next_errors": (
        "Sửa các ô tô đỏ (di chuột lên ô để đọc ghi chú; bấm vào ô trong bảng dưới để đến ô đó), lưu tệp này rồi gửi lại cho {send_to}. Có thể gửi lại chính tệp này: trang «{sheet}» được bỏ qua khi nhận.",
        "Fix the red cells (hover a cell to read its note; click a cell in the table below to go there), save this file and send it again to {send_to}. You may send this very file: the sheet «{sheet}» is skipped.",
    ),
    "feedback.next_warnings": (
        "Báo cáo đã hợp lệ. Xem lại các ô tô vàng: nếu số liệu đúng thì không cần làm gì; nếu sai, sửa rồi gửi lại cho {send_to}.",
        "The submission is valid. Review the amber cells: if the figures are right nothing is needed; if not, fix them and send the file again to {send_to}.",
    ),
    "feedback.next_valid": ("Báo cáo hợp lệ, không cần sửa gì.", "The submission is valid: nothing to fix."),
    "feedback.send_to_default": ("Hội LHPN cấp trên (nơi đã yêu cầu báo cáo)", "the union one level up (who asked for the report)"),
    "feedback.kept_xlsx": (
        "Bản sao giữ số liệu, công thức, định dạng và ô gộp của tệp gốc; hình ảnh và biểu đồ của tệp gốc không được chép sang.",
        "This copy keeps the original's figures, formulas, formatting and merged cells; its images and charts are not carried over.",
    ),
    "feedback.error.inside_inbox": (
        "Thư mục phản hồi {folder} nằm trong thư mục nhận báo cáo {inbox}.",
        "The feedback folder {folder} is inside the inbox {inbox}.",
    ),
    "feedback.error.inside_inbox_hint": (
        "Chọn một thư mục phản hồi ở ngoài thư mục nhận (--feedback, --annotate hoặc feedback trong vwu.toml):"
        " bản kiểm tra để trong đó sẽ bị đọc lại như một báo cáo.",
        "Choose a feedback folder outside the inbox (--feedback, --annotate or feedback in vwu.toml):"
        " copies left in the inbox would be read back as submissions.",
    ),
    "feedback.error.cannot_write": (
        "Không ghi được bản kiểm tra {copy}: {reason}.",
        "Cannot write the checked copy {copy}: {reason}.",
    ),
    "feedback.error.cannot_write_hint": (
        "Kiểm tra quyền ghi và chỗ trống của thư mục phản hồi.",
        "Check that the feedback folder is writable and has free space.",
    ),
    "feedback.kept_all": (
        "Bản sao là chính tệp gốc (số liệu, công thức, định dạng, ô gộp, hình ảnh và biểu đồ), chỉ thêm trang này, màu và ghi chú ở các ô cần xem.",
        "This copy is the original file itself (figures, formulas, formatting, merged cells, images and charts) with only this sheet and the colours and notes on the cells to review added.",
    ),
    "feedback.kept_values": (
        "Tệp gốc dạng {suffix}: bản sao giữ giá trị, ô gộp và độ rộng cột; định dạng khác của tệp gốc không được chép sang.",
        "The original is a {suffix} file: this copy keeps its values, merged cells and column widths, not its other formatting.",
    ),
    "feedback.kept_none": (
        "Không mở được tệp gốc nên bản này chỉ có trang kết quả.",
        "The original could not be opened, so this copy holds only the results sheet.",
    ),
    "feedback.list": ("Danh sách lỗi và cảnh báo", "Errors and warnings"),
    "feedback.no": ("STT", "No."),
    "feedback.severity": ("Mức", "Level"),
    "feedback.sheet": ("Trang", "Sheet"),
    "feedback.cell": ("Ô", "Cell"),
    "feedback.column": ("Cột", "Column"),
    "feedback.message": ("Nội dung", "Message"),
    "feedback.error": ("Lỗi", "Error"),
    "feedback.warning": ("Cảnh báo", "Warning"),
    "feedback.none": ("Không có lỗi hay cảnh báo nào.", "No errors or warnings."),
    "feedback.whole_file": ("(cả tệp)", "(whole file)"),
    "feedback.mail.subject": ("Kết quả kiểm tra báo cáo: {file}", "Submission check results: {file}"),
    "feedback.mail.greeting": ("Kính gửi Hội LHPN {unit},", "Dear {unit},"),
    "feedback.mail.greeting_unknown": ("Kính gửi đơn vị gửi báo cáo,", "Dear submitting unit,"),
    "feedback.mail.refused": (
        "Tệp «{file}»{period} CHƯA ĐƯỢC NHẬN: có {errors} lỗi cần sửa{warnings_tail}.",
        "The file «{file}»{period} was NOT ACCEPTED: {errors} {errors?error|errors} to fix{warnings_tail}.",
    ),
    "feedback.mail.warnings_tail": (" và {warnings} cảnh báo", " and {warnings} {warnings?warning|warnings}"),
    "feedback.mail.accepted": (
        "Tệp «{file}»{period} đã được nhận, kèm {warnings} cảnh báo cần xem lại.",
        "The file «{file}»{period} was accepted, with {warnings} {warnings?warning|warnings} to review.",
    ),
    "feedback.mail.period": (" (kỳ {period})", " (period {period})"),
    "feedback.mail.errors": ("Lỗi:", "Errors:"),
    "feedback.mail.warnings": ("Cảnh báo:", "Warnings:"),
    "feedback.mail.place": ("trang «{sheet}», ô {cell}", "sheet «{sheet}», cell {cell}"),
    "feedback.mail.place_sheet": ("trang «{sheet}»", "sheet «{sheet}»"),
    "feedback.mail.copy": (
        "Bản kiểm tra kèm theo ({copy}) là chính tệp của đơn vị: ô có lỗi tô đỏ, ô cần xem lại tô vàng, mỗi ô có ghi chú.",
        "The attached check copy ({copy}) is your own file: errors in red, cells to review in amber, each with a note.",
    ),
    "feedback.mail.todo_refused": (
        "Việc cần làm: sửa các ô tô đỏ ngay trên bản kiểm tra, lưu lại và gửi cho {send_to}.",
        "What to do: fix the red cells in the check copy, save it and send it to {send_to}.",
    ),
    "feedback.mail.todo_accepted": (
        "Nếu số liệu ở các ô tô vàng là đúng thì không cần làm gì; nếu sai, sửa và gửi lại cho {send_to}.",
        "If the amber figures are right, nothing is needed; if not, fix them and send the file again to {send_to}.",
    ),
    "feedback.mail.sign": ("vwu — hệ thống tổng hợp báo cáo Hội LHPN", "vwu — the Women's Union reporting pipeline"),
    "cli.feedback": ("bản kiểm tra", "checked copy"),
    "feedback.results_sheet": ("Kết quả kiểm tra", "Check results"),
    # --- who to call: vwu status --missing (a CSV for a mail merge) ---
    "missing.column.indicator": ("Chỉ tiêu", "Indicator"),
    "missing.column.unit_code": ("Mã đơn vị", "Unit code"),
    "missing.column.unit_name": ("Tên đơn vị", "Unit name"),
    "missing.column.parent_code": ("Mã đơn vị cấp trên", "Parent code"),
    "missing.column.parent_name": ("Đơn vị cấp trên", "Parent unit"),
    "missing.column.state": ("Tình trạng", "State"),
    "missing.column.detail": ("Chi tiết", "Detail"),
    "missing.column.latest_file": ("Tệp gửi gần nhất", "Latest file"),
    "missing.column.feedback": ("Bản kiểm tra gửi lại gần nhất", "Latest feedback copy"),
    "missing.state.not-submitted": ("Chưa nộp", "Not submitted"),
    "missing.state.refused": ("Tệp gần nhất bị từ chối", "Latest file refused"),
    "missing.state.partial": ("Thiếu xã", "Communes missing"),
    "missing.detail.partial": ("mới có {reported}/{expected} xã", "{reported}/{expected} communes so far"),
    "missing.detail.earlier": ("bản nộp trước vẫn được tính", "an earlier version still counts"),
    "missing.detail.nothing": ("chưa có bản nào được nhận", "no version accepted yet"),
    "missing.detail.period": ("chưa có báo cáo {period}", "no report for {period}"),
    "missing.none": ("Mọi đơn vị đã nộp đủ.", "Every unit has submitted in full."),
    # --- usage errors: click's errors said again in one language (usage.py) ---
    "usage.line": ("Cách dùng: {usage}", "Usage: {usage}"),
    "usage.help": ("Xem hướng dẫn: {command} {option}", "Try '{command} {option}' for help."),
    "usage.no-such-option": ("Không có tùy chọn {option}.", "No such option: {option}."),
    "usage.no-such-command": ("Không có lệnh {name}.", "No such command {name}."),
    "usage.did-you-mean": ("Có phải là: {names}?", "Did you mean {names}?"),
    "usage.missing-command": ("Thiếu tên lệnh.", "Missing command."),
    "usage.missing-argument": ("Thiếu đối số {name}.", "Missing argument {name}."),
    "usage.missing-option": ("Thiếu tùy chọn {name}.", "Missing option {name}."),
    "usage.invalid-value": ("Giá trị không hợp lệ cho {name}: {reason}", "Invalid value for {name}: {reason}"),
    "usage.extra-arguments": ("Thừa đối số: {args}.", "Unexpected extra arguments: {args}."),
    "usage.option-needs-value": ("Tùy chọn {option} cần một giá trị.", "Option {option} requires a value."),
    "usage.option-takes-no-value": ("Tùy chọn {option} không nhận giá trị.", "Option {option} does not take a value."),
    "usage.argument-values": ("Đối số {name} cần {count} giá trị.", "Argument {name} takes {count} values."),
    "usage.other": ("Lệnh gõ chưa đúng: {message}", "{message}"),
    "usage.reason.path-missing": ("{path} không tồn tại.", "{path} does not exist."),
    "usage.reason.path-is-file": ("{path} là một tệp, cần một thư mục.", "{path} is a file, not a folder."),
    "usage.reason.path-is-folder": ("{path} là một thư mục, cần một tệp.", "{path} is a folder, not a file."),
    "usage.reason.path-unreadable": ("không có quyền đọc {path}.", "{path} is not readable."),
    "usage.reason.path-unwritable": ("không có quyền ghi vào {path}.", "{path} is not writable."),
    "usage.reason.out-of-range": ("{value} nằm ngoài khoảng cho phép ({range}).", "{value} is not in the range {range}."),
    "usage.reason.not-integer": ("{value} không phải là số nguyên.", "{value} is not a whole number."),
    "usage.reason.not-number": ("{value} không phải là số.", "{value} is not a number."),
    "usage.reason.not-boolean": ("{value} không phải là có/không (true/false).", "{value} is not a yes/no value (true/false)."),
    "usage.reason.not-choice": ("{value} không phải một trong: {choices}.", "{value} is not one of {choices}."),
    # --- fatal errors (a red panel; the hint says how to fix) ---
    "error.stopped": ("Đã dừng.", "Stopped."),
    # vwu withdraw
    "error.withdraw-none": ("Không có tệp đã nhận nào khớp '{target}'.", "No accepted file matches '{target}'."),
    "error.withdraw-none-hint": (
        "Ghi tên tệp, đường dẫn như lúc nhận, hoặc mã sha256 (ít nhất 8 ký tự đầu) của tệp.",
        "Give the file's name, its path as ingested, or its sha256 (at least its first 8 characters).",
    ),
    "error.withdraw-several": ("Nhiều tệp đã nhận khớp '{target}': {files}.", "Several accepted files match '{target}': {files}."),
    "error.withdraw-several-hint": (
        "Ghi mã sha256 (ít nhất 8 ký tự đầu) của tệp cần rút.",
        "Give the sha256 (at least its first 8 characters) of the file to withdraw.",
    ),
    "error.withdraw-already": ("Tệp {file} ({sha}) đã được rút rồi.", "The file {file} ({sha}) is already withdrawn."),
    "error.withdraw-already-hint": (
        "Xem các tệp đã rút: vwu status. Để tính lại số liệu của tệp: vwu withdraw --undo {sha}",
        "Withdrawn files: vwu status. To count its figures again: vwu withdraw --undo {sha}",
    ),
    "error.withdraw-undone": (
        "Tệp {file} ({sha}) không bị rút: không có gì để hoàn tác.",
        "The file {file} ({sha}) is not withdrawn: nothing to undo.",
    ),
    "error.withdraw-undone-hint": ("Xem các tệp đã rút: vwu status.", "Withdrawn files: vwu status."),
    # the workspace and its store (shown as "vi / en"; the hint in Vietnamese until issue 16)
    "error.store-busy": (
        "Cơ sở dữ liệu {name} bị một tiến trình khác giữ quá lâu: {reason}",
        "the database stayed locked.",
    ),
    "error.store-busy-hint": (
        "Chờ lệnh đang chạy (vwu status cho biết) xong rồi chạy lại.",
        "Wait for the running command (vwu status names it) to finish, then run again.",
    ),
    "error.store-full": ("Không ghi được cơ sở dữ liệu {name}: {reason}", "the disk is full."),
    "error.store-full-hint": (
        "Giải phóng chỗ trống trên đĩa rồi chạy lại: các tệp đã lưu vẫn nguyên vẹn.",
        "Free some disk space and run again: the files stored so far are whole.",
    ),
    "error.store-corrupt": (
        "Cơ sở dữ liệu {name} của thư mục dữ liệu bị hỏng hoặc không đọc được: {reason}",
        "the database is corrupt.",
    ),
    "error.store-corrupt-hint": (
        "Khôi phục từ bản sao lưu, hoặc chuyển tệp vwu.sqlite đi chỗ khác rồi chạy lại 'vwu ingest' "
        "để dựng lại từ các tệp gốc (vwu không bao giờ sửa hay xóa tệp đã nộp).",
        "Restore a backup, or move vwu.sqlite away and run 'vwu ingest' again to rebuild it from the "
        "submitted files (vwu never modifies or deletes a submitted file).",
    ),
    "error.no-workspace": ("Chưa có dữ liệu trong {workspace}", "no workspace there yet."),
    "error.no-workspace-hint": (
        "Chạy 'vwu ingest THƯ_MỤC' trước, hoặc chỉ đúng --workspace.",
        "Run 'vwu ingest FOLDER' first, or point --workspace at the right folder.",
    ),
    "error.store-open": ("Không mở được cơ sở dữ liệu {path}: {reason}.", "Cannot open the database {path}: {reason}."),
    "error.store-open-hint": (
        "Tệp có thể bị hỏng hoặc không có quyền ghi. Khôi phục từ bản sao lưu, "
        "hoặc chuyển tệp đi chỗ khác rồi chạy lại 'vwu ingest' để dựng lại từ các tệp gốc.",
        "The file may be damaged or not writable. Restore a backup, or move it away and run "
        "'vwu ingest' again to rebuild it from the submitted files.",
    ),
    "error.store-newer": (
        "Cơ sở dữ liệu {path} do một phiên bản vwu mới hơn tạo ra (phiên bản lưu trữ {found}, bản này hiểu đến {known}).",
        "The database {path} was made by a newer vwu (store version {found}; this one knows up to {known}).",
    ),
    "error.store-newer-hint": (
        "Cập nhật vwu (git pull; make setup) rồi chạy lại; đừng dùng bản cũ với thư mục dữ liệu này.",
        "Update vwu (git pull; make setup) and run again; do not use an older vwu on this workspace.",
    ),
    "error.workspace-create": ("Không tạo được thư mục dữ liệu {workspace}: {reason}", "cannot create the workspace."),
    "error.workspace-create-hint": (
        "Kiểm tra đường dẫn --workspace (VWU_WORKSPACE) và quyền ghi.",
        "Check the --workspace path (VWU_WORKSPACE) and the permission to write there.",
    ),
    "error.lock-create": ("Không tạo được tệp khóa {path}: {reason}", "cannot create the lock file."),
    "error.lock-create-hint": ("Kiểm tra quyền ghi vào thư mục dữ liệu.", "Check the permission to write in the workspace."),
    "report.legacy-unit-note": (
        "Kỳ này tổng hợp theo danh mục cũ (các huyện gửi trước 01/07/2025): mã {code} là {legacy_name}. {new_name} từ "
        "01/07/2025 gồm {parts}: báo cáo riêng từng mã.",
        "This period is rolled up on the legacy tree (sent by the districts before 1 July 2025): code {code} is "
        "{legacy_name}. {new_name} from 1 July 2025 was formed from {parts}: report each code.",
    ),
    "error.period-needs-year": ("--period {part} không nói năm nào.", "--period {part} does not say which year."),
    "error.period-needs-year-hint": (
        "Ghi đủ kỳ (--period {year}-{part}) hoặc thêm --year {year}.",
        "Give the full period (--period {year}-{part}) or add --year {year}.",
    ),
    "error.period-not-in-year": ("Kỳ {period} không thuộc năm {year}.", "The period {period} is not in {year}."),
    "error.period-not-in-year-hint": (
        "Bỏ --year, hoặc ghi --period {part} cùng --year {year}.",
        "Leave out --year, or give --period {part} with --year {year}.",
    ),
    "error.no-indicator": ("Không có chỉ tiêu '{name}' trong {directory}.", "No indicator '{name}' in {directory}."),
    "error.no-indicator-hint": ("Các chỉ tiêu: {names}", "Indicators: {names}"),
    "error.unit-unknown": (
        "Mã đơn vị '{code}' không có trong danh mục năm {year}.",
        "Unit '{code}' is not in the {year} unit list.",
    ),
    "error.unit-unknown-hint": (
        'Mã là văn bản giữ số 0 đầu: tỉnh 2 chữ số (33), huyện 3 (332), xã 5 (12337). Tìm mã theo tên: vwu units "tên".',
        'Codes keep their leading zeros: province 2 digits (33), district 3 (332), commune 5 (12337). Find a code by name: vwu units "name".',
    ),
    "error.unit-became": (
        "{name} ({code}) từ 01/07/2025 thuộc {targets}.",
        "{name} ({code}) belongs to {targets} from 1 July 2025.",
    ),
    "error.district-abolished": (
        "{name} ({code}) không còn từ 01/07/2025 (bỏ cấp huyện); các xã của huyện nay thuộc {province_name} ({province}): {targets}.",
        "{name} ({code}) no longer exists from 1 July 2025 (districts abolished); its communes are now part of {province_name} ({province}): {targets}.",
    ),
    "error.unit-became-hint": (
        "Năm {year} theo cây mới: dùng --unit {code}. Báo cáo các kỳ trước 01/07/2025 (6 tháng đầu năm, quý I, II, "
        "tháng 1–6) theo cây cũ: thêm --period H1 (Q1, Q2, M01…M06). Tra cứu: vwu units {code}.",
        "For {year} on the new tree use --unit {code}. Reports of periods before 1 July 2025 (first half, Q1, Q2, "
        "months 1–6) are on the legacy tree: add --period H1 (Q1, Q2, M01…M06). Look up: vwu units {code}.",
    ),
    "error.unit-new": (
        "{name} ({code}) là đơn vị từ 01/07/2025, không có trong danh mục năm {year}; trước đó gồm {before}.",
        "{name} ({code}) is a unit from 1 July 2025, not in the {year} unit list; it was formed from {before}.",
    ),
    "cli.units.none": ("Không tìm thấy đơn vị nào khớp '{query}'.", "No unit matches '{query}'."),
    "cli.units.legacy": ("Cây cũ (đến 30/06/2025)", "Legacy tree (until 30 June 2025)"),
    "cli.units.2025": ("Cây 2025 (từ 01/07/2025)", "2025 tree (from 1 July 2025)"),
    "cli.units.successors": ("→ từ 01/07/2025 thuộc", "→ from 1 July 2025 part of"),
    "cli.units.predecessors": ("← trước 01/07/2025 gồm", "← before 1 July 2025 formed from"),
    "cli.units.note.whole": ("toàn bộ", "whole"),
    "cli.units.note.unchanged": ("giữ nguyên", "unchanged"),
    "cli.units.note.renamed": ("đổi tên", "renamed"),
    "cli.units.note.partial": ("một phần", "partial"),
    "cli.units.note.partial_area": ("một phần diện tích", "partial by area"),
    "cli.units.note.all_population": ("một phần diện tích, toàn bộ dân số", "part of the area, all the population"),
    "error.unexpected": (
        "vwu gặp lỗi không mong đợi. Chạy lại với --debug và gửi kết quả cho nhóm phát triển.",
        "Unexpected error: run again with --debug and send the output to the developers.",
    ),
}


def text(key: str, lang: str = "vi", /, **params: object) -> str:
    """The message `key` in `lang` ("en", else Vietnamese), its placeholders filled from `params`."""
    return fill(pick(MESSAGES[key], lang), params)


def both(key: str, sep: str = " / ", /, **params: object) -> str:
    """Vietnamese then English, for texts shown in both languages at once (fatal errors, summaries)."""
    vi, en = MESSAGES[key]
    return fill(vi, params) + sep + fill(en, params)


def pick(pair: Text, lang: str) -> str:
    """One side of a (Vietnamese, English) pair: English only when asked for."""
    return pair[1] if lang == "en" else pair[0]


# English plurals in a template: "{count} {count?template|templates}" -> "1 template", "2 templates".
_PLURAL = re.compile(r"\{(\w+)\?([^|{}]*)\|([^{}]*)\}")


def _one(value: object) -> bool:
    return str(value).strip() in ("1", "1.0")


def fill(template: str, params: dict[str, object]) -> str:
    if not params:
        return template
    template = _PLURAL.sub(lambda m: m[2] if _one(params.get(m[1], "")) else m[3], template)
    try:
        return template.format(**params)
    except (KeyError, IndexError):  # a template that names a field the caller did not give
        return template
