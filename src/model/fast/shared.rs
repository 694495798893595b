//! Weights the fast path has already laid out, shared between the models of one process. The
//! name tagger is a LoRA adapter over the same base encoder the sentence embedder is; with the
//! adapter kept apart ([`crate::model::ModelFiles::lazy_weights`]) both hold byte-identical base
//! matrices and embedding tables, and this keeps one copy of each (about 90 MB for MiniLM); the
//! same for the int8 forms of the layers `--kernels int8` quantises.
//!
//! Keys are a hash of the content; a hit is compared in full before it is shared, so a hash
//! collision costs a copy, never a wrong weight. Entries are weak: a model that is dropped
//! takes its weights with it.

use std::collections::BTreeMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::{Arc, Mutex, Weak};

use candle_core::Tensor;

use super::int8::QuantizedMatrix;
use super::kernels::PackedMatrix;
use super::ops::{Precision, Weight};
use crate::error::Result;

fn fingerprint(shape: &[usize], values: &[f32]) -> u64 {
    let mut hasher = DefaultHasher::new();
    shape.hash(&mut hasher);
    for chunk in values.chunks(4096) {
        let bits: Vec<u32> = chunk.iter().map(|v| v.to_bits()).collect();
        bits.hash(&mut hasher);
    }
    hasher.finish()
}

/// One cache of `T`s by content fingerprint (also used for tokenizers, see
/// [`crate::model::encoder`]).
pub(crate) struct Cache<T> {
    entries: Mutex<BTreeMap<u64, Vec<Weak<T>>>>,
}

impl<T> Cache<T> {
    pub(crate) const fn new() -> Self {
        Cache { entries: Mutex::new(BTreeMap::new()) }
    }

    /// The live `T` under `key` that `same` accepts, if any.
    pub(crate) fn get(&self, key: u64, same: impl Fn(&T) -> bool) -> Option<Arc<T>> {
        let entries = self.entries.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        entries.get(&key)?.iter().filter_map(Weak::upgrade).find(|t| same(t))
    }

    /// The live `T` under `key` that `same` accepts, else `make()`, remembered.
    pub(crate) fn get_or_insert(&self, key: u64, same: impl Fn(&T) -> bool, make: impl FnOnce() -> Arc<T>) -> Arc<T> {
        // A poisoned lock only means another load panicked; the map itself is still sound.
        let mut entries = self.entries.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let bucket = entries.entry(key).or_default();
        bucket.retain(|weak| weak.strong_count() > 0);
        if let Some(found) = bucket.iter().filter_map(Weak::upgrade).find(|t| same(t)) {
            return found;
        }
        let made = make();
        bucket.push(Arc::downgrade(&made));
        made
    }
}

static MATRICES: Cache<PackedMatrix> = Cache::new();
static QUANTIZED: Cache<QuantizedMatrix> = Cache::new();
#[cfg(target_arch = "x86_64")]
static BF16: Cache<super::bf16::Bf16Matrix> = Cache::new();
static TABLES: Cache<Tensor> = Cache::new();

/// `weight` (`[n, k]`, a linear layer's `[out, in]`) packed, or the copy another model packed.
pub fn packed(weight: &[f32], n: usize, k: usize) -> Arc<PackedMatrix> {
    let key = fingerprint(&[n, k], weight);
    MATRICES.get_or_insert(key, |known| known.n() == n && known.k() == k && known.holds(weight), || Arc::new(PackedMatrix::from_out_in(weight, n, k)))
}

/// `weight` (`[n, k]`) laid out for its kernel in `precision` (packed f32 where bf16 cannot
/// take its width); or the copy another model made. Two int8 (bf16) weights are the same when
/// their quantised (rounded) values and scales are, so the f32 values need not be kept.
pub fn weight(weight: &[f32], n: usize, k: usize, precision: Precision) -> Weight {
    match precision {
        Precision::F32 => Weight::F32(packed(weight, n, k)),
        Precision::Int8 => {
            let candidate = QuantizedMatrix::from_out_in(weight, n, k);
            let key = fingerprint(&[n, k, 8], weight);
            Weight::Int8(QUANTIZED.get_or_insert(key, |known| *known == candidate, || Arc::new(candidate.clone())))
        }
        #[cfg(target_arch = "x86_64")]
        Precision::Bf16 => match super::bf16::Bf16Matrix::from_out_in(weight, n, k) {
            Some(candidate) => {
                let key = fingerprint(&[n, k, 16], weight);
                Weight::Bf16(BF16.get_or_insert(key, |known| *known == candidate, || Arc::new(candidate.clone())))
            }
            None => Weight::F32(packed(weight, n, k)),
        },
        #[cfg(not(target_arch = "x86_64"))]
        Precision::Bf16 => Weight::F32(packed(weight, n, k)),
    }
}

/// `table` (an embedding table, f32 on the CPU), or the identical one another model holds.
pub fn table(table: Tensor) -> Result<Arc<Tensor>> {
    let key = {
        let (storage, layout) = table.storage_and_layout();
        fingerprint(table.dims(), super::values(&storage, layout)?)
    };
    // Kept as it is when no model holds its like: no copy either way.
    let candidate = Arc::new(table);
    let same = |known: &Tensor| -> bool {
        let (a, a_layout) = known.storage_and_layout();
        let (b, b_layout) = candidate.storage_and_layout();
        known.dims() == candidate.dims()
            && match (super::values(&a, a_layout), super::values(&b, b_layout)) {
                (Ok(a), Ok(b)) => a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits()),
                _ => false,
            }
    };
    Ok(TABLES.get_or_insert(key, same, || candidate.clone()))
}

#[cfg(test)]
mod tests {
    use candle_core::Device;

    use super::*;

    #[test]
    fn identical_weights_are_shared_and_different_ones_are_not() {
        let weight: Vec<f32> = (0..40 * 24).map(|i| i as f32 * 0.25 - 3.0).collect();
        let first = packed(&weight, 40, 24);
        let second = packed(&weight.clone(), 40, 24);
        assert!(Arc::ptr_eq(&first, &second), "one copy for identical weights");
        let mut changed = weight.clone();
        changed[17] += 1.0;
        assert!(!Arc::ptr_eq(&first, &packed(&changed, 40, 24)));
        assert!(!Arc::ptr_eq(&first, &packed(&weight, 24, 40)), "same values, other shape");

        let rows = vec![1.0f32, 2.0, 3.0, 4.0];
        let a = table(Tensor::from_vec(rows.clone(), (2, 2), &Device::Cpu).unwrap()).unwrap();
        assert!(Arc::ptr_eq(&a, &table(Tensor::from_vec(rows.clone(), (2, 2), &Device::Cpu).unwrap()).unwrap()));
        assert!(!Arc::ptr_eq(&a, &table(Tensor::from_vec(rows, (1, 4), &Device::Cpu).unwrap()).unwrap()), "same values, other shape");
    }

    #[test]
    fn dropped_weights_are_not_kept_alive() {
        let weight: Vec<f32> = (0..16 * 8).map(|i| (i * 7 % 13) as f32).collect();
        let first = packed(&weight, 16, 8);
        let address = Arc::as_ptr(&first);
        let weak = Arc::downgrade(&first);
        drop(first);
        assert!(weak.upgrade().is_none(), "the cache holds only weak references");
        let again = packed(&weight, 16, 8);
        assert!(again.holds(&weight));
        let _ = address;
    }
}
