"""Hostile product files, crafted the way a tester attacks the XLSX and CSV readers.

Used by the tests (`tests/producers/test_hostile_files.py`) and by `make bench`, which
records the peak memory of checking each one. Every file is built in memory, in a second
or two: the parts are written by hand so that they can lie about their size.
"""

from __future__ import annotations

import io
import random
import zipfile

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
HEADER = ["producer", "sku", "name", "category", "units", "unit_type", "price", "on_hand"]

CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>
</Types>"""  # noqa: E501
ROOT_RELS = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="{PKG_REL_NS}"><Relationship Id="rId1" Type="{REL_NS}/officeDocument" Target="xl/workbook.xml"/></Relationships>"""  # noqa: E501
WORKBOOK = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="{MAIN_NS}" xmlns:r="{REL_NS}"><sheets><sheet name="Products" sheetId="1" r:id="rId1"/></sheets></workbook>"""  # noqa: E501
WORKBOOK_RELS = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="{PKG_REL_NS}"><Relationship Id="rId1" Type="{REL_NS}/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="{REL_NS}/sharedStrings" Target="sharedStrings.xml"/></Relationships>"""  # noqa: E501


def _column(index: int) -> str:
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _header_row() -> str:
    cells = "".join(
        f'<c r="{_column(i)}1" t="inlineStr"><is><t>{name}</t></is></c>'
        for i, name in enumerate(HEADER, start=1)
    )
    return f'<row r="1">{cells}</row>'


STYLES_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"
XF = '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'


def _xlsx(
    sheet_rows, *, dimension: str, shared_strings: bytes | None = None, tail: str = "",
    styles: str | None = None,
) -> bytes:
    """A minimal XLSX; `sheet_rows` is an iterable of <row> XML strings, streamed in, and
    `tail` what follows the rows in the sheet (merged cells, hyperlinks...)."""
    content_types, workbook_rels = CONTENT_TYPES, WORKBOOK_RELS
    if styles is not None:
        content_types = content_types.replace(
            "</Types>", f'<Override PartName="/xl/styles.xml" ContentType="{STYLES_TYPE}"/></Types>'
        )
        workbook_rels = workbook_rels.replace(
            "</Relationships>",
            f'<Relationship Id="rId3" Type="{REL_NS}/styles" Target="styles.xml"/></Relationships>',
        )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        archive.writestr("[Content_Types].xml", content_types)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", workbook_rels)
        archive.writestr(
            "xl/sharedStrings.xml",
            shared_strings or f'<sst xmlns="{MAIN_NS}" count="0" uniqueCount="0"/>'.encode(),
        )
        if styles is not None:
            archive.writestr("xl/styles.xml", styles)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(
                f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                f'<worksheet xmlns="{MAIN_NS}"><dimension ref="{dimension}"/><sheetData>'.encode()
            )
            chunk = []
            for row in sheet_rows:
                chunk.append(row)
                if len(chunk) >= 10_000:
                    sheet.write("".join(chunk).encode())
                    chunk = []
            sheet.write(("".join(chunk) + "</sheetData>" + tail + "</worksheet>").encode())
    return out.getvalue()


def xlsx_empty_rows(rows: int = 10_000) -> bytes:
    """The tester's 25 KB file: a header, then `rows` empty rows, dimension A1:XFD{rows + 1}.

    Read naively, every row is padded to 16,384 cells (1.3 GB for 10,000 rows).
    """
    empty = (f'<row r="{line}" spans="1:16384"/>' for line in range(2, rows + 2))
    return _xlsx(
        _chain([_header_row()], empty), dimension=f"A1:XFD{rows + 1}"
    )


def xlsx_far_cell_rows(rows: int = 10_000) -> bytes:
    """Rows whose only cell sits in the last column (XFD), whatever the declared dimension."""
    far = (
        f'<row r="{line}"><c r="XFD{line}" t="inlineStr"><is><t>x</t></is></c></row>'
        for line in range(2, rows + 2)
    )
    return _xlsx(_chain([_header_row()], far), dimension="A1")


