"""A mistyped command is answered in one language (issue 16, "One language at a time"): click's
usage errors in Vietnamese by default, in English with --lang en, exit 2."""

from __future__ import annotations

import pytest

ENGLISH_WORDS = ("Invalid value", "No such", "Missing", "Usage:", "Try '", "is not", "does not", "Got unexpected", "requires")


def said(result, text: str) -> bool:
    """The red panel on stderr says `text` (the panel wraps lines anywhere: spaces are ignored)."""
    panel = "".join(result.stderr.replace("│", "").split())
    return "".join(text.split()) in panel


CASES = {
    "a path that does not exist": (
        ("ingest", "{tmp}/khong_co"),
        "Giá trị không hợp lệ cho 'paths': '{tmp}/khong_co' không tồn tại.",
        "Invalid value for 'paths': '{tmp}/khong_co' does not exist.",
    ),
    "an option that does not exist": (("ingest", "--bogus"), "Không có tùy chọn --bogus.", "No such option: --bogus."),
    "a number out of its range": (
        ("aggregate", "--outlier-factor", "0.5"),
        "Giá trị không hợp lệ cho '--outlier-factor': 0.5 nằm ngoài khoảng cho phép (x>=1.0).",
        "Invalid value for '--outlier-factor': 0.5 is not in the range x>=1.0.",
    ),
    "a missing argument": (("validate",), "Thiếu đối số 'paths'.", "Missing argument 'paths'."),
    "a missing option": (("template",), "Thiếu tùy chọn '--year' / '-y'.", "Missing option '--year' / '-y'."),
    "a year that is not a number": (
        ("report", "--year", "hai"),
        "Giá trị không hợp lệ cho '--year' / '-y': 'hai' không phải là số nguyên.",
        "Invalid value for '--year' / '-y': 'hai' is not a whole number.",
    ),
    "an option without its value": (("report", "--year"), "Tùy chọn '--year' cần một giá trị.", "Option '--year' requires a value."),
    "a flag given a value": (("status", "--json=yes"), "Tùy chọn '--json' không nhận giá trị.", "Option '--json' does not take a value."),
    "extra arguments": (("status", "thua"), "Thừa đối số: thua.", "Unexpected extra arguments: thua."),
    "a mistyped command": (("statu",), "Không có lệnh 'statu'. Có phải là: 'status'?", "No such command 'statu'. Did you mean 'status'?"),
    "a file where a folder is needed": (
        ("ingest", "{tmp}/inbox", "--feedback", "{tmp}/a.txt"),
        "Giá trị không hợp lệ cho '--feedback': '{tmp}/a.txt' là một tệp, cần một thư mục.",
        "Invalid value for '--feedback': '{tmp}/a.txt' is a file, not a folder.",
    ),
}


@pytest.fixture
def here(tmp_path):
    (tmp_path / "inbox").mkdir()
    (tmp_path / "a.txt").write_text("x", encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("case", CASES)
def test_usage_errors_are_in_vietnamese_by_default_and_english_with_lang_en(vwu, here, monkeypatch, case):
    monkeypatch.chdir(here)  # no vwu.toml around: the default language
    monkeypatch.delenv("VWU_LANG", raising=False)
    args, vietnamese, english = CASES[case]
    args = [a.format(tmp=here) for a in args]
    # click stops at the mistake before it reads --lang: it was asked for all the same
    english_args = [args[0], "--lang=en", *args[1:]] if case == "a mistyped command" else [args[0], "--lang", "en", *args[1:]]

    default = vwu(*args)
    asked = vwu(*english_args)

    assert default.exit_code == asked.exit_code == 2, default.output
    assert said(default, vietnamese.format(tmp=here)), default.stderr
    assert not [w for w in ENGLISH_WORDS if w in default.stderr], default.stderr
    assert said(asked, english.format(tmp=here)), asked.stderr
    assert "Cách dùng" not in asked.stderr and "không" not in asked.stderr


def test_usage_errors_follow_vwu_lang_and_the_workspace_config(vwu, here, monkeypatch):
    monkeypatch.chdir(here)
    monkeypatch.setenv("VWU_LANG", "en")
    from_environment = vwu("ingest", "--bogus")
    monkeypatch.delenv("VWU_LANG")
    (here / "vwu-data").mkdir()
    (here / "vwu-data" / "vwu.toml").write_text('lang = "en"\n', encoding="utf-8")
    from_config = vwu("ingest", "--bogus")

    assert from_environment.exit_code == from_config.exit_code == 2
    assert said(from_environment, "No such option: --bogus.") and said(from_config, "No such option: --bogus.")


def test_a_bad_lang_is_answered_in_vietnamese(vwu, here, monkeypatch):
    monkeypatch.chdir(here)
    bad_lang = vwu("status", "--lang", "fr")
    bad_lang_and_option = vwu("ingest", "--bogus", "--lang", "fr")

    assert bad_lang.exit_code == bad_lang_and_option.exit_code == 2
    assert said(bad_lang, "--lang") and said(bad_lang, "'vi' hoặc 'en'")
    assert said(bad_lang_and_option, "Không có tùy chọn --bogus.")
    assert "Invalid" not in bad_lang.stderr + bad_lang_and_option.stderr


def test_help_still_works(vwu):
    assert vwu("--help").exit_code == 0 and "ingest" in vwu("--help").stdout
    assert vwu().exit_code == 2  # no command: the help, as before
