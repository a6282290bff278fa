"""Reading, validating and writing product list files (pure Python, no database)."""

import csv
import dataclasses
import datetime
import io
from decimal import Decimal

import pytest
from openpyxl import Workbook

from producers import importing
from producers.importing import COLUMNS, ImportFileError, ImportRow, read_table, validate_rows

PRODUCERS = {"bois": 1, "ferme du bois": 1, "laiterie": 2, "la laiterie": 2}
CATEGORIES = {"vegetables": 10, "légumes": 10, "dairy": 11, "produits laitiers": 11}
TAX = {"standard": Decimal("20"), "reduced": Decimal("5.5")}


def make_row(**cells):
    row = {"producer": "bois", "sku": "CAR-1", "name": "Carrots", "category": "Vegetables"}
    row |= {"units": "500", "unit_type": "g", "price": "2.40", "on_hand": "10"}
    return row | cells


def validate(rows, **kwargs):
    return validate_rows(
        rows, producers=PRODUCERS, categories=CATEGORIES, tax_categories=TAX, **kwargs
    )


def to_csv(rows, delimiter=",", encoding="utf-8"):
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter).writerows(rows)
    return out.getvalue().encode(encoding)


def to_xlsx(rows):
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# --- read_table -------------------------------------------------------------------------------


def test_read_csv_normalises_header_and_cells_and_skips_empty_rows():
    data = b" SKU ,Name,units,PRICE,Colour\r\n A1 , Carrots ,500, 2.4,red\r\n,,,,\r\n\r\nB2,Leek,1"
    header, rows = read_table(data, "products.csv")
    assert header == ["sku", "name", "units", "price", "colour"]
    assert rows == [
        {"sku": "A1", "name": "Carrots", "units": "500", "price": "2.4"},
        {"sku": "B2", "name": "Leek", "units": "1", "price": ""},
    ]
    assert [row.line for row in rows] == [2, 5]


ENCODINGS = [
    ("utf-8", "Crème brûlée"), ("utf-8-sig", "Crème brûlée"), ("latin-1", "Crème brûlée"),
    ("cp1252", "Bœuf – 1 kg"),
]  # fmt: skip


@pytest.mark.parametrize(("encoding", "name"), ENCODINGS)
def test_read_csv_detects_encoding(encoding, name):
    data = to_csv([["sku", "name", "units", "price"], ["A1", name, "1", "2"]], encoding=encoding)
    header, rows = read_table(data, "products.csv")
    assert header[0] == "sku"
    assert rows[0]["name"] == name


def test_read_csv_semicolon_delimiter_and_decimal_comma():
    cells = make_row(price="3,50", units="1,5", unit_type="kg")
    _, rows = read_table(to_csv([list(cells), list(cells.values())], delimiter=";"), "p.csv")
    assert rows == [cells]
    row = validate(rows).rows[0]
    assert (row.price, row.unit_value, row.unit_label) == (Decimal("3.50"), 1500, "1.5 kg")


def test_read_xlsx_by_content_and_converts_cell_values():
    data = to_xlsx(
        [
            ["SKU", "Name", "Units", "Price", "On_hand", "Available_on", "On_demand", "Category"],
            ["A1", " Carrots ", 3, 2.5, 12.0, datetime.date(2025, 3, 1), True, None],
            [None, None, None, None, None, None, None, None],
            ["B2", "Milk", Decimal("1.50"), 1500.0, 0, datetime.datetime(2025, 4, 2), False, "x"],
        ]
    )
    header, rows = read_table(data, "products.csv")  # the content decides, not the name
    assert header[:2] == ["sku", "name"]
    assert [list(row.values()) for row in rows] == [
        ["A1", "Carrots", "3", "2.5", "12", "2025-03-01", "true", ""],
        ["B2", "Milk", "1.5", "1500", "0", "2025-04-02", "false", "x"],
    ]
    assert [row.line for row in rows] == [2, 4]


HEADER = b"sku,name,units,price\n"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty."),
        (b" \r\n\n", "The file is empty."),
        (b",,,\n", "The file is empty."),
        (b"\x00\x01\x02binary\xff\x00", "This file is not a CSV or XLSX spreadsheet."),
        (b"PK\x03\x04this is not really a zip", "damaged"),
        (b"a" * (importing.MAX_IMPORT_BYTES + 1), "limit is 20 MB"),
        (b"name,units,colour\nCarrots,1,red\n", "Missing columns: sku, price."),
        (b"sku,name,units,price,sku\n", "The column sku appears more than once."),
    ],
    ids=["empty", "blank", "empty-cells", "binary", "corrupt-xlsx", "too-big", "missing", "twice"],
)
def test_read_table_rejects_bad_files(data, message):
    with pytest.raises(ImportFileError, match=message):
        read_table(data, "products.xlsx")


