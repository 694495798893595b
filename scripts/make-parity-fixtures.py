#!/usr/bin/env python3
"""Generate the numerical parity fixtures the Rust tests compare against (transformers is the
reference implementation).

    tests/fixtures/tiny-bert/        a tiny random BertForSequenceClassification + tokenizer,
                                     with expected token ids and logits (expected.json)
    tests/fixtures/tiny-bert-lora/   a PEFT LoRA adapter (random, non-zero) over tiny-bert,
                                     with expected logits of the adapted model
    tests/fixtures/tiny-<arch>/      a tiny random sequence classifier of each other architecture
                                     (roberta, xlm-roberta, distilbert, deberta-v2, mpnet), with a
                                     tokenizer of the kind that architecture uses (byte-level BPE,
                                     Unigram, WordPiece) and expected logits for short, odd-length
                                     and long (truncated) pairs
    tests/fixtures/real-model-logits.json
                                     logits of the trained default model (adapter over the
                                     all-MiniLM-L6-v2 base) on a few news pairs; only with --real

Run with the training virtualenv: .venv/bin/python scripts/make-parity-fixtures.py [--real]
[--only bert|architectures]
"""

from __future__ import annotations

import argparse
import inspect
import json
import shutil
import sys
from pathlib import Path

import torch
from peft import LoraConfig, get_peft_model
from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
from transformers import (AutoModelForSequenceClassification, BertConfig, BertForSequenceClassification,
                          BertTokenizerFast, DebertaV2Config, DistilBertConfig, ModernBertConfig, MPNetConfig,
                          PreTrainedTokenizerFast, RobertaConfig, XLMRobertaConfig)

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
                    max_length=max_length, padding=True, return_tensors="pt", return_token_type_ids=True)
    # Only what the model's forward takes (DistilBERT and MPNet have no segment ids).
    accepted = inspect.signature(model.forward).parameters
    inputs = {k: v for k, v in enc.items() if k in accepted or "kwargs" in accepted and k != "token_type_ids"}
    if "token_type_ids" in accepted and "token_type_ids" in enc:
        inputs["token_type_ids"] = enc["token_type_ids"]
    with torch.no_grad():
        logits = model(**inputs).logits
    rows = []
    for i, (premise, hypothesis) in enumerate(pairs):
        n = int(enc["attention_mask"][i].sum())
        # Padding is on the right: the first n positions are the pair.
        assert int(enc["attention_mask"][i][:n].sum()) == n
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


# Short, odd-length and long pairs; the long premise is cut to the tiny models' 64 positions.
ARCH_PAIRS = PAIRS + [
    ("No.", "Putin supports the missile shield."),
    ("Sanctions, sanctions, sanctions: the summit said nothing else, and the leaders agreed.", "Sanctions."),
    (" ".join(["The summit ended without a deal, and the leaders agreed on sanctions against Iran."] * 12),
     "Bush supports tougher sanctions against Iran."),
    ("We welcome the proposal, Putin said.", "The author opposes the proposal."),
    ("Bush and Putin agreed on sanctions.", "Putin opposes the missile shield."),
    ("Russia opposes the shield; the United States supports it.", "The United States supports the missile shield."),
    ("The leaders ended talks.", "The summit ended without a deal."),
    ("The missile shield, the summit, the deal.", "We welcome the proposal."),
]

BINARY = {0: "not_entailment", 1: "entailment"}
SPECIALS_ROBERTA = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]


def corpus() -> list[str]:
    return [text for pair in ARCH_PAIRS for text in pair]


