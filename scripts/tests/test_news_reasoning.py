"""Pin the stage-4 data: the shapes of real news sentences, the reasoning templates' labels, the
newer sets' label mapping, and no dev text (nor any actor-stance dev article) in training."""

import json
import random
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

import news_reasoning as n  # noqa: E402

DATA = ROOT.parent / "shared/data"
ARTICLES = ROOT.parent / "shared/articles"
needs_shared = pytest.mark.skipif(not DATA.is_dir(), reason="../shared/data is not here")


def test_reported_speech_and_denials_have_a_source_and_a_claim():
    shapes = n.sentence_shapes("The Pentagon said Thursday that the strikes killed three senior militants.")
    assert shapes == [("asserts", "Pentagon", "the strikes killed three senior militants")]
    shapes = n.sentence_shapes("The airstrike killed three senior militants in Mosul, Iraqi officials said.")
    assert shapes == [("asserts", "Iraqi officials", "the airstrike killed three senior militants in Mosul")]
    shapes = n.sentence_shapes("Pentagon spokesman Rear Adm. John Kirby denied reports that the detainees had left Qatar.")
    assert shapes == [("denies", "John Kirby", "the detainees had left Qatar")]
    shapes = n.sentence_shapes("The Interior Ministry declined to comment on the report.")
    assert ("no-comment", "Interior Ministry", "") in shapes


def test_first_person_speech_and_pronoun_sources_make_no_claim():
    assert n.sentence_shapes('"I am embarrassed to say I can not pronounce it," Vest said.') == []
    assert n.source_name("He") is None
    assert n.tidy_claim("in 2006, after his absence") is None
    assert n.tidy_claim("The apartment was exceptionally clean and tidy") == "the apartment was exceptionally clean and tidy"


def test_positions_from_verbs():
    found = n.sentence_shapes("Human Rights Watch condemned the new curfew imposed by the army.")
    assert ("opposes", "Human Rights Watch", "the new curfew imposed by the army") in found
    found = n.sentence_shapes("Senator Kelly Ayotte welcomed the federal aid package.")
    assert ("supports", "Kelly Ayotte", "the federal aid package") in found


def test_reasoning_templates_label_complementary_topics_actions_and_two_actors():
    pairs = n.reasoning_templates(["the Paris agreement", "tougher sanctions against Iran"], random.Random(3), 400, "train")
    for pair in pairs:
        stance = pair["gold"]
        assert pair["label"] == n.STANCE_LABEL[(stance, pair["polarity"])]
    by_frame = {}
    for pair in pairs:
        by_frame.setdefault(pair["task"], []).append(pair)
    assert {"reasoning-action", "reasoning-two-actors", "reasoning-measure"} <= set(by_frame)
    end = [p for p in pairs if p["premise"].startswith(tuple(n.TEMPLATE_ACTORS)) and " called for an end to " in p["premise"]]
    assert all(p["gold"] == "against" for p in end)
    both = [p for p in pairs if " both backed " in p["premise"]]
    assert both and all(p["gold"] == "favor" for p in both)


def test_reasoning_dev_holds_out_frames_and_names():
    train = n.reasoning_templates(["the plan"], random.Random(1), 300, "train")
    dev = n.reasoning_templates(["the plan"], random.Random(1), 300, "dev")
    def frame(premise):
        return premise.replace("the plan", "{topic}")
    train_actors = {a for a in n.TEMPLATE_ACTORS}
    assert not any(a in p["premise"] for p in dev for a in train_actors if a not in n.HELD_OUT_ACTORS and len(a) > 6)
    assert not ({frame(p["premise"]) for p in train} & {frame(p["premise"]) for p in dev})


@needs_shared
def test_new_sets_map_their_labels():
    rng = random.Random(0)
    perspectrum = list(n.read_perspectrum(DATA, rng))
    assert {p["gold"] for p in perspectrum} == {"favor", "against"}
    assert all(p["label"] == n.STANCE_LABEL[(p["gold"], p["polarity"])] for p in perspectrum[:500])
    assert {p["split"] for p in perspectrum} == {"train", "dev"}
    gwsd = list(n.read_gwsd(DATA, rng, 13))
    assert {p["gold"] for p in gwsd} == {"favor", "against", "none"}
    ibm = list(n.read_ibm(DATA, rng))
    assert {p["split"] for p in ibm} == {"train", "dev"} and {p["gold"] for p in ibm} == {"favor", "against"}
    pstance = list(n.read_pstance(DATA, rng, limit=100))
    assert sum(p["split"] == "train" for p in pstance) == 100
    mnli = list(n.read_mnli(DATA, 13))
    assert {p["label"] for p in mnli} == {"entailment", "neutral", "contradiction"}
    assert 0.02 < sum(p["split"] == "dev" for p in mnli) / len(mnli) < 0.08


