# Standpoint: one place for the commands. Tests and the binary share the release profile, so
# candle is compiled once.

CARGO ?= cargo
PYTHON ?= python3
VENV := .venv
STANDPOINT := target/release/standpoint

.PHONY: example build test test-rust test-python acceptance eval calibrate coverage ner base-model venv data train evaluate fixtures bench build-cuda clean

## The main job: fetch the base weights, build, and print the stance table of the example article.
example: base-model build
	$(STANDPOINT) analyze examples/trade-summit.txt --format md

build:
	$(CARGO) build --release

## The CUDA build, on a machine with or without a GPU: toolchain from PyPI wheels, binary in
## target/cuda/release/standpoint (see README, "GPU").
build-cuda:
	scripts/build-cuda

## All tests: Rust (unit, integration, parity, end to end on the seed) and the Python tooling.
## The base encoder is fetched first: the shipped tagger and embedder run on it.
test: base-model test-rust test-python

test-rust:
	$(CARGO) test --release

test-python:
	$(PYTHON) -c "import pytest, openapi_spec_validator, jsonschema" 2>/dev/null || \
		$(PYTHON) -m pip install --quiet pytest "openapi-spec-validator>=0.7" "jsonschema>=4.18"
	$(PYTHON) -m pytest -q scripts/tests

## The pipeline issue's acceptance bar on the seed article (needs ../shared and the default model).
acceptance: build
	$(CARGO) test --release --test seed_e2e -- --include-ignored --nocapture

## The whole pipeline against the annotated actor-stance dev set (needs ../shared): topics only,
## then with the gold actors given.
DEV_SET ?= ../shared/articles/actor-stance-dev.jsonl
eval: base-model build
	$(STANDPOINT) eval $(DEV_SET)
	$(STANDPOINT) eval $(DEV_SET) --gold-actors

base-model:
	scripts/fetch-base-model

## Training tooling (PyTorch, transformers, PEFT) in a virtualenv; CI never trains.
venv: $(VENV)/.installed
$(VENV)/.installed: scripts/requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet -r scripts/requirements.txt
	touch $@

data:
	scripts/build-training-set

# The committed model's recipe: stage 1 over the whole training set (a GPU if present), stage 2
# on synthetic news reports mixed with replayed pairs, stage 3 on compound reports (a measure
# and its target; stacked clauses) mixed the same way, stage 4 on the shapes of real news
# sentences, reasoning templates and the newer public sets (one epoch), stage 5 on stance
# against the tone of the words mixed with replayed stage-4 pairs (one epoch), stage 6 on claims
# asserted, denied and left unconfirmed mixed with replayed stage-5 pairs (one epoch), stage 7
# on acts done, accusations made and dangers warned of, mixed with replayed stage-6 pairs (one
# epoch), written to the model directory.
TRAIN_ARGS ?= --full --steps 6169 --lr 1e-4 --work work/train-full --out work/stage1-model
STAGE2_ARGS ?= --init work/stage1-model --data work/data/stage2.jsonl --steps 1000 --lr 3e-5 --work work/train-stage2 --out work/stage2-model
STAGE3_ARGS ?= --init work/stage2-model --data work/data/stage3.jsonl --steps 1000 --lr 1.5e-5 --work work/train-stage3 --out work/stage3-model
STAGE4_ARGS ?= --init work/stage3-model --data work/data/stage4.jsonl --epochs 1 --lr 3e-5 --work work/train-stage4 --out work/stage4-model
STAGE5_ARGS ?= --init work/stage4-model --data work/data/stage5.jsonl --epochs 1 --lr 3e-5 --work work/train-stage5 --out work/stage5-model
STAGE6_ARGS ?= --init work/stage5-model --data work/data/stage6.jsonl --epochs 1 --lr 2e-5 --work work/train-stage6 --out work/stage6-model
STAGE7_ARGS ?= --init work/stage6-model --data work/data/stage7.jsonl --epochs 1 --lr 2e-5 --work work/train-stage7
train: base-model venv data
	scripts/train $(TRAIN_ARGS)
	scripts/train $(STAGE2_ARGS)
	scripts/train $(STAGE3_ARGS)
	scripts/train $(STAGE4_ARGS)
	scripts/train $(STAGE5_ARGS)
	scripts/train $(STAGE6_ARGS)
	scripts/train $(STAGE7_ARGS)

## The name tagger: NER sets from ../shared/data, then LoRA training (about 30 minutes on 2 cores).
ner: base-model venv
	scripts/build-ner-set
	scripts/train-ner --epochs 4

## The stance table's thresholds and confidence calibration, from the dev set's reports.
calibrate: build
	mkdir -p work
	$(STANDPOINT) eval $(DEV_SET) --reports work/dev-reports.jsonl > /dev/null
	$(STANDPOINT) eval $(DEV_SET) --gold-actors --reports work/dev-reports-gold-actors.jsonl > /dev/null
	$(PYTHON) scripts/calibrate_table.py work/dev-reports.jsonl work/dev-reports-gold-actors.jsonl

## Does the default pack find stances in an archive? 500 FNC-1 bodies through `standpoint batch`.
coverage: base-model build
	scripts/check-pack-coverage 500

evaluate: base-model venv data
	scripts/evaluate

fixtures: base-model venv
	$(VENV)/bin/python scripts/make-parity-fixtures.py --real

## Throughput: candle, PyTorch and ONNX Runtime (f32, int8) on the same pairs, with ratios.
BENCH_ARTICLE ?= ../shared/articles/kennebunkport-2007.txt
bench: base-model build venv
	mkdir -p work
	$(STANDPOINT) bench --kernels fast --article $(BENCH_ARTICLE) --dump-pairs work/bench-pairs.jsonl --threads 2 | tee work/bench-candle-f32.txt
	$(STANDPOINT) bench --kernels int8 --article $(BENCH_ARTICLE) --threads 2 | tee work/bench-candle-int8.txt
	$(VENV)/bin/python scripts/bench-runtimes.py work/bench-pairs.jsonl --threads 2 \
		--candle "candle f32=work/bench-candle-f32.txt" --candle "candle int8=work/bench-candle-int8.txt"

clean:
	$(CARGO) clean
