"""Check the system libraries Foodhub needs; print one line naming Debian packages if not."""

import ctypes.util
import sys

DEBIAN_HINT = (
    "sudo apt-get install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core"
)


def main() -> int:
    try:
        import weasyprint  # noqa: F401 - importing loads Pango through cffi
    except OSError as exc:
        print(
            f"foodhub: WeasyPrint cannot load Pango ({exc.__class__.__name__}); install the "
            f"system libraries: {DEBIAN_HINT}",
            file=sys.stderr,
        )
        return 1
    if ctypes.util.find_library("harfbuzz-subset") is None:
        print(
            "foodhub: note: libharfbuzz-subset0 is missing, PDFs will be ~5x slower "
            "(sudo apt-get install libharfbuzz-subset0).",
            file=sys.stderr,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
