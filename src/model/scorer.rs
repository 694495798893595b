//! The scorer: tokenizes (premise, hypothesis) pairs, scores each distinct pair once in
//! length-sorted token-budget batches, and returns entailment / neutral / contradiction
//! probabilities read through the model's own `id2label`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Instant;

use candle_core::{D, DType, Device};
use serde::{Deserialize, Serialize};
use tokenizers::{Tokenizer, TruncationParams, TruncationStrategy};

use super::batching;
use super::arch::{self, Batch, SequenceClassifier};
use super::loading::{ModelFiles, ModelSource};
use crate::error::{Error, Result};

/// How to load and run a model.
#[derive(Debug, Clone)]
pub struct ModelOptions {
    /// `cpu` or `cuda` (needs the `cuda` cargo feature).
    pub device: String,
    /// Where a LoRA adapter's base model is, overriding the search.
    pub base_dir: Option<PathBuf>,
    /// Hub revision for hub ids.
    pub revision: Option<String>,
    /// Padded tokens per batch at most.
    pub max_batch_tokens: usize,
    /// Rows per batch at most.
    pub max_batch_size: usize,
    /// Longest pair in tokens; longer premises are truncated.
    pub max_length: usize,
    /// `f32`, `f16` or `bf16`: the dtype the weights and activations are held in.
    pub dtype: String,
    /// The fast CPU path where it applies, or the reference ops everywhere.
    pub kernels: super::Kernels,
}

impl Default for ModelOptions {
    fn default() -> Self {
        ModelOptions { device: "cpu".into(), base_dir: None, revision: None, max_batch_tokens: 2048, max_batch_size: 64, max_length: 256, dtype: "f32".into(), kernels: super::Kernels::default() }
    }
}

/// Which output index means what, from `config.json`'s `id2label`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Labels {
    /// Label names in output order.
    pub names: Vec<String>,
    /// Index of entailment.
    pub entailment: usize,
    /// Index of neutral, for 3-way models.
    pub neutral: Option<usize>,
    /// Index of contradiction, for 3-way models.
    pub contradiction: Option<usize>,
}

impl Labels {
    /// Read label meaning from an `id2label` map; never assumes positions.
    pub fn from_id2label(id2label: &HashMap<String, String>) -> std::result::Result<Labels, String> {
        let mut names = vec![String::new(); id2label.len()];
        for (id, name) in id2label {
            let index: usize = id.parse().map_err(|_| format!("id2label key {id:?} is not a number"))?;
            let slot = names.get_mut(index).ok_or_else(|| format!("id2label index {index} out of range"))?;
            *slot = name.clone();
        }
        let find = |pred: &dyn Fn(&str) -> bool| names.iter().position(|n| pred(&n.to_lowercase()));
        let entailment = find(&|n| n.starts_with("entail")).ok_or("id2label has no entailment label")?;
        let neutral = find(&|n| n.starts_with("neutral"));
        let contradiction = find(&|n| n.starts_with("contradict"));
        if names.len() == 3 && (neutral.is_none() || contradiction.is_none()) {
            return Err(format!("3 labels {names:?}, but not entailment/neutral/contradiction"));
        }
        Ok(Labels { names, entailment, neutral, contradiction })
    }

    /// Whether the model only says entailed / not entailed.
    pub fn is_binary(&self) -> bool {
        self.contradiction.is_none()
    }
}

/// One pair's probabilities.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Probabilities {
    /// P(the premise entails the hypothesis).
    pub entailment: f32,
    /// P(neither), or P(not entailed) for binary models.
    pub neutral: f32,
    /// P(the premise contradicts the hypothesis); 0 for binary models.
    pub contradiction: f32,
}

/// What the service and reports say about the loaded model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ModelInfo {
    /// Directory or hub id.
    pub id: String,
    /// Hub revision, or "local".
    pub revision: String,
    /// sha256 of the weights file(s).
    pub sha256: String,
    /// e.g. "bert".
    pub architecture: String,
    /// Output labels in order.
    pub labels: Vec<String>,
    /// "cpu" or "cuda".
    pub device: String,
    /// "full" or "lora".
    pub weights: String,
    /// "fast" (the fast CPU path) or "reference" (candle's stock ops); see `--kernels`. Empty
    /// in reports written before it was recorded.
    #[serde(default)]
    pub kernels: String,
}

