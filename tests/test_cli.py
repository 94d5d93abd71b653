"""Every command explains itself: help text, a README mention, no traceback on bad usage."""

from __future__ import annotations

from pathlib import Path

import typer.main

from vwu_pipeline.cli import app

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def command_names() -> list[str]:
    group = typer.main.get_command(app)
    return sorted(group.commands)


def test_the_commands_the_design_names_exist():
    assert {"ingest", "validate", "aggregate", "report", "targets", "template", "demo-data", "status"} <= set(command_names())


def test_every_command_has_help_and_a_readme_mention(vwu):
    for name in command_names():
        result = vwu(name, "--help")
        assert result.exit_code == 0, result.output
        help_text = typer.main.get_command(app).commands[name].help or ""
        assert len(help_text.strip()) > 20, f"vwu {name} has no help text"
        assert f"vwu {name}" in README, f"README does not mention 'vwu {name}'"


def test_a_bad_option_is_a_usage_error_not_a_traceback(vwu, tmp_path):
    result = vwu("ingest", tmp_path / "nowhere")
    assert result.exit_code == 2
    assert "Traceback" not in result.output
