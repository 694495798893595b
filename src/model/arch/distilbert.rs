//! DistilBERT, written here: candle-transformers' version computes "gelu" with the tanh
//! approximation where transformers uses the exact erf form, which breaks logit parity. Six
//! post-LayerNorm blocks without segment embeddings; the classifier is transformers'
//! `DistilBertForSequenceClassification`: `pre_classifier` + ReLU over the [CLS] vector, then
//! `classifier`.

use candle_core::{D, Module, Tensor};
use candle_nn::{Activation, Embedding, LayerNorm, Linear, VarBuilder, embedding, layer_norm, linear};
use serde::Deserialize;

use super::block::{self, Names, PostNormBlock, Sizes};
use super::{Batch, Encoder, SequenceClassifier, attention_bias, first_token, under};
use crate::error::Result;

/// A DistilBERT `config.json`.
#[derive(Debug, Clone, Deserialize)]
pub struct Config {
    pub(crate) vocab_size: usize,
    pub(crate) dim: usize,
    pub(crate) n_layers: usize,
    pub(crate) n_heads: usize,
    pub(crate) hidden_dim: usize,
    #[serde(default)]
    pub(crate) activation: Activation,
    pub(crate) max_position_embeddings: usize,
}

/// DistilBERT's LayerNorm epsilon (fixed in transformers, not in the config).
pub(crate) const EPS: f64 = 1e-12;

/// DistilBERT's tensor names within a block (`transformer.layer.N`).
pub(crate) const NAMES: Names = Names {
    query: "attention.q_lin",
    key: "attention.k_lin",
    value: "attention.v_lin",
    attention_out: "attention.out_lin",
    attention_norm: "sa_layer_norm",
    intermediate: "ffn.lin1",
    output: "ffn.lin2",
    output_norm: "output_layer_norm",
};

/// The DistilBERT encoder.
pub struct DistilBert {
    words: Embedding,
    positions: Embedding,
    norm: LayerNorm,
    blocks: Vec<PostNormBlock>,
}

impl DistilBert {
    /// Load from weights under `distilbert.` or bare.
    pub fn load(vb: VarBuilder, config: &Config) -> Result<DistilBert> {
        let root = under(&vb, "distilbert", "embeddings.word_embeddings.weight");
        let embeddings = root.pp("embeddings");
        let sizes = Sizes { hidden: config.dim, intermediate: config.hidden_dim, heads: config.n_heads, layer_norm_eps: EPS, activation: config.activation };
        let blocks = (0..config.n_layers).map(|i| PostNormBlock::load(root.pp("transformer").pp("layer").pp(i), &NAMES, &sizes)).collect::<Result<_>>()?;
        Ok(DistilBert {
            words: embedding(config.vocab_size, config.dim, embeddings.pp("word_embeddings"))?,
            positions: embedding(config.max_position_embeddings, config.dim, embeddings.pp("position_embeddings"))?,
            norm: layer_norm(config.dim, EPS, embeddings.pp("LayerNorm"))?,
            blocks,
        })
    }
}

impl Encoder for DistilBert {
    fn hidden_states(&self, batch: &Batch) -> Result<Tensor> {
        let len = batch.input_ids.dim(D::Minus1)?;
        let positions = Tensor::arange(0u32, len as u32, batch.input_ids.device())?.unsqueeze(0)?;
        let x = self.words.forward(&batch.input_ids)?.broadcast_add(&self.positions.forward(&positions)?)?;
        let x = self.norm.forward(&x)?;
        let bias = attention_bias(&batch.attention_mask, x.dtype())?;
        block::run(&self.blocks, x, &bias)
    }
}

/// `DistilBertForSequenceClassification`.
pub struct DistilBertClassifier {
    encoder: DistilBert,
    pre_classifier: Linear,
    classifier: Linear,
}

impl DistilBertClassifier {
    /// Load the encoder, `pre_classifier` and `classifier`.
    pub fn load(vb: VarBuilder, config: &Config, num_labels: usize) -> Result<DistilBertClassifier> {
        Ok(DistilBertClassifier {
            encoder: DistilBert::load(vb.clone(), config)?,
            pre_classifier: linear(config.dim, config.dim, vb.pp("pre_classifier"))?,
            classifier: linear(config.dim, num_labels, vb.pp("classifier"))?,
        })
    }
}

impl SequenceClassifier for DistilBertClassifier {
    fn logits(&self, batch: &Batch) -> Result<Tensor> {
        let first = first_token(&self.encoder.hidden_states(batch)?)?;
        Ok(self.classifier.forward(&self.pre_classifier.forward(&first)?.relu()?)?)
    }
}
