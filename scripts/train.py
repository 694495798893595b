#!/usr/bin/env python3
"""Fine-tune Standpoint's 3-way NLI cross-encoder: a LoRA adapter (plus pooler and classifier)
over the all-MiniLM-L6-v2 base, on the pairs from scripts/build-training-set.

Runs on CPU or CUDA, with a fixed seed. It checkpoints every --save-every steps into
work/train/ and resumes from the newest checkpoint when started again. At the end (or with
--export-only) it writes the model directory: config.json (with id2label / label2id),
tokenizer.json, adapter_config.json and adapter_model.safetensors (PEFT format). The templates
file already lives in that directory.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import lzma
import math
import os
import random
import shutil
import sys
import time
from pathlib import Path

import torch
from peft import LoraConfig, PeftModel, get_peft_model
from transformers import AutoModelForSequenceClassification, AutoTokenizer

ROOT = Path(__file__).resolve().parent.parent
LABELS = ["entailment", "neutral", "contradiction"]


def log(message: str) -> None:
    print(time.strftime("%H:%M:%S"), message, flush=True)


def set_seed(seed: int) -> None:
    random.seed(seed)
    torch.manual_seed(seed)


def load_base(base: Path) -> torch.nn.Module:
    return AutoModelForSequenceClassification.from_pretrained(
        base,
        dtype=torch.float32,  # train in f32 (autocast does the rest) even from f16 weights
        num_labels=len(LABELS),
        id2label=dict(enumerate(LABELS)),
        label2id={label: i for i, label in enumerate(LABELS)},
    )


def lora_config(rank: int) -> LoraConfig:
    return LoraConfig(
        task_type="SEQ_CLS",
        r=rank,
        lora_alpha=2 * rank,
        lora_dropout=0.1,
        # Every linear layer of the encoder; the pooler and the classifier are trained in full.
        target_modules=r".*encoder\.layer\.\d+\..*(query|key|value|dense)$",
        modules_to_save=["classifier", "pooler"],
    )


def read_pairs(path: Path) -> list[dict]:
    """JSONL pairs; an .xz file is read as is (that is how the training set travels to a GPU host)."""
    opener = lzma.open if path.suffix == ".xz" else open
    with opener(path, "rt", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


def encode(tokenizer, pairs: list[dict], max_len: int) -> list[tuple[list[int], list[int], int]]:
    encoded = tokenizer([p["premise"] for p in pairs], [p["hypothesis"] for p in pairs],
                        truncation="only_first", max_length=max_len)
    label_ids = {label: i for i, label in enumerate(LABELS)}
    return [(ids, types, label_ids[p["label"]]) for ids, types, p in
            zip(encoded["input_ids"], encoded["token_type_ids"], pairs)]


def epoch_batches(lengths: list[int], batch_size: int, seed: int, epoch: int) -> list[list[int]]:
    """Shuffled batches of similar length (less padding), the same for a given seed and epoch."""
    rng = random.Random(seed * 1000 + epoch)
    order = list(range(len(lengths)))
    rng.shuffle(order)
    chunk = batch_size * 64
    batches = []
    for start in range(0, len(order), chunk):
        group = sorted(order[start:start + chunk], key=lambda i: lengths[i])
        batches += [group[i:i + batch_size] for i in range(0, len(group), batch_size)]
    rng.shuffle(batches)
    return batches


def collate(examples, device):
    width = max(len(ids) for ids, _, _ in examples)
    input_ids = torch.zeros(len(examples), width, dtype=torch.long)
    token_types = torch.zeros_like(input_ids)
    mask = torch.zeros_like(input_ids)
    for row, (ids, types, _) in enumerate(examples):
        input_ids[row, :len(ids)] = torch.tensor(ids)
        token_types[row, :len(types)] = torch.tensor(types)
        mask[row, :len(ids)] = 1
    labels = torch.tensor([label for _, _, label in examples])
    return (input_ids.to(device), token_types.to(device), mask.to(device)), labels.to(device)


def latest_checkpoint(work: Path) -> Path | None:
    checkpoints = sorted(work.glob("step-*"), key=lambda p: int(p.name.split("-")[1]))
    return checkpoints[-1] if checkpoints else None


def save_checkpoint(work: Path, step: int, model, optimizer, scheduler, keep: int = 2) -> None:
    """Weights (adapter or full model), optimiser, schedule and RNG state, written atomically."""
    path = work / f"step-{step:06d}"
    if path.exists():
        return
    tmp = work / f".tmp-step-{step:06d}"
    shutil.rmtree(tmp, ignore_errors=True)
    model.save_pretrained(tmp)
    torch.save({"step": step, "optimizer": optimizer.state_dict(),
                "scheduler": scheduler.state_dict(), "rng": torch.get_rng_state(),
                "py_rng": random.getstate()}, tmp / "trainer_state.pt")
    tmp.rename(path)  # a checkpoint either exists whole or not at all
    for old in sorted(work.glob("step-*"), key=lambda p: int(p.name.split("-")[1]))[:-keep]:
        shutil.rmtree(old)


def export_full(checkpoint: Path, base: Path, out: Path) -> None:
    """Write a fully fine-tuned model as f16 safetensors + config + tokenizer."""
    from safetensors.torch import save_file
    out.mkdir(parents=True, exist_ok=True)
    model = AutoModelForSequenceClassification.from_pretrained(checkpoint)
    model.config.architectures = ["BertForSequenceClassification"]
    model.config.save_pretrained(out)
    shutil.copy(base / "tokenizer.json", out / "tokenizer.json")
    state = {k: v.detach().to(torch.float16).contiguous() for k, v in model.state_dict().items()
             if not k.endswith("position_ids")}
    save_file(state, out / "model.safetensors", metadata={"format": "pt"})
    for stale in ("adapter_config.json", "adapter_model.safetensors"):
        (out / stale).unlink(missing_ok=True)
    log(f"exported {checkpoint.name} (full, f16) to {out}")


def export(adapter_dir: Path, base: Path, out: Path) -> None:
    """Write the servable model directory (PEFT adapter + classification config + tokenizer)."""
    if not (adapter_dir / "adapter_config.json").exists():
        export_full(adapter_dir, base, out)
        return
    out.mkdir(parents=True, exist_ok=True)
    (out / "model.safetensors").unlink(missing_ok=True)
    model = load_base(base)
    model.config.architectures = ["BertForSequenceClassification"]
    model.config.save_pretrained(out)
    shutil.copy(base / "tokenizer.json", out / "tokenizer.json")
    peft_model = PeftModel.from_pretrained(model, adapter_dir)
    staging = out.parent / f".{out.name}-export"
    shutil.rmtree(staging, ignore_errors=True)
    peft_model.save_pretrained(staging, safe_serialization=True)
    adapter_config = json.loads((staging / "adapter_config.json").read_text())
    adapter_config["base_model_name_or_path"] = "sentence-transformers/all-MiniLM-L6-v2"
    adapter_config["modules_to_save"] = sorted(set(adapter_config["modules_to_save"] or []))
    (out / "adapter_config.json").write_text(json.dumps(adapter_config, indent=2, sort_keys=True) + "\n")
    shutil.copy(staging / "adapter_model.safetensors", out / "adapter_model.safetensors")
    shutil.rmtree(staging)  # PEFT also writes a README stub; the model card is ours
    log(f"exported {adapter_dir.name} to {out}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT / "work/data/train.jsonl")
    parser.add_argument("--base", type=Path, default=ROOT / "models/base/all-MiniLM-L6-v2")
    parser.add_argument("--work", type=Path, default=ROOT / "work/train")
    parser.add_argument("--out", type=Path, default=ROOT / "models/standpoint-nli-minilm")
    parser.add_argument("--steps", type=int, default=3000, help="planned optimiser steps")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--max-len", type=int, default=128)
    parser.add_argument("--lr", type=float, default=6e-4)
    parser.add_argument("--rank", type=int, default=16)
    parser.add_argument("--warmup", type=float, default=0.05)
    parser.add_argument("--epochs", type=float, default=0,
                        help="plan this many passes over the data instead of --steps")
    parser.add_argument("--time-budget", type=float, default=0,
                        help="seconds of training at most: the schedule is shortened to fit, "
                             "from the measured step rate (0: no limit)")
    parser.add_argument("--save-every", type=int, default=100)
    parser.add_argument("--log-every", type=int, default=25)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--init", type=Path,
                        help="start from this fully fine-tuned model directory instead of the "
                             "base (a second training stage; implies --full)")
    parser.add_argument("--full", action="store_true",
                        help="fine-tune every weight instead of a LoRA adapter")
    parser.add_argument("--export-only", action="store_true",
                        help="export the newest checkpoint without training")
    args = parser.parse_args(argv)

    if not (args.base / "model.safetensors").exists():
        print(f"error: no base model in {args.base}; run scripts/fetch-base-model", file=sys.stderr)
        return 2
    if args.init and not (args.init / "model.safetensors").exists():
        print(f"error: --init {args.init} holds no model.safetensors (a fully fine-tuned model "
              f"directory, e.g. the first stage's --out)", file=sys.stderr)
        return 2
    if not args.export_only and not args.data.exists():
        print(f"error: no training data at {args.data}; run scripts/build-training-set", file=sys.stderr)
        return 2
    args.work.mkdir(parents=True, exist_ok=True)
    if args.export_only:
        checkpoint = latest_checkpoint(args.work)
        if checkpoint is None:
            print(f"error: no checkpoint in {args.work}", file=sys.stderr)
            return 2
        export(checkpoint, args.base, args.out)
        return 0

    set_seed(args.seed)
    torch.set_num_threads(args.threads)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    tokenizer = AutoTokenizer.from_pretrained(args.base)
    pairs = read_pairs(args.data)
    data = encode(tokenizer, pairs, args.max_len)
    lengths = [len(ids) for ids, _, _ in data]
    log(f"{len(data)} pairs, mean length {sum(lengths) / len(lengths):.1f} tokens, device {device}")
    per_epoch = math.ceil(len(data) / args.batch_size)
    if args.epochs:
        args.steps = math.ceil(args.epochs * per_epoch)
    # The schedule reads its horizon from here, so a time budget can shorten it mid-run.
    plan = {"steps": args.steps}
    # bf16 autocast on CUDA: several times faster, and BERT fine-tuning is stable in it.
    autocast = (lambda: torch.autocast("cuda", dtype=torch.bfloat16)) if device.type == "cuda" \
        else contextlib.nullcontext

    if args.init:
        args.full = True

    def fresh_model():
        if args.init:
            return AutoModelForSequenceClassification.from_pretrained(args.init, dtype=torch.float32)
        return load_base(args.base) if args.full else get_peft_model(load_base(args.base), lora_config(args.rank))

    def resumed_model(checkpoint):
        if args.full:
            return AutoModelForSequenceClassification.from_pretrained(checkpoint, dtype=torch.float32)
        return PeftModel.from_pretrained(load_base(args.base), checkpoint, is_trainable=True)

    model = fresh_model().to(device)
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    log(f"trainable parameters: {trainable}")
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad],
                                  lr=args.lr, weight_decay=0.01)
    warmup = max(1, int(args.steps * args.warmup))

    def lr_factor(s: int) -> float:
        """Linear warm-up, then linear decay to zero at the planned (possibly shortened) end."""
        return min((s + 1) / warmup, max(0.0, (plan["steps"] - s) / max(1, plan["steps"] - warmup)))

    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lr_factor)

    step = 0
    checkpoint = latest_checkpoint(args.work)
    if checkpoint is not None:
        state = torch.load(checkpoint / "trainer_state.pt", weights_only=False)
        model = resumed_model(checkpoint).to(device)
        optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad],
                                      lr=args.lr, weight_decay=0.01)
        optimizer.load_state_dict(state["optimizer"])
        scheduler = torch.optim.lr_scheduler.LambdaLR(
            optimizer, lr_factor)
        scheduler.load_state_dict(state["scheduler"])
        torch.set_rng_state(state["rng"])
        random.setstate(state["py_rng"])
        step = state["step"]
        log(f"resumed from {checkpoint.name}")

    model.train()
    started, loss_sum, correct, seen = time.time(), 0.0, 0, 0
    run_started, first_step = time.time(), step
    window = (run_started, step)
    while step < plan["steps"]:
        epoch, offset = divmod(step, per_epoch)
        batches = epoch_batches(lengths, args.batch_size, args.seed, epoch)
        for batch in batches[offset:]:
            if step >= plan["steps"]:
                break
            (input_ids, token_types, mask), labels = collate([data[i] for i in batch], device)
            with autocast():
                output = model(input_ids=input_ids, token_type_ids=token_types,
                               attention_mask=mask, labels=labels)
            output.loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad(set_to_none=True)
            step += 1
            loss_sum += output.loss.item() * len(batch)
            correct += (output.logits.argmax(-1) == labels).sum().item()
            seen += len(batch)
            if args.time_budget and step - first_step in (100, 300, 1000, 3000, 6000, 10000):
                # The rate since the last check (start-up and warm-up steps are slow).
                now = time.time()
                rate = (now - window[0]) / (step - window[1])
                window = (now, step)
                fits = step + int((args.time_budget - (now - run_started)) / rate)
                plan["steps"] = max(step + 1, min(args.steps, fits))
                log(f"time budget: schedule set to {plan['steps']} steps "
                    f"({plan['steps'] / per_epoch:.2f} epochs)")
            if step % args.log_every == 0:
                rate = (time.time() - started) / args.log_every
                log(f"step {step}/{plan['steps']} epoch {epoch} loss {loss_sum / seen:.4f} "
                    f"acc {correct / seen:.3f} lr {scheduler.get_last_lr()[0]:.2e} {rate:.3f}s/step "
                    f"{seen / (time.time() - started):.0f} pairs/s")
                started, loss_sum, correct, seen = time.time(), 0.0, 0, 0
            if step % args.save_every == 0:
                save_checkpoint(args.work, step, model, optimizer, scheduler)
    save_checkpoint(args.work, step, model, optimizer, scheduler)
    export(latest_checkpoint(args.work), args.base, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
