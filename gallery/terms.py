"""The normalised search terms of an image, and the terms a gallery filter asks for.

Every gallery read is one equality on an element of an image's `terms` plus a range on its
sort key, the only shape SecantusDB serves from an index (a real mongod serves it as well).
So everything the gallery filters on is a term:

- words: the lower-cased words of the title, description, tags, labels, camera and format,
  with every prefix of 3 letters or more ("harb" finds "harbour"); a search word of one or two
  letters matches whole words only;
- facets: `label:dog`, `tag:sea`, `format:png`, `source:scrape`, `album:<id>`, exact values
  for the filters, and `is:favourite`; a place gives three, `place:italy`,
  `place:italy/tuscany`, `place:italy/tuscany/arezzo` (country, region, city), so that the
  filter and the places view work at every level;
- months: `taken:2026-11` (the month of the taken order's key: taken, else uploaded) and
  `uploaded:2026-11`, counted per owner like the facets: the timeline's jump to a month reads
  those counts, not the images;
- faces: `faces:2` (the number of faces found, FACES_CAP or more counted as `faces:6+`) and
  `faces:any` on images with one face or more; a search word `faces:2`, `faces:any` or
  `faces:6+` asks for that term;
- `*`, which every image carries: the unfiltered gallery reads through the same index;
- pairs: `har+sun`, the first MIN_PREFIX letters of two of the image's words, for every pair
  of its first PAIRED_KEYS such keys, so that a search of several words reads about only the
  images that hold two of them; an image with more keys carries `+` (OVERFLOW) instead, and a
  paired search reads those too (the owner's count of `+` says whether there are any).

The index's first field after the owner is the image's visibility (library, archive, trash,
hidden), so the archive and the trash read through the same terms. The facet counts are of the
library; an image elsewhere counts once, as `in:archive`, `in:trash` or `in:hidden`.

Pure functions, no models: the services, the data migration and the benchmark share them.
"""

import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, tzinfo
from typing import Any

ALL = "*"
FACET_KINDS = ("label", "tag", "format", "source", "place", "album", "faces")
MONTH_KINDS = ("taken", "uploaded")  # month terms, one per order: `taken:2026-11`
FAVOURITE = "is:favourite"
LIBRARY = "library"  # the visibility whose images the facet counts count term by term
COUNTED_KINDS = (*FACET_KINDS, *MONTH_KINDS, "is", "in")
MIN_PREFIX = 3
MAX_WORD = 40  # longer "words" (hashes, URLs) are kept whole up to this, prefixes up to it
MAX_TERMS = 600  # a long description stops adding words here; facets always come first
PAIRED_KEYS = 16  # at most 120 pairs an image; past this many keys the image is OVERFLOW
OVERFLOW = "+"
_WORD = re.compile(r"[^\W_]+")
FACES_CAP = 6
_FACES_SEARCH = re.compile(r"(?<![^\s])faces:(any|none|\d+\+?)(?![^\s])", re.IGNORECASE)


def words(text: str) -> list[str]:
    """The lower-cased words of a text, in order, without repeats."""
    return list(dict.fromkeys(word[:MAX_WORD] for word in _WORD.findall(text.casefold())))


def word_terms(word: str) -> list[str]:
    """The word itself and its prefixes of MIN_PREFIX letters or more."""
    return [word[:end] for end in range(min(MIN_PREFIX, len(word)), len(word) + 1)]


def facet(kind: str, value: str) -> str:
    """The exact-match term of a filter value: `label:traffic light`."""
    return f"{kind}:{value.strip().casefold()}"


def camera_name(make: str | None, model: str | None) -> str:
    """ "Canon" + "Canon EOS 40D" -> "Canon EOS 40D"; "NIKON CORPORATION" + "NIKON D70s" ->
    "NIKON D70s": the model alone when it starts with the make or a word of it."""
    make, model = " ".join((make or "").split()), " ".join((model or "").split())
    if not model or not make:
        return model or make
    first = model.split()[0].casefold()
    if model.casefold().startswith(make.casefold()) or first in make.casefold().split():
        return model
    return f"{make} {model}"


