"""Break each reader shortcut on purpose and check that its test in tests/test_reader_shortcuts.py fails.

    .venv/bin/python scripts/shortcut_mutants.py [NAME…]    # every mutant, or those named

Each mutant replaces one piece of a shortcut (the text must occur exactly once) in a copy of the
working tree (tracked and untracked files, not ignored ones) and runs the one test meant to catch
it, with the copy first on PYTHONPATH. A mutant must make its test fail; one whose text is no
longer in the file is reported as stale (the shortcut changed: update the mutant). Exit status 1
when a mutant survives or is stale. A few minutes: one pytest process a mutant.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parents[1]
VALIDATION, TABLES, PER_OBJECT = "vwu_pipeline/ingest/validation.py", "vwu_pipeline/ingest/tables.py", "vwu_pipeline/core/per_object.py"

MADE_ONCE = "test_a_value_made_once_is_never_handed_to_another_object_that_got_the_same_id"
FIGURES = "test_figures_checked_column_by_column_say_what_every_row_checked_says"
UNITS = "test_a_sheet_waved_through_at_once_is_one_where_every_row_passes_the_unit_checks"
ALL_FINE = "test_a_sheet_of_fine_codes_and_names_is_told_as_each_pair_alone_would_be"
MAY_CARRY = "test_a_code_column_said_to_hold_no_unit_code_holds_none_read_any_way"
SUBTOTAL = "test_a_sheet_skipped_for_a_subtotal_row_keeps_what_the_full_search_keeps"
DIGITS = "test_a_code_typed_as_digits_has_the_readings_of_any_code"
HEADER = "test_header_rows_rejected_before_columns_are_assigned_are_ones_assign_finds_no_header_in"
HEADER_ROWS = "test_the_rows_that_may_start_a_header_are_those_naming_the_unit_code_read_cell_by_cell"
SPLIT = "test_the_rows_under_a_header_are_told_apart_as_cell_by_cell"
COUNTED = "test_the_codes_of_a_file_counted_at_once_are_its_rows_codes_in_their_order"
TEXT_NUMBERS = "test_figures_typed_as_text_are_read_as_each_cell_alone_would_be"


class Mutant(NamedTuple):
    name: str
    file: str
    old: str
    new: str
    test: str


UNDER = "            under = self._under[code] = self.tree.is_under(code, self.unit)"
UNDER_PARENT = "            under = self._under[code] = self.tree.is_under(code, self.tree.get(self.unit).parent)"
NAMED = "            return self._named[code, name]\n        except KeyError:\n            matches = self._named[code, name] ="
NAMED_BY_CODE = "            return self._named[code]\n        except KeyError:\n            matches = self._named[code] ="
FINE = "known = fine[key] = self.under(code) and (not name or self.name_matches(code, name))"
FIGURE_NAMES = (
    "figure_names = tuple(dict.fromkeys(n for name, names in fields.names.items() if name in fields.figures for n in names if n))"
)
CODE_NAMES = 'code_names = tuple(n for n in fields.names.get("unit_code", ()) if n)'
TYPED_DIGITS = "if raw.__class__ is str and len(raw) in CODE_WIDTHS and raw.isascii() and raw.isdigit():"
KNOWN_CELL = (
    "            named = known.get(cell)\n"
    "            if named is None or named:\n"
    "                if enough is None:\n"
    '                    enough = len(row) - row.count(None) - row.count("") >= 2\n'
    "                if not enough:\n"
    "                    break  # not a header row (its new texts are neither asked nor kept)\n"
    "                if named is None:\n"
    "                    named = known[cell] ="
)
RIGHT_SIDE = "                    columns[right] if type(right) is int else repeat(right[0], count),"

MUTANTS = [
    Mutant("made_once without its owner check", PER_OBJECT, "if entry is None or entry[0] is not owner:", "if entry is None:", MADE_ONCE),
    Mutant("rules never flag a row", VALIDATION, "            if not all(holds):", "            if False:", FIGURES),
    Mutant("a value's test without the upper bound", VALIDATION, "and low <= value <= high)", "and low <= value)", FIGURES),
    Mutant("a column told by its minimum only", VALIDATION, "min(values) >= low and max(values) <= high", "min(values) >= low", FIGURES),
    Mutant("a column told by its maximum only", VALIDATION, "min(values) >= low and max(values) <= high", "max(values) <= high", FIGURES),
    Mutant("whole numbers not asked", VALIDATION, "if not (all(map(float.is_integer, values)) and min", "if not (min", FIGURES),
    Mutant("a row's quick test without the maxima", VALIDATION, " and all(map(le, values, highs))", "", FIGURES),
    Mutant(
        "a rule's right side read from its left",
        VALIDATION,
        RIGHT_SIDE,
        RIGHT_SIDE.replace("columns[right] if type(right)", "columns[left] if type(left)"),
        FIGURES,
    ),
    Mutant("a rule's number side read as 0", VALIDATION, "else repeat(right[0], count),", "else repeat(0.0, count),", FIGURES),
    Mutant(
        "a sheet with a duplicate waved through",
        VALIDATION,
        "if all(found) and len(set(found)) == len(found) and codes.all_fine(",
        "if all(found) and codes.all_fine(",
        UNITS,
    ),
    Mutant("a sheet waved through whatever its names", VALIDATION, FINE, "known = fine[key] = self.under(code)", UNITS),
    Mutant("under the unit's parent taken for under the unit", VALIDATION, UNDER, UNDER_PARENT, UNITS),
    Mutant("a name's match remembered by code (sheet check)", VALIDATION, NAMED, NAMED_BY_CODE, UNITS),
    Mutant(
        "all_fine answered from each code without a name",
        VALIDATION,
        "            return all(map(fine.__getitem__, zip(found, names)))",
        "            return all(fine[code, None] for code in found)",
        ALL_FINE,
    ),
    Mutant(
        "a pair's answer kept for its code without a name",
        VALIDATION,
        "known = fine[key] = self.under(code)",
        "known = fine[key] = fine[code, None] = self.under(code)",
        ALL_FINE,
    ),
    Mutant("all_fine whatever the names", VALIDATION, FINE, "known = fine[key] = self.under(code)", ALL_FINE),
    Mutant("a name's match remembered by code", VALIDATION, NAMED, NAMED_BY_CODE, ALL_FINE),
    Mutant("all_fine under the unit's parent", VALIDATION, UNDER, UNDER_PARENT, ALL_FINE),
    Mutant(
        "a cell compared with the unit's code as it is",
        VALIDATION,
        "            if self.unit in _row_code_candidates(key[1]):",
        "            if key[1] == self.unit:",
        MAY_CARRY,
    ),
    Mutant(
        "a value marked not the unit before it is asked",
        VALIDATION,
        "        for key in keys - self._not_unit:\n            if self.unit in",
        "        for key in keys - self._not_unit:\n            self._not_unit.add(key)\n            if self.unit in",
        MAY_CARRY,
    ),
    Mutant(
        "the subtotal search skipped by the cell as it is",
        VALIDATION,
        "            if self.unit in _row_code_candidates(key[1]):",
        "            if key[1] == self.unit:",
        SUBTOTAL,
    ),
    Mutant(
        "the subtotal search skipped by the name column",
        VALIDATION,
        'not codes.may_carry_unit(table.column("unit_code")):',
        'not codes.may_carry_unit(table.column("unit_name")):',
        SUBTOTAL,
    ),
    Mutant(
        "digits of any width taken as typed",
        VALIDATION,
        TYPED_DIGITS,
        "if raw.__class__ is str and raw.isascii() and raw.isdigit():",
        DIGITS,
    ),
    Mutant(
        "digits with spaces taken as typed",
        VALIDATION,
        TYPED_DIGITS,
        "if raw.__class__ is str and len(raw.strip()) in CODE_WIDTHS and raw.strip().isdigit():",
        DIGITS,
    ),
    Mutant(
        "_may_name without the leading space",
        TABLES,
        '    padded = "\\0".join(f" {label} " for',
        '    padded = "\\0".join(f"{label} " for',
        HEADER,
    ),
    Mutant(
        "_may_name reads the labels as written only",
        TABLES,
        "for *candidates, _ in labels for label in candidates)",
        "for *candidates, _ in labels for label in candidates[:1])",
        HEADER,
    ),
    Mutant("_may_name knows one figure name", TABLES, FIGURE_NAMES, FIGURE_NAMES + "[:1]", HEADER),
    Mutant("_may_name knows two unit-code names", TABLES, CODE_NAMES, CODE_NAMES + "[:2]", HEADER),
    Mutant(
        "a header match remembered by its first row",
        TABLES,
        "    known = fields.matches.get(rows, _NOT_MATCHED)",
        "    known = fields.matches.get(rows[:1], _NOT_MATCHED)",
        HEADER,
    ),
    Mutant(
        "a text starting with a digit names no code",
        TABLES,
        "not (digits_name_nothing and cell.isdecimal())",
        "not (digits_name_nothing and cell[:1].isdecimal())",
        HEADER_ROWS,
    ),
    Mutant(
        "a text holding a digit names no code",
        TABLES,
        "not (digits_name_nothing and cell.isdecimal())",
        "not (digits_name_nothing and any(map(str.isdigit, cell)))",
        HEADER_ROWS,
    ),
    Mutant(
        "a cell's answer remembered by its folded text",
        TABLES,
        KNOWN_CELL,
        KNOWN_CELL.replace("known.get(cell)", "known.get(fold(cell))").replace("known[cell] =", "known[fold(cell)] ="),
        HEADER_ROWS,
    ),
    Mutant(
        "blank texts counted among a row's cells",
        TABLES,
        'enough = len(row) - row.count(None) - row.count("") >= 2',
        "enough = len(row) - row.count(None) >= 2",
        HEADER_ROWS,
    ),
    Mutant(
        "a row with a known label as its code not asked if numbering",
        TABLES,
        "number_label.get(code) is not False:",
        "number_label.get(code) is None:",
        SPLIT,
    ),
    Mutant(
        "any ASCII text told no totals label",
        TABLES,
        "if digits_total_nothing and text.isascii() and text.isdigit():",
        "if digits_total_nothing and text.isascii():",
        SPLIT,
    ),
    Mutant("a negative whole number no number label", TABLES, "if not -100 < cell < 100:", "if not 0 <= cell < 100:", SPLIT),
    Mutant("three digits a number label", TABLES, "label = len(cell) <= 2", "label = len(cell) <= 3", SPLIT),
    Mutant("digits of any length code-like", TABLES, "known = len(value) <= 12", "known = True", SPLIT),
    Mutant(
        "the codes counted in another order",
        VALIDATION,
        "counted = Counter(zip(map(type, raws), raws))",
        "counted = Counter(sorted(zip(map(type, raws), raws), key=repr))",
        COUNTED,
    ),
    Mutant("each code counted once", VALIDATION, "            yield code, count", "            yield code, 1", COUNTED),
    Mutant(
        "a text's reading kept under its first character",
        VALIDATION,
        "text_numbers[raw] = value",
        "text_numbers[raw[:1]] = value",
        TEXT_NUMBERS,
    ),
    Mutant(
        "a text that is no number kept as an empty cell",
        VALIDATION,
        "                        unsummable.add(name)\n                        continue",
        "                        unsummable.add(name)\n                        text_numbers[raw] = nan\n                        continue",
        TEXT_NUMBERS,
    ),
    Mutant(
        "an empty text kept as zero",
        VALIDATION,
        "value = nan if value is None else value",
        "value = 0.0 if value is None else value",
        TEXT_NUMBERS,
    ),
    Mutant(
        "a code's only reading counted outside the tree",
        VALIDATION,
        "code = candidates[0] if candidates[0] in tree else None",
        "code = candidates[0]",
        COUNTED,
    ),
    Mutant(
        "a known header text's row not counted",
        TABLES,
        "            if named is None or named:",
        "            if named is None:",
        HEADER_ROWS,
    ),
]


def _copy_tree(into: Path) -> None:
    listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    for name in filter(None, listed.decode().split("\0")):
        source, target = ROOT / name, into / name
        if source.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(source.read_bytes())


def _pytest(tree: Path, test: str) -> int:
    # No bytecode written: a mutant of the same size written within the second of the last one
    # could otherwise run from the last one's .pyc.
    env = os.environ | {"PYTHONPATH": str(tree), "PYTHONDONTWRITEBYTECODE": "1"}
    command = [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", f"tests/test_reader_shortcuts.py{test}"]
    return subprocess.run(command, cwd=tree, env=env, capture_output=True).returncode


def run(mutant: Mutant, tree: Path) -> str:
    """ "caught", "SURVIVED" or "STALE", the tree left as it was."""
    path = tree / mutant.file
    original = path.read_text(encoding="utf-8")
    if original.count(mutant.old) != 1:
        return "STALE"
    path.write_text(original.replace(mutant.old, mutant.new), encoding="utf-8")
    try:
        returncode = _pytest(tree, f"::{mutant.test}")
    finally:
        path.write_text(original, encoding="utf-8")
    return {0: "SURVIVED", 1: "caught"}.get(returncode, f"error (pytest exit {returncode})")


def main() -> int:
    wanted = sys.argv[1:]
    mutants = [m for m in MUTANTS if not wanted or m.name in wanted]
    bad = []
    with tempfile.TemporaryDirectory(prefix="vwu-mutants-") as folder:
        tree = Path(folder)
        _copy_tree(tree)
        if _pytest(tree, "") != 0:  # else every mutant would look caught
            print("tests/test_reader_shortcuts.py fails on the tree as it is: fix that first")
            return 1
        for mutant in mutants:
            outcome = run(mutant, tree)
            print(f"{outcome:9} {mutant.name}  [{mutant.test}]", flush=True)
            if outcome != "caught":
                bad.append(mutant)
    print(f"{len(mutants) - len(bad)} of {len(mutants)} mutants caught")
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
