"""The terms of an image and of a search: pure functions, no database."""

from hypothesis import given
from hypothesis import strategies as st

from gallery.terms import (
    ALL,
    facet_counts_delta,
    image_terms,
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
