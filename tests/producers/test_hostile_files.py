"""Hostile product files (issue 8, finding 2): every one gets a clear message, and reading
any file, refused or accepted, stays within the memory budget.

The files are crafted by `bench/hostile.py` (also measured by `make bench`). Before the fix,
the 25 KB file of 10,000 empty rows with the dimension A1:XFD10001 grew the process by
1.3 GB, the 200 MB shared-strings bomb by 1.8 GB and the 19 MB CSV line by 630 MB.
"""

import io
import sys
import zipfile

import pytest

from bench.hostile import (
    HOSTILE_FILES,
    measure,
    xlsx_empty_rows,
    xlsx_far_cell_rows,
    xlsx_row_gap,
)
from producers import importing
from producers.importing import ImportFileError, read_table

# What reading one file may add to a worker's memory. The process budget is 300 MB
# (docs/producers.md); Django, Oscar and Wagtail take about 130 MB of it before any file.
READ_BUDGET_MB = 150


@pytest.fixture(scope="module")
def measured():
    if not sys.platform.startswith("linux"):
        pytest.skip("measures memory through /proc (Linux)")
    return measure({name: make() for name, (make, _message) in HOSTILE_FILES.items()})


@pytest.mark.parametrize("name", list(HOSTILE_FILES))
def test_hostile_file_gets_a_clear_message_within_the_memory_budget(measured, name):
    result = measured[name]
    assert HOSTILE_FILES[name][1] in result["message"]
    assert result["growth_mb"] < READ_BUDGET_MB, result


def test_empty_rows_count_toward_the_row_limit(monkeypatch):
    monkeypatch.setattr(importing.reader, "MAX_ROWS", 100)
    read_table(xlsx_empty_rows(99), "p.xlsx")  # header + 99 rows
    with pytest.raises(ImportFileError, match="more than 100 rows"):
        read_table(xlsx_empty_rows(200), "p.xlsx")
    csv = b"sku,name,units,price\n" + b",,,\n" * 200 + b"A,B,1,1\n"
    with pytest.raises(ImportFileError, match="more than 100 rows"):
        read_table(csv, "p.csv")


def test_a_gap_in_row_numbers_counts_as_rows():
    with pytest.raises(ImportFileError, match="more than 50,000 rows"):
        read_table(xlsx_row_gap(), "p.xlsx")


def test_the_declared_dimension_is_not_trusted():
    # The file says A1 (one column) but holds eight header cells and cells in column XFD:
    # the header is read whole, the far cells are ignored (right of the header's last column).
    header, rows = read_table(xlsx_far_cell_rows(10), "p.xlsx")
    assert header[:3] == ["producer", "sku", "name"] and rows == []


def test_rows_are_cut_at_the_headers_last_column():
    header, rows = read_table(
        b"sku,name,units,price,,,\nA-1,Apples,1,2.50,,,surprise\n", "p.csv"
    )
    assert header == ["sku", "name", "units", "price"]
    assert dict(rows[0]) == {"sku": "A-1", "name": "Apples", "units": "1", "price": "2.50"}


def test_a_header_of_hundreds_of_columns_is_refused():
    header = ",".join(["sku", "name", "units", "price"] + [f"x{i}" for i in range(200)])
    with pytest.raises(ImportFileError, match="more than 100 columns"):
        read_table(header.encode() + b"\n", "p.csv")


def test_a_part_longer_than_it_declares_is_damaged():
    data = bytearray(xlsx_empty_rows(10))
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        info = archive.getinfo("xl/worksheets/sheet1.xml")
    # Halve the size the central directory declares: zipfile stops there, the checksum
    # fails, and the file is reported as damaged (never read past what it declared).
    name_at = data.find(b"xl/worksheets/sheet1.xml", data.find(b"PK\x01\x02"))
    size_at = name_at - 46 + 24  # the entry's fixed 46 bytes; uncompressed size at 24
    assert int.from_bytes(data[size_at : size_at + 4], "little") == info.file_size
    data[size_at : size_at + 4] = (info.file_size // 2).to_bytes(4, "little")
    with pytest.raises(ImportFileError, match="damaged"):
        read_table(bytes(data), "p.xlsx")


def test_a_normal_xlsx_still_reads():
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(["sku", "name", "units", "price", "notes"])
    workbook.active.append(["A-1", "Apples", 1, 2.5, None])
    workbook.active.append([None] * 5)
    workbook.active.append(["A-2", "Pears", 2, "3,10", "ripe"])
    out = io.BytesIO()
    workbook.save(out)
    header, rows = read_table(out.getvalue(), "p.xlsx")
    assert header == ["sku", "name", "units", "price", "notes"]
    assert [(r.line, r["sku"], r["price"]) for r in rows] == [(2, "A-1", "2.5"), (4, "A-2", "3,10")]


UTF8_CSV = ("producer,sku,name,category,units,unit_type,price,on_hand\n"
            "Ferme,C1,Crème fraîche,Dairy,1,kg,\"2,40\",5\n")


TAB_TEXT = ("producer\tsku\tname\tcategory\tunits\tunit_type\tprice\ton_hand\n"
            "Ferme\tC1\tCrème fraîche\tDairy\t1\tkg\t2,40\t5\n")


@pytest.mark.parametrize("text", [UTF8_CSV, TAB_TEXT],
                         ids=["commas", "tabs"])
@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be"])
def test_a_utf16_csv_with_its_byte_order_mark_reads_like_utf8(text, encoding):
    # Excel's "Unicode text" export: UTF-16 with a BOM, tab-separated.
    data = ("\ufeff" + text).encode(encoding) if encoding == "utf-16-be" else text.encode(encoding)
    assert data.startswith((b"\xff\xfe", b"\xfe\xff"))
    header, rows = read_table(data, "p.txt")
    assert (header, rows) == read_table(UTF8_CSV.encode(), "p.csv")
    assert rows[0]["name"] == "Crème fraîche" and rows[0]["price"] == "2,40"


@pytest.mark.parametrize("data", [
    UTF8_CSV.encode("utf-16-le"),  # no BOM: NUL bytes between the letters
    UTF8_CSV.replace("fraîche", "fra\x00che").encode(),
    b"\x00" * 1000,
    b"\xff\xfe" + b"\x00\xd8" * 10,  # a BOM, then lone surrogates
    UTF8_CSV.replace("fraîche", "fra\x00che").encode("utf-16"),  # PostgreSQL refuses NUL
], ids=["utf16-without-bom", "nul-in-a-cell", "only-nul", "broken-utf16", "nul-in-utf16"])
def test_nul_bytes_and_broken_utf16_are_refused_clearly(data):
    with pytest.raises(ImportFileError, match="not a CSV or XLSX spreadsheet"):
        read_table(data, "p.csv")
