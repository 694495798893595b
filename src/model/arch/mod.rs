//! Encoder architectures: one file per `model_type`. Each file knows its config, its tensor
//! names, its forward pass and its sequence-classification head as transformers defines it;
//! everything above (scorer, tagger, embedder) sees only [`Encoder`] and [`SequenceClassifier`].
//!
//! Adding an architecture is one file here and one line in [`load_encoder`] /
//! [`load_classifier`] (and [`SUPPORTED`]).

use candle_core::{Device, Tensor};
use candle_nn::VarBuilder;
use serde::Deserialize;

use super::fast::{self, Kernels};
use crate::error::{Error, Result};

pub mod bert;
pub(crate) mod block;
pub mod deberta_v2;
pub mod distilbert;
pub mod modernbert;
pub mod mpnet;
pub mod roberta;

/// The `model_type`s Standpoint loads.
pub const SUPPORTED: &[&str] = &["bert", "roberta", "xlm-roberta", "distilbert", "deberta-v2", "modernbert", "mpnet"];

/// One padded batch of token ids, ready for a model.
pub struct Batch {
    /// `[batch, len]` u32 token ids.
    pub input_ids: Tensor,
    /// `[batch, len]` u32 segment ids (0 premise, 1 hypothesis); all 0 for models without.
    pub token_type_ids: Tensor,
    /// `[batch, len]` u32, 1 for tokens, 0 for padding.
    pub attention_mask: Tensor,
}

impl Batch {
    /// Pad `(ids, type_ids)` rows to the longest with `pad_id` and move them to `device`.
    pub fn new(rows: &[(&[u32], &[u32])], pad_id: u32, device: &Device) -> Result<Batch> {
        let width = rows.iter().map(|(ids, _)| ids.len()).max().unwrap_or(0);
        let mut ids = Vec::with_capacity(rows.len() * width);
        let mut types = Vec::with_capacity(rows.len() * width);
        let mut mask = Vec::with_capacity(rows.len() * width);
        for (row_ids, row_types) in rows {
            let pad = width - row_ids.len();
            ids.extend_from_slice(row_ids);
            ids.extend(std::iter::repeat_n(pad_id, pad));
            types.extend_from_slice(row_types);
            types.extend(std::iter::repeat_n(0u32, pad));
            mask.extend(std::iter::repeat_n(1u32, row_ids.len()));
            mask.extend(std::iter::repeat_n(0u32, pad));
        }
        let shape = (rows.len(), width);
        Ok(Batch {
            input_ids: Tensor::from_vec(ids, shape, device)?,
            token_type_ids: Tensor::from_vec(types, shape, device)?,
            attention_mask: Tensor::from_vec(mask, shape, device)?,
        })
    }
}

/// A transformer encoder: token ids in, hidden states out.
pub trait Encoder: Send + Sync {
    /// Hidden states `[batch, len, hidden]` of the last layer.
    fn hidden_states(&self, batch: &Batch) -> Result<Tensor>;
}

/// An encoder with the sequence-classification head its architecture defines.
pub trait SequenceClassifier: Send + Sync {
    /// Logits `[batch, num_labels]`.
    fn logits(&self, batch: &Batch) -> Result<Tensor>;

    /// Which implementation runs it: `"fast"` (the fast CPU path) or `"reference"`.
    fn kernels(&self) -> &'static str {
        "reference"
    }
}

/// What every architecture's config says that the layers above need.
#[derive(Debug, Clone)]
pub struct Shape {
    /// The `model_type`.
    pub model_type: String,
    /// Width of the hidden states.
    pub hidden_size: usize,
    /// Longest input the position embeddings allow, in tokens (special tokens included).
    pub max_tokens: usize,
    /// Padding token id (what padded positions hold).
    pub pad_token_id: u32,
}

#[derive(Deserialize)]
struct Common {
    model_type: Option<String>,
    hidden_size: Option<usize>,
    dim: Option<usize>,
    max_position_embeddings: Option<usize>,
    pad_token_id: Option<u32>,
}

