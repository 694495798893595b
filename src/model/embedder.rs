//! The sentence embedder: the encoder's token states mean-pooled over the mask and L2-normalised,
//! as sentence-transformers runs all-MiniLM-L6-v2. One pass per text, not per pair, so topic
//! linking by meaning costs little next to the cross-encoder.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Mutex, Once};

use candle_core::{DType, Tensor};

use super::encoder::{self, LoadedEncoder};
use super::phrase_cache::PhraseCache;
use super::scorer::ModelOptions;
use crate::error::Result;

/// A loaded sentence embedder.
pub struct Embedder {
    encoder: LoadedEncoder,
    options: ModelOptions,
    /// Embeddings of texts that recur (topic labels and aliases of a pack), by text.
    cache: Mutex<HashMap<String, Vec<f32>>>,
    /// The same texts' vectors on disk, read on first use and added to (see [`PhraseCache`]).
    disk: Option<PhraseCache>,
    disk_read: Once,
}

/// Texts the cache holds at most; it starts over when full.
const CACHE_LIMIT: usize = 20_000;

impl Embedder {
    /// Load a BERT sentence encoder (directory or hub id).
    pub fn load(spec: &str, options: ModelOptions) -> Result<Embedder> {
        Ok(Embedder { encoder: LoadedEncoder::load(spec, &options)?.0, options, cache: Mutex::new(HashMap::new()), disk: None, disk_read: Once::new() })
    }

    /// Keep the vectors of recurring texts ([`Embedder::embed_cached`]) in `dir` between runs,
    /// so that a one-shot run does not embed the whole topic pack again.
    pub fn with_disk_cache(mut self, dir: &Path) -> Embedder {
        self.disk = Some(PhraseCache::new(dir, &self.encoder.files, &self.options, self.encoder.shape.hidden_size));
        self
    }

    /// The file [`Embedder::with_disk_cache`] keeps vectors in, if any.
    pub fn disk_cache(&self) -> Option<&Path> {
        self.disk.as_ref().map(PhraseCache::path)
    }

    /// Where the embedder came from.
    pub fn id(&self) -> &str {
        &self.encoder.files.id
    }

    /// [`Embedder::embed`] for texts that recur across calls (a topic pack's labels and
    /// aliases): each distinct text is embedded once and kept.
    pub fn embed_cached(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>> {
        if let Some(disk) = &self.disk {
            self.disk_read.call_once(|| {
                let stored = disk.read();
                let mut cache = self.cache.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
                if stored.len() <= CACHE_LIMIT {
                    cache.extend(stored);
                }
            });
        }
        let missing: Vec<&str> = {
            let cache = self.cache.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            let mut missing: Vec<&str> = texts.iter().copied().filter(|t| !cache.contains_key(*t)).collect();
            missing.sort_unstable();
            missing.dedup();
            missing
        };
        let fresh = if missing.is_empty() { Vec::new() } else { self.embed(&missing)? };
        if let (Some(disk), false) = (&self.disk, fresh.is_empty()) {
            let entries: Vec<(&str, &[f32])> = missing.iter().zip(&fresh).map(|(t, v)| (*t, v.as_slice())).collect();
            // The cache only saves time: a read-only or full disk must not fail the analysis.
            if let Err(e) = disk.append(&entries) {
                tracing::warn!("could not keep topic vectors in {}: {e}", disk.path().display());
            }
        }
        let mut cache = self.cache.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if cache.len() + fresh.len() > CACHE_LIMIT {
            cache.clear();
        }
        for (text, vector) in missing.iter().zip(fresh) {
            cache.insert((*text).to_string(), vector);
        }
        texts.iter().map(|t| cache.get(*t).cloned().map_or_else(|| self.embed(&[t]).map(|mut v| v.remove(0)), Ok)).collect()
    }

    /// Unit-length embeddings, one per text, in order.
    pub fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>> {
        let encodings = self.encoder.encode(texts)?;
        let mut out = vec![Vec::new(); texts.len()];
        encoder::batched(&self.encoder, &encodings, &self.options, |batch, _, hidden, mask| {
            // Pooled in f32 whatever the model's dtype.
            let mask = mask.to_dtype(DType::F32)?.unsqueeze(2)?;
            let summed = hidden.to_dtype(DType::F32)?.broadcast_mul(&mask)?.sum(1)?;
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
