import pytest

from language.detect import LanguageDetector

detector = LanguageDetector()


CASES = [
    ("Курьер опоздал на два часа и не позвонил", "ru"),
    ("Where is my refund for the cancelled order?", "en"),
    ("Замовлення не доставили вчасно, де мої гроші?", "uk"),
    ("Тапсырыс кешікті, ақшамды қайтарыңыз", "kk"),
    ("Кур'ер спазніўся на дзве гадзіны", "be"),
    ("Спасибо!", "ru"),
    ("ok", "en"),
    ("12345 !!!", "other"),
    ("😡😡😡", "other"),
    ("Менің", "kk"),  # і is Ukrainian too, ң only Kazakh
    # redaction placeholders are not words, Latin names in a Cyrillic text are names
    ("тел [PHONE]", "ru"),
    ("[EMAIL] [PHONE]", "other"),
    ("iPhone 15 Pro Max не заряжается", "ru"),
    ("Wildberries доставка", "ru"),
    # languages that are not configured, told by the letters English does not write
    ("Der Kurier war zwei Stunden zu spät", "other"),
    ("Zamówienie nie dotarło", "other"),
    ("Siparişim gelmedi", "other"),
    ("Samsung Galaxy", "en"),
    ("Is my PIN the same thing as my passcode?", "en"),  # German to lingua's low-accuracy mode
    ("Whats the max I can top up", "en"),
    # a name with such letters does not make an English text foreign
    ("A payment is showing twice. Why is that for Paweł?", "en"),
    ("Why is a transfer to a beneficiary not possible for Søren?", "en"),
    ("@ivan_88 спасибо https://t.co/5LttCwcaxg", "ru"),  # links and mentions are not words
]


@pytest.mark.parametrize(("text", "language"), CASES)
def test_languages(text, language):
    assert detector.detect(text) == language


SHORT_GREETINGS_AND_THANKS = [
    # common words without a letter of their own that Russian does not write either
    ("Дякую", "uk"), ("Добрий день", "uk"), ("Дуже дякую", "uk"), ("Щиро дякую", "uk"), ("Будь ласка", "uk"),
    ("Гаразд", "uk"), ("Вибачте", "uk"), ("Дуже погано", "uk"),
    ("Рахмет", "kk"), ("Рахмет сізге", "kk"),  # і alone would say Ukrainian
    ("Дзякуй", "be"), ("Добры дзень", "be"), ("Добры вечар", "be"), ("Калі ласка", "be"), ("Не працуе", "be"),
    # Russian, also beside such a word when a letter rules its language out, stays Russian
    ("Привет", "ru"), ("Спасибо", "ru"), ("Добрый день", "ru"), ("Добрый вечер", "ru"), ("Где мой заказ?", "ru"),
    ("Не работает", "ru"), ("Здравствуйте", "ru"), ("Так", "ru"), ("Так себе", "ru"), ("Будь добр", "ru"),
    ("Будьте добры", "ru"), ("Всё хорошо", "ru"), ("Дякую, всё", "ru"), ("Добрый день, дякую", "ru"),
]


@pytest.mark.parametrize(("text", "language"), SHORT_GREETINGS_AND_THANKS)
def test_short_greetings_and_thanks_get_their_language(text, language):
    assert detector.detect(text) == language


def test_a_common_word_of_a_language_left_out_of_the_configuration_is_other():
    assert LanguageDetector(("ru", "en")).detect_many(["Дякую", "Рахмет", "Дзякуй", "Спасибо"]) == [
        "other", "other", "other", "ru"]


def test_many_texts_at_once_get_the_answers_each_gets_alone():
    texts = [text for text, _ in CASES] * 3
    assert detector.detect_many(texts) == [language for _, language in CASES] * 3
    assert detector.detect_many([]) == []