def test_read_table_rejects_too_many_rows(monkeypatch):
    monkeypatch.setattr(importing.reader, "MAX_ROWS", 2)
    assert len(read_table(HEADER + b"a,b,1,1\n" * 2, "p.csv")[1]) == 2
    with pytest.raises(ImportFileError, match="more than 2 rows"):
        read_table(HEADER + b"a,b,1,1\n" * 3, "p.csv")


# --- parsing values ---------------------------------------------------------------------------


DECIMALS = [
    ("3.50", "3.50"), ("3,50", "3.50"), (" 1 234,50 ", "1234.50"), ("1\u202f234,50", "1234.50"),
    ("1234", "1234"), ("1.234,50", "1234.50"), ("1,234.50", "1234.50"), ("1,234,567", "1234567"),
    ("-2", "-2"), (",5", "0.5"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "expected"), DECIMALS)
def test_parse_decimal(text, expected):
    assert importing.parse_decimal(text) == Decimal(expected)


@pytest.mark.parametrize(
    "text", ["abc", "", " ", "NaN", "Infinity", "1e3", "1,23,4", "1.234.5", "3.50€", "--1"]
)
def test_parse_decimal_rejects(text):
    with pytest.raises(ValueError):
        importing.parse_decimal(text)


VAT_RATES = [
    ("", None), ("5.5", "5.5"), ("5,5", "5.5"), ("5,5 %", "5.5"), ("20%", "20"), ("20 %", "20"),
    (" Standard ", "20"), ("REDUCED", "5.5"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "expected"), VAT_RATES)
def test_parse_vat_rate(text, expected):
    assert importing.parse_vat_rate(text, TAX) == (expected and Decimal(expected))


# --- validate_rows ----------------------------------------------------------------------------


def test_validate_full_row():
    cells = make_row(
        producer="La Laiterie", category="Produits laitiers", display_name="Fresh milk",
        description="Raw milk", units="1", unit_type="L", on_demand="non",
        available_on="01/03/2025", shipping_category="Chilled", tax_category="5,5 %",
    )  # fmt: skip
    result = validate([cells])
    assert result.is_valid
    assert result.rows == [
        ImportRow(
            row=2, producer_id=2, sku="CAR-1", name="Carrots", display_name="Fresh milk",
            category_id=11, description="Raw milk", unit_type="volume",
            unit_value=Decimal("1000"), unit_label="1 L", price=Decimal("2.40"), on_hand=10,
            on_demand=False, available_on=datetime.date(2025, 3, 1),
            shipping_category="Chilled", vat_rate=Decimal("5.5"),
        )
    ]  # fmt: skip


UNITS = [
    ("500", "g", "", "weight", "500", "500 g"), ("1", "kg", "", "weight", "1000", "1 kg"),
    ("1,5", "KG", "", "weight", "1500", "1.5 kg"), ("1500", "g", "", "weight", "1500", "1.5 kg"),
    ("0.25", "kg", "", "weight", "250", "250 g"), ("750", "ml", "", "volume", "750", "750 ml"),
    ("1", "L", "", "volume", "1000", "1 L"), ("1.5", "l", "", "volume", "1500", "1.5 L"),
    ("6", "", "box of 6", "items", "6", "box of 6"),
    ("250", "g", "small jar", "weight", "250", "small jar"),
]  # fmt: skip


@pytest.mark.parametrize(("units", "code", "unit_name", "unit_type", "value", "label"), UNITS)
def test_unit_conversions_and_labels(units, code, unit_name, unit_type, value, label):
    cells = make_row(units=units, unit_type=code, variant_unit_name=unit_name)
    row = validate([cells]).rows[0]
    assert (row.unit_type, row.unit_value, row.unit_label) == (unit_type, Decimal(value), label)


NEED_STOCK = "Give a stock quantity or mark the product on demand."


