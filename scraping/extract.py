"""Find image URLs, page links and stylesheets in HTML and CSS text (pure, no I/O)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from posixpath import splitext
from urllib.parse import urldefrag, urljoin, urlsplit

from parsel import Selector
from scrapy.linkextractors import IGNORED_EXTENSIONS

IMAGE_EXTENSIONS = frozenset(
    {".jpg", ".jpeg", ".jpe", ".jfif", ".png", ".gif", ".webp", ".avif", ".bmp", ".tif",
     ".tiff", ".heic", ".heif"}
)  # fmt: skip
# Page links with these extensions are downloads, not pages; images are handled apart.
NON_PAGE_EXTENSIONS = frozenset(f".{ext}" for ext in IGNORED_EXTENSIONS) | {".css", ".js"}
IGNORED_SCHEMES = frozenset({"data", "javascript", "blob", "about", "mailto", "tel", "sms"})
# Lazy-loading libraries keep the real URL here while src holds a placeholder.
LAZY_SRCSET_ATTRIBUTES = ("data-srcset", "data-lazy-srcset")
LAZY_SRC_ATTRIBUTES = ("data-src", "data-original", "data-lazy-src")
META_IMAGES = {
    "meta og:image": "//meta[@property='og:image' or @property='og:image:url'"
    " or @property='og:image:secure_url']/@content",
    "meta twitter:image": "//meta[@name='twitter:image' or @name='twitter:image:src'"
    " or @property='twitter:image']/@content",
}
# CSS properties whose url() values are pictures (fonts, cursors and filters are not).
CSS_IMAGE_PROPERTIES = frozenset(
    {"background", "background-image", "list-style", "list-style-image", "border-image",
     "border-image-source", "content"}
)  # fmt: skip
CSS_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)
CSS_FONT_FACE = re.compile(r"@font-face\s*\{[^}]*\}", re.IGNORECASE)
CSS_DECLARATION = re.compile(r"([-\w]+)\s*:\s*([^;{}]*)")
CSS_URL = re.compile(r"""url\(\s*(?:"([^"]*)"|'([^']*)'|([^)\s]*))\s*\)""", re.IGNORECASE)
TITLE_MAX = 200  # characters of an image's title from the page
CSS_IMPORT = re.compile(r"""@import\s+(?:url\(\s*)?["']?([^"')\s;]+)""", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class ImageCandidate:
    """An absolute image URL, the pattern it was found by (e.g. "img[srcset]") and what the
    page calls it: the alt text, title attribute or figure caption ("" when none)."""

    url: str
    source: str
    title: str = ""


@dataclass(frozen=True, slots=True)
class PageRefs:
    images: tuple[ImageCandidate, ...]
    links: tuple[str, ...]  # <a href> to other (probably HTML) resources, absolute
    stylesheets: tuple[str, ...]  # <link rel=stylesheet> and @import in <style>


@dataclass(frozen=True, slots=True)
class CssRefs:
    images: tuple[ImageCandidate, ...]
    imports: tuple[str, ...]


def page_extract(*, html: str, page_url: str) -> PageRefs:
    """Everything the crawler needs from one HTML page, resolved against <base href>.

    Each <img> gives one URL, the best it offers: the largest srcset candidate, else a lazy
    attribute, else src (src is the fallback for the same picture). Duplicates are dropped,
    keeping the first pattern that found the URL.
    """
    selector = Selector(text=html or "<html></html>", type="html")
    base = _base_url(selector=selector, page_url=page_url)
    found: list[tuple[str, str, str]] = []
    for img in selector.xpath("//img"):
        found.extend(_img_candidates(img=img))
    for source in selector.xpath("//picture//source"):  # lxml nests <source> elements
        title = _title_of(source.xpath("ancestor::picture[1]//img")[:1] or [source])
        for attribute in ("srcset", *LAZY_SRCSET_ATTRIBUTES):
            if best := srcset_best(srcset=source.attrib.get(attribute, "")):
                found.append((best, f"picture>source[{attribute}]", title))
    for element in selector.xpath("//*[@style]"):
        title = _title_of([element])
        found.extend(
            (url, "inline style url()", title)
            for url in _css_image_values(element.attrib.get("style", ""))
        )
    for name, query in META_IMAGES.items():
        found.extend((value, name, "") for value in selector.xpath(query).getall())
    links: list[str] = []
    for anchor in selector.xpath("//a[@href] | //area[@href]"):
        if url := _absolute(base=base, value=anchor.attrib.get("href", "")):
            if url_is_image_file(url=url):
                found.append((url, "a[href] -> image file", _link_title(anchor)))
            elif not _is_download(url=url):
                links.append(url)
    images = _candidates(base=base, found=found)
    sheets = [
        _absolute(base=base, value=href)
        for href in selector.xpath(
            "//link[contains(concat(' ', normalize-space(translate(@rel,"
            " 'STYLESHEET', 'stylesheet')), ' '), ' stylesheet ')]/@href"
        ).getall()
    ]
    inline_css = "\n".join(selector.xpath("//style/text()").getall())
    inline = css_extract(css=inline_css, css_url=base)
    images += tuple(ImageCandidate(url=c.url, source="<style> url()") for c in inline.images)
    return PageRefs(
        images=_dedupe_candidates(images),
        links=tuple(dict.fromkeys(links)),
        stylesheets=tuple(dict.fromkeys(url for url in [*sheets, *inline.imports] if url)),
    )


def css_extract(*, css: str, css_url: str) -> CssRefs:
    """Picture url()s of a stylesheet (not fonts) and its @import targets, made absolute."""
    text = CSS_FONT_FACE.sub("", CSS_COMMENT.sub("", css))
    imports = [_absolute(base=css_url, value=value) for value in CSS_IMPORT.findall(text)]
    found = [(url, "linked CSS url()", "") for url in _css_image_values(text)]
    return CssRefs(
        images=_candidates(base=css_url, found=found),
        imports=tuple(dict.fromkeys(url for url in imports if url)),
    )


def srcset_best(*, srcset: str) -> str | None:
    """The largest candidate of a srcset: highest width ("800w"), else highest density ("2x").

    Width descriptors win over density ones when both appear, since a width is the real size.
    """
    candidates = _srcset_parse(srcset)
    if not candidates:
        return None
    widths = [(value, url) for url, unit, value in candidates if unit == "w"]
    if widths:
        return max(widths, key=lambda pair: pair[0])[1]
    return max(((value, url) for url, _unit, value in candidates), key=lambda pair: pair[0])[1]


def url_is_image_file(*, url: str) -> bool:
    """Whether the URL's path names an image file by its extension."""
    return splitext(urlsplit(url).path.lower())[1] in IMAGE_EXTENSIONS


def _img_candidates(*, img: Selector) -> list[tuple[str, str, str]]:
    attrib = img.attrib
    title = _title_of([img])
    for attribute in ("srcset", *LAZY_SRCSET_ATTRIBUTES):
        if best := srcset_best(srcset=attrib.get(attribute, "")):
            return [(best, f"img[{attribute}]", title)]
    for attribute in (*LAZY_SRC_ATTRIBUTES, "src"):
        value = attrib.get(attribute, "").strip()
        if value and not _ignored_scheme(value):
            return [(value, f"img[{attribute}]", title)]
    return []


def _clean_text(text: str) -> str:
    return " ".join(text.split())[:TITLE_MAX]


def _title_of(elements: list[Selector]) -> str:
    """What the page calls a picture: its alt text, else its title attribute, else the caption
    of the figure around it."""
    if not elements:
        return ""
    element = elements[0]
    for attribute in ("alt", "title", "aria-label"):
        if text := _clean_text(element.attrib.get(attribute, "")):
            return text
    caption = element.xpath("ancestor::figure[1]/figcaption[1]//text()").getall()
    return _clean_text(" ".join(caption))


def _link_title(anchor: Selector) -> str:
    """A link to an image file: its title attribute, the alt of an image inside it, its text."""
    if text := _clean_text(anchor.attrib.get("title", "")):
        return text
    if (images := anchor.xpath(".//img")) and (text := _title_of(images[:1])):
        return text
    return _clean_text(" ".join(anchor.xpath(".//text()").getall()))


def _srcset_parse(srcset: str) -> list[tuple[str, str, float]]:
    """(url, unit, value) per candidate, after the HTML spec: a URL may contain commas."""
    result: list[tuple[str, str, float]] = []
    pos, end = 0, len(srcset)
    while pos < end:
        while pos < end and (srcset[pos].isspace() or srcset[pos] == ","):
            pos += 1
        start = pos
        while pos < end and not srcset[pos].isspace():
            pos += 1
        url, descriptor = srcset[start:pos], ""
        if url.endswith(","):
            url = url.rstrip(",")
        else:
            start = pos
            while pos < end and srcset[pos] != ",":
                pos += 1
            descriptor = srcset[start:pos]
        unit, value = _descriptor_parse(descriptor)
        if url and not _ignored_scheme(url):
            result.append((url, unit, value))
    return result


def _descriptor_parse(descriptor: str) -> tuple[str, float]:
    for token in descriptor.split():
        unit = token[-1:].lower()
        try:
            value = float(token[:-1])
        except ValueError:
            continue
        if unit in ("w", "x"):
            return unit, value
    return "x", 1.0


def _css_image_values(css: str) -> list[str]:
    values: list[str] = []
    for name, value in CSS_DECLARATION.findall(css):
        if name.lower() in CSS_IMAGE_PROPERTIES:
            values.extend("".join(groups).strip() for groups in CSS_URL.findall(value))
    return [value for value in values if value]


def _candidates(*, base: str, found: list[tuple[str, str, str]]) -> tuple[ImageCandidate, ...]:
    candidates = []
    for value, source, title in found:
        if url := _absolute(base=base, value=value):
            candidates.append(ImageCandidate(url=url, source=source, title=title))
    return _dedupe_candidates(tuple(candidates))


def _dedupe_candidates(candidates: tuple[ImageCandidate, ...]) -> tuple[ImageCandidate, ...]:
    """The first pattern that found a URL; its title, or the first title another one gave."""
    first: dict[str, ImageCandidate] = {}
    for candidate in candidates:
        known = first.setdefault(candidate.url, candidate)
        if not known.title and candidate.title:
            first[candidate.url] = ImageCandidate(known.url, known.source, candidate.title)
    return tuple(first.values())


def _base_url(*, selector: Selector, page_url: str) -> str:
    href = selector.xpath("//base/@href").get()
    return urljoin(page_url, href.strip()) if href and href.strip() else page_url


def _absolute(*, base: str, value: str) -> str:
    """Absolute URL without fragment, or "" for empty values and data:/javascript: etc."""
    value = value.strip()
    if not value or value.startswith("#") or _ignored_scheme(value):
        return ""
    return urldefrag(urljoin(base, value))[0]


def _ignored_scheme(value: str) -> bool:
    scheme, colon, _rest = value.partition(":")
    return bool(colon) and scheme.strip().lower() in IGNORED_SCHEMES


def _is_download(*, url: str) -> bool:
    return splitext(urlsplit(url).path.lower())[1] in NON_PAGE_EXTENSIONS
