"""One message catalogue (core/messages.py): every text a person reads comes from it, in
Vietnamese by default and in English with --lang en, fatal errors and their hints included."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from vwu_pipeline.core.errors import ConfigError, StoreError, VwuError
from vwu_pipeline.core.messages import MESSAGES, Said

SOURCE = Path(__file__).resolve().parent.parent / "vwu_pipeline"
# letters only Vietnamese uses (đ, ơ, ư, ă and the vowels with tone marks): English text has none
VIETNAMESE = re.compile(r"[đĐơƠưƯăĂàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ]")


def _modules() -> list[tuple[Path, ast.Module]]:
    return [(path, ast.parse(path.read_text(encoding="utf-8"))) for path in sorted(SOURCE.rglob("*.py"))]


def _error_classes(modules: list[tuple[Path, ast.Module]]) -> set[str]:
    """VwuError and every class derived from it in vwu's source, by name."""
    names = {"VwuError"}
    grew = True
    while grew:
        grew = False
        for _, tree in modules:
            for node in ast.walk(tree):
                if isinstance(node, ast.ClassDef) and node.name not in names:
                    if any(isinstance(b, ast.Name) and b.id in names for b in node.bases):
                        names.add(node.name)
                        grew = True
    return names


def _called(node: ast.Call) -> str | None:
    func = node.func
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None


def test_every_fatal_error_is_raised_with_a_catalogue_key_not_a_text() -> None:
    modules = _modules()
    errors = _error_classes(modules) - {"SchemaError"}  # lists the schema issues it carries, each vi/en
    wrong = []
    for path, tree in modules:
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and _called(node) in errors):
                continue
            where = f"{path.relative_to(SOURCE.parent)}:{node.lineno}"
            for position, arg in enumerate(node.args[:2]):  # the message key, then the hint key
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    if arg.value not in MESSAGES:
                        wrong.append(f"{where}: {arg.value[:60]!r} is not a catalogue key")
                elif not isinstance(arg, ast.Name) or position == 1:  # a key passed through a variable is checked where it is made
                    wrong.append(f"{where}: argument {position + 1} is inline text ({type(arg).__name__}), not a catalogue key")
            wrong += [f"{where}: keyword {k.arg}= (English beside the catalogue)" for k in node.keywords if k.arg in ("en", "en_hint")]
    assert not wrong, "\n".join(wrong)