@needs_shared
def test_real_reports_never_use_an_actor_stance_dev_article_and_split_by_body():
    excluded = n.dev_body_ids(ARTICLES)
    assert len(excluded) == 48
    pairs = n.real_reports(DATA, ARTICLES, random.Random(0))
    bodies = {p["text_id"].rsplit("-", 1)[-1] for p in pairs}
    assert not bodies & excluded
    split_of = {}
    for p in pairs:
        assert split_of.setdefault(p["text_id"], p["split"]) == p["split"], "a body is in one split"
    assert {p["split"] for p in pairs} == {"train", "dev"}


@needs_shared
def test_stage4_mix_has_no_dev_text_and_no_dev_article():
    import build_training_set as b
    mix = [json.loads(line) for line in (ROOT / "work/data/stage4.jsonl").open()] if (ROOT / "work/data/stage4.jsonl").exists() else None
    if mix is None:
        pytest.skip("work/data/stage4.jsonl not built (scripts/build-training-set)")
    dev = [json.loads(line) for line in (ROOT / "work/data/stage4-dev.jsonl").open()]
    dev_keys = {b.text_key(p["premise"]) for p in dev}
    assert not any(b.text_key(p["premise"]) in dev_keys for p in mix)
    excluded = {"fnc1-body-" + i for i in n.dev_body_ids(ARTICLES)}
    assert not any(p["text_id"] in excluded for p in mix)


def test_valence_templates_label_stance_against_the_tone_of_the_words():
    pairs = n.valence_templates(random.Random(5), 600, "train")
    for pair in pairs:
        assert pair["label"] == n.STANCE_LABEL[(pair["gold"], pair["polarity"])]
    fired = [p for p in pairs if p["premise"].endswith(" wants to fire Brian Williams.")]
    harsh_favor = [p for p in pairs if " vowed to " in p["premise"] and any(a[1].split()[0] in p["hypothesis"] for a in n.HARSH_ACTS)]
    assert all(p["gold"] == "favor" for p in fired + harsh_favor) and harsh_favor
    refused = [p for p in pairs if " refused to free " in p["premise"]]
    assert all(p["gold"] == "against" for p in refused)
    condemned = [p for p in pairs if " condemned " in p["premise"] and "'s decision to " in p["premise"]]
    assert condemned
    for p in condemned:
        doer = p["premise"].split(" condemned ")[1].split("'s decision")[0]
        assert p["gold"] == ("favor" if p["hypothesis"].lower().startswith(doer.lower()) else "against")


def assert_dev_holds_out_topics_and_names(make):
    """No topic of a template family's train split is asked in its dev split, and dev names only
    held-out actors."""
    train = make(random.Random(2), 800, "train")
    dev = make(random.Random(2), 800, "dev")
    topics = lambda pairs: {p["hypothesis"].split(" supports ")[-1].split(" opposes ")[-1] for p in pairs}  # noqa: E731
    assert not topics(train) & topics(dev)
    assert not any(a in p["premise"] for p in dev for a in n.TEMPLATE_ACTORS if a not in n.HELD_OUT_ACTORS and len(a) > 6)


def test_valence_dev_holds_out_acts_frames_and_names():
    assert_dev_holds_out_topics_and_names(n.valence_templates)


def test_claim_templates_label_assertions_denials_and_no_comment():
    pairs = n.claim_templates(random.Random(6), 800, "train")
    for pair in pairs:
        assert pair["label"] == n.STANCE_LABEL[(pair["gold"], pair["polarity"])]
    def with_frame(words):
        return [p for p in pairs if words in p["premise"]]
    assert with_frame(" denied reports that ") and all(p["gold"] == "against" for p in with_frame(" denied reports that "))
    assert all(p["gold"] == "none" for p in with_frame(" refused to confirm or deny that "))
    assert all(p["gold"] == "favor" for p in with_frame(" confirmed that "))
    themselves = [p for p in pairs if p["task"] == "claims" and " against " in p["hypothesis"]
                  and p["hypothesis"].split(" supports ")[0].split(" opposes ")[0].lower() in p["hypothesis"].split(" against ")[-1].lower()]
    assert themselves and all(p["gold"] in ("against", "none") for p in themselves)


