//! Numerical parity with transformers (the reference implementation), per architecture and
//! weight layout. Fixtures come from scripts/make-parity-fixtures.py.

mod common;

use std::path::Path;

use standpoint::model::{ModelOptions, Scorer};

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
    let scorer = Scorer::load(&common::fixture("tiny-bert").display().to_string(), ModelOptions::default()).unwrap();
    assert_eq!(scorer.labels().entailment, 1, "read from id2label, which puts entailment second");
    assert_eq!(scorer.info().weights, "full");
    check(&scorer, &common::fixture("tiny-bert/expected.json"), 1e-4);
}

#[test]
fn tiny_bert_lora_adapter_matches_peft() {
    let options = ModelOptions { base_dir: Some(common::fixture("tiny-bert")), ..ModelOptions::default() };
    let scorer = Scorer::load(&common::fixture("tiny-bert-lora").display().to_string(), options).unwrap();
    assert_eq!(scorer.info().weights, "lora");
    check(&scorer, &common::fixture("tiny-bert-lora/expected.json"), 1e-4);
}

#[test]
fn lora_adapter_without_its_base_is_a_clear_error() {
    let Err(err) = Scorer::load(&common::fixture("tiny-bert-lora").display().to_string(), ModelOptions::default()) else {
        panic!("loaded an adapter without its base");
    };
    assert!(err.to_string().contains("base model"), "{err}");
}

#[test]
fn default_model_matches_transformers() {
    let Some(model) = common::require(common::default_model(), "the default model") else { return };
    let scorer = Scorer::load(&model.display().to_string(), ModelOptions::default()).unwrap();
    check(&scorer, &common::fixture("real-model-logits.json"), 1e-3);
}

/// A tiny random model of `architecture` (fixtures `tiny-<architecture>/`), checked against
/// transformers: token ids, segment ids and logits of short, odd-length and truncated pairs in
/// one padded batch.
fn tiny_architecture(architecture: &str) -> Scorer {
    let dir = common::fixture(&format!("tiny-{architecture}"));
    let scorer = Scorer::load(&dir.display().to_string(), ModelOptions::default()).unwrap();
    assert_eq!(scorer.info().architecture, architecture);
    check(&scorer, &dir.join("expected.json"), 1e-4);
    scorer
}

#[test]
fn tiny_roberta_matches_transformers() {
    tiny_architecture("roberta");
}

#[test]
fn tiny_xlm_roberta_matches_transformers() {
    tiny_architecture("xlm-roberta");
}

#[test]
fn tiny_distilbert_binary_model_matches_transformers() {
    let scorer = tiny_architecture("distilbert");
    assert!(scorer.labels().is_binary(), "entailment / not_entailment");
    assert_eq!(scorer.labels().entailment, 1);
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
    let Err(err) = Scorer::load(&dir.path().display().to_string(), ModelOptions::default()) else { panic!("loaded a gpt2 config") };
    let message = err.to_string();
    for supported in ["bert", "roberta", "xlm-roberta", "distilbert", "deberta-v2", "modernbert", "mpnet"] {
        assert!(message.contains(supported), "{message}");
    }
}