#[derive(Deserialize)]
struct ClassifierConfig {
    #[serde(default)]
    id2label: HashMap<String, String>,
}

/// Counters from one `score` call.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct ScoreStats {
    /// Pairs asked for.
    pub pairs: usize,
    /// Distinct pairs actually run.
    pub unique_pairs: usize,
    /// Batches run.
    pub batches: usize,
    /// Padded tokens run.
    pub padded_tokens: usize,
    /// Time in tokenization and the model, milliseconds.
    pub millis: f64,
}

/// A loaded cross-encoder, ready to score pairs.
pub struct Scorer {
    classifier: Box<dyn SequenceClassifier>,
    pad_token_id: u32,
    tokenizer: Tokenizer,
    /// Truncates both sides; made (a copy of `tokenizer`, about 7 MB) only when some hypothesis
    /// alone is longer than the model allows.
    fallback_tokenizer: OnceLock<Tokenizer>,
    labels: Labels,
    device: Device,
    options: ModelOptions,
    info: ModelInfo,
    templates: Option<PathBuf>,
}

impl Scorer {
    /// Load a model from a directory or hub id.
    pub fn load(spec: &str, options: ModelOptions) -> Result<Scorer> {
        let source = ModelSource::parse(spec, options.revision.as_deref())?;
        let files = ModelFiles::resolve(&source, options.base_dir.as_deref())?;
        Self::from_files(&files, options)
    }

    /// Load from resolved files.
    pub fn from_files(files: &ModelFiles, options: ModelOptions) -> Result<Scorer> {
        let device = super::encoder::device(&options.device, &files.id)?;
        let config_text = std::fs::read_to_string(&files.config).map_err(|e| Error::io(&files.config, e))?;
        let shape = arch::shape(&config_text).map_err(|message| Error::model(&files.id, message))?;
        let classifier_config: ClassifierConfig = serde_json::from_str(&config_text)
            .map_err(|e| Error::model(&files.id, format!("config.json: {e}")))?;
        let labels = Labels::from_id2label(&classifier_config.id2label).map_err(|m| Error::model(&files.id, m))?;
        let dtype = super::encoder::dtype(&options.dtype, &shape.model_type)?;
        let vb = super::encoder::weights(files, &options, &config_text, dtype, &device)?;
        let classifier = arch::load_classifier(&config_text, vb, labels.names.len(), options.kernels)
            .map_err(|e| Error::model(&files.id, format!("weights do not fit the config: {e}")))?;
        // Never feed more tokens than the model has positions for.
        let max_length = options.max_length.min(shape.max_tokens);
        let tokenizer = load_tokenizer(&files.tokenizer, max_length, TruncationStrategy::OnlyFirst)?;
        let info = ModelInfo {
            id: files.id.clone(),
            revision: files.revision.clone(),
            sha256: files.sha256()?,
            architecture: shape.model_type.clone(),
            labels: labels.names.clone(),
            device: options.device.clone(),
            kernels: classifier.kernels().into(),
            weights: match files.weights {
                super::Weights::Full(_) => "full".into(),
                super::Weights::Lora { .. } => "lora".into(),
            },
        };
        Ok(Scorer { classifier, pad_token_id: shape.pad_token_id, tokenizer, fallback_tokenizer: OnceLock::new(), labels, device, options, info, templates: files.templates.clone() })
    }

    /// The model's description.
    pub fn info(&self) -> &ModelInfo {
        &self.info
    }

    /// The label layout.
    pub fn labels(&self) -> &Labels {
        &self.labels
    }

    /// The model's `templates.toml`, when it ships one.
    pub fn templates_path(&self) -> Option<&Path> {
        self.templates.as_deref()
    }

    /// Token ids and segment ids of a pair, as the model sees it.
    pub fn encode(&self, premise: &str, hypothesis: &str) -> Result<(Vec<u32>, Vec<u32>)> {
        let encoding = self.encoding(premise, hypothesis)?;
        Ok((encoding.get_ids().to_vec(), encoding.get_type_ids().to_vec()))
    }