def bpe_tokenizer(specials: list[str] = SPECIALS_ROBERTA, template: tuple[str, str] | None = None) -> Tokenizer:
    """Byte-level BPE, as RoBERTa uses (<s> A </s></s> B </s>) or with a template (ModernBERT)."""
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.train_from_iterator(corpus(), trainers.BpeTrainer(vocab_size=300, special_tokens=specials,
                                                          initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    if template is None:
        tok.post_processor = processors.RobertaProcessing(("</s>", tok.token_to_id("</s>")), ("<s>", tok.token_to_id("<s>")))
    else:
        single, pair = template
        tok.post_processor = processors.TemplateProcessing(
            single=single, pair=pair, special_tokens=[(t, tok.token_to_id(t)) for t in specials if t in single + pair])
    return tok


def unigram_tokenizer(specials: list[str], pair_template: tuple[str, str], unk: str) -> Tokenizer:
    """A SentencePiece-style Unigram model (XLM-R, DeBERTa-v3)."""
    tok = Tokenizer(models.Unigram())
    tok.normalizer = normalizers.NFKC()
    tok.pre_tokenizer = pre_tokenizers.Metaspace()
    tok.decoder = decoders.Metaspace()
    tok.train_from_iterator(corpus(), trainers.UnigramTrainer(vocab_size=120, special_tokens=specials, unk_token=unk))
    single, pair = pair_template
    ids = [(t, tok.token_to_id(t)) for t in specials if t in single + pair]
    tok.post_processor = processors.TemplateProcessing(single=single, pair=pair, special_tokens=ids)
    return tok


def wordpiece_tokenizer(specials: list[str], single: str, pair: str, unk: str) -> Tokenizer:
    words = sorted({w.strip(".,;:").lower() for text in corpus() for w in text.split()} - {""})
    letters = [chr(c) for c in range(ord("a"), ord("z") + 1)]
    vocab = list(dict.fromkeys(specials + [".", ",", ";", ":"] + words + letters + [f"##{c}" for c in letters]))
    tok = Tokenizer(models.WordPiece({w: i for i, w in enumerate(vocab)}, unk_token=unk))
    tok.normalizer = normalizers.BertNormalizer(lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.post_processor = processors.TemplateProcessing(
        single=single, pair=pair, special_tokens=[(t, vocab.index(t)) for t in specials if t in single + pair])
    return tok


def save_tokenizer(tok: Tokenizer, out: Path, pad: str, **specials) -> PreTrainedTokenizerFast:
    out.mkdir(parents=True, exist_ok=True)
    tok.save(str(out / "tokenizer.json"))
    return PreTrainedTokenizerFast(tokenizer_file=str(out / "tokenizer.json"), pad_token=pad, **specials)


def random_weights(model, std: float = 0.2):
    with torch.no_grad():  # larger weights than the default init, so differences show
        for name, p in model.named_parameters():
            if "LayerNorm" in name or "layer_norm" in name or "layernorm" in name:
                p.normal_(1.0 if name.endswith("weight") else 0.0, 0.1)
            else:
                p.normal_(0.0, std)
    return model.eval()


def architectures(seed: int = 11) -> None:
    common = dict(hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=64,
                  max_position_embeddings=64, hidden_act="gelu")
    labels3 = dict(num_labels=3, id2label=ID2LABEL, label2id={v: k for k, v in ID2LABEL.items()})
    labels2 = dict(num_labels=2, id2label=BINARY, label2id={v: k for k, v in BINARY.items()})
    cases = []

    tok = bpe_tokenizer()
    cases.append(("roberta", tok, dict(pad="<pad>"),
                  RobertaConfig(vocab_size=tok.get_vocab_size(), pad_token_id=1, bos_token_id=0, eos_token_id=2,
                                type_vocab_size=1, layer_norm_eps=1e-5, **common, **labels3), 64 - 2))

    tok = unigram_tokenizer(["<s>", "<pad>", "</s>", "<unk>"], ("<s> $A </s>", "<s> $A </s> </s> $B </s>"), "<unk>")
    cases.append(("xlm-roberta", tok, dict(pad="<pad>"),
                  XLMRobertaConfig(vocab_size=tok.get_vocab_size(), pad_token_id=1, bos_token_id=0, eos_token_id=2,
                                   type_vocab_size=1, layer_norm_eps=1e-5, **common, **labels3), 64 - 2))

    tok = wordpiece_tokenizer(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"], "[CLS] $A [SEP]", "[CLS] $A [SEP] $B:1 [SEP]:1", "[UNK]")
    cases.append(("distilbert", tok, dict(pad="[PAD]"),
                  DistilBertConfig(vocab_size=tok.get_vocab_size(), dim=32, n_layers=2, n_heads=4, hidden_dim=64,
                                   max_position_embeddings=64, activation="gelu", pad_token_id=0, **labels2), 64))

    tok = unigram_tokenizer(["[PAD]", "[CLS]", "[SEP]", "[UNK]", "[MASK]"], ("[CLS] $A [SEP]", "[CLS] $A [SEP] $B:1 [SEP]:1"), "[UNK]")
    # DeBERTa-v3's shape: relative positions only, log buckets, shared keys, no segment embeddings.
    cases.append(("deberta-v2", tok, dict(pad="[PAD]"),
                  DebertaV2Config(vocab_size=tok.get_vocab_size(), type_vocab_size=0, relative_attention=True,
                                  position_buckets=16, max_relative_positions=-1, position_biased_input=False,
                                  pos_att_type=["p2c", "c2p"], norm_rel_ebd="layer_norm", share_att_key=True,
                                  pooler_hidden_size=32, pooler_dropout=0.0, pooler_hidden_act="gelu",
                                  layer_norm_eps=1e-7, pad_token_id=0, **common, **labels3), 64))

    tok = wordpiece_tokenizer(["<s>", "<pad>", "</s>", "<unk>", "<mask>"], "<s> $A </s>", "<s> $A </s> </s> $B </s>", "<unk>")
    cases.append(("mpnet", tok, dict(pad="<pad>"),
                  MPNetConfig(vocab_size=tok.get_vocab_size(), pad_token_id=1, bos_token_id=0, eos_token_id=2,
                              relative_attention_num_buckets=32, layer_norm_eps=1e-5, **common, **labels3), 64 - 2))

    tok = bpe_tokenizer(["[CLS]", "[PAD]", "[SEP]", "[UNK]", "[MASK]"], ("[CLS] $A [SEP]", "[CLS] $A [SEP] $B [SEP]"))
    # Three layers: one global, two in a sliding window of 8 that the long pairs exceed; mean pooling.
    cases.append(("modernbert", tok, dict(pad="[PAD]"),
                  ModernBertConfig(vocab_size=tok.get_vocab_size(), hidden_size=32, num_hidden_layers=3,
                                   num_attention_heads=4, intermediate_size=48, max_position_embeddings=64,
                                   local_attention=8, global_attn_every_n_layers=3, classifier_pooling="mean",
                                   pad_token_id=1, bos_token_id=0, eos_token_id=2, cls_token_id=0, sep_token_id=2,
                                   **labels3), 64))

    for name, tok, specials, config, max_tokens in cases:
        torch.manual_seed(seed)
        out = FIXTURES / f"tiny-{name}"
        shutil.rmtree(out, ignore_errors=True)
        tokenizer = save_tokenizer(tok, out, specials["pad"])
        model = random_weights(AutoModelForSequenceClassification.from_config(config))
        model.save_pretrained(out, safe_serialization=True)
        (out / "expected.json").write_text(json.dumps(expected(model, tokenizer, ARCH_PAIRS, max_length=max_tokens), indent=1) + "\n")
        print(f"wrote {out}")


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
    parser.add_argument("--only", choices=["bert", "architectures"], help="write only these fixtures")
    args = parser.parse_args()
    if args.only != "architectures":
        tiny()
    if args.only != "bert":
        architectures()
    if args.real:
        real()
    return 0


if __name__ == "__main__":
    sys.exit(main())
