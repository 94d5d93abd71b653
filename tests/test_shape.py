"""The codebase's shape as the README tells it (issue 10): every module is on the module map,
so a newcomer who reads the map finds every file where it says."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_readme_module_map_names_every_module() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("## How it works")
    block = readme[readme.index("```", start) : readme.index("```", readme.index("```", start) + 3)]
    named = set(re.findall(r"[a-z_]+\.py", block))
    folders = set(re.findall(r"^([a-z_]+)/", block, re.MULTILINE))
    package = ROOT / "vwu_pipeline"
    modules = {path for path in package.rglob("*.py") if path.name != "__init__.py"}
    missing = sorted(str(path.relative_to(package)) for path in modules if path.name not in named)
    unknown = sorted(folder for folder in folders if not (package / folder).is_dir())
    assert not missing, f"not on the README's module map: {missing}"
    assert not unknown, f"folders on the map that do not exist: {unknown}"
