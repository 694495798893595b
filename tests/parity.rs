//! Numerical parity with transformers (the reference implementation), per architecture and
//! weight layout. Fixtures come from scripts/make-parity-fixtures.py.

mod common;

use std::path::Path;

use standpoint::model::{Kernels, ModelOptions, Scorer};

fn check(scorer: &Scorer, expected_path: &Path, tolerance: f32) {
    let expected = common::expected(expected_path);
    let pairs: Vec<(&str, &str)> = expected.iter().map(|p| (p.premise.as_str(), p.hypothesis.as_str())).collect();
    for (pair, want) in pairs.iter().zip(&expected) {
        let (ids, types) = scorer.encode(pair.0, pair.1).unwrap();
        assert_eq!(ids, want.input_ids, "token ids for {pair:?}");
        assert_eq!(types, want.token_type_ids, "segment ids for {pair:?}");
    }
    // One padded batch: padding must not change any row's logits.
    let logits = scorer.logits(&pairs).unwrap();
    let mut worst = 0f32;
    for (got, want) in logits.iter().zip(&expected) {
        for (g, w) in got.iter().zip(&want.logits) {
            worst = worst.max((g - w).abs());
        }
    }
    eprintln!("{}: max |candle - transformers| = {worst:e}", expected_path.display());
    assert!(worst <= tolerance, "max logit difference {worst} > {tolerance}");
}

#[test]
fn tiny_bert_matches_transformers() {
    let scorer = Scorer::load(&common::fixture("tiny-bert").display().to_string(), common::exact()).unwrap();
    assert_eq!(scorer.labels().entailment, 1, "read from id2label, which puts entailment second");
    assert_eq!(scorer.info().weights, "full");
    check(&scorer, &common::fixture("tiny-bert/expected.json"), 1e-4);
}

#[test]
fn tiny_bert_lora_adapter_matches_peft() {
    // Fast: the adapter runs apart from its base; reference: merged into it at load.
    for kernels in [Kernels::Fast, Kernels::Reference] {
        let options = ModelOptions { base_dir: Some(common::fixture("tiny-bert")), kernels, ..common::exact() };
        let scorer = Scorer::load(&common::fixture("tiny-bert-lora").display().to_string(), options).unwrap();
        assert_eq!(scorer.info().weights, "lora");
        check(&scorer, &common::fixture("tiny-bert-lora/expected.json"), 1e-4);
    }
}

#[test]
fn lora_adapter_without_its_base_is_a_clear_error() {
    let Err(err) = Scorer::load(&common::fixture("tiny-bert-lora").display().to_string(), common::exact()) else {
        panic!("loaded an adapter without its base");
    };
    assert!(err.to_string().contains("base model"), "{err}");
}

#[test]
fn default_model_matches_transformers() {
    let Some(model) = common::require(common::default_model(), "the default model") else { return };
    let scorer = Scorer::load(&model.display().to_string(), common::exact()).unwrap();
    check(&scorer, &common::fixture("real-model-logits.json"), 1e-3);
}

