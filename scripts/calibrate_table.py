#!/usr/bin/env python3
"""Choose the stance table's rule and calibrate its confidence on an annotated gold file.

Reads the full reports `standpoint eval GOLD --reports FILE` writes (their per-sentence stances)
and the gold file, re-aggregates every (actor, topic) the way src/stance/table.rs does for each
point of a small grid (the strength a favor/against row needs, the net score it needs, the
weight of sentences linked by context or by meaning), scores each point with the actor-stance
scoring (ACTOR-STANCE.md: micro-F1 over (actor, topic, stance), neutral below 0.5 confidence
exempt), and for the best point fits the confidence calibration: per label, a line from the raw
confidence to the share of such rows that are right, clipped to [0.01, 0.99]. It reports the
expected calibration error (10 bins) in-sample and two-fold (fit on odd articles, measured on
even ones and back), and prints the constants to put in src/stance/table.rs.

Standard library only.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

LABELS = ("favor", "against", "neutral")


def norm(name: str) -> str:
    """ACTOR-STANCE.md matching: case-insensitive, quotes straightened, spaces collapsed, no leading 'the'."""
    for a, b in (("\u2019", "'"), ("\u2018", "'"), ("\u201c", '"'), ("\u201d", '"')):
        name = name.replace(a, b)
    name = " ".join(name.split()).lower()
    return name[4:] if name.startswith("the ") and len(name) > 4 else name


def aggregate(group, weights, min_strength, min_net):
    """(label, raw confidence) of one (actor, topic) from its sentence stances; mirrors table.rs."""
    w = [(1 - s["neutral"]) * weights[s["link"]] for s in group]
    total = sum(w)
    score = sum(wi * (s["favor"] - s["against"]) for wi, s in zip(w, group)) / total if total > 0 else 0.0
    strength = max(w) if w else 0.0
    if strength < min_strength or abs(score) <= min_net:
        return "neutral", sum(s["neutral"] for s in group) / len(group)
    label = "favor" if score > 0 else "against"
    return label, sum(wi * s[label] for wi, s in zip(w, group)) / total


def predictions(report, weights, min_strength, min_net):
    groups = defaultdict(list)
    for s in report["stances"]:
        groups[(s["actor"], s["topic"])].append(s)
    actors = {a["id"]: a for a in report["mentions"]["actors"]}
    out = []
    for (actor, topic), group in groups.items():
        label, raw = aggregate(group, weights, min_strength, min_net)
        a = actors.get(actor, {"name": actor, "aliases": []})
        out.append({"name": a["name"], "aliases": a["aliases"], "topic": topic, "label": label, "raw": raw})
    return out


def judge(article, preds):
    """Each prediction with whether it is right and whether it counts; plus TP/FP/FN."""
    gold_aliases = [{norm(x) for x in a["aliases"] + [a["name"]]} for a in article["actors"]]

    def match(p):
        name = norm(p["name"])
        for i, g in enumerate(gold_aliases):
            if name in g:
                return i
        aliases = [norm(x) for x in p["aliases"]]
        for i, g in enumerate(gold_aliases):
            if any(x in g for x in aliases):
                return i
        return None

    index = {a["id"]: i for i, a in enumerate(article["actors"])}
    gold = {(index[r["actor"]], r["topic"]): r["stance"] for r in article["gold"]}
    matched, unmatched = {}, []
    for p in preds:
        i = match(p)
        if i is None:
            unmatched.append(p)
            continue
        key = (i, p["topic"])
        rank = lambda q: (q["label"] != "neutral", q["conf"])  # noqa: E731
        if key not in matched or rank(p) > rank(matched[key]):
            matched[key] = p
    tp = fp = fn = 0
    judged = []
    for key, stance in gold.items():
        p = matched.get(key)
        if p is None:
            fn += 1
        elif p["label"] == stance:
            tp += 1
        else:
            fp += 1
            fn += 1
    for key, p in matched.items():
        right = gold.get(key) == p["label"]
        judged.append((p, right))
        if key not in gold and not (p["label"] == "neutral" and p["conf"] < 0.5):
            fp += 1
    for p in unmatched:
        judged.append((p, False))
        if not (p["label"] == "neutral" and p["conf"] < 0.5):
            fp += 1
    return tp, fp, fn, judged


def f1(tp, fp, fn):
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return 2 * p * r / (p + r) if p + r else 0.0


def fit_line(points):
    """Least-squares line through (raw, right) points; a flat line at the mean when raw barely varies."""
    if not points:
        return (0.0, 0.5)
    n = len(points)
    mx = sum(x for x, _ in points) / n
    my = sum(y for _, y in points) / n
    var = sum((x - mx) ** 2 for x, _ in points)
    if var < 1e-6:
        return (0.0, my)
    slope = sum((x - mx) * (y - my) for x, y in points) / var
    slope = max(0.0, slope)  # confidence must not fall as the model grows surer
    return (slope, my - slope * mx)


def apply(line, raw):
    return min(0.99, max(0.01, line[0] * raw + line[1]))


def ece(rows, bins=10):
    """Expected calibration error of (confidence, right) pairs."""
    total = len(rows)
    if not total:
        return 0.0
    error = 0.0
    for b in range(bins):
        lo, hi = b / bins, (b + 1) / bins
        inside = [(c, r) for c, r in rows if lo <= c < hi or (b == bins - 1 and c == 1.0)]
        if inside:
            error += len(inside) / total * abs(sum(r for _, r in inside) / len(inside) - sum(c for c, _ in inside) / len(inside))
    return error


def score_point(reports, gold, weights, strength, net, lines=None):
    tp = fp = fn = 0
    judged_all = []
    for report in reports:
        article = gold[report["article"]["id"]]
        preds = predictions(report, weights, strength, net)
        for p in preds:
            p["conf"] = apply(lines[p["label"]], p["raw"]) if lines else p["raw"]
        a, b, c, judged = judge(article, preds)
        tp, fp, fn = tp + a, fp + b, fn + c
        judged_all += judged
    return f1(tp, fp, fn), (tp, fp, fn), judged_all


def fit(reports, gold, weights, strength, net):
    _, _, judged = score_point(reports, gold, weights, strength, net)
    by_label = defaultdict(list)
    for p, right in judged:
        by_label[p["label"]].append((p["raw"], 1.0 if right else 0.0))
    return {label: fit_line(by_label[label]) for label in LABELS}


def main(argv=None) -> int:
    root = Path(__file__).resolve().parent.parent
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("reports", type=Path, nargs="+",
                        help="JSON lines from `standpoint eval GOLD --reports FILE`; several files (topics only, "
                             "and with --gold-actors) are pooled, so the choice serves both")
    parser.add_argument("--gold", type=Path, default=root.parent / "shared/articles/actor-stance-dev.jsonl")
    args = parser.parse_args(argv)
    gold = {}
    for line in args.gold.read_text(encoding="utf-8").splitlines():
        if line.strip():
            article = json.loads(line)
            gold[article["id"]] = article
    reports = [json.loads(line) for path in args.reports for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    missing = [r["article"]["id"] for r in reports if r["article"]["id"] not in gold]
    if missing:
        print(f"error: reports for articles the gold file lacks: {missing[:3]}", file=sys.stderr)
        return 2

    grid = []
    for context in (0.5, 1.0):
        for meaning in (0.25, 0.5, 1.0):
            weights = {"alias": 1.0, "context": context, "meaning": meaning}
            # Not 0: a favor/against row needs some opinion, and neutral rows must exist to be
            # calibrated (at 0 every linked pair is favor or against).
            for strength in (0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7):
                for net in (0.0, 0.05, 0.1, 0.2, 0.3):
                    lines = fit(reports, gold, weights, strength, net)
                    score, counts, _ = score_point(reports, gold, weights, strength, net, lines)
                    grid.append((score, counts, context, meaning, strength, net))
    grid.sort(key=lambda g: -g[0])
    print("best grid points (micro-F1, (TP, FP, FN), context weight, meaning weight, min strength, min net):")
    for point in grid[:5]:
        print(f"  {point[0]:.4f} {point[1]} {point[2:]}")
    score, counts, context, meaning, strength, net = grid[0]
    weights = {"alias": 1.0, "context": context, "meaning": meaning}
    lines = fit(reports, gold, weights, strength, net)
    _, _, judged = score_point(reports, gold, weights, strength, net, lines)
    in_sample = ece([(p["conf"], 1.0 if r else 0.0) for p, r in judged])
    raw_ece = ece([(p["raw"], 1.0 if r else 0.0) for p, r in judged])
    ids = sorted(gold)
    halves = [[r for r in reports if ids.index(r["article"]["id"]) % 2 == k] for k in (0, 1)]
    for path in args.reports:
        alone = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        f, counts_alone, _ = score_point(alone, gold, weights, strength, net, lines)
        print(f"{path.name}: micro-F1 {f:.4f} {counts_alone}")
    cross = []
    for k in (0, 1):
        fitted = fit(halves[k], gold, weights, strength, net)
        _, _, held = score_point(halves[1 - k], gold, weights, strength, net, fitted)
        cross += [(p["conf"], 1.0 if r else 0.0) for p, r in held]
    print(f"\nchosen: CONTEXT_WEIGHT {context}, MEANING_WEIGHT {meaning}, MIN_STRENGTH {strength}, MIN_NET {net}: "
          f"micro-F1 {score:.4f} {counts}")
    print("calibration lines (confidence = slope * raw + intercept, clipped to [0.01, 0.99]):")
    for label in LABELS:
        print(f"  {label:8s} slope {lines[label][0]:.4f} intercept {lines[label][1]:.4f}")
    print(f"ECE over {len(judged)} rows: raw {raw_ece:.4f}, calibrated in-sample {in_sample:.4f}, "
          f"calibrated two-fold {ece(cross):.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
