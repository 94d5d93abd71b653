"""A build step only: the wheel carries the repository's top-level schemas/ as package data.

Everything else is declared in pyproject.toml. The schema files stay at the top of the
repository, where they are edited; a non-editable install finds them in
vwu_pipeline/schemas (core/indicators.py looks there first, then in the source checkout).
"""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildWithSchemas(build_py):
    def run(self) -> None:
        super().run()
        target = Path(self.build_lib) / "vwu_pipeline" / "schemas"
        target.mkdir(parents=True, exist_ok=True)
        for path in sorted(Path(__file__).resolve().parent.joinpath("schemas").glob("*.yaml")):
            self.copy_file(str(path), str(target / path.name))


setup(cmdclass={"build_py": BuildWithSchemas})
