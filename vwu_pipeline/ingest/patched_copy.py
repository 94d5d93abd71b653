"""The checked copy of an .xlsx written into the submitter's own package: fast, and faithful.

openpyxl rebuilds a workbook from its object model: seconds for 10,000 rows, and it leaves out
images, charts and the cached results of formulas. Here the original package is copied part by
part and only what the check adds is written: the fill of each problem cell (a cell format
cloned from the cell's own, with the fill changed), the comments and their VML shapes, the
results sheet in front, and the marker property (core/documents.FEEDBACK_MARKER). Notes already on a
sheet are taken off and written again with the new ones; a checked copy checked again loses its
old results sheet, marker and marks first (forget_results_sheet, Styles.unfill).

.xls, .ods and .csv input becomes a minimal package of the values read (values_package), then is
marked the same way.

Whatever this cannot copy faithfully (a macro workbook, threaded comments, form controls, a
package laid out unusually) raises `Unsupported`, and annotate.py makes the copy through
openpyxl instead.
"""

from __future__ import annotations

import functools
import math
import posixpath
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from operator import itemgetter
from pathlib import Path

from defusedxml import ElementTree as SafeET

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
WORKBOOK_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
WORKSHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
COMMENTS_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml"
VML_TYPE = "application/vnd.openxmlformats-officedocument.vmlDrawing"
CUSTOM_TYPE = "application/vnd.openxmlformats-officedocument.custom-properties+xml"
CUSTOM_REL = f"{REL}/custom-properties"
PROPERTY_SET = "{D5CDD505-2E9C-101B-9397-08002B2CF9AE}"  # the set of user-defined properties
HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

# Worksheet children that come after <legacyDrawing> (ECMA-376 CT_Worksheet): it goes before them.
AFTER_LEGACY_DRAWING = ("legacyDrawingHF", "drawingHF", "picture", "oleObjects", "controls", "webPublishItems", "tableParts", "extLst")

_CELL = re.compile(r"<c\b([^>]*?)(/?)>")
_REF = re.compile(r'\br="([A-Z]{1,3})([0-9]+)"')
_STYLE = re.compile(r'\bs="([0-9]+)"')
_ROW = re.compile(r'<row\b[^>]*?\br="([0-9]+)"')
_TAG = re.compile(r"<(/?)([A-Za-z_][\w.:-]*)[^>]*?(/?)>")
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_PLAIN_TEXT = re.compile(r"[^&<>\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]*")


class Unsupported(Exception):
    """This package cannot be patched faithfully: make the copy through openpyxl."""


@dataclass
class Style:
    """A cell format of the results sheet, written as fonts, fills and alignments of styles.xml."""

    bold: bool = False
    italic: bool = False
    underline: bool = False
    size: float | None = None
    color: str | None = None
    fill: str | None = None
    wrap: bool = False
    left: bool = False


@dataclass
class Sheet:
    """A sheet to write from scratch (the results sheet)."""

    title: str
    cells: list[tuple[int, int, object, str]]  # row, column, value, style name
    styles: dict[str, Style]
    widths: list[float]
    merges: list[str] = field(default_factory=list)  # "B8:F8"
    links: dict[str, str] = field(default_factory=dict)  # cell -> location ("'Hội viên'!F12")
    heights: dict[int, float] = field(default_factory=dict)
    frozen_rows: int = 0


@dataclass
class Note:
    """What a problem cell gets: its fill colour and its comment (a note of the clerk's own that
    stays: no fill, its author)."""

    fill: str | None  # RRGGBB
    text: str
    lines: int
    author: str | None = None  # None: vwu


def _column(letters: str) -> int:
    number = 0
    for ch in letters:
        number = number * 26 + ord(ch) - 64
    return number


