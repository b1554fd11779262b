"""No merge leftovers in what the project serves or runs: a stray "THEIRS" once showed in the
gallery's filter bar."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LEFTOVER = re.compile(r"^(<<<<<<< |>>>>>>> |=======$|\|\|\|\|\|\|\| |THEIRS\b|OURS\b)", re.M)
SOURCES = ("templates", "static", "accounts", "analytics", "gallery", "imagesite", "jobs")
MORE = ("library", "processing", "scraping", "bench", "docs")


def test_no_source_file_holds_a_merge_leftover() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{text[: match.start()].count(chr(10)) + 1}"
        for folder in SOURCES + MORE
        for path in (ROOT / folder).rglob("*")
        if path.suffix in {".py", ".html", ".js", ".css", ".md", ".txt"}
        for text in [path.read_text(errors="replace")]
        for match in LEFTOVER.finditer(text)
    ]
    assert found == []
