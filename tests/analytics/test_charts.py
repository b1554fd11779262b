"""Charts drawn from the figures of the library in conftest.py."""

import copy
import struct
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from pymongo.database import Database

from analytics.charts import TITLES, render_charts
from analytics.figures import Figures, compute_figures

SVG = "{http://www.w3.org/2000/svg}"


def svg_texts(svg: bytes) -> list[str]:
    """Every piece of text in an SVG, which must parse as XML."""
    root = ET.fromstring(svg)  # noqa: S314 - our own output
    assert root.tag == f"{SVG}svg"
    return ["".join(element.itertext()) for element in root.iter(f"{SVG}text")]


def test_it_draws_one_svg_per_table_with_title_and_axis_labels(alice_figures: Figures) -> None:
    charts = render_charts(alice_figures)
    assert set(charts) == set(TITLES)
    for name, svg in charts.items():
        texts = svg_texts(svg)
        assert TITLES[name] in texts, name
        assert len(svg) < 150_000, name
    assert "Images per day" in svg_texts(charts["uploads_per_day"])
    assert "File size (MB, log scale)" in svg_texts(charts["file_sizes"])
    assert "person" in svg_texts(charts["labels"])
    assert any(text.startswith("Time (ms") for text in svg_texts(charts["processing_times"]))


def test_png_charts_are_800_by_450_pixels(alice_figures: Figures) -> None:
    charts = render_charts(alice_figures, image_format="png")
    assert set(charts) == set(TITLES)
    for png in charts.values():
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
        assert struct.unpack(">II", png[16:24]) == (800, 450)  # IHDR width, height


def test_an_empty_library_gives_no_charts(empty_library: Database[Any]) -> None:
    assert render_charts(compute_figures(db=empty_library, owner_id=None)) == {}


def test_a_table_without_rows_gives_no_chart(alice_figures: Figures) -> None:
    figures = copy.deepcopy(alice_figures)
    figures["tables"]["labels"]["rows"] = []
    assert set(render_charts(figures)) == set(TITLES) - {"labels"}


def test_text_from_users_stays_text(alice_figures: Figures) -> None:
    figures = copy.deepcopy(alice_figures)
    figures["tables"]["labels"]["rows"][0][0] = '<script>alert("x")</script> & co'
    texts = svg_texts(render_charts(figures)["labels"])
    assert '<script>alert("x")</script> & co' in texts


def test_threads_rendering_at_once_all_get_text(alice_figures: Figures) -> None:
    with ThreadPoolExecutor(max_workers=3) as pool:
        results = list(pool.map(lambda _: render_charts(alice_figures), range(3)))
    for charts in results:
        assert all(TITLES[name] in svg_texts(svg) for name, svg in charts.items())
