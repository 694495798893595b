//! ModernBERT, written here after transformers' `modeling_modernbert.py` (candle-transformers'
//! version assumes no biases, reads only the older config keys and ends its classifier in a
//! softmax). Pre-LayerNorm blocks with rotary positions, a fused QKV projection and a GeGLU
//! MLP; every `global_attn_every_n_layers`-th layer (or each `full_attention` entry of
//! `layer_types`) attends globally, the rest within a sliding window. The classifier is
//! `ModernBertForSequenceClassification`: [CLS] or mean pooling, the head (dense, activation,
//! norm), then `classifier`.

use candle_core::{D, DType, Device, Module, Tensor};
use candle_nn::{Activation, Embedding, LayerNorm, Linear, VarBuilder, embedding, layer_norm, layer_norm_no_bias, linear, linear_b};
use serde::Deserialize;

use super::{Batch, Encoder, SequenceClassifier, attention_bias, first_token, under};
use crate::error::{Error, Result};

#[derive(Debug, Clone, Deserialize)]
struct RopeParameters {
    rope_theta: f64,
}

/// A ModernBERT `config.json`, in the original layout (`global_attn_every_n_layers`,
/// `global_rope_theta`, `local_rope_theta`) or the newer one (`layer_types`, `rope_parameters`).
#[derive(Debug, Clone, Deserialize)]
pub struct Config {
    vocab_size: usize,
    hidden_size: usize,
    intermediate_size: usize,
    num_hidden_layers: usize,
    num_attention_heads: usize,
    max_position_embeddings: usize,
    #[serde(default = "gelu")]
    hidden_activation: Activation,
    #[serde(default = "norm_eps")]
    norm_eps: f64,
    #[serde(default)]
    norm_bias: bool,
    #[serde(default)]
    attention_bias: bool,
    #[serde(default)]
    mlp_bias: bool,
    #[serde(default)]
    classifier_bias: bool,
    #[serde(default = "gelu")]
    classifier_activation: Activation,
    #[serde(default)]
    classifier_pooling: Pooling,
    #[serde(default = "local_attention")]
    local_attention: usize,
    global_attn_every_n_layers: Option<usize>,
    layer_types: Option<Vec<String>>,
    global_rope_theta: Option<f64>,
    local_rope_theta: Option<f64>,
    rope_parameters: Option<std::collections::HashMap<String, RopeParameters>>,
}

/// How the classifier pools the hidden states.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Pooling {
    /// The first token.
    #[default]
    Cls,
    /// The mean over the tokens (not the padding).
    Mean,
}

fn gelu() -> Activation {
    Activation::Gelu
}
fn norm_eps() -> f64 {
    1e-5
}
fn local_attention() -> usize {
    128
}

impl Config {
    /// Whether layer `index` attends globally.
    fn is_global(&self, index: usize) -> bool {
        match (&self.layer_types, self.global_attn_every_n_layers) {
            (Some(types), _) => types.get(index).is_none_or(|t| t == "full_attention"),
            (None, Some(every)) => every == 0 || index % every == 0,
            (None, None) => index % 3 == 0,
        }
    }

    fn rope_theta(&self, global: bool) -> f64 {
        let key = if global { "full_attention" } else { "sliding_attention" };
        self.rope_parameters
            .as_ref()
            .and_then(|p| p.get(key))
            .map(|p| p.rope_theta)
            .or(if global { self.global_rope_theta } else { self.local_rope_theta })
            .unwrap_or(if global { 160_000.0 } else { 10_000.0 })
    }

    fn norm(&self, vb: VarBuilder) -> Result<LayerNorm> {
        Ok(if self.norm_bias { layer_norm(self.hidden_size, self.norm_eps, vb)? } else { layer_norm_no_bias(self.hidden_size, self.norm_eps, vb)? })
    }
}

/// cos and sin tables `[positions, head_dim / 2]` for one rotary base.
struct Rotary {
    cos: Tensor,
    sin: Tensor,
}

impl Rotary {
    fn new(head_dim: usize, positions: usize, theta: f64, device: &Device) -> Result<Rotary> {
        let inv_freq: Vec<f32> = (0..head_dim).step_by(2).map(|i| 1.0 / theta.powf(i as f64 / head_dim as f64) as f32).collect();
        let inv_freq = Tensor::from_vec(inv_freq, (1, head_dim / 2), device)?;
        let t = Tensor::arange(0u32, positions as u32, device)?.to_dtype(DType::F32)?.reshape((positions, 1))?;
        let freqs = t.matmul(&inv_freq)?;
        Ok(Rotary { cos: freqs.cos()?, sin: freqs.sin()? })
    }

