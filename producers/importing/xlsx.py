"""Opening an uploaded XLSX file without letting it take the process's memory.

An XLSX file is a zip of XML parts. openpyxl's read-only mode streams worksheets row by row,
but it still keeps some things whole: the shared strings (one Python list), the small parts
(styles, workbook, relationships...) as parsed trees, each row's cells while the row is read,
and whatever a worksheet holds outside its rows. So before openpyxl reads anything:

1. the archive's declared sizes are checked: the total, each part's compression ratio and
   the number of parts (Python's zipfile never inflates a part beyond its declared size: it
   stops there and fails the checksum, so declared sizes bound what can be read);
2. the parts' roles are found the way openpyxl finds them (content types, then the
   workbook's relationships): worksheets and shared strings may be large, every other XML
   part must be small;
3. worksheets and shared strings are scanned as bytes, in chunks, counting rows and the
   markup ("<" and "=") in each row and outside the rows: what openpyxl holds at once is
   proportional to those counts.

Every refusal is an ImportFileError with a message for the user.
"""

from __future__ import annotations

import io
import re
import zipfile
from typing import Any

from django.utils.translation import gettext as _

MB = 1024 * 1024
MAX_UNPACKED_BYTES = 100 * MB
MAX_PARTS = 1000
# Spreadsheet XML compresses 5 to 30 times; a part inflating more than this is a zip bomb.
MAX_RATIO = 100
RATIO_FLOOR = 1 * MB  # small parts may compress as they like
# Parts openpyxl parses whole (styles, workbook, relationships, properties...).
MAX_SMALL_PART_BYTES = 1 * MB
MAX_SMALL_PARTS_BYTES = 4 * MB
# Shared strings: one Python string each, plus the parser's bookkeeping (~160 bytes each).
MAX_SHARED_STRINGS_BYTES = 30 * MB
MAX_SHARED_STRINGS_MARKUP = 1_200_000  # about 300,000 strings: six columns of 50,000
# Worksheets. A row's markup is held while the row is read; markup outside the rows and the
# row elements' own attributes are kept until the sheet is closed.
MAX_ROW_MARKUP = 100_000  # 16,384 styled cells (Excel's widest row) take ~50,000
MAX_OUTSIDE_ROWS_MARKUP = 150_000  # merged cells, hyperlinks...: ~50 MB at most
MAX_ROW_ATTRIBUTES = 300_000  # all rows' own attributes together (r, spans, ht...)
MAX_ROW_TAGS_BYTES = 8 * MB
MAX_ROW_BYTES = 2 * MB  # 15 cells of Excel's longest text (32,767 characters) take 1.5 MB
MAX_OUTSIDE_ROWS_BYTES = 4 * MB
MAX_TEXT_RUN_BYTES = 4 * MB  # between two "<": no cell holds that much
CHUNK = 1 * MB

_NAME = rb"(?:[A-Za-z_][\w.\-]*:)?"
_BOUNDARY = re.compile(
    rb"<" + _NAME + rb"row(?=[\s/>])(?:[^>\"']|\"[^\"]*\"|'[^']*')*>"
    rb"|</" + _NAME + rb"sheetData\s*>"
)
_QUOTED = re.compile(rb"\"[^\"]*\"|'[^']*'")


class XlsxRefused(Exception):
    """Raised with a message for the user; the reader turns it into an ImportFileError."""


class TooManyRows(XlsxRefused):
    """A worksheet has more rows than the caller reads (the reader words the message)."""


def damaged() -> XlsxRefused:
    return XlsxRefused(
        _("This file could not be opened: the XLSX spreadsheet is damaged or not XLSX.")
    )


def _unusual(what: str) -> XlsxRefused:
    return XlsxRefused(
        _(
            "This XLSX file is built unusually (%(what)s), so it was not opened. Save it again "
            "from your spreadsheet program, or as CSV."
        )
        % {"what": what}
    )


