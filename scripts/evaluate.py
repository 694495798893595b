#!/usr/bin/env python3
"""Evaluate a Standpoint cross-encoder on every dev split and on the seed article's gold rows.

Reports: VAST dev macro-F1 (pro/con/neutral), SemEval-2016 trial F_avg (mean F1 of favor and
against), NewsMTSC dev F1m, SNLI held-out and RTE carved-dev accuracy, plus FNC-1, SentiHood
and SST-2 dev figures, and the seed article (each gold row's evidence sentences scored against
"{actor} supports {topic}."). Writes the figures as JSON (--out) and prints a Markdown table.

The model is loaded the way users load it in transformers: the base encoder with
AutoModelForSequenceClassification, then the PEFT adapter (or a full model directory).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
import tomllib
from collections import defaultdict
from pathlib import Path

import torch
from transformers import AutoModelForSequenceClassification, BertTokenizerFast

ROOT = Path(__file__).resolve().parent.parent


def load(model_dir: Path, base: Path):
    config = json.loads((model_dir / "config.json").read_text())
    id2label = {int(k): v for k, v in config["id2label"].items()}
    if (model_dir / "adapter_model.safetensors").exists():
        from peft import PeftModel
        model = AutoModelForSequenceClassification.from_pretrained(
            base, num_labels=len(id2label), id2label=id2label, label2id=config["label2id"])
        model = PeftModel.from_pretrained(model, model_dir)
    else:
        # Weights are stored as f16 to keep the repository small; compute in f32 like the Rust side.
        model = AutoModelForSequenceClassification.from_pretrained(model_dir, dtype=torch.float32)
    tokenizer = BertTokenizerFast(tokenizer_file=str(model_dir / "tokenizer.json"))
    return model.eval(), tokenizer, id2label


def predict(model, tokenizer, id2label, pairs, batch_size=64, max_length=256):
    """Label name (argmax) and probabilities for each (premise, hypothesis)."""
    order = sorted(range(len(pairs)), key=lambda i: len(pairs[i][0]) + len(pairs[i][1]))
    out = [None] * len(pairs)
    device = next(model.parameters()).device
    with torch.no_grad():
        for start in range(0, len(order), batch_size):
            idx = order[start:start + batch_size]
            enc = tokenizer([pairs[i][0] for i in idx], [pairs[i][1] for i in idx], truncation="only_first",
                            max_length=max_length, padding=True, return_tensors="pt")
            probs = model(**enc.to(device)).logits.float().softmax(-1)
            for row, i in zip(probs.tolist(), idx):
                out[i] = {id2label[k]: p for k, p in enumerate(row)}
    return out


def f1_per_class(gold, pred, classes):
    scores = {}
    for c in classes:
        tp = sum(g == c and p == c for g, p in zip(gold, pred))
        fp = sum(g != c and p == c for g, p in zip(gold, pred))
        fn = sum(g == c and p != c for g, p in zip(gold, pred))
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        scores[c] = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return scores


STANCE_OF = {  # (NLI label, hypothesis polarity) -> stance
    ("entailment", "supports"): "favor", ("contradiction", "supports"): "against",
    ("entailment", "opposes"): "against", ("contradiction", "opposes"): "favor",
}
SENTIMENT_OF = {
    ("entailment", "positive"): "positive", ("contradiction", "positive"): "negative",
    ("entailment", "negative"): "negative", ("contradiction", "negative"): "positive",
}


def task_prediction(row, label):
    if row.get("polarity") in ("supports", "opposes"):
        return STANCE_OF.get((label, row["polarity"]), "none")
    if row["task"] in ("target-sentiment", "sentiment"):
        return SENTIMENT_OF.get((label, row["polarity"]), "neutral")
    return label


# The table rule's thresholds as shipped in src/stance/table.rs (MIN_STRENGTH, MIN_NET).
SHIPPED = (0.7, 0.0)
# The (min_strength, min_net) points searched for the best thresholds.
GRID = [(s / 20, n / 20) for s in range(2, 15) for n in range(0, 10)]


def table_rule(p, min_strength, min_net):
    """The Rust table rule (src/stance/table.rs) for a one-sentence row."""
    net = p["entailment"] - p["contradiction"]
    if 1 - p["neutral"] < min_strength or abs(net) <= min_net:
        return "none"
    return "favor" if net > 0 else "against"


def calibrate(rows, probs):
    """Macro-F1 of the table rule on VAST dev actor pairs asked with "supports" (the form the
    pipeline asks), at the shipped thresholds and at the best grid point."""
    pairs = [(r["gold"], p) for r, p in zip(rows, probs)
             if r["source"] == "vast" and r["task"] == "stance-actor" and r["polarity"] == "supports"]
    if not pairs:
        return {}
    classes = ["favor", "against", "none"]
    def score(min_strength, min_net):
        f1 = f1_per_class([g for g, _ in pairs], [table_rule(p, min_strength, min_net) for _, p in pairs], classes)
        return sum(f1.values()) / 3
    best = max(GRID, key=lambda t: score(*t))
    return {"pairs": len(pairs), "shipped": {"min_strength": SHIPPED[0], "min_net": SHIPPED[1], "macro_f1": round(score(*SHIPPED), 4)},
            "best": {"min_strength": best[0], "min_net": best[1], "macro_f1": round(score(*best), 4)}}


def combine(supports, opposes):
    """Both phrasings asked: favor = mean(P(entail | supports), P(contradict | opposes)), and so on.
    The pipeline does the same when it asks both (src/stance/mod.rs)."""
    return {"entailment": (supports["entailment"] + opposes["contradiction"]) / 2,
            "contradiction": (supports["contradiction"] + opposes["entailment"]) / 2,
            "neutral": (supports["neutral"] + opposes["neutral"]) / 2}


def phrasing_check(model, tokenizer, id2label, rows, probs, templates):
    """VAST dev stance (author and actor forms): ask "supports" only, or "supports" and
    "opposes" both, and score both by argmax and by the table rule. `probs` are the main pass's
    answers for `rows`; only each row's other phrasing is scored here."""
    supports_word = templates["stance"]["supports"].split("{topic}")[0].replace("{actor}", "").strip()
    opposes_word = templates["stance"]["opposes"].split("{topic}")[0].replace("{actor}", "").strip()
    asked = [(r, p) for r, p in zip(rows, probs)
             if r["source"] == "vast" and r["task"] in ("stance-author", "stance-actor")]
    def other_phrasing(r):
        old, new = (supports_word, opposes_word) if r["polarity"] == "supports" else (opposes_word, supports_word)
        return r["hypothesis"].replace(f" {old} ", f" {new} ", 1)
    others = predict(model, tokenizer, id2label, [(r["premise"], other_phrasing(r)) for r, _ in asked])
    pairs = [(p, other) if r["polarity"] == "supports" else (other, p) for (r, p), other in zip(asked, others)]
    single, dual = [sup for sup, _ in pairs], [combine(sup, opp) for sup, opp in pairs]
    wanted = [r for r, _ in asked]
    gold = [r["gold"] for r in wanted]
    classes = ["favor", "against", "none"]
    def argmax_rule(p):
        label = max(p, key=p.get)
        return {"entailment": "favor", "contradiction": "against"}.get(label, "none")
    def macro(preds):
        return round(sum(f1_per_class(gold, preds, classes).values()) / 3, 4)
    out = {"pairs": len(wanted)}
    for name, ps in (("supports_only", single), ("both_phrasings", dual)):
        best = max(GRID, key=lambda t: macro([table_rule(p, *t) for p in ps]))
        out[name] = {"argmax": macro([argmax_rule(p) for p in ps]), "table_rule_shipped": macro([table_rule(p, *SHIPPED) for p in ps]),
                     "table_rule_best": macro([table_rule(p, *best) for p in ps]), "best_thresholds": best}
    return out