@functools.lru_cache(maxsize=1024)
def column_letters(column: int) -> str:
    """3 -> "C", 28 -> "AB"."""
    letters = ""
    while column:
        column, rest = divmod(column - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _text(value: str) -> str:
    """Text for an XML element: escaped, without the characters XML 1.0 forbids."""
    if _PLAIN_TEXT.fullmatch(value):  # most text: nothing to escape or drop
        return value
    if _ILLEGAL.search(value):
        value = _ILLEGAL.sub("", value)
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def quoteattr(value: str) -> str:
    """A quoted XML attribute value (xml.sax.saxutils' own imports urllib, http and ssl)."""
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    return '"' + value.replace("\n", "&#10;").replace("\r", "&#13;").replace("\t", "&#9;") + '"'


def _attribute(value: str) -> str:
    """A quoted XML attribute value."""
    return f'"{value}"' if _PLAIN_TEXT.fullmatch(value) and '"' not in value else quoteattr(_ILLEGAL.sub("", value))


class Package:
    """The original's parts, read once; the changed and added ones kept apart until written."""

    def __init__(self, path: Path | None, parts: dict[str, bytes] | None = None) -> None:
        if path is None:
            self.parts = dict(parts or {})
            self.order = list(self.parts)
        else:
            with open(path, "rb") as handle:
                archive = zipfile.ZipFile(handle)
                self.order = archive.namelist()
                self.parts = {name: archive.read(name) for name in self.order}
        self.changed: dict[str, str] = {}

    def text(self, name: str) -> str:
        if name in self.changed:
            return self.changed[name]
        if name not in self.parts:
            raise Unsupported(f"no part {name}")
        return self.parts[name].decode("utf-8")

    def put(self, name: str, text: str) -> None:
        self.changed[name] = text

    def remove(self, name: str) -> None:
        self.parts.pop(name, None)
        self.changed.pop(name, None)
        self.order = [n for n in self.order if n != name]

    def free_name(self, pattern: str) -> str:
        number = 1
        while pattern.format(number) in self.parts or pattern.format(number) in self.changed:
            number += 1
        return pattern.format(number)

    def write(self, out: Path) -> None:
        # the fastest deflate: the copy is a few percent larger, written in a third of the time
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
            for name in [*self.order, *(n for n in self.changed if n not in self.parts)]:
                data = self.changed[name].encode("utf-8") if name in self.changed else self.parts[name]
                archive.writestr(name, data)


def _relationships(package: Package, name: str) -> list[tuple[str, str, str]]:
    """(id, type, target) of a .rels part; none when it does not exist."""
    if name not in package.parts and name not in package.changed:
        return []
    root = SafeET.fromstring(package.text(name))
    return [(r.get("Id", ""), r.get("Type", ""), r.get("Target", "")) for r in root if r.tag == f"{{{PACKAGE_REL}}}Relationship"]


def _add_relationships(package: Package, name: str, added: list[tuple[str, str, str]]) -> None:
    lines = "".join(f"<Relationship Id={quoteattr(i)} Type={quoteattr(t)} Target={quoteattr(target)}/>" for i, t, target in added)
    if name in package.parts or name in package.changed:
        xml = package.text(name)
        end = xml.rfind("</Relationships>")
        if end < 0:
            raise Unsupported(f"{name}: no </Relationships>")
        package.put(name, xml[:end] + lines + xml[end:])
    else:
        package.put(name, f'{HEAD}<Relationships xmlns="{PACKAGE_REL}">{lines}</Relationships>')


def _drop_relationships(package: Package, name: str, ids: set[str]) -> None:
    def kept(match: re.Match) -> str:
        found = re.search(r'\bId="([^"]*)"', match.group(0))
        return "" if found and found.group(1) in ids else match.group(0)

    xml = re.sub(r"<Relationship\b[^>]*?/>|<Relationship\b[^>]*?>.*?</Relationship>", kept, package.text(name), flags=re.DOTALL)
    package.put(name, xml)


def _drop_part(package: Package, part: str) -> None:
    """A part, its relationships and its content type."""
    types = package.text("[Content_Types].xml")
    types = re.sub(r'<Override\b[^>]*\bPartName="' + re.escape("/" + part) + r'"[^>]*/>', "", types, flags=re.IGNORECASE)
    package.put("[Content_Types].xml", types)
    package.remove(part)
    package.remove(_rels_of(part))


def _free_id(taken: list[tuple[str, str, str]], base: str = "rIdVwu") -> str:
    ids = {i for i, _, _ in taken}
    number = 1
    while f"{base}{number}" in ids:
        number += 1
    return f"{base}{number}"


def _part(folder: str, target: str) -> str:
    return target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))


def _rels_of(part: str) -> str:
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", name + ".rels")


def _root_tag(xml: str) -> re.Match:
    found = re.search(r"<[A-Za-z_][^>]*>", xml)
    if found is None:
        raise Unsupported("no root element")
    return found


def _prefix(xml: str, namespace: str) -> str | None:
    """The prefix the root element binds to `namespace` (a nested declaration does not count)."""
    found = re.search(r'xmlns:([\w.-]+)="' + re.escape(namespace) + '"', _root_tag(xml).group(0))
    return found.group(1) if found else None


class Workbook:
    """The package's workbook part and its worksheets, in order."""

    def __init__(self, package: Package) -> None:
        self.package = package
        officeDocument = [t for _, kind, t in _relationships(package, "_rels/.rels") if kind.endswith("/officeDocument")]
        if officeDocument != ["xl/workbook.xml"] and officeDocument != ["/xl/workbook.xml"]:
            raise Unsupported("workbook part not at xl/workbook.xml")
        types = package.text("[Content_Types].xml")
        if not re.search(r'PartName="/xl/workbook.xml"\s+ContentType="' + re.escape(WORKBOOK_TYPE) + '"', types):
            raise Unsupported("not a plain .xlsx workbook (macros, template)")
        self.xml = package.text("xl/workbook.xml")
        if "<workbook" not in self.xml[:2000] or not re.search(r"<sheets\s*>", self.xml):
            raise Unsupported("prefixed SpreadsheetML")
        root = SafeET.fromstring(self.xml)
        self.rels = _relationships(package, "xl/_rels/workbook.xml.rels")
        targets = {i: (kind, _part("xl", t)) for i, kind, t in self.rels}
        self.sheets: list[tuple[str, str]] = []  # (name, part) of worksheets
        self.sheet_ids: list[int] = []
        self.names: list[str] = [sheet.get("name", "") for sheet in root.iter(f"{{{MAIN}}}sheet")]  # chart sheets too
        for sheet in root.iter(f"{{{MAIN}}}sheet"):
            kind, part = targets.get(sheet.get(f"{{{REL}}}id", ""), ("", ""))
            self.sheet_ids.append(int(sheet.get("sheetId", "0")))
            if kind.endswith("/worksheet"):
                self.sheets.append((sheet.get("name", ""), part))
        styles = [part for kind, part in targets.values() if kind.endswith("/styles")]
        if len(styles) != 1:
            raise Unsupported("no styles part")
        self.styles = styles[0]

    def insert_first_sheet(self, title: str, part: str) -> None:
        """The results sheet in front, shown on opening; sheet-scoped names move one place."""
        prefix = _prefix(self.xml, REL)
        if prefix is None:
            raise Unsupported("workbook without the relationships namespace")
        rid = _free_id(self.rels)
        _add_relationships(self.package, "xl/_rels/workbook.xml.rels", [(rid, f"{REL}/worksheet", "/" + part)])
        sheet_id = max(self.sheet_ids, default=0) + 1
        xml = re.sub(r'\blocalSheetId="([0-9]+)"', lambda m: f'localSheetId="{int(m.group(1)) + 1}"', self.xml)
        xml = re.sub(r'\s(activeTab|firstSheet)="[0-9]+"', "", xml)
        xml = re.sub(
            r"<sheets\s*>",
            lambda m: f'<sheets><sheet name={quoteattr(title)} sheetId="{sheet_id}" {prefix}:id="{rid}"/>',
            xml,
            count=1,
        )
        self.package.put("xl/workbook.xml", xml)
        _add_content_types(self.package, overrides=[("/" + part, WORKSHEET_TYPE)])


