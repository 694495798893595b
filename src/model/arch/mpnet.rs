//! MPNet (not in candle-transformers; written here after transformers' `modeling_mpnet.py`):
//! BERT-like post-LayerNorm blocks without segment embeddings, RoBERTa-style position ids, and
//! a relative position bias (T5-style buckets, computed once and shared by every layer) added
//! to the attention scores. The classifier is `MPNetClassificationHead`: dense, tanh, out_proj
//! over the `<s>` vector. all-mpnet-base-v2 is an MPNet.

use candle_core::{D, DType, Module, Tensor};
use candle_nn::{Activation, Embedding, LayerNorm, VarBuilder, embedding, layer_norm};
use serde::Deserialize;

use super::block::{self, Names, PostNormBlock, Sizes};
use super::{Batch, Encoder, TanhClassifier, TanhHead, attention_bias, under};
use crate::error::Result;

/// An MPNet `config.json`.
#[derive(Debug, Clone, Deserialize)]
pub struct Config {
    vocab_size: usize,
    hidden_size: usize,
    num_hidden_layers: usize,
    num_attention_heads: usize,
    intermediate_size: usize,
    #[serde(default)]
    hidden_act: Activation,
    max_position_embeddings: usize,
    #[serde(default = "layer_norm_eps")]
    layer_norm_eps: f64,
    #[serde(default = "buckets")]
    relative_attention_num_buckets: usize,
    #[serde(default = "pad")]
    pad_token_id: u32,
}

fn layer_norm_eps() -> f64 {
    1e-12
}
fn buckets() -> usize {
    32
}
fn pad() -> u32 {
    1
}

/// Farthest distance the buckets tell apart (fixed in transformers).
const MAX_DISTANCE: f32 = 128.0;

/// The bucket of `relative` (key position minus query position), as transformers computes it
/// (in f32, so the logarithmic buckets truncate the same way).
fn bucket(relative: i64, num_buckets: usize) -> u32 {
    let half = (num_buckets / 2) as i64;
    let n = -relative;
    let mut bucket = if n < 0 { half } else { 0 };
    let n = n.abs();
    let max_exact = half / 2;
    if n < max_exact {
        bucket += n;
    } else {
        let scale = (f64::from(MAX_DISTANCE) / max_exact as f64).ln() as f32;
        let large = max_exact + ((n as f32 / max_exact as f32).ln() / scale * (half - max_exact) as f32) as i64;
        bucket += large.min(half - 1);
    }
    bucket as u32
}

/// MPNet's tensor names within a block (`encoder.layer.N`).
const NAMES: Names = Names {
    query: "attention.attn.q",
    key: "attention.attn.k",
    value: "attention.attn.v",
    attention_out: "attention.attn.o",
    attention_norm: "attention.LayerNorm",
    intermediate: "intermediate.dense",
    output: "output.dense",
    output_norm: "output.LayerNorm",
};

/// The MPNet encoder.
pub struct MpNet {
    words: Embedding,
    positions: Embedding,
    norm: LayerNorm,
    relative_bias: Embedding,
    blocks: Vec<PostNormBlock>,
    num_buckets: usize,
    pad_token_id: u32,
}

impl MpNet {
    /// Load from weights under `mpnet.` or bare (sentence-transformers bases).
    pub fn load(vb: VarBuilder, config: &Config) -> Result<MpNet> {
        let root = under(&vb, "mpnet", "embeddings.word_embeddings.weight");
        let (embeddings, encoder) = (root.pp("embeddings"), root.pp("encoder"));
        let sizes = Sizes {
            hidden: config.hidden_size,
            intermediate: config.intermediate_size,
            heads: config.num_attention_heads,
            layer_norm_eps: config.layer_norm_eps,
            activation: config.hidden_act,
        };
        let blocks = (0..config.num_hidden_layers).map(|i| PostNormBlock::load(encoder.pp("layer").pp(i), &NAMES, &sizes)).collect::<Result<_>>()?;
        Ok(MpNet {
            words: embedding(config.vocab_size, config.hidden_size, embeddings.pp("word_embeddings"))?,
            positions: embedding(config.max_position_embeddings, config.hidden_size, embeddings.pp("position_embeddings"))?,
            norm: layer_norm(config.hidden_size, config.layer_norm_eps, embeddings.pp("LayerNorm"))?,
            relative_bias: embedding(config.relative_attention_num_buckets, config.num_attention_heads, encoder.pp("relative_attention_bias"))?,
            blocks,
            num_buckets: config.relative_attention_num_buckets,
            pad_token_id: config.pad_token_id,
        })
    }

    /// `[1, heads, len, len]` relative position bias.
    fn position_bias(&self, len: usize, device: &candle_core::Device) -> Result<Tensor> {
        let buckets: Vec<u32> = (0..len as i64).flat_map(|query| (0..len as i64).map(move |key| (query, key))).map(|(q, k)| bucket(k - q, self.num_buckets)).collect();
        let buckets = Tensor::from_vec(buckets, (len, len), device)?;
        Ok(self.relative_bias.forward(&buckets)?.permute((2, 0, 1))?.unsqueeze(0)?)
    }
}

impl Encoder for MpNet {
    fn hidden_states(&self, batch: &Batch) -> Result<Tensor> {
        let len = batch.input_ids.dim(D::Minus1)?;
        // Position ids as transformers makes them: count the non-pad tokens, offset by the pad id.
        let not_pad = batch.input_ids.ne(self.pad_token_id)?.to_dtype(DType::F32)?;
        let positions = ((not_pad.cumsum(1)? * &not_pad)? + f64::from(self.pad_token_id))?.to_dtype(DType::U32)?;
        let x = (self.words.forward(&batch.input_ids)? + self.positions.forward(&positions)?)?;
        let x = self.norm.forward(&x)?;
        let bias = attention_bias(&batch.attention_mask, x.dtype())?.broadcast_add(&self.position_bias(len, batch.input_ids.device())?)?;
        block::run(&self.blocks, x, &bias)
    }
}

/// `MPNetForSequenceClassification`.
pub type MpNetClassifier = TanhClassifier<MpNet>;

impl MpNetClassifier {
    /// Load the encoder and `classifier.dense`, `classifier.out_proj`.
    pub fn load(vb: VarBuilder, config: &Config, num_labels: usize) -> Result<MpNetClassifier> {
        Ok(TanhClassifier {
            head: TanhHead::classification_head(config.hidden_size, num_labels, &vb)?,
            encoder: MpNet::load(vb, config)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::bucket;

    #[test]
    fn buckets_match_transformers() {
        // Values from transformers' MPNetEncoder.relative_position_bucket (32 buckets).
        let expected = [(0, 0), (1, 17), (-1, 1), (7, 23), (-7, 7), (8, 24), (-8, 8), (16, 26), (-20, 10), (32, 28), (-64, 14), (127, 31), (-500, 15)];
        for (relative, bucket_id) in expected {
            assert_eq!(bucket(relative, 32), bucket_id, "relative position {relative}");
        }
    }
}
