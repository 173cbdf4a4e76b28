"""Language colours: one colour per language code, the same in every figure of the kit."""

from __future__ import annotations

__all__ = ["LANGUAGE_COLOURS", "language_colour"]

#: One colour per language (plotly's qualitative palette); unknown codes get the next free colour.
LANGUAGE_COLOURS: dict[str, str] = {
    "en": "#111111",
    "de": "#636EFA",
    "es": "#EF553B",
    "fr": "#00CC96",
    "it": "#AB63FA",
    "nl": "#FFA15A",
    "ar": "#19D3F3",
    "tr": "#FF6692",
    "pt": "#B6E880",
    "pl": "#FF97FF",
    "ru": "#FECB52",
    "uk": "#1F77B4",
    "ja": "#8C564B",
    "zh": "#BCBD22",
}
_SPARE_COLOURS = ("#17BECF", "#7F7F7F", "#E377C2", "#2CA02C", "#D62728", "#9467BD")


def language_colour(language: str) -> str:
    """The colour of a language code in every figure of the kit.

    >>> language_colour("de")
    '#636EFA'
    """
    if language not in LANGUAGE_COLOURS:
        spare = [c for c in _SPARE_COLOURS if c not in LANGUAGE_COLOURS.values()]
        LANGUAGE_COLOURS[language] = spare[0] if spare else "#7F7F7F"
    return LANGUAGE_COLOURS[language]