def _add_content_types(package: Package, overrides: list[tuple[str, str]] = (), defaults: list[tuple[str, str]] = ()) -> None:
    xml = package.text("[Content_Types].xml")
    lines = ""
    for extension, kind in defaults:
        if not re.search(r'Extension="' + re.escape(extension) + '"', xml, re.IGNORECASE):
            lines += f"<Default Extension={quoteattr(extension)} ContentType={quoteattr(kind)}/>"
    lines += "".join(f"<Override PartName={quoteattr(p)} ContentType={quoteattr(kind)}/>" for p, kind in overrides)
    end = xml.rfind("</Types>")
    if end < 0:
        raise Unsupported("[Content_Types].xml without </Types>")
    package.put("[Content_Types].xml", xml[:end] + lines + xml[end:])


class Styles:
    """styles.xml, grown by the fonts, fills and cell formats the copy needs."""

    def __init__(self, package: Package, part: str) -> None:
        self.package, self.part = package, part
        self.xml = package.text(part)
        self.blocks = {}
        for name, item in (("fonts", "font"), ("fills", "fill"), ("cellXfs", "xf")):
            found = re.search(rf"<{name}\b[^>]*>(.*?)</{name}>", self.xml, re.DOTALL)
            if found is None:
                raise Unsupported(f"styles without <{name}>")
            items = re.findall(rf"<{item}\b[^>]*?/>|<{item}\b[^>]*?>.*?</{item}>", found.group(1), re.DOTALL)
            self.blocks[name] = (items, [])
        font = self.blocks["fonts"][0][0] if self.blocks["fonts"][0] else ""
        name, size = re.search(r'<name val="([^"]*)"', font), re.search(r'<sz val="([^"]*)"', font)
        self.font_name = name.group(1) if name else "Calibri"
        self.font_size = size.group(1) if size else "11"
        self.cloned: dict[tuple[int, str], int] = {}
        self.fill_ids: dict[str, int] = {}
        self.rewritten: set[str] = set()

    def unfill(self, colors: set[str]) -> None:
        """Cell formats filled with one of `colors` (the marks of an earlier check) lose that fill."""
        ours = {
            index
            for index, fill in enumerate(self.blocks["fills"][0])
            if "solid" in fill and any(re.search(rf'fgColor\b[^>]*\brgb="(FF)?{color}"', fill, re.IGNORECASE) for color in colors)
        }
        if not ours:
            return
        formats = self.blocks["cellXfs"][0]
        for index, xf in enumerate(formats):
            fill = re.search(r'\bfillId="([0-9]+)"', xf)
            if fill and int(fill.group(1)) in ours:
                formats[index] = re.sub(r'\sapplyFill="[^"]*"', "", xf.replace(fill.group(0), 'fillId="0"', 1))
                self.rewritten.add("cellXfs")

    def _add(self, block: str, xml: str) -> int:
        existing, added = self.blocks[block]
        if xml in added:
            return len(existing) + added.index(xml)
        added.append(xml)
        return len(existing) + len(added) - 1

    def fill(self, color: str) -> int:
        rgb = "FF" + color
        return self._add(
            "fills", f'<fill><patternFill patternType="solid"><fgColor rgb="{rgb}"/><bgColor rgb="{rgb}"/></patternFill></fill>'
        )

    def marked(self, base: int, color: str) -> int:
        """The cell format `base` (the problem cell's own) with a solid fill of `color`."""
        key = (base, color)
        if key not in self.cloned:
            formats = self.blocks["cellXfs"][0]
            xf = formats[base] if base < len(formats) else '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
            fill = self.fill(color)
            xf = re.sub(r'\s(fillId|applyFill)="[^"]*"', "", xf, count=2)
            xf = re.sub(r"^<xf\b", f'<xf fillId="{fill}" applyFill="1"', xf)
            self.cloned[key] = self._add("cellXfs", xf)
        return self.cloned[key]

    def style(self, style: Style) -> int:
        font = (
            "<font>" + ("<b/>" if style.bold else "") + ("<i/>" if style.italic else "") + ('<u val="single"/>' if style.underline else "")
        )
        font += f'<sz val="{style.size or self.font_size}"/>' + (f'<color rgb="FF{style.color}"/>' if style.color else "")
        font += f"<name val={quoteattr(self.font_name)}/></font>"
        font_id = self._add("fonts", font)
        fill_id = self.fill(style.fill) if style.fill else 0
        alignment = ""
        if style.wrap or style.left:
            alignment = (
                '<alignment vertical="top"' + (' wrapText="1"' if style.wrap else "") + (' horizontal="left"' if style.left else "") + "/>"
            )
        xf = f'<xf numFmtId="0" fontId="{font_id}" fillId="{fill_id}" borderId="0" xfId="0" applyFont="1" applyFill="1" applyAlignment="1">'
        return self._add("cellXfs", xf + alignment + "</xf>")

    def save(self) -> None:
        xml = self.xml
        for name, (existing, added) in self.blocks.items():
            if not added and name not in self.rewritten:
                continue
            found = re.search(rf"(<{name}\b[^>]*>)(.*?)(</{name}>)", xml, re.DOTALL)
            start = re.sub(r'\scount="[0-9]*"', "", found.group(1))
            start = start[:-1] + f' count="{len(existing) + len(added)}">'
            content = "".join(existing) if name in self.rewritten else found.group(2)
            xml = xml[: found.start()] + start + content + "".join(added) + found.group(3) + xml[found.end() :]
        self.package.put(self.part, xml)


