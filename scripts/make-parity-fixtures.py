#!/usr/bin/env python3
"""Generate the numerical parity fixtures the Rust tests compare against (transformers is the
reference implementation).

    tests/fixtures/tiny-bert/        a tiny random BertForSequenceClassification + tokenizer,
                                     with expected token ids and logits (expected.json)
    tests/fixtures/tiny-bert-lora/   a PEFT LoRA adapter (random, non-zero) over tiny-bert,
                                     with expected logits of the adapted model
    tests/fixtures/real-model-logits.json
                                     logits of the trained default model (adapter over the
                                     all-MiniLM-L6-v2 base) on a few news pairs; only with --real

Run with the training virtualenv: .venv/bin/python scripts/make-parity-fixtures.py [--real]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

import torch
from peft import LoraConfig, get_peft_model
from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors
from transformers import BertConfig, BertForSequenceClassification, BertTokenizerFast

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests/fixtures"

PAIRS = [
    ("Putin said Russia opposes the missile shield.", "Putin supports the missile shield."),
    ("The summit ended without a deal.", "The leaders agreed on sanctions."),
    ("Bush, pushing for tougher sanctions against Iran, said talks would go on.", "Bush supports tougher sanctions against Iran."),
    ("We welcome the proposal.", "The author opposes the proposal."),
]

REAL_PAIRS = PAIRS + [
    ("After talks at the family compound, the president insisted that a planned missile shield must still have components based in eastern Europe, despite objections.",
     "The president supports the planned missile shield with components in eastern Europe."),
    ("The minister called the climate agreement a betrayal of farmers.", "The minister supports the climate agreement."),
]

# Labels deliberately not in the usual order, so the Rust side must read id2label.
ID2LABEL = {0: "contradiction", 1: "entailment", 2: "neutral"}


def tiny_tokenizer(out: Path) -> BertTokenizerFast:
    words = sorted({w.strip(".,").lower() for p, h in PAIRS for w in (p + " " + h).split()})
    letters = [chr(c) for c in range(ord("a"), ord("z") + 1)]
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", ".", ","] + words + letters + [f"##{c}" for c in letters]
    vocab = list(dict.fromkeys(vocab))
    tok = Tokenizer(models.WordPiece({w: i for i, w in enumerate(vocab)}, unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    cls, sep = vocab.index("[CLS]"), vocab.index("[SEP]")
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1", special_tokens=[("[CLS]", cls), ("[SEP]", sep)])
    out.mkdir(parents=True, exist_ok=True)
    tok.save(str(out / "tokenizer.json"))
    return BertTokenizerFast(tokenizer_file=str(out / "tokenizer.json"))


def expected(model, tokenizer, pairs, max_length=256) -> dict:
    enc = tokenizer([p for p, _ in pairs], [h for _, h in pairs], truncation="only_first",
                    max_length=max_length, padding=True, return_tensors="pt")
    with torch.no_grad():
        logits = model(**enc).logits
    rows = []
    for i, (premise, hypothesis) in enumerate(pairs):
        n = int(enc["attention_mask"][i].sum())
        rows.append({"premise": premise, "hypothesis": hypothesis,
                     "input_ids": enc["input_ids"][i][:n].tolist(),
                     "token_type_ids": enc["token_type_ids"][i][:n].tolist(),
                     "logits": logits[i].tolist()})
    return {"pairs": rows}


def tiny(seed: int = 7) -> None:
    torch.manual_seed(seed)
    out = FIXTURES / "tiny-bert"
    tokenizer = tiny_tokenizer(out)
    config = BertConfig(vocab_size=tokenizer.vocab_size, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                        intermediate_size=64, max_position_embeddings=64, num_labels=3, id2label=ID2LABEL,
                        label2id={v: k for k, v in ID2LABEL.items()}, hidden_act="gelu")
    model = BertForSequenceClassification(config).eval()
    with torch.no_grad():  # larger weights than the default init, so differences show
        for p in model.parameters():
            p.normal_(0.0, 0.2)
    model.save_pretrained(out, safe_serialization=True)
    (out / "expected.json").write_text(json.dumps(expected(model, tokenizer, PAIRS), indent=1) + "\n")

    lora_out = FIXTURES / "tiny-bert-lora"
    shutil.rmtree(lora_out, ignore_errors=True)
    peft_model = get_peft_model(BertForSequenceClassification.from_pretrained(out), LoraConfig(
        task_type="SEQ_CLS", r=4, lora_alpha=8, target_modules=r".*encoder\.layer\.\d+\..*(query|value|dense)$",
        modules_to_save=["classifier", "pooler"]))
    with torch.no_grad():
        for name, p in peft_model.named_parameters():
            if "lora_" in name or "modules_to_save" in name:
                p.normal_(0.0, 0.3)
    peft_model.eval()
    peft_model.save_pretrained(lora_out, safe_serialization=True)
    (lora_out / "README.md").unlink(missing_ok=True)
    adapter_config = json.loads((lora_out / "adapter_config.json").read_text())
    adapter_config["base_model_name_or_path"] = "tiny-bert"  # never a path of this machine
    (lora_out / "adapter_config.json").write_text(json.dumps(adapter_config, indent=2, sort_keys=True) + "\n")
    shutil.copy(out / "config.json", lora_out / "config.json")
    shutil.copy(out / "tokenizer.json", lora_out / "tokenizer.json")
    (lora_out / "expected.json").write_text(json.dumps(expected(peft_model, tokenizer, PAIRS), indent=1) + "\n")
    print(f"wrote {out} and {lora_out}")


def real() -> None:
    sys.path.insert(0, str(ROOT / "scripts"))
    from evaluate import load  # the same loading path users take (full weights or PEFT adapter)
    model, tokenizer, _ = load(ROOT / "models/standpoint-nli-minilm", ROOT / "models/base/all-MiniLM-L6-v2")
    path = FIXTURES / "real-model-logits.json"
    path.write_text(json.dumps(expected(model, tokenizer, REAL_PAIRS), indent=1) + "\n")
    print(f"wrote {path}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--real", action="store_true", help="also write the trained model's logits")
    args = parser.parse_args()
    tiny()
    if args.real:
        real()
    return 0


if __name__ == "__main__":
    sys.exit(main())
