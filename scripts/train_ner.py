#!/usr/bin/env python3
"""Train Standpoint's name tagger: a token-classification head (O, B/I-PER, B/I-ORG, B/I-LOC)
on the all-MiniLM-L6-v2 encoder, with a LoRA adapter on every encoder linear layer, on the
sets written by scripts/build_ner_set.py.

CPU or CUDA, fixed seed, checkpointed every --save-every steps into --work and resumed from
the newest checkpoint when run again. At the end it reports entity-level precision / recall /
F1 per type on dev and both test sets (exact span and type match, as seqeval counts them) and
writes the model directory (--out): config.json (BertForTokenClassification, id2label),
tokenizer.json, adapter_config.json, adapter_model.safetensors and metrics.json.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import shutil
import sys
import time
from pathlib import Path

import torch
from peft import LoraConfig, PeftModel, get_peft_model
from transformers import AutoModelForTokenClassification, BertTokenizerFast

sys.path.insert(0, str(Path(__file__).resolve().parent))
from train import epoch_batches  # noqa: E402  (the stance trainer's length-bucketed batches)

ROOT = Path(__file__).resolve().parent.parent
LABELS = ["O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC"]
BASE_ID = "sentence-transformers/all-MiniLM-L6-v2"


def log(message: str) -> None:
    print(time.strftime("%H:%M:%S"), message, flush=True)


def read(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


def load_base(base: Path):
    return AutoModelForTokenClassification.from_pretrained(
        base, dtype=torch.float32, num_labels=len(LABELS),
        id2label=dict(enumerate(LABELS)), label2id={l: i for i, l in enumerate(LABELS)})


def lora_config(rank: int) -> LoraConfig:
    return LoraConfig(task_type="TOKEN_CLS", r=rank, lora_alpha=2 * rank, lora_dropout=0.1,
                      target_modules=r".*encoder\.layer\.\d+\..*(query|key|value|dense)$",
                      modules_to_save=["classifier"])


def encode(tokenizer, items: list[dict], max_len: int):
    """(input_ids, labels) per sentence: a word's label on its first sub-word, -100 elsewhere."""
    label_ids = {l: i for i, l in enumerate(LABELS)}
    enc = tokenizer([it["tokens"] for it in items], is_split_into_words=True, truncation=True, max_length=max_len)
    out = []
    for n, it in enumerate(items):
        words = enc.word_ids(n)
        labels, previous = [], None
        for w in words:
            labels.append(-100 if w is None or w == previous else label_ids[it["tags"][w]])
            previous = w
        out.append((enc["input_ids"][n], labels))
    return out


def collate(examples, device):
    width = max(len(ids) for ids, _ in examples)
    ids = torch.zeros(len(examples), width, dtype=torch.long)
    mask = torch.zeros_like(ids)
    labels = torch.full_like(ids, -100)
    for row, (i, l) in enumerate(examples):
        ids[row, :len(i)] = torch.tensor(i)
        mask[row, :len(i)] = 1
        labels[row, :len(l)] = torch.tensor(l)
    return ids.to(device), mask.to(device), labels.to(device)


def spans(tags):
    found, start, kind = set(), None, None
    for i, tag in enumerate(list(tags) + ["O"]):
        if start is not None and tag != f"I-{kind}":
            found.add((start, i, kind))
            start = None
        if tag.startswith("B-") or (tag.startswith("I-") and start is None):
            start, kind = i, tag[2:]
    return found


def predict_tags(model, tokenizer, items, device, max_len, batch_size=64):
    model.eval()
    out = []
    with torch.no_grad():
        for start in range(0, len(items), batch_size):
            chunk = items[start:start + batch_size]
            enc = tokenizer([it["tokens"] for it in chunk], is_split_into_words=True, truncation=True,
                            max_length=max_len, padding=True, return_tensors="pt")
            logits = model(input_ids=enc["input_ids"].to(device), attention_mask=enc["attention_mask"].to(device)).logits
            best = logits.argmax(-1).tolist()
            for n, it in enumerate(chunk):
                tags = ["O"] * len(it["tokens"])
                previous = None
                for pos, w in enumerate(enc.word_ids(n)):
                    if w is not None and w != previous:
                        tags[w] = LABELS[best[n][pos]]
                    previous = w
                out.append(tags)
    model.train()
    return out


def entity_scores(gold_items, predicted):
    """Entity-level P/R/F1 per type and micro over all types (exact span and type)."""
    counts = {k: [0, 0, 0] for k in ("PER", "ORG", "LOC")}
    for item, tags in zip(gold_items, predicted):
        gold, pred = spans(item["tags"]), spans(tags)
        for kind in counts:
            g = {s for s in gold if s[2] == kind}
            p = {s for s in pred if s[2] == kind}
            counts[kind][0] += len(g & p)
            counts[kind][1] += len(p - g)
            counts[kind][2] += len(g - p)

    def prf(tp, fp, fn):
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / (tp + fn) if tp + fn else 0.0
        return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(2 * p * r / (p + r) if p + r else 0.0, 4)}

    result = {kind: prf(*c) for kind, c in counts.items()}
    result["micro"] = prf(*(sum(c[i] for c in counts.values()) for i in range(3)))
    return result