def _merged(xml: str) -> list[tuple[int, int, int, int]]:
    """Merged ranges as (min row, min column, max row, max column)."""
    ranges = []
    for ref in re.findall(r'<mergeCell\b[^>]*\bref="([A-Z]+[0-9]+(?::[A-Z]+[0-9]+)?)"', xml):
        first, _, last = ref.partition(":")
        a, b = re.match(r"([A-Z]+)([0-9]+)", first).groups(), re.match(r"([A-Z]+)([0-9]+)", last or first).groups()
        ranges.append((int(a[1]), _column(a[0]), int(b[1]), _column(b[0])))
    return ranges


def _sheet_data(xml: str) -> tuple[int, int]:
    """Where the rows of a worksheet are: (start, end) of <sheetData>'s content."""
    opening = re.search(r"<sheetData\b[^>]*?(/?)>", xml)
    if opening is None or "<worksheet" not in xml[: opening.start()]:
        raise Unsupported("worksheet without <sheetData> or prefixed")
    if opening.group(1):
        return opening.end(), opening.end()
    end = xml.find("</sheetData>", opening.end())
    return opening.end(), end


def _mark_cells(xml: str, notes: dict[tuple[int, int], Callable[[int], int]]) -> str:
    """Give each (row, column) in `notes` its new cell format, a function of the cell's own."""
    start, end = _sheet_data(xml)
    if start == end:
        raise Unsupported("empty sheet")
    marked = _mark_cells_in_order(xml[start:end], notes)
    if marked is not None:
        return xml[:start] + marked + xml[end:]
    return _mark_every_cell(xml, start, end, notes)


def _mark_cells_in_order(data: str, notes: dict[tuple[int, int], Callable[[int], int]]) -> str | None:
    """The common case, fast: every cell to mark exists, its reference written first, rows and
    cells in order (as Excel, LibreOffice and openpyxl write them). None when it is not so."""
    pieces: list[str] = []
    position = 0
    for row, column in sorted(notes):
        at = data.find(f'<c r="{column_letters(column)}{row}"', position)
        if at < 0:
            return None
        close = data.find(">", at)
        tag = data[at : close + 1]
        empty = tag.endswith("/>")
        attributes = tag[2 : -2 if empty else -1]
        own = _STYLE.search(attributes)
        base = int(own.group(1)) if own else 0
        attributes = _STYLE.sub("", attributes) if own else attributes
        pieces += [data[position:at], f'<c{attributes} s="{notes[(row, column)](base)}"{"/" if empty else ""}>']
        position = close + 1
    pieces.append(data[position:])
    return "".join(pieces)


def _mark_every_cell(xml: str, start: int, end: int, notes: dict[tuple[int, int], Callable[[int], int]]) -> str:
    """Any layout: every cell tag looked at, cells without a tag inserted."""
    found: set[tuple[int, int]] = set()

    def mark(match: re.Match) -> str:
        attributes = match.group(1)
        ref = _REF.search(attributes)
        if ref is None:
            raise Unsupported("a cell without its reference")
        key = (int(ref.group(2)), _column(ref.group(1)))
        if key not in notes:
            return match.group(0)
        found.add(key)
        own = _STYLE.search(attributes)
        base = int(own.group(1)) if own else 0
        attributes = _STYLE.sub("", attributes) if own else attributes
        return f'<c{attributes} s="{notes[key](base)}"{match.group(2)}>'

    data = _CELL.sub(mark, xml[start:end])
    missing = [key for key in notes if key not in found]
    for row, column in sorted(missing):
        data = _insert_cell(data, row, column, notes[(row, column)](0))
    return xml[:start] + data + xml[end:]


def _insert_cell(data: str, row: int, column: int, style: int) -> str:
    """An empty cell of an existing row, in column order (a problem on a blank cell)."""
    opening = re.search(rf'<row\b[^>]*?\br="{row}"[^>]*?(/?)>', data)
    cell = f'<c r="{column_letters(column)}{row}" s="{style}"/>'
    if opening is None:  # a row without cells (a header row left blank): added in its place
        later = next((m for m in _ROW.finditer(data) if int(m.group(1)) > row), None)
        at = later.start() if later else len(data)
        return data[:at] + f'<row r="{row}">{cell}</row>' + data[at:]
    head = re.sub(r'\sspans="[^"]*"', "", opening.group(0))  # a hint that would no longer hold
    if opening.group(1):
        return data[: opening.start()] + head[:-2] + ">" + cell + "</row>" + data[opening.end() :]
    close = data.find("</row>", opening.end())
    content = data[opening.end() : close]
    at = len(content)
    for match in _CELL.finditer(content):
        ref = _REF.search(match.group(1))
        if ref and _column(ref.group(1)) > column:
            at = match.start()
            break
    return data[: opening.start()] + head + content[:at] + cell + content[at:] + data[close:]


def _before_later_children(xml: str, element: str) -> str:
    """`element` placed among the worksheet's children before those the schema puts after it."""
    _, end = _sheet_data(xml)
    closing = xml.rfind("</worksheet>")
    if closing < 0:
        raise Unsupported("no </worksheet>")
    depth, at = 0, closing
    for match in _TAG.finditer(xml, end, closing):
        is_end, name, empty = match.groups()
        if depth == 0 and not is_end and name.rpartition(":")[2] in AFTER_LEGACY_DRAWING:
            at = match.start()
            break
        if name.startswith(("?", "!")):
            continue
        depth += -1 if is_end else 0 if empty else 1
    return xml[:at] + element + xml[at:]


