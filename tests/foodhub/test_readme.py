"""The README tells a newcomer everything the demo and the tests need."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()


def test_readme_names_every_system_package_ci_installs():
    packages = re.search(r"for pkg in ([^;]+); do", (ROOT / ".ci" / "run").read_text()).group(1)
    prerequisites = README.split("## Two commands")[1].split("make demo")[0]
    for package in packages.split():
        assert package in prerequisites, package
    assert "chromium" in prerequisites and "gettext" in prerequisites


def test_readme_says_port_changes_the_demo_port_and_the_links():
    assert "PORT=8080 make demo" in README
    assert "FOODHUB_BASE_URL" in README
    demo = (ROOT / "scripts" / "demo.sh").read_text()
    assert 'export PORT="${PORT:-8000}"' in demo
    assert 'runserver "127.0.0.1:${PORT}"' in demo
