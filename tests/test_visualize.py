"""kit.visualize, kit.widgets and kit.lessons with a tiny deterministic fake encoder (no model download, seconds)."""

from __future__ import annotations

import json
import re
import warnings

import numpy as np
import pytest

from kit import lessons, visualize
from kit.errors import KitError

WORDS = ["cat", "dog", "house", "music", "water", "tree", "book", "city"]
TRANSLATIONS = {
    "de": ["Katze", "Hund", "Haus", "Musik", "Wasser", "Baum", "Buch", "Stadt"],
    "es": ["gato", "perro", "casa", "música", "agua", "árbol", "libro", "ciudad"],
}
_CONCEPT = {w: i for i, w in enumerate(WORDS)}
for _lang, _words in TRANSLATIONS.items():
    _CONCEPT.update({w: i for i, w in enumerate(_words)})
_RNG = np.random.default_rng(0)
_CENTRES = _RNG.normal(size=(len(WORDS), 16))
_NOISE = {w: _RNG.normal(size=16) for w in _CONCEPT}


def aligned(texts):
    """Translations share a concept vector (plus a little noise): an aligned multilingual space."""
    return np.stack([_CENTRES[_CONCEPT[t]] + 0.1 * _NOISE[t] for t in texts])


def unaligned(texts):
    """Every text gets its own random vector: translations are no closer than random pairs."""
    return np.stack([_NOISE[t] for t in texts])


def pool():
    return {"en": WORDS, **TRANSLATIONS}


def test_alignment_metrics_separate_aligned_from_unaligned():
    good = visualize.alignment_metrics(aligned, WORDS, TRANSLATIONS)
    bad = visualize.alignment_metrics(unaligned, WORDS, TRANSLATIONS)
    assert good["retrieval_accuracy"] == 1.0 and good["translation_cosine"] > 0.9
    assert good["gap"] > bad["gap"] + 0.5
    assert set(good["per_language"]) == {"de", "es"} and good["pairs"] == 16
    single = visualize.alignment_metrics(aligned, WORDS, TRANSLATIONS["de"])
    assert single["pairs"] == 8 and "per_language" not in single


def test_alignment_metrics_retrieval_matches_sentence_transformers_evaluator():
    from kit.evaluation.embeddings import PrecomputedModel
    from kit.evaluation.translation import parallel_metrics

    texts = WORDS + TRANSLATIONS["de"]
    model = PrecomputedModel("fake", texts, unaligned(texts).astype(np.float32))
    reference = parallel_metrics(model, WORDS, TRANSLATIONS["de"], "x")
    ours = visualize.alignment_metrics(unaligned, WORDS, TRANSLATIONS["de"])
    assert ours["retrieval_accuracy"] * 100 == pytest.approx(reference["accuracy"])


def test_alignment_metrics_rejects_unpaired_input():
    with pytest.raises(KitError, match="translations"):
        visualize.alignment_metrics(aligned, WORDS, WORDS[:3])


def test_alignment_figure_has_both_panels_for_each_model():
    before = visualize.alignment_metrics(unaligned, WORDS, TRANSLATIONS)
    after = visualize.alignment_metrics(aligned, WORDS, TRANSLATIONS)
    fig = visualize.alignment_figure({"before": before, "after": after})
    assert [t.name for t in fig.data] == ["before", "before", "after", "after"]
    assert list(fig.data[1].x) == ["de", "es", "mean"]


@pytest.fixture(scope="module")
def space():
    return visualize.map_space(aligned, pool(), label="aligned", n_neighbors=5)


def test_map_space_and_figures_link_translations_and_show_sentences(space):
    assert space.coords.shape == (24, 2) and space.groups[:3] == [0, 1, 2]
    fig = visualize.space_figure(space)
    links, *points = fig.data
    assert links.mode == "lines" and sum(v is None for v in links.x) == 16  # 8 concepts x 2 translations
    assert [t.name for t in points] == ["en", "de", "es"]
    assert "Katze" in " ".join(points[1].hovertext)
    both = visualize.compare_spaces_figure({"before": space, "after": space})
    assert len(both.data) == 8 and sum(bool(t.showlegend) for t in both.data) == 4