def _comments_xml(notes: list[tuple[int, int, Note]], author: str) -> str:
    authors = [author, *dict.fromkeys(n.author for _, _, n in notes if n.author is not None and n.author != author)]
    number = {name: index for index, name in enumerate(authors)}
    items = "".join(
        f'<comment ref="{column_letters(c)}{r}" authorId="{number[n.author if n.author is not None else author]}">'
        f'<text><t xml:space="preserve">{_text(n.text)}</t></text></comment>'
        for r, c, n in notes
    )
    names = "".join(f"<author>{_text(name)}</author>" for name in authors)
    return f'{HEAD}<comments xmlns="{MAIN}"><authors>{names}</authors><commentList>{items}</commentList></comments>'


def _vml(notes: list[tuple[int, int, Note]]) -> str:
    """The hidden note boxes Excel and LibreOffice show on hovering (as openpyxl writes them)."""
    shapes = []
    for number, (row, column, note) in enumerate(notes, start=1026):
        height = min(60 + 40 * note.lines, 400)
        shapes.append(
            f'<v:shape id="_x0000_s{number:04d}" type="#_x0000_t202" style="position:absolute; margin-left:59.25pt;margin-top:1.5pt;'
            f'width:320px;height:{height}px;z-index:1;visibility:hidden" fillcolor="#ffffe1" o:insetmode="auto">'
            '<v:fill color2="#ffffe1"/><v:shadow color="black" obscured="t"/><v:path o:connecttype="none"/>'
            '<v:textbox style="mso-direction-alt:auto"><div style="text-align:left"/></v:textbox>'
            '<x:ClientData ObjectType="Note"><x:MoveWithCells/><x:SizeWithCells/><x:AutoFill>False</x:AutoFill>'
            f"<x:Row>{row - 1}</x:Row><x:Column>{column - 1}</x:Column></x:ClientData></v:shape>"
        )
    return (
        '<xml xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office"'
        ' xmlns:x="urn:schemas-microsoft-com:office:excel">'
        '<o:shapelayout v:ext="edit"><o:idmap v:ext="edit" data="1"/></o:shapelayout>'
        '<v:shapetype id="_x0000_t202" coordsize="21600,21600" o:spt="202" path="m,l,21600r21600,l21600,xe">'
        '<v:stroke joinstyle="miter"/><v:path gradientshapeok="t" o:connecttype="rect"/></v:shapetype>' + "".join(shapes) + "</xml>"
    )