def _text_of(node: ast.AST) -> str | None:
    """The literal text of a string or f-string (its fixed parts), else None."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str))
    return None


def _bilingual(first: ast.AST, second: ast.AST) -> bool:
    """A Vietnamese text followed by its English one (words with a space, no Vietnamese letter)."""
    vi, en = _text_of(first), _text_of(second)
    return bool(vi and en and VIETNAMESE.search(vi) and not VIETNAMESE.search(en) and re.search(r"[A-Za-z]+ [A-Za-z]", en))


def test_no_text_is_written_in_two_languages_outside_the_catalogue() -> None:
    """Side by side in code, a Vietnamese text and its English are a message the catalogue does
    not have: as two arguments of a call (a problem, a schema issue, a label), a (vi, en) pair,
    or a `vi`/`hint_vi` variable. Each belongs in core/messages.py under a key."""
    wrong = []
    for path, tree in _modules():
        if path.name == "messages.py":
            continue
        for node in ast.walk(tree):
            where = f"{path.relative_to(SOURCE.parent)}:{getattr(node, 'lineno', '?')}"
            runs = []
            if isinstance(node, ast.Call):
                runs.append([*node.args, *(k.value for k in node.keywords)])
            elif isinstance(node, ast.Tuple) and len(node.elts) == 2:
                runs.append(node.elts)
            for run in runs:
                wrong += [f"{where}: {_text_of(a)[:50]!r} / {_text_of(b)[:50]!r}" for a, b in zip(run, run[1:]) if _bilingual(a, b)]
            if isinstance(node, (ast.Assign, ast.AugAssign)):
                for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
                    value = _text_of(node.value)
                    if (
                        isinstance(target, ast.Name)
                        and (target.id == "vi" or target.id.endswith("_vi"))
                        and value
                        and VIETNAMESE.search(value)
                    ):
                        wrong.append(f"{where}: {target.id} = {value[:50]!r}")
    assert not wrong, "\n".join(wrong)


def test_every_schema_issue_names_catalogue_keys() -> None:
    """A schema-file mistake says what is wrong and how to fix it with catalogue keys, never text."""
    wrong = []
    for path, tree in _modules():
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and _called(node) in ("SchemaIssue", "_issue")):
                continue
            where = f"{path.relative_to(SOURCE.parent)}:{node.lineno}"
            position = 3 if _called(node) == "SchemaIssue" else 2
            keys = node.args[position : position + 1] + [k.value for k in node.keywords if k.arg in ("key", "hint")]
            keys += node.args[position + 2 : position + 3] if _called(node) == "SchemaIssue" else node.args[position + 1 : position + 2]
            for key in keys:
                if isinstance(key, ast.Constant) and isinstance(key.value, str):
                    if key.value not in MESSAGES:
                        wrong.append(f"{where}: {key.value[:60]!r} is not a catalogue key")
                elif not isinstance(key, (ast.Name, ast.Constant)):
                    wrong.append(f"{where}: {type(key).__name__} where a catalogue key belongs")
    assert not wrong, "\n".join(wrong)


def test_every_catalogue_key_named_in_the_code_exists() -> None:
    groups = {key.split(".")[0] for key in MESSAGES if "." in key}
    looks_like_key = re.compile(rf"^(?:{'|'.join(map(re.escape, groups))})\.[a-z0-9_.-]*[a-z0-9]$")
    missing = []
    for path, tree in _modules():
        in_fstrings = {id(v) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr) for v in node.values}
        for node in ast.walk(tree):
            where = f"{path.relative_to(SOURCE.parent)}:{getattr(node, 'lineno', '?')}"
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in in_fstrings:
                if looks_like_key.match(node.value) and node.value not in MESSAGES:
                    missing.append(f"{where}: {node.value}")
            elif isinstance(node, ast.JoinedStr) and node.values and isinstance(node.values[0], ast.Constant):
                prefix = node.values[0].value  # f"cli.status.{status}": some key must start so
                if isinstance(prefix, str) and looks_like_key.match(prefix.rstrip("._-") or "-"):
                    if not any(key.startswith(prefix) for key in MESSAGES):
                        missing.append(f"{where}: {prefix}…")
    assert not missing, "\n".join(missing)


def test_every_message_is_written_in_both_languages() -> None:
    for key, pair in MESSAGES.items():
        assert isinstance(pair, tuple) and len(pair) == 2, key
        vi, en = pair
        assert isinstance(vi, str) and isinstance(en, str), key
        assert vi.strip() and en.strip() or key.startswith("cli.units.note"), key
        assert not VIETNAMESE.search(en.replace("{", "").replace("}", "")) or _quotes_vietnamese(en), f"{key}: Vietnamese in English: {en}"


def _quotes_vietnamese(english: str) -> bool:
    """An English message may quote the Vietnamese words a user types or sees (a title phrase, a sheet)."""
    return bool(re.search(r"['‘“\"(][^'’”\")]*" + VIETNAMESE.pattern, english))


def test_an_error_speaks_the_language_asked_for_and_keeps_its_hint() -> None:
    error = ConfigError("error.no-year", variable="VWU_YEAR", config="ws/vwu.toml")

    assert str(error).splitlines() == [
        "Chưa cho biết năm báo cáo.",
        "Thêm --year 2024, hoặc đặt VWU_YEAR=2024, hoặc ghi year = 2024 trong ws/vwu.toml.",
    ]
    assert error.render("en").splitlines() == [
        "No report year given.",
        "Add --year 2024, or set VWU_YEAR=2024, or write year = 2024 in ws/vwu.toml.",
    ]
    assert error.exit_code == 2


def test_a_parameter_that_speaks_both_languages_fills_each_side() -> None:
    error = VwuError("error.no-figures", period=Said("6 tháng đầu năm 2024", "first half of 2024"), workspace="ws")

    assert error.first_line() == "Chưa có số liệu 6 tháng đầu năm 2024 trong ws."
    assert error.render("en").splitlines()[0] == "No figures for first half of 2024 in ws."


def test_an_error_crosses_a_process_boundary_whole() -> None:
    import pickle

    error = StoreError("error.store-full", path="ws/vwu.sqlite", reason="disk I/O error")
    again = pickle.loads(pickle.dumps(error))

    assert type(again) is StoreError and again.exit_code == error.exit_code
    assert again.render("en") == error.render("en") and str(again) == str(error)


def test_an_unknown_key_is_a_bug_not_a_message() -> None:
    with pytest.raises(KeyError):
        ConfigError("Chưa cho biết năm báo cáo / no report year given.")


# --- as an officer meets them: the command line -------------------------------------------


def _panel(result) -> str:
    return " ".join(result.stderr.replace("│", " ").replace("╭", " ").replace("╰", " ").split())


def test_a_mistake_in_vwu_toml_is_all_english_with_lang_en(vwu, inbox, workspace) -> None:
    workspace.mkdir()
    (workspace / "vwu.toml").write_text("inbx = 'x'\n", encoding="utf-8")

    english = vwu("ingest", inbox, "--workspace", workspace, "--lang", "en")
    vietnamese = vwu("ingest", inbox, "--workspace", workspace)

    assert english.exit_code == vietnamese.exit_code == 2
    said = _panel(english)
    assert "the key 'inbx' is not supported" in said and "Did you mean 'inbox'?" in said
    assert not VIETNAMESE.search(said), said
    assert "khóa 'inbx' không được hỗ trợ" in _panel(vietnamese) and "Có phải ý bạn là 'inbox'?" in _panel(vietnamese)
    assert "not supported" not in _panel(vietnamese)


def test_a_wrong_value_says_what_it_needs_in_english(vwu, inbox, workspace) -> None:
    workspace.mkdir()
    (workspace / "vwu.toml").write_text("lock_timeout = 'mười'\n", encoding="utf-8")

    said = _panel(vwu("ingest", inbox, "--workspace", workspace, "--lang", "en"))

    assert "the key 'lock_timeout' needs a number of seconds (0 or more), not 'mười' (string)" in said
    assert "For example: lock_timeout = 60" in said


def test_nothing_ingested_yet_is_english_with_lang_en(vwu, workspace) -> None:
    result = vwu("aggregate", "--year", 2024, "--workspace", workspace, "--lang", "en")

    assert result.exit_code == 2
    said = _panel(result)
    assert f"No workspace in {workspace} yet." in said and "Run 'vwu ingest FOLDER' first" in said
    assert not VIETNAMESE.search(said), said


def test_a_period_of_another_year_is_english_with_lang_en(vwu, workspace) -> None:
    result = vwu("status", "--year", 2024, "--period", "2023-H1", "--workspace", workspace, "--lang", "en")

    assert result.exit_code == 2
    assert "The period 2023-H1 is not in 2024." in _panel(result)


def test_a_broken_unit_master_is_vietnamese_by_default(vwu, workspace, tmp_path, monkeypatch) -> None:
    master = tmp_path / "units.csv"
    master.write_text("tree,code,name\n", encoding="utf-8")
    monkeypatch.setenv("VWU_UNITS", str(master))
    from vwu_pipeline.core import units

    units._read_master.cache_clear()
    units._tree_for_year.cache_clear()
    try:
        vietnamese = _panel(vwu("template", "--year", 2024, "--out", tmp_path / "forms"))
        english = _panel(vwu("template", "--year", 2024, "--out", tmp_path / "forms", "--lang", "en"))
    finally:
        units._read_master.cache_clear()
        units._tree_for_year.cache_clear()

    assert f"Danh mục đơn vị {master}: dòng tiêu đề là tree,code,name." in vietnamese
    assert "Sửa tệp, hoặc bỏ biến VWU_UNITS" in vietnamese
    assert f"Unit master {master}: the header is tree,code,name." in english and "unset VWU_UNITS" in english


def test_why_a_file_cannot_be_read_is_english_with_lang_en(vwu, inbox) -> None:
    # an export from a web system: an HTML page saved under an .xls name
    (inbox / "export_bao_cao.xls").write_text("<html><body><table><tr><td>Mã xã</td></tr></table></body></html>", encoding="utf-8")

    english = vwu("validate", inbox, "--lang", "en")
    vietnamese = vwu("validate", inbox)

    assert english.exit_code == vietnamese.exit_code == 1
    assert "The file cannot be read: the file is an HTML/XML page renamed, not a valid Excel file." in english.output
    assert not VIETNAMESE.search(english.output.replace("export_bao_cao.xls", "")), english.output
    assert "Không đọc được tệp: tệp là trang HTML/XML đổi đuôi, không phải tệp Excel hợp lệ." in vietnamese.output


def test_a_busy_workspace_is_english_with_lang_en(vwu, workspace) -> None:
    from tests.test_operations import hold_lock, stop

    holder = hold_lock(workspace, "ingest")
    try:
        result = vwu("aggregate", "--year", 2024, "--workspace", workspace, "--lock-timeout", "0", "--lang", "en")
    finally:
        stop(holder)

    assert result.exit_code == 3
    said = _panel(result)
    assert f"Another vwu run holds the workspace {workspace}: 'vwu ingest' (pid {holder.pid}," in said
    assert "Waited 0 seconds." in said and "raise --lock-timeout" in said
    assert not VIETNAMESE.search(said), said


def test_every_problem_code_is_listed_in_the_readme() -> None:
    """An officer looks a code up in the README's problem-code table: every code is there."""
    readme = (SOURCE.parent / "README.md").read_text(encoding="utf-8")
    table = readme[readme.index("### Problem codes") :]
    missing = [code for code in MESSAGES if "." not in code and f"`{code}`" not in table]
    assert not missing, missing
