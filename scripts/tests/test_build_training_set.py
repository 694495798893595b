"""Pin the training-set builder: label mapping, templates, deduplication and no leakage."""

import random
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

import build_training_set as b  # noqa: E402

TEMPLATES = b.Templates.load(ROOT / "models/standpoint-nli-minilm/templates.toml")
DATA = ROOT.parent / "shared/data"


def test_stance_label_mapping():
    assert b.stance_label("favor", "supports") == "entailment"
    assert b.stance_label("favor", "opposes") == "contradiction"
    assert b.stance_label("against", "supports") == "contradiction"
    assert b.stance_label("against", "opposes") == "entailment"
    assert b.stance_label("none", "supports") == "neutral"
    assert b.stance_label("none", "opposes") == "neutral"
    with pytest.raises(ValueError):
        b.stance_label("pro", "supports")


def test_sentiment_label_mapping():
    assert b.sentiment_label("positive", "positive") == "entailment"
    assert b.sentiment_label("positive", "negative") == "contradiction"
    assert b.sentiment_label("negative", "negative") == "entailment"
    assert b.sentiment_label("neutral", "positive") == "neutral"


def test_templates_are_the_shared_file():
    assert TEMPLATES.supports == "{actor} supports {topic}."
    assert all("{actor}" in f and "{text}" in f for f in TEMPLATES.speech_forms)


def test_actor_pairs_name_the_speaker_and_wrong_actor_is_neutral():
    maker = b.PairMaker(TEMPLATES, random.Random(0), wrong_actor_rate=1.0)
    pairs = maker.stance("We must stop the pipeline now.", "the pipeline", "against", "vast", "train")
    author, actor, wrong = pairs
    assert author.task == "stance-author" and author.hypothesis.startswith("The author ")
    speaker = actor.hypothesis.split(" supports ")[0].split(" opposes ")[0]
    assert speaker.lower() in actor.premise.lower()
    assert actor.label == b.stance_label("against", actor.polarity)
    assert wrong.label == "neutral" and speaker not in wrong.hypothesis
    assert wrong.premise == actor.premise


def test_both_phrasings_are_used():
    maker = b.PairMaker(TEMPLATES, random.Random(1))
    hyps = [p.hypothesis for _ in range(50) for p in maker.stance("Text.", "x", "favor", "s", "train", actor_forms=False)]
    assert any("supports" in h for h in hyps) and any("opposes" in h for h in hyps)


def test_dedupe_and_dev_text_never_in_train():
    p = lambda premise, hyp, split: b.Pair(premise, hyp, "neutral", "s", split, "nli", "neutral", b.text_key(premise))
    pairs = [p("Same text.", "H.", "dev"), p("same  TEXT", "H.", "train"), p("Same text.", "Other.", "train"),
             p("Unique.", "H.", "train"), p("Unique.", "H.", "train")]
    train, dev, stats = b.split_and_dedupe(pairs)
    assert [x.premise for x in dev] == ["Same text."]
    assert [x.premise for x in train] == ["Unique."]
    assert stats["duplicate"] == 2 and stats["train-dropped-dev-text"] == 1


def test_fnc1_body_reduction_keeps_headline_sentences():
    body = "Cats are nice. The minister resigned on Friday after the scandal. Dogs bark loudly at night. Rain fell."
    reduced = b.reduce_body("Minister resigned after scandal", body, keep=1)
    assert reduced == "The minister resigned on Friday after the scandal."


def test_fnc1_dev_bodies_are_seeded_and_about_ten_percent():
    ids = [str(i) for i in range(1000)]
    assert b.fnc1_dev_bodies(ids, 13) == b.fnc1_dev_bodies(ids, 13)
    assert len(b.fnc1_dev_bodies(ids, 13)) == 100


@pytest.mark.skipif(not (DATA / "MANIFEST.md").exists(), reason="../shared/data not present")
def test_full_build_has_no_leakage_and_no_nc_sources():
    train, dev, _ = b.build(DATA, TEMPLATES, seed=13)
    dev_texts = {b.normalise_text(x.premise) for x in dev} | {x.text_id for x in dev}
    assert not [x for x in train if b.normalise_text(x.premise) in dev_texts or x.text_id in dev_texts]
    sources = {x.source for x in train + dev}
    assert "sick" not in sources and "financial-phrasebank" not in sources
    assert {"vast", "semeval2016", "fnc1", "newsmtsc", "snli", "rte", "sst2", "sentihood"} <= sources
    assert all(x.label in b.LABELS for x in train + dev)
    keys = [(b.normalise_text(x.premise), b.normalise_text(x.hypothesis)) for x in train + dev]
    assert len(keys) == len(set(keys))


def hypothesis_actor(pair):
    return pair.hypothesis.split(" supports ")[0].split(" opposes ")[0]