def _sheet_xml(sheet: Sheet, style_ids: dict[str, int]) -> str:
    # Written in one pass: the results sheet of a large file has a line per problem (10,000s).
    cells = sheet.cells
    if any(a[:2] >= b[:2] for a, b in zip(cells, cells[1:])):  # not given in row and column order
        cells = sorted(cells, key=itemgetter(0, 1))
    letters = {column: column_letters(column) for column in {c[1] for c in cells}}
    styles = {name: f' s="{number}"' for name, number in style_ids.items()}
    pieces: list[str] = []
    current = None
    for row, column, value, style in cells:
        if row != current:
            if current is not None:
                pieces.append("</row>")
            pieces.append(f'<row r="{row}"' + (f' ht="{sheet.heights[row]}" customHeight="1">' if row in sheet.heights else ">"))
            current = row
        s = styles.get(style, "")
        if value is None or value == "":
            pieces.append(f'<c r="{letters[column]}{row}"{s}/>')
        elif type(value) is int or type(value) is float:
            pieces.append(f'<c r="{letters[column]}{row}"{s}><v>{value}</v></c>')
        else:
            pieces.append(f'<c r="{letters[column]}{row}"{s} t="inlineStr"><is><t xml:space="preserve">{_text(str(value))}</t></is></c>')
    if current is not None:
        pieces.append("</row>")
    data = "".join(pieces)
    last = current or 1
    columns = "".join(f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>' for i, w in enumerate(sheet.widths, start=1))
    pane = ""
    if sheet.frozen_rows:
        pane = f'<pane ySplit="{sheet.frozen_rows}" topLeftCell="A{sheet.frozen_rows + 1}" activePane="bottomLeft" state="frozen"/>'
        pane += f'<selection pane="bottomLeft" activeCell="A{sheet.frozen_rows + 1}" sqref="A{sheet.frozen_rows + 1}"/>'
    merges = "".join(f'<mergeCell ref="{m}"/>' for m in sheet.merges)
    links = "".join([f'<hyperlink ref="{c}" location={_attribute(loc)} display="{c}"/>' for c, loc in sheet.links.items()])
    return (
        f'{HEAD}<worksheet xmlns="{MAIN}" xmlns:r="{REL}"><sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>'
        f'<dimension ref="A1:{column_letters(len(sheet.widths) or 1)}{last}"/>'
        f'<sheetViews><sheetView tabSelected="1" workbookViewId="0">{pane}</sheetView></sheetViews>'
        f'<sheetFormatPr defaultRowHeight="15"/><cols>{columns}</cols><sheetData>{data}</sheetData>'
        + (f'<mergeCells count="{len(sheet.merges)}">{merges}</mergeCells>' if merges else "")
        + (f"<hyperlinks>{links}</hyperlinks>" if links else "")
        + '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
        '<pageSetup paperSize="9" orientation="landscape" fitToWidth="1" fitToHeight="0"/></worksheet>'
    )


def _mark_property(package: Package, name: str, value: str) -> None:
    """A custom document property (docProps/custom.xml), created with its relationship if needed."""
    item = f'<property fmtid="{PROPERTY_SET}" pid="{{pid}}" name={quoteattr(name)}><vt:lpwstr>{_text(value)}</vt:lpwstr></property>'
    if "docProps/custom.xml" in package.parts:
        xml = package.text("docProps/custom.xml")
        if _prefix(xml, "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes") != "vt":
            raise Unsupported("custom properties without the vt prefix")
        pid = max((int(p) for p in re.findall(r'\bpid="([0-9]+)"', xml)), default=1) + 1
        end = xml.rfind("</Properties>")
        if end < 0:
            raise Unsupported("custom properties not closed")
        package.put("docProps/custom.xml", xml[:end] + item.replace("{pid}", str(pid)) + xml[end:])
        return
    package.put(
        "docProps/custom.xml",
        f'{HEAD}<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"'
        ' xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">' + item.replace("{pid}", "2") + "</Properties>",
    )
    root_rels = _relationships(package, "_rels/.rels")
    _add_relationships(package, "_rels/.rels", [(_free_id(root_rels), CUSTOM_REL, "docProps/custom.xml")])
    _add_content_types(package, overrides=[("/docProps/custom.xml", CUSTOM_TYPE)])


def property_value(package: Package, name: str) -> str | None:
    """The custom document property `name` (docProps/custom.xml), None when there is none."""
    if "docProps/custom.xml" not in package.parts:
        return None
    for prop in SafeET.fromstring(package.text("docProps/custom.xml")):
        if prop.get("name") == name:
            return "".join(prop.itertext())
    return None


def forget_results_sheet(package: Package, title: str, marker: str) -> None:
    """A checked copy checked again: its results sheet and the `marker` property go (the new
    check writes its own); sheet-scoped names move one place back."""
    xml = package.text("xl/workbook.xml")
    entries = list(re.finditer(r"<sheet\b[^>]*?/>", xml))
    sheets = list(SafeET.fromstring(xml).iter(f"{{{MAIN}}}sheet"))
    if len(entries) != len(sheets):
        raise Unsupported("sheet entries not as expected")
    index = next((i for i, sheet in enumerate(sheets) if sheet.get("name") == title), None)
    if index is not None:
        rid = sheets[index].get(f"{{{REL}}}id", "")
        target = next(
            (t for i, kind, t in _relationships(package, "xl/_rels/workbook.xml.rels") if i == rid and kind.endswith("/worksheet")), None
        )
        if target is None:
            raise Unsupported("results sheet without its part")
        xml = xml[: entries[index].start()] + xml[entries[index].end() :]

        def moved(match: re.Match) -> str:
            local = re.search(r'\blocalSheetId="([0-9]+)"', match.group(1))
            if local is None or int(local.group(1)) < index:
                return match.group(0)
            if int(local.group(1)) == index:
                return ""
            return match.group(0).replace(local.group(0), f'localSheetId="{int(local.group(1)) - 1}"', 1)

        xml = re.sub(r"<definedName\b([^>]*?)(?:/>|>.*?</definedName>)", moved, xml, flags=re.DOTALL)
        package.put("xl/workbook.xml", xml)
        _drop_relationships(package, "xl/_rels/workbook.xml.rels", {rid})
        _drop_part(package, _part("xl", target))

    def kept(match: re.Match) -> str:
        name = re.search(r'\bname="([^"]*)"', match.group(1))
        return "" if name and name.group(1) == marker else match.group(0)

    custom = re.sub(r"<property\b([^>]*)>.*?</property>", kept, package.text("docProps/custom.xml"), flags=re.DOTALL)
    package.put("docProps/custom.xml", custom)


def _take_notes(package: Package, part: str, xml: str) -> tuple[str, dict[tuple[int, int], tuple[str, str]]]:
    """The notes already on a sheet ((row, column) -> (author, text)), taken off it with their
    parts: they are written again together with the new ones."""
    drawing = re.search(r"<legacyDrawing\b[^>]*?\b[\w]+:id=\"([^\"]+)\"[^>]*/>", xml)
    relations = {i: (kind, target) for i, kind, target in _relationships(package, _rels_of(part))}
    comments = [i for i, (kind, _) in relations.items() if kind.endswith("/comments")]
    if not comments and drawing is None:
        return xml, {}
    if any(kind.lower().endswith("/threadedcomment") for kind, _ in relations.values()):
        raise Unsupported("threaded comments")
    if len(comments) != 1 or drawing is None or drawing.group(1) not in relations:
        raise Unsupported("notes laid out unusually")
    folder = posixpath.dirname(part)
    comments_part = _part(folder, relations[comments[0]][1])
    drawing_part = _part(folder, relations[drawing.group(1)][1])
    if set(re.findall(r'ObjectType="([^"]+)"', package.text(drawing_part))) - {"Note"}:
        raise Unsupported("form controls beside the notes")
    root = SafeET.fromstring(package.text(comments_part))
    authors = [author.text or "" for author in root.iter(f"{{{MAIN}}}author")]
    found: dict[tuple[int, int], tuple[str, str]] = {}
    for comment in root.iter(f"{{{MAIN}}}comment"):
        ref = re.fullmatch(r"\$?([A-Z]{1,3})\$?([0-9]+)", comment.get("ref", ""))
        if ref is None:
            raise Unsupported("a note on a range")
        author = int(comment.get("authorId", "0"))
        text = "".join(t.text or "" for t in comment.iter(f"{{{MAIN}}}t"))
        found[(int(ref.group(2)), _column(ref.group(1)))] = (authors[author] if author < len(authors) else "", text)
    _drop_relationships(package, _rels_of(part), {comments[0], drawing.group(1)})
    _drop_part(package, comments_part)
    _drop_part(package, drawing_part)
    return xml[: drawing.start()] + xml[drawing.end() :], found


def write_copy(
    package: Package,
    workbook: Workbook,
    notes: dict[str, dict[tuple[int, int], Note]],
    summary: Sheet,
    marker: tuple[str, str],
    author: str,
    out: Path,
    earlier: Callable[[str], str | None] = lambda note: note,
    separator: str = "\n",
    unfill: frozenset[str] = frozenset(),
) -> None:
    """The original package with `notes` on their cells (per sheet name), `summary` in front and
    the `marker` property, written to `out`. A note already on a cell stays as `earlier` says
    (its text, or None: it goes), first, then `separator` and the new one; cell formats filled
    with one of the `unfill` colours lose that fill (the marks of an earlier check)."""
    styles = Styles(package, workbook.styles)
    if unfill:
        styles.unfill(set(unfill))
    for name, part in workbook.sheets:
        xml = package.text(part)
        head = xml[: xml.find("<sheetData")]
        if 'tabSelected="1"' in head:  # the results sheet is the one shown
            xml = xml.replace(' tabSelected="1"', "", 1)
            package.put(part, xml)
    for name, part in workbook.sheets:
        cells = dict(notes.get(name, {}))
        xml, existing = _take_notes(package, part, package.text(part))
        if not cells and not existing:
            continue
        for key, (who, text) in existing.items():
            kept = earlier(text)
            if kept is None or not kept.strip():
                continue
            ours = cells.get(key)
            if ours is None:
                cells[key] = Note(None, kept, kept.count("\n") + 1, who)
            else:
                cells[key] = Note(ours.fill, kept + separator + ours.text, kept.count("\n") + 2 + ours.lines)
        if not cells:
            package.put(part, xml)
            continue
        formats = {key: (lambda base, color=note.fill: styles.marked(base, color)) for key, note in cells.items() if note.fill}
        if formats:
            xml = _mark_cells(xml, formats)
        prefix = _prefix(xml, REL)
        if prefix is None:
            root = _root_tag(xml)
            if "vwurel:" in xml or not root.group(0).startswith("<worksheet"):
                raise Unsupported("no prefix for relationships")
            xml = xml[: root.start()] + f'<worksheet xmlns:vwurel="{REL}"' + xml[root.start() + len("<worksheet") :]
            prefix = "vwurel"
        rels_part = _rels_of(part)
        taken = _relationships(package, rels_part)
        comments = package.free_name("xl/comments_vwu{}.xml")
        drawing = package.free_name("xl/drawings/vmlDrawing_vwu{}.vml")
        ordered = [(r, c, cells[(r, c)]) for r, c in sorted(cells)]
        package.put(comments, _comments_xml(ordered, author))
        package.put(drawing, _vml(ordered))
        comment_id = _free_id(taken)
        drawing_id = _free_id([*taken, (comment_id, "", "")])
        _add_relationships(
            package,
            rels_part,
            [(comment_id, f"{REL}/comments", "/" + comments), (drawing_id, f"{REL}/vmlDrawing", "/" + drawing)],
        )
        _add_content_types(package, overrides=[("/" + comments, COMMENTS_TYPE)], defaults=[("vml", VML_TYPE)])
        package.put(part, _before_later_children(xml, f'<legacyDrawing {prefix}:id="{drawing_id}"/>'))
    style_ids = {name: styles.style(style) for name, style in summary.styles.items()}
    summary_part = package.free_name("xl/worksheets/vwu_results{}.xml")
    package.put(summary_part, _sheet_xml(summary, style_ids))
    workbook.insert_first_sheet(summary.title, summary_part)
    styles.save()
    _mark_property(package, *marker)
    package.write(out)


def merged_ranges(package: Package, part: str) -> list[tuple[int, int, int, int]]:
    return _merged(package.text(part))


# --- a package built from values (.xls, .ods and .csv input) ---------------------------------

STYLES_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"
EXCEL_EPOCH = datetime(1899, 12, 30)
# cellXfs of the built package: 0 plain, then dates, date-times, times of day and durations
DATE_FORMATS = {
    "date": (1, 164, "dd/mm/yyyy"),
    "datetime": (2, 165, "dd/mm/yyyy hh:mm"),
    "time": (3, 166, "hh:mm:ss"),
    "duration": (4, 167, "[h]:mm:ss"),
}
WRAPPED = 5  # text wider than its column, in a table row (a header): wrapped, the row grows


@dataclass
class ValuesSheet:
    """A sheet rebuilt from the values vwu read: text stays text, numbers and dates are typed."""

    title: str
    rows: list[list[object]]  # row 0 is Excel row 1
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)  # first row, last row, first col, last col
    widths: dict[int, float] = field(default_factory=dict)  # column (1-based) -> width in characters
    hidden: bool = False