def seed_rows(model, tokenizer, id2label, seed_path: Path, templates: dict):
    """Each gold row's evidence sentences against "{actor} supports/opposes {topic}." (both
    phrasings, averaged, as the pipeline asks), labelled with the pipeline's table rule."""
    seed = json.loads(seed_path.read_text())
    actors = {a["id"]: a["name"] for a in seed["actors"]}
    topics = {t["id"]: t["label"] for t in seed["topics"]}
    def hypothesis(key, gold):
        text = templates["stance"][key].format(actor=actors[gold["actor"]], topic=topics[gold["topic"]])
        return text[0].upper() + text[1:]
    rows, pairs = [], []
    for gold in seed["gold"]:
        for sentence in gold["evidence"]:
            pairs += [(sentence, hypothesis("supports", gold)), (sentence, hypothesis("opposes", gold))]
        rows.append((gold, len(gold["evidence"])))
    probs = predict(model, tokenizer, id2label, pairs)
    combined = [combine(probs[i], probs[i + 1]) for i in range(0, len(probs), 2)]
    results, at = [], 0
    for gold, n in rows:
        mine = combined[at:at + n]
        at += n
        weights = [1 - p["neutral"] for p in mine]
        net = sum(w * (p["entailment"] - p["contradiction"]) for w, p in zip(weights, mine)) / max(sum(weights), 1e-9)
        label = "neutral" if max(weights) < SHIPPED[0] or abs(net) <= SHIPPED[1] else ("favor" if net > 0 else "against")
        results.append({"actor": gold["actor"], "topic": gold["topic"], "gold": gold["stance"],
                        "explicit": gold["explicit"], "predicted": label, "net": round(net, 3)})
    return results