@pytest.mark.parametrize(
    ("cells", "column", "message"),
    [
        ({"price": "-1"}, "price", "Price cannot be negative."),
        ({"price": "abc"}, "price", "Not a number: abc."),
        ({"price": "3.505"}, "price", "Price has more than 2 decimals."),
        ({"price": ""}, "price", "Price is required."),
        ({"on_hand": "-2"}, "on_hand", "Stock cannot be negative."),
        ({"on_hand": "2.5"}, "on_hand", "Not a whole number: 2.5."),
        ({"on_hand": "lots"}, "on_hand", "Not a whole number: lots."),
        ({"unit_type": "lb"}, "unit_type", "Unknown unit type: lb. Use g, kg, ml, L, or leave"),
        ({"units": "0"}, "units", "Unit value must be greater than 0."),
        ({"units": "-1"}, "units", "Unit value must be greater than 0."),
        ({"units": "abc"}, "units", "Not a number: abc."),
        ({"units": "2.5", "unit_type": "", "variant_unit_name": "box"}, "units", "whole number"),
        ({"unit_type": ""}, "variant_unit_name", "Items need a unit name (variant_unit_name)"),
        ({"category": "Meat"}, "category", "Meat. Use one of: dairy, légumes, produits laitiers,"),
        ({"category": ""}, "category", "Category is required."),
        ({"sku": ""}, "sku", "SKU is required."),
        ({"name": "x" * 256}, "name", "Too long: at most 255 characters (this one has 256)."),
        ({"sku": "x" * 129}, "sku", "Too long: at most 128 characters (this one has 129)."),
        ({"description": "x" * 10_001}, "description", "at most 10000 characters"),
        ({"variant_unit_name": "x" * 41}, "variant_unit_name", "at most 40 characters"),
        ({"on_demand": "0", "on_hand": ""}, "on_hand", NEED_STOCK),
        ({"on_hand": ""}, "on_hand", NEED_STOCK),
        ({"on_demand": "maybe"}, "on_demand", "Not a yes/no value: maybe."),
        ({"available_on": "31/02/2025"}, "available_on", "Not a date: 31/02/2025."),
        ({"available_on": "2025-3-1"}, "available_on", "Not a date"),
        ({"tax_category": "luxury"}, "tax_category", "Unknown tax category or VAT rate: luxury."),
        ({"tax_category": "150"}, "tax_category", "VAT rate must be between 0 and 100: 150."),
        ({"producer": "nobody"}, "producer", "Unknown producer: nobody."),
        ({"producer": ""}, "producer", "Producer is required."),
    ],
)
def test_validate_reports_cell_errors(cells, column, message):
    result = validate([make_row(sku="OK-1"), make_row(**cells)])
    assert not result.is_valid
    assert [row.sku for row in result.rows] == ["OK-1"]
    assert len(result.errors) == 1
    error = result.errors[0]
    assert (error.row, error.column) == (3, column)
    assert message in error.message


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1", True), ("TRUE", True), ("yes", True), ("Oui", True), ("y", True)]
    + [("0", False), ("false", False), ("No", False), ("NON", False), ("", False)],
)
def test_on_demand_values(text, expected):
    on_hand = "" if expected else "0"  # a product on demand needs no stock quantity
    row = validate([make_row(on_demand=text, on_hand=on_hand)]).rows[0]
    assert (row.on_demand, row.on_hand) == (expected, None if expected else 0)


def test_collects_all_errors_of_a_row():
    result = validate([make_row(price="-1", units="0", category="Meat", on_hand="x")])
    assert result.rows == []
    assert {error.column for error in result.errors} == {"price", "units", "category", "on_hand"}
    assert {error.row for error in result.errors} == {2}


def test_duplicate_sku_within_a_producer():
    rows = [
        make_row(sku="ABC"), make_row(sku="ABC", producer="laiterie"),  # other producer: fine
        make_row(sku="XYZ"), make_row(sku="ABC", producer="Ferme du Bois"), make_row(sku="ABC"),
    ]  # fmt: skip
    result = validate(rows)
    assert [row.row for row in result.rows] == [2, 3, 4]
    assert result.errors == [
        importing.RowError(5, "sku", "Duplicate SKU ABC (also on row 2)."),
        importing.RowError(6, "sku", "Duplicate SKU ABC (also on row 2)."),
    ]


def test_forced_producer():
    rows = [
        make_row(sku="A", producer=""), make_row(sku="B", producer="FERME DU BOIS"),
        make_row(sku="C", producer="laiterie"), make_row(sku="D", producer="nobody"),
    ]  # fmt: skip
    result = validate(rows, forced_producer_id=1)
    assert [(row.sku, row.producer_id) for row in result.rows] == [("A", 1), ("B", 1)]
    assert [error.row for error in result.errors] == [4, 5]
    assert result.errors[0].message == (
        "This file is for one producer only: row names another producer (laiterie)."
    )


def test_producer_column_absent():
    cells = make_row()
    del cells["producer"]
    assert validate([cells], forced_producer_id=2).rows[0].producer_id == 2
    result = validate([cells, cells | {"sku": "other"}])
    assert [(e.row, e.column, e.message) for e in result.errors] == [
        (2, "producer", "Producer is required."), (3, "producer", "Producer is required."),
    ]  # fmt: skip