def test_news_reports_label_whose_stance_it_is():
    topics = ["the pipeline", "tougher sanctions against Syria", "a ban on handguns"]
    pairs = b.news_reports(topics, TEMPLATES, random.Random(3), count=400)
    assert {p.source for p in pairs} == {"news-reports"} and {p.split for p in pairs} == {"train"}
    by_task = {}
    for p in pairs:
        by_task.setdefault(p.task, []).append(p)
        # Every label follows from the stance recorded for the actor the hypothesis names.
        assert p.label == b.stance_label(p.gold, p.polarity)
        assert p.premise[:1].isupper() and p.premise.endswith(".")
    # The reported actor is asked both ways, and is the premise's subject.
    main = by_task["stance-report"]
    assert {p.polarity for p in main} == {"supports", "opposes"}
    assert all(p.premise.lower().startswith(hypothesis_actor(p).lower()) for p in main)
    # A second actor named in a clause holds its own stance; a bystander holds none.
    assert all(hypothesis_actor(p).lower() in p.premise.lower() for p in by_task["stance-report-other"])
    wrong = by_task["stance-wrong-actor"]
    assert wrong and all(p.label == "neutral" and hypothesis_actor(p).lower() not in p.premise.lower() for p in wrong)
    # Conflict words in a topic or clause do not decide the label: such topics get every label.
    against_topic = {p.label for p in main if "against" in p.hypothesis}
    assert against_topic == {"entailment", "neutral", "contradiction"}


def test_stage2_mix_keeps_every_report_and_replays_twice_as_many():
    reports = b.news_reports(["the pipeline"], TEMPLATES, random.Random(4), count=50)
    train = [b.Pair(f"p{i}", "h", "neutral", "snli", "train", "nli", "neutral", str(i)) for i in range(1000)]
    mix = b.stage2_mix(reports, train, random.Random(5))
    assert len(mix) == 3 * len(reports)
    assert sum(p.source == "news-reports" for p in mix) == len(reports)


def test_contrast_reports_ask_about_the_second_topic_with_its_own_stance():
    pairs = b.news_reports(["the pipeline", "the tax"], TEMPLATES, random.Random(6), count=300, contrast_rate=1.0)
    contrast = [p for p in pairs if p.task == "stance-report-contrast"]
    assert contrast
    for p in contrast:
        main = [q for q in pairs if q.premise == p.premise and q.task == "stance-report"]
        # The same actor, another stance than on the first topic, labelled by its own stance.
        assert main and all(q.gold != p.gold for q in main)
        assert hypothesis_actor(p) == hypothesis_actor(main[0])
        assert p.label == b.stance_label(p.gold, p.polarity)


def test_compound_reports_oppose_the_target_of_a_measure_and_keep_stacked_stances_apart():
    topics = ["the pipeline", "the tax", "school vouchers"]
    pairs = b.compound_reports(topics, TEMPLATES, random.Random(7), count=400)
    by_premise = {}
    for p in pairs:
        assert p.label == b.stance_label(p.gold, p.polarity)
        by_premise.setdefault(p.premise, []).append(p)
    for group in by_premise.values():
        tasks = {p.task: p.gold for p in group}
        # Pushing for a measure opposes its target; opposing the measure says nothing sure.
        if "measure" in tasks:
            assert tasks["measure-target"] == ("against" if tasks["measure"] == "favor" else "none")
        # In a stacked report the actor's stance follows "but", and the other actor's objection
        # or support is the opposite one.
        if "stacked-other" in tasks:
            assert tasks["stacked-other"] != tasks["stacked"] and tasks["stacked"] in ("favor", "against")
        if "stacked-other-conceded" in tasks:
            assert tasks["stacked-other-conceded"] == "none"
    assert {p.task for p in pairs} >= {"measure", "measure-target", "measure-other", "stacked", "stacked-other",
                                       "stacked-other-conceded"}


def test_compound_dev_holds_out_frames_and_names():
    topics = ["the pipeline", "the tax", "school vouchers"]
    train = b.compound_reports(topics, TEMPLATES, random.Random(8), count=600)
    dev = b.compound_reports(topics, TEMPLATES, random.Random(9), count=300, split="dev")
    assert {p.split for p in dev} == {"dev"}
    assert not {p.premise for p in train} & {p.premise for p in dev}
    # The longest fixed wording of each held-out concession never reaches training.
    held = [max(re.split(r"\{\w+\}", c), key=len).strip() for c in b.held_out(b.CONCESSIONS, "dev")]
    for p in train:
        assert not any(name in p.premise for name in b.DEV_ACTOR_NAMES)
        assert not any(words in p.premise for words in held)
    assert any(words in p.premise for p in dev for words in held)