/// Read the parts of `config.json` every architecture shares, and check the type is supported.
pub fn shape(config_json: &str) -> std::result::Result<Shape, String> {
    let common: Common = serde_json::from_str(config_json).map_err(|e| format!("config.json: {e}"))?;
    let model_type = common.model_type.unwrap_or_default();
    if !SUPPORTED.contains(&model_type.as_str()) {
        return Err(format!("architecture {model_type:?} is not supported (supported: {})", SUPPORTED.join(", ")));
    }
    let hidden_size = common.hidden_size.or(common.dim).ok_or("config.json has no hidden_size")?;
    let positions = common.max_position_embeddings.ok_or("config.json has no max_position_embeddings")?;
    // RoBERTa-style position ids start after the padding index, which costs `pad + 1` positions.
    let max_tokens = match model_type.as_str() {
        "roberta" | "xlm-roberta" | "mpnet" => positions.saturating_sub(common.pad_token_id.unwrap_or(1) as usize + 1),
        _ => positions,
    };
    Ok(Shape { model_type, hidden_size, max_tokens, pad_token_id: common.pad_token_id.unwrap_or(0) })
}

fn config<'a, T: Deserialize<'a>>(config_json: &'a str, model_type: &str) -> Result<T> {
    serde_json::from_str(config_json).map_err(|e| Error::InvalidInput(format!("config.json is not a valid {model_type} config: {e}")))
}

/// The bare encoder of `config_json`'s architecture (for token heads and embeddings), on the
/// fast CPU path where `kernels` asks for it and the model allows it.
pub fn load_encoder(config_json: &str, vb: VarBuilder, kernels: Kernels) -> Result<Box<dyn Encoder>> {
    let shape = shape(config_json).map_err(Error::InvalidInput)?;
    if let Some(spec) = fast::spec_for(kernels, config_json, vb.dtype(), vb.device()) {
        return Ok(Box::new(fast::FastBert::load(vb, &spec)?));
    }
    Ok(match shape.model_type.as_str() {
        "bert" => Box::new(bert::Bert::load(vb, &config::<bert::Config>(config_json, "bert")?)?),
        "roberta" | "xlm-roberta" => Box::new(roberta::Roberta::load(vb, &config(config_json, "roberta")?)?),
        "distilbert" => Box::new(distilbert::DistilBert::load(vb, &config(config_json, "distilbert")?)?),
        "deberta-v2" => Box::new(deberta_v2::DebertaV2::load(vb, &config(config_json, "deberta-v2")?)?),
        "modernbert" => Box::new(modernbert::ModernBert::load(vb, &config(config_json, "modernbert")?)?),
        "mpnet" => Box::new(mpnet::MpNet::load(vb, &config(config_json, "mpnet")?)?),
        other => return Err(Error::InvalidInput(format!("architecture {other:?} has no encoder loader"))),
    })
}

/// The encoder with its architecture's sequence-classification head, `num_labels` outputs, on
/// the fast CPU path where `kernels` asks for it and the model allows it.
pub fn load_classifier(config_json: &str, vb: VarBuilder, num_labels: usize, kernels: Kernels) -> Result<Box<dyn SequenceClassifier>> {
    let shape = shape(config_json).map_err(Error::InvalidInput)?;
    if let Some(spec) = fast::spec_for(kernels, config_json, vb.dtype(), vb.device()) {
        return Ok(Box::new(fast::FastBertClassifier::load(vb, &spec, num_labels)?));
    }
    Ok(match shape.model_type.as_str() {
        "bert" => Box::new(bert::BertClassifier::load(vb, &config(config_json, "bert")?, num_labels)?),
        "roberta" | "xlm-roberta" => Box::new(roberta::RobertaClassifier::load(vb, &config(config_json, "roberta")?, num_labels)?),
        "distilbert" => Box::new(distilbert::DistilBertClassifier::load(vb, &config(config_json, "distilbert")?, num_labels)?),
        "deberta-v2" => Box::new(deberta_v2::DebertaV2Classifier::load(vb, &config(config_json, "deberta-v2")?, num_labels)?),
        "modernbert" => Box::new(modernbert::ModernBertClassifier::load(vb, &config(config_json, "modernbert")?, num_labels)?),
        "mpnet" => Box::new(mpnet::MpNetClassifier::load(vb, &config(config_json, "mpnet")?, num_labels)?),
        other => return Err(Error::InvalidInput(format!("architecture {other:?} has no classifier loader"))),
    })
}

