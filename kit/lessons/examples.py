"""The paper the lessons teach and the example sentences the notebooks show."""

from __future__ import annotations

#: Reimers & Gurevych (2020), the method the notebooks teach.
PAPER_URL = "https://arxiv.org/abs/2004.09813"

#: Five English sentences with an English paraphrase and translations (notebooks 2 and 3; the French, Dutch and
#: Turkish ones are for notebook 2's first exercise).
EXAMPLES: dict[str, list[str]] = {
    "english": [
        "The cat sleeps on the sofa.",
        "I need to buy milk.",
        "It is raining again.",
        "Where is the train station?",
        "She plays the violin very well.",
    ],
    "paraphrases": [
        "A cat is asleep on the couch.",
        "I have to get some milk.",
        "It's raining once more.",
        "How do I get to the railway station?",
        "She is an excellent violinist.",
    ],
    "german": [
        "Die Katze schläft auf dem Sofa.",
        "Ich muss Milch kaufen.",
        "Es regnet schon wieder.",
        "Wo ist der Bahnhof?",
        "Sie spielt sehr gut Geige.",
    ],
    "french": [
        "Le chat dort sur le canapé.",
        "Je dois acheter du lait.",
        "Il pleut encore.",
        "Où est la gare ?",
        "Elle joue très bien du violon.",
    ],
    "dutch": [
        "De kat slaapt op de bank.",
        "Ik moet melk kopen.",
        "Het regent weer.",
        "Waar is het station?",
        "Ze speelt heel goed viool.",
    ],
    "turkish": [
        "Kedi kanepede uyuyor.",
        "Süt almam gerekiyor.",
        "Yine yağmur yağıyor.",
        "Tren istasyonu nerede?",
        "Çok iyi keman çalıyor.",
    ],
}

#: Languages of the notebooks' FAST runs (the ``notebook-fast`` preset's): Latin-script languages that an English
#: word-piece vocabulary can spell.
FAST_LANGUAGES: tuple[str, ...] = ("de", "es", "fr")
