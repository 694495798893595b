//! The post-LayerNorm transformer block BERT, DistilBERT and MPNet share: self-attention, add
//! and norm, a feed-forward layer, add and norm. Only the tensor names differ, so each
//! architecture passes its [`Names`].

use candle_core::{Module, Tensor};
use candle_nn::{Activation, LayerNorm, Linear, VarBuilder, layer_norm, linear};

use super::attention;
use crate::error::Result;

/// Where one architecture keeps a block's tensors, relative to the block.
pub(crate) struct Names {
    pub query: &'static str,
    pub key: &'static str,
    pub value: &'static str,
    pub attention_out: &'static str,
    pub attention_norm: &'static str,
    pub intermediate: &'static str,
    pub output: &'static str,
    pub output_norm: &'static str,
}

/// The sizes a block needs.
pub(crate) struct Sizes {
    pub hidden: usize,
    pub intermediate: usize,
    pub heads: usize,
    pub layer_norm_eps: f64,
    pub activation: Activation,
}

/// One post-LayerNorm block.
pub(crate) struct PostNormBlock {
    query: Linear,
    key: Linear,
    value: Linear,
    attention_out: Linear,
    attention_norm: LayerNorm,
    intermediate: Linear,
    output: Linear,
    output_norm: LayerNorm,
    heads: usize,
    activation: Activation,
}

impl PostNormBlock {
    pub fn load(vb: VarBuilder, names: &Names, sizes: &Sizes) -> Result<PostNormBlock> {
        let (hidden, inner) = (sizes.hidden, sizes.intermediate);
        Ok(PostNormBlock {
            query: linear(hidden, hidden, vb.pp(names.query))?,
            key: linear(hidden, hidden, vb.pp(names.key))?,
            value: linear(hidden, hidden, vb.pp(names.value))?,
            attention_out: linear(hidden, hidden, vb.pp(names.attention_out))?,
            attention_norm: layer_norm(hidden, sizes.layer_norm_eps, vb.pp(names.attention_norm))?,
            intermediate: linear(hidden, inner, vb.pp(names.intermediate))?,
            output: linear(inner, hidden, vb.pp(names.output))?,
            output_norm: layer_norm(hidden, sizes.layer_norm_eps, vb.pp(names.output_norm))?,
            heads: sizes.heads,
            activation: sizes.activation,
        })
    }

    /// `bias` is added to the attention scores (`[batch or 1, heads or 1, len, len]`).
    pub fn forward(&self, x: &Tensor, bias: &Tensor) -> Result<Tensor> {
        let context = attention(&self.query.forward(x)?, &self.key.forward(x)?, &self.value.forward(x)?, bias, self.heads)?;
        let x = self.attention_norm.forward(&(self.attention_out.forward(&context)? + x)?)?;
        let inner = self.activation.forward(&self.intermediate.forward(&x)?)?;
        Ok(self.output_norm.forward(&(self.output.forward(&inner)? + x)?)?)
    }
}

/// Run `x` through `blocks` in order, each with the same attention `bias`.
pub(crate) fn run(blocks: &[PostNormBlock], x: Tensor, bias: &Tensor) -> Result<Tensor> {
    blocks.iter().try_fold(x, |x, block| block.forward(&x, bias))
}
