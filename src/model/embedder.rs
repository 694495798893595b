//! The sentence embedder: the encoder's token states mean-pooled over the mask and L2-normalised,
//! as sentence-transformers runs all-MiniLM-L6-v2. One pass per text, not per pair, so topic
//! linking by meaning costs little next to the cross-encoder.

use candle_core::{DType, Tensor};

use super::encoder::{self, LoadedEncoder};
use super::scorer::ModelOptions;
use crate::error::Result;

/// A loaded sentence embedder.
pub struct Embedder {
    encoder: LoadedEncoder,
    options: ModelOptions,
}

impl Embedder {
    /// Load a BERT sentence encoder (directory or hub id).
    pub fn load(spec: &str, options: ModelOptions) -> Result<Embedder> {
        Ok(Embedder { encoder: LoadedEncoder::load(spec, &options)?, options })
    }

    /// Where the embedder came from.
    pub fn id(&self) -> &str {
        &self.encoder.files.id
    }

    /// Unit-length embeddings, one per text, in order.
    pub fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>> {
        let encodings = self.encoder.encode(texts)?;
        let mut out = vec![Vec::new(); texts.len()];
        encoder::batched(&self.encoder, &encodings, &self.options, |batch, _, hidden, mask| {
            let mask = mask.to_dtype(DType::F32)?.unsqueeze(2)?;
            let summed = hidden.broadcast_mul(&mask)?.sum(1)?;
            let counts = mask.sum(1)?.clamp(1e-9, f64::MAX)?;
            let mean = summed.broadcast_div(&counts)?;
            let norm = mean.sqr()?.sum_keepdim(1)?.sqrt()?.clamp(1e-12, f64::MAX)?;
            let unit: Tensor = mean.broadcast_div(&norm)?;
            for (&index, row) in batch.iter().zip(unit.to_dtype(DType::F32)?.to_vec2::<f32>()?) {
                out[index] = row;
            }
            Ok(())
        })?;
        Ok(out)
    }
}

/// Cosine similarity of two unit vectors.
pub fn cosine(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}
