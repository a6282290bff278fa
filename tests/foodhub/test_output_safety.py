"""Code checks that keep escaping and exports safe as the code grows: no user text marked
safe, no template values inside inline scripts, no HTML sinks in JavaScript, and every
CSV/XLSX writer going through producers.spreadsheets."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ["foodhub", "teams", "producers", "hubs", "orders", "cms", "bench", "scripts"]

# Marking text safe: only nh3's output and escaped text, in one place.
SAFE_MARKING = re.compile(r"\|\s*safe\b|\|\s*safeseq\b|mark_safe\(|SafeString\(|autoescape\s+off")
ALLOWED_SAFE_MARKING = {
    # description_html: nh3's allow-listed output, or text escaped by linebreaks.
    "producers/descriptions.py": 1,
}
# JavaScript that turns text into markup or code.
JS_SINKS = re.compile(
    r"\.innerHTML\b|\.outerHTML\b|insertAdjacentHTML|document\.write|\beval\(|new Function\(|"
    r"\$\([^)]*\)\.(html|append|prepend|before|after)\("
)
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.S | re.I)
# Spreadsheet writers other than producers.spreadsheets (which escapes formulas).
SPREADSHEET_WRITERS = re.compile(r"csv\.(writer|DictWriter)\(|\bWorkbook\(|xlsxwriter")


def source_files(*suffixes):
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*"):
            if (path.suffix in suffixes and path.is_file()
                    and not {"migrations", "node_modules"} & set(path.parts)):
                yield path


def relative(path):
    return str(path.relative_to(ROOT))


def test_no_user_text_is_marked_safe():
    hits = {}
    for path in source_files(".py", ".html", ".txt"):
        count = len(SAFE_MARKING.findall(path.read_text(encoding="utf-8")))
        if count:
            hits[relative(path)] = count
    assert hits == ALLOWED_SAFE_MARKING, (
        "Text marked safe in templates or code: escape it, or clean it through "
        "producers.descriptions (an allow-list) if it must stay HTML."
    )


def test_inline_scripts_take_no_template_values():
    offenders = []
    for path in source_files(".html"):
        for body in INLINE_SCRIPT.findall(path.read_text(encoding="utf-8")):
            values = re.findall(r"\{\{.*?\}\}|\{%(?!\s*(?:block|endblock)\b).*?%\}", body)
            if values:
                offenders.append((relative(path), values))
    assert offenders == [], (
        "Pass values to scripts in data attributes or with json_script, not inside <script>."
    )


def test_javascript_writes_text_not_markup():
    offenders = []
    for path in source_files(".js", ".html"):
        text = path.read_text(encoding="utf-8")
        chunks = INLINE_SCRIPT.findall(text) if path.suffix == ".html" else [text]
        for chunk in chunks:
            offenders += [(relative(path), m.group()) for m in JS_SINKS.finditer(chunk)]
    assert offenders == [], "Use textContent / setAttribute, never HTML sinks, for page data."


def test_every_spreadsheet_is_written_by_producers_spreadsheets():
    offenders = [
        relative(path) for path in source_files(".py")
        if relative(path) != "producers/spreadsheets.py"
        and SPREADSHEET_WRITERS.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == [], "Write CSV/XLSX with producers.spreadsheets (formula escaping)."