/// int8 (`--kernels int8`) on the default model, where the CPU has AVX-512 VNNI (with the output
/// projections in bf16 where it has AMX): the same labels as transformers on the fixture's
/// pairs, logits within the rounding its weights and activations take (the dev set's 529 pairs:
/// 0.48 at most with VNNI, `scripts/int8-check.py`); also with a LoRA adapter beside an int8
/// base. Elsewhere int8 falls back to f32 and this checks that.
#[test]
fn int8_keeps_the_default_models_labels() {
    let Some(model) = common::require(common::default_model(), "the default model") else { return };
    let scorer = Scorer::load(&model.display().to_string(), ModelOptions { kernels: Kernels::Int8, ..common::exact() }).unwrap();
    let expected = common::expected(&common::fixture("real-model-logits.json"));
    if !scorer.info().kernels.starts_with("fast-int8") {
        assert_eq!(scorer.info().kernels, "fast", "no VNNI: the f32 fast path runs");
        check(&scorer, &common::fixture("real-model-logits.json"), 1e-3);
        return;
    }
    let pairs: Vec<(&str, &str)> = expected.iter().map(|p| (p.premise.as_str(), p.hypothesis.as_str())).collect();
    let argmax = |row: &[f32]| (0..row.len()).max_by(|&a, &b| row[a].total_cmp(&row[b])).unwrap_or(0);
    for (got, want) in scorer.logits(&pairs).unwrap().iter().zip(&expected) {
        assert_eq!(argmax(got), argmax(&want.logits), "{got:?} vs {:?} for {:?}", want.logits, want.premise);
        let worst = got.iter().zip(&want.logits).map(|(g, w)| (g - w).abs()).fold(0f32, f32::max);
        // Observed: 0.69 at most on these pairs (some of 256 tokens), 0.48 on the dev set's; with
        // the FFN output in bf16 on AMX too, 1.16 on one long pair here and 0.46 on the dev set's.
        let bound = if scorer.info().kernels == "fast-int8-amx" { 1.5 } else { 1.0 };
        assert!(worst < bound, "int8 moved a logit by {worst}");
    }
    let options = ModelOptions { base_dir: Some(common::fixture("tiny-bert")), kernels: Kernels::Int8, ..common::exact() };
    let adapter = Scorer::load(&common::fixture("tiny-bert-lora").display().to_string(), options).unwrap();
    assert!(adapter.info().kernels.starts_with("fast-int8"), "{}", adapter.info().kernels);
    let reference = ModelOptions { base_dir: Some(common::fixture("tiny-bert")), kernels: Kernels::Reference, ..common::exact() };
    let merged = Scorer::load(&common::fixture("tiny-bert-lora").display().to_string(), reference).unwrap();
    let tiny: Vec<(&str, &str)> = vec![("The minister backed the plan.", "The minister supports the plan."), ("No.", "Yes.")];
    for (a, b) in adapter.logits(&tiny).unwrap().iter().zip(merged.logits(&tiny).unwrap()) {
        let worst = a.iter().zip(&b).map(|(x, y)| (x - y).abs()).fold(0f32, f32::max);
        assert!(worst < 0.01, "LoRA over an int8 base moved a logit by {worst}");
    }
}

/// A tiny random model of `architecture` (fixtures `tiny-<architecture>/`), checked against
/// transformers: token ids, segment ids and logits of short, odd-length and truncated pairs in
/// one padded batch.
fn tiny_architecture(architecture: &str) -> Scorer {
    let dir = common::fixture(&format!("tiny-{architecture}"));
    let scorer = Scorer::load(&dir.display().to_string(), common::exact()).unwrap();
    assert_eq!(scorer.info().architecture, architecture);
    check(&scorer, &dir.join("expected.json"), 1e-4);
    scorer
}

#[test]
fn tiny_roberta_matches_transformers() {
    tiny_architecture("roberta");
    fast_matches_reference("tiny-roberta");
}

#[test]
fn tiny_xlm_roberta_matches_transformers() {
    tiny_architecture("xlm-roberta");
    fast_matches_reference("tiny-xlm-roberta");
}

/// A fixture runs on the fast path by default, and the reference path gives the same logits at
/// odd batch sizes, and transformers' too.
fn fast_matches_reference(fixture: &str) {
    let model = common::fixture(fixture);
    let fast = Scorer::load(&model.display().to_string(), common::exact()).unwrap();
    assert_eq!(fast.info().kernels, "fast", "{fixture} runs on the fast path by default");
    let reference = Scorer::load(&model.display().to_string(), ModelOptions { kernels: Kernels::Reference, ..common::exact() }).unwrap();
    assert_eq!(reference.info().kernels, "reference");
    check(&reference, &model.join("expected.json"), 1e-4);
    let expected = common::expected(&model.join("expected.json"));
    let pairs: Vec<(&str, &str)> = expected.iter().map(|p| (p.premise.as_str(), p.hypothesis.as_str())).collect();
    let want = logits_with(&model, &common::exact(), Kernels::Reference, &pairs, pairs.len());
    for batch_size in [1, 3, pairs.len()] {
        let worst = worst_difference(&logits_with(&model, &common::exact(), Kernels::Fast, &pairs, batch_size), &want);
        assert!(worst <= 1e-5, "{fixture}, batch {batch_size}: max |fast - reference| = {worst}");
    }
}

