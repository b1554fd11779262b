"""Finding images in HTML and CSS: one small snippet per pattern."""

import pytest

from scraping.extract import ImageCandidate, css_extract, page_extract, srcset_best

PAGE = "http://example.com/gallery/index.html"


def images_of(html: str, page_url: str = PAGE) -> list[ImageCandidate]:
    return list(page_extract(html=html, page_url=page_url).images)


def test_it_finds_img_src_resolved_against_the_page():
    assert images_of('<img src="photos/a.jpg"><img src="/b.png">') == [
        ImageCandidate(url="http://example.com/gallery/photos/a.jpg", source="img[src]"),
        ImageCandidate(url="http://example.com/b.png", source="img[src]"),
    ]


def test_it_resolves_against_base_href():
    html = '<head><base href="https://cdn.example.net/v2/"></head><img src="a.jpg">'
    assert [c.url for c in images_of(html)] == ["https://cdn.example.net/v2/a.jpg"]


@pytest.mark.parametrize(
    ("srcset", "best"),
    [
        ("s.jpg 320w, l.jpg 1280w, m.jpg 640w", "l.jpg"),
        ("a.jpg, b.jpg 2x, c.jpg 1.5x", "b.jpg"),
        ("a.jpg 1x,b.jpg 3x", "b.jpg"),
        ("https://img.example/w_100,h_100/a.jpg 100w, https://img.example/w_900/a.jpg 900w",
         "https://img.example/w_900/a.jpg"),
        ("only.jpg", "only.jpg"),
        ("", None),
    ],
)  # fmt: skip
def test_srcset_best_picks_the_largest_candidate(srcset, best):
    assert srcset_best(srcset=srcset) == best


def test_it_prefers_the_largest_srcset_candidate_over_src():
    html = '<img src="small.jpg" srcset="small.jpg 400w, big.jpg 1600w">'
    assert images_of(html) == [
        ImageCandidate(url="http://example.com/gallery/big.jpg", source="img[srcset]")
    ]


@pytest.mark.parametrize("attribute", ["data-src", "data-original", "data-lazy-src"])
def test_it_takes_the_lazy_attribute_not_the_placeholder(attribute):
    html = f'<img src="data:image/gif;base64,R0lGOD" {attribute}="real.jpg">'
    assert images_of(html) == [
        ImageCandidate(url="http://example.com/gallery/real.jpg", source=f"img[{attribute}]")
    ]


def test_it_takes_the_largest_of_a_lazy_srcset():
    html = '<img src="blank.gif" data-srcset="a.jpg 1x, a@2x.jpg 2x">'
    assert [c.source for c in images_of(html)] == ["img[data-srcset]"]
    assert images_of(html)[0].url.endswith("/a@2x.jpg")


def test_it_finds_picture_sources_and_the_fallback_img():
    html = """<picture>
      <source type="image/avif" srcset="p.avif 800w, p-big.avif 1600w">
      <source type="image/webp" srcset="p.webp">
      <img src="p.jpg"></picture>"""
    found = {(c.url.rsplit("/", 1)[1], c.source) for c in images_of(html)}
    assert found == {
        ("p-big.avif", "picture>source[srcset]"),
        ("p.webp", "picture>source[srcset]"),
        ("p.jpg", "img[src]"),
    }


def test_it_finds_background_images_in_style_attributes():
    html = """<div style="background-image: url('hero.jpg')"></div>
      <section style='background: #000 url(/bg/night.png) no-repeat'></section>
      <p style="color: red; font-family: url(not-an-image.woff)"></p>"""
    assert [(c.url, c.source) for c in images_of(html)] == [
        ("http://example.com/gallery/hero.jpg", "inline style url()"),
        ("http://example.com/bg/night.png", "inline style url()"),
    ]


def test_it_finds_open_graph_and_twitter_images():
    html = """<head>
      <meta property="og:image" content="https://example.com/og.jpg">
      <meta name="twitter:image" content="/tw.png"></head>"""
    assert [(c.url, c.source) for c in images_of(html)] == [
        ("https://example.com/og.jpg", "meta og:image"),
        ("http://example.com/tw.png", "meta twitter:image"),
    ]


def test_it_follows_thumbnail_links_to_full_size_images_and_keeps_page_links_apart():
    html = """<a href="full/1.JPG"><img src="thumbs/1.jpg"></a>
      <a href="full/2.webp?v=3#zoom">two</a>
      <a href="about.html#team">about</a> <a href="report.pdf">pdf</a>
      <a href="javascript:void(0)">js</a> <a href="#top">top</a> <a href="mailto:a@b.c">m</a>"""
    refs = page_extract(html=html, page_url=PAGE)
    assert {(c.url, c.source) for c in refs.images} == {
        ("http://example.com/gallery/full/1.JPG", "a[href] -> image file"),
        ("http://example.com/gallery/thumbs/1.jpg", "img[src]"),
        ("http://example.com/gallery/full/2.webp?v=3", "a[href] -> image file"),
    }
    assert refs.links == ("http://example.com/gallery/about.html",)


def test_it_dedupes_urls_keeping_the_first_pattern():
    html = '<img src="a.jpg"><img src="./a.jpg#x"><a href="a.jpg">Picture A</a>'
    # the first pattern stays; the title is the first one any of them gave (the link's text)
    assert images_of(html) == [
        ImageCandidate(url="http://example.com/gallery/a.jpg", source="img[src]", title="Picture A")
    ]


def test_it_lists_stylesheets_and_style_block_images():
    html = """<link rel="stylesheet" href="css/main.css"><link rel="icon" href="fav.ico">
      <style>@import url("print.css"); .hero { background-image: url(hero.jpg) }</style>"""
    refs = page_extract(html=html, page_url=PAGE)
    assert refs.stylesheets == (
        "http://example.com/gallery/css/main.css",
        "http://example.com/gallery/print.css",
    )
    assert [(c.url, c.source) for c in refs.images] == [
        ("http://example.com/gallery/hero.jpg", "<style> url()")
    ]


def test_css_urls_resolve_against_the_stylesheet_and_skip_fonts():
    css = """/* url(commented.png) */
      @import "theme.css";
      @font-face { font-family: X; src: url(../fonts/x.woff2) format("woff2"); }
      body { background: url("../../images/bg.jpg") center; }
      ul { list-style-image: url('dot.gif'); cursor: url(hand.cur), auto; }"""
    refs = css_extract(css=css, css_url="http://example.com/assets/css/main.css")
    assert [c.url for c in refs.images] == [
        "http://example.com/images/bg.jpg",
        "http://example.com/assets/css/dot.gif",
    ]
    assert refs.imports == ("http://example.com/assets/css/theme.css",)


def test_it_keeps_other_schemes_for_the_crawler_to_refuse_but_drops_data_urls():
    html = '<img src="file:///etc/passwd"><img src="data:image/png;base64,AAAA">'
    assert [c.url for c in images_of(html)] == ["file:///etc/passwd"]


def test_it_survives_empty_and_broken_html():
    assert images_of("") == []
    assert [c.url for c in images_of("<div><p><img src='a.jpg'><table><td></div>")] == [
        "http://example.com/gallery/a.jpg"
    ]
