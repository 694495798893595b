#!/usr/bin/env python3
"""Time the same model in PyTorch on the pairs `standpoint bench --dump-pairs` wrote, at the
same batch sizes, so the candle/PyTorch ratio is on record. Threads: --threads (default 2)."""

import argparse
import json
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from evaluate import load  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pairs", type=Path)
    parser.add_argument("--model", type=Path, default=ROOT / "models/standpoint-nli-minilm")
    parser.add_argument("--base", type=Path, default=ROOT / "models/base/all-MiniLM-L6-v2")
    parser.add_argument("--batch-sizes", default="1,8,32")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    pairs = [json.loads(line) for line in args.pairs.read_text().splitlines() if line.strip()]
    model, tokenizer, _ = load(args.model, args.base)
    model = model.merge_and_unload() if hasattr(model, "merge_and_unload") else model
    with torch.no_grad():
        for batch_size in [int(b) for b in args.batch_sizes.split(",")]:
            started = time.perf_counter()
            for i in range(0, len(pairs), batch_size):
                chunk = pairs[i:i + batch_size]
                enc = tokenizer([p["premise"] for p in chunk], [p["hypothesis"] for p in chunk],
                                truncation="only_first", max_length=256, padding=True, return_tensors="pt")
                model(**enc)
            seconds = time.perf_counter() - started
            print(f"pytorch {torch.__version__} batch {batch_size:>3}: {len(pairs) / seconds:7.1f} pairs/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