class _Counting(LanguageDetector):
    """Counts the texts handed to lingua."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.scored: list[str] = []

    def _lingua(self):
        real = super()._lingua()
        outer = self

        class Spy:
            def compute_language_confidence_values_in_parallel(self, texts):
                outer.scored.extend(texts)
                return real.compute_language_confidence_values_in_parallel(texts)

        return Spy()


SETTLED_BY_ALPHABET = [
    ("Курьер опоздал на два часа, вы мне позвоните", "ru"),  # ы and и: neither Ukrainian nor Belarusian
    ("Где мой заказ? Объясните, пожалуйста", "ru"),
    ("Where is my refund for the cancelled order?", "en"),
]
LEFT_TO_LINGUA = [
    "Курьер опоздал на два часа и не позвонил",  # no ы/э/ъ/ё: could be Ukrainian by its letters
    "Замовлення не доставили вчасно, де мої гроші?",
    "The courier Иван was two hours late",  # two scripts, mostly Latin
    "Ich habe meine Bestellung nicht erhalten, schöne Grüße",  # a letter outside both alphabets
]


def test_texts_whose_alphabet_settles_the_language_skip_lingua_and_get_its_answer():
    counting = _Counting()
    answers = counting.detect_many([text for text, _ in SETTLED_BY_ALPHABET] + LEFT_TO_LINGUA)
    assert answers[: len(SETTLED_BY_ALPHABET)] == [language for _, language in SETTLED_BY_ALPHABET]
    assert counting.scored == LEFT_TO_LINGUA
    plain = LanguageDetector()
    plain._alphabet_rules = False  # lingua decides every text
    assert plain.detect_many([text for text, _ in SETTLED_BY_ALPHABET]) == answers[: len(SETTLED_BY_ALPHABET)]


def test_alphabet_rules_are_off_when_other_languages_are_configured():
    counting = _Counting(languages=("ru", "en", "de"))
    assert counting.detect("Where is my refund for the cancelled order?") == "en"
    assert counting.scored == ["Where is my refund for the cancelled order?"]


def test_latin_names_in_a_cyrillic_text_are_not_shown_to_lingua():
    counting = _Counting()
    assert counting.detect("Не работает push notifications в приложении") == "ru"
    assert [text.split() for text in counting.scored] == [["Не", "работает", "в", "приложении"]]


@pytest.mark.parametrize(
    ("languages", "text"),
    [(("en",), "Привет"), (("ru",), "ok"), (("ru",), "Where is my refund for the cancelled order?"),
     (("en", "de"), "Спасибо")],
)
def test_only_configured_languages_are_answered(languages, text):
    assert LanguageDetector(languages=languages).detect(text) == "other"


def test_others_can_be_switched_off():
    assert LanguageDetector(others=()).detect("Der Kurier war zwei Stunden zu spät") == "en"
    assert LanguageDetector(languages=("ru", "en", "de")).others == (
        "fr", "es", "it", "pt", "pl", "tr", "az", "nl", "kk", "be", "uk")  # the default Cyrillic ones left out


def test_a_default_language_left_out_of_the_configuration_is_other():
    ukrainian = "Доброго дня, де моє замовлення? Кур'єр так і не приїхав"
    assert LanguageDetector(("ru", "en", "uk")).detect(ukrainian) == "uk"
    limited = LanguageDetector(("ru", "en"))
    assert limited.detect_many([ukrainian, "Дякую, їду", "Курьер опоздал на два часа, заказ холодный"]) == [
        "other", "other", "ru"]


def test_unknown_language_codes_are_refused():
    with pytest.raises(ValueError, match=r"\['xx'\]: give ISO 639-1 codes"):
        LanguageDetector(("ru", "xx"))
    with pytest.raises(ValueError, match="none"):
        LanguageDetector(())


@pytest.mark.parametrize("hint, answer", [("ru", "ru"), ("RU", "ru"), ("ru-RU", "ru"), ("en_GB", "en"),
                                          ("de", "other"), ("uk", "other")])
def test_a_hint_is_answered_among_the_configured_languages(hint, answer):
    assert LanguageDetector(("ru", "en")).from_hint(hint) == answer