def _value_xml(ref: str, value: object, width: float | None = None) -> str:
    if value is None or value == "":
        return ""
    if width is not None and isinstance(value, str) and len(value) > width:
        return f'<c r="{ref}" s="{WRAPPED}" t="inlineStr"><is><t xml:space="preserve">{_text(value)}</t></is></c>'
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int) and abs(value) < 10**15:
        return f'<c r="{ref}"><v>{value}</v></c>'
    if isinstance(value, float) and math.isfinite(value):
        return f'<c r="{ref}"><v>{value!r}</v></c>'
    serial, kind = None, None
    if isinstance(value, datetime):
        serial = (value.replace(tzinfo=None) - EXCEL_EPOCH).total_seconds() / 86400
        kind = "datetime" if (value.hour or value.minute or value.second) else "date"
    elif isinstance(value, date):
        serial, kind = (value - EXCEL_EPOCH.date()).days, "date"
    elif isinstance(value, time):
        serial, kind = (value.hour * 3600 + value.minute * 60 + value.second) / 86400, "time"
    elif isinstance(value, timedelta):
        serial, kind = value.total_seconds() / 86400, "duration"
    if kind is not None and serial is not None and serial >= 0:
        return f'<c r="{ref}" s="{DATE_FORMATS[kind][0]}"><v>{serial!r}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{_text(str(value))}</t></is></c>'


