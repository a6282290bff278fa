"""Open Food Network style product list files (CSV or XLSX): read, parse, validate, write.

- `reader`: bytes -> rows of cell text (CSV encoding and delimiter detection, XLSX);
- `parser`: a row's cells -> a `ProductInput` (`producers.product_input`), with the column of
  every cell that could not be read;
- `validator`: every row through the shared product validator, errors by row and column,
  and the file's own rules (a SKU once per producer);
- `writer`: a catalogue back into the same format.

Pure Python: nothing here touches the database. The caller looks up producers, categories
and tax categories, passes them in as plain dictionaries, and saves the validated rows.
"""

from producers.product_input import ImportRow

from .parser import parse_decimal, parse_vat_rate
from .reader import COLUMNS, MAX_IMPORT_BYTES, MAX_ROWS, ImportFileError, read_table
from .validator import RowError, ValidationResult, validate_rows
from .writer import export_rows, write_csv, write_xlsx

__all__ = [
    "COLUMNS",
    "MAX_IMPORT_BYTES",
    "MAX_ROWS",
    "ImportFileError",
    "ImportRow",
    "RowError",
    "ValidationResult",
    "export_rows",
    "parse_decimal",
    "parse_vat_rate",
    "read_table",
    "validate_rows",
    "write_csv",
    "write_xlsx",
]
