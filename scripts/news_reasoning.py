"""News-report reasoning pairs and the newer public sets, for the stance model's fourth stage.

Imported by build_training_set.py. Three kinds of data:

1. **Attributed claims and positions in real news sentences** (`real_reports`). FNC-1 bodies
   (except the actor-stance dev articles) are split into sentences, and sentences with a clear
   shape are turned into pairs whose labels follow from that shape:
   - "<Source> said (that) <claim>" / "<claim>, <Source> said" / "According to <Source>, <claim>":
     the source holds the claim (entailment for "<Source> supports the report that <claim>",
     contradiction for "... opposes ..."); another source of the same article, or the same
     source asked about another claim of the article, says nothing (neutral);
   - "<Source> denied reports that <claim>": the opposite;
   - "<Source> declined to comment / could not confirm ...": neutral on the article's claims;
   - "<Source> backed / welcomed / rejected / condemned <something>": a position on it.
   Bodies are split into train and dev by body id, so no dev sentence is trained on.
2. **Complementary topics and actions that are positions** (`reasoning_templates`): "called
   for an end to X" is against X, "pushed to lift the sanctions" is against the sanctions,
   "vetoed", "signed", "sued", "threatened" and two actors in one sentence, each labelled.
   Held-out frames and names build a dev split.
3. **Newer public sets** (`read_mnli`, `read_perspectrum`, `read_ibm`, `read_gwsd`,
   `read_pstance`, `read_arc`): MultiNLI dev matched + mismatched (allowed as training data),
   claim-perspective support, claim stance, news-sentence stance on global warming, political
   stance in tweets, and ARC headline/body stance; their dev splits stay out of training.

Standard library only.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import json
import random
import re
from pathlib import Path
from typing import Callable, Iterator

# ---------------------------------------------------------------------------------------------
# Shapes of sentences

TITLE = (r"(?:President|Vice President|Prime Minister|Minister|Secretary|Senator|Sen\.|Rep\.|Gov\.|Governor|"
         r"Mayor|General|Gen\.|Col\.|Colonel|Maj\.|Capt\.|Lt\.|Adm\.|Admiral|Rear Adm\.|Rear Admiral|"
         r"Brig\.|Sgt\.|Dr\.|Mr\.?|Mrs\.?|Ms\.?|King|Queen|Prince|Sheikh|Judge|Justice|Ambassador|"
         r"Commander|Chief|Director|Chairman|Spokesman|spokesman|spokeswoman|spokesperson|official|"
         r"Foreign|Defense|Defence|Interior|Health|Press|press|Attorney|District|General's|Army|Air|Marshal|Inspector|"
         r"Detective|Superintendent|Professor|Prof\.|Commissioner)")
# A source: an optional "the", up to six capitalised words (a name, an organisation, a title and
# a name), optionally an unnamed "a/an/the ... official/spokesman".
ROLE_WORDS = r"(?:spokesman|spokeswoman|spokesperson|official|chief|minister|secretary|president|press|director|head)"
NAMED = rf"(?:[Tt]he\s+)?(?:(?:[A-Z][\w.'’\-]*|{ROLE_WORDS})\s+){{0,6}}[A-Z][\w.'’\-]*"
UNNAMED = r"(?:(?:[Aa]n?|[Tt]he)\s+)?(?:[\w.\-]+\s+){0,4}(?:official|officials|spokesman|spokeswoman|spokesperson|statement)"
SOURCE = rf"(?P<src>{NAMED}|{UNNAMED})"
SPEECH = r"(?:said|says|told\s+(?:[A-Z][\w.]*\s+){0,3}|added|claimed|insisted|stated|announced|warned|argued|maintained|confirmed|asserted|alleged|reported|wrote)"
WHEN = r"(?:\s+(?:on\s+)?(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|today|yesterday|earlier|last\s+\w+|this\s+\w+))?"

SAID_THAT = re.compile(rf"^{SOURCE}(?:,\s+[^,]{{3,80}},)?\s+{SPEECH}{WHEN}(?:\s+that)?\s+(?P<claim>[^\"“”]+?)\.?$")
CLAIM_SAID = re.compile(rf"^[\"“]?(?P<claim>[^\"“”]+?)[,.]?[\"”]?,?\s+{SOURCE}\s+(?:said|says|added|told\s+\S+(?:\s+\S+)?|claimed|insisted)(?:\s+(?:on\s+)?\w+day)?\.$")
SAID_SOURCE = re.compile(rf"^[\"“]?(?P<claim>[^\"“”]+?)[,.]?[\"”]?,?\s+(?:said|says)\s+{SOURCE}(?:,\s+[^.]+)?\.$")
ACCORDING_AFTER = re.compile(rf"^(?P<claim>[^\"“”]+?),\s+according\s+to\s+{SOURCE}\.$")
ACCORDING_BEFORE = re.compile(rf"^According\s+to\s+{SOURCE},\s+(?P<claim>[^\"“”]+?)\.$")
DENIED = re.compile(rf"^{SOURCE}(?:,\s+[^,]{{3,80}},)?\s+(?:has\s+|have\s+)?(?:denied|rejected|dismissed|disputed|refuted|rebuffed)\s+(?:the\s+)?(?:reports?|claims?|allegations?|suggestions?|rumou?rs?|accusations?)\s+that\s+(?P<claim>[^\"“”]+?)\.?$")
NO_COMMENT = re.compile(rf"^{SOURCE}(?:,\s+[^,]{{3,80}},)?\s+(?:has\s+|have\s+|had\s+)?(?:declined\s+to\s+comment|would\s+not\s+comment|refused\s+to\s+comment|could\s+not\s+(?:immediately\s+)?confirm|did\s+not\s+(?:immediately\s+)?confirm|would\s+not\s+confirm|has\s+not\s+confirmed|could\s+not\s+be\s+reached|did\s+not\s+respond|refused\s+to\s+confirm)\b")
SUPPORT_VERBS = r"(?:supports|supported|backs|backed|welcomed|welcomes|praised|praises|endorsed|endorses|approved|approves|signed|defended|defends|applauded|favou?rs|favou?red|hailed|called\s+for|pushed\s+for|voted\s+for|demanded|demands)"
OPPOSE_VERBS = r"(?:opposes|opposed|rejected|rejects|condemned|condemns|criticized|criticised|criticizes|criticises|denounced|denounces|blocked|vetoed|voted\s+against|slammed|slams|objected\s+to|resisted|decried|protested\s+against|fought\s+against|warned\s+against|challenged)"
POSITION = re.compile(rf"^{SOURCE}(?:,\s+[^,]{{3,80}},)?\s+(?:has\s+|have\s+|had\s+)?(?:strongly\s+|publicly\s+|repeatedly\s+|also\s+)?(?:(?P<sup>{SUPPORT_VERBS})|(?P<opp>{OPPOSE_VERBS}))\s+(?P<what>(?:the|a|an|his|her|its|their)\s+[^,.;:\"“”]{{3,90}})")

STRIP_TITLE = re.compile(rf"^(?:[Tt]he\s+)?(?:(?:[A-Z][a-z]+\s+)?{TITLE}\s+)+")
ORG_NOUNS = {"Ministry", "Department", "Office", "Agency", "Committee", "Council", "Court", "Command", "Service",
             "Services", "Bureau", "Commission", "Administration"}
PRONOUN_START = re.compile(r"^(?:it|he|she|they|we|i|you|this|that|there)\b", re.I)
CLAIM_NOUNS = ("claim", "report", "allegation", "assertion", "view")
NOT_SOURCES = {"It", "He", "She", "They", "We", "I", "You", "This", "That", "There", "But", "And", "The",
               "In", "On", "At", "As", "If", "When", "While", "After", "Before", "Some", "Many", "Others"}


def source_name(raw: str) -> str | None:
    """How the pipeline would name the source: titles dropped ("Pentagon spokesman Rear Adm. John
    Kirby" -> "John Kirby"), an unnamed official kept whole. None for pronouns and sentence words."""
    raw = raw.strip().rstrip(",")
    if raw.split()[0] in NOT_SOURCES and len(raw.split()) == 1:
        return None
    if re.search(r"(official|officials|spokesman|spokeswoman|spokesperson|statement)$", raw):
        return raw[0].upper() + raw[1:]
    name = STRIP_TITLE.sub("", raw).strip()
    if name.split()[:1] and name.split()[0] in ORG_NOUNS:
        name = raw  # "The Interior Ministry": the title words were part of the organisation's name
    # "The Pentagon" is named "Pentagon", as the pipeline's hypotheses name it.
    if name.startswith(("The ", "the ")) and name[4:5].isupper():
        name = name[4:]
    words = name.split()
    if not words or words[0] in NOT_SOURCES or len(words) > 5:
        return None
    if len(words) == 1 and len(name) < 4 and not name.isupper():
        return None
    if not all(w[0].isupper() or w in {"of", "the", "for", "and", "al-", "de"} for w in words):
        return None
    return name


FIRST_PERSON = {"i", "i'm", "i’m", "we", "we're", "we’re", "you", "my", "our", "me", "us", "i've", "i’ve", "we've", "we’ve"}
COMMON_FIRST = {"the", "it", "they", "there", "this", "that", "these", "those", "he", "she", "his", "her", "its",
                "their", "a", "an", "some", "many", "most", "all", "no", "now", "such", "if", "when", "while"}
NOT_CLAIM_START = {"in", "on", "at", "after", "before", "during", "for", "with", "by", "from", "to", "of", "and", "but"}


def tidy_claim(claim: str) -> str | None:
    """A reported claim fit for "X says that <claim>": 5 to 40 words, not first-person speech, not
    a bare adverbial; a capitalised common first word is lower-cased."""
    claim = re.sub(r"\s+", " ", claim).strip(" ,;:\"“”'‘’")
    words = claim.split()
    if not 5 <= len(words) <= 40:
        return None
    first = words[0].lower()
    if first in FIRST_PERSON or first in NOT_CLAIM_START:
        return None
    if first in COMMON_FIRST:
        claim = claim[:1].lower() + claim[1:]
    return claim.rstrip(".")


def sentence_shapes(sentence: str) -> list[tuple[str, str, str]]:
    """(kind, source, claim or position phrase) for each shape the sentence has; kind is one of
    asserts, denies, no-comment, supports, opposes."""
    found = []
    for pattern in (SAID_THAT, CLAIM_SAID, SAID_SOURCE, ACCORDING_AFTER, ACCORDING_BEFORE):
        match = pattern.match(sentence)
        if match:
            name, claim = source_name(match.group("src")), tidy_claim(match.group("claim"))
            if name and claim:
                found.append(("asserts", name, claim))
            break
    match = DENIED.match(sentence)
    if match:
        name, claim = source_name(match.group("src")), tidy_claim(match.group("claim"))
        if name and claim:
            found = [("denies", name, claim)]
    match = NO_COMMENT.match(sentence)
    if match:
        name = source_name(match.group("src"))
        if name:
            found.append(("no-comment", name, ""))
    match = POSITION.match(sentence)
    if match:
        name = source_name(match.group("src"))
        what = re.sub(r"\s+(?:and|but|because|after|before|as|which|that|who|in|on|at|for|with|over|on)\s*$", "", match.group("what").strip())
        what = re.split(r"\s+(?:because|after|before|while|as|which|saying|and\s+said)\s+", what)[0].strip()
        if name and 2 <= len(what.split()) <= 12:
            found.append(("supports" if match.group("sup") else "opposes", name, what))
    return found


# ---------------------------------------------------------------------------------------------
# Pairs

def _pair(premise, hypothesis, label, source, split, task, gold, text_id, polarity=""):
    return {"premise": premise, "hypothesis": hypothesis, "label": label, "source": source, "split": split,
            "task": task, "gold": gold, "text_id": text_id, "polarity": polarity}


STANCE_LABEL = {("favor", "supports"): "entailment", ("favor", "opposes"): "contradiction",
                ("against", "supports"): "contradiction", ("against", "opposes"): "entailment",
                ("none", "supports"): "neutral", ("none", "opposes"): "neutral"}


def split_sentences(text: str) -> list[str]:
    parts = re.split(r"(?<=[.!?])[\"”']?\s+(?=[A-Z\"“'])|\n+", text)
    return [re.sub(r"\s+", " ", p).strip() for p in parts if len(p.split()) >= 5]


def dev_body_ids(articles: Path) -> set[str]:
    """Body ids of the actor-stance dev articles, never trained on."""
    ids = set()
    path = articles / "actor-stance-dev.jsonl"
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                article_id = json.loads(line)["id"]
                ids.add(article_id.rsplit("-", 1)[-1])
    return ids


def real_reports(data: Path, articles: Path, rng: random.Random, dev_share: float = 0.1) -> list[dict]:
    """Pairs from the shapes of real FNC-1 news sentences (see the module docs)."""
    with gzip.open(data / "fnc1/train_bodies.csv.gz", "rt", encoding="utf-8") as handle:
        bodies = {row["Body ID"]: row["articleBody"] for row in csv.DictReader(handle)}
    excluded = dev_body_ids(articles)
    pairs = []
    for body_id in sorted(bodies, key=int):
        if body_id in excluded:
            continue
        split = "dev" if (int(body_id) * 2654435761) % 1000 < dev_share * 1000 else "train"
        sentences = split_sentences(bodies[body_id])
        shapes = [(s, shape) for s in sentences for shape in sentence_shapes(s)]
        sources = sorted({shape[1] for _, shape in shapes})
        claims = [shape[2] for _, shape in shapes if shape[0] in ("asserts", "denies")]
        text_id = "fnc1-body-" + body_id
        for sentence, (kind, name, what) in shapes:
            # Other sources of the article, never another form of this one's name.
            others = [s for s in sources if s != name and s not in sentence and not set(s.split()) & set(name.split())]
            noun = rng.choice(CLAIM_NOUNS)
            if kind in ("asserts", "denies"):
                stance = "favor" if kind == "asserts" else "against"
                topic = f"the {noun} that {what}"
                polarity = rng.choice(("supports", "opposes"))
                pairs.append(_pair(sentence, hypothesis(name, topic, polarity), STANCE_LABEL[(stance, polarity)],
                                   "news-real", split, f"report-{kind}", stance, text_id, polarity))
                verb = "says" if rng.random() < 0.5 else "believes"
                pairs.append(_pair(sentence, f"{name} {verb} that {what}.", "entailment" if kind == "asserts" else "contradiction",
                                   "news-real", split, f"report-{kind}-says", stance, text_id))
                if others:
                    other = rng.choice(others)
                    polarity = rng.choice(("supports", "opposes"))
                    pairs.append(_pair(sentence, hypothesis(other, topic, polarity), "neutral",
                                       "news-real", split, "report-other-source", "none", text_id, polarity))
                other_claims = [c for c in claims if c != what and c not in sentence]
                if other_claims and rng.random() < 0.5:
                    polarity = rng.choice(("supports", "opposes"))
                    other_topic = f"the {rng.choice(CLAIM_NOUNS)} that {rng.choice(other_claims)}"
                    pairs.append(_pair(sentence, hypothesis(name, other_topic, polarity), "neutral",
                                       "news-real", split, "report-other-claim", "none", text_id, polarity))
            elif kind == "no-comment" and claims:
                topic = f"the {noun} that {rng.choice(claims)}"
                polarity = rng.choice(("supports", "opposes"))
                pairs.append(_pair(sentence, hypothesis(name, topic, polarity), "neutral",
                                   "news-real", split, "report-no-comment", "none", text_id, polarity))
            elif kind in ("supports", "opposes"):
                stance = "favor" if kind == "supports" else "against"
                polarity = rng.choice(("supports", "opposes"))
                pairs.append(_pair(sentence, hypothesis(name, what, polarity), STANCE_LABEL[(stance, polarity)],
                                   "news-real", split, f"position-{kind}", stance, text_id, polarity))
                if others:
                    polarity = rng.choice(("supports", "opposes"))
                    pairs.append(_pair(sentence, hypothesis(rng.choice(others), what, polarity), "neutral",
                                       "news-real", split, "position-other-source", "none", text_id, polarity))
    return pairs


def hypothesis(actor: str, topic: str, polarity: str) -> str:
    verb = "supports" if polarity == "supports" else "opposes"
    text = f"{actor} {verb} {topic}."
    return text[:1].upper() + text[1:]


# ---------------------------------------------------------------------------------------------
# Reasoning templates: complementary topics, actions that are positions, several actors

# (frame, stance of the actor on {topic}); {topic} is a noun phrase that can be ended, lifted...
REASONING_FRAMES = [
    ("{actor} called for an end to {topic}.", "against"),
    ("{actor} demanded the withdrawal of {topic}.", "against"),
    ("{actor} pushed to lift {topic}.", "against"),
    ("{actor} wants {topic} scrapped.", "against"),
    ("{actor} vowed to repeal {topic}.", "against"),
    ("{actor} announced its withdrawal from {topic}.", "against"),
    ("{actor} vetoed {topic}.", "against"),
    ("{actor} sued to stop {topic}.", "against"),
    ("{actor} threatened to retaliate if {topic} goes ahead.", "against"),
    ("{actor} urged lawmakers to reject {topic}.", "against"),
    ("{actor} denounced {topic} as a disaster.", "against"),
    ("{actor} signed {topic} into law.", "favor"),
    ("{actor} voted for {topic}.", "favor"),
    ("{actor} urged partners to adopt {topic}.", "favor"),
    ("{actor} pressed Congress to fund {topic}.", "favor"),
    ("{actor} threatened to walk out unless {topic} is kept.", "favor"),
    ("{actor} has long championed {topic}.", "favor"),
    ("{actor} defended {topic} against its critics.", "favor"),
    ("{actor} fought to keep {topic} in place.", "favor"),
    ("{actor} warned that scrapping {topic} would be a mistake.", "favor"),
    ("{actor} welcomed {topic} as long overdue.", "favor"),
    ("{actor} said it would study {topic} before deciding.", "none"),
    ("{actor} declined to say whether it backs {topic}.", "none"),
    ("{actor} has not taken a position on {topic}.", "none"),
]

# Frames for measures (sanctions, bans, tariffs, taxes): threatening, imposing or seeking one is
# a position for it; lifting or ruling it out, against.
MEASURE_FRAMES = [
    ("{actor} has threatened {topic} unless talks resume.", "favor"),
    ("{actor} imposed {topic} last year.", "favor"),
    ("{actor} lifted {topic} on Monday.", "against"),
    ("{actor} is seeking support for {topic}.", "favor"),
    ("{actor} ruled out {topic}.", "against"),
    ("{actor} won backing for {topic} from its allies.", "favor"),
    ("{actor} wants {topic} eased.", "against"),
    ("{actor} has threatened {topic} since March.", "favor"),
]
MEASURE_WORDS = ("sanction", "ban", "tariff", "embargo", "restriction", "crackdown", "limit", "tax", "cut", "duties")

# Two actors in one sentence, each with a stance: (frame, stance of {a}, stance of {b}).
PAIR_FRAMES = [
    ("{a} and {b} both backed {topic}.", "favor", "favor"),
    ("{a} and {b} jointly condemned {topic}.", "against", "against"),
    ("{a} praised {topic}, while {b} rejected it.", "favor", "against"),
    ("{a} vowed to block {topic}, but {b} said it would go ahead.", "against", "favor"),
    ("{a} accused {b} of pushing {topic}.", "against", "favor"),
    ("{a} urged {b} to drop {topic}.", "against", "favor"),
    ("{a} welcomed {topic}; {b} called it a mistake.", "favor", "against"),
    ("{a} supports {topic}, {b} said.", "favor", "none"),
]

TEMPLATE_ACTORS = [
    "Karim Haddad", "Laura Bennett", "Samuel Okafor", "Angela Merkel", "Ingrid Larsen", "Rafael Mendoza",
    "the Kremlin", "the Elysee", "the Foreign Office", "the Trade Ministry", "Kazakhstan", "Chile", "Ghana",
    "the European Union", "the Arab League", "the Tamil Tigers", "the PKK", "the Clean Air Coalition",
    "the Center for Civil Liberties", "Human Rights Watch", "the Chicago Police Department", "Riverside College",
    "Hong Kong protesters", "22 Senate Republicans", "the families of the hostages", "Kenyan officials",
    "Maria Alvarez", "Olusegun Bello", "Tomas Novak", "Chen Wei", "the Interior Ministry", "Northwind Telecom",
]
HELD_OUT_ACTORS = ["Tariq Nasser", "Helen Whitfield", "the Peruvian government", "Amnesty International",
                   "the Federal Police", "the Malian government", "the Riverside Teachers Union", "the European Space Agency"]


def reasoning_templates(topics: list[str], rng: random.Random, count: int, split: str) -> list[dict]:
    """Complementary-topic, action and two-actor pairs. Dev uses every fourth frame and the held-out
    actors, so a dev score says whether the skill carries to unseen wording and names."""
    frames = held_split(REASONING_FRAMES, split)
    measure_frames = held_split(MEASURE_FRAMES, split)
    measures = [t for t in topics if any(w in t for w in MEASURE_WORDS)] or topics
    pair_frames = held_split(PAIR_FRAMES, split)
    actors = template_actors(split)
    pairs = []
    for n in range(count):
        topic = rng.choice(topics)
        roll = rng.random()
        if roll < 0.15:
            frame, stance = rng.choice(measure_frames)
            actor, topic = rng.choice(actors), rng.choice(measures)
            premise, labelled, task = capital(frame.format(actor=actor, topic=topic)), [(actor, stance)], "reasoning-measure"
        elif roll < 0.6:
            frame, stance = rng.choice(frames)
            actor = rng.choice(actors)
            premise, labelled, task = capital(frame.format(actor=actor, topic=topic)), [(actor, stance)], "reasoning-action"
        else:
            frame, stance_a, stance_b = rng.choice(pair_frames)
            a, b = rng.sample(actors, 2)
            premise, labelled, task = capital(frame.format(a=a, b=b, topic=topic)), [(a, stance_a), (b, stance_b)], "reasoning-two-actors"
        pairs += ask_each(premise, labelled, topic, rng, "news-reasoning", split, task, f"reasoning-{split}-{n}")
    return pairs


def held_split(items: list, split: str) -> list:
    """The items of a split: every fourth for dev, the others for train."""
    return [item for i, item in enumerate(items) if (i % 4 == 3) == (split == "dev")]


def template_actors(split: str) -> list[str]:
    return HELD_OUT_ACTORS if split == "dev" else TEMPLATE_ACTORS


def ask_each(premise: str, labelled: list[tuple[str, str]], topic: str, rng: random.Random, source: str,
             split: str, task: str, text_id: str) -> list[dict]:
    """One pair per (actor, stance) of a premise, asked as "supports" or "opposes" at random."""
    pairs = []
    for actor, stance in labelled:
        polarity = rng.choice(("supports", "opposes"))
        pairs.append(_pair(premise, hypothesis(actor, topic, polarity), STANCE_LABEL[(stance, polarity)],
                           source, split, task, stance, text_id, polarity))
    return pairs


def one_actor(frames: list, actors: list[str], rng: random.Random, **slots: str) -> tuple[str, list[tuple[str, str]]]:
    """A premise from a (frame, stance) frame with {A} filled by a random actor."""
    frame, stance = rng.choice(frames)
    actor = rng.choice(actors)
    return capital(frame.format(A=actor, **slots)), [(actor, stance)]


def two_actors(frames: list, actors: list[str], rng: random.Random, **slots: str) -> tuple[str, list[tuple[str, str]]]:
    """A premise from a (frame, stance of {A}, stance of {B}) frame with two different actors."""
    frame, stance_a, stance_b = rng.choice(frames)
    a, b = rng.sample(actors, 2)
    return capital(frame.format(A=a, B=b, **slots)), [(a, stance_a), (b, stance_b)]


def capital(text: str) -> str:
    return text[:1].upper() + text[1:]


# ---------------------------------------------------------------------------------------------
# Newer public sets

def _key(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()[:16]


def bucket(key: str, seed: int) -> float:
    return int(hashlib.sha1(f"{seed}:{key}".encode()).hexdigest()[:8], 16) / 0xFFFFFFFF


def read_mnli(data: Path, seed: int, dev_fraction: float = 0.05) -> Iterator[dict]:
    """MultiNLI dev matched + mismatched; a small hashed share held out as mnli dev."""
    for name in ("multinli_1.0_dev_matched.csv.gz", "multinli_1.0_dev_mismatched.csv.gz"):
        with gzip.open(data / "mnli" / name, "rt", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                if row["label"] not in ("entailment", "neutral", "contradiction"):
                    continue
                split = "dev" if bucket(row["sentence1"], seed) < dev_fraction else "train"
                yield _pair(row["sentence1"], row["sentence2"], row["label"], "mnli", split, "nli", row["label"],
                            "mnli-" + _key(row["sentence1"]))


def read_perspectrum(data: Path, rng: random.Random) -> Iterator[dict]:
    """A perspective that supports a claim: its author is for the claim; one that undermines it,
    against. Asked as the author, and as a named actor who voices the perspective."""
    files = (("pairs_train.jsonl.gz", "train"), ("pairs_dev.jsonl", "dev"))
    for name, split in files:
        path = data / "perspectrum" / name
        opener = gzip.open if name.endswith(".gz") else open
        with opener(path, "rt", encoding="utf-8") as handle:
            for line in handle:
                row = json.loads(line)
                stance = "favor" if row["label"] == "SUPPORT" else "against"
                claim = row["claim"].strip().rstrip(".")
                topic = f"the {rng.choice(CLAIM_NOUNS)} that {claim[:1].lower() + claim[1:]}"
                polarity = rng.choice(("supports", "opposes"))
                text = row["perspective"].strip()
                if rng.random() < 0.5:
                    premise, actor = text, "The author"
                else:
                    actor = rng.choice(TEMPLATE_ACTORS)
                    premise = f"{capital(actor)} said: {text}"
                yield _pair(premise, hypothesis(actor, topic, polarity), STANCE_LABEL[(stance, polarity)],
                            "perspectrum", split, "claim-perspective", stance, f"perspectrum-{row['perspective_id']}", polarity)


def read_ibm(data: Path, rng: random.Random) -> Iterator[dict]:
    """IBM claim stance: a claim for (PRO) or against (CON) a debate motion; dev is every fifth topic."""
    with open(data / "ibm-claim-stance/claim_stance_train.csv", encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            stance = {"PRO": "favor", "CON": "against"}.get(row["claims.stance"])
            if not stance:
                continue
            split = "dev" if int(row["topicId"]) % 5 == 0 else "train"
            motion = row["topicText"].strip().rstrip(".")
            topic = "the idea that " + motion[:1].lower() + motion[1:]
            polarity = rng.choice(("supports", "opposes"))
            yield _pair(row["claims.claimCorrectedText"], hypothesis("The author", topic, polarity),
                        STANCE_LABEL[(stance, polarity)], "ibm-claim-stance", split, "claim-stance", stance,
                        "ibm-" + row["claims.claimId"], polarity)


def read_gwsd(data: Path, rng: random.Random, seed: int) -> Iterator[dict]:
    """GWSD: news sentences for (agree), against (disagree) or neutral on global warming being a
    serious concern; the stance is the sentence's source's, asked as the author."""
    labels = {"0": "none", "1": "favor", "2": "against"}
    topic = "the view that global warming is a serious concern"
    with open(data / "gwsd/train.csv", encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            stance = labels.get(row["label"])
            if not stance:
                continue
            split = "dev" if bucket(row["text"], seed) < 0.15 else "train"
            polarity = rng.choice(("supports", "opposes"))
            yield _pair(row["text"], hypothesis("The author", topic, polarity), STANCE_LABEL[(stance, polarity)],
                        "gwsd", split, "news-sentence-stance", stance, "gwsd-" + _key(row["text"]), polarity)


def read_pstance(data: Path, rng: random.Random, limit: int) -> Iterator[dict]:
    """P-Stance: tweets for or against a US politician; train sampled to `limit`, val is dev."""
    for name, split in (("raw_train_all.csv.gz", "train"), ("raw_val_all.csv", "dev")):
        path = data / "pstance" / name
        opener = gzip.open if name.endswith(".gz") else open
        with opener(path, "rt", encoding="utf-8", newline="") as handle:
            rows = [r for r in csv.DictReader(handle) if r["Stance"] in ("FAVOR", "AGAINST")]
        if split == "train":
            rng.shuffle(rows)
            rows = rows[:limit]
        for row in rows:
            stance = "favor" if row["Stance"] == "FAVOR" else "against"
            polarity = rng.choice(("supports", "opposes"))
            yield _pair(row["Tweet"], hypothesis("The author", row["Target"], polarity), STANCE_LABEL[(stance, polarity)],
                        "pstance", split, "stance-author", stance, "pstance-" + _key(row["Tweet"]), polarity)


def read_arc(data: Path, reduce_body: Callable[[str, str], str], seed: int, unrelated_rate: float = 0.1) -> Iterator[dict]:
    """ARC headline/body stance like FNC-1: bodies reduced to the sentences that bear on the
    headline; every tenth body (by id) is dev."""
    labels = {"agree": "entailment", "disagree": "contradiction", "discuss": "neutral", "unrelated": "neutral"}
    with gzip.open(data / "arc/arc_bodies.csv.gz", "rt", encoding="utf-8") as handle:
        bodies = {row["Body ID"]: row["articleBody"] for row in csv.DictReader(handle)}
    rng = random.Random(seed)
    with gzip.open(data / "arc/arc_stances_train.csv.gz", "rt", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            stance, body_id = row["Stance"], row["Body ID"]
            if stance not in labels or body_id not in bodies:
                continue
            if stance == "unrelated" and rng.random() > unrelated_rate:
                continue
            split = "dev" if int(body_id) % 10 == 0 else "train"
            premise = reduce_body(row["Headline"], bodies[body_id])
            if premise:
                yield _pair(premise, row["Headline"], labels[stance], "arc", split, "nli", stance, "arc-body-" + body_id)


# ---------------------------------------------------------------------------------------------
# Stance against the grain of the words: topics that are themselves actions against someone
# ("firing the news anchor", "airstrikes against rebel bases") supported in harsh words,
# and kindly topics ("freeing the hostages") opposed in mild ones. The stage-4 model read the
# tone: "X wants the anchor fired" came out as X *opposing* the firing.

# (infinitive phrase, topic noun phrase as a pipeline topic would be labelled); {x} is filled
# from the act's own fillers.
HARSH_ACTS = [
    ("fire {x}", "firing {x}", ["the news anchor", "the police chief", "the coach", "the editor", "the agency director"]),
    ("impose sanctions on {x}", "sanctions on {x}", ["Russia", "Iran", "North Korea", "Venezuela", "Syria"]),
    ("launch an offensive against {x}", "the offensive against {x}", ["the rebels", "the insurgents", "the drug cartel", "the militia"]),
    ("carry out airstrikes against {x}", "airstrikes against {x}", ["rebel bases", "the Houthis", "insurgent positions", "militant camps"]),
    ("ban {x}", "a ban on {x}", ["the film", "the protest march", "the opposition party", "fracking", "the book"]),
    ("arrest {x}", "arresting {x}", ["the protest leaders", "the opposition leader", "the journalists", "the suspects"]),
    ("charge {x} with treason", "charging {x} with treason", ["the fighters who return", "the former minister", "the defectors"]),
    ("deport {x}", "deporting {x}", ["the migrants", "the asylum seekers", "foreign fighters", "the illegal workers"]),
    ("shut down {x}", "shutting down {x}", ["the newspaper", "the plant", "the detention camp", "the mosque", "the clinic"]),
    ("expel {x}", "expelling {x}", ["the ambassador", "the diplomats", "the foreign journalists", "the aid workers"]),
    ("sue {x}", "a lawsuit against {x}", ["the cable company", "the city", "the tabloid", "the company", "the school district"]),
    ("impeach {x}", "impeaching {x}", ["the president", "the governor", "the judge"]),
    ("cut funding for {x}", "cutting funding for {x}", ["the program", "the agency", "public broadcasting", "the mission"]),
    ("close {x}", "closing {x}", ["the border", "the embassy", "the airport", "the crossing"]),
    ("punish {x}", "punishing {x}", ["the killers of the journalist", "the rebels", "the rioters", "those responsible"]),
    ("investigate {x}", "an investigation into {x}", ["the bribery allegations", "the shooting", "the leak", "the ministry"]),
    ("strike back at {x}", "retaliation against {x}", ["the cartel", "the militants", "the gunmen", "the attackers"]),
    ("crack down on {x}", "the crackdown on {x}", ["the protesters", "dissent", "drug dealers", "illegal mining"]),
    ("execute {x}", "executing {x}", ["the convicted bombers", "the prisoners", "the hostage-takers"]),
    ("blockade {x}", "a blockade of {x}", ["the port", "the island", "the rebel-held city"]),
]
KIND_ACTS = [
    ("free {x}", "freeing {x}", ["the hostages", "the schoolgirls", "the political prisoners", "the aid worker"]),
    ("lift the sanctions on {x}", "lifting the sanctions on {x}", ["Iran", "Cuba", "Russia", "Sudan"]),
    ("negotiate with {x}", "negotiations with {x}", ["the guerrillas", "the militia", "the rebels", "the strikers"]),
    ("grant asylum to {x}", "granting asylum to {x}", ["the whistleblower", "the refugees", "the dissidents"]),
    ("raise {x}", "raising {x}", ["the minimum wage", "teachers' pay", "the aid budget"]),
    ("reopen {x}", "reopening {x}", ["the embassy", "the border crossing", "the schools", "the talks"]),
    ("extend {x}", "extending {x}", ["the ceasefire", "the truce", "the aid program"]),
    ("pardon {x}", "pardoning {x}", ["the protesters", "the whistleblower", "the former president"]),
    ("fund {x}", "funding for {x}", ["the new hospital", "the vaccine campaign", "the peacekeeping mission"]),
    ("accept {x}", "accepting {x}", ["more refugees", "the peace plan", "the UN monitors"]),
    ("release {x}", "releasing {x}", ["the detainees", "the report", "the journalists"]),
    ("rebuild {x}", "rebuilding {x}", ["the school", "the bridge", "the city"]),
]

# (frame, stance); {A} the actor, {vp} the act's infinitive phrase.
ACT_FRAMES = [
    ("{A} wants to {vp}.", "favor"),
    ("{A} called on the government to {vp}.", "favor"),
    ("{A} said it was time to {vp}.", "favor"),
    ("{A} is pushing to {vp}.", "favor"),
    ("{A} vowed to {vp}.", "favor"),
    ("{A} has decided to {vp}.", "favor"),
    ("{A} moved on Tuesday to {vp}.", "favor"),
    ("\"We must {vp},\" {A} said.", "favor"),
    ("{A} defended the decision to {vp}.", "favor"),
    ("{A} praised the plan to {vp}.", "favor"),
    ("{A} insisted that the only option was to {vp}.", "favor"),
    ("{A} urged its allies to {vp} as soon as possible.", "favor"),
    ("{A} warned against any move to {vp}.", "against"),
    ("{A} said it would be a mistake to {vp}.", "against"),
    ("{A} refused to {vp}.", "against"),
    ("{A} rejected calls to {vp}.", "against"),
    ("{A} criticised the decision to {vp}.", "against"),
    ("\"We will not {vp},\" {A} said.", "against"),
    ("{A} condemned the plan to {vp}.", "against"),
    ("{A} blocked an attempt to {vp}.", "against"),
    ("{A} said there was no need to {vp}.", "against"),
    ("{A} voted down a motion to {vp}.", "against"),
    ("{A} said it had not decided whether to {vp}.", "none"),
    ("{A} declined to say whether it would {vp}.", "none"),
    ("{A} was asked whether it would {vp} but did not answer.", "none"),
]
# Frames that speak of the act by its noun phrase: (frame, stance).
NOUN_FRAMES = [
    ("{A} demanded {np}.", "favor"),
    ("{A} ordered {np}.", "favor"),
    ("{A} announced {np} on Monday.", "favor"),
    ("{A} said {np} was long overdue.", "favor"),
    ("{A} said it was cautiously optimistic about {np}.", "favor"),
    ("{A} called {np} a step in the right direction.", "favor"),
    ("{A} called {np} a grave mistake.", "against"),
    ("{A} said it was deeply troubled by {np}.", "against"),
    ("{A} protested against {np}.", "against"),
    ("{A} said {np} would only make things worse.", "against"),
    ("{A} said it would study {np} before taking a position.", "none"),
]
# Two actors on one act: (frame, stance of {A}, stance of {B}).
ACT_PAIR_FRAMES = [
    ("{B} condemned {A}'s decision to {vp}.", "favor", "against"),
    ("{B} welcomed {A}'s decision to {vp}.", "favor", "favor"),
    ("{A} wants to {vp}, but {B} is against it.", "favor", "against"),
    ("{B} accused {A} of refusing to {vp}.", "against", "favor"),
    ("{A} and {B} both want to {vp}.", "favor", "favor"),
    ("{A} said it would {vp}, {B} reported.", "favor", "none"),
]


def valence_templates(rng: random.Random, count: int, split: str) -> list[dict]:
    """Pairs whose stance runs against the tone of their words (see HARSH_ACTS). Dev holds every
    fourth act, every fourth frame and the held-out actors, so its score says whether the skill
    carries to unseen acts and wording."""
    acts = held_split(HARSH_ACTS + KIND_ACTS, split)
    frames = held_split(ACT_FRAMES, split)
    noun_frames = held_split(NOUN_FRAMES, split)
    pair_frames = held_split(ACT_PAIR_FRAMES, split)
    actors = template_actors(split)
    pairs = []
    for n in range(count):
        vp, np, fillers = rng.choice(acts)
        x = rng.choice(fillers)
        vp, np = vp.format(x=x), np.format(x=x)
        roll = rng.random()
        if roll < 0.6 or roll < 0.8 and not noun_frames:
            premise, labelled = one_actor(frames, actors, rng, vp=vp)
        elif roll < 0.8:
            premise, labelled = one_actor(noun_frames, actors, rng, np=np)
        else:
            premise, labelled = two_actors(pair_frames, actors, rng, vp=vp)
        pairs += ask_each(premise, labelled, np, rng, "news-valence", split, "valence", f"valence-{split}-{n}")
    return pairs


# ---------------------------------------------------------------------------------------------
# Claims as topics: who asserts, who denies, who declines to say. Real-news topics are often
# claims ("the report that the minister met the rebels"); stage 5b read "X has refused to confirm
# the reports" as *against* the report and "clarified that she is not the wife" as *for* the
# claim that she is. No actor, act or claim here is taken from the actor-stance dev set
# (scripts/tests pins it), so the dev set still measures what carries to unseen news.

# (clause as a sentence says it, the topic as a pipeline labels it)
CLAIMS = [
    ("cholera had broken out in the refugee camp", "the report that cholera broke out in the refugee camp"),
    ("the aid convoy was hit by a government airstrike", "the claim that the aid convoy was hit by a government airstrike"),
    ("rebels captured the army's supply depot", "the report that rebels captured the army's supply depot"),
    ("the cartel boss had been captured in the raid", "the report that the cartel boss was captured"),
    ("the police used rubber bullets on the marchers", "the claim that the police used rubber bullets on the marchers"),
    ("the airline overcharges its passengers", "the allegation that the airline overcharges its passengers"),
    ("the minister had secretly met the rebels", "the report that the minister met the rebels"),
    ("the pardoned prisoners have rejoined the gang", "the claim that the pardoned prisoners rejoined the gang"),
    ("the prince paid for the stadium himself", "the claim that the prince paid for the stadium"),
    ("an earthquake caused the dam to crack", "the claim that an earthquake caused the dam to crack"),
    ("the arrested man is the smuggling ring's accountant", "the claim that the arrested man is the smuggling ring's accountant"),
    ("a trade deal had been agreed", "the report that a trade deal was agreed"),
    ("the journalist was a spy", "the claim that the journalist was a spy"),
    ("the manager knew about the fraud", "the claim that the manager knew about the fraud"),
    ("the photos were taken years ago", "the claim that the photos were taken years ago"),
    ("the gunman acted alone", "the claim that the gunman acted alone"),
    ("foreign troops crossed the border", "the report that foreign troops crossed the border"),
    ("the election was rigged", "the claim that the election was rigged"),
    ("the senator exaggerated her military record", "the allegation that the senator exaggerated her military record"),
    ("the virus had spread to the capital", "the report that the virus spread to the capital"),
    ("the factory leaked toxic waste", "the allegation that the factory leaked toxic waste"),
    ("the spy agency tapped the chancellor's phone", "the report that the spy agency tapped the chancellor's phone"),
    ("border guards had defected to the rebels", "the report that border guards defected to the rebels"),
    ("a bribe was paid for the contract", "the claim that a bribe was paid for the contract"),
]

# (frame, stance of {A} on the claim); {clause} the claim as a clause.
CLAIM_FRAMES = [
    ("{A} confirmed that {clause}.", "favor"),
    ("{A} said {clause}.", "favor"),
    ("\"We can say that {clause},\" {A} said.", "favor"),
    ("{A} insisted that {clause}.", "favor"),
    ("According to {A}, {clause}.", "favor"),
    ("{A} said it had evidence that {clause}.", "favor"),
    ("{A} told reporters that {clause}.", "favor"),
    ("{A} stood by its report that {clause}.", "favor"),
    ("{A} denied reports that {clause}.", "against"),
    ("{A} dismissed claims that {clause} as unfounded.", "against"),
    ("{A} said reports that {clause} were false.", "against"),
    ("{A} rejected the claim that {clause}.", "against"),
    ("{A} said there was no evidence that {clause}.", "against"),
    ("{A} clarified that it is not true that {clause}.", "against"),
    ("{A} disputed reports that {clause}.", "against"),
    ("\"It is simply not true that {clause},\" {A} said.", "against"),
    ("{A} declined to confirm reports that {clause}.", "none"),
    ("{A} refused to confirm or deny that {clause}.", "none"),
    ("{A} said it could not confirm that {clause}.", "none"),
    ("{A} said it was looking into reports that {clause}.", "none"),
    ("{A} would not comment on reports that {clause}.", "none"),
    ("{A} said it was too early to say whether {clause}.", "none"),
    ("{A} has refused to confirm the reports that {clause}.", "none"),
    ("{A} said it had no information on whether {clause}.", "none"),
]
CLAIM_PAIR_FRAMES = [
    ("{A} said {clause}, but {B} denied it.", "favor", "against"),
    ("{A} claimed {clause}; {B} declined to comment.", "favor", "none"),
    ("{B} dismissed {A}'s claim that {clause}.", "favor", "against"),
    ("{A} denied that {clause}, contradicting {B}.", "against", "favor"),
]

# Acts aimed at the actor itself: "the fight against the Islamic State" is opposed by the Islamic
# State however the sentence sounds. (frame, stance); {np} is the act with the actor as target.
SELF_TARGET_FRAMES = [
    ("{A} vowed to fight back against {np}.", "against"),
    ("{A} mocked {np} in a new video.", "against"),
    ("{A} called {np} a crusade.", "against"),
    ("{A} said {np} would fail.", "against"),
    ("{A} has not commented on {np}.", "none"),
]
SELF_TARGET_ACTS = ["the fight against {x}", "the offensive against {x}", "airstrikes against {x}", "sanctions on {x}",
                    "the crackdown on {x}", "a lawsuit against {x}", "the investigation into {x}", "the campaign against {x}"]


def claim_templates(rng: random.Random, count: int, split: str) -> list[dict]:
    """Claims asserted, denied and left unconfirmed, and acts aimed at the actor itself. Dev holds
    every fourth claim, frame and self-target act and the held-out actors."""
    claims = held_split(CLAIMS, split)
    frames = held_split(CLAIM_FRAMES, split)
    pair_frames = held_split(CLAIM_PAIR_FRAMES, split)
    self_frames = held_split(SELF_TARGET_FRAMES, split) or SELF_TARGET_FRAMES[:1]
    self_acts = held_split(SELF_TARGET_ACTS, split)
    actors = template_actors(split)
    pairs = []
    for n in range(count):
        roll = rng.random()
        if roll < 0.15:
            frame, stance = rng.choice(self_frames)
            actor = rng.choice(actors)
            topic = rng.choice(self_acts).format(x=actor)
            premise, labelled = capital(frame.format(A=actor, np=topic)), [(actor, stance)]
        else:
            clause, topic = rng.choice(claims)
            if roll < 0.8 or not pair_frames:
                premise, labelled = one_actor(frames, actors, rng, clause=clause)
            else:
                premise, labelled = two_actors(pair_frames, actors, rng, clause=clause)
        pairs += ask_each(premise, labelled, topic, rng, "news-claims", split, "claims", f"claims-{split}-{n}")
    return pairs


# ---------------------------------------------------------------------------------------------
# Deeds as positions: an actor that does the act the topic names is for it ("X launched the
# offensive", "X's airstrikes", "nothing came of X's talks"); one that accuses is for the
# allegation; one that warns of a danger is for the remedy. The stage-6 model read the harm in
# such sentences as opposition ("launched an offensive" -> against the offensive). Every act,
# target and danger here is our own; the frames are kept in the card as dev-informed.

DEEDS = [
    # (the act as done, the act as a topic, who or what it is aimed at as a topic, the doer's
    # stance on that target; None where the act takes no side on it)
    ("an offensive against the rebels in the north", "the offensive against the northern rebels", "the northern rebels", "against"),
    ("airstrikes on militant camps", "airstrikes against militant camps", "the militants", "against"),
    ("a crackdown on illegal mining", "the crackdown on illegal mining", "illegal mining", "against"),
    ("a blockade of the port", "the blockade of the port", None, None),
    ("an inquiry into the bribery allegations", "the inquiry into the bribery allegations", None, None),
    ("a lawsuit against the cable company", "the lawsuit against the cable company", "the cable company", "against"),
    ("talks with the guerrillas", "negotiations with the guerrillas", "the guerrillas", "none"),
    ("a campaign to vaccinate children against polio", "the polio vaccination campaign", None, None),
    ("raids on drug warehouses", "the raids on drug warehouses", None, None),
    ("a recall of the faulty cars", "recalling the faulty cars", None, None),
    ("an audit of the election results", "auditing the election results", None, None),
    ("sanctions on the regime's banks", "sanctions on the regime's banks", "the regime", "against"),
    ("deportations of undocumented workers", "deporting undocumented workers", None, None),
    ("a boycott of the summit", "the boycott of the summit", "the summit", "against"),
    ("an airlift of food to the besieged town", "supplying the besieged town", None, None),
    ("a review of the sentencing rules", "reviewing the sentencing rules", None, None),
    ("patrols along the coast", "patrolling the coast", None, None),
    ("a purge of the officer corps", "purging the officer corps", "the officer corps", "against"),
    ("evictions of the squatters", "evicting the squatters", "the squatters", "against"),
    ("a bailout of the steel plant", "bailing out the steel plant", "the steel plant", "favor"),
]

# (frame, stance of {A}); {d} the act with its article, {p} without (after "{A}'s").
DEED_FRAMES = [
    ("{A} launched {d} on Sunday.", "favor"),
    ("{A} has stepped up {d}.", "favor"),
    ("In retaliation for {A}'s {p}, gunmen seized two hostages.", "favor"),
    ("Nothing came of {A}'s {p}.", "favor"),
    ("{A} is pressing ahead with {d} despite the criticism.", "favor"),
    ("{A}'s {p} entered its third week on Monday.", "favor"),
    ("{A} filed a petition seeking {d}.", "favor"),
    ("Days after {A} began {d}, the death toll had risen to 40.", "favor"),
    ("{A} pulled out of {d}.", "against"),
    ("{A} demanded an end to {d}.", "against"),
    ("{A} refused to take part in {d}.", "against"),
    ("{A} said {d} must stop at once.", "against"),
    ("{A} called {d} a crime.", "against"),
    ("{A} voted to halt {d}.", "against"),
    ("{A} was asked about {d} but gave no answer.", "none"),
    ("{A} said it was following {d} closely.", "none"),
    ("{A}'s {p} stalled after a week.", "favor"),
    ("The cost of {A}'s {p} has doubled.", "favor"),
    ("Rights groups criticised {A}'s {p}.", "favor"),
    ("{A} wound down {d} after pressure from its allies.", "against"),
    ("{A} said it had played no part in {d}.", "none"),
]
DEED_PAIR_FRAMES = [
    ("{B} condemned {A}'s {p}.", "favor", "against"),
    ("{A}'s {p} drew praise from {B}.", "favor", "favor"),
    ("{A} launched {d}, and {B} called for it to be halted.", "favor", "against"),
    ("{B} joined {A} in {d}.", "favor", "favor"),
]

# (who is accused, of what as a gerund phrase, the allegation as a pipeline labels it)
ACCUSATIONS = [
    ("the mining company", "polluting the river", "the allegation that the mining company polluted the river"),
    ("the mayor", "rigging the tender", "the allegation that the mayor rigged the tender"),
    ("the coach", "doping his athletes", "the allegation that the coach doped his athletes"),
    ("the army", "hiding the casualty figures", "the claim that the army hid the casualty figures"),
    ("the landlord", "ignoring safety complaints", "the allegation that the landlord ignored safety complaints"),
    ("the prison guards", "beating the inmates", "the allegation that the prison guards beat the inmates"),
    ("the franchise", "cheating its store owners", "the allegation that the franchise cheats its store owners"),
    ("the union boss", "embezzling members' dues", "the allegation that the union boss embezzled members' dues"),
]
ACCUSE_FRAMES = [
    ("{A} accused {t} of {g}.", "favor"),
    ("A report by {A} accused {t} of {g}.", "favor"),
    ("{A} has long accused {t} of {g}.", "favor"),
    ("{A} cleared {t} of {g}.", "against"),
    ("{A} said it had found no evidence of {t} {g}.", "against"),
    ("{A} would not say whether it suspected {t} of {g}.", "none"),
    ("{A} defended {t} against charges of {g}.", "against"),
    ("{A} acquitted {t} of {g}.", "against"),
    ("{A} said {t} was innocent of {g}.", "against"),
    ("{A} said it was too early to say whether {t} was guilty of {g}.", "none"),
    ("{A} repeated its charge that {t} was guilty of {g}.", "favor"),
]

# (the danger as a clause, the remedy as a pipeline labels it)
DANGERS = [
    ("the unguarded coast was an open door for smugglers", "patrolling the coast"),
    ("the crumbling dam could burst at any time", "repairing the dam"),
    ("low vaccination rates left the city exposed to measles", "the measles vaccination drive"),
    ("the town had no defences against the next flood", "building flood barriers"),
    ("unchecked arms sales were fuelling the civil war", "an arms embargo"),
    ("the unlicensed clinics were putting patients at risk", "closing the unlicensed clinics"),
    ("smog from the coal plants was killing thousands a year", "shutting the coal plants"),
    ("the old bridge could collapse under heavy lorries", "replacing the old bridge"),
    ("hackers could take down the power grid", "securing the power grid"),
    ("overfishing would empty the bay within a decade", "a fishing quota for the bay"),
    ("the drought would leave the region without water by summer", "water rationing"),
    ("the spread of the fungus threatened the harvest", "spraying the fields"),
    ("counterfeit medicines were flooding the markets", "a crackdown on counterfeit medicines"),
    ("untreated sewage was poisoning the lake", "a new sewage plant"),
    ("the wildfire could reach the villages by nightfall", "evacuating the villages"),
    ("rogue landlords were exploiting tenants", "licensing landlords"),
]
DANGER_FRAMES = [
    ("{A} warned that {c}.", "favor"),
    ("{A} said {c}, adding that time was running out.", "favor"),
    ("{A} played down fears that {c}.", "against"),
    ("{A} said it had no view on claims that {c}.", "none"),
    ("{A} cautioned that {c}.", "favor"),
    ("\"We know that {c},\" {A} said.", "favor"),
    ("{A} dismissed warnings that {c} as alarmist.", "against"),
]


def deed_templates(rng: random.Random, count: int, split: str) -> list[dict]:
    """Acts done, accusations made and dangers warned of, each a position on what the topic names.
    Dev holds every fourth act, accusation, danger and frame and the held-out actors."""
    deeds = held_split(DEEDS, split)
    frames = held_split(DEED_FRAMES, split)
    pair_frames = held_split(DEED_PAIR_FRAMES, split)
    accusations = held_split(ACCUSATIONS, split)
    accuse_frames = held_split(ACCUSE_FRAMES, split)
    dangers = held_split(DANGERS, split)
    danger_frames = held_split(DANGER_FRAMES, split)
    actors = template_actors(split)
    pairs = []
    for n in range(count):
        roll = rng.random()
        # The act's target, asked of its doer, keeps "did it" apart from "is for everything the
        # sentence names" ("X launched an offensive against the rebels": against the rebels).
        on_target: list[tuple[str, str]] = []
        if roll < 0.6:
            done, topic, target, target_stance = rng.choice(deeds)
            bare = done.split(" ", 1)[1] if done.split(" ", 1)[0] in ("a", "an") else done
            if roll < 0.45:
                premise, labelled = one_actor(frames, actors, rng, d=done, p=bare)
            else:
                premise, labelled = two_actors(pair_frames, actors, rng, d=done, p=bare)
            if target:
                on_target = [(actor, target_stance) for actor, stance in labelled[:1] if stance == "favor"]
        elif roll < 0.85:
            target, gerund, topic = rng.choice(accusations)
            premise, labelled = one_actor(accuse_frames, actors, rng, t=target, g=gerund)
        else:
            clause, topic = rng.choice(dangers)
            premise, labelled = one_actor(danger_frames, actors, rng, c=clause)
        for actor, _ in labelled:
            for form in (actor, capital(actor)):
                premise = premise.replace(form + "'s ", possessive(form) + " ")
        pairs += ask_each(premise, labelled, topic, rng, "news-deeds", split, "deeds", f"deeds-{split}-{n}")
        if on_target:
            pairs += ask_each(premise, on_target, target, rng, "news-deeds", split, "deeds-target", f"deeds-{split}-{n}")
    return pairs


def possessive(name: str) -> str:
    """'the PKK's', 'Hong Kong protesters''."""
    return name + "'" if name.endswith("s") else name + "'s"
