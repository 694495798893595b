#!/usr/bin/env python3
"""Nine sentences of our own (none from any dev set) that check how a stance model reads deeds,
accusations and warnings: the stage-7 card's "nine sentences we wrote for the check".

Each is asked as the pipeline asks ("X supports T." and "X opposes T."); the net score is
(P(entail | supports) + P(contradict | opposes) - P(contradict | supports) - P(entail | opposes)) / 2,
read as favor above 0.1, against below -0.1, else none.

Usage: .venv/bin/python scripts/probe_stance.py MODEL_DIR [MODEL_DIR ...]
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import evaluate  # noqa: E402

BASE = Path(__file__).resolve().parent.parent / "models/base/all-MiniLM-L6-v2"

# (premise, actor as the hypothesis names it, topic, the stance a reader gives)
CASES = [
    ("Human Rights Watch accused the police of torturing detainees.", "Human Rights Watch",
     "the allegation that the police tortured detainees", "favor"),
    ("Opposition leader Ana Ruiz has accused the governor of diverting flood relief funds.", "Ana Ruiz",
     "the allegation that the governor diverted flood relief funds", "favor"),
    ("A court in Lyon cleared the surgeon of negligence.", "The court", "the allegation that the surgeon was negligent", "against"),
    ("The tribunal acquitted the general of war crimes.", "The tribunal", "the allegation that the general committed war crimes", "against"),
    ("The ministry rejected accusations that its soldiers looted the village.", "The ministry",
     "the allegation that soldiers looted the village", "against"),
    ("The watchdog found no evidence that the bank manipulated rates.", "The watchdog", "the claim that the bank manipulated rates", "against"),
    ("The army launched a ground offensive against the insurgents on Monday.", "The army", "the offensive against the insurgents", "favor"),
    ("Greenpeace warned that the melting glacier could flood the valley.", "Greenpeace", "building a dam to protect the valley", "favor"),
    ("The union called off the strike after talks.", "The union", "the strike", "against"),
]


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    missing = [d for d in argv if not (Path(d) / "config.json").is_file()]
    if missing:
        print(f"probe_stance: not a model directory (no config.json): {', '.join(missing)}", file=sys.stderr)
        return 2
    for model_dir in argv:
        model, tokenizer, id2label = evaluate.load(Path(model_dir), BASE)
        pairs = [(premise, f"{actor} {verb} {topic}.") for premise, actor, topic, _ in CASES for verb in ("supports", "opposes")]
        probs = evaluate.predict(model, tokenizer, id2label, pairs)
        right = 0
        for i, (premise, _, _, gold) in enumerate(CASES):
            supports, opposes = probs[2 * i], probs[2 * i + 1]
            net = (supports["entailment"] + opposes["contradiction"] - supports["contradiction"] - opposes["entailment"]) / 2
            read = "favor" if net > 0.1 else "against" if net < -0.1 else "none"
            right += read == gold
            print(f"{gold:8s} {read:8s} {net:+.2f}  {premise}")
        print(f"{model_dir}: {right} / {len(CASES)} right\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
