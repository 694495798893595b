#!/usr/bin/env python3
"""Build the NER training, dev and test sets for Standpoint's name tagger from the public NER
sets in ../shared/data (see its MANIFEST.md), mapped onto one IOB2 scheme over PER, ORG, LOC.

Sources and their roles:
- train: BTC (all six sections), WNUT-17 train + dev, WikiGold (all), re3d train (names only),
  GUM train (named person / organization / place mentions), UNER English-EWT dev;
- dev (model selection): GUM dev and re3d test;
- test (reported, never trained on): UNER English-EWT test, GUM test.

Mappings (MANIFEST hints): WNUT person->PER, corporation/group->ORG, location->LOC, the rest O;
WikiGold is IOB1 with only I- tags, converted to IOB2, MISC->O; re3d Person/Organisation/
Location, descriptions and pronouns (spans with no capitalised word) dropped; BTC's '@' + user
name, tagged as two B- tags, become one mention; GUM mentions of the three types whose words
are proper nouns (a leading determiner aside).

Writes JSON lines {"tokens", "tags", "source"} to work/ner/{train,dev,test-uner,test-gum}.jsonl.
Standard library only.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TYPES = ("PER", "ORG", "LOC")


def read_columns(path: Path, token_col: int, tag_col: int, sep: str | None = "\t"):
    """Blank-line separated sentences of (token, tag) from a column file; '#' comments skipped."""
    opener = gzip.open if path.suffix == ".gz" else open
    sentence: list[tuple[str, str]] = []
    with opener(path, "rt", encoding="utf-8") as handle:
        for raw in handle:
            line = raw.rstrip("\n").rstrip("\r")
            if not line.strip():
                if sentence:
                    yield sentence
                sentence = []
                continue
            if line.startswith("# ") or line.startswith("-DOCSTART-"):
                continue
            parts = line.split(sep) if sep else line.split()
            if len(parts) <= max(token_col, tag_col):
                continue
            sentence.append((parts[token_col], parts[tag_col]))
    if sentence:
        yield sentence


def map_tags(tags: list[str], mapping: dict[str, str | None], iob1: bool = False) -> list[str]:
    """Rename entity types (None drops the mention to O) and repair the IOB2 structure."""
    out = []
    previous = "O"
    for tag in tags:
        if tag == "O" or "-" not in tag:
            out.append("O")
            previous = "O"
            continue
        prefix, kind = tag.split("-", 1)
        mapped = mapping.get(kind)
        if mapped is None:
            out.append("O")
            previous = "O"
            continue
        if iob1:
            prefix = "I" if previous == mapped and prefix == "I" else "B"
        elif prefix == "I" and previous != mapped:
            prefix = "B"
        out.append(f"{prefix}-{mapped}")
        previous = mapped
    return out


def spans(tags: list[str]) -> list[tuple[int, int, str]]:
    """(start, end, type) of each IOB2 mention."""
    found = []
    start = None
    kind = None
    for i, tag in enumerate(tags + ["O"]):
        if start is not None and not tag.startswith("I-"):
            found.append((start, i, kind))
            start = None
        if tag.startswith("B-"):
            start, kind = i, tag[2:]
    return found


def drop_spans(tags: list[str], keep) -> list[str]:
    out = list(tags)
    for start, end, kind in spans(tags):
        if not keep(start, end, kind):
            for i in range(start, end):
                out[i] = "O"
    return out


def merge_at_mentions(tokens: list[str], tags: list[str]) -> list[str]:
    """BTC tags '@' and the user name as two mentions: make them one."""
    out = list(tags)
    for i in range(len(tokens) - 1):
        if tokens[i] == "@" and out[i].startswith("B-") and out[i + 1] == out[i]:
            out[i + 1] = "I-" + out[i][2:]
    return out


def btc(shared: Path):
    for section in "abefgh":
        for sentence in read_columns(shared / f"ner/btc/{section}.conll", 0, 1):
            tokens = [t for t, _ in sentence]
            tags = map_tags([g for _, g in sentence], {t: t for t in TYPES})
            yield {"tokens": tokens, "tags": merge_at_mentions(tokens, tags), "source": f"btc-{section}"}


def wnut(shared: Path, names: list[str]):
    mapping = {"person": "PER", "corporation": "ORG", "group": "ORG", "location": "LOC"}
    for name in names:
        for sentence in read_columns(shared / f"ner/wnut17/{name}", 0, 1, sep=None):
            yield {"tokens": [t for t, _ in sentence], "tags": map_tags([g for _, g in sentence], mapping), "source": "wnut17"}


def wikigold(shared: Path):
    mapping = {"PER": "PER", "ORG": "ORG", "LOC": "LOC"}
    for sentence in read_columns(shared / "ner/wikigold/wikigold.conll.txt", 0, 1, sep=" "):
        yield {"tokens": [t for t, _ in sentence], "tags": map_tags([g for _, g in sentence], mapping, iob1=True), "source": "wikigold"}


def re3d(shared: Path, name: str):
    mapping = {"Person": "PER", "Organisation": "ORG", "Location": "LOC"}
    for sentence in read_columns(shared / f"ner/re3d/{name}", 0, 1):
        tokens = [t for t, _ in sentence]
        tags = map_tags([g for _, g in sentence], mapping)
        # re3d also tags descriptions and pronouns ("the army", "he"); the tagger finds names.
        tags = drop_spans(tags, lambda s, e, k: any(tokens[i][:1].isupper() for i in range(s, e)))
        yield {"tokens": tokens, "tags": tags, "source": "re3d"}


def uner(shared: Path, name: str):
    for sentence in read_columns(shared / f"ner/uner-en-ewt/{name}", 1, 2):
        yield {"tokens": [t for t, _ in sentence], "tags": map_tags([g for _, g in sentence], {t: t for t in TYPES}), "source": "uner"}


GUM_TYPES = {"person": "PER", "organization": "ORG", "place": "LOC"}
DETERMINERS = {"the", "a", "an"}


def entity_brackets(entity: str):
    """CorefUD brackets of one token, in order: (type, id, opens-and-closes-here) for "(id-type-
    ...", with single=True when ")" follows at once; (None, id, False) for a closing "id)"."""
    pos = 0
    while pos < len(entity):
        if entity[pos] == "(":
            match = re.match(r"\((\d+)-([a-z]+)[^()]*", entity[pos:])
            if not match:
                return
            pos += match.end()
            single = pos < len(entity) and entity[pos] == ")"
            if single:
                pos += 1
            yield match.group(2), match.group(1), single
        else:
            match = re.match(r"(\d+)\)", entity[pos:])
            if not match:
                return
            pos += match.end()
            yield None, match.group(1), False


