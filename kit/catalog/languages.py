"""Language codes: one table of the kit's languages and their spellings in ISO 639-1/639-3, FLORES and Tatoeba.

>>> normalize_language("DEU"), to_iso3("zh"), flores_code("ar")
('de', 'cmn', 'arb_Arab')
"""

from __future__ import annotations

from kit.errors import UnknownLanguageError

__all__ = [
    "LANGUAGES",
    "flores_code",
    "language_name",
    "laser_code",
    "normalize_language",
    "tatoeba_challenge_code",
    "to_iso1",
    "to_iso3",
]

#: ISO 639-1 code → (ISO 639-3, English name, FLORES-200 code, Tatoeba Challenge code, LASER Tatoeba code).
LANGUAGES: dict[str, tuple[str, str, str, str, str]] = {
    "en": ("eng", "English", "eng_Latn", "eng", "eng"),
    "de": ("deu", "German", "deu_Latn", "deu", "deu"),
    "es": ("spa", "Spanish", "spa_Latn", "spa", "spa"),
    "fr": ("fra", "French", "fra_Latn", "fra", "fra"),
    "it": ("ita", "Italian", "ita_Latn", "ita", "ita"),
    "nl": ("nld", "Dutch", "nld_Latn", "nld", "nld"),
    "ar": ("ara", "Arabic", "arb_Arab", "ara", "ara"),
    "tr": ("tur", "Turkish", "tur_Latn", "tur", "tur"),
    "pt": ("por", "Portuguese", "por_Latn", "por", "por"),
    "pl": ("pol", "Polish", "pol_Latn", "pol", "pol"),
    "ru": ("rus", "Russian", "rus_Cyrl", "rus", "rus"),
    "uk": ("ukr", "Ukrainian", "ukr_Cyrl", "ukr", "ukr"),
    "ja": ("jpn", "Japanese", "jpn_Jpan", "jpn", "jpn"),
    "zh": ("cmn", "Chinese (Mandarin)", "cmn_Hans", "cmn_Hans", "cmn"),
}

# Every spelling a user or a file name may use for one of the languages above → its ISO 639-1 code.
_ALIASES: dict[str, str] = {}
for _iso1, _codes in LANGUAGES.items():
    for _alias in (_iso1, _codes[0], _codes[2], _codes[3], _codes[4]):
        _ALIASES[_alias.lower()] = _iso1
_ALIASES.update({"zho": "zh", "zho_hans": "zh", "arb": "ar", "ara_arab": "ar"})


def _unknown_language(code: object, argument: str) -> UnknownLanguageError:
    known = ", ".join(sorted(LANGUAGES))
    return UnknownLanguageError(
        f"unknown language code {code!r} for argument {argument!r}: known ISO 639-1 codes are {known} "
        f"(their ISO 639-3 forms such as 'deu' and FLORES codes such as 'deu_Latn' work as well)"
    )


def normalize_language(code: str, *, argument: str = "language") -> str:
    """The ISO 639-1 code of ``code`` (an ISO 639-1/639-3, FLORES or Tatoeba spelling, any case).

    >>> normalize_language("DEU"), normalize_language("arb_Arab"), normalize_language("cmn_Hans")
    ('de', 'ar', 'zh')
    """
    if not isinstance(code, str):
        raise _unknown_language(code, argument)
    iso1 = _ALIASES.get(code.strip().lower())
    if iso1 is None:
        raise _unknown_language(code, argument)
    return iso1


def to_iso1(code: str, *, argument: str = "code") -> str:
    """ISO 639-1 code (``"deu"`` → ``"de"``); see :func:`normalize_language`.

    >>> to_iso1("tur")
    'tr'
    """
    return normalize_language(code, argument=argument)


def to_iso3(code: str, *, argument: str = "code") -> str:
    """ISO 639-3 code used in most file names (``"de"`` → ``"deu"``, ``"ar"`` → ``"ara"``, ``"zh"`` → ``"cmn"``).

    >>> to_iso3("de"), to_iso3("zh")
    ('deu', 'cmn')
    """
    return LANGUAGES[normalize_language(code, argument=argument)][0]


def language_name(code: str, *, argument: str = "code") -> str:
    """English name of a language.

    >>> language_name("nl")
    'Dutch'
    """
    return LANGUAGES[normalize_language(code, argument=argument)][1]


def flores_code(code: str, *, argument: str = "code") -> str:
    """FLORES-200 file code (``"de"`` → ``"deu_Latn"``, ``"ar"`` → ``"arb_Arab"``).

    >>> flores_code("ar")
    'arb_Arab'
    """
    return LANGUAGES[normalize_language(code, argument=argument)][2]


def tatoeba_challenge_code(code: str, *, argument: str = "code") -> str:
    """Tatoeba Challenge file code (``"de"`` → ``"deu"``, ``"zh"`` → ``"cmn_Hans"``).

    >>> tatoeba_challenge_code("zh")
    'cmn_Hans'
    """
    return LANGUAGES[normalize_language(code, argument=argument)][3]


def laser_code(code: str, *, argument: str = "code") -> str:
    """LASER Tatoeba file code: ``"de"`` → ``"deu"``, ``"zh"`` → ``"cmn"``; any of its 112 ISO 639-3 codes passes.

    >>> laser_code("zh"), laser_code("afr")
    ('cmn', 'afr')
    """
    from kit.catalog.datasets import laser_languages

    if isinstance(code, str) and code.strip().lower() in laser_languages():
        return code.strip().lower()
    return LANGUAGES[normalize_language(code, argument=argument)][4]
