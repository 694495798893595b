//! What every head shares: an encoder of any supported architecture ([`super::arch`]) loaded
//! from a directory or hub id (a LoRA adapter merged into its base), its tokenizer, and the
//! device it runs on. The cross-encoder
//! ([`super::scorer`]), the name tagger ([`super::tagger`]) and the sentence embedder
//! ([`super::embedder`]) each put their own head on top.

use std::collections::HashMap;
use std::sync::Arc;

use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use tokenizers::{Tokenizer, TruncationParams, TruncationStrategy};

use super::arch::{self, Batch, Encoder, Shape};
use super::fast::shared::Cache;
use super::loading::{ModelFiles, ModelSource};
use super::scorer::ModelOptions;
use crate::error::{Error, Result};

/// The device named by `name`: `cpu`, or `cuda` (GPU 0; needs the `cuda` cargo feature).
pub fn device(name: &str, model: &str) -> Result<Device> {
    match name {
        "cpu" => Ok(Device::Cpu),
        "cuda" => Device::new_cuda(0).map_err(|e| Error::model(model, format!("cannot open CUDA device 0: {e}"))),
        other => Err(Error::InvalidInput(format!("unknown device {other:?}; use cpu or cuda"))),
    }
}

/// The dtype named by `name` (`f32`, `f16`, `bf16`) for an architecture that runs in it. Half
/// precision runs through our own forward passes; RoBERTa / XLM-R and DeBERTa-v2 come from
/// candle-transformers, whose masks are f32-only, so they stay in f32.
pub fn dtype(name: &str, model_type: &str) -> Result<DType> {
    let dtype = match name {
        "f32" => DType::F32,
        "f16" => DType::F16,
        "bf16" => DType::BF16,
        other => return Err(Error::InvalidInput(format!("unknown dtype {other:?}; use f32, f16 or bf16"))),
    };
    if dtype != DType::F32 && matches!(model_type, "roberta" | "xlm-roberta" | "deberta-v2") {
        return Err(Error::InvalidInput(format!("{model_type} runs in f32 only (its candle-transformers forward builds f32 masks); drop --dtype {name}")));
    }
    Ok(dtype)
}

/// The weights of `files` as the path that will run them wants them: the fast path copies each
/// tensor into its own layout, so it reads them one at a time from the file; the reference path
/// keeps candle's tensors themselves, so it reads them all at once.
pub fn weights(files: &ModelFiles, options: &ModelOptions, config_json: &str, dtype: DType, device: &Device) -> Result<VarBuilder<'static>> {
    if super::fast::spec_for(options.kernels, config_json, dtype, device).is_some() {
        files.lazy_weights(dtype, device)
    } else {
        Ok(VarBuilder::from_tensors(files.load_tensors(device)?, dtype, device))
    }
}

#[derive(Deserialize)]
struct Header {
    #[serde(default)]
    id2label: HashMap<String, String>,
}

/// A loaded encoder with everything a head needs to finish loading itself.
pub struct LoadedEncoder {
    /// The resolved files.
    pub files: ModelFiles,
    /// The encoder.
    pub encoder: Box<dyn Encoder>,
    /// What the config says about sizes, positions and padding.
    pub shape: Shape,
    /// `id2label` in index order (empty for a bare encoder).
    pub labels: Vec<String>,
    /// Tokenizer truncating single texts to the model's positions.
    pub tokenizer: Arc<SharedTokenizer>,
    /// Where it runs.
    pub device: Device,
}

impl LoadedEncoder {
    /// Load `spec` (directory or hub id), of any architecture in [`arch::SUPPORTED`], and hand
    /// back the weights too, for the head's own tensors (`classifier.*`). Drop them once the head
    /// is loaded: the fast path keeps its own packed copy of the encoder's weights.
    pub fn load(spec: &str, options: &ModelOptions) -> Result<(LoadedEncoder, VarBuilder<'static>)> {
        let source = ModelSource::parse(spec, options.revision.as_deref())?;
        let files = ModelFiles::resolve(&source, options.base_dir.as_deref())?;
        let device = device(&options.device, &files.id)?;
        let text = std::fs::read_to_string(&files.config).map_err(|e| Error::io(&files.config, e))?;
        let header: Header = serde_json::from_str(&text).map_err(|e| Error::model(&files.id, format!("config.json: {e}")))?;
        let shape = arch::shape(&text).map_err(|message| Error::model(&files.id, message))?;
        let mut labels = vec![String::new(); header.id2label.len()];
        for (id, name) in header.id2label {
            let slot = id.parse::<usize>().ok().and_then(|i| labels.get_mut(i)).ok_or_else(|| Error::model(&files.id, format!("id2label key {id:?} is out of range")))?;
            *slot = name;
        }
        let dtype = dtype(&options.dtype, &shape.model_type)?;
        let vb = weights(&files, options, &text, dtype, &device)?;
        let encoder = arch::load_encoder(&text, vb.clone(), options.kernels).map_err(|e| Error::model(&files.id, format!("weights do not fit the config: {e}")))?;
        let max_length = options.max_length.min(shape.max_tokens);
        let tokenizer = shared_tokenizer(&files.tokenizer, max_length)?;
        Ok((LoadedEncoder { files, encoder, shape, labels, tokenizer, device }, vb))
    }