def test_claims_dev_holds_out_claims_frames_and_names():
    train = n.claim_templates(random.Random(2), 800, "train")
    dev = n.claim_templates(random.Random(2), 800, "dev")
    claim_topics = lambda pairs: {p["hypothesis"].split(" supports ")[-1].split(" opposes ")[-1] for p in pairs if "that" in p["hypothesis"]}  # noqa: E731
    assert not claim_topics(train) & claim_topics(dev)
    assert not any(a in p["premise"] for p in dev for a in n.TEMPLATE_ACTORS if a not in n.HELD_OUT_ACTORS and len(a) > 6)


def test_deed_templates_label_acts_done_accusations_and_dangers():
    every = n.deed_templates(random.Random(8), 1200, "train")
    for pair in every:
        assert pair["label"] == n.STANCE_LABEL[(pair["gold"], pair["polarity"])]
    # The doer of a hostile act is against its target, not for it.
    on_target = [p for p in every if p["task"] == "deeds-target"]
    assert on_target and all(p["gold"] == "against" for p in on_target if "the militants" in p["hypothesis"])
    assert all(p["gold"] == "favor" for p in on_target if "the steel plant" in p["hypothesis"])
    pairs = [p for p in every if p["task"] != "deeds-target"]
    def with_frame(words):
        return [p for p in pairs if words in p["premise"]]
    for words, stance in ((" on Sunday.", "favor"), (" accused ", "favor"), (" warned that ", "favor"),
                          (" pulled out of ", "against"), (" found no evidence of ", "against"), (" was asked about ", "none")):
        assert with_frame(words) and all(p["gold"] == stance for p in with_frame(words)), words
    condemned = with_frame(" condemned ")
    assert condemned
    for p in condemned:
        critic = p["premise"].split(" condemned ")[0]
        assert p["gold"] == ("against" if p["hypothesis"].lower().startswith(critic.lower()) else "favor")
    # Possessives of plural names read as English does.
    assert not any("s's " in p["premise"] for p in every)


def test_deeds_dev_holds_out_acts_frames_and_names():
    assert_dev_holds_out_topics_and_names(n.deed_templates)


@needs_shared
def test_templates_take_no_actor_act_or_claim_from_the_actor_stance_dev_set():
    """The templates were written while reading the pipeline's errors on the dev set; their names,
    acts and claims must still be our own, so the dev set measures what carries to unseen news.
    Proper names of the dev set's actors (countries aside: geography is everyone's) and its topic
    labels must not occur in any generated premise or hypothesis."""
    names, labels = set(), set()
    for line in (ARTICLES / "actor-stance-dev.jsonl").read_text().splitlines():
        article = json.loads(line)
        for actor in article["actors"]:
            if actor["kind"] == "country":
                continue
            for alias in actor["aliases"]:
                bare = alias[4:] if alias.lower().startswith("the ") else alias
                # Capitalised common nouns ("the Police") name nobody in particular.
                if any(c.isupper() for c in bare) and len(bare) >= 4 and bare not in ("Police", "Army", "Court", "Government"):
                    names.add(bare)
        labels.update(topic["label"].lower() for topic in article["topics"])
    rng = random.Random(7)
    texts = []
    for split in ("train", "dev"):
        texts += n.valence_templates(rng, 3000, split)
        texts += n.claim_templates(rng, 3000, split)
        texts += n.deed_templates(rng, 3000, split)
    text = "\n".join(p["premise"] + " " + p["hypothesis"] for p in texts)
    # A plain substring search first (fast), the word-boundary regex only on what it finds.
    found = sorted(name for name in names if name in text and re.search(r"(?<![\w-])" + re.escape(name) + r"(?![\w-])", text))
    assert found == [], f"dev-set actors in the templates: {found}"
    lowered = text.lower()
    assert [label for label in labels if label in lowered] == []
