"""The terms of an image and of a search: pure functions, no database."""

from hypothesis import given
from hypothesis import strategies as st

from gallery.terms import (
    ALL,
    OVERFLOW,
    PAIRED_KEYS,
    facet_counts_delta,
    image_terms,
    is_facet,
    search_pair,
    search_terms,
    word_terms,
    words,
)


def test_words_are_lower_cased_split_on_anything_but_letters_and_digits() -> None:
    assert words("Harbour at Dusk, 2024_v2!") == ["harbour", "at", "dusk", "2024", "v2"]


def test_a_word_brings_its_prefixes_of_three_letters_or_more() -> None:
    assert word_terms("harbour") == ["har", "harb", "harbo", "harbou", "harbour"]
    assert word_terms("tv") == ["tv"]


def test_an_image_carries_its_facets_and_words() -> None:
    terms = image_terms(
        title="Sunset",
        tags=["sea"],
        labels=["traffic light"],
        camera="Canon EOS",
        format="JPEG",
        source="upload",
    )
    assert terms[:6] == [
        ALL,
        "label:traffic light",
        "tag:sea",
        "format:jpeg",
        "source:upload",
        "sun",
    ]
    assert {"sunset", "traffic", "light", "canon", "eos", "jpeg", "sea"} <= set(terms)


def test_facet_counts_move_by_the_difference() -> None:
    delta = facet_counts_delta(["*", "tag:a", "word"], ["*", "tag:b", "other"])
    assert delta == {"tag:b": 1, "tag:a": -1}


@given(st.lists(st.text(alphabet="abcdefgh ", min_size=1, max_size=12), min_size=1, max_size=4))
def test_every_prefix_of_three_letters_of_a_title_word_finds_it(titles: list[str]) -> None:
    title = " ".join(titles)
    terms = set(image_terms(title=title))
    for word in words(title):
        for end in range(min(3, len(word)), len(word) + 1):
            assert search_terms(word[:end].upper()) == [word[:end]]
            assert word[:end] in terms


def test_two_words_of_an_image_make_a_pair_of_their_first_letters() -> None:
    terms = image_terms(title="Harbour at sunset", tags=["sea"])
    assert {"har+sun", "har+sea", "sea+sun"} <= set(terms)
    assert not [term for term in terms if "+" in term and "at" in term.split("+")]  # too short
    assert search_pair(["sunset", "harbour"]) == "har+sun"
    assert search_pair(["harb", "harbour"]) is None  # one key: the single-word path
    assert search_pair(["at", "harbour"]) is None
    assert search_pair(["tag:sea", "harbour"]) is None


def test_an_image_with_too_many_words_to_pair_carries_overflow_instead() -> None:
    many = " ".join(f"{number:03d}x" for number in range(PAIRED_KEYS + 1))  # distinct keys
    terms = image_terms(description=many)
    assert OVERFLOW in terms
    assert not [term for term in terms if "+" in term and term != OVERFLOW]


@given(
    st.lists(st.text(alphabet="abcdefg ", min_size=1, max_size=10), min_size=1, max_size=8),
    st.lists(st.text(alphabet="abcdefg", min_size=1, max_size=6), min_size=2, max_size=3),
)
def test_an_image_that_matches_a_search_carries_its_pair_or_overflow(
    texts: list[str], query: list[str]
) -> None:
    terms = set(image_terms(title=texts[0], tags=texts[1:]))
    wanted = search_terms(" ".join(query))
    if set(wanted) <= terms and (pair := search_pair(wanted)):
        assert pair in terms or OVERFLOW in terms


def test_faces_are_facets_only_once_looked_for():
    assert not [t for t in image_terms(title="x") if t.startswith("faces:")]
    assert {"faces:0"} == {t for t in image_terms(face_count=0) if t.startswith("faces:")}
    two = {t for t in image_terms(face_count=2) if t.startswith("faces:")}
    assert two == {"faces:2", "faces:any"}
    assert "faces:6+" in image_terms(face_count=42)
    assert all(is_facet(t) for t in two)


def test_a_search_for_faces_asks_for_the_facet():
    assert search_terms("faces:2 beach") == ["faces:2", "beach"]
    assert search_terms("FACES:any") == ["faces:any"]
    assert search_terms("faces:none") == ["faces:0"]
    assert search_terms("faces:50") == ["faces:6+"]
    assert search_terms("surfaces:2") == ["surfaces", "2"]  # only a whole word asks for faces