#[test]
fn tiny_distilbert_binary_model_matches_transformers() {
    let scorer = tiny_architecture("distilbert");
    assert!(scorer.labels().is_binary(), "entailment / not_entailment");
    assert_eq!(scorer.labels().entailment, 1);
    fast_matches_reference("tiny-distilbert");
}

#[test]
fn tiny_deberta_v3_matches_transformers() {
    tiny_architecture("deberta-v2");
}

#[test]
fn tiny_modernbert_with_sliding_window_and_mean_pooling_matches_transformers() {
    tiny_architecture("modernbert");
}

#[test]
fn tiny_mpnet_matches_transformers() {
    tiny_architecture("mpnet");
}

#[test]
fn unsupported_architectures_name_the_supported_ones() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["tokenizer.json", "model.safetensors"] {
        std::fs::copy(common::fixture("tiny-bert").join(name), dir.path().join(name)).unwrap();
    }
    std::fs::write(dir.path().join("config.json"), r#"{"model_type": "gpt2", "id2label": {"0": "entailment", "1": "neutral", "2": "contradiction"}}"#).unwrap();
    let Err(err) = Scorer::load(&dir.path().display().to_string(), common::exact()) else { panic!("loaded a gpt2 config") };
    let message = err.to_string();
    for supported in ["bert", "roberta", "xlm-roberta", "distilbert", "deberta-v2", "modernbert", "mpnet"] {
        assert!(message.contains(supported), "{message}");
    }
}

/// Half precision (our own forward passes keep the attention mask finite; candle-transformers'
/// BERT turned every hidden state into NaN in f16 and bf16): the trained default model in bf16
/// and f16 against f32 on every fixture pair, on the CPU. The labels must agree on at least 95%
/// of the pairs whose f32 label is not a near tie ([`NEAR_TIE`]), and no logit may move by more
/// than 0.5 (the GPU check asks 99% over many more pairs).
#[test]
fn default_model_in_half_precision_agrees_with_f32() {
    let Some(model) = common::require(common::default_model(), "the default model") else { return };
    let mut pairs: Vec<(String, String)> = Vec::new();
    for name in ["tiny-bert", "tiny-roberta", "tiny-modernbert"] {
        pairs.extend(common::expected(&common::fixture(&format!("{name}/expected.json"))).into_iter().map(|p| (p.premise, p.hypothesis)));
    }
    pairs.extend(common::expected(&common::fixture("real-model-logits.json")).into_iter().map(|p| (p.premise, p.hypothesis)));
    let pairs: Vec<(&str, &str)> = pairs.iter().map(|(p, h)| (p.as_str(), h.as_str())).collect();
    let load = |dtype: &str| Scorer::load(&model.display().to_string(), ModelOptions { dtype: dtype.into(), ..common::exact() }).unwrap();
    let argmax = |row: &Vec<f32>| row.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1)).map(|(i, _)| i).unwrap();
    let reference = load("f32").logits(&pairs).unwrap();
    for dtype in ["bf16", "f16"] {
        let logits = load(dtype).logits(&pairs).unwrap();
        assert!(logits.iter().flatten().all(|x| x.is_finite()), "{dtype}: non-finite logits");
        // A pair whose two best f32 logits are nearly tied has no label that bf16's 8-bit
        // mantissa can be asked to keep; the labels of the others must agree.
        let decided: Vec<usize> = (0..pairs.len()).filter(|&i| top_two_margin(&reference[i]) >= NEAR_TIE).collect();
        let agree = decided.iter().filter(|&&i| argmax(&logits[i]) == argmax(&reference[i])).count();
        let worst = logits.iter().zip(&reference).flat_map(|(a, b)| a.iter().zip(b).map(|(x, y)| (x - y).abs())).fold(0f32, f32::max);
        eprintln!("{dtype}: labels agree on {agree}/{} pairs with a margin (of {}), max |Δ logit| {worst:.4}", decided.len(), pairs.len());
        assert!(decided.len() * 10 >= pairs.len() * 8, "{dtype}: too few decided pairs to judge ({})", decided.len());
        assert!(agree * 100 >= decided.len() * 95, "{dtype}: labels agree on only {agree}/{}", decided.len());
        assert!(worst <= 0.5, "{dtype}: max |Δ logit| {worst}");
    }
}

