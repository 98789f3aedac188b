import unicodedata

import pytest

from core.errors import InvalidTextError
from core.text import clean_text, clean_texts


def test_decomposed_letters_become_composed():
    decomposed = unicodedata.normalize("NFD", "йёЙЁ")
    assert decomposed != "йёЙЁ"
    assert clean_text(decomposed) == "йёЙЁ"


def test_invisible_characters_are_removed():
    assert clean_text("за\u200cказ\u200b не\ufeff пришёл\u00ad") == "заказ не пришёл"


def test_control_characters_become_spaces_and_ends_are_stripped():
    assert clean_text("\x00курьер\x07опоздал\n") == "курьер опоздал"


def test_unpaired_surrogate_is_replaced_not_crashing():
    assert clean_text("bad \ud800 text") == "bad \ufffd text"


@pytest.mark.parametrize("bad", ["", "   ", "\n\t ", "\u200b\u200c"])
def test_empty_or_whitespace_is_refused(bad):
    with pytest.raises(InvalidTextError, match="empty"):
        clean_text(bad)


@pytest.mark.parametrize("bad", [None, 5, b"bytes", ["list"]])
def test_non_string_is_refused(bad):
    with pytest.raises(InvalidTextError, match="expected a string"):
        clean_text(bad)


def test_clean_texts_names_the_bad_index():
    with pytest.raises(InvalidTextError, match=r"texts\[1\]"):
        clean_texts(["ok", "  "])


def test_clean_texts_refuses_a_bare_string():
    with pytest.raises(InvalidTextError):
        clean_texts("not a list")


@pytest.mark.parametrize("text", ["\ufe0f", " \u0301\ufe0f ", "\u20e3\u200d"])
def test_marks_that_show_nothing_alone_are_no_text(text):
    with pytest.raises(InvalidTextError, match="invisible marks"):
        clean_text(text)


@pytest.mark.parametrize("text", ["❤️", "a\u0301", "1\ufe0f\u20e3"])
def test_marks_on_a_visible_character_are_kept(text):
    assert clean_text(text) == unicodedata.normalize("NFC", text)