def shipped_table_rule() -> tuple[float, float]:
    """MIN_STRENGTH and MIN_NET as src/stance/table.rs ships them (one source of truth)."""
    text = (ROOT / "src/stance/table.rs").read_text(encoding="utf-8")
    value = lambda name: float(re.search(rf"pub const {name}: f32 = ([0-9.]+);", text).group(1))  # noqa: E731
    return value("MIN_STRENGTH"), value("MIN_NET")


def evidence_level(model, tokenizer, id2label, path: Path, templates: dict):
    """The model alone on real news: every gold row of the actor-stance dev set, its evidence
    sentences against the hypotheses the pipeline asks ("{actor} supports/opposes {topic}.",
    averaged). Labelled two ways: argmax of the evidence-mean favor / against / neutral, and the
    pipeline's table rule (src/stance/table.rs thresholds). Macro-F1 over the three labels, and
    the confusion counts (gold -> predicted)."""
    gold, pred, table_pred = [], [], []
    confusion, table_confusion = defaultdict(int), defaultdict(int)
    min_strength, min_net = shipped_table_rule()
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    asked = []
    for article in rows:
        actors = {a["id"]: a for a in article["actors"]}
        topics = {t["id"]: t["label"] for t in article["topics"]}
        for row in article["gold"]:
            def hypothesis(key, sentence):
                # The pipeline names the actor as the sentence does ("Bush", not "George W
                # Bush"); the longest alias the sentence holds, else the canonical name.
                actor = actors[row["actor"]]
                named = [a for a in actor["aliases"] if re.search(r"\b" + re.escape(a) + r"\b", sentence)]
                text = templates["stance"][key].format(actor=max(named, key=len) if named else actor["name"], topic=topics[row["topic"]])
                return text[0].upper() + text[1:]
            asked.append((row, [(e, hypothesis("supports", e)) for e in row["evidence"]] + [(e, hypothesis("opposes", e)) for e in row["evidence"]]))
    flat = [pair for _, pairs in asked for pair in pairs]
    probs = predict(model, tokenizer, id2label, flat)
    at = 0
    for row, pairs in asked:
        n = len(pairs) // 2
        supports, opposes = probs[at:at + n], probs[at + n:at + 2 * n]
        at += 2 * n
        mine = [combine(s, o) for s, o in zip(supports, opposes)]
        mean = {k: sum(p[k] for p in mine) / len(mine) for k in ("entailment", "neutral", "contradiction")}
        label = {"entailment": "favor", "contradiction": "against", "neutral": "neutral"}[max(mean, key=mean.get)]
        gold.append(row["stance"])
        pred.append(label)
        confusion[f"{row['stance']}->{label}"] += 1
        # The pipeline's table rule over the same sentences (all named by alias).
        weights = [1 - p["neutral"] for p in mine]
        net = sum(w * (p["entailment"] - p["contradiction"]) for w, p in zip(weights, mine)) / max(sum(weights), 1e-9)
        ruled = "neutral" if max(weights) < min_strength or abs(net) <= min_net else ("favor" if net > 0 else "against")
        table_pred.append(ruled)
        table_confusion[f"{row['stance']}->{ruled}"] += 1
    scores = f1_per_class(gold, pred, ["favor", "against", "neutral"])
    table_scores = f1_per_class(gold, table_pred, ["favor", "against", "neutral"])
    return {"rows": len(gold), "macro_f1": round(sum(scores.values()) / 3, 4),
            "f1": {k: round(v, 4) for k, v in scores.items()}, "confusion": dict(sorted(confusion.items())),
            "table_rule": {"min_strength": min_strength, "min_net": min_net,
                           "macro_f1": round(sum(table_scores.values()) / 3, 4),
                           "f1": {k: round(v, 4) for k, v in table_scores.items()},
                           "confusion": dict(sorted(table_confusion.items()))}}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=ROOT / "models/standpoint-nli-minilm")
    parser.add_argument("--base", type=Path, default=ROOT / "models/base/all-MiniLM-L6-v2")
    parser.add_argument("--dev", type=Path, default=ROOT / "work/data/dev.jsonl")
    parser.add_argument("--seed", type=Path, default=ROOT.parent / "shared/articles/kennebunkport-2007.json")
    parser.add_argument("--out", type=Path, default=ROOT / "work/eval.json")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--compound-dev", type=Path, default=ROOT / "work/data/compound-dev.jsonl",
                        help="held-out compound reports (scripts/build-training-set); skipped when missing")
    parser.add_argument("--limit", type=int, default=0, help="at most this many pairs per source (0: all)")
    parser.add_argument("--stage4-dev", type=Path, default=ROOT / "work/data/stage4-dev.jsonl",
                        help="the fourth stage's dev pairs (news-real, reasoning, MultiNLI, PERSPECTRUM, P-Stance, ...); skipped when missing")
    parser.add_argument("--valence-dev", type=Path, default=ROOT / "work/data/valence-dev.jsonl",
                        help="held-out stance-against-tone pairs (the fifth stage's); skipped when missing")
    parser.add_argument("--claims-dev", type=Path, default=ROOT / "work/data/claims-dev.jsonl",
                        help="held-out claim pairs (asserted, denied, unconfirmed; the sixth stage's); skipped when missing")
    parser.add_argument("--deeds-dev", type=Path, default=ROOT / "work/data/deeds-dev.jsonl",
                        help="held-out deed pairs (acts done, accusations, dangers; the seventh stage's); skipped when missing")
    parser.add_argument("--actor-stance", type=Path, default=ROOT.parent / "shared/articles/actor-stance-dev.jsonl",
                        help="the actor-stance dev set, for the evidence-level metric; skipped when missing")
    parser.add_argument("--evidence-only", action="store_true",
                        help="only the evidence-level metric on the actor-stance dev set (a quick check)")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    if args.evidence_only:
        model, tokenizer, id2label = load(args.model, args.base)
        templates = tomllib.loads((args.model / "templates.toml").read_text())
        print(json.dumps(evidence_level(model, tokenizer, id2label, args.actor_stance, templates), indent=1))
        return 0
    if not args.dev.exists():
        print(f"error: {args.dev} missing; run scripts/build-training-set", file=sys.stderr)
        return 2
    model, tokenizer, id2label = load(args.model, args.base)
    if torch.cuda.is_available():
        model = model.to("cuda")  # f32 on the GPU too, so its figures match the CPU's
    rows = [json.loads(line) for line in open(args.dev, encoding="utf-8")]
    if args.compound_dev.exists():
        rows += [json.loads(line) for line in open(args.compound_dev, encoding="utf-8")]
    if args.stage4_dev.exists():
        rows += [json.loads(line) for line in open(args.stage4_dev, encoding="utf-8")]
    for extra in (args.valence_dev, args.claims_dev, args.deeds_dev):
        if extra.exists():
            rows += [json.loads(line) for line in open(extra, encoding="utf-8")]
    if args.limit:
        per_source = defaultdict(list)
        for r in rows:
            per_source[r["source"]].append(r)
        rows = [r for group in per_source.values() for r in group[:args.limit]]
    started = time.time()
    probs = predict(model, tokenizer, id2label, [(r["premise"], r["hypothesis"]) for r in rows])
    elapsed = time.time() - started
    by = defaultdict(lambda: ([], []))
    for row, p in zip(rows, probs):
        label = max(p, key=p.get)
        key = (row["source"], row["task"])
        by[key][0].append(row["gold"] if not row["task"] == "nli" else row["label"])
        by[key][1].append(task_prediction(row, label))

    metrics = {}
    def acc(key):
        gold, pred = by[key]
        return sum(g == p for g, p in zip(gold, pred)) / max(1, len(gold))
    def macro(key, classes):
        scores = f1_per_class(*by[key], classes)
        return sum(scores.values()) / len(classes), scores

    metrics["vast_author_macro_f1"], _ = macro(("vast", "stance-author"), ["favor", "against", "none"])
    metrics["vast_actor_macro_f1"], _ = macro(("vast", "stance-actor"), ["favor", "against", "none"])
    metrics["vast_wrong_actor_neutral_acc"] = acc(("vast", "stance-wrong-actor"))
    _, sem = macro(("semeval2016", "stance-author"), ["favor", "against", "none"])
    metrics["semeval_f_avg"] = (sem["favor"] + sem["against"]) / 2
    metrics["newsmtsc_f1m"], _ = macro(("newsmtsc", "target-sentiment"), ["positive", "neutral", "negative"])
    metrics["snli_acc"] = acc(("snli", "nli"))
    gold, pred = by[("rte", "nli")]
    metrics["rte_acc"] = sum((g == "entailment") == (p == "entailment") for g, p in zip(gold, pred)) / max(1, len(gold))
    metrics["fnc1_macro_f1"], _ = macro(("fnc1", "nli"), ["entailment", "neutral", "contradiction"])
    metrics["sentihood_macro_f1"], _ = macro(("sentihood", "target-sentiment"), ["positive", "neutral", "negative"])
    metrics["sst2_acc"] = acc(("sst2", "sentiment"))
    if args.stage4_dev.exists():
        _, pst = macro(("pstance", "stance-author"), ["favor", "against"])
        metrics["pstance_f_avg"] = (pst["favor"] + pst["against"]) / 2
        gold, pred = by[("perspectrum", "claim-perspective")]
        metrics["perspectrum_acc"] = sum(g == p for g, p in zip(gold, pred)) / max(1, len(gold))
        metrics["mnli_heldout_acc"] = acc(("mnli", "nli"))
        metrics["gwsd_macro_f1"], _ = macro(("gwsd", "news-sentence-stance"), ["favor", "against", "none"])
        metrics["ibm_claim_acc"] = acc(("ibm-claim-stance", "claim-stance"))
        metrics["arc_macro_f1"], _ = macro(("arc", "nli"), ["entailment", "neutral", "contradiction"])
        extra_sources = tuple(source for source, path in (("news-valence", args.valence_dev), ("news-claims", args.claims_dev),
                                                          ("news-deeds", args.deeds_dev)) if path.exists())
        for source in ("news-real", "news-reasoning") + extra_sources:
            hits = [max(p, key=p.get) == r["label"] for r, p in zip(rows, probs) if r["source"] == source]
            metrics[f"{source.replace('-', '_')}_dev_acc"] = sum(hits) / max(1, len(hits))
    # Held-out synthetic compound reports: pair-level accuracy (label of each hypothesis),
    # overall and by task; `compound_counts` names each metric's pair count for the printout.
    compound_hits = defaultdict(list)
    for row, p in zip(rows, probs):
        if row["source"] == "compound-reports":
            hit = max(p, key=p.get) == row["label"]
            compound_hits["all"].append(hit)
            compound_hits[row["task"]].append(hit)
    compound_counts = {}
    for task in sorted(compound_hits, key=lambda t: (t != "all", t)):
        name = "compound_dev_acc" if task == "all" else f"compound_dev_{task.replace('-', '_')}_acc"
        metrics[name] = sum(compound_hits[task]) / len(compound_hits[task])
        compound_counts[name] = len(compound_hits[task])
    metrics = {k: round(v, 4) for k, v in metrics.items()}
    templates = tomllib.loads((args.model / "templates.toml").read_text())
    seed = seed_rows(model, tokenizer, id2label, args.seed, templates) if args.seed.exists() else []
    result_phrasing = phrasing_check(model, tokenizer, id2label, rows, probs, templates)
    evidence = evidence_level(model, tokenizer, id2label, args.actor_stance, templates) if args.actor_stance.exists() else None
    if evidence:
        metrics["actor_stance_evidence_macro_f1"] = evidence["macro_f1"]
        metrics["actor_stance_evidence_table_rule_macro_f1"] = evidence["table_rule"]["macro_f1"]
    result = {"metrics": metrics, "counts": {f"{s}/{t}": len(v[0]) for (s, t), v in by.items()}, "evidence_level": evidence,
              "pairs_per_second": round(len(rows) / elapsed, 1), "table_rule": calibrate(rows, probs), "phrasing": result_phrasing, "seed": seed}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")

    print("| metric | value | pairs |\n|---|---:|---:|")
    counts = {"vast_author_macro_f1": "vast/stance-author", "vast_actor_macro_f1": "vast/stance-actor",
              "vast_wrong_actor_neutral_acc": "vast/stance-wrong-actor", "semeval_f_avg": "semeval2016/stance-author",
              "newsmtsc_f1m": "newsmtsc/target-sentiment", "snli_acc": "snli/nli", "rte_acc": "rte/nli",
              "fnc1_macro_f1": "fnc1/nli", "sentihood_macro_f1": "sentihood/target-sentiment", "sst2_acc": "sst2/sentiment",
              "pstance_f_avg": "pstance/stance-author", "perspectrum_acc": "perspectrum/claim-perspective", "mnli_heldout_acc": "mnli/nli",
              "gwsd_macro_f1": "gwsd/news-sentence-stance", "ibm_claim_acc": "ibm-claim-stance/claim-stance", "arc_macro_f1": "arc/nli",
              "news_real_dev_acc": "news-real/*", "news_reasoning_dev_acc": "news-reasoning/*", "news_valence_dev_acc": "news-valence/*", "news_claims_dev_acc": "news-claims/*",
              "news_deeds_dev_acc": "news-deeds/*", "actor_stance_evidence_macro_f1": "actor-stance dev rows", "actor_stance_evidence_table_rule_macro_f1": "actor-stance dev rows"}
    for name, value in metrics.items():
        if name in compound_counts:
            count = compound_counts[name]
        elif name.startswith("actor_stance_evidence"):
            count = evidence["rows"]
        elif counts[name].endswith("/*"):
            count = sum(v for k, v in result["counts"].items() if k.startswith(counts[name][:-1]))
        else:
            count = result["counts"].get(counts[name], 0)
        print(f"| {name} | {value:.4f} | {count} |")
    if evidence:
        print(f"\nevidence level on the actor-stance dev set: {json.dumps(evidence)}")
    print(f"\nphrasings on VAST dev: {json.dumps(result['phrasing'])}")
    if result["table_rule"]:
        print(f"\ntable rule on VAST dev actor pairs: {json.dumps(result['table_rule'])}")
    if seed:
        print("\n| actor | topic | explicit | gold | predicted | net |\n|---|---|---|---|---|---:|")
        for r in seed:
            print(f"| {r['actor']} | {r['topic']} | {r['explicit']} | {r['gold']} | {r['predicted']} | {r['net']:+.2f} |")
    print(f"\n{len(rows)} dev pairs at {result['pairs_per_second']} pairs/s; figures in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
