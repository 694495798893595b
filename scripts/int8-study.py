#!/usr/bin/env python3
"""Would int8 matmuls keep the default model's answers? A fake-quantisation study, run before
writing int8 kernels: the dense layers of the encoder are quantised the way such kernels would
(weights per output channel, activations per token, symmetric, round to nearest), optionally
after SmoothQuant scaling, and the labels are compared with f32 on the pairs the pipeline asks of
the actor-stance dev set's articles. The fast path's bar for turning int8 on: labels agree on at
least 99% of the pairs.

    .venv/bin/python scripts/int8-study.py [--gold ../shared/articles/actor-stance-dev.jsonl]

Needs the release binary (for the pairs) and the training virtualenv (PyTorch, transformers).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer

ROOT = Path(__file__).resolve().parent.parent
BAR = 0.99


def dev_pairs(gold: Path, binary: Path) -> list[dict]:
    """The distinct (premise, hypothesis) pairs `standpoint bench` builds for each article."""
    seen: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for index, line in enumerate(gold.read_text().splitlines()):
            article = json.loads(line)
            text_path, pairs_path = Path(tmp) / f"{index}.txt", Path(tmp) / f"{index}.jsonl"
            text_path.write_text(article["text"])
            run = subprocess.run([str(binary), "bench", "--article", str(text_path), "--pairs", "400", "--batch-sizes", "64",
                                  "--rounds", "1", "--repeats", "1", "--dump-pairs", str(pairs_path)], capture_output=True, text=True)
            if run.returncode != 0:
                continue  # no stance pairs under the default pack
            for pair_line in pairs_path.read_text().splitlines():
                seen.setdefault(pair_line, json.loads(pair_line))
    return list(seen.values())


class Study:
    def __init__(self, model_dir: Path, pairs: list[dict]):
        self.tokenizer = AutoTokenizer.from_pretrained(model_dir)
        self.model = AutoModelForSequenceClassification.from_pretrained(model_dir).eval()
        self.pairs = pairs
        self.linears = {name: (module, module.forward, module.weight.data.clone())
                        for name, module in self.model.named_modules()
                        if isinstance(module, torch.nn.Linear) and "encoder.layer" in name}
        self.reference = self.logits(pairs)

    def logits(self, pairs: list[dict]) -> torch.Tensor:
        out = []
        with torch.no_grad():
            for i in range(0, len(pairs), 32):
                chunk = pairs[i:i + 32]
                enc = self.tokenizer([p["premise"] for p in chunk], [p["hypothesis"] for p in chunk], padding=True,
                                     truncation="only_first", max_length=256, return_tensors="pt")
                out.append(self.model(**enc).logits)
        return torch.cat(out)

    def restore(self):
        for module, forward, weight in self.linears.values():
            module.weight.data = weight.clone()
            module.forward = forward

    def activation_maxima(self, pairs: list[dict]) -> dict[str, torch.Tensor]:
        """Per input channel, the largest |activation| each dense layer sees (SmoothQuant's calibration)."""
        self.restore()
        maxima: dict[str, torch.Tensor] = {}
        hooks = []
        for name, (module, _, _) in self.linears.items():
            def hook(_module, inputs, _output, name=name):
                seen = inputs[0].detach().abs().reshape(-1, inputs[0].shape[-1]).amax(0)
                maxima[name] = torch.maximum(maxima[name], seen) if name in maxima else seen
            hooks.append(module.register_forward_hook(hook))
        self.logits(pairs)
        for hook in hooks:
            hook.remove()
        return maxima

    def quantise(self, skip: tuple[str, ...] = (), smooth: dict[str, torch.Tensor] | None = None, alpha: float = 0.5,
                 asymmetric: bool = False, ffn_output_groups: int | None = None, bf16_outputs: bool = False):
        self.restore()
        for name, (module, forward, weight) in self.linears.items():
            if bf16_outputs and name.endswith("output.dense"):
                # bf16 inputs and weights, f32 sums: AMX's TDPBF16PS.
                module.weight.data = weight.to(torch.bfloat16).to(torch.float32)
                module.forward = lambda x, module=module: torch.nn.functional.linear(x.to(torch.bfloat16).to(torch.float32), module.weight, module.bias)
                continue
            if any(part in name for part in skip):
                continue
            scale_in = torch.ones(weight.shape[1])
            if smooth is not None:
                scale_in = smooth[name].clamp(min=1e-5) ** alpha / weight.abs().amax(0).clamp(min=1e-5) ** (1 - alpha)
            scaled = weight * scale_in
            per_channel = scaled.abs().amax(1, keepdim=True) / 127
            module.weight.data = (scaled / per_channel).round().clamp(-127, 127) * per_channel

            grouped = ffn_output_groups if name.endswith("output.dense") and "attention" not in name else None

            def quantised(x, module=module, scale_in=scale_in, grouped=grouped):
                x = x / scale_in
                if grouped:
                    # u8 with a zero point per token and per run of `grouped` input channels.
                    shape = x.shape
                    parts = x.reshape(*shape[:-1], shape[-1] // grouped, grouped)
                    low, high = parts.amin(-1, keepdim=True).clamp(max=0), parts.amax(-1, keepdim=True).clamp(min=0)
                    per_group = ((high - low) / 255).clamp(min=1e-8)
                    zero = (-low / per_group).round()
                    restored = (((parts / per_group).round() + zero).clamp(0, 255) - zero) * per_group
                    return torch.nn.functional.linear(restored.reshape(shape), module.weight, module.bias)
                if asymmetric:
                    # u8 with a zero point per token, the form AVX-512 VNNI's u8 x i8 product takes.
                    low, high = x.amin(-1, keepdim=True), x.amax(-1, keepdim=True)
                    per_token = ((high - low) / 255).clamp(min=1e-8)
                    zero = (-low / per_token).round()
                    restored = ((x / per_token).round() + zero).clamp(0, 255) - zero
                    return torch.nn.functional.linear(restored * per_token, module.weight, module.bias)
                per_token = x.abs().amax(-1, keepdim=True).clamp(min=1e-8) / 127
                return torch.nn.functional.linear((x / per_token).round().clamp(-127, 127) * per_token, module.weight, module.bias)
            module.forward = quantised

    def agreement(self) -> tuple[float, float]:
        logits = self.logits(self.pairs)
        agree = (logits.argmax(1) == self.reference.argmax(1)).float().mean().item()
        return agree, (logits - self.reference).abs().max().item()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gold", type=Path, default=ROOT.parent / "shared/articles/actor-stance-dev.jsonl")
    parser.add_argument("--model", type=Path, default=ROOT / "models/standpoint-nli-minilm")
    parser.add_argument("--binary", type=Path, default=ROOT / "target/release/standpoint")
    parser.add_argument("--calibration", type=int, default=150, help="pairs SmoothQuant calibrates on (the first N)")
    parser.add_argument("--only", nargs="*", help="run only the configurations whose label contains one of these words")
    args = parser.parse_args()
    torch.set_num_threads(2)
    pairs = dev_pairs(args.gold, args.binary)
    if not pairs:
        print("no pairs: build the binary and check --gold", file=sys.stderr)
        return 1
    study = Study(args.model, pairs)
    maxima = study.activation_maxima(pairs[:args.calibration])
    both_outputs = ("attention.output.dense", "output.dense")
    configurations = [
        ("every dense layer int8", {}),
        ("every dense layer int8, SmoothQuant a=0.5", {"smooth": maxima}),
        ("QKV and intermediate int8 (both output projections f32)", {"skip": both_outputs}),
        ("QKV and intermediate int8, SmoothQuant a=0.5", {"skip": both_outputs, "smooth": maxima}),
        ("every dense layer int8, activations u8 with a zero point per token", {"asymmetric": True}),
        ("the same, SmoothQuant a=0.5", {"asymmetric": True, "smooth": maxima}),
        ("QKV and intermediate int8, activations u8 with a zero point", {"skip": both_outputs, "asymmetric": True}),
        ("QKV, intermediate and the FFN output int8, activations u8 with a zero point", {"skip": ("attention.output.dense",), "asymmetric": True}),
        ("QKV, intermediate and the attention output int8, activations u8 with a zero point", {"skip": ("layer.0.output.dense", "layer.1.output.dense", "layer.2.output.dense", "layer.3.output.dense", "layer.4.output.dense", "layer.5.output.dense"), "asymmetric": True}),
        ("QKV, intermediate and the FFN output int8, u8 with a zero point, the FFN output's per 128 inputs", {"skip": ("attention.output.dense",), "asymmetric": True, "ffn_output_groups": 128}),
        ("the same, per 64 inputs", {"skip": ("attention.output.dense",), "asymmetric": True, "ffn_output_groups": 64}),
        ("the same, per 32 inputs", {"skip": ("attention.output.dense",), "asymmetric": True, "ffn_output_groups": 32}),
        ("QKV and intermediate int8 (u8 with a zero point), both output projections bf16", {"asymmetric": True, "bf16_outputs": True}),
    ]
    if args.only:
        configurations = [c for c in configurations if any(word in c[0] for word in args.only)]
    print(f"{len(pairs)} pairs from {args.gold.name}; labels must agree on >= {BAR:.0%}")
    print("| int8 layers | labels agree | max |d logit| | passes |\n|---|---:|---:|---|")
    for label, options in configurations:
        study.quantise(**options)
        agree, worst = study.agreement()
        print(f"| {label} | {agree:.4f} | {worst:.3f} | {'yes' if agree >= BAR else 'no'} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
