//! BERT, written here after transformers' `modeling_bert.py`: word, position and segment
//! embeddings, post-LayerNorm blocks. candle-transformers' `BertModel` builds its attention mask
//! as `(1 - mask) * f32::MIN` in the model's dtype, which in f16 and bf16 is `0 * -inf = NaN` for
//! every token (measured: all hidden states NaN on a CPU), so half precision needs its own
//! forward; this one keeps the mask finite (see [`super::attention_bias`]). The classifier is
//! `BertForSequenceClassification`: the pooler (tanh of a dense layer over [CLS]) and a linear
//! layer.

use candle_core::{D, Module, Tensor};
use candle_nn::{Activation, Embedding, LayerNorm, VarBuilder, embedding, layer_norm};
use serde::Deserialize;

use super::block::{self, Names, PostNormBlock, Sizes};
use super::{Batch, Encoder, TanhClassifier, TanhHead, attention_bias, under};
use crate::error::Result;

/// A BERT `config.json`.
#[derive(Debug, Clone, Deserialize)]
pub struct Config {
    vocab_size: usize,
    /// Width of the hidden states.
    pub hidden_size: usize,
    num_hidden_layers: usize,
    num_attention_heads: usize,
    intermediate_size: usize,
    #[serde(default)]
    hidden_act: Activation,
    max_position_embeddings: usize,
    #[serde(default = "two")]
    type_vocab_size: usize,
    #[serde(default = "layer_norm_eps")]
    layer_norm_eps: f64,
}

fn two() -> usize {
    2
}
fn layer_norm_eps() -> f64 {
    1e-12
}

/// BERT's tensor names within a block (`encoder.layer.N`).
pub(crate) const NAMES: Names = Names {
    query: "attention.self.query",
    key: "attention.self.key",
    value: "attention.self.value",
    attention_out: "attention.output.dense",
    attention_norm: "attention.output.LayerNorm",
    intermediate: "intermediate.dense",
    output: "output.dense",
    output_norm: "output.LayerNorm",
};

/// The BERT encoder.
pub struct Bert {
    words: Embedding,
    positions: Embedding,
    segments: Embedding,
    norm: LayerNorm,
    blocks: Vec<PostNormBlock>,
}

impl Bert {
    /// Load from weights under `bert.` or bare (sentence-transformers bases).
    pub fn load(vb: VarBuilder, config: &Config) -> Result<Bert> {
        let root = under(&vb, "bert", "embeddings.word_embeddings.weight");
        let embeddings = root.pp("embeddings");
        let sizes = Sizes {
            hidden: config.hidden_size,
            intermediate: config.intermediate_size,
            heads: config.num_attention_heads,
            layer_norm_eps: config.layer_norm_eps,
            activation: config.hidden_act,
        };
        let blocks = (0..config.num_hidden_layers).map(|i| PostNormBlock::load(root.pp("encoder").pp("layer").pp(i), &NAMES, &sizes)).collect::<Result<_>>()?;
        Ok(Bert {
            words: embedding(config.vocab_size, config.hidden_size, embeddings.pp("word_embeddings"))?,
            positions: embedding(config.max_position_embeddings, config.hidden_size, embeddings.pp("position_embeddings"))?,
            segments: embedding(config.type_vocab_size, config.hidden_size, embeddings.pp("token_type_embeddings"))?,
            norm: layer_norm(config.hidden_size, config.layer_norm_eps, embeddings.pp("LayerNorm"))?,
            blocks,
        })
    }
}

impl Encoder for Bert {
    fn hidden_states(&self, batch: &Batch) -> Result<Tensor> {
        let len = batch.input_ids.dim(D::Minus1)?;
        let positions = Tensor::arange(0u32, len as u32, batch.input_ids.device())?.unsqueeze(0)?;
        let x = (self.words.forward(&batch.input_ids)? + self.segments.forward(&batch.token_type_ids)?)?
            .broadcast_add(&self.positions.forward(&positions)?)?;
        let x = self.norm.forward(&x)?;
        let bias = attention_bias(&batch.attention_mask, x.dtype())?;
        block::run(&self.blocks, x, &bias)
    }
}

/// `BertForSequenceClassification`: the pooler (`bert.pooler.dense`) and `classifier`.
pub type BertClassifier = TanhClassifier<Bert>;

impl BertClassifier {
    /// Load the encoder, `bert.pooler.dense` and `classifier`.
    pub fn load(vb: VarBuilder, config: &Config, num_labels: usize) -> Result<BertClassifier> {
        let root = under(&vb, "bert", "embeddings.word_embeddings.weight");
        Ok(TanhClassifier {
            encoder: Bert::load(vb.clone(), config)?,
            head: TanhHead::load(config.hidden_size, num_labels, root.pp("pooler").pp("dense"), vb.pp("classifier"))?,
        })
    }
}
