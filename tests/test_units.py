"""The unit master: both official trees, lookups, name matching and replacement masters."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from vwu_pipeline.core.errors import ConfigError
from vwu_pipeline.core.units import COLUMNS, PACKAGED_MASTER, Unit, UnitTree

HEADER = ",".join(COLUMNS)


@pytest.fixture(autouse=True)
def _packaged_master(monkeypatch: pytest.MonkeyPatch) -> None:
    # A VWU_UNITS set in the developer's shell must not change what these tests read.
    monkeypatch.delenv("VWU_UNITS", raising=False)


@pytest.fixture
def legacy() -> UnitTree:
    return UnitTree.for_year(2024)


@pytest.fixture
def tree2025() -> UnitTree:
    return UnitTree.for_year(2025)


def write_master(tmp_path: Path, *rows: str, header: str = HEADER) -> Path:
    path = tmp_path / "units.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


# --- the packaged master -------------------------------------------------------------------


def test_legacy_counts(legacy: UnitTree) -> None:
    assert legacy.tree == "legacy"
    assert legacy.levels == ("province", "district", "commune")
    assert len(legacy.units("province")) == 63
    assert len(legacy.units("district")) == 696
    assert len(legacy.units("commune")) == 10_035
    assert len(legacy) == 63 + 696 + 10_035
    assert legacy.reporting_level() == "district"


def test_2025_counts(tree2025: UnitTree) -> None:
    assert tree2025.tree == "2025"
    assert tree2025.levels == ("province", "commune")
    assert len(tree2025.units("province")) == 34
    assert len(tree2025.units("commune")) == 3_321
    assert tree2025.units("district") == []
    assert tree2025.reporting_level() == "province"


def test_year_picks_the_tree() -> None:
    assert UnitTree.for_year(2019).tree == "legacy"
    assert UnitTree.for_year(2024).tree == "legacy"
    assert UnitTree.for_year(2025).tree == "2025"
    assert UnitTree.for_year(2030).tree == "2025"
    # Parsed once: every year of a tree gets the same object back.
    assert UnitTree.for_year(2024) is UnitTree.for_year(2019)
    assert UnitTree.for_year(2025) is UnitTree.for_year(2026)


def test_ha_noi(legacy: UnitTree, tree2025: UnitTree) -> None:
    for tree in (legacy, tree2025):
        ha_noi = tree.get("01")
        assert ha_noi == Unit("01", "Thành phố Hà Nội", "province", None, "01")
        assert "01" in tree
        assert "1" not in tree  # codes are text: the leading zero matters
        assert tree.children(None)[0] == ha_noi
    assert legacy.get("04").name == "Tỉnh Cao Bằng"
    assert tree2025.get("04").name == "Tỉnh Cao Bằng"  # type word added by the build


def test_commune_path(legacy: UnitTree, tree2025: UnitTree) -> None:
    assert [u.code for u in legacy.path("00001")] == ["01", "001", "00001"]
    phuc_xa = legacy.get("00001")
    assert phuc_xa.name == "Phường Phúc Xá"
    assert phuc_xa.province == "01"
    assert legacy.is_under("00001", "001")
    assert legacy.is_under("00001", "01")
    assert legacy.is_under("001", "001")
    assert not legacy.is_under("001", "00001")
    assert not legacy.is_under("00001", "02")
    assert not legacy.is_under("nope", "01")

    assert [u.code for u in tree2025.path("00070")] == ["01", "00070"]
    assert tree2025.get("00070").name == "Phường Hoàn Kiếm"
    assert tree2025.is_under("00070", "01")


def test_children_descendants_leaves(legacy: UnitTree) -> None:
    districts = legacy.children("33")
    assert [u.code for u in districts] == sorted(u.code for u in districts)
    assert all(u.level == "district" and u.parent == "33" for u in districts)
    tien_lu = legacy.get("332")
    below = legacy.descendants("332")
    assert below and all(u.parent == "332" for u in below)
    assert legacy.leaves("332") == below
    # depth first: each district is followed by its communes
    province_below = legacy.descendants("33")
    at = province_below.index(tien_lu)
    assert province_below[at + 1 : at + 1 + len(below)] == below
    # the lists handed out are copies
    legacy.children("33").clear()
    assert legacy.children("33") == districts
    with pytest.raises(KeyError):
        legacy.children("99")


def test_island_district_is_its_own_leaf(legacy: UnitTree) -> None:
    con_dao = legacy.get("755")
    assert con_dao.name == "Huyện Côn Đảo"
    assert legacy.children("755") == []
    assert legacy.descendants("755") == []
    assert legacy.leaves("755") == [con_dao]
    assert con_dao in legacy.leaves("77")
    # every commune plus the five island districts
    all_leaves = legacy.leaves()
    assert len(all_leaves) == 10_035 + 5
    islands = sorted(u.name for u in all_leaves if u.level == "district")
    assert islands == sorted(["Huyện Bạch Long Vĩ", "Huyện Cồn Cỏ", "Huyện Hoàng Sa", "Huyện Lý Sơn", "Huyện Côn Đảo"])


# --- names ---------------------------------------------------------------------------------


def test_find_by_name(legacy: UnitTree) -> None:
    tien_lu = legacy.get("332")
    assert tien_lu.name == "Huyện Tiên Lữ"
    assert legacy.find_by_name("Tiên Lữ", "district") == [tien_lu]
    assert legacy.find_by_name("huyen tien lu", "district") == [tien_lu]
    assert legacy.find_by_name("HUYỆN  TIÊN LỮ", "district") == [tien_lu]
    assert legacy.find_by_name("H. Tiên Lữ", "district") == [tien_lu]
    # without a level, a commune of the same name elsewhere matches too
    assert tien_lu in legacy.find_by_name("huyen tien lu")
    assert {u.level for u in legacy.find_by_name("Tiên Lữ")} == {"district", "commune"}
    assert legacy.find_by_name("Tiên Lữ", "province") == []
    assert legacy.find_by_name("Nowhere") == []
    assert legacy.find_by_name("ha noi", "province") == [legacy.get("01")]
    assert legacy.find_by_name("TP Hà Nội") == [legacy.get("01")]


def test_find_by_name_spacing(legacy: UnitTree) -> None:
    da_krong = legacy.get("467")
    assert da_krong.name == "Huyện Đa Krông"
    assert legacy.find_by_name("Huyện Đakrông", "district") == [da_krong]
    assert legacy.find_by_name("dakrong", "district") == [da_krong]


def test_find_by_name_prefers_the_literal_reading(legacy: UnitTree) -> None:
    # "Phương Mai" folds like "Phường Mai": the name as typed wins over stripping "phuong".
    found = legacy.find_by_name("Phương Mai")
    assert [u.name for u in found] == ["Phường Phương Mai"]
    # "Phường Phường Đúc" (Huế) is found typed with or without its type word; without
    # diacritics "Xã Phượng Dực" (Hà Nội) reads the same, so both come back.
    assert [u.code for u in legacy.find_by_name("Phường Đúc")] == ["10279", "19780"]
    assert [u.code for u in legacy.find_by_name("Phường Phường Đúc")] == ["10279", "19780"]


def test_name_matches(legacy: UnitTree, tree2025: UnitTree) -> None:
    assert legacy.name_matches("467", "Huyện Đakrông")
    assert legacy.name_matches("467", "HUYEN DA KRONG")
    assert legacy.name_matches("467", "Đa Krông")
    assert not legacy.name_matches("467", "Huyện Hướng Hóa")
    assert not legacy.name_matches("999", "Huyện Đa Krông")
    assert legacy.name_matches("332", "Tiên Lữ")
    assert tree2025.name_matches("79", "TP Hồ Chí Minh")
    assert tree2025.name_matches("26732", "Côn Đảo")  # "Đặc khu" is a type word too


# --- replacement masters -------------------------------------------------------------------

SMALL = (
    "old,2000-01-01,2025-06-30,01,Tỉnh Một,province,",
    "old,2000-01-01,2025-06-30,001,Huyện Hai,district,01",
    "old,2000-01-01,2025-06-30,00001,Xã Ba,commune,001",
    "old,2023-01-01,2025-06-30,00002,Xã Mới,commune,001",
    "old,2000-01-01,2025-06-30,002,Huyện Đảo,district,01",
    "new,2025-07-01,,01,Tỉnh Một,province,",
    "new,2025-07-01,,00001,Xã Ba,commune,01",
)


def test_replacement_master(tmp_path: Path) -> None:
    master = write_master(tmp_path, *SMALL)
    old = UnitTree.for_year(2024, master=master)
    assert old.tree == "old"
    assert [u.code for u in old.leaves()] == ["00001", "00002", "002"]
    assert old.get("00001").province == "01"
    # a unit created in 2023 is not in the 2022 tree
    assert "00002" not in UnitTree.for_year(2022, master=master)
    assert UnitTree.for_year(2023, master=master) is old
    new = UnitTree.for_year(2025, master=master)
    assert new.tree == "new" and new.levels == ("province", "commune")
    assert [u.code for u in new.path("00001")] == ["01", "00001"]


def test_env_var_master(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VWU_UNITS", str(write_master(tmp_path, *SMALL)))
    assert UnitTree.for_year(2025).tree == "new"


def test_excel_bom_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_text("\n".join([HEADER, *SMALL]) + "\n", encoding="utf-8-sig")
    assert len(UnitTree.for_year(2025, master=path)) == 2


@pytest.mark.parametrize(
    ("rows", "header", "message"),
    [
        (SMALL, "tree,code,name", "header"),
        (("new,2025-07-01,,01,Tỉnh Một,province",), HEADER, "6 columns"),
        (("new,2025-07-01,,01,Tỉnh Một,region,",), HEADER, "level 'region'"),
        (("new,2025-07-01,,1,Tỉnh Một,province,",), HEADER, "leading zeros"),
        (("new,1/7/2025,,01,Tỉnh Một,province,",), HEADER, "not a date"),
        (("new,2025-07-01,,00001,Xã Ba,commune,02",), HEADER, "parent 02"),
        (("new,2025-07-01,,01,Tỉnh Một,province,00",), HEADER, "empty for a province"),
        (("new,2025-07-01,,01,Tỉnh Một,province,", "new,2025-07-01,,01,Tỉnh Hai,province,"), HEADER, "appears twice"),
        (("new,2025-07-01,,01,Tỉnh Một,province,", "new2,2025-07-01,,01,Tỉnh Một,province,"), HEADER, "several trees"),
        ((), HEADER, "no units"),
    ],
)
def test_malformed_master(tmp_path: Path, rows: tuple[str, ...], header: str, message: str) -> None:
    master = write_master(tmp_path, *rows, header=header)
    with pytest.raises(ConfigError) as info:
        UnitTree.for_year(2025, master=master)
    text = info.value.render("en")
    assert message in text
    assert str(master) in text  # says which file
    assert "YYYY-MM-DD" in text  # and how the file should look


def test_missing_or_unreadable_master(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        UnitTree.for_year(2025, master=tmp_path / "missing.csv")
    assert "does not exist" in info.value.render("en")
    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes(HEADER.encode() + b"\nnew,2025-07-01,,01,T\xecnh M\xf4t,province,\n")
    with pytest.raises(ConfigError) as info:
        UnitTree.for_year(2025, master=latin1)
    assert "cannot be read" in info.value.render("en")


def test_no_tree_for_year(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        UnitTree.for_year(2020, master=write_master(tmp_path, *SMALL[-2:]))
    assert "no unit valid on 2020-11-30" in info.value.render("en")


# --- the shipped file ----------------------------------------------------------------------


def test_packaged_file_format() -> None:
    lines = PACKAGED_MASTER.read_text(encoding="utf-8").splitlines()
    assert lines[0] == HEADER
    assert "legacy,1900-01-01,2025-06-30,01,Thành phố Hà Nội,province," in lines
    assert "legacy,1900-01-01,2025-06-30,332,Huyện Tiên Lữ,district,33" in lines
    assert "2025,2025-07-01,,01,Thành phố Hà Nội,province," in lines
    keys = [tuple(line.split(",")[:4:3]) for line in lines[1:]]
    assert keys == sorted(keys)  # sorted by tree, then code


def test_runtime_does_not_import_the_packages() -> None:
    code = (
        "import sys; from vwu_pipeline.core.units import UnitTree; UnitTree.for_year(2024);"
        "bad = {'vietnam_provinces', 'vietnamadminunits', 'pandas'} & set(sys.modules);"
        "sys.exit(sorted(bad) or 0)"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# --- the master read column by column (before the readers fork) ----------------------------


def _row_by_row(path: Path) -> list[tuple]:
    """Every row of a master as the csv module reads it, checked one row at a time."""
    import csv

    from vwu_pipeline.core.units import _parse_row

    with path.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.reader(f)
        next(reader)
        return [tuple(_parse_row(cells, reader.line_num, path)) for cells in reader if any(cells)]


def _read(path: Path) -> list[tuple]:
    from vwu_pipeline.core import units

    units._read_master.cache_clear()
    return [tuple(row) for row in units._read_master(path.resolve())]


def test_master_read_column_by_column_as_row_by_row(tmp_path: Path) -> None:
    assert _read(PACKAGED_MASTER) == _row_by_row(PACKAGED_MASTER)
    # quoted names with commas, Windows line ends, blank lines, extra columns, decomposed and
    # doubly spaced names: each read as the csv module and the row checks read them
    odd = [
        HEADER,
        'old,2000-01-01,2025-06-30,01,"Tỉnh Một, Hai",province,',
        "",
        "old,2000-01-01,2025-06-30,001,Huye\u0323\u0302n  Hai\u00a0,district,01,extra",
        ",,,,,,",
        "old, 2000-01-01 ,2025-06-30,00001, Xã Ba ,commune,001",
    ]
    for name, text in (
        ("quoted.csv", "\n".join(odd)),
        ("crlf.csv", "\r\n".join(odd[2:]).replace(",extra", "")),
        ("plain.csv", "\n".join([HEADER, *SMALL])),
    ):
        path = tmp_path / name
        path.write_text(("" if name != "crlf.csv" else HEADER + "\r\n") + text + "\n", encoding="utf-8", newline="")
        assert _read(path) == _row_by_row(path), name


def test_master_mistake_found_row_by_row(tmp_path: Path) -> None:
    # the column checks only decide that something is wrong: the row that is, with its line
    master = write_master(tmp_path, *SMALL[:3], "old,2000-01-01,2025-06-30,0004,Xã Bốn,commune,001", *SMALL[3:])
    with pytest.raises(ConfigError) as info:
        UnitTree.for_year(2024, master=master)
    assert "line 5" in info.value.render("en") and "'0004'" in info.value.render("en")


def test_name_keys_of_the_whole_master_as_of_each_name() -> None:
    from vwu_pipeline.core.units import _official_key, _official_keys

    names = [unit.name for year in (2024, 2025) for unit in UnitTree.for_year(year).units()]
    assert _official_keys(names) == [_official_key(name) for name in names]
    # folded as one text or one by one: punctuation, marks beyond Latin ("H’Leo"), a grapheme
    # joiner, other scripts, spaces at either end, type words alone or as the whole name
    tricky = [
        "Xã Ea H’Leo",
        "Phường 1",
        "Xã\u034fA",
        "Thị xã",
        "Thị xã Sơn Tây",
        " - A -B",
        "İstanbul",
        "Ｘã",
        "K\u212a",
        "",
        "Xã",
        "TP. Huế",
    ]
    assert _official_keys(tricky) == [_official_key(name) for name in tricky]
    assert _official_keys(names[:50] + tricky) == [_official_key(name) for name in names[:50] + tricky]


# --- the trees shipped built (core/data/units.trees) -----------------------------------------


def _tree_snapshot(tree: UnitTree) -> tuple:
    """Everything a tree answers with: its units (every field), children, levels, name index."""

    def fields(unit: Unit) -> tuple:
        return (unit.code, unit.name, unit.level, unit.parent, unit.province, sorted(vars(unit).items()), hash(unit))

    by_name, keys = tree._name_index()
    return (
        tree.tree,
        tree.levels,
        tree.source,
        [fields(u) for u in tree._units.values()],
        {code: [fields(u) for u in units] for code, units in tree._children.items()},
        {key: [fields(u) for u in units] for key, units in by_name.items()},
        keys,
    )


def _trees(monkeypatch: pytest.MonkeyPatch | None = None, shipped: Path | None = None) -> list[tuple]:
    from vwu_pipeline.core import units

    if monkeypatch is not None:
        monkeypatch.setattr(units, "SHIPPED_TREES", shipped)
    for cached in (units._read_master, units._periods, units._boundaries, units._build, units._shipped, units._tree_for_year):
        cached.cache_clear()
    return [_tree_snapshot(UnitTree.for_year(year)) for year in (2019, 2024, 2025, 2026)]


def test_the_shipped_trees_are_what_parsing_the_master_gives(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from vwu_pipeline.core import units

    assert units._shipped(PACKAGED_MASTER.resolve()) is not None, "units.csv changed since units.trees was written: run `make shipped`"
    shipped = _trees()
    assert units._read_master.cache_info().currsize == 0  # built from the shipped trees, not the rows
    parsed = _trees(monkeypatch, tmp_path / "none shipped")
    assert units._read_master.cache_info().currsize == 1
    assert shipped == parsed, "the master is now parsed into other trees: run `make shipped`"
    _trees(monkeypatch, units.SHIPPED_TREES)


def test_a_master_of_ones_own_is_parsed_and_checked_not_taken_from_the_shipped_trees(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from vwu_pipeline.core import units

    copy = tmp_path / "units.csv"
    text = PACKAGED_MASTER.read_text(encoding="utf-8")
    copy.write_text(text.replace(",Phường Ba Đình,", ",Phường Ba Đình Mới,", 1), encoding="utf-8")
    monkeypatch.setenv("VWU_UNITS", str(copy))
    for cached in (units._read_master, units._periods, units._build, units._shipped, units._tree_for_year):
        cached.cache_clear()
    try:
        assert UnitTree.for_year(2025).get("00004").name == "Phường Ba Đình Mới"
        assert units._read_master.cache_info().currsize == 1
        bad = tmp_path / "bad.csv"  # a mistake in it is still found, with its line
        bad.write_text(text.replace(",00004,", ",0004,", 1), encoding="utf-8")
        with pytest.raises(ConfigError) as info:
            UnitTree.for_year(2025, master=bad)
        assert "line 2" in info.value.render("en") and "'0004'" in info.value.render("en")
    finally:
        for cached in (units._read_master, units._periods, units._build, units._shipped, units._tree_for_year):
            cached.cache_clear()