/// The f32 logit gap under which two labels count as tied in the half-precision check.
const NEAR_TIE: f32 = 0.1;

/// The gap between the two largest logits of a row.
fn top_two_margin(row: &[f32]) -> f32 {
    let mut sorted = row.to_vec();
    sorted.sort_by(|a, b| b.total_cmp(a));
    sorted.first().zip(sorted.get(1)).map_or(f32::INFINITY, |(a, b)| a - b)
}

#[test]
fn half_precision_is_refused_where_the_forward_is_f32_only() {
    let options = ModelOptions { dtype: "f16".into(), ..common::exact() };
    let Err(err) = Scorer::load(&common::fixture("tiny-roberta").display().to_string(), options) else { panic!("roberta loaded in f16") };
    assert!(err.to_string().contains("f32 only"), "{err}");
}

/// Logits of `pairs` from `model` with `kernels`, scored `batch_size` pairs at a time.
fn logits_with(model: &Path, options: &ModelOptions, kernels: Kernels, pairs: &[(&str, &str)], batch_size: usize) -> Vec<Vec<f32>> {
    let scorer = Scorer::load(&model.display().to_string(), ModelOptions { kernels, ..options.clone() }).unwrap();
    pairs.chunks(batch_size).flat_map(|chunk| scorer.logits(chunk).unwrap()).collect()
}

fn worst_difference(a: &[Vec<f32>], b: &[Vec<f32>]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter().zip(b).flat_map(|(x, y)| x.iter().zip(y).map(|(p, q)| (p - q).abs())).fold(0f32, f32::max)
}

/// The fast CPU path (packed batches, fused kernels, first-token-only last layer) against
/// candle's reference ops on a tiny random BERT, at batch sizes that pack odd mixes of lengths.
#[test]
fn fast_path_matches_the_reference_path_on_tiny_bert_at_odd_batch_sizes() {
    let model = common::fixture("tiny-bert");
    let expected = common::expected(&model.join("expected.json"));
    let pairs: Vec<(&str, &str)> = expected.iter().map(|p| (p.premise.as_str(), p.hypothesis.as_str())).collect();
    let options = common::exact();
    let reference = logits_with(&model, &options, Kernels::Reference, &pairs, 1);
    for batch_size in [1, 2, 3, 5, pairs.len()] {
        let fast = logits_with(&model, &options, Kernels::Fast, &pairs, batch_size);
        let worst = worst_difference(&fast, &reference);
        assert!(worst <= 1e-5, "batch {batch_size}: max |fast - reference| = {worst}");
    }
    // And both against transformers; the model info says which ran.
    for (kernels, name) in [(Kernels::Fast, "fast"), (Kernels::Reference, "reference")] {
        let scorer = Scorer::load(&model.display().to_string(), ModelOptions { kernels, ..common::exact() }).unwrap();
        assert_eq!(scorer.info().kernels, name);
        check(&scorer, &model.join("expected.json"), 1e-4);
    }
    // Architectures the fast path does not cover fall back to the reference path.
    let mpnet = Scorer::load(&common::fixture("tiny-mpnet").display().to_string(), common::exact()).unwrap();
    assert_eq!(mpnet.info().kernels, "reference");
}

/// The same on the trained default model, with one batch mixing one-word pairs and pairs
/// truncated at 256 tokens, and the real-model fixture pairs at batch sizes 1, 7 and all.
#[test]
fn fast_path_matches_the_reference_path_on_the_default_model_with_short_and_256_token_pairs() {
    let Some(model) = common::require(common::default_model(), "the default model") else { return };
    let expected = common::expected(&common::fixture("real-model-logits.json"));
    let long_premise = "The minister said the government would oppose the new tariffs on steel imports, and that talks with the union would go on until an agreement is reached. ".repeat(12);
    let mut pairs: Vec<(&str, &str)> = vec![("Yes.", "No."), (long_premise.as_str(), "The minister opposes tariffs."), ("Hi", "The union supports the deal."), (long_premise.as_str(), "The union supports the deal.")];
    pairs.extend(expected.iter().map(|p| (p.premise.as_str(), p.hypothesis.as_str())));
    let options = common::exact();
    let reference = logits_with(&model, &options, Kernels::Reference, &pairs, pairs.len());
    for batch_size in [1, 7, pairs.len()] {
        let fast = logits_with(&model, &options, Kernels::Fast, &pairs, batch_size);
        let worst = worst_difference(&fast, &reference);
        eprintln!("default model, batch {batch_size}: max |fast - reference| = {worst:e}");
        assert!(worst <= 1e-3, "batch {batch_size}: max |fast - reference| = {worst}");
    }
}