def test_training_curves_from_history_rows_and_results_file(tmp_path):
    rows = [
        {"step": 5, "loss": 0.02},
        {"step": 10, "loss": 0.01},
        {"step": 10, "eval_dev_negative_mse": -0.4, "eval_dev_mean_accuracy": 0.5},
        {"step": 20, "eval_dev_negative_mse": -0.3, "eval_dev_mean_accuracy": 0.7},
    ]
    (tmp_path / "results.json").write_text(json.dumps({"history": rows}))
    fig = visualize.training_curves(tmp_path)
    assert [t.name for t in fig.data] == ["train loss", "dev MSE ×100", "dev mean accuracy"]
    assert list(fig.data[1].y) == [0.4, 0.3]  # negative MSE is shown as MSE
    live = visualize.LiveCurves()
    live.on_log(None, type("S", (), {"global_step": 3})(), None, logs={"loss": 1.0, "note": "x"})
    assert live.rows == [{"step": 3, "loss": 1.0}]


def test_save_figure_writes_html_always_and_falls_back_from_png(tmp_path, monkeypatch):
    fig = visualize.training_curves([{"step": 1, "loss": 1.0}])
    html = visualize.save_figure(fig, tmp_path / "curves.html")
    text = html.read_text()
    assert "Plotly.newPlot" in text and not re.search(r'<script[^>]*src="https?://', text)

    def broken(*args, **kwargs):
        raise RuntimeError("no Chrome here")

    monkeypatch.setattr(type(fig), "write_image", broken)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        written = visualize.save_figure(fig, tmp_path / "curves.png")
    assert written.suffix == ".html" and written.exists()
    assert any("Chrome" in str(w.message) for w in caught)


def test_save_figure_png_when_a_chrome_is_available(tmp_path):
    if not visualize.static_export_available():
        pytest.skip("no Chrome/Chromium for kaleido (install the Debian package `chromium`)")
    out = visualize.save_figure(visualize.training_curves([{"step": 1, "loss": 1.0}]), tmp_path / "c.png")
    assert out.suffix == ".png" and out.read_bytes()[:4] == b"\x89PNG"


def test_offline_renderer_embeds_no_cdn():
    import plotly.io as pio

    previous = pio.renderers.default
    try:
        assert visualize.use_offline_renderer() == "plotly_mimetype+kit_offline"
        bundle = pio.renderers["kit_offline"].to_mimebundle(visualize.training_curves([]).to_dict())
        assert "https://" not in bundle["text/html"]
    finally:
        pio.renderers.default = previous


def test_explorer_builds_without_a_frontend_and_finds_translations(space):
    from kit.widgets import NeighbourExplorer

    explorer = NeighbourExplorer(aligned, space, k=3, examples=["Katze"])
    neighbours = explorer.update("Hund")
    assert {n.text for n in neighbours} == {"dog", "Hund", "perro"}
    assert explorer.query.value == "Hund" and explorer.point.shape == (2,)
    assert "perro" in explorer.table.value and "your sentence" in [t.name for t in explorer.figure.data]
    explorer.k.value = 5  # the slider recomputes
    assert len(explorer.neighbours) == 5
    explorer.examples.value = "Katze"  # picking an example fills the text box and recomputes
    assert explorer.query.value == "Katze" and explorer.neighbours[0].text == "Katze"


def test_lessons_write_tsv_round_trips_through_load_tsv(tmp_path):
    from kit.parallel import load_tsv

    path = lessons.write_tsv(
        {"english": ["Hi.", "A\ttab"], "non_english": ["Olá.", "uma\nlinha"]}, tmp_path / "p.tsv"
    )
    ds = load_tsv(path, "pt")
    assert ds["non_english"] == ["Olá.", "uma linha"] and ds["english"][1] == "A tab"


def test_lessons_record_metrics_is_plain_json(tmp_path):
    out = lessons.record_metrics(tmp_path / "m.json", {"x": np.float32(0.5), "rows": np.arange(2)})
    assert out == {"x": 0.5, "rows": [0, 1]} == json.loads((tmp_path / "m.json").read_text())