    /// Truncate the premise only; if the hypothesis alone is too long, truncate both.
    fn encoding(&self, premise: &str, hypothesis: &str) -> Result<tokenizers::Encoding> {
        match self.tokenizer.encode((premise, hypothesis), true) {
            Ok(encoding) => Ok(encoding),
            Err(_) => self.fallback()?.encode((premise, hypothesis), true).map_err(|e| Error::Tokenizer(e.to_string())),
        }
    }

    fn fallback(&self) -> Result<&Tokenizer> {
        if let Some(tokenizer) = self.fallback_tokenizer.get() {
            return Ok(tokenizer);
        }
        let mut tokenizer = self.tokenizer.clone();
        let max_length = self.tokenizer.get_truncation().map_or(self.options.max_length, |t| t.max_length);
        tokenizer
            .with_truncation(Some(TruncationParams { max_length, strategy: TruncationStrategy::LongestFirst, ..TruncationParams::default() }))
            .map_err(|e| Error::Tokenizer(e.to_string()))?;
        Ok(self.fallback_tokenizer.get_or_init(|| tokenizer))
    }

    /// Raw logits for pairs, in input order, one batch (no dedup); for parity tests.
    pub fn logits(&self, pairs: &[(&str, &str)]) -> Result<Vec<Vec<f32>>> {
        let encoded: Vec<(Vec<u32>, Vec<u32>)> = pairs.iter().map(|(p, h)| self.encode(p, h)).collect::<Result<_>>()?;
        let rows: Vec<(&[u32], &[u32])> = encoded.iter().map(|(i, t)| (i.as_slice(), t.as_slice())).collect();
        let batch = Batch::new(&rows, self.pad_token_id, &self.device)?;
        Ok(self.classifier.logits(&batch)?.to_dtype(DType::F32)?.to_vec2::<f32>()?)
    }

    /// Probabilities for each pair, in input order. Identical pairs are scored once; the rest
    /// run in length-sorted batches under the token budget.
    pub fn score(&self, pairs: &[(&str, &str)]) -> Result<(Vec<Probabilities>, ScoreStats)> {
        let started = Instant::now();
        let mut unique: Vec<(&str, &str)> = Vec::new();
        let mut slot_of: HashMap<(&str, &str), usize> = HashMap::new();
        let slots: Vec<usize> = pairs
            .iter()
            .map(|pair| {
                *slot_of.entry(*pair).or_insert_with(|| {
                    unique.push(*pair);
                    unique.len() - 1
                })
            })
            .collect();
        let inputs: Vec<tokenizers::EncodeInput> = unique.iter().map(|(p, h)| (*p, *h).into()).collect();
        let encodings = match self.tokenizer.encode_batch(inputs, true) {
            Ok(encodings) => encodings,
            // Some hypothesis is longer than the model allows: encode one by one with fallback.
            Err(_) => unique.iter().map(|(p, h)| self.encoding(p, h)).collect::<Result<Vec<_>>>()?,
        };
        let lengths: Vec<usize> = encodings.iter().map(|e| e.get_ids().len()).collect();
        let plan = batching::plan(&lengths, self.options.max_batch_tokens, self.options.max_batch_size);
        let mut scored = vec![Probabilities { entailment: 0.0, neutral: 0.0, contradiction: 0.0 }; unique.len()];
        let mut stats = ScoreStats { pairs: pairs.len(), unique_pairs: unique.len(), ..ScoreStats::default() };
        for batch_indices in &plan {
            let rows: Vec<(&[u32], &[u32])> = batch_indices.iter().map(|&i| (encodings[i].get_ids(), encodings[i].get_type_ids())).collect();
            let batch = Batch::new(&rows, self.pad_token_id, &self.device)?;
            stats.batches += 1;
            stats.padded_tokens += rows.len() * rows.iter().map(|(ids, _)| ids.len()).max().unwrap_or(0);
            let logits = self.classifier.logits(&batch)?.to_dtype(DType::F32)?;
            let probabilities = candle_nn::ops::softmax(&logits, D::Minus1)?.to_vec2::<f32>()?;
            for (row, &index) in probabilities.iter().zip(batch_indices) {
                scored[index] = self.read(row);
            }
        }
        stats.millis = started.elapsed().as_secs_f64() * 1000.0;
        Ok((slots.into_iter().map(|slot| scored[slot]).collect(), stats))
    }