def gum(shared: Path, split: str):
    """Named person/organization/place mentions of GUM: the words of the mention (a leading
    determiner aside) are proper nouns, or joiners ("of", "and", "-") between proper nouns."""
    path = shared / f"gum/gum-dep-{split}.conllu.gz"
    rows: list[list[str]] = []

    def flush():
        if not rows:
            return None
        tokens = [r[1] for r in rows]
        upos = [r[3] for r in rows]
        tags = ["O"] * len(tokens)
        stack: dict[str, list[tuple[int, str]]] = {}
        mentions = []
        for i, r in enumerate(rows):
            entity = next((f[len("Entity="):] for f in r[9].split("|") if f.startswith("Entity=")), "")
            for kind, ident, single in entity_brackets(entity):
                if kind is None:  # a closing bracket "id)"
                    if stack.get(ident):
                        start, opened_kind = stack[ident].pop()
                        mentions.append((start, i + 1, opened_kind))
                elif single:
                    mentions.append((i, i + 1, kind))
                else:
                    stack.setdefault(ident, []).append((i, kind))
        named = []
        for start, end, kind in mentions:
            if kind not in GUM_TYPES:
                continue
            while start < end and tokens[start].lower() in DETERMINERS:
                start += 1
            words = list(range(start, end))
            if not words or upos[words[0]] != "PROPN" or upos[words[-1]] not in ("PROPN", "NUM"):
                continue
            if all(upos[i] in ("PROPN", "NUM", "PUNCT", "CCONJ", "ADP", "DET", "PART") for i in words):
                named.append((start, end, GUM_TYPES[kind]))
        # Outermost first; skip mentions inside one already taken.
        named.sort(key=lambda m: (m[0], -(m[1] - m[0])))
        taken = [False] * len(tokens)
        for start, end, kind in named:
            if any(taken[start:end]):
                continue
            tags[start] = "B-" + kind
            for i in range(start + 1, end):
                tags[i] = "I-" + kind
            for i in range(start, end):
                taken[i] = True
        return {"tokens": tokens, "tags": tags, "source": "gum"}

    with gzip.open(path, "rt", encoding="utf-8") as handle:
        for raw in handle:
            line = raw.rstrip("\n")
            if not line:
                item = flush()
                rows = []
                if item:
                    yield item
                continue
            if line.startswith("#"):
                continue
            cols = line.split("\t")
            if len(cols) != 10 or "-" in cols[0] or "." in cols[0]:
                continue  # multiword token ranges and empty nodes
            rows.append(cols)
    item = flush()
    if item:
        yield item


def write(path: Path, items) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    with path.open("w", encoding="utf-8") as out:
        for item in items:
            if not item["tokens"]:
                continue
            assert len(item["tokens"]) == len(item["tags"])
            out.write(json.dumps(item, ensure_ascii=False) + "\n")
            n += 1
    return n


def build(shared: Path, out: Path) -> dict[str, int]:
    def train():
        yield from btc(shared)
        yield from wnut(shared, ["wnut17train.conll", "emerging.dev.conll"])
        yield from wikigold(shared)
        yield from re3d(shared, "re3d-train.nobbc.conll")
        yield from gum(shared, "train")
        yield from uner(shared, "en_ewt-ud-dev.iob2")

    def dev():
        yield from gum(shared, "dev")
        yield from re3d(shared, "re3d-test.nobbc.conll")

    return {
        "train": write(out / "train.jsonl", train()),
        "dev": write(out / "dev.jsonl", dev()),
        "test-uner": write(out / "test-uner.jsonl", uner(shared, "en_ewt-ud-test.iob2")),
        "test-gum": write(out / "test-gum.jsonl", gum(shared, "test")),
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--out", type=Path, default=ROOT / "work" / "ner")
    args = parser.parse_args(argv)
    if not args.shared.is_dir():
        print(f"error: {args.shared} is not a directory (the shared data folder)", file=sys.stderr)
        return 2
    counts = build(args.shared, args.out)
    for name, n in counts.items():
        print(f"{name}: {n} sentences -> {args.out / (name + '.jsonl')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