def open_workbook(data: bytes, *, max_rows: int) -> Any:
    """Check an XLSX file, then open it with openpyxl in read-only mode (values, no links).

    `max_rows` bounds every worksheet's row count (the caller's row limit, header included).
    The caller closes the workbook.
    """
    from openpyxl.reader.excel import ExcelReader

    archive_parts = _declared_parts(data)
    try:
        reader = ExcelReader(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
    except Exception as exc:
        raise damaged() from exc
    worksheets, shared_strings = _roles(reader, archive_parts)
    small_total = 0
    for name, info in archive_parts.items():
        if name in worksheets:
            _scan(reader.archive, info, max_rows=max_rows, outside=MAX_OUTSIDE_ROWS_MARKUP,
                  outside_bytes=MAX_OUTSIDE_ROWS_BYTES,
                  too_much=_("more than %(count)s elements outside its rows") % {
                      "count": f"{MAX_OUTSIDE_ROWS_MARKUP:,}"})
        if name == shared_strings:
            if info.file_size > MAX_SHARED_STRINGS_BYTES:
                raise _too_large_part(name, info.file_size, MAX_SHARED_STRINGS_BYTES)
            _scan(reader.archive, info, max_rows=0, outside=MAX_SHARED_STRINGS_MARKUP,
                  outside_bytes=MAX_SHARED_STRINGS_BYTES,
                  too_much=_("more than %(count)s different texts") % {
                      "count": f"{MAX_SHARED_STRINGS_MARKUP // 4:,}"})
        if name in worksheets or name == shared_strings:
            continue
        if _looks_like_xml(reader.archive, info):
            if info.file_size > MAX_SMALL_PART_BYTES:
                raise _too_large_part(name, info.file_size, MAX_SMALL_PART_BYTES)
            small_total += info.file_size
            if small_total > MAX_SMALL_PARTS_BYTES:
                raise _unusual(_("more than %(mb)s MB of styles and settings") % {
                    "mb": MAX_SMALL_PARTS_BYTES // MB})
    try:
        reader.read()
    except Exception as exc:  # a damaged zip or XML raises many different exception types
        raise damaged() from exc
    return reader.wb


def _declared_parts(data: bytes) -> dict[str, zipfile.ZipInfo]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as exc:
        raise damaged() from exc
    if len(parts) > MAX_PARTS:
        raise _unusual(_("more than %(count)s parts") % {"count": MAX_PARTS})
    unpacked = sum(part.file_size for part in parts)
    if unpacked > MAX_UNPACKED_BYTES:
        raise XlsxRefused(
            _(
                "This XLSX file unpacks to %(size)s MB, more than the %(limit)s MB a product "
                "list may take. Save it as CSV, or split it into smaller files."
            )
            % {"size": f"{unpacked / MB:,.0f}", "limit": MAX_UNPACKED_BYTES // MB}
        )
    for part in parts:
        ratio = part.file_size / max(part.compress_size, 1)
        if part.file_size > RATIO_FLOOR and ratio > MAX_RATIO:
            raise XlsxRefused(
                _(
                    "This XLSX file is packed %(ratio)s times tighter than a spreadsheet ever "
                    "is (a zip bomb?), so it was not opened. Save it again from your "
                    "spreadsheet program, or as CSV."
                )
                % {"ratio": f"{ratio:,.0f}"}
            )
    return {part.filename: part for part in parts}


def _roles(reader, parts: dict[str, zipfile.ZipInfo]) -> tuple[set[str], str | None]:
    """The worksheets' and the shared strings' part names, found as openpyxl finds them."""
    from openpyxl.packaging.relationship import get_rels_path
    from openpyxl.reader.excel import _find_workbook_part
    from openpyxl.xml.constants import ARC_CONTENT_TYPES, SHARED_STRINGS

    def small(name: str) -> None:
        if name in parts and parts[name].file_size > MAX_SMALL_PART_BYTES:
            raise _too_large_part(name, parts[name].file_size, MAX_SMALL_PART_BYTES)

    try:
        small(ARC_CONTENT_TYPES)
        reader.read_manifest()
        workbook_part = _find_workbook_part(reader.package).PartName[1:]
        small(workbook_part)
        small(get_rels_path(workbook_part))
        reader.read_workbook()
        worksheets = {
            rel.target for _sheet, rel in reader.parser.find_sheets()
            if "chartsheet" not in (rel.Type or "")
        }
        strings = reader.package.find(SHARED_STRINGS)
    except XlsxRefused:
        raise
    except Exception as exc:
        raise damaged() from exc
    return worksheets, (strings.PartName[1:] if strings is not None else None)


def _too_large_part(name: str, size: int, limit: int) -> XlsxRefused:
    return XlsxRefused(
        _(
            "This XLSX file has an unusually large part (%(part)s, %(size)s MB; at most "
            "%(limit)s MB). Save it as CSV, or split it into smaller files."
        )
        % {"part": name, "size": f"{size / MB:,.1f}", "limit": f"{limit / MB:g}"}
    )


def _looks_like_xml(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bool:
    """Pictures are never parsed as XML; anything that might be is treated as XML."""
    if info.file_size == 0:
        return False
    with archive.open(info) as source:
        head = source.read(64)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True  # UTF-16 XML
    return head.removeprefix(b"\xef\xbb\xbf").lstrip().startswith(b"<")


def _scan(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, *, max_rows: int, outside: int,
    outside_bytes: int, too_much: str,
) -> None:
    """Count rows and markup in a worksheet (or the shared strings, which have no rows).

    Reads the part in chunks; each chunk is cut at its last "<" (a tag may not be complete
    after it; "<" never appears inside a tag), so the regular expressions only see whole tags.
    """
    scan = _Scan(
        max_rows=max_rows, outside_limit=outside, outside_bytes_limit=outside_bytes,
        too_much=too_much,
    )
    carry = b""
    try:
        with archive.open(info) as source:
            while chunk := source.read(CHUNK):
                buffer = carry + chunk
                cut = buffer.rfind(b"<")
                if cut <= 0:
                    cut = 0
                scan.feed(buffer, cut)
                carry = buffer[cut:]
                if len(carry) > MAX_TEXT_RUN_BYTES:
                    raise _unusual(_("a text of more than %(mb)s MB") % {
                        "mb": MAX_TEXT_RUN_BYTES // MB})
    except XlsxRefused:
        raise
    except Exception as exc:  # bad checksum (a part longer than declared), bad deflate data,
        raise damaged() from exc  # encryption, an unsupported compression method...
    scan.feed(carry, len(carry))
    scan.close()


class _Scan:
    def __init__(
        self, *, max_rows: int, outside_limit: int, outside_bytes_limit: int, too_much: str
    ) -> None:
        self.max_rows = max_rows
        self.outside_limit = outside_limit
        self.outside_bytes_limit = outside_bytes_limit
        self.too_much = too_much
        self.row_bytes = 0
        self.outside_bytes = 0
        self.rows = 0
        self.in_rows = False
        self.row_markup = 0
        self.outside_markup = 0
        self.row_attributes = 0
        self.row_tag_bytes = 0

    def feed(self, buffer: bytes, end: int) -> None:
        position = 0
        if self.max_rows:
            for match in _BOUNDARY.finditer(buffer, 0, end):
                self._count(buffer, position, match.start())
                tag = match.group()
                if tag.startswith(b"</"):
                    self._end_row()
                    self.in_rows = False
                else:
                    self._start_row(tag)
                position = match.end()
        self._count(buffer, position, end)

    def close(self) -> None:
        self._end_row()
        self._check_outside()

    def _count(self, buffer: bytes, start: int, end: int) -> None:
        markup = buffer.count(b"<", start, end) + buffer.count(b"=", start, end)
        if self.in_rows:
            self.row_markup += markup
            self.row_bytes += end - start
            if self.row_markup > MAX_ROW_MARKUP:
                raise _unusual(_("a row of more than %(count)s cells and attributes") % {
                    "count": f"{MAX_ROW_MARKUP:,}"})
            if self.row_bytes > MAX_ROW_BYTES:
                raise _unusual(_("a row of more than %(mb)s MB") % {"mb": MAX_ROW_BYTES // MB})
        else:
            self.outside_markup += markup
            self.outside_bytes += end - start
            self._check_outside()

    def _check_outside(self) -> None:
        if self.outside_markup > self.outside_limit:
            raise _unusual(self.too_much)
        if self.outside_bytes > self.outside_bytes_limit:
            raise _unusual(_("more than %(mb)s MB outside its rows") % {
                "mb": self.outside_bytes_limit // MB})

    def _start_row(self, tag: bytes) -> None:
        self._end_row()
        self.in_rows = True
        self.rows += 1
        if self.rows > self.max_rows:
            raise TooManyRows
        self.row_attributes += len(_QUOTED.findall(tag))
        self.row_tag_bytes += len(tag)
        if self.row_attributes > MAX_ROW_ATTRIBUTES or self.row_tag_bytes > MAX_ROW_TAGS_BYTES:
            raise _unusual(_("rows with too many attributes"))
        self.row_markup = tag.count(b"<") + tag.count(b"=")
        self.row_bytes = len(tag)

    def _end_row(self) -> None:
        self.row_markup = 0
        self.row_bytes = 0