    fn apply(&self, x: &Tensor) -> Result<Tensor> {
        let len = x.dim(2)?;
        let (cos, sin) = (self.cos.narrow(0, 0, len)?.to_dtype(x.dtype())?, self.sin.narrow(0, 0, len)?.to_dtype(x.dtype())?);
        Ok(candle_nn::rotary_emb::rope(&x.contiguous()?, &cos, &sin)?)
    }
}

struct Layer {
    attn_norm: Option<LayerNorm>,
    qkv: Linear,
    out: Linear,
    mlp_norm: LayerNorm,
    wi: Linear,
    wo: Linear,
    heads: usize,
    activation: Activation,
    global: bool,
}

impl Layer {
    fn load(vb: VarBuilder, config: &Config, index: usize) -> Result<Layer> {
        let hidden = config.hidden_size;
        Ok(Layer {
            // The first layer's attention norm is the identity (the embeddings were just normed).
            attn_norm: if index == 0 { None } else { Some(config.norm(vb.pp("attn_norm"))?) },
            qkv: linear_b(hidden, 3 * hidden, config.attention_bias, vb.pp("attn").pp("Wqkv"))?,
            out: linear_b(hidden, hidden, config.attention_bias, vb.pp("attn").pp("Wo"))?,
            mlp_norm: config.norm(vb.pp("mlp_norm"))?,
            wi: linear_b(hidden, 2 * config.intermediate_size, config.mlp_bias, vb.pp("mlp").pp("Wi"))?,
            wo: linear_b(config.intermediate_size, hidden, config.mlp_bias, vb.pp("mlp").pp("Wo"))?,
            heads: config.num_attention_heads,
            activation: config.hidden_activation,
            global: config.is_global(index),
        })
    }

    fn forward(&self, x: &Tensor, bias: &Tensor, rotary: &Rotary) -> Result<Tensor> {
        let (batch, len, hidden) = x.dims3()?;
        let head = hidden / self.heads;
        let normed = match &self.attn_norm {
            Some(norm) => norm.forward(x)?,
            None => x.clone(),
        };
        let qkv = self.qkv.forward(&normed)?.reshape((batch, len, 3, self.heads, head))?.permute((2, 0, 3, 1, 4))?;
        let q = rotary.apply(&qkv.get(0)?)?;
        let k = rotary.apply(&qkv.get(1)?)?;
        let v = qkv.get(2)?.contiguous()?;
        let scores = (q.matmul(&k.t()?)? / (head as f64).sqrt())?.broadcast_add(bias)?;
        let context = candle_nn::ops::softmax_last_dim(&scores)?.matmul(&v)?.transpose(1, 2)?.reshape((batch, len, hidden))?;
        let x = (self.out.forward(&context)? + x)?;
        let gates = self.wi.forward(&self.mlp_norm.forward(&x)?)?.chunk(2, D::Minus1)?;
        let inner = (self.activation.forward(&gates[0])? * &gates[1])?;
        Ok((self.wo.forward(&inner)? + x)?)
    }
}

/// The ModernBERT encoder.
pub struct ModernBert {
    words: Embedding,
    norm: LayerNorm,
    layers: Vec<Layer>,
    final_norm: LayerNorm,
    global_rotary: Rotary,
    local_rotary: Rotary,
    window: usize,
}

impl ModernBert {
    /// Load from weights under `model.` or bare.
    pub fn load(vb: VarBuilder, config: &Config) -> Result<ModernBert> {
        let root = under(&vb, "model", "embeddings.tok_embeddings.weight");
        let head = config.hidden_size / config.num_attention_heads;
        let layers = (0..config.num_hidden_layers).map(|i| Layer::load(root.pp("layers").pp(i), config, i)).collect::<Result<_>>()?;
        Ok(ModernBert {
            words: embedding(config.vocab_size, config.hidden_size, root.pp("embeddings").pp("tok_embeddings"))?,
            norm: config.norm(root.pp("embeddings").pp("norm"))?,
            layers,
            final_norm: config.norm(root.pp("final_norm"))?,
            global_rotary: Rotary::new(head, config.max_position_embeddings, config.rope_theta(true), vb.device())?,
            local_rotary: Rotary::new(head, config.max_position_embeddings, config.rope_theta(false), vb.device())?,
            window: config.local_attention / 2,
        })
    }
}