def place_value(*parts: str) -> str:
    """The place filter's value of (country, region, city), as far as they are known:
    "Italy/Tuscany/Arezzo" ("/" inside a name becomes "-")."""
    named = [" ".join(part.replace("/", "-").split()) for part in parts]
    while named and not named[-1]:
        named.pop()
    return "/".join(named) if named and named[0] else ""


def place_facets(country: str, region: str, city: str) -> dict[str, str]:
    """The place terms of an image, each with its name as written (for the places view)."""
    levels = [(country,), (country, region), (country, region, city)]
    values = dict.fromkeys(value for parts in levels if (value := place_value(*parts)))
    return {facet("place", value): value for value in values}


def is_facet(term: str) -> bool:
    """Facets (and `*`, `+`) are counted per owner; words and pairs are not."""
    kind, colon, _ = term.partition(":")
    return term in (ALL, OVERFLOW) or bool(colon) and kind in COUNTED_KINDS


def month_term(kind: str, moment: datetime, zone: tzinfo = UTC) -> str:
    """The month term of a moment in the site's time zone (naive moments are UTC, as stored)."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return f"{kind}:{aware.astimezone(zone):%Y-%m}"


def shelf_term(visibility: str) -> str:
    """The counted term of the images outside the library: `in:trash`."""
    return f"in:{visibility}"


def counted_terms(terms: Iterable[str], visibility: str) -> list[str]:
    """What an image adds to its owner's facet counts: its terms in the library, else only
    the count of where it is (pass no terms for an image that is deleted or new)."""
    terms = list(terms)
    if visibility == LIBRARY or not terms:
        return terms
    return [shelf_term(visibility)]


def visibility_of(*, hidden: bool, trashed: bool, archived: bool) -> str:
    """Where an image shows: a moderator's hiding first, then the trash, then the archive."""
    return "hidden" if hidden else "trash" if trashed else "archive" if archived else LIBRARY


def pair_key(word: str) -> str | None:
    """What a word contributes to pairs: its first MIN_PREFIX letters (None: a shorter word,
    which pairs leave out)."""
    return word[:MIN_PREFIX] if len(word) >= MIN_PREFIX else None


def pair(first: str, second: str) -> str:
    return "+".join(sorted((first, second)))


def pair_terms(keys: Iterable[str]) -> list[str]:
    """The pair terms of an image's distinct keys, or [OVERFLOW] when it has too many."""
    keys = list(dict.fromkeys(keys))
    if len(keys) > PAIRED_KEYS:
        return [OVERFLOW]
    return [pair(a, b) for index, a in enumerate(keys) for b in keys[index + 1 :]]


def search_pair(terms: Iterable[str]) -> str | None:
    """The pair term a search can read through: two of its words (the longest, as a rule the
    rarest) with different keys; None when it has no such two. Every image that matches the
    search carries it, or OVERFLOW."""
    keyed = sorted(
        ((word, key) for word in terms if ":" not in word and (key := pair_key(word))),
        key=lambda item: -len(item[0]),
    )
    for index, (_, key) in enumerate(keyed):
        for _, other in keyed[index + 1 :]:
            if other != key:
                return pair(key, other)
    return None


def faces_value(count: int) -> str:
    """The `faces:` value of a number of faces: the number, up to FACES_CAP+."""
    return f"{FACES_CAP}+" if count >= FACES_CAP else str(count)


def face_facets(count: int | None) -> list[str]:
    if count is None:  # not looked for: neither "none" nor a number
        return []
    return [facet("faces", faces_value(count))] + ([facet("faces", "any")] if count else [])


