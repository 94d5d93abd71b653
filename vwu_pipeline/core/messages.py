"""Every text vwu shows a person, Vietnamese and English side by side: one place to add or fix a message.

Keys without a dot are problem codes (`Problem.code`, listed in the README); the others are
grouped by who shows them: `where.` (a problem's place in a file), `report.` (the workbook and
the Markdown summary), `cli.` (the terminal), `error.` (fatal errors and their hints).
Placeholders are `str.format` fields filled by the caller.
"""

from __future__ import annotations

import re
from typing import Literal, NamedTuple

Lang = Literal["vi", "en"]
Text = tuple[str, str]  # (Vietnamese, English)


class Said(NamedTuple):
    """A parameter that speaks both languages itself (a reason, a period's label): each side
    fills the message of its own language."""

    vi: str
    en: str


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
        "Code {code} changed with the official 2025 list: the name '{value}' is not '{official}'{hint}. "
        "Old templates carried provisional codes; take a new template (vwu template) or correct the code.",
    ),
    "unit-recoded-2025.meant": (" (mã chính thức của '{name}' là {code})", " (the official code of '{name}' is {code})"),
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
    # the same, when the part-year file comes after the full-year one
    "part-year-rows-count.after-year": (
        "Tệp cả năm đã nhận không có {count} xã có số liệu trong báo cáo {periods_vi} này: số liệu {periods_vi} của các xã "
        "này được tính vào cả năm: {units}. Nếu tệp cả năm bỏ sót các xã này, gửi lại tệp cả năm có dòng của chúng.",
        "The full-year file already received lacks {count} {count?commune|communes} with figures in this report for the "
        "{periods_en}: those figures count in the year: {units}. If the full-year file missed them, send it again with their rows.",
    ),
    "older-version": (
        "Bản này cũ hơn {newer} đã nhận ({decided}): chỉ dùng cho các xã bản mới hơn không có.",
        "This version is older than {newer}, already stored ({decided}): it counts only for communes the newer one lacks.",
    ),
    "decided.date": ("theo ngày ký {newer} sau {older}", "by the signing date {newer} after {older}"),
    "decided.mtime": (
        "theo thời gian sửa tệp, vì không có hoặc trùng ngày ký",
        "by modification time, as the signing dates are missing or equal",
    ),
    "decided.resave": (
        "vì {resaved} có số liệu giống hệt {original} nên tính theo thời điểm của {original}",
        "as {resaved} holds the same figures as {original}, it counts at the time of {original}",
    ),
    "decided.name": (
        "theo tên tệp, vì trùng ngày ký và thời gian sửa tệp",
        "by file name, as signing dates and modification times are equal",
    ),
    "newer-version": (
        "Bản này mới hơn {older} ({decided}): thay số liệu các xã có trong bản này.",
        "This version is newer than {older} ({decided}): it replaces the figures of the communes it holds.",
    ),
    "resaved-original": (
        "Số liệu giống hệt bản {original} đã được {successor} thay: bỏ qua để không hoàn tác bản sửa. "
        "Nếu đúng là muốn dùng lại bản này: vwu ingest --force {file}",
        "The figures equal those of {original}, already replaced by {successor}: skipped so as not to undo the correction. "
        "To use this version on purpose: vwu ingest --force {file}",
    ),
    # a version whose figures equal an older stored one's (an original saved again, stored before
    # the correction made in between arrived): it counts from that version's key, never newer
    "resaved-version": (
        "Số liệu giống hệt bản {original} đã nhận: đây là bản lưu lại, tính theo thời điểm của {original}; "
        "bản sửa nào làm sau {original} vẫn được tính.",
        "The figures equal those of {original}, already stored: this is that version saved again, counted at the time of {original}; "
        "a correction made after {original} still counts.",
    ),
    # the same bytes as an accepted file, with an older file time: the stored version counts from it
    "older-copy": (
        "Giống hệt {stored} đã nhận nhưng sửa lúc {modified}, sớm hơn: tính {stored} theo thời điểm này.",
        "The same bytes as {stored}, already stored, but modified at {modified}, earlier: {stored} now counts from that time.",
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
    # the counts a ratio with a threshold adds (indicators.measures), unless its schema names them
    "report.reached": ("Số cơ sở đạt {ratio} từ {level}", "Grassroots units with {ratio} of {level} or more"),
    "report.assessed": ("Số cơ sở có đủ số liệu tính {ratio}", "Grassroots units with the figures for the {ratio}"),
    "report.percentage-points": ("điểm %", "pp"),  # after a change of a percent rate: "+10,0 điểm %"
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
    "report.chart_ranking": ("{scope}: các số liệu chính theo đơn vị — {period}", "{scope}: headline figures by unit — {period}"),
    "report.chart_changes": (
        "{scope}: tăng/giảm so với năm {previous} theo đơn vị (trên cùng đơn vị)",
        "{scope}: change on {previous} by unit (like for like)",
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
    # --- mistakes in a schema file (core/schema_files.py): what is wrong, then how to fix it ---
    "schemas.issue.not-utf8": ("tệp không phải UTF-8.", "the file is not UTF-8."),
    "schemas.issue.not-utf8-hint": ("Lưu lại tệp dạng UTF-8.", "Save it again as UTF-8."),
    "schemas.issue.yaml-syntax": ("sai cú pháp YAML ({reason}).", "YAML syntax error ({reason})."),
    "schemas.issue.yaml-syntax-hint": (
        "Kiểm tra thụt lề và dấu hai chấm; đặt văn bản có dấu ':' hoặc ',' trong ngoặc kép.",
        "Check the indentation and colons; quote text that holds ':' or ','.",
    ),
    "schemas.issue.duplicate-key": ("khoá bị viết hai lần.", "the key is written twice."),
    "schemas.issue.duplicate-key-hint": ("Gộp hai khoá làm một.", "Merge them into one."),
    "schemas.issue.unknown-key": ("khoá không được phép.", "unknown key."),
    "schemas.issue.unknown-key-allowed": ("khoá không được phép. Các khoá hợp lệ: {allowed}.", "unknown key. Allowed keys: {allowed}."),
    "schemas.issue.guess": ("{word} → {guess}?", "{word} → {guess}?"),
    "schemas.issue.quote-commas": (
        "Văn bản có dấu phẩy phải đặt trong ngoặc kép: {example}.",
        "Quote a text that holds commas: {example}.",
    ),
    "schemas.issue.missing": ("thiếu khoá bắt buộc.", "required key missing."),
    "schemas.issue.not-a-choice": ("phải là một trong: {choices}; không phải '{given}'.", "must be one of: {choices}; not '{given}'."),
    "schemas.issue.wrong-type": ("cần {want}, không phải {given}.", "expected {want}, not {given}."),
    "schemas.type.float_type": (
        "một số (không đặt trong ngoặc kép, không dấu chấm ngăn cách: 1_000_000)",
        "a number (unquoted, no separators: 1_000_000)",
    ),
    "schemas.type.int_type": ("một số nguyên", "a whole number"),
    "schemas.type.bool_type": ("true hoặc false", "true or false"),
    "schemas.type.string_type": ("một đoạn văn bản", "a text"),
    "schemas.type.list_type": ("một danh sách [a, b]", "a list [a, b]"),
    "schemas.type.model_type": ("một bảng khoá: giá trị", "a mapping of key: value"),
    "schemas.type.dict_type": ("một bảng khoá: giá trị", "a mapping of key: value"),
    "schemas.type.label": ("{example}", "{example}"),
    "schemas.type.both-labels": ("{example} (cả hai)", "{example} (both)"),
    "schemas.issue.threshold-as-fraction": ("Viết 0.60 cho 60%.", "Write 0.60 for 60%."),
    "schemas.issue.number-unquoted": (
        "Bỏ ngoặc kép và dấu chấm ngăn cách: 1_000_000 hoặc 1000000.",
        "Drop the quotes and the separating dots: 1_000_000 or 1000000.",
    ),
    "schemas.issue.rule-code-pattern": (
        "mã quy tắc '{given}' phải viết thường, nối bằng gạch ngang (kebab-case), ví dụ new-exceeds-total.",
        "rule code '{given}' must be kebab-case, e.g. new-exceeds-total.",
    ),
    "schemas.issue.name-pattern": (
        "tên '{given}' chỉ gồm chữ thường không dấu, số và '_', bắt đầu bằng chữ (ví dụ members_total).",
        "name '{given}' must be lower case ASCII letters, digits and '_', starting with a letter (e.g. members_total).",
    ),
    "schemas.issue.too-long": (
        "dài quá {limit} ký tự (giới hạn tên trang tính của Excel): '{given}'.",
        "longer than {limit} characters (Excel's sheet name limit): '{given}'.",
    ),
    "schemas.issue.empty": ("không được để trống.", "must not be empty."),
    "schemas.issue.too-many": ("quá nhiều phần tử ({detail}).", "too many items ({detail})."),
    "schemas.issue.out-of-range": ("giá trị {given} ngoài khoảng cho phép ({detail}).", "value {given} out of range ({detail})."),
    "schemas.issue.other": ("{detail} ({given}).", "{detail} ({given})."),  # pydantic's own words: English only
    "schemas.issue.not-a-reference": (
        "'{name}' không phải {what} của chỉ tiêu ({allowed}).",
        "'{name}' is not {what} of the indicator ({allowed}).",
    ),
    "schemas.what.column": ("một cột", "a column"),
    "schemas.what.figure": ("một cột hay số liệu tính", "a column or derived figure"),
    "schemas.issue.max-below-min": ("max ({max}) nhỏ hơn min ({min}).", "max ({max}) is below min ({min})."),
    "schemas.issue.until-before-since": ("until ({until}) trước since ({since}).", "until ({until}) is before since ({since})."),
    "schemas.issue.percent-unit": ("tỷ lệ phần trăm không có đơn vị.", "a percent ratio has no unit."),
    "schemas.issue.percent-unit-hint": ("Bỏ unit, hoặc đặt format: decimal.", "Drop unit, or set format: decimal."),
    "schemas.issue.percent-threshold": (
        "ngưỡng của tỷ lệ phần trăm là một số từ 0 đến 1, không phải {threshold}.",
        "a percent ratio's threshold is between 0 and 1, not {threshold}.",
    ),
    "schemas.issue.percent-threshold-hint": ("Viết {fraction} cho {percent}%.", "Write {fraction} for {percent}%."),
    "schemas.issue.bad-comparison": ("'{check}' không phải một phép so sánh hợp lệ.", "'{check}' is not a valid comparison."),
    "schemas.issue.bad-comparison-hint": (
        "Viết 'cột_a <= cột_b' (hoặc >=, <, >, ==; một vế có thể là số).",
        "Write 'column_a <= column_b' (or >=, <, >, ==; one side may be a number).",
    ),
    "schemas.issue.builtin-code": ("mã '{code}' trùng một mã lỗi có sẵn của vwu.", "code '{code}' is a built-in problem code of vwu."),
    "schemas.issue.builtin-code-hint": ("Đặt tên riêng, ví dụ {indicator}-{code}.", "Choose another, e.g. {indicator}-{code}."),
    "schemas.issue.sheet-characters": ("tên trang tính không được chứa {characters}.", "a sheet name must not hold {characters}."),
    "schemas.issue.short-too-long": ("tên ngắn dài quá {limit} ký tự.", "the short title is longer than {limit} characters."),
    "schemas.issue.title-too-long": (
        "tiêu đề dài {length} ký tự, quá {limit} ký tự của tên trang tính Excel ('{start}…').",
        "the title is {length} characters, over Excel's {limit} for a sheet name ('{start}…').",
    ),
    "schemas.issue.title-too-long-hint": (
        "Thêm short: {example} với tên ngắn cho trang tính.",
        "Add short: {example} with a short sheet title.",
    ),
    "schemas.issue.collides": (
        "{kind} '{text}' trùng với '{other}' ({where}) khi bỏ dấu, hoa thường và khoảng trắng.",
        "{kind} '{text}' collides with '{other}' ({where}) once case, accents and spaces are folded.",
    ),
    "schemas.issue.collides-hint": ("Đặt tên khác.", "Choose another."),
    "schemas.kind.indicator": ("tên chỉ tiêu", "indicator name"),
    "schemas.kind.figure": ("tên số liệu", "figure name"),
    "schemas.kind.sheet": ("tên trang tính", "sheet name"),
    "schemas.kind.rule": ("mã quy tắc", "rule code"),
    "schemas.issue.header-ambiguous": (
        "tiêu đề cột '{text}' cũng là của cột {other}: không biết cột nào.",
        "column header '{text}' also names column {other}: ambiguous.",
    ),
    "schemas.issue.header-ambiguous-hint": ("Bỏ hoặc đổi một trong hai.", "Remove or change one of them."),
    "schemas.issue.unit-columns": ("cần đúng hai cột unit_code và unit_name.", "needs exactly unit_code and unit_name."),
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
    "cli.status.reporting": (
        "Đã nộp, số xã có số liệu ({indicators}): {units}",
        "Submitted, communes with figures ({indicators}): {units}",
    ),
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
    "feedback.counts": ("{errors} lỗi, {warnings} cảnh báo", "errors: {errors}, warnings: {warnings}"),
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
    "feedback.kept_all": (
        "Bản sao là chính tệp gốc (số liệu, công thức, định dạng, ô gộp, hình ảnh và biểu đồ), chỉ thêm trang này, màu và ghi chú ở các ô cần xem.",
        "This copy is the original file itself (figures, formulas, formatting, merged cells, images and charts) with only this sheet and the colours and notes on the cells to review added.",
    ),
    "feedback.kept_values": (
        "Tệp gốc dạng {suffix}: bản sao giữ giá trị, ô gộp và độ rộng cột; định dạng khác của tệp gốc không được chép sang.",
        "The original is a {suffix} file: this copy keeps its values, merged cells and column widths, not its other formatting.",
    ),
    "feedback.kept_csv": (
        "Tệp gốc dạng .csv chỉ có giá trị: bản sao giữ các giá trị đó (số liệu thành ô số, chữ vẫn là chữ); độ rộng cột được đặt cho vừa bảng.",
        "The original is a .csv file, values only: this copy keeps them (figures as numbers, text as text), with columns sized to the table.",
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
    # the workspace and its store (store/db.py)
    "error.store-busy": (
        "Cơ sở dữ liệu {path} bị một tiến trình khác giữ quá lâu ({reason}).",
        "The database {path} stayed locked by another process ({reason}).",
    ),
    "error.store-busy-hint": (
        "Chờ lệnh đang chạy (vwu status cho biết) xong rồi chạy lại.",
        "Wait for the running command (vwu status shows it) to finish, then run again.",
    ),
    "error.store-read-only": (
        "Không ghi được vào thư mục dữ liệu {folder}: người dùng {user} chỉ có quyền đọc ({reason}).",
        "Cannot write to the workspace {folder}: user {user} may only read it ({reason}).",
    ),
    "error.store-read-only-hint": (
        "Chạy lệnh ghi (ingest, aggregate, targets, backup) bằng tài khoản sở hữu thư mục dữ liệu, hoặc cấp quyền ghi"
        ' cho nhóm (xem README, "Quyền trên máy chủ dùng chung"). Các lệnh đọc (status, report) vẫn chạy được.',
        "Run writers (ingest, aggregate, targets, backup) as the workspace's owner, or give the group write access"
        ' (README, "Permissions on a shared server"). Readers (status, report) still work.',
    ),
    "error.store-file-size": (
        "Không ghi được {path}: vượt giới hạn kích thước tệp của tiến trình (ulimit -f = {limit} byte).",
        "Cannot write {path}: the process file-size limit was reached (ulimit -f = {limit} bytes).",
    ),
    "error.store-file-size-hint": (
        "Nâng giới hạn (ulimit -f unlimited trong crontab hoặc tài khoản chạy vwu) rồi chạy lại: dữ liệu đã lưu vẫn nguyên vẹn.",
        "Raise the limit (ulimit -f unlimited in the crontab or the account running vwu), then run again: what was stored is intact.",
    ),
    "error.store-full": ("Không ghi được {path}: đĩa đã đầy ({reason}).", "Cannot write {path}: the disk is full ({reason})."),
    "error.store-full-hint": (
        "Giải phóng chỗ trống trên đĩa rồi chạy lại: dữ liệu đã lưu vẫn nguyên vẹn.",
        "Free some disk space, then run again: what was stored is intact.",
    ),
    "error.store-wal-deleted": (
        "Tệp nhật ký ghi trước {name}-wal đã bị xóa khi vwu đang dùng nó ({reason}); những thay đổi gần nhất có thể đã mất.",
        "The write-ahead log {name}-wal was deleted while vwu used it ({reason}); the latest changes may be lost.",
    ),
    "error.store-wal-deleted-hint": (
        "Đừng xóa các tệp vwu.sqlite-wal, vwu.sqlite-shm khi vwu chạy. Dừng mọi lệnh vwu, chạy 'vwu status' để kiểm tra"
        " cơ sở dữ liệu, rồi chạy lại 'vwu ingest' (tệp đã nộp được nhận lại nếu thiếu).",
        "Never delete vwu.sqlite-wal or vwu.sqlite-shm while vwu runs. Stop every vwu command, run 'vwu status' to"
        " check the database, then run 'vwu ingest' again (missing files are taken in again).",
    ),
    "error.store-structure": (
        "Cơ sở dữ liệu {path} không có cấu trúc mà bản vwu này cần ({reason}).",
        "The database {path} lacks the structure this vwu needs ({reason}).",
    ),
    "error.store-structure-hint": (
        "Có thể tệp do một bản vwu khác tạo ra, hoặc bị sửa bằng tay. Dùng đúng bản vwu (git pull; make setup);"
        " đừng xóa tệp: chỉ tiêu, lịch sử chạy và báo cáo từ chối nằm trong đó.",
        "It may come from another vwu version, or have been edited by hand. Use the right vwu (git pull; make setup);"
        " do not delete it: targets, run history and refusal reports live there.",
    ),
    "error.store-corrupt": (
        "Cơ sở dữ liệu {path} bị hỏng (PRAGMA quick_check: {check}).",
        "The database {path} is corrupt (PRAGMA quick_check: {check}).",
    ),
    "error.store-corrupt-hint": (
        'Khôi phục bản sao lưu mới nhất (xem README, "Sao lưu và khôi phục"). Không có bản sao lưu: chuyển tệp vwu.sqlite'
        " đi chỗ khác rồi chạy lại 'vwu ingest' với các tệp gốc, rồi nạp lại chỉ tiêu ('vwu targets'): lịch sử chạy và"
        " báo cáo từ chối cũ không dựng lại được.",
        'Restore the latest backup (README, "Backups and restoring"). With no backup: move vwu.sqlite away, run'
        " 'vwu ingest' on the original files again, then load the targets again ('vwu targets'): the run history and old"
        " refusal reports cannot be rebuilt.",
    ),
    "error.store-other": ("Lỗi cơ sở dữ liệu {path}: {reason}.", "Database error in {path}: {reason}."),
    "error.store-other-hint": (
        "Kiểm tra cơ sở dữ liệu bằng 'vwu status'; nếu lỗi lặp lại, chạy lại với --debug và gửi kết quả cho nhóm phát triển.",
        "Check the database with 'vwu status'; if the error comes back, run again with --debug and send the output to the developers.",
    ),
    "error.no-workspace": ("Chưa có dữ liệu trong {workspace}.", "No workspace in {workspace} yet."),
    "error.no-workspace-hint": (
        "Chạy 'vwu ingest THƯ_MỤC' trước, hoặc chỉ đúng --workspace (VWU_WORKSPACE).",
        "Run 'vwu ingest FOLDER' first, or point --workspace (VWU_WORKSPACE) at the right folder.",
    ),
    "error.store-upgrade-read-only": (
        "Cơ sở dữ liệu {path} cần được nâng cấp (phiên bản {found}, bản vwu này dùng {known}), mà người dùng {user} chỉ có quyền đọc.",
        "The database {path} needs an upgrade (version {found}, this vwu uses {known}), and user {user} may only read it.",
    ),
    "error.store-upgrade-read-only-hint": (
        "Chạy một lệnh ghi (vwu ingest) bằng tài khoản sở hữu thư mục dữ liệu một lần, rồi chạy lại.",
        "Run a writer (vwu ingest) once as the workspace's owner, then run again.",
    ),
    "error.store-newer": (
        "Cơ sở dữ liệu {path} do một phiên bản vwu mới hơn tạo ra (phiên bản lưu trữ {found}, bản này hiểu đến {known}).",
        "The database {path} was made by a newer vwu (store version {found}; this one knows up to {known}).",
    ),
    "error.store-newer-hint": (
        "Cập nhật vwu (git pull; make setup) rồi chạy lại; đừng dùng bản cũ với thư mục dữ liệu này.",
        "Update vwu (git pull; make setup) and run again; do not use an older vwu on this workspace.",
    ),
    "error.workspace-create": (
        "Không tạo được thư mục dữ liệu {workspace}: {reason}",
        "Cannot create the workspace {workspace}: {reason}",
    ),
    "error.workspace-create-hint": (
        "Kiểm tra đường dẫn --workspace (VWU_WORKSPACE) và quyền ghi.",
        "Check the --workspace path (VWU_WORKSPACE) and the permission to write there.",
    ),
    "error.lock-create": ("Không tạo được tệp khóa {path}: {reason}", "Cannot create the lock file {path}: {reason}"),
    "error.locked": (
        "Thư mục dữ liệu {workspace} đang bận: {who}. Đã chờ {waited} giây.",
        "Another vwu run holds the workspace {workspace}: {who}. Waited {waited} seconds.",
    ),
    "error.locked-hint": (
        "Chờ lượt đó xong rồi chạy lại, hoặc tăng --lock-timeout (lock_timeout trong vwu.toml). "
        "Khóa tự mở khi tiến trình kia kết thúc, kể cả khi bị dừng đột ngột: không cần xóa tệp nào.",
        "Wait for that run to finish and run again, or raise --lock-timeout (lock_timeout in vwu.toml). "
        "The lock opens by itself when the other process ends, even when it is killed: delete no file.",
    ),
    "error.locked-by": (
        "lệnh 'vwu {command}' (pid {pid}, người dùng {user}, máy {host}) chạy từ {started}",
        "'vwu {command}' (pid {pid}, user {user}, host {host}) running since {started}",
    ),
    "error.locked-by-someone": ("một lượt vwu khác", "another vwu run"),
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
    "error.no-schema-folder": ("Không tìm thấy thư mục chỉ tiêu {folder}.", "The indicator folder {folder} was not found."),
    "error.no-schema-folder-hint": (
        "Đặt VWU_SCHEMAS hoặc --schemas tới thư mục chứa các tệp *.yaml của chỉ tiêu.",
        "Point VWU_SCHEMAS or --schemas at the folder of the indicators' *.yaml files.",
    ),
    "error.no-schema-files": (
        "Thư mục {folder} không có tệp chỉ tiêu *.yaml nào.",
        "The folder {folder} holds no indicator file (*.yaml).",
    ),
    "error.no-schema-files-hint": (
        "Đặt VWU_SCHEMAS hoặc --schemas tới thư mục chứa các tệp *.yaml của chỉ tiêu.",
        "Point VWU_SCHEMAS or --schemas at the folder of the indicators' *.yaml files.",
    ),
    "error.schema-file-missing": ("Thiếu tệp {path}.", "The file {path} is missing."),
    "error.schema-file-missing-hint": ("Khôi phục tệp từ thư mục schemas/ của dự án.", "Restore it from the project's schemas/ folder."),
    "error.check-failed": (
        "Kiểm tra '{check}' của chỉ tiêu {indicator} ({source}) bị lỗi thay vì cho kết quả: {reason}.",
        "The check '{check}' of the indicator {indicator} ({source}) failed to run instead of checking rows: {reason}.",
    ),
    "error.check-failed-hint": (
        "Kiểm tra tệp chỉ tiêu bằng 'vwu schemas check'; nếu tệp đúng, đây là lỗi của vwu: hãy báo lại.",
        "Check the indicator file with 'vwu schemas check'; if it is right, this is a bug in vwu: please report it.",
    ),
    "error.period-invalid": ("Kỳ báo cáo '{code}' không hợp lệ.", "The reporting period '{code}' is not valid."),
    "error.period-invalid-hint": (
        "Dùng năm (2024), nửa năm (H1, H2), quý (Q1…Q4), 9 tháng (9M) hoặc tháng (M01…M12).",
        "Use a year (2024), a half (H1, H2), a quarter (Q1…Q4), nine months (9M) or a month (M01…M12).",
    ),
    # the unit master (core/units.py) and the 2025 conversion file (core/crosswalk.py)
    "error.master.where": ("Danh mục đơn vị {path}", "Unit master {path}"),
    "error.master.where-line": ("Danh mục đơn vị {path}, dòng {line}", "Unit master {path}, line {line}"),
    "error.master-hint": (
        "Danh mục đơn vị phải là tệp CSV UTF-8 với dòng tiêu đề {columns}; ngày dạng YYYY-MM-DD (valid_to có thể để trống),"
        " level là province/district/commune, mã là văn bản giữ số 0 đầu (2/3/5 chữ số). Sửa tệp, hoặc bỏ biến {variable}"
        " để dùng danh mục đi kèm vwu.",
        "The unit master must be a UTF-8 CSV with the header {columns}; dates as YYYY-MM-DD (valid_to may be empty),"
        " level one of province/district/commune, codes as text with leading zeros (2/3/5 digits). Fix the file, or unset"
        " {variable} to use the packaged master.",
    ),
    "error.master.no-tree": ("không có đơn vị nào", "no unit"),
    "error.master.trees": ("nhiều cây đơn vị ({trees})", "several trees ({trees})"),
    "error.master.year-trees": (
        "{where}: {found} có hiệu lực ngày {day} (năm báo cáo {year}); mỗi năm báo cáo cần đúng một cây có hiệu lực ngày 30/11.",
        "{where}: {found} valid on {day} (report year {year}); each report year needs exactly one tree valid on 30 November.",
    ),
    "error.master.day-trees": ("{where}: {count} cây đơn vị có hiệu lực ngày {day}.", "{where}: {count} trees valid on {day}."),
    "error.master.date": (
        "{where}: {column} {value} không phải ngày (YYYY-MM-DD).",
        "{where}: {column} {value} is not a date (YYYY-MM-DD).",
    ),
    "error.master.header": ("{where}: dòng tiêu đề là {header}.", "{where}: the header is {header}."),
    "error.master.missing": ("{where} không tồn tại.", "{where} does not exist."),
    "error.master.unreadable": ("{where}: không đọc được ({reason}).", "{where} cannot be read: {reason}."),
    "error.master.empty": ("{where} không có đơn vị nào.", "{where} has no units."),
    "error.master.columns": ("{where}: {count} cột, cần {expected}.", "{where}: {count} columns, expected {expected}."),
    "error.master.blank": ("{where}: tree và name không được để trống.", "{where}: tree and name must not be empty."),
    "error.master.level": ("{where}: level {level} không thuộc {levels}.", "{where}: level {level} is not one of {levels}."),
    "error.master.code": (
        "{where}: mã {level} {code} phải có {width} chữ số (Excel làm mất số 0 đầu?).",
        "{where}: {level} code {code} must be {width} digits (leading zeros lost by Excel?).",
    ),
    "error.master.dates": (
        "{where}: valid_to {valid_to} trước valid_from {valid_from}.",
        "{where}: valid_to {valid_to} is before valid_from {valid_from}.",
    ),
    "error.master.twice": (
        "{where}: mã {code} xuất hiện hai lần trong cây {tree} (hiệu lực từ {day}, dòng {first} và {second}).",
        "{where}: code {code} appears twice in tree {tree} (valid from {day}, lines {first} and {second}).",
    ),
    "error.master.parent": (
        "{where}: {level} {code} có đơn vị cấp trên {parent}; parent_code phải là {expected}.",
        "{where}: {level} {code} has parent {parent}; parent_code must be {expected}.",
    ),
    "error.master.parent-level": (
        "một đơn vị {levels} của cây {tree} có hiệu lực từ {day}",
        "a {levels} of tree {tree} valid from {day}",
    ),
    "error.master.parent-none": ("để trống với cấp tỉnh", "empty for a province"),
    "error.crosswalk.where": ("Tệp chuyển đổi {path}", "Conversion file {path}"),
    "error.crosswalk.where-line": ("Tệp chuyển đổi {path}, dòng {line}", "Conversion file {path}, line {line}"),
    "error.crosswalk-hint": (
        "Tệp chuyển đổi phải là tệp CSV UTF-8 với dòng tiêu đề {columns}; mã là văn bản giữ số 0 đầu, note là một trong"
        " {notes}. Sửa tệp, hoặc bỏ biến {variable} để dùng tệp đi kèm vwu (make units dựng lại tệp này).",
        "The conversion file must be a UTF-8 CSV with the header {columns}; codes as text with leading zeros, note one of"
        " {notes}. Fix the file, or unset {variable} to use the packaged one (make units rebuilds it).",
    ),
    "error.crosswalk.header": ("{where}: dòng tiêu đề là {header}.", "{where}: the header is {header}."),
    "error.crosswalk.columns": ("{where}: {count} cột, cần {expected}.", "{where}: {count} columns, expected {expected}."),
    "error.crosswalk.note": (
        "{where}: note {note} không thuộc danh sách cho phép.",
        "{where}: note {note} is not one of the allowed notes.",
    ),
    "error.crosswalk.missing": ("{where} không tồn tại.", "{where} does not exist."),
    "error.crosswalk.unreadable": ("{where}: không đọc được ({reason}).", "{where} cannot be read: {reason}."),
    "error.level-not-reported": (
        "Cây đơn vị {tree}: không lập mẫu cho cấp '{level}'.",
        "Unit tree {tree}: no templates for the level '{level}'.",
    ),
    "error.level-not-reported-hint": ("Các cấp báo cáo của cây này: {levels}.", "The reporting levels of this tree: {levels}."),
    "level.province": ("tỉnh", "province"),
    "level.district": ("huyện", "district"),
    "level.commune": ("xã", "commune"),
    "error.below-reporting-level": (
        "{name} ({code}) là cấp {unit_level}, dưới cấp báo cáo {level_name} (--level {level}).",
        "{name} ({code}) is a {unit_level} unit, below the reporting level {level_name} (--level {level}).",
    ),
    "error.below-reporting-level-hint": (
        "Mẫu của đơn vị này do {owner} ({owner_code}) điền: dùng --unit {owner_code}.",
        "This unit's form is filled in by {owner} ({owner_code}): use --unit {owner_code}.",
    ),
    # outputs (core/outputs.py): reports, templates, backups
    "error.output": ("Không tạo được {path}: {reason}.", "Cannot create {path}: {reason}."),
    "error.output-hint": (
        "Chọn thư mục khác (--out), hoặc cấp quyền ghi, hoặc giải phóng chỗ trống trên đĩa rồi chạy lại.",
        "Choose another folder (--out), grant write permission, or free disk space, then run again.",
    ),
    "error.output-is-file": (
        "Không ghi được vào {path}: đó là một tệp, không phải thư mục.",
        "Cannot write into {path}: it is a file, not a folder.",
    ),
    "error.output-is-file-hint": (
        "Chỉ --out tới một thư mục (sẽ được tạo nếu chưa có).",
        "Point --out at a folder (created when missing).",
    ),
    # why a submitted file cannot be read (ingest/guards.py), the {reason} of file-unreadable
    "reason.zip-corrupt": ("tệp nén bị hỏng", "the zip container is damaged"),
    "reason.not-excel": ("không phải tệp Excel hợp lệ", "not a valid Excel file"),
    "reason.web-page": (
        "tệp là trang HTML/XML đổi đuôi, không phải tệp Excel hợp lệ",
        "the file is an HTML/XML page renamed, not a valid Excel file",
    ),
    "reason.xml-entities": (
        "{part}: tệp chứa khai báo thực thể XML (<!DOCTYPE/<!ENTITY>), điều Excel không bao giờ ghi: có thể là tệp độc hại kiểu 'billion laughs'",
        "{part}: the file declares XML entities (<!DOCTYPE/<!ENTITY>), which Excel never writes: possibly a 'billion laughs' attack",
    ),
    "reason.no-sheet": ("tệp không có trang tính nào", "the workbook has no sheet"),
    "reason.reader-crashed": (
        "tệp làm trình đọc bảng tính dừng đột ngột (có thể bị làm hỏng có chủ ý)",
        "the file made the spreadsheet reader stop abruptly (possibly damaged on purpose)",
    ),
    "reason.disk-full": ("đĩa đã đầy", "the disk is full"),
    "reason.file-size-limit": ("vượt giới hạn kích thước tệp (ulimit -f)", "the file-size limit (ulimit -f) was reached"),
    "reason.permission": ("không có quyền ghi", "permission denied"),
    "reason.read-only-fs": ("ổ đĩa chỉ cho đọc", "read-only file system"),
    "reason.not-a-folder": ("một phần của đường dẫn là tệp, không phải thư mục", "part of the path is a file, not a folder"),
    "reason.in-the-way": ("đã có một tệp hoặc thư mục trùng tên", "a file or folder of that name is in the way"),
    "error.backup-keep": ("--keep phải từ 1 trở lên, không phải {keep}.", "--keep must be 1 or more, not {keep}."),
    "error.backup-keep-hint": ("Ví dụ: --keep 7 giữ 7 bản sao lưu mới nhất.", "For example: --keep 7 keeps the 7 newest backups."),
    "error.feedback-under-inbox": (
        "Thư mục phản hồi {folder} nằm trong thư mục nhận báo cáo {inbox}.",
        "The feedback folder {folder} is inside the inbox {inbox}.",
    ),
    "error.feedback-under-inbox-hint": (
        "Chọn một thư mục phản hồi ở ngoài thư mục nhận (--feedback, --annotate hoặc feedback trong vwu.toml):"
        " bản kiểm tra để trong đó sẽ bị đọc lại như một báo cáo.",
        "Choose a feedback folder outside the inbox (--feedback, --annotate or feedback in vwu.toml):"
        " a checked copy left there would be read again as a submission.",
    ),
    "error.feedback-copy": ("Không ghi được bản kiểm tra {path}: {reason}.", "Cannot write the checked copy {path}: {reason}."),
    "error.feedback-copy-hint": (
        "Kiểm tra quyền ghi và chỗ trống của thư mục phản hồi.",
        "Check the permission to write in the feedback folder and its free space.",
    ),
    "error.worker-memory": (
        "Giới hạn bộ nhớ của tiến trình đọc tệp (worker_memory_bytes = {limit} byte) quá nhỏ: tiến trình không mở được tệp nào.",
        "The reader processes' memory limit (worker_memory_bytes = {limit} bytes) is too small to open any file.",
    ),
    "error.worker-memory-hint": (
        'Nâng worker_memory_bytes trong vwu.toml (mặc định "4 GB"; ít nhất vài trăm MB), hoặc bỏ VWU_WORKER_MEMORY_BYTES.',
        'Raise worker_memory_bytes in vwu.toml (default "4 GB"; at least a few hundred MB), or unset VWU_WORKER_MEMORY_BYTES.',
    ),
    "error.outlier-factor": (
        "--outlier-factor phải lớn hơn 1, không phải {factor}.",
        "--outlier-factor must be greater than 1, not {factor}.",
    ),
    "error.outlier-factor-hint": (
        "Mặc định 10: số liệu gấp 10 lần năm trước (thừa một chữ số 0) được cảnh báo.",
        "The default is 10: a figure ten times last year's (one zero too many) is flagged.",
    ),
    "error.no-figures": ("Chưa có số liệu {period} trong {workspace}.", "No figures for {period} in {workspace}."),
    "error.no-figures-hint": (
        "Chạy 'vwu ingest THƯ_MỤC --workspace {workspace}' trước, hoặc kiểm tra --year và --period.",
        "Run 'vwu ingest FOLDER --workspace {workspace}' first, or check --year and --period.",
    ),
    "error.scale": ("--scale '{scale}' không hợp lệ.", "--scale '{scale}' is not valid."),
    "error.scale-hint": (
        "Dùng 'national' (một báo cáo năm cho mỗi đơn vị) hoặc số N từ 1 đến {most} (N báo cáo tháng).",
        "Use 'national' (one year's report per unit) or a number N from 1 to {most} (N monthly reports).",
    ),
    "error.scale-months": (
        "--scale {scale}: cây đơn vị năm {year} chỉ đủ cho {months} kỳ tháng.",
        "--scale {scale}: the unit tree of {year} covers only {months} months.",
    ),
    "error.format": ("--format {value}: cần 'table' hoặc 'csv'.", "--format {value}: use 'table' or 'csv'."),
    "error.format-hint": ("Ví dụ: vwu status --missing --format csv", "For example: vwu status --missing --format csv"),
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
        "Năm {year} theo cây mới: dùng --unit {new_code}. Báo cáo các kỳ trước 01/07/2025 (6 tháng đầu năm, quý I, II, "
        "tháng 1–6) theo cây cũ: thêm --period H1 (Q1, Q2, M01…M06). Tra cứu: vwu units {new_code}.",
        "For {year} on the new tree use --unit {new_code}. Reports of periods before 1 July 2025 (first half, Q1, Q2, "
        "months 1–6) are on the legacy tree: add --period H1 (Q1, Q2, M01…M06). Look up: vwu units {new_code}.",
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
    # --- settings (ops/config.py): what a value must be, and the errors that say so ---
    "config.expect.text": ("một chuỗi không rỗng trong dấu ngoặc kép", "a non-empty string in double quotes"),
    "config.expect.lang": ("'vi' hoặc 'en'", "'vi' or 'en'"),
    "config.expect.mode": (
        'một quyền truy cập dạng bát phân trong dấu ngoặc kép, như "0640"',
        'an octal permission mode in double quotes, such as "0640"',
    ),
    "config.expect.mode-owner": (
        'một quyền cho phép chủ sở hữu đọc và ghi (ví dụ "0640", "0600")',
        'a mode that lets the owner read and write (for example "0640", "0600")',
    ),
    "config.expect.year": ("một năm từ 2000 đến 2100", "a year from 2000 to 2100"),
    "config.expect.integer": ("một số nguyên", "a whole number"),
    "config.expect.positive": ("một số nguyên lớn hơn 0", "a whole number greater than 0"),
    "config.expect.count": ("một số nguyên không âm", "a whole number, 0 or more"),
    "config.expect.seconds": ("một số giây (0 hoặc lớn hơn)", "a number of seconds (0 or more)"),
    "config.expect.bytes": ('một số byte, hoặc kích thước như "50 MB", "2 GB"', 'a number of bytes, or a size such as "50 MB", "2 GB"'),
    "config.expect.size": ("một kích thước lớn hơn 0", "a size greater than 0"),
    "config.kind.string": ("chuỗi", "string"),
    "config.kind.boolean": ("true/false", "true/false"),
    "config.kind.integer": ("số nguyên", "integer"),
    "config.kind.float": ("số thực", "decimal number"),
    "config.kind.list": ("danh sách", "list"),
    "config.kind.table": ("bảng", "table"),
    "error.no-year": ("Chưa cho biết năm báo cáo.", "No report year given."),
    "error.no-year-hint": (
        "Thêm --year 2024, hoặc đặt {variable}=2024, hoặc ghi year = 2024 trong {config}.",
        "Add --year 2024, or set {variable}=2024, or write year = 2024 in {config}.",
    ),
    "error.no-inbox": ("Chưa cho biết thư mục nhận báo cáo.", "No inbox given."),
    "error.no-inbox-hint": (
        "Chạy 'vwu ingest THƯ_MỤC', hoặc ghi inbox = \"/đường/dẫn/inbox\" trong {config} (hoặc đặt {variable}).",
        "Run 'vwu ingest FOLDER', or write inbox = \"/path/to/inbox\" in {config} (or set {variable}).",
    ),
    "error.inbox-not-folder": (
        "Thư mục nhận báo cáo {inbox} không tồn tại hoặc không phải thư mục (khai báo ở {where}).",
        "The inbox {inbox} does not exist or is not a folder (set in {where}).",
    ),
    "error.inbox-not-folder-hint": ("Tạo thư mục đó, hoặc sửa đường dẫn inbox.", "Create that folder, or correct the inbox path."),
    "error.workspace-root": ("Thư mục dữ liệu không thể là thư mục gốc {root}.", "The workspace cannot be the root folder {root}."),
    "error.workspace-root-hint": (
        "Chỉ --workspace (hoặc VWU_WORKSPACE) tới một thư mục riêng, ví dụ /srv/vwu/vwu-data.",
        "Point --workspace (or VWU_WORKSPACE) at a folder of its own, such as /srv/vwu/vwu-data.",
    ),
    "error.bad-option": (
        "Tùy chọn {option} không nhận giá trị {value}: cần {expected}.",
        "Option {option} does not take {value}: it needs {expected}.",
    ),
    "error.bad-option-hint": ("Ví dụ: {option} {example}", "For example: {option} {example}"),
    "error.bad-variable": (
        "Biến môi trường {variable}={value} không hợp lệ: cần {expected}.",
        "The environment variable {variable}={value} is not valid: it needs {expected}.",
    ),
    "error.bad-variable-hint": (
        "Ví dụ: {variable}={example}, hoặc bỏ biến đó.",
        "For example: {variable}={example}, or unset it.",
    ),
    "error.feedback-in-inbox": (
        "Thư mục phản hồi {feedback} ({feedback_source}) nằm trong thư mục nhận báo cáo {inbox} ({inbox_source}).",
        "The feedback folder {feedback} ({feedback_source}) is inside the inbox {inbox} ({inbox_source}).",
    ),
    "error.feedback-in-inbox-hint": (
        "Đặt feedback ở ngoài inbox, ví dụ: {example}: bản kiểm tra để trong inbox sẽ bị đọc lại như một báo cáo.",
        "Put feedback outside the inbox, for example: {example}: a checked copy left in the inbox would be read again as a submission.",
    ),
    "error.config-syntax": (
        "Tệp cấu hình {path} sai cú pháp TOML{where}: {reason}",
        "The configuration file {path} is not valid TOML{where}: {reason}",
    ),
    "error.config-syntax-hint": (
        'Mỗi dòng dạng khóa = giá trị; chuỗi và đường dẫn trong dấu ngoặc kép, ví dụ: inbox = "/srv/vwu/inbox".',
        'Each line reads key = value; strings and paths in double quotes, for example: inbox = "/srv/vwu/inbox".',
    ),
    "error.config-where": (" ở dòng {line}, cột {column}", " at line {line}, column {column}"),
    "error.config-not-utf8": ("Tệp cấu hình {path} không phải văn bản UTF-8.", "The configuration file {path} is not UTF-8 text."),
    "error.config-not-utf8-hint": (
        "Mở tệp bằng trình soạn thảo và lưu lại với bảng mã UTF-8.",
        "Open it in a text editor and save it again as UTF-8.",
    ),
    "error.config-unreadable": (
        "Không đọc được tệp cấu hình {path}: {reason}.",
        "Cannot read the configuration file {path}: {reason}.",
    ),
    "error.config-unreadable-hint": (
        "Kiểm tra quyền đọc tệp, hoặc chuyển tệp đi nếu không dùng.",
        "Check the permission to read it, or move it away if it is not used.",
    ),
    "error.config-key": (
        "Tệp cấu hình {path}: khóa '{key}' không được hỗ trợ.",
        "Configuration file {path}: the key '{key}' is not supported.",
    ),
    "error.config-key-hint": ("{guess}Các khóa hợp lệ: {keys}.", "{guess}The valid keys: {keys}."),
    "error.config-key-guess": ("Có phải ý bạn là '{key}'? ", "Did you mean '{key}'? "),
    "error.config-value": (
        "Tệp cấu hình {path}: khóa '{key}' cần {expected}, không phải {value}.",
        "Configuration file {path}: the key '{key}' needs {expected}, not {value}.",
    ),
    "error.config-value-hint": ("Ví dụ: {example}", "For example: {example}"),
    "error.log-unwritable": ("không ghi được nhật ký {path}.", "cannot write the log {path}."),
    "error.unexpected": (
        "vwu gặp lỗi không mong đợi. Chạy lại với --debug và gửi kết quả cho nhóm phát triển.",
        "Unexpected error: run again with --debug and send the output to the developers.",
    ),
}


def text(key: str, lang: str = "vi", /, **params: object) -> str:
    """The message `key` in `lang` ("en", else Vietnamese), its placeholders filled from `params`
    (a `Said` parameter in the same language)."""
    return fill(pick(MESSAGES[key], lang), {k: pick(v, lang) if isinstance(v, Said) else v for k, v in params.items()})


def said(key: str, /, **params: object) -> Said:
    """The message `key` in both languages, as a parameter of another message."""
    return Said(text(key, "vi", **params), text(key, "en", **params))


def both(key: str, sep: str = " / ", /, **params: object) -> str:
    """Vietnamese then English, for texts shown in both languages at once (fatal errors, summaries)."""
    return text(key, "vi", **params) + sep + text(key, "en", **params)


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