    fn read(&self, row: &[f32]) -> Probabilities {
        let at = |i: Option<usize>| i.and_then(|i| row.get(i).copied()).unwrap_or(0.0);
        let entailment = at(Some(self.labels.entailment));
        match (self.labels.neutral, self.labels.contradiction) {
            (Some(_), Some(_)) => Probabilities { entailment, neutral: at(self.labels.neutral), contradiction: at(self.labels.contradiction) },
            _ => Probabilities { entailment, neutral: 1.0 - entailment, contradiction: 0.0 },
        }
    }
}

fn load_tokenizer(path: &Path, max_length: usize, strategy: TruncationStrategy) -> Result<Tokenizer> {
    let mut tokenizer = Tokenizer::from_file(path).map_err(|e| Error::Tokenizer(format!("{}: {e}", path.display())))?;
    tokenizer.with_padding(None);
    // Normally the premise is truncated, never the hypothesis: the hypothesis is the question.
    tokenizer
        .with_truncation(Some(TruncationParams { max_length, strategy, ..TruncationParams::default() }))
        .map_err(|e| Error::Tokenizer(e.to_string()))?;
    Ok(tokenizer)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn long_premises_are_cut_and_an_overlong_hypothesis_cuts_both_sides() {
        let tiny = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tiny-bert");
        let scorer = Scorer::load(&tiny.display().to_string(), ModelOptions { max_length: 32, ..ModelOptions::default() }).unwrap();
        let hypothesis = "The council supports the plan.";
        let (short, _) = scorer.encode("A premise.", hypothesis).unwrap();
        let (cut, _) = scorer.encode(&"A long premise goes on. ".repeat(20), hypothesis).unwrap();
        assert_eq!(cut.len(), 32);
        let question = short.len() - short.iter().position(|&id| id == short[short.len() - 1]).unwrap();
        assert_eq!(cut[cut.len() - question..], short[short.len() - question..], "the hypothesis is kept whole");
        let overlong = "The council supports the plan and ".repeat(20);
        assert!(scorer.tokenizer.encode(("A premise.", overlong.as_str()), true).is_err(), "the premise alone cannot make room");
        assert_eq!(scorer.encode("A premise.", &overlong).unwrap().0.len(), 32);
        let (probabilities, stats) = scorer.score(&[("A premise.", overlong.as_str()), ("A premise.", hypothesis)]).unwrap();
        assert_eq!((probabilities.len(), stats.unique_pairs), (2, 2));
    }

    #[test]
    fn labels_come_from_id2label_not_positions() {
        let labels = Labels::from_id2label(&map(&[("0", "contradiction"), ("1", "entailment"), ("2", "neutral")])).unwrap();
        assert_eq!((labels.entailment, labels.neutral, labels.contradiction), (1, Some(2), Some(0)));
        let labels = Labels::from_id2label(&map(&[("0", "ENTAILMENT"), ("1", "NEUTRAL"), ("2", "CONTRADICTION")])).unwrap();
        assert_eq!(labels.contradiction, Some(2));
        let binary = Labels::from_id2label(&map(&[("0", "not_entailment"), ("1", "entailment")])).unwrap();
        assert!(binary.is_binary());
        assert_eq!(binary.entailment, 1);
    }

    #[test]
    fn bad_label_maps_are_rejected() {
        assert!(Labels::from_id2label(&map(&[("0", "LABEL_0"), ("1", "LABEL_1")])).is_err());
        assert!(Labels::from_id2label(&map(&[("0", "entailment"), ("x", "neutral")])).is_err());
        assert!(Labels::from_id2label(&map(&[("0", "entailment"), ("1", "a"), ("2", "b")])).is_err());
    }
}