def latest_checkpoint(work: Path):
    found = sorted(work.glob("step-*"), key=lambda p: int(p.name.split("-")[1]))
    return found[-1] if found else None


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT / "work/ner")
    parser.add_argument("--base", type=Path, default=ROOT / "models/base/all-MiniLM-L6-v2")
    parser.add_argument("--work", type=Path, default=ROOT / "work/train-ner")
    parser.add_argument("--out", type=Path, default=ROOT / "models/standpoint-ner-minilm")
    parser.add_argument("--epochs", type=float, default=3.0)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--max-len", type=int, default=128)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--rank", type=int, default=16)
    parser.add_argument("--warmup", type=float, default=0.06)
    parser.add_argument("--save-every", type=int, default=200)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--eval-only", action="store_true", help="evaluate and export the newest checkpoint")
    args = parser.parse_args(argv)

    torch.set_num_threads(args.threads)
    random.seed(args.seed)
    torch.manual_seed(args.seed)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    for name in ("train", "dev", "test-uner", "test-gum"):
        if not (args.data / f"{name}.jsonl").is_file():
            print(f"error: {args.data / (name + '.jsonl')} is missing; run scripts/build-ner-set", file=sys.stderr)
            return 2
    if not (args.base / "model.safetensors").is_file():
        print(f"error: no base model in {args.base}; run scripts/fetch-base-model", file=sys.stderr)
        return 2
    tokenizer = BertTokenizerFast(tokenizer_file=str(args.base / "tokenizer.json"))
    train = read(args.data / "train.jsonl")
    encoded = encode(tokenizer, train, args.max_len)
    lengths = [len(ids) for ids, _ in encoded]
    steps_per_epoch = math.ceil(len(encoded) / args.batch_size)
    total = int(steps_per_epoch * args.epochs)
    args.work.mkdir(parents=True, exist_ok=True)

    checkpoint = latest_checkpoint(args.work)
    model = load_base(args.base)
    if checkpoint:
        model = PeftModel.from_pretrained(model, checkpoint, is_trainable=True)
    else:
        model = get_peft_model(model, lora_config(args.rank))
    model.to(device).train()
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=args.lr, weight_decay=0.01)
    warm = max(1, int(total * args.warmup))
    # Linear warm-up, then linear decay to zero.
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: (s + 1) / warm if s < warm else max(0.0, (total - s) / max(1, total - warm)))
    step = 0
    if checkpoint:
        state = torch.load(checkpoint / "trainer_state.pt", weights_only=False)
        optimizer.load_state_dict(state["optimizer"])
        schedule.load_state_dict(state["scheduler"])
        step = state["step"]
        log(f"resumed from {checkpoint.name}")
    log(f"{len(encoded)} sentences, {steps_per_epoch} steps an epoch, {total} steps planned, device {device}")

    started, seen_loss = time.time(), []
    while step < total and not args.eval_only:
        epoch = step // steps_per_epoch
        plan = epoch_batches(lengths, args.batch_size, args.seed, epoch)
        for index in range(step % steps_per_epoch, len(plan)):
            ids, mask, labels = collate([encoded[i] for i in plan[index]], device)
            loss = model(input_ids=ids, attention_mask=mask, labels=labels).loss
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            schedule.step()
            optimizer.zero_grad()
            step += 1
            seen_loss.append(loss.item())
            if step % 50 == 0:
                rate = (time.time() - started) / len(seen_loss)
                log(f"step {step}/{total} loss {sum(seen_loss[-50:]) / 50:.4f} ({rate:.2f} s/step)")
            if step % args.save_every == 0 or step == total:
                path = args.work / f"step-{step:06d}"
                tmp = args.work / f".tmp-{step:06d}"
                shutil.rmtree(tmp, ignore_errors=True)
                model.save_pretrained(tmp)
                torch.save({"step": step, "optimizer": optimizer.state_dict(), "scheduler": schedule.state_dict()},
                           tmp / "trainer_state.pt")
                tmp.rename(path)
                for old in sorted(args.work.glob("step-*"), key=lambda p: int(p.name.split("-")[1]))[:-2]:
                    shutil.rmtree(old)
            if step >= total:
                break

    metrics = {"steps": step, "epochs": args.epochs, "lr": args.lr, "rank": args.rank, "train_sentences": len(encoded)}
    for name in ("dev", "test-uner", "test-gum"):
        items = read(args.data / f"{name}.jsonl")
        metrics[name] = entity_scores(items, predict_tags(model, tokenizer, items, device, args.max_len))
        log(f"{name}: {json.dumps(metrics[name])}")

    # The servable directory: config, tokenizer, adapter (PEFT format), metrics.
    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    model.base_model.model.config.architectures = ["BertForTokenClassification"]
    model.base_model.model.config.save_pretrained(out)
    shutil.copy(args.base / "tokenizer.json", out / "tokenizer.json")
    staging = out.parent / f".{out.name}-export"
    shutil.rmtree(staging, ignore_errors=True)
    model.save_pretrained(staging, safe_serialization=True)
    adapter_config = json.loads((staging / "adapter_config.json").read_text())
    adapter_config["base_model_name_or_path"] = BASE_ID
    (out / "adapter_config.json").write_text(json.dumps(adapter_config, indent=2, sort_keys=True) + "\n")
    shutil.copy(staging / "adapter_model.safetensors", out / "adapter_model.safetensors")
    shutil.rmtree(staging)
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    log(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
