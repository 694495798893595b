#!/usr/bin/env python3
"""Build Standpoint's entailment-form training and dev sets from ../shared/data.

Every labelled example from the stance, target-sentiment, sentiment and NLI sources becomes a
(premise, hypothesis, label) pair with label in {entailment, neutral, contradiction}. The
hypotheses come from the model's templates file, which the Rust pipeline reads too, so training
and inference phrase their questions the same way.

Output (JSON lines, one object per pair):
    premise, hypothesis, label, source, split, task, gold, text_id, polarity

`gold` keeps the source's own label (favor/against/none, positive/negative/neutral, ...) so that
scripts/evaluate can score the original task; `text_id` groups pairs built from the same text;
`polarity` says which way the hypothesis asks (supports/opposes, positive/negative; empty for NLI).

Besides train.jsonl and dev.jsonl it writes news-reports.jsonl (synthetic third-person reports
of a stance, see REPORT_FRAMES) and stage2.jsonl (those reports mixed with twice as many
training pairs), the data of the model's second training stage.

It also writes the fourth stage's data (see news_reasoning.py): news-real.jsonl (pairs from the
shapes of real FNC-1 news sentences), reasoning-dev.jsonl and stage4-dev.jsonl (held-out
reasoning templates and the new sets' dev splits) and stage4.jsonl (the new pairs with the
newer public sets and replayed earlier pairs). The actor-stance dev articles are never in it.

Non-commercial sets (SICK, Financial PhraseBank) are left out on purpose.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import hashlib
import json
import random
import re
import sys
import tomllib
from collections import Counter
from dataclasses import dataclass, asdict
from functools import partial
from pathlib import Path
from typing import Iterable, Iterator

sys.path.insert(0, str(Path(__file__).resolve().parent))
import news_reasoning  # noqa: E402  (a sibling module, importable when run as a script)

LABELS = ("entailment", "neutral", "contradiction")

# Synthetic speakers for actor-stance pairs: people with titles, governments, countries and
# organisations, so the model sees the kinds of stance-holders news articles name.
ACTOR_NAMES = [
    "Angela Morgan", "President Elena Varga", "Senator James Whitfield", "Prime Minister Ravi Menon",
    "Chancellor Klaus Becker", "Foreign Minister Ana Torres", "Governor Lisa Chen", "Mayor Tom Okafor",
    "General Peter Novak", "Secretary Hannah Brooks", "Dr. Samuel Reyes", "Professor Aiko Tanaka",
    "the government", "the White House", "the Kremlin", "the opposition",
    "Russia", "China", "France", "Germany", "Brazil", "India", "Japan", "Turkey", "Iran", "Canada",
    "the United States", "the European Union", "NATO", "the United Nations", "the World Bank",
    "the Labour Party", "the Republican Party", "the central bank", "the union", "Greenpeace",
    "the Ministry of Defence", "Pope Francis", "Mr. Hughes", "Ms. Patel",
]

SEMEVAL_TARGETS = {
    "Atheism": "atheism",
    "Climate Change is a Real Concern": "the view that climate change is a real concern",
    "Feminist Movement": "the feminist movement",
    "Hillary Clinton": "Hillary Clinton",
    "Legalization of Abortion": "the legalization of abortion",
}

STOPWORDS = set(
    "a an the of to in on for and or but is are was were be been by with at from as that this it its "
    "his her their he she they we you i not no has have had will would can could after over into".split()
)


@dataclass(frozen=True)
class Pair:
    premise: str
    hypothesis: str
    label: str
    source: str
    split: str
    task: str
    gold: str
    text_id: str
    polarity: str = ""


@dataclass(frozen=True)
class Templates:
    supports: str
    opposes: str
    author_supports: str
    author_opposes: str
    speech_forms: tuple[str, ...]
    positive: str
    negative: str
    overall_positive: str
    overall_negative: str

    def stance_hypothesis(self, actor: str, topic: str, polarity: str) -> str:
        """The "supports" or "opposes" hypothesis about an actor, capitalised."""
        template = self.supports if polarity == "supports" else self.opposes
        return capitalise(template.format(actor=actor, topic=topic))

    @staticmethod
    def load(path: Path) -> "Templates":
        with open(path, "rb") as handle:
            raw = tomllib.load(handle)
        stance, sentiment = raw["stance"], raw["sentiment"]
        return Templates(
            supports=stance["supports"],
            opposes=stance["opposes"],
            author_supports=stance["author_supports"],
            author_opposes=stance["author_opposes"],
            speech_forms=tuple(raw["speech"]["forms"]),
            positive=sentiment["positive"],
            negative=sentiment["negative"],
            overall_positive=sentiment["overall_positive"],
            overall_negative=sentiment["overall_negative"],
        )


# ---------------------------------------------------------------------------------------------
# Label mapping


def stance_label(stance: str, polarity: str) -> str:
    """NLI label of a "supports"/"opposes" hypothesis given the true stance favor/against/none."""
    if stance == "none":
        return "neutral"
    if stance not in ("favor", "against") or polarity not in ("supports", "opposes"):
        raise ValueError(f"bad stance/polarity: {stance}/{polarity}")
    agrees = (stance == "favor") == (polarity == "supports")
    return "entailment" if agrees else "contradiction"


def sentiment_label(sentiment: str, polarity: str) -> str:
    """NLI label of a "positive"/"negative" hypothesis given the true sentiment."""
    if sentiment == "neutral":
        return "neutral"
    if sentiment not in ("positive", "negative") or polarity not in ("positive", "negative"):
        raise ValueError(f"bad sentiment/polarity: {sentiment}/{polarity}")
    return "entailment" if sentiment == polarity else "contradiction"


def normalise_text(text: str) -> str:
    """Key used to detect the same text in two splits (case, spacing and punctuation blind)."""
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


def text_key(text: str) -> str:
    return hashlib.sha1(normalise_text(text).encode()).hexdigest()[:16]


def clean(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


# ---------------------------------------------------------------------------------------------
# Builders: one raw example -> pairs


class PairMaker:
    """Turns raw labelled examples into entailment pairs with the shared templates."""

    def __init__(self, templates: Templates, rng: random.Random, wrong_actor_rate: float = 0.3):
        self.t = templates
        self.rng = rng
        self.wrong_actor_rate = wrong_actor_rate

    def stance(self, text: str, topic: str, stance: str, source: str, split: str,
               actor_forms: bool = True) -> list[Pair]:
        """Author stance, the same text put in an actor's mouth, and a wrong-speaker negative."""
        text, topic = clean(text), clean(topic)
        tid = text_key(text)
        pairs = []
        polarity = self.rng.choice(("supports", "opposes"))
        template = self.t.author_supports if polarity == "supports" else self.t.author_opposes
        pairs.append(Pair(text, template.format(topic=topic), stance_label(stance, polarity),
                          source, split, "stance-author", stance, tid, polarity))
        if actor_forms:
            speaker, other = self.rng.sample(ACTOR_NAMES, 2)
            form = self.rng.choice(self.t.speech_forms)
            premise = form.format(actor=speaker, text=text)
            polarity = self.rng.choice(("supports", "opposes"))
            pairs.append(Pair(premise, self.t.stance_hypothesis(speaker, topic, polarity),
                              stance_label(stance, polarity), source, split, "stance-actor",
                              stance, tid, polarity))
            if self.rng.random() < self.wrong_actor_rate:
                # Someone else's words say nothing about this actor's stance.
                polarity = self.rng.choice(("supports", "opposes"))
                pairs.append(Pair(premise, self.t.stance_hypothesis(other, topic, polarity),
                                  "neutral", source, split, "stance-wrong-actor", "none", tid, polarity))
        return pairs

    def target_sentiment(self, text: str, target: str, sentiment: str, source: str,
                         split: str) -> list[Pair]:
        text, target = clean(text), clean(target)
        polarity = self.rng.choice(("positive", "negative"))
        template = self.t.positive if polarity == "positive" else self.t.negative
        return [Pair(text, template.format(target=target), sentiment_label(sentiment, polarity),
                     source, split, "target-sentiment", sentiment, text_key(text), polarity)]

    def overall_sentiment(self, text: str, sentiment: str, source: str, split: str) -> list[Pair]:
        text = clean(text)
        polarity = self.rng.choice(("positive", "negative"))
        template = self.t.overall_positive if polarity == "positive" else self.t.overall_negative
        return [Pair(text, template, sentiment_label(sentiment, polarity), source, split,
                     "sentiment", sentiment, text_key(text), polarity)]

    @staticmethod
    def nli(premise: str, hypothesis: str, label: str, gold: str, source: str,
            split: str) -> list[Pair]:
        if label not in LABELS:
            raise ValueError(f"bad NLI label {label!r}")
        premise = clean(premise)
        return [Pair(premise, clean(hypothesis), label, source, split, "nli", gold,
                     text_key(premise))]


def capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


# ---------------------------------------------------------------------------------------------
# Readers: one per source. Each yields pairs for both splits it provides.


def read_vast(data: Path, maker: PairMaker) -> Iterator[Pair]:
    labels = {"0": "against", "1": "favor", "2": "none"}
    with gzip.open(data / "vast/vast_train.csv.gz", "rt", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["label"] in labels and row["post"].strip() and row["topic_str"].strip():
                yield from maker.stance(row["post"], row["topic_str"], labels[row["label"]],
                                        "vast", "train")
    dev_labels = {"AGAINST": "against", "FAVOR": "favor", "NONE": "none"}
    with open(data / "vast/vast_dev.csv", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["Stance 1"] in dev_labels and row["Tweet"].strip():
                yield from maker.stance(row["Tweet"], row["Target 1"], dev_labels[row["Stance 1"]],
                                        "vast", "dev")


def read_semeval2016(data: Path, maker: PairMaker) -> Iterator[Pair]:
    labels = {"FAVOR": "favor", "AGAINST": "against", "NONE": "none"}
    files = [("trainingdata-all-annotations.txt", "train"), ("trialdata-all-annotations.txt", "dev")]
    for name, split in files:
        with open(data / "semeval2016-task6" / name, encoding="utf-8", errors="replace") as handle:
            for row in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
                target = SEMEVAL_TARGETS.get(row["Target"])
                if target is None or row["Stance"] not in labels:
                    continue
                tweet = row["Tweet"].replace("#SemST", "")
                yield from maker.stance(tweet, target, labels[row["Stance"]], "semeval2016", split)


def split_sentences(text: str) -> list[str]:
    """A rough splitter, good enough to pick headline-bearing sentences out of FNC-1 bodies."""
    parts = re.split(r"(?<=[.!?])\s+(?=[A-Z\"'])|\n+", text)
    return [clean(p) for p in parts if len(p.split()) >= 4]


def content_words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9']+", text.lower()) if w not in STOPWORDS and len(w) > 2}


def reduce_body(headline: str, body: str, keep: int = 3, max_words: int = 90) -> str:
    """The `keep` body sentences sharing most content words with the headline, in body order."""
    sentences = split_sentences(body)
    head = content_words(headline)
    scored = sorted(range(len(sentences)),
                    key=lambda i: (-len(head & content_words(sentences[i])), i))[:keep]
    chosen = " ".join(sentences[i] for i in sorted(scored))
    words = chosen.split()
    return " ".join(words[:max_words])


def fnc1_dev_bodies(body_ids: Iterable[str], seed: int, fraction: float = 0.1) -> set[str]:
    ids = sorted(set(body_ids), key=int)
    rng = random.Random(seed)
    rng.shuffle(ids)
    return set(ids[: max(1, round(len(ids) * fraction))])


def read_fnc1(data: Path, maker: PairMaker, seed: int, unrelated_rate: float = 0.12) -> Iterator[Pair]:
    labels = {"agree": "entailment", "disagree": "contradiction", "discuss": "neutral",
              "unrelated": "neutral"}
    with gzip.open(data / "fnc1/train_bodies.csv.gz", "rt", encoding="utf-8") as handle:
        bodies = {row["Body ID"]: row["articleBody"] for row in csv.DictReader(handle)}
    dev_ids = fnc1_dev_bodies(bodies, seed)
    rng = random.Random(seed + 1)
    with gzip.open(data / "fnc1/train_stances.csv.gz", "rt", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            stance, body_id = row["Stance"], row["Body ID"]
            if stance not in labels or body_id not in bodies:
                continue
            if stance == "unrelated" and rng.random() > unrelated_rate:
                continue
            split = "dev" if body_id in dev_ids else "train"
            premise = reduce_body(row["Headline"], bodies[body_id])
            if premise:
                for pair in maker.nli(premise, row["Headline"], labels[stance], stance, "fnc1", split):
                    # Group FNC-1 by body so that leakage checks see bodies, not reduced snippets.
                    yield Pair(**{**asdict(pair), "text_id": "fnc1-body-" + body_id})


MTSC_POLARITY = {2: "negative", 4: "neutral", 6: "positive"}


def read_target_jsonl(path: Path, source: str, split: str, maker: PairMaker) -> Iterator[Pair]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            for target in row["targets"]:
                sentiment = MTSC_POLARITY.get(int(float(target["polarity"])))
                if sentiment:
                    yield from maker.target_sentiment(row["sentence_normalized"], target["mention"],
                                                      sentiment, source, split)


def read_target_sentiment(data: Path, maker: PairMaker) -> Iterator[Pair]:
    yield from read_target_jsonl(data / "newsmtsc/train.jsonl.gz", "newsmtsc", "train", maker)
    yield from read_target_jsonl(data / "newsmtsc/dev_mt.jsonl", "newsmtsc", "dev", maker)
    yield from read_target_jsonl(data / "newsmtsc/dev_rw.jsonl", "newsmtsc", "dev", maker)
    yield from read_target_jsonl(data / "acl14-twitter/train.jsonl", "acl14-twitter", "train", maker)
    for name in ("Laptops_Train.jsonl", "Restaurants_Train.jsonl"):
        yield from read_target_jsonl(data / "semeval2014-absa" / name, "semeval2014-absa", "train", maker)


SENTIHOOD_ASPECTS = {"transit-location": "transport links", "general": "the place in general",
                     "live": "living there", "price": "prices", "safety": "safety",
                     "shopping": "shopping", "nightlife": "nightlife", "quiet": "quietness",
                     "multicultural": "its multicultural character", "green-nature": "green spaces",
                     "dining": "dining", "touristy": "tourism"}


def read_sentihood(data: Path, maker: PairMaker) -> Iterator[Pair]:
    for name, split in (("sentihood-train.json", "train"), ("sentihood-dev.json", "dev")):
        with open(data / "sentihood" / name, encoding="utf-8") as handle:
            rows = json.load(handle)
        for row in rows:
            seen = set()
            for op in row["opinions"]:
                aspect = SENTIHOOD_ASPECTS.get(op["aspect"], op["aspect"])
                key = (op["target_entity"], op["aspect"])
                if key in seen:
                    continue
                seen.add(key)
                yield from maker.target_sentiment(row["text"], f"{op['target_entity']} for {aspect}",
                                                  op["sentiment"].lower(), "sentihood", split)
            entities = sorted({op["target_entity"] for op in row["opinions"]} or {"LOCATION1"})
            unmentioned = [(e, a) for e in entities for a in sorted(SENTIHOOD_ASPECTS) if (e, a) not in seen]
            if unmentioned:
                # One implicit "None" aspect per text: the text says nothing about it.
                entity, aspect = maker.rng.choice(unmentioned)
                yield from maker.target_sentiment(row["text"], f"{entity} for {SENTIHOOD_ASPECTS[aspect]}",
                                                  "neutral", "sentihood", split)


def read_sst2(data: Path, maker: PairMaker, seed: int, limit: int = 8000) -> Iterator[Pair]:
    labels = {"0": "negative", "1": "positive"}
    with gzip.open(data / "sst2/train.tsv.gz", "rt", encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
                if len(r["sentence"].split()) >= 8 and r["label"] in labels]
    random.Random(seed).shuffle(rows)
    for row in rows[:limit]:
        yield from maker.overall_sentiment(row["sentence"], labels[row["label"]], "sst2", "train")
    with open(data / "sst2/dev.tsv", encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
            if row["label"] in labels:
                yield from maker.overall_sentiment(row["sentence"], labels[row["label"]], "sst2", "dev")


def bucket(key: str, seed: int) -> float:
    """A stable number in [0, 1) for a key, for seeded hash splits."""
    digest = hashlib.sha256(f"{seed}:{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def read_snli(data: Path, maker: PairMaker, seed: int, dev_fraction: float = 0.2) -> Iterator[Pair]:
    """SNLI's dev file is all we have: hold part of it out by caption so premises do not cross."""
    with gzip.open(data / "snli/snli_1.0_dev.jsonl.gz", "rt", encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            if row["gold_label"] not in LABELS:
                continue
            split = "dev" if bucket(row["captionID"], seed) < dev_fraction else "train"
            yield from maker.nli(row["sentence1"], row["sentence2"], row["gold_label"],
                                 row["gold_label"], "snli", split)


def read_rte(data: Path, maker: PairMaker, seed: int, dev_fraction: float = 0.1) -> Iterator[Pair]:
    labels = {"entailment": "entailment", "not_entailment": "neutral"}
    with open(data / "rte/train.tsv", encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
            if row["label"] not in labels:
                continue
            split = "dev" if bucket(normalise_text(row["sentence1"]), seed) < dev_fraction else "train"
            yield from maker.nli(row["sentence1"], row["sentence2"], labels[row["label"]],
                                 row["label"], "rte", split)


# ---------------------------------------------------------------------------------------------
# Assembly


# Third-person news reports of a stance. The stance sources are mostly first-person (tweets,
# comments, reviews), and a model trained on them alone reads the conflict words in a report
# ("despite objections", "sanctions against", "warned") as the reported actor's stance. These
# frames say who holds which stance in the way news reports it; a second actor's clause puts
# conflict words next to the first actor's opposite stance.
REPORT_FRAMES = {
    "favor": [
        "{actor} backed {topic}", "{actor} said it supports {topic}", "{actor} called for {topic}",
        "{actor} is pushing for {topic}", "{actor} urged lawmakers to approve {topic}",
        "{actor} defended {topic} against its critics", "{actor} welcomed {topic}",
        "{actor} praised {topic} as a step forward", "{actor} insisted that {topic} must go ahead",
        "{actor} vowed to press ahead with {topic}", "{actor} endorsed {topic} on Tuesday",
        "{actor} argued in favour of {topic}", "{actor} campaigned for {topic}",
        "{actor} signed on to {topic}", "{actor} said there was no alternative to {topic}",
        "{actor} has long championed {topic}", "{actor} said {topic} deserved support",
    ],
    "against": [
        "{actor} rejected {topic}", "{actor} criticised {topic}", "{actor} condemned {topic}",
        "{actor} warned against {topic}", "{actor} urged lawmakers to reject {topic}",
        "{actor} objected to {topic}", "{actor} said {topic} was a mistake",
        "{actor} vowed to block {topic}", "{actor} called {topic} a threat",
        "{actor} voted against {topic}", "{actor} refused to accept {topic}",
        "{actor} considers {topic} a danger", "{actor} is not convinced by the case for {topic}",
        "{actor} has fought {topic} for years", "{actor} dismissed {topic} as unworkable",
        "{actor} said it opposes {topic}", "{actor} threatened to walk away over {topic}",
    ],
    "none": [
        "{actor} discussed {topic} with {other}", "{actor} declined to comment on {topic}",
        "{actor} said talks on {topic} would continue next week",
        "{actor} asked for more time to study {topic}", "{actor} met {other} to talk about {topic}",
        "{actor} was asked about {topic} at a news conference",
        "{actor} said a decision on {topic} would come later",
        "{actor} has not taken a position on {topic}",
    ],
}
# A second actor's stance on the same topic, as a clause after the first actor's report.
REPORT_CLAUSES = {
    "against": [", despite objections from {other}", ", despite {other}'s objections",
                " even as {other} warned against it", ", over the protests of {other}",
                ", a plan {other} has called dangerous"],
    "favor": [", although {other} backs it", ", which {other} has pushed for",
              " even as {other} urged its approval", ", a plan {other} has long supported"],
}
# Policy topics whose wording carries negative words of its own, so that "against" in a topic
# is not read as a stance.
REPORT_TOPIC_FORMS = ["tougher sanctions against {country}", "new sanctions against {country}",
                      "an arms embargo on {country}", "a ban on {thing}", "restrictions on {thing}",
                      "a crackdown on {thing}", "limits on {thing}", "the fight against {thing}",
                      "a tax on {thing}", "cuts to {thing}"]
REPORT_THINGS = ["fossil fuels", "handguns", "plastic bags", "tobacco advertising", "illegal logging",
                 "corruption", "drug trafficking", "online gambling", "steel imports", "farm subsidies",
                 "public spending", "carbon emissions", "migrant smuggling", "short-term rentals"]
REPORT_COUNTRIES = ["North Korea", "Syria", "Venezuela", "Belarus", "Myanmar", "Iran", "Russia",
                    "Sudan", "Cuba", "Libya"]


def report_topics(data: Path, rng: random.Random, composed: int = 300, split: str = "train") -> list[str]:
    """Short topic phrases from a VAST split, plus composed policy topics."""
    topics = set()
    path = data / ("vast/vast_train.csv.gz" if split == "train" else "vast/vast_dev.csv")
    with (gzip.open(path, "rt", encoding="utf-8") if path.suffix == ".gz" else open(path, encoding="utf-8")) as handle:
        for row in csv.DictReader(handle):
            topic = clean(row["topic_str"] if "topic_str" in row else row["Target 1"])
            if 1 <= len(topic.split()) <= 5 and topic.isascii():
                topics.add(topic)
    topics = sorted(topics)
    for _ in range(composed):
        form = rng.choice(REPORT_TOPIC_FORMS)
        topics.append(form.format(country=rng.choice(REPORT_COUNTRIES), thing=rng.choice(REPORT_THINGS)))
    return topics


def report_pair(templates: Templates, source: str, split: str, premise: str, actor: str, topic: str,
                stance: str, polarity: str, task: str) -> Pair:
    """One synthetic report asked about one actor's stance on one topic, in one phrasing."""
    return Pair(premise, templates.stance_hypothesis(actor, topic, polarity), stance_label(stance, polarity),
                source, split, task, stance, text_key(premise), polarity)


def news_reports(topics: list[str], templates: Templates, rng: random.Random,
                 count: int = 6000, clause_rate: float = 0.5,
                 wrong_actor_rate: float = 0.3, contrast_rate: float = 0.0) -> list[Pair]:
    """Synthetic third-person reports: the actor's stance asked both ways, the second actor's
    stance when a clause names one, else sometimes a bystander (neutral). With `contrast_rate`,
    some reports go on to the same actor's different stance on a second topic ("X backed A, but
    criticised B"), and the second topic is asked too, so the stance goes with its own topic."""
    pairs = []

    ask = partial(report_pair, templates, "news-reports", "train")

    for _ in range(count):
        stance = rng.choice(("favor", "against", "none"))
        actor, other, bystander = rng.sample(ACTOR_NAMES, 3)
        topic = rng.choice(topics)
        premise = rng.choice(REPORT_FRAMES[stance]).format(actor=actor, other=other, topic=topic)
        other_stance, contrast = None, None
        if contrast_rate and stance != "none" and "{other}" not in premise and rng.random() < contrast_rate:
            second_topic = rng.choice(topics)
            while second_topic == topic and len(set(topics)) > 1:
                second_topic = rng.choice(topics)
            second_stance = rng.choice([s for s in ("favor", "against", "none") if s != stance])
            frame = rng.choice([f for f in REPORT_FRAMES[second_stance]
                                if f.startswith("{actor} ") and "{other}" not in f])
            premise += f"{rng.choice((', but', ', while it', ' but'))} " \
                       + frame.removeprefix("{actor} ").format(topic=second_topic)
            contrast = (second_topic, second_stance)
        elif stance != "none" and "{other}" not in premise and rng.random() < clause_rate:
            # Mostly the opposite stance (the conflict case), sometimes the same one.
            other_stance = ("against" if stance == "favor" else "favor") if rng.random() < 0.8 else stance
            premise += rng.choice(REPORT_CLAUSES[other_stance]).format(other=other)
        premise = capitalise(premise) + "."
        for polarity in ("supports", "opposes"):
            pairs.append(ask(premise, actor, topic, stance, polarity, "stance-report"))
        polarity = rng.choice(("supports", "opposes"))
        if contrast is not None:
            pairs.append(ask(premise, actor, contrast[0], contrast[1], polarity, "stance-report-contrast"))
        elif other_stance is not None:
            pairs.append(ask(premise, other, topic, other_stance, polarity, "stance-report-other"))
        elif rng.random() < wrong_actor_rate:
            pairs.append(ask(premise, bystander, topic, "none", polarity, "stance-wrong-actor"))
    return pairs


# Compound reports, the third stage's data. Two shapes that plain reports do not teach:
# - a measure aimed at a target ("sanctions against Iran over its nuclear program", "a ban on
#   handguns"): pushing for the measure is opposing its target; opposing the measure says
#   nothing sure about the target; the actor whose support is sought has no stance yet;
# - stacked clauses: a concession on one thing, then the actor's stance on the topic, then
#   someone else's objection ("X praised A, but insisted that B must go ahead, despite Y's
#   objections"), where the stance must stay with its own actor and topic: the other actor's
#   objection is to B, and says nothing of A.
# Frames, targets and names are split in two: the held-out half builds compound-dev.jsonl, so
# that its accuracy says whether the shapes were learnt rather than the wording.
MEASURES = [
    ("tougher sanctions against {country} over {program}", "{country}'s {program_bare}"),
    ("new sanctions on {country} over {program}", "{country}'s {program_bare}"),
    ("a UN resolution condemning {country} for {program}", "{country}'s {program_bare}"),
    ("an arms embargo on {country} until it ends {program}", "{country}'s {program_bare}"),
    ("a ban on {thing}", "{thing}"), ("a crackdown on {thing}", "{thing}"),
    ("strict limits on {thing}", "{thing}"), ("a punitive tax on {thing}", "{thing}"),
    ("new curbs on {thing}", "{thing}"), ("an end to {thing}", "{thing}"),
]
MEASURE_FRAMES = {
    "favor": ["{actor} is seeking {other}'s support for {measure}", "{actor} pressed for {measure}",
              "{actor}, pushing for {measure}, said talks would go on",
              "{actor} won {other}'s backing for {measure}", "{actor} demanded {measure}",
              "{actor} said the world needed {measure}", "{actor} lobbied {other} to back {measure}",
              "{actor} introduced a bill for {measure}"],
    "against": ["{actor} opposed {measure}", "{actor} warned that {measure} would backfire",
                "{actor} blocked {measure}", "{actor} refused to back {measure}"],
}
PROGRAMS = [("its nuclear program", "nuclear program"), ("its missile tests", "missile tests"),
            ("its military buildup", "military buildup"), ("its border incursions", "border incursions"),
            ("its support for armed militias", "support for armed militias"),
            ("its crackdown on protesters", "crackdown on protesters"),
            ("its chemical weapons program", "chemical weapons program"),
            ("its drilling in disputed waters", "drilling in disputed waters")]
CONCESSIONS = ["called {topic2} ''innovative'' and worth studying", "praised {topic2}",
               "welcomed {topic2} as a first step", "said {topic2} deserved a close look",
               "acknowledged the merits of {topic2}", "described {topic2} as interesting",
               "thanked {other} for {topic2}", "signalled openness to {topic2}"]
STANCE_CLAUSES = {
    "favor": ["insisted that {topic} must still go ahead", "said {topic} would proceed as planned",
              "made clear that {topic} was still needed", "stood by {topic}",
              "insisted on {topic}", "voiced support for {topic} again"],
    "against": ["insisted that {topic} must be dropped", "said {topic} was still unacceptable",
                "made clear that {topic} could not be accepted", "voiced opposition to {topic} again",
                "still rejected {topic}", "warned again against {topic}"],
}
OPENINGS = ["", "", "After talks in Geneva, ", "Speaking after the meeting, ", "On Tuesday, ",
            "At a joint news conference, "]
DEV_ACTOR_NAMES = ["Premier Lena Holm", "President Omar Haddad", "the Foreign Office", "Australia",
                   "Senator Maria Rossi", "the African Union", "Chancellor Jonas Weber", "Mexico"]


def held_out(items: list, split: str) -> list:
    """Every fourth item is held out for compound-dev; the rest are for training."""
    return [item for i, item in enumerate(items) if (i % 4 == 3) == (split == "dev")]


def compound_reports(topics: list[str], templates: Templates, rng: random.Random,
                     count: int = 4000, split: str = "train") -> list[Pair]:
    """Measure-and-target reports and stacked-clause reports (see MEASURES), half each."""
    pick = lambda items: rng.choice(held_out(items, split))  # noqa: E731
    actors = ACTOR_NAMES if split == "train" else DEV_ACTOR_NAMES
    things, countries = held_out(REPORT_THINGS, split), held_out(REPORT_COUNTRIES, split)
    pairs = []

    ask = partial(report_pair, templates, "compound-reports", split)

    def both(premise, actor, topic, stance, task):
        return [ask(premise, actor, topic, stance, polarity, task) for polarity in ("supports", "opposes")]

    for _ in range(count):
        actor, other = rng.sample(actors, 2)
        if rng.random() < 0.5:
            stance = rng.choice(("favor", "favor", "against"))
            measure_form, target_form = pick(MEASURES)
            program, program_bare = rng.choice(held_out(PROGRAMS, split))
            fill = dict(country=rng.choice([c for c in countries if c not in (actor, other)]), thing=rng.choice(things), program=program,
                        program_bare=program_bare)
            measure, target = measure_form.format(**fill), target_form.format(**fill)
            premise = capitalise(pick(MEASURE_FRAMES[stance]).format(actor=actor, other=other, measure=measure)) + "."
            pairs += both(premise, actor, measure, stance, "measure")
            # Pushing for a measure opposes its target; opposing it says nothing sure.
            pairs += both(premise, actor, target, "against" if stance == "favor" else "none", "measure-target")
            if other in premise:
                # Whose support is sought or lobbied for has no stance yet; whose backing was won has.
                other_stance = "favor" if "backing" in premise else "none"
                pairs.append(ask(premise, other, measure, other_stance, rng.choice(("supports", "opposes")), "measure-other"))
        else:
            topic, topic2 = rng.sample(topics, 2)
            stance = rng.choice(("favor", "against"))
            premise = (rng.choice(OPENINGS) + f"{actor} " + pick(CONCESSIONS).format(topic2=topic2, other=other)
                       + ", but " + pick(STANCE_CLAUSES[stance]).format(topic=topic))
            other_stance = None
            if rng.random() < 0.7:
                other_stance = "against" if stance == "favor" else "favor"
                premise += pick(REPORT_CLAUSES[other_stance]).format(other=other)
            premise = capitalise(premise) + "."
            pairs += both(premise, actor, topic, stance, "stacked")
            if other_stance is not None:
                pairs.append(ask(premise, other, topic, other_stance, rng.choice(("supports", "opposes")), "stacked-other"))
                # The objection or support is to the topic after "but", not to the conceded one
                # (unless the concession names the other actor, as "thanked {other} for" does).
                if other not in premise.split(", but ")[0]:
                    pairs.append(ask(premise, other, topic2, "none", rng.choice(("supports", "opposes")), "stacked-other-conceded"))
    return pairs


def replay_mix(new: list[Pair], replays: list[tuple[list[Pair], int]], rng: random.Random) -> list[Pair]:
    """`new` plus, from each earlier pool, that many pairs sampled (all of it if smaller),
    shuffled: a short later stage that must not forget the earlier ones."""
    mix = list(new)
    for pool, count in replays:
        mix += rng.sample(pool, min(len(pool), count))
    rng.shuffle(mix)
    return mix


def stage3_mix(compounds: list[Pair], reports: list[Pair], train: list[Pair], rng: random.Random) -> list[Pair]:
    """The compound reports, as many replayed news reports, and twice as many training pairs."""
    return replay_mix(compounds, [(reports, len(compounds)), (train, 2 * len(compounds))], rng)


def stage2_mix(reports: list[Pair], train: list[Pair], rng: random.Random, replay: int = 2) -> list[Pair]:
    """The reports plus `replay` times as many pairs of the main training set."""
    return replay_mix(reports, [(train, replay * len(reports))], rng)


def as_pair(row: dict) -> Pair:
    return Pair(**{**row, "premise": clean(row["premise"]), "hypothesis": clean(row["hypothesis"])})


def stage4_sets(data: Path, articles: Path, train: list[Pair], reports: list[Pair], compounds: list[Pair],
                seed: int) -> tuple[list[Pair], list[Pair], list[Pair]]:
    """(stage-4 mix, news-real pairs, stage-4 dev pairs). The mix: the real-sentence pairs twice,
    reasoning templates, MultiNLI, PERSPECTRUM, IBM claim stance, GWSD, P-Stance (sampled), ARC,
    and replayed pairs of the earlier stages, without any pair built from an actor-stance dev
    article (the earlier stages' FNC-1 pairs included some of those bodies)."""
    rng = random.Random(seed + 3)
    real = [as_pair(p) for p in news_reasoning.real_reports(data, articles, rng)]
    topics = report_topics(data, rng)
    dev_topics = report_topics(data, rng, composed=0, split="dev")
    reasoning = [as_pair(p) for p in news_reasoning.reasoning_templates(topics, rng, 5000, "train")]
    reasoning_dev = [as_pair(p) for p in news_reasoning.reasoning_templates(dev_topics, rng, 500, "dev")]
    public = []
    public += news_reasoning.read_mnli(data, seed)
    public += news_reasoning.read_perspectrum(data, rng)
    public += news_reasoning.read_ibm(data, rng)
    public += news_reasoning.read_gwsd(data, rng, seed)
    public += news_reasoning.read_pstance(data, rng, limit=5000)
    arc = [p for p in news_reasoning.read_arc(data, reduce_body, seed)]
    rng.shuffle(arc)
    public += [p for p in arc if p["split"] == "dev"] + [p for p in arc if p["split"] == "train"][:5000]
    public = [as_pair(p) for p in public]
    excluded = {"fnc1-body-" + i for i in news_reasoning.dev_body_ids(articles)}
    new_train = [p for p in real if p.split == "train"] * 2 + reasoning + [p for p in public if p.split == "train"]
    dev = [p for p in real if p.split == "dev"] + reasoning_dev + [p for p in public if p.split == "dev"]
    dev_texts = {p.text_id for p in dev} | {text_key(p.premise) for p in dev}
    new_train = [p for p in new_train if p.text_id not in dev_texts and text_key(p.premise) not in dev_texts]
    # Earlier stages' pairs are replayed too, but none from a dev article or with a dev text
    # (VAST and ARC share New York Times comments).
    clean_replay = lambda pool: [p for p in pool if p.text_id not in excluded and p.text_id not in dev_texts  # noqa: E731
                                 and text_key(p.premise) not in dev_texts]
    mix = replay_mix(new_train, [(clean_replay(train), 12000), (reports, 3000), (compounds, 3000)], rng)
    return mix, real, dev


def template_stage(make, replay_pool: list[Pair], rng: random.Random, count: int,
                   replay: int) -> tuple[list[Pair], list[Pair]]:
    """(mix, dev pairs) of a template stage: `make(rng, count, split)` pairs for train (none
    whose premise is also a dev premise) and 600 draws for dev, the train pairs mixed with a
    replayed sample of `replay_pool` and shuffled."""
    train = [as_pair(p) for p in make(rng, count, "train")]
    dev = [as_pair(p) for p in make(rng, 600, "dev")]
    dev_texts = {text_key(p.premise) for p in dev}
    mix = [p for p in train if text_key(p.premise) not in dev_texts] + rng.sample(replay_pool, min(replay, len(replay_pool)))
    rng.shuffle(mix)
    return mix, dev


def stage5_sets(stage4: list[Pair], seed: int, count: int = 8000,
                replay: int = 16000) -> tuple[list[Pair], list[Pair]]:
    """(stage-5 mix, valence dev pairs). The mix: stance against the tone of the words
    (`news_reasoning.valence_templates`) and a replayed sample of the stage-4 mix, which already
    keeps every dev text out."""
    return template_stage(news_reasoning.valence_templates, stage4, random.Random(seed + 4), count, replay)


def stage6_sets(stage5: list[Pair], seed: int, count: int = 7000,
                replay: int = 14000) -> tuple[list[Pair], list[Pair]]:
    """(stage-6 mix, claims dev pairs). The mix: claims asserted, denied and left unconfirmed and
    acts aimed at the actor itself (`news_reasoning.claim_templates`), and a replayed sample of
    the stage-5 mix (valence pairs and stage-4 pairs)."""
    return template_stage(news_reasoning.claim_templates, stage5, random.Random(seed + 5), count, replay)


def stage7_sets(stage6: list[Pair], compounds: list[Pair], seed: int, count: int = 6000,
                replay: int = 12000, compound_replay: int = 3000) -> tuple[list[Pair], list[Pair]]:
    """(stage-7 mix, deeds dev pairs). The mix: acts done, accusations made and dangers warned of
    as positions (`news_reasoning.deed_templates`), a replayed sample of the stage-6 mix, and
    compound reports (a measure and its target), which the deeds alone taught the model to read
    as support for everything the actor's act names."""
    rng = random.Random(seed + 6)
    mix, dev = template_stage(news_reasoning.deed_templates, stage6, rng, count, replay)
    mix += rng.sample(compounds, min(compound_replay, len(compounds)))
    rng.shuffle(mix)
    return mix, dev


def build(data: Path, templates: Templates, seed: int = 13) -> tuple[list[Pair], list[Pair], Counter]:
    """All pairs, split into train and dev, deduplicated and with no dev text in train."""
    rng = random.Random(seed)
    maker = PairMaker(templates, rng)
    readers = [
        read_vast(data, maker),
        read_semeval2016(data, maker),
        read_fnc1(data, maker, seed),
        read_target_sentiment(data, maker),
        read_sentihood(data, maker),
        read_sst2(data, maker, seed),
        read_snli(data, maker, seed),
        read_rte(data, maker, seed),
    ]
    pairs = [pair for reader in readers for pair in reader]
    return split_and_dedupe(pairs)


def split_and_dedupe(pairs: list[Pair]) -> tuple[list[Pair], list[Pair], Counter]:
    stats: Counter = Counter()
    dev_texts = {p.text_id for p in pairs if p.split == "dev"}
    dev_texts |= {text_key(p.premise) for p in pairs if p.split == "dev"}
    seen: set[tuple[str, str]] = set()
    train, dev = [], []
    for pair in pairs:
        key = (normalise_text(pair.premise), normalise_text(pair.hypothesis))
        if key in seen:
            stats["duplicate"] += 1
            continue
        seen.add(key)
        if pair.split == "train" and (pair.text_id in dev_texts or text_key(pair.premise) in dev_texts):
            stats["train-dropped-dev-text"] += 1
            continue
        (dev if pair.split == "dev" else train).append(pair)
        stats[f"{pair.split}/{pair.source}/{pair.label}"] += 1
    return train, dev, stats


def write_jsonl(path: Path, pairs: Iterable[Pair]) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with open(path, "w", encoding="utf-8") as handle:
        for pair in pairs:
            handle.write(json.dumps(asdict(pair), ensure_ascii=False) + "\n")
            count += 1
    return count


def main(argv: list[str] | None = None) -> int:
    root = Path(__file__).resolve().parent.parent
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=root.parent / "shared/data",
                        help="the shared data folder (default: ../shared/data)")
    parser.add_argument("--templates", type=Path,
                        default=root / "models/standpoint-nli-minilm/templates.toml")
    parser.add_argument("--out", type=Path, default=root / "work/data")
    parser.add_argument("--articles", type=Path, default=root.parent / "shared/articles",
                        help="the annotated articles (their dev bodies are kept out of training)")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--contrast-rate", type=float, default=0.0,
                        help="share of news reports that go on to a second topic (see news_reports; "
                             "tried at 0.3, not used by the committed model)")
    args = parser.parse_args(argv)
    if not (args.data / "MANIFEST.md").exists():
        print(f"error: {args.data} does not look like the shared data folder (no MANIFEST.md)",
              file=sys.stderr)
        return 2
    train, dev, stats = build(args.data, Templates.load(args.templates), args.seed)
    random.Random(args.seed).shuffle(train)
    n_train = write_jsonl(args.out / "train.jsonl", train)
    n_dev = write_jsonl(args.out / "dev.jsonl", dev)
    rng = random.Random(args.seed + 1)
    templates = Templates.load(args.templates)
    reports = news_reports(report_topics(args.data, rng), templates, rng,
                           contrast_rate=args.contrast_rate)
    write_jsonl(args.out / "news-reports.jsonl", reports)
    n_stage2 = write_jsonl(args.out / "stage2.jsonl", stage2_mix(reports, train, rng))
    # Its own random stream, so that adding it left the stage-2 files as they were.
    rng = random.Random(args.seed + 2)
    compounds = compound_reports(report_topics(args.data, rng), templates, rng)
    compound_dev = compound_reports(report_topics(args.data, rng, composed=0, split="dev"), templates, rng,
                                    count=600, split="dev")
    write_jsonl(args.out / "compound-reports.jsonl", compounds)
    write_jsonl(args.out / "compound-dev.jsonl", compound_dev)
    n_stage3 = write_jsonl(args.out / "stage3.jsonl", stage3_mix(compounds, reports, train, rng))
    stage4, real, stage4_dev = stage4_sets(args.data, args.articles, train, reports, compounds, args.seed)
    write_jsonl(args.out / "news-real.jsonl", real)
    write_jsonl(args.out / "stage4-dev.jsonl", stage4_dev)
    n_stage4 = write_jsonl(args.out / "stage4.jsonl", stage4)
    stage4_counts = Counter(f"{p.split}/{p.source}" for p in stage4 + stage4_dev)
    stage5, valence_dev = stage5_sets(stage4, args.seed)
    n_stage5 = write_jsonl(args.out / "stage5.jsonl", stage5)
    write_jsonl(args.out / "valence-dev.jsonl", valence_dev)
    stage6, claims_dev = stage6_sets(stage5, args.seed)
    n_stage6 = write_jsonl(args.out / "stage6.jsonl", stage6)
    write_jsonl(args.out / "claims-dev.jsonl", claims_dev)
    stage7, deeds_dev = stage7_sets(stage6, compounds, args.seed)
    n_stage7 = write_jsonl(args.out / "stage7.jsonl", stage7)
    write_jsonl(args.out / "deeds-dev.jsonl", deeds_dev)
    for key in sorted(stats):
        print(f"{key:48s} {stats[key]:7d}")
    print(f"wrote {n_train} train and {n_dev} dev pairs to {args.out}")
    print(f"wrote {len(reports)} news-report pairs and a stage-2 mix of {n_stage2} pairs "
          f"(news-reports.jsonl, stage2.jsonl)")
    print(f"wrote {len(compounds)} compound-report pairs, {len(compound_dev)} held-out ones and a "
          f"stage-3 mix of {n_stage3} pairs (compound-reports.jsonl, compound-dev.jsonl, stage3.jsonl)")
    for key in sorted(stage4_counts):
        print(f"stage 4: {key:40s} {stage4_counts[key]:7d}")
    print(f"wrote a stage-4 mix of {n_stage4} pairs and {len(stage4_dev)} stage-4 dev pairs "
          f"(stage4.jsonl, stage4-dev.jsonl, news-real.jsonl)")
    print(f"wrote a stage-5 mix of {n_stage5} pairs and {len(valence_dev)} held-out valence pairs "
          f"(stage5.jsonl, valence-dev.jsonl)")
    print(f"wrote a stage-6 mix of {n_stage6} pairs and {len(claims_dev)} held-out claim pairs "
          f"(stage6.jsonl, claims-dev.jsonl)")
    print(f"wrote a stage-7 mix of {n_stage7} pairs and {len(deeds_dev)} held-out deed pairs "
          f"(stage7.jsonl, deeds-dev.jsonl)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