def xlsx_row_gap() -> bytes:
    """A header, then one row numbered 1,048,576: a billion-row loop if gaps are filled blindly."""
    far = ['<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>x</t></is></c></row>']
    return _xlsx(_chain([_header_row()], far), dimension="A1:H1048576")


def xlsx_shared_strings_bomb(unpacked_mb: int = 200) -> bytes:
    """A zip bomb: `unpacked_mb` MB of tiny shared strings, compressed about a thousand times."""
    count = unpacked_mb * 1024 * 1024 // 18
    body = b"<si><t>ab</t></si>" * count
    strings = (
        f'<sst xmlns="{MAIN_NS}" count="{count}" uniqueCount="{count}">'.encode()
        + body + b"</sst>"
    )
    return _xlsx([_header_row()], dimension="A1:H1", shared_strings=strings)


def _varied_shared_strings(count: int) -> bytes:
    """`count` two-letter shared strings, shuffled so that they compress only a few times."""
    letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
    pairs = [f"<si><t>{a}{b}</t></si>" for a in letters for b in letters]
    # Shuffled and longer than deflate's 32 KB window, so it compresses only a few times.
    random.Random(1).shuffle(pairs)
    body = "".join(pairs) * (count // len(pairs) + 1)
    return (
        f'<sst xmlns="{MAIN_NS}" count="{count}" uniqueCount="{count}">'
        + body[: count * len(pairs[0])] + "</sst>"
    ).encode()


def xlsx_many_shared_strings(count: int = 400_000) -> bytes:
    """More tiny shared strings than a product list has (each one a Python object)."""
    return _xlsx([_header_row()], dimension="A1:H1", shared_strings=_varied_shared_strings(count))


def xlsx_wide_row(cells: int = 200_000) -> bytes:
    """One row of `cells` empty cells: openpyxl holds a row's cells while reading it."""
    return _xlsx([_header_row(), '<row r="2">' + "<c/>" * cells + "</row>"], dimension="A1")


def xlsx_long_cell(mb: int = 3) -> bytes:
    """One cell of `mb` MB of varied text (Excel stops at 32,767 characters)."""
    rng = random.Random(2)
    text = "".join(rng.choices("abcdefghijklmnopqrstuvwxyz ", k=mb * 1024 * 1024))
    cell = f'<c r="C2" t="inlineStr"><is><t>{text}</t></is></c>'
    return _xlsx([_header_row(), f'<row r="2">{cell}</row>'], dimension="A1:H2")


def xlsx_merged_cells(count: int = 100_000) -> bytes:
    """Merged cells after the rows: openpyxl keeps them as objects until the sheet closes."""
    merged = "".join(f'<mergeCell ref="A{i}:B{i}"/>' for i in range(2, count + 2))
    return _xlsx(
        [_header_row()], dimension="A1:H1",
        tail=f'<mergeCells count="{count}">{merged}</mergeCells>',
    )


def xlsx_at_every_limit() -> bytes:
    """A file just inside every XLSX limit at once (and so accepted): ~299,000 shared strings,
    a row of 99,000 cells, 49,998 rows carrying six attributes each, 70,000 merged cells
    and a 1 MB stylesheet. Its rows are empty, so the import finds no product in it."""
    wide = '<row r="2">' + "<c/>" * 99_000 + "</row>"
    rows = (
        f'<row r="{line}" spans="1:8" ht="15" customHeight="1" s="1" customFormat="1"/>'
        for line in range(3, 50_001)
    )
    merged = "".join(f'<mergeCell ref="A{i}:B{i}"/>' for i in range(2, 70_002))
    xfs = XF * (1000 * 1024 // len(XF))
    return _xlsx(
        _chain([_header_row(), wide], rows), dimension="A1:H50000",
        shared_strings=_varied_shared_strings(299_000),
        tail=f'<mergeCells count="70000">{merged}</mergeCells>',
        styles=f'<styleSheet xmlns="{MAIN_NS}"><cellXfs>{xfs}</cellXfs></styleSheet>',
    )


def csv_wide_line(mb: int = 19) -> bytes:
    """One CSV line of millions of two-letter fields (a list of millions of strings)."""
    header = ",".join(HEADER).encode() + b"\n"
    return header + b"ab," * (mb * 1024 * 1024 // 3) + b"\n"


# name: (generator, what the reader says). Read in a fresh process by `measure`.
HOSTILE_FILES = {
    "xlsx: 10,000 empty rows, dimension A1:XFD10001 (25 KB)": (
        xlsx_empty_rows, "read 0 rows"),
    "xlsx: 1,048,575 empty rows (2.4 MB)": (
        lambda: xlsx_empty_rows(1_048_575), "more than 50,000 rows"),
    "xlsx: 10,000 rows, one cell each in column XFD": (
        xlsx_far_cell_rows, "read 0 rows"),
    "xlsx: one row numbered 1,048,576": (xlsx_row_gap, "more than 50,000 rows"),
    "xlsx: 200 MB of shared strings (zip bomb)": (
        xlsx_shared_strings_bomb, "unpacks to 200 MB"),
    "xlsx: 50 MB of shared strings packed 400 times": (
        lambda: xlsx_shared_strings_bomb(50), "packed 412 times tighter"),
    "xlsx: 400,000 shared strings": (xlsx_many_shared_strings, "different texts"),
    "xlsx: a row of 200,000 cells": (xlsx_wide_row, "a row of more than"),
    "xlsx: a cell of 3 MB of text": (xlsx_long_cell, "a row of more than 2 MB"),
    "xlsx: a cell of 10 MB of text": (lambda: xlsx_long_cell(10), "a text of more than 4 MB"),
    "xlsx: 100,000 merged cells": (xlsx_merged_cells, "outside its rows"),
    "xlsx: just inside every limit (accepted)": (
        xlsx_at_every_limit, "read 0 rows"),
    "csv: one 19 MB line of fields": (csv_wide_line, "longer than 1 MB"),
    "csv: one 50 MB line": (
        lambda: b"sku,name\n" + b"a" * (50 * 1024 * 1024) + b"\n", "the limit is 20 MB"),
}


def _chain(first, rest):
    yield from first
    yield from rest


PROBE = """
import json, resource, sys
import django
django.setup()
import openpyxl  # noqa: F401  (imported before the baseline is taken)
from producers.importing import ImportFileError, read_table


def status_mb(field):
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    raise LookupError(field)


def reset_peak():
    # VmHWM (peak resident memory) back to the current resident size (Linux >= 4.0).
    with open("/proc/self/clear_refs", "w") as clear_refs:
        clear_refs.write("5")


results = []
for path in sys.argv[1:]:
    with open(path, "rb") as handle:
        data = handle.read()
    reset_peak()
    before = status_mb("VmRSS")
    try:
        _header, rows = read_table(data, "hostile")
        message = f"read {len(rows)} rows"
    except ImportFileError as exc:
        message = str(exc)
    del data
    results.append({"message": message, "growth_mb": status_mb("VmHWM") - before,
                    "baseline_mb": before})
print(json.dumps(results))
"""


def measure(
    files: dict[str, bytes], *, settings: str = "foodhub.settings.test", env: dict | None = None
) -> dict:
    """Read each file as an upload, one after the other in one fresh process (Linux): for
    each, the message the user gets and how much the process's peak resident memory grew
    above its resident memory before the read (`growth_mb`; `baseline_mb` is the latter)."""
    import json
    import os
    import subprocess
    import sys
    import tempfile
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    with tempfile.TemporaryDirectory() as directory:
        paths = []
        for index, data in enumerate(files.values()):
            path = Path(directory) / f"{index}.upload"
            path.write_bytes(data)
            paths.append(str(path))
        env = dict(env or os.environ)
        env.setdefault("DJANGO_SETTINGS_MODULE", settings)
        out = subprocess.run(
            [sys.executable, "-c", PROBE, *paths], cwd=root, env=env, check=True,
            capture_output=True, text=True, timeout=900,
        ).stdout
    return dict(zip(files, json.loads(out.strip().splitlines()[-1]), strict=True))
