#!/usr/bin/env python3
"""Does `--kernels int8` keep the default model's answers? For every article of the actor-stance
dev set, the distinct (premise, hypothesis) pairs the pipeline asks are scored with the f32 fast
path and with int8 (`standpoint bench --dump-logits`), and their labels (argmax) compared. The
speed issue's bar for turning int8 on: labels agree on at least 99% of the pairs (and the dev
metrics within 0.5 point, which `standpoint eval --kernels int8` shows).

    python3 scripts/int8-check.py [--gold ../shared/articles/actor-stance-dev.jsonl]

Needs the release binary, built on a CPU with AVX-512 VNNI (elsewhere int8 runs as f32 and the
check says so).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BAR = 0.99


def logits(binary: Path, article: Path, kernels: str, out: Path) -> dict[tuple[str, str], list[float]]:
    """Logits of the article's pairs under `kernels` (empty when it has no stance pairs)."""
    run = subprocess.run([str(binary), "bench", "--kernels", kernels, "--article", str(article), "--pairs", "400",
                          "--batch-sizes", "64", "--rounds", "1", "--repeats", "1", "--dump-logits", str(out)],
                         capture_output=True, text=True)
    if run.returncode != 0:
        return {}
    rows = (json.loads(line) for line in out.read_text().splitlines())
    return {(row["premise"], row["hypothesis"]): row["logits"] for row in rows}


def kernels_of(binary: Path, article: Path, kernels: str) -> str:
    run = subprocess.run([str(binary), "analyze", str(article), "--kernels", kernels, "--format", "json"], capture_output=True, text=True)
    return json.loads(run.stdout)["model"]["kernels"] if run.returncode == 0 else "?"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gold", type=Path, default=ROOT.parent / "shared/articles/actor-stance-dev.jsonl")
    parser.add_argument("--binary", type=Path, default=ROOT / "target/release/standpoint")
    args = parser.parse_args()
    f32: dict[tuple[str, str], list[float]] = {}
    int8: dict[tuple[str, str], list[float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for index, line in enumerate(args.gold.read_text().splitlines()):
            text = Path(tmp) / f"{index}.txt"
            text.write_text(json.loads(line)["text"])
            if index == 0:
                ran = kernels_of(args.binary, text, "int8")
                if not ran.startswith("fast-int8"):
                    print(f"int8 is not available on this CPU (the model ran as {ran!r}): nothing to compare", file=sys.stderr)
                    return 1
            f32.update(logits(args.binary, text, "fast", Path(tmp) / "f32.jsonl"))
            int8.update(logits(args.binary, text, "int8", Path(tmp) / "int8.jsonl"))
    pairs = [key for key in f32 if key in int8]
    if not pairs:
        print("no pairs: build the binary and check --gold", file=sys.stderr)
        return 1
    argmax = lambda row: max(range(len(row)), key=row.__getitem__)  # noqa: E731
    agree = sum(argmax(f32[key]) == argmax(int8[key]) for key in pairs) / len(pairs)
    worst = max(abs(a - b) for key in pairs for a, b in zip(f32[key], int8[key]))
    print(f"{len(pairs)} distinct pairs from {args.gold.name}: labels agree on {agree:.4f} "
          f"(bar {BAR:.2f}: {'met' if agree >= BAR else 'not met'}), max |d logit| {worst:.3f}")
    return 0 if agree >= BAR else 2


if __name__ == "__main__":
    sys.exit(main())
