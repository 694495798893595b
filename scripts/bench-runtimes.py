#!/usr/bin/env python3
"""Time the default model in PyTorch and ONNX Runtime (f32, and dynamic int8) on the pairs
`standpoint bench --dump-pairs` wrote, at the same batch sizes and in the same order, and print
the ratios against candle's figures from the same run (`--candle`, the output of `standpoint
bench`). Threads: --threads (default 2) for every runtime.

The ONNX graph is exported from the same weights (transformers, f32) into work/onnx/; the int8
model is onnxruntime's dynamic quantisation of it, and its label agreement with f32 on these
pairs is printed, since a faster model that answers differently is not the same model.
"""

import argparse
import json
import re
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from evaluate import load  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def batches(pairs, tokenizer, batch_size):
    for i in range(0, len(pairs), batch_size):
        chunk = pairs[i:i + batch_size]
        yield tokenizer([p["premise"] for p in chunk], [p["hypothesis"] for p in chunk],
                        truncation="only_first", max_length=256, padding=True, return_tensors="np")


def export(model, tokenizer, out: Path) -> tuple[Path, Path]:
    """f32 ONNX export of the classifier, then onnxruntime's dynamic int8 quantisation."""
    from onnxruntime.quantization import QuantType, quantize_dynamic
    out.mkdir(parents=True, exist_ok=True)
    f32, int8 = out / "model-f32.onnx", out / "model-int8.onnx"
    sample = tokenizer(["a premise"], ["a hypothesis"], return_tensors="pt")
    names = ["input_ids", "attention_mask", "token_type_ids"]
    torch.onnx.export(
        model, tuple(sample[n] for n in names), str(f32), input_names=names, output_names=["logits"],
        dynamic_axes={**{n: {0: "batch", 1: "length"} for n in names}, "logits": {0: "batch"}},
        opset_version=17, dynamo=False)
    quantize_dynamic(str(f32), str(int8), weight_type=QuantType.QInt8)
    return f32, int8


ROUNDS = 3


def time_runtime(run, pairs, tokenizer, batch_size) -> tuple[float, np.ndarray]:
    """Pairs/s of the fastest of ROUNDS passes (as `standpoint bench` reports), and the logits."""
    best = float("inf")
    for _ in range(ROUNDS):
        logits = []
        started = time.perf_counter()
        for enc in batches(pairs, tokenizer, batch_size):
            logits.append(run(enc))
        best = min(best, time.perf_counter() - started)
    return len(pairs) / best, np.concatenate(logits)


def candle_figures(path: Path | None) -> dict[int, float]:
    """`batch N: X pairs/s` lines from `standpoint bench`."""
    if path is None or not path.exists():
        return {}
    found = {}
    for line in path.read_text().splitlines():
        match = re.match(r"\s*batch\s+(\d+):\s+([\d.]+)\s+pairs/s", line)
        if match:
            found[int(match.group(1))] = float(match.group(2))
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pairs", type=Path)
    parser.add_argument("--candle", action="append", default=[], metavar="[LABEL=]PATH",
                        help="what `standpoint bench` printed in this run (repeatable: one per --kernels)")
    parser.add_argument("--model", type=Path, default=ROOT / "models/standpoint-nli-minilm")
    parser.add_argument("--base", type=Path, default=ROOT / "models/base/all-MiniLM-L6-v2")
    parser.add_argument("--batch-sizes", default="1,8,32")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--onnx-dir", type=Path, default=ROOT / "work/onnx")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    pairs = [json.loads(line) for line in args.pairs.read_text().splitlines() if line.strip()]
    model, tokenizer, _ = load(args.model, args.base)
    model = (model.merge_and_unload() if hasattr(model, "merge_and_unload") else model).eval()

    import onnxruntime as ort
    f32_path, int8_path = export(model, tokenizer, args.onnx_dir)
    options = ort.SessionOptions()
    options.intra_op_num_threads = args.threads
    options.inter_op_num_threads = 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    sessions = {name: ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
                for name, path in [("ort-f32", f32_path), ("ort-int8", int8_path)]}

    def torch_run(enc):
        with torch.no_grad():
            return model(**{k: torch.from_numpy(v) for k, v in enc.items()}).logits.numpy()

    def ort_run(session):
        return lambda enc: session.run(["logits"], {k: v.astype(np.int64) for k, v in enc.items()})[0]

    runtimes = {"pytorch": torch_run, **{name: ort_run(s) for name, s in sessions.items()}}
    sizes = [int(b) for b in args.batch_sizes.split(",")]
    table: dict[str, dict[int, float]] = {}
    for given in args.candle:
        label, _, path = given.rpartition("=")
        figures = candle_figures(Path(path))
        if figures:
            table[label or "candle"] = figures
    agreement = None
    for name, run in runtimes.items():
        table[name] = {}
        run(next(batches(pairs[:8], tokenizer, 8)))  # warm-up
        for size in sizes:
            rate, logits = time_runtime(run, pairs, tokenizer, size)
            table[name][size] = rate
            if name == "ort-f32" and size == sizes[-1]:
                reference = logits.argmax(-1)
            if name == "ort-int8" and size == sizes[-1]:
                agreement = float((logits.argmax(-1) == reference).mean())

    print(f"\n{len(pairs)} pairs, {args.threads} threads; pairs/s (ratio to ORT f32 at the same batch size)")
    print("| runtime | " + " | ".join(f"batch {s}" for s in sizes) + " |")
    print("|---|" + "---:|" * len(sizes))
    for name, rates in table.items():
        cells = [f"{rates[s]:.1f} ({rates[s] / table['ort-f32'][s]:.2f}x)" if s in rates else "–" for s in sizes]
        print(f"| {name} | " + " | ".join(cells) + " |")
    if agreement is not None:
        print(f"\nint8 labels equal to f32 labels on {agreement:.1%} of the pairs (argmax)")
    print(f"onnxruntime {ort.__version__}, torch {torch.__version__}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