impl Encoder for ModernBert {
    fn hidden_states(&self, batch: &Batch) -> Result<Tensor> {
        let len = batch.input_ids.dim(D::Minus1)?;
        let device = batch.input_ids.device();
        let mut x = self.norm.forward(&self.words.forward(&batch.input_ids)?)?;
        let padding = attention_bias(&batch.attention_mask, x.dtype())?;
        // Sliding layers also hide keys more than half a window away (the same finite bias).
        let window: Vec<u32> = (0..len).flat_map(|q| (0..len).map(move |k| u32::from(q.abs_diff(k) <= self.window))).collect();
        let window = attention_bias(&Tensor::from_vec(window, (len, len), device)?, x.dtype())?.reshape((1, 1, len, len))?;
        let sliding = padding.broadcast_add(&window)?;
        for layer in &self.layers {
            x = if layer.global { layer.forward(&x, &padding, &self.global_rotary)? } else { layer.forward(&x, &sliding, &self.local_rotary)? };
        }
        Ok(self.final_norm.forward(&x)?)
    }
}

/// `ModernBertForSequenceClassification`.
pub struct ModernBertClassifier {
    encoder: ModernBert,
    dense: Linear,
    activation: Activation,
    norm: LayerNorm,
    classifier: Linear,
    pooling: Pooling,
}

impl ModernBertClassifier {
    /// Load the encoder, `head.dense`, `head.norm` and `classifier`.
    pub fn load(vb: VarBuilder, config: &Config, num_labels: usize) -> Result<ModernBertClassifier> {
        if config.hidden_size % config.num_attention_heads != 0 || (config.hidden_size / config.num_attention_heads) % 2 != 0 {
            return Err(Error::InvalidInput("ModernBERT's head size must be even and divide hidden_size".into()));
        }
        Ok(ModernBertClassifier {
            encoder: ModernBert::load(vb.clone(), config)?,
            dense: linear_b(config.hidden_size, config.hidden_size, config.classifier_bias, vb.pp("head").pp("dense"))?,
            activation: config.classifier_activation,
            norm: config.norm(vb.pp("head").pp("norm"))?,
            classifier: linear(config.hidden_size, num_labels, vb.pp("classifier"))?,
            pooling: config.classifier_pooling,
        })
    }
}

impl SequenceClassifier for ModernBertClassifier {
    fn logits(&self, batch: &Batch) -> Result<Tensor> {
        let hidden = self.encoder.hidden_states(batch)?;
        let pooled = match self.pooling {
            Pooling::Cls => first_token(&hidden)?,
            Pooling::Mean => {
                let mask = batch.attention_mask.to_dtype(hidden.dtype())?.unsqueeze(D::Minus1)?;
                hidden.broadcast_mul(&mask)?.sum(1)?.broadcast_div(&mask.sum(1)?)?
            }
        };
        let head = self.norm.forward(&self.activation.forward(&self.dense.forward(&pooled)?)?)?;
        Ok(self.classifier.forward(&head)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_config_layouts_give_the_same_layers_and_rope() {
        let original: Config = serde_json::from_str(
            r#"{"vocab_size": 10, "hidden_size": 8, "intermediate_size": 8, "num_hidden_layers": 4, "num_attention_heads": 2,
                "max_position_embeddings": 16, "global_attn_every_n_layers": 3, "global_rope_theta": 160000.0, "local_rope_theta": 10000.0}"#,
        )
        .unwrap();
        let newer: Config = serde_json::from_str(
            r#"{"vocab_size": 10, "hidden_size": 8, "intermediate_size": 8, "num_hidden_layers": 4, "num_attention_heads": 2,
                "max_position_embeddings": 16,
                "layer_types": ["full_attention", "sliding_attention", "sliding_attention", "full_attention"],
                "rope_parameters": {"full_attention": {"rope_theta": 160000.0}, "sliding_attention": {"rope_theta": 10000.0}}}"#,
        )
        .unwrap();
        for config in [&original, &newer] {
            assert_eq!((0..4).map(|i| config.is_global(i)).collect::<Vec<_>>(), [true, false, false, true]);
            assert_eq!((config.rope_theta(true), config.rope_theta(false)), (160_000.0, 10_000.0));
        }
    }
}