/// `[batch, 1, 1, len]` additive attention bias in `dtype` from a `[batch, len]` 1/0 mask: 0 for
/// tokens, a large finite negative number for padding (-1e4 in f16, whose range ends at 65504;
/// -3e38 otherwise). Finite on purpose: `0 * -inf` is NaN.
pub(crate) fn attention_bias(mask: &Tensor, dtype: candle_core::DType) -> Result<Tensor> {
    let large = if dtype == candle_core::DType::F16 { 1e4 } else { 3e38 };
    let mask = mask.to_dtype(candle_core::DType::F32)?;
    Ok(((mask - 1.0)? * large)?.to_dtype(dtype)?.unsqueeze(1)?.unsqueeze(1)?)
}

/// Scaled dot-product attention over `heads` heads of projected `[batch, len, hidden]` queries,
/// keys and values, with an additive `bias` broadcast to `[batch, heads, len, len]`; returns
/// `[batch, len, hidden]` before the output projection.
pub(crate) fn attention(q: &Tensor, k: &Tensor, v: &Tensor, bias: &Tensor, heads: usize) -> Result<Tensor> {
    let (batch, len, hidden) = q.dims3()?;
    let head = hidden / heads;
    let split = |t: &Tensor| -> Result<Tensor> { Ok(t.reshape((batch, len, heads, head))?.transpose(1, 2)?.contiguous()?) };
    let scores = (split(q)?.matmul(&split(k)?.t()?)? / (head as f64).sqrt())?.broadcast_add(bias)?;
    let weights = candle_nn::ops::softmax_last_dim(&scores)?;
    Ok(weights.matmul(&split(v)?)?.transpose(1, 2)?.reshape((batch, len, hidden))?)
}

/// The hidden state of each row's first token ([CLS] or `<s>`), `[batch, hidden]`.
pub(crate) fn first_token(hidden: &Tensor) -> Result<Tensor> {
    Ok(hidden.narrow(1, 0, 1)?.squeeze(1)?)
}

/// dense, tanh, then a linear layer over the first token: BERT's pooler and classifier, and
/// RoBERTa's and MPNet's classification heads (the same computation under different names).
pub(crate) struct TanhHead {
    dense: candle_nn::Linear,
    out: candle_nn::Linear,
}

impl TanhHead {
    /// `dense` (hidden → hidden) and `out` (hidden → `num_labels`) from their own var builders.
    pub fn load(hidden: usize, num_labels: usize, dense: VarBuilder, out: VarBuilder) -> Result<TanhHead> {
        Ok(TanhHead { dense: candle_nn::linear(hidden, hidden, dense)?, out: candle_nn::linear(hidden, num_labels, out)? })
    }

    /// The `classifier.dense` / `classifier.out_proj` layout RoBERTa and MPNet share.
    pub fn classification_head(hidden: usize, num_labels: usize, vb: &VarBuilder) -> Result<TanhHead> {
        let head = vb.pp("classifier");
        TanhHead::load(hidden, num_labels, head.pp("dense"), head.pp("out_proj"))
    }

    /// Logits `[batch, num_labels]` from hidden states `[batch, len, hidden]`.
    pub fn forward(&self, hidden: &Tensor) -> Result<Tensor> {
        self.forward_first(&first_token(hidden)?)
    }

    /// Logits `[batch, num_labels]` from the first tokens' hidden states `[batch, hidden]`.
    pub fn forward_first(&self, first: &Tensor) -> Result<Tensor> {
        use candle_core::Module;
        Ok(self.out.forward(&self.dense.forward(first)?.tanh()?)?)
    }
}

/// An encoder with a [`TanhHead`] on its first token: `BertForSequenceClassification`,
/// `RobertaForSequenceClassification` and `MPNetForSequenceClassification` (each architecture's
/// file loads it with its own tensor names).
pub struct TanhClassifier<E> {
    encoder: E,
    head: TanhHead,
}

impl<E: Encoder> SequenceClassifier for TanhClassifier<E> {
    fn logits(&self, batch: &Batch) -> Result<Tensor> {
        self.head.forward(&self.encoder.hidden_states(batch)?)
    }
}

/// `vb` moved under `prefix` when the checkpoint keeps the encoder there (transformers'
/// `*ForSequenceClassification` does; bare sentence-transformers encoders do not).
pub(crate) fn under<'a>(vb: &VarBuilder<'a>, prefix: &str, probe: &str) -> VarBuilder<'a> {
    if vb.contains_tensor(&format!("{prefix}.{probe}")) { vb.pp(prefix) } else { vb.clone() }
}