def test_errors_use_spreadsheet_row_numbers():
    data = HEADER + b"A,Carrots,1,1\n\n\nB,Leeks,1,-1\n"
    _, rows = read_table(data, "p.csv")
    result = validate(rows, forced_producer_id=1)
    assert {error.row for error in result.errors} == {2, 5}
    assert [error.column for error in result.errors if error.row == 5] == [
        "category", "variant_unit_name", "price", "on_hand",
    ]  # fmt: skip


# --- export round trip ------------------------------------------------------------------------


ITEM_KEYS = ["producer", "sku", "name", "category", "unit_type", "unit_value", "unit_label"]
ITEM_KEYS += ["price", "on_hand", "on_demand", "vat_rate"]
ITEMS = [
    dict(zip(ITEM_KEYS, values, strict=True))
    for values in [
        ("bois", "C5", "Carrots", "Vegetables", "weight", "500", "500 g", "2.4", 12, 0, "5.50"),
        ("Bois", "P2", "=Potatoes", "vegetables", "weight", "2000.000", "sack", "3", None, 1, None),
        ("laiterie", "M1", "Crème", "dairy", "volume", "1500", "1.5 L", "1234.5", 0, 1, "20"),
        ("laiterie", "Y6", "Yoghurts", "Dairy", "items", "6", "box of 6", "0.99", 1, 0, "5.5"),
        ("laiterie", "CR", "Cream", "Dairy", "volume", "250", "250 ml", "0", 3, 0, "0"),
    ]
]  # fmt: skip
for _item in ITEMS:
    for _key in ("unit_value", "price", "vat_rate"):
        _item[_key] = None if _item[_key] is None else Decimal(_item[_key])
    _item["on_demand"] = bool(_item["on_demand"])
ITEMS[0] |= {
    "display_name": "Carrots, new season", "description": 'Sweet "nantaise" carrots;\nwashed.',
    "available_on": datetime.date(2025, 3, 1), "shipping_category": "Ambient",
}  # fmt: skip
# Text a spreadsheet would run as a formula, in every text column a producer writes; and a
# text that starts with the CSV escape itself.
FORMULA_ITEM = {
    "producer": "bois", "sku": "-SKU-1", "name": '=HYPERLINK("http://evil.example","Leeks")',
    "display_name": "@SUM(1+1)", "category": "Vegetables", "description": "+33 1 23 45 67 89",
    "unit_type": "items", "unit_value": Decimal("1"), "unit_label": "'=bunch",
    "price": Decimal("1.5"), "on_hand": 4, "on_demand": False, "vat_rate": None,
    "shipping_category": "=1+2",
}  # fmt: skip
ITEMS.append(FORMULA_ITEM)


def expected_row(item):
    """The ImportRow that reading back an exported item must give (row number aside)."""
    values = {field.name: item.get(field.name, "") for field in dataclasses.fields(ImportRow)}
    values["available_on"] = item.get("available_on")
    values["producer_id"] = PRODUCERS[item["producer"].lower()]
    values["category_id"] = CATEGORIES[item["category"].lower()]
    return ImportRow(**values | {"row": 0})


def test_export_rows_formats_cells():
    rows = list(importing.export_rows(ITEMS))
    assert rows[0] == COLUMNS
    cells = [dict(zip(COLUMNS, row, strict=True)) for row in rows[1:]]
    picked = ["units", "unit_type", "variant_unit_name", "price", "on_hand", "on_demand"]
    assert [[c[key] for key in picked] + [c["tax_category"]] for c in cells] == [
        ["500", "g", "", "2.40", "12", "0", "5.5"],
        ["2", "kg", "sack", "3.00", "", "1", ""],
        ["1500", "ml", "", "1234.50", "0", "1", "20"],
        ["6", "", "box of 6", "0.99", "1", "0", "5.5"],
        ["250", "ml", "", "0.00", "3", "0", "0"],
        ["1", "", "'=bunch", "1.50", "4", "0", ""],
    ]
    assert cells[0]["available_on"] == "2025-03-01"


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_export_then_import_gives_the_same_rows(kind):
    if kind == "csv":
        data = "".join(importing.write_csv(ITEMS)).encode("utf-8")
    else:
        data = importing.write_xlsx(ITEMS)
    header, rows = read_table(data, f"products.{kind}")
    assert header == COLUMNS
    result = validate(rows)
    assert result.errors == []
    assert [dataclasses.replace(row, row=0) for row in result.rows] == [
        expected_row(item) for item in ITEMS
    ]