def _values_sheet_xml(sheet: ValuesSheet) -> str:
    # the room of a cell's text: its column's width, or its merged columns' together
    spans = {(r1, c1): c2 for r1, _, c1, c2 in sheet.merges if c2 > c1}
    letters: list[str] = []
    rows = []
    for number, cells in enumerate(sheet.rows, start=1):
        if not cells:
            continue
        while len(letters) < len(cells):
            letters.append(column_letters(len(letters) + 1))
        height = ""
        if sum(1 for value in cells if value is not None and value != "") > 1:  # a title alone on its row spills over
            room = {
                c: sum(sheet.widths.get(k, 8.43) for k in range(c + 1, spans[(number, c + 1)] + 1))
                if (number, c + 1) in spans
                else sheet.widths.get(c + 1)
                for c in range(len(cells))
            }
            content = "".join([_value_xml(f"{letters[c]}{number}", v, room[c]) for c, v in enumerate(cells)])
            lines = max(
                (math.ceil(len(v) * 1.15 / room[c]) for c, v in enumerate(cells) if isinstance(v, str) and room[c] and len(v) > room[c]),
                default=1,
            )
            if lines > 1:  # a wrapped header: its row grows (not every program fits it on opening)
                height = f' ht="{15 * lines}" customHeight="1"'
        else:
            content = "".join([_value_xml(f"{letters[c]}{number}", value) for c, value in enumerate(cells)])
        if content:
            rows.append(f'<row r="{number}"{height}>{content}</row>')
    columns = "".join(f'<col min="{c}" max="{c}" width="{w}" customWidth="1"/>' for c, w in sorted(sheet.widths.items()))
    merges = "".join(
        f'<mergeCell ref="{column_letters(c1)}{r1}:{column_letters(c2)}{r2}"/>' for r1, r2, c1, c2 in sheet.merges if (r1, c1) != (r2, c2)
    )
    return (
        # printed one page wide, landscape: a CSV has no print layout of its own
        f'{HEAD}<worksheet xmlns="{MAIN}" xmlns:r="{REL}"><sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>'
        '<sheetViews><sheetView workbookViewId="0"/></sheetViews><sheetFormatPr defaultRowHeight="15"/>'
        + (f"<cols>{columns}</cols>" if columns else "")
        + f"<sheetData>{''.join(rows)}</sheetData>"
        + (f"<mergeCells>{merges}</mergeCells>" if merges else "")
        + '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
        '<pageSetup paperSize="9" orientation="landscape" fitToWidth="1" fitToHeight="0"/></worksheet>'
    )


def values_package(sheets: list[ValuesSheet]) -> Package:
    """A minimal .xlsx package holding `sheets`, to be marked like an original one."""
    if not sheets:
        raise Unsupported("no worksheet")
    parts: dict[str, str] = {}
    entries, relations, overrides = [], [], []
    for number, sheet in enumerate(sheets, start=1):
        part = f"xl/worksheets/sheet{number}.xml"
        parts[part] = _values_sheet_xml(sheet)
        state = ' state="hidden"' if sheet.hidden else ""
        entries.append(f'<sheet name={quoteattr(sheet.title)} sheetId="{number}"{state} r:id="rId{number}"/>')
        relations.append((f"rId{number}", f"{REL}/worksheet", f"worksheets/sheet{number}.xml"))
        overrides.append((f"/{part}", WORKSHEET_TYPE))
    relations.append((f"rId{len(sheets) + 1}", f"{REL}/styles", "styles.xml"))
    overrides += [("/xl/workbook.xml", WORKBOOK_TYPE), ("/xl/styles.xml", STYLES_TYPE)]

    def rels(items: list[tuple[str, str, str]]) -> str:
        lines = "".join(f"<Relationship Id={quoteattr(i)} Type={quoteattr(t)} Target={quoteattr(target)}/>" for i, t, target in items)
        return f'{HEAD}<Relationships xmlns="{PACKAGE_REL}">{lines}</Relationships>'

    formats = sorted(DATE_FORMATS.values())
    parts["[Content_Types].xml"] = (
        f'{HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        + "".join(f"<Override PartName={quoteattr(p)} ContentType={quoteattr(kind)}/>" for p, kind in overrides)
        + "</Types>"
    )
    parts["_rels/.rels"] = rels([("rId1", f"{REL}/officeDocument", "xl/workbook.xml")])
    parts["xl/_rels/workbook.xml.rels"] = rels(relations)
    parts["xl/workbook.xml"] = (
        f'{HEAD}<workbook xmlns="{MAIN}" xmlns:r="{REL}"><bookViews><workbookView/></bookViews>'
        f"<sheets>{''.join(entries)}</sheets></workbook>"
    )
    parts["xl/styles.xml"] = (
        f'{HEAD}<styleSheet xmlns="{MAIN}"><numFmts count="{len(formats)}">'
        + "".join(f"<numFmt numFmtId={quoteattr(str(n))} formatCode={quoteattr(code)}/>" for _, n, code in formats)
        + '</numFmts><fonts count="1"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
        '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>'
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
        f'<cellXfs count="{len(formats) + 2}"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
        + "".join(f'<xf numFmtId="{n}" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>' for _, n, _ in formats)
        + '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" applyAlignment="1"><alignment wrapText="1"/></xf>'
        '</cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>'
    )
    order = ["[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml"]
    order += [p for p in parts if p not in order]
    return Package(None, {name: parts[name].encode("utf-8") for name in order})