def image_terms(
    *,
    title: str = "",
    description: str = "",
    tags: Iterable[str] = (),
    labels: Iterable[str] = (),
    camera: str = "",
    format: str = "",  # noqa: A002 - the model's field name
    source: str = "",
    taken: datetime | None = None,
    uploaded: datetime | None = None,
    zone: tzinfo = UTC,
    place: tuple[str, str, str] = ("", "", ""),
    albums: Iterable[str] = (),
    favourite: bool = False,
    face_count: int | None = None,
) -> list[str]:
    """Every term of one image: facets and months first, then words and their prefixes (at
    most MAX_TERMS), then its pairs or OVERFLOW. `taken` is the taken order's key (taken,
    else uploaded); place: (country, region, city)."""
    tags, labels = list(tags), list(labels)
    facets = [ALL, *([FAVOURITE] if favourite else [])]
    facets += [
        month_term(kind, moment, zone)
        for kind, moment in (("taken", taken), ("uploaded", uploaded))
        if moment is not None
    ]
    facets += [facet("album", str(album)) for album in albums]
    facets += [facet("label", label) for label in labels]
    facets += [facet("tag", tag) for tag in tags]
    facets += [facet(kind, value) for kind, value in (("format", format), ("source", source))]
    facets += list(place_facets(*place))
    facets += face_facets(face_count)
    country, region, city = place
    texts = [title, *tags, *labels, camera, format, city, region, country, description]
    found = dict.fromkeys(term for term in facets if not term.endswith(":"))
    keys = []  # of every word taken: a search that matches two words finds their pair
    for word in (word for text in texts for word in words(text)):
        found.update(dict.fromkeys(word_terms(word)))
        keys += [key] if (key := pair_key(word)) else []
        if len(found) >= MAX_TERMS:
            return [*list(found)[:MAX_TERMS], *pair_terms(keys)]
    return [*found, *pair_terms(keys)]


def faces_search_value(value: str) -> str:
    """A typed `faces:` value as stored: `none` is 0, numbers past the cap are `6+`."""
    value = value.casefold()
    if value == "none":
        return "0"
    if value == "any":
        return value
    return faces_value(int(value.rstrip("+")))


def search_terms(query: str) -> list[str]:
    """The terms a search asks for: one per word, all of which must match; `faces:2` (or
    `faces:any`, `faces:none`) asks for that facet."""
    faces = [facet("faces", faces_search_value(v)) for v in _FACES_SEARCH.findall(query)]
    return list(dict.fromkeys(faces + words(_FACES_SEARCH.sub(" ", query))))


def facet_counts_delta(before: Iterable[str], after: Iterable[str]) -> dict[str, int]:
    """How the per-owner facet counts change when an image's terms go from `before` to `after`
    (pass no terms for an image that is hidden, deleted or new)."""
    old = {term for term in before if is_facet(term)}
    new = {term for term in after if is_facet(term)}
    return dict.fromkeys(new - old, 1) | dict.fromkeys(old - new, -1)


def document_terms(document: Mapping[str, Any], *, zone: tzinfo = UTC) -> list[str]:
    """image_terms of an image's stored MongoDB document (bulk fills: migration, benchmark)."""
    camera = camera_name(document.get("camera_make"), document.get("camera_model"))
    place = tuple(document.get(f"place_{part}") or "" for part in ("country", "region", "city"))
    return image_terms(
        title=document.get("title") or "",
        description=document.get("description") or "",
        tags=document.get("tags") or [],
        labels=sorted({item["label"] for item in document.get("detections") or []}),
        camera=camera,
        format=document.get("format") or "",
        source=document.get("source") or "",
        taken=document.get("taken_at") or document.get("uploaded_at"),
        uploaded=document.get("uploaded_at"),
        zone=zone,
        place=place,  # type: ignore[arg-type]  # three strings
        albums=document.get("album_ids") or [],
        favourite=bool(document.get("favourite")),
        face_count=document.get("face_count"),
    )


def document_visibility(document: Mapping[str, Any]) -> str:
    return visibility_of(
        hidden=bool(document.get("hidden")),
        trashed=document.get("trashed_at") is not None,
        archived=bool(document.get("archived")),
    )
