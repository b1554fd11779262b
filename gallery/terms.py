"""The normalised search terms of an image, and the terms a gallery filter asks for.

Every gallery read is one equality on an element of an image's `terms` plus a range on its
sort key, the only shape SecantusDB serves from an index (a real mongod serves it as well).
So everything the gallery filters on is a term:

- words: the lower-cased words of the title, description, tags, labels, camera and format,
  with every prefix of 3 letters or more ("harb" finds "harbour"); a search word of one or two
  letters matches whole words only;
- facets: `label:dog`, `tag:sea`, `format:png`, `source:scrape`, exact values for the filters;
- `*`, which every image carries: the unfiltered gallery reads through the same index.

Pure functions, no models: the services, the data migration and the benchmark share them.
"""

import re
from collections.abc import Iterable, Mapping
from typing import Any

ALL = "*"
FACET_KINDS = ("label", "tag", "format", "source")
MIN_PREFIX = 3
MAX_WORD = 40  # longer "words" (hashes, URLs) are kept whole up to this, prefixes up to it
MAX_TERMS = 600  # a long description stops adding words here; facets always come first
_WORD = re.compile(r"[^\W_]+")


def words(text: str) -> list[str]:
    """The lower-cased words of a text, in order, without repeats."""
    return list(dict.fromkeys(word[:MAX_WORD] for word in _WORD.findall(text.casefold())))


def word_terms(word: str) -> list[str]:
    """The word itself and its prefixes of MIN_PREFIX letters or more."""
    return [word[:end] for end in range(min(MIN_PREFIX, len(word)), len(word) + 1)]


def facet(kind: str, value: str) -> str:
    """The exact-match term of a filter value: `label:traffic light`."""
    return f"{kind}:{value.strip().casefold()}"


def is_facet(term: str) -> bool:
    """Facets (and `*`) are counted per owner; words are not."""
    return term == ALL or term.partition(":")[0] in FACET_KINDS and ":" in term


def image_terms(
    *,
    title: str = "",
    description: str = "",
    tags: Iterable[str] = (),
    labels: Iterable[str] = (),
    camera: str = "",
    format: str = "",  # noqa: A002 - the model's field name
    source: str = "",
) -> list[str]:
    """Every term of one image: facets first, then words and their prefixes, at most MAX_TERMS."""
    tags, labels = list(tags), list(labels)
    facets = [ALL]
    facets += [facet("label", label) for label in labels]
    facets += [facet("tag", tag) for tag in tags]
    facets += [facet(kind, value) for kind, value in (("format", format), ("source", source))]
    texts = [title, *tags, *labels, camera, format, description]
    found = dict.fromkeys(term for term in facets if not term.endswith(":"))
    for text in texts:
        for word in words(text):
            found.update(dict.fromkeys(word_terms(word)))
            if len(found) >= MAX_TERMS:
                return list(found)[:MAX_TERMS]
    return list(found)


def search_terms(query: str) -> list[str]:
    """The terms a search asks for: one per word, all of which must match."""
    return words(query)


def facet_counts_delta(before: Iterable[str], after: Iterable[str]) -> dict[str, int]:
    """How the per-owner facet counts change when an image's terms go from `before` to `after`
    (pass no terms for an image that is hidden, deleted or new)."""
    old = {term for term in before if is_facet(term)}
    new = {term for term in after if is_facet(term)}
    return dict.fromkeys(new - old, 1) | dict.fromkeys(old - new, -1)


def document_terms(document: Mapping[str, Any]) -> list[str]:
    """image_terms of an image's stored MongoDB document (bulk fills: migration, benchmark)."""
    camera = f"{document.get('camera_make') or ''} {document.get('camera_model') or ''}"
    return image_terms(
        title=document.get("title") or "",
        description=document.get("description") or "",
        tags=document.get("tags") or [],
        labels=sorted({item["label"] for item in document.get("detections") or []}),
        camera=camera.strip(),
        format=document.get("format") or "",
        source=document.get("source") or "",
    )