/// The bare encoder (what the name tagger and the sentence embedder read): the fast path's
/// hidden states, put back in the padded layout, equal the reference's at every real token.
#[test]
fn fast_encoder_hidden_states_match_the_reference_at_every_real_token() {
    hidden_states_match("tiny-bert");
    hidden_states_match("tiny-distilbert");
    hidden_states_match("tiny-roberta");
    // A LoRA adapter: applied at run time on the fast path, merged on the reference path.
    hidden_states_match("tiny-bert-lora");
}

fn hidden_states_match(fixture: &str) {
    use standpoint::model::encoder::{LoadedEncoder, run};
    let model = common::fixture(fixture).display().to_string();
    let base_dir = Some(common::fixture("tiny-bert"));
    let load = |kernels| LoadedEncoder::load(&model, &ModelOptions { kernels, base_dir: base_dir.clone(), ..common::exact() }).unwrap().0;
    let (fast, reference) = (load(Kernels::Fast), load(Kernels::Reference));
    let texts = ["A", "The minister opposed the tariffs on steel.", "Talks go on.", "Unions in the north and the south said they would strike."];
    let encodings = fast.encode(&texts).unwrap();
    let rows: Vec<&tokenizers::Encoding> = encodings.iter().collect();
    let (fast_hidden, mask) = run(&fast, &rows).unwrap();
    let (reference_hidden, _) = run(&reference, &rows).unwrap();
    let (fast_hidden, reference_hidden) = (fast_hidden.to_vec3::<f32>().unwrap(), reference_hidden.to_vec3::<f32>().unwrap());
    let mask = mask.to_vec2::<u32>().unwrap();
    let mut compared = 0;
    for (b, row) in mask.iter().enumerate() {
        for (t, &m) in row.iter().enumerate() {
            if m == 1 {
                let worst = fast_hidden[b][t].iter().zip(&reference_hidden[b][t]).map(|(x, y)| (x - y).abs()).fold(0f32, f32::max);
                assert!(worst <= 1e-5, "row {b} token {t}: {worst}");
                compared += 1;
            } else {
                assert!(fast_hidden[b][t].iter().all(|&v| v == 0.0), "padding rows are zero");
            }
        }
    }
    assert_eq!(compared, encodings.iter().map(|e| e.get_ids().len()).sum::<usize>());
}

/// The fast path holds one pass at a time per process: callers on several threads, and callers
/// that are themselves thread-pool workers (which must not wait on that lock), all get the
/// logits a lone call gets, without deadlock.
#[test]
fn fast_path_gives_the_same_logits_from_many_threads_and_from_pool_threads() {
    use rayon::prelude::*;
    let model = common::fixture("tiny-bert");
    let scorer = Scorer::load(&model.display().to_string(), common::exact()).unwrap();
    let expected = common::expected(&model.join("expected.json"));
    let pairs: Vec<(&str, &str)> = expected.iter().map(|p| (p.premise.as_str(), p.hypothesis.as_str())).collect();
    let alone = scorer.logits(&pairs).unwrap();
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..4).map(|_| scope.spawn(|| scorer.logits(&pairs).unwrap())).collect();
        for handle in handles {
            assert_eq!(handle.join().unwrap(), alone);
        }
    });
    let from_pool: Vec<Vec<Vec<f32>>> = (0..8).into_par_iter().map(|_| scorer.logits(&pairs).unwrap()).collect();
    assert!(from_pool.iter().all(|logits| *logits == alone));
}
