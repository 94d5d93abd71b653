"""Builders of broken and hostile files, shared by test_reading.py (the reader level) and
test_hostile.py (through `vwu ingest`). Everything is built in the test, from bytes."""

from __future__ import annotations

import re
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterable
from pathlib import Path

import openpyxl
from openpyxl.utils import get_column_letter

SHEET1 = "xl/worksheets/sheet1.xml"


def make_xlsx(path: Path, cells: dict[str, object], title: str = "Hội viên") -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = title
    for ref, value in cells.items():
        ws[ref] = value
    wb.save(path)
    return path


def patch_zip(
    src: Path,
    dst: Path,
    replace: dict[str, Callable[[bytes], bytes]] | None = None,
    add: dict[str, bytes] | None = None,
) -> Path:
    """Copy a zip, rewriting some members and adding others."""
    replace, add = replace or {}, add or {}
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename in replace:
                data = replace[info.filename](data)
            zout.writestr(info.filename, data)
        for name, data in add.items():
            zout.writestr(name, data)
    return dst


def xlsx_with_sheet_data(tmp_path: Path, name: str, chunks: Iterable[str]) -> Path:
    """An xlsx whose first sheet's <sheetData> is streamed from chunks (no big string in memory)."""
    template = make_xlsx(tmp_path / f"template-{name}", {"A1": "x"}, title="S")
    dst = tmp_path / name
    fast = {"compression": zipfile.ZIP_DEFLATED, "compresslevel": 1}
    with zipfile.ZipFile(template) as zin, zipfile.ZipFile(dst, "w", **fast) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename != SHEET1:
                zout.writestr(info.filename, data)
                continue
            head, rest = data.split(b"<sheetData>", 1)
            tail = rest.split(b"</sheetData>", 1)[1]
            with zout.open(SHEET1, "w") as out:
                out.write(head + b"<sheetData>")
                for chunk in chunks:
                    out.write(chunk.encode())
                out.write(b"</sheetData>" + tail)
    template.unlink()
    return dst


def batched(items: Iterable[str], size: int) -> Iterable[list[str]]:
    batch: list[str] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def million_rows(tmp_path: Path, name: str, rows: int = 1_000_000) -> Path:
    cells = (f'<row r="{i}"><c r="A{i}"><v>{i}</v></c></row>' for i in range(1, rows + 1))
    return xlsx_with_sheet_data(tmp_path, name, ("".join(batch) for batch in batched(cells, 10_000)))


def full_width_row(tmp_path: Path, name: str, columns: int = 16_384) -> Path:
    """A sheet whose second row fills every column Excel has (A..XFD)."""
    cells = "".join(f'<c r="{get_column_letter(c)}2"><v>{c}</v></c>' for c in range(1, columns + 1))
    return xlsx_with_sheet_data(
        tmp_path, name, ['<row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c></row>', f'<row r="2">{cells}</row>']
    )


LAUGHS = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE {root} [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10))
    + "]>"
)


def with_laughs(xml: bytes, root: str, target: bytes, replacement: bytes) -> bytes:
    """The XML with a 'billion laughs' DOCTYPE in front and `target` replaced by an entity use."""
    body = re.sub(rb"^<\?xml[^>]*\?>\s*", b"", xml)
    return LAUGHS.replace("{root}", root).encode() + body.replace(target, replacement)


def ole_with_directory_entry(name: str, offset_in_sector: int = 128) -> bytes:
    """A minimal OLE compound file whose directory holds `name` (EncryptionInfo: Excel's
    password-protected .xlsx)."""
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
    sector = bytearray(512)
    root = "Root Entry".encode("utf-16-le")
    sector[: len(root)] = root
    entry = name.encode("utf-16-le")
    sector[offset_in_sector : offset_in_sector + len(entry)] = entry
    return header + bytes(sector) + bytes(1024)


def zip_bomb(src: Path, dst: Path, gigabytes: int = 2, member: str = "xl/media/image1.png") -> Path:
    """A real workbook plus one member that inflates to `gigabytes` GiB of zeros (about 1 KB
    per MB on disk: a 2 MB file). Written by hand: each 1 MB of zeros deflated after a full
    flush is the same bytes, so nothing is ever compressed, or expanded, at full size."""
    chunk = bytes(1024**2)
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = deflate.compress(chunk) + deflate.flush(zlib.Z_FULL_FLUSH)
    again = deflate.compress(chunk) + deflate.flush(zlib.Z_FULL_FLUSH)
    count = gigabytes * 1024
    data = first + again * (count - 1) + deflate.flush()
    crc = 0
    for _ in range(count):
        crc = zlib.crc32(chunk, crc)
    members = []
    with zipfile.ZipFile(src) as zin:
        for info in zin.infolist():
            raw = zin.read(info.filename)
            packer = zlib.compressobj(6, zlib.DEFLATED, -15)
            members.append((info.filename, packer.compress(raw) + packer.flush(), zlib.crc32(raw), len(raw)))
    members.append((member, data, crc, count * len(chunk)))
    dst.write_bytes(raw_zip(members))
    return dst


def raw_zip(members: list[tuple[str, bytes, int, int]]) -> bytes:
    """A zip from (name, deflated bytes, crc32, uncompressed size) members, without zip64."""
    out, central = bytearray(), bytearray()
    for name, data, crc, size in members:
        encoded = name.encode()
        offset = len(out)
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0, crc, len(data), size, len(encoded), 0)
        out += encoded + data
        central += struct.pack(
            "<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0, crc, len(data), size, len(encoded), 0, 0, 0, 0, 0, offset
        )
        central += encoded
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(central), len(out), 0)
    return bytes(out + central + end)
