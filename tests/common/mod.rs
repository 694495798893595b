//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use serde::Deserialize;

/// Model options for exact f32 (the fast path without int8): what parity with transformers
/// is checked on.
pub fn exact() -> standpoint::model::ModelOptions {
    standpoint::model::ModelOptions { kernels: standpoint::model::Kernels::Fast, ..standpoint::model::ModelOptions::default() }
}

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A committed fixture path.
pub fn fixture(name: &str) -> PathBuf {
    root().join("tests/fixtures").join(name)
}

/// The shared data folder beside the checkout, when present.
pub fn shared() -> Option<PathBuf> {
    let path = root().join("../shared");
    path.join("articles").is_dir().then_some(path)
}

/// The trained default model: full weights, or an adapter whose base weights have been fetched.
pub fn default_model() -> Option<PathBuf> {
    let model = root().join("models/standpoint-nli-minilm");
    let full = model.join("model.safetensors").is_file();
    let adapter = model.join("adapter_model.safetensors").is_file() && root().join("models/base/all-MiniLM-L6-v2/model.safetensors").is_file();
    (full || adapter).then_some(model)
}

/// Skip a test that needs the real model or ../shared, except in CI, where it must run.
pub fn require<T>(what: Option<T>, name: &str) -> Option<T> {
    if what.is_none() {
        assert!(std::env::var("CI").is_err(), "{name} is required in CI (run scripts/fetch-base-model; ../shared must exist)");
        eprintln!("skipping: {name} not available (run scripts/fetch-base-model)");
    }
    what
}

/// One expected pair from a parity fixture.
#[derive(Deserialize)]
pub struct ExpectedPair {
    pub premise: String,
    pub hypothesis: String,
    pub input_ids: Vec<u32>,
    pub token_type_ids: Vec<u32>,
    pub logits: Vec<f32>,
}

#[derive(Deserialize)]
struct Expected {
    pairs: Vec<ExpectedPair>,
}

/// Read `expected.json`-style parity fixtures.
pub fn expected(path: &Path) -> Vec<ExpectedPair> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str::<Expected>(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display())).pairs
}