    /// Encode single texts (not pairs), with byte offsets.
    pub fn encode(&self, texts: &[&str]) -> Result<Vec<tokenizers::Encoding>> {
        let inputs: Vec<tokenizers::EncodeInput> = texts.iter().map(|t| (*t).into()).collect();
        self.tokenizer.encode_batch(inputs, true).map_err(|e| Error::Tokenizer(e.to_string()))
    }
}

/// A single-text tokenizer, shared by the encoders of a process that read the same
/// `tokenizer.json` with the same length limit (the name tagger and the sentence embedder both
/// read the base encoder's): a loaded WordPiece vocabulary holds about 7 MB.
pub struct SharedTokenizer {
    digest: Vec<u8>,
    max_length: usize,
    tokenizer: Tokenizer,
}

impl std::ops::Deref for SharedTokenizer {
    type Target = Tokenizer;
    fn deref(&self) -> &Tokenizer {
        &self.tokenizer
    }
}

static TOKENIZERS: Cache<SharedTokenizer> = Cache::new();

fn shared_tokenizer(path: &std::path::Path, max_length: usize) -> Result<Arc<SharedTokenizer>> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let digest = Sha256::digest(&bytes).to_vec();
    let key = digest.iter().take(8).fold(max_length as u64, |key, &byte| key.rotate_left(8) ^ u64::from(byte));
    let same = |known: &SharedTokenizer| known.digest == digest && known.max_length == max_length;
    if let Some(known) = TOKENIZERS.get(key, same) {
        return Ok(known);
    }
    let mut tokenizer = Tokenizer::from_bytes(&bytes).map_err(|e| Error::Tokenizer(format!("{}: {e}", path.display())))?;
    tokenizer.with_padding(None);
    tokenizer
        .with_truncation(Some(TruncationParams { max_length, strategy: TruncationStrategy::LongestFirst, ..TruncationParams::default() }))
        .map_err(|e| Error::Tokenizer(e.to_string()))?;
    let made = SharedTokenizer { digest: digest.clone(), max_length, tokenizer };
    Ok(TOKENIZERS.get_or_insert(key, same, || Arc::new(made)))
}

/// Run single-text `encodings` in token-budget batches (length-sorted, see [`super::batching`]):
/// `each(indices, encodings, hidden, mask)` gets every batch's hidden states `[batch, len,
/// hidden]` and mask `[batch, len]`, rows in the order of `indices`.
pub fn batched(
    encoder: &LoadedEncoder,
    encodings: &[tokenizers::Encoding],
    options: &ModelOptions,
    mut each: impl FnMut(&[usize], &[&tokenizers::Encoding], Tensor, Tensor) -> Result<()>,
) -> Result<()> {
    let lengths: Vec<usize> = encodings.iter().map(|e| e.get_ids().len()).collect();
    for batch in super::batching::plan(&lengths, options.max_batch_tokens, options.max_batch_size) {
        let rows: Vec<&tokenizers::Encoding> = batch.iter().map(|&i| &encodings[i]).collect();
        let (hidden, mask) = run(encoder, &rows)?;
        each(&batch, &rows, hidden, mask)?;
    }
    Ok(())
}

/// Hidden states `[batch, len, hidden]` and the `[batch, len]` mask for single-text encodings.
pub fn run(encoder: &LoadedEncoder, encodings: &[&tokenizers::Encoding]) -> Result<(Tensor, Tensor)> {
    let rows: Vec<(&[u32], &[u32])> = encodings.iter().map(|e| (e.get_ids(), e.get_type_ids())).collect();
    let batch = Batch::new(&rows, encoder.shape.pad_token_id, &encoder.device)?;
    let hidden = encoder.encoder.hidden_states(&batch)?;
    Ok((hidden, batch.attention_mask))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoders_reading_one_tokenizer_share_it() {
        let tiny = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tiny-bert").display().to_string();
        let options = ModelOptions::default();
        let (tagger, _) = LoadedEncoder::load(&tiny, &options).unwrap();
        let (embedder, _) = LoadedEncoder::load(&tiny, &options).unwrap();
        assert!(Arc::ptr_eq(&tagger.tokenizer, &embedder.tokenizer), "one vocabulary in memory");
        let (shorter, _) = LoadedEncoder::load(&tiny, &ModelOptions { max_length: 16, ..options }).unwrap();
        assert!(!Arc::ptr_eq(&tagger.tokenizer, &shorter.tokenizer), "another length limit is another tokenizer");
        assert_eq!(shorter.encode(&["word ".repeat(40).as_str()]).unwrap()[0].get_ids().len(), 16);
    }
}
