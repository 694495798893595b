//! RoBERTa and XLM-RoBERTa (one architecture with two vocabularies): candle-transformers'
//! `XLMRobertaModel`; the classifier is transformers' `RobertaClassificationHead` (dense, tanh,
//! out_proj over the `<s>` vector). Position ids count from `pad_token_id + 1` and skip
//! padding, so batches must be padded with the pad token (see [`super::Batch::new`]).

use candle_core::Tensor;
use candle_nn::{Activation, VarBuilder};
use candle_transformers::models::xlm_roberta::{Config as CandleConfig, XLMRobertaModel};
use serde::Deserialize;

use super::{Batch, Encoder, TanhClassifier, TanhHead, under};
use crate::error::Result;

/// The parts of a RoBERTa `config.json` the forward pass reads; newer transformers releases
/// leave some of candle's required fields out, so they are defaulted here.
#[derive(Debug, Clone, Deserialize)]
pub struct Config {
    hidden_size: usize,
    num_hidden_layers: usize,
    num_attention_heads: usize,
    intermediate_size: usize,
    #[serde(default)]
    hidden_act: Activation,
    vocab_size: usize,
    max_position_embeddings: usize,
    #[serde(default = "one")]
    type_vocab_size: usize,
    #[serde(default = "layer_norm_eps")]
    layer_norm_eps: f64,
    #[serde(default = "one_u32")]
    pad_token_id: u32,
}

fn one() -> usize {
    1
}
fn one_u32() -> u32 {
    1
}
fn layer_norm_eps() -> f64 {
    1e-5
}

impl Config {
    fn candle(&self) -> CandleConfig {
        CandleConfig {
            hidden_size: self.hidden_size,
            layer_norm_eps: self.layer_norm_eps,
            attention_probs_dropout_prob: 0.0,
            hidden_dropout_prob: 0.0,
            num_attention_heads: self.num_attention_heads,
            position_embedding_type: "absolute".into(),
            intermediate_size: self.intermediate_size,
            hidden_act: self.hidden_act,
            num_hidden_layers: self.num_hidden_layers,
            vocab_size: self.vocab_size,
            max_position_embeddings: self.max_position_embeddings,
            type_vocab_size: self.type_vocab_size,
            pad_token_id: self.pad_token_id,
        }
    }
}

/// The RoBERTa encoder.
pub struct Roberta {
    model: XLMRobertaModel,
}

impl Roberta {
    /// Load from weights under `roberta.` or bare.
    pub fn load(vb: VarBuilder, config: &Config) -> Result<Roberta> {
        let root = under(&vb, "roberta", "embeddings.word_embeddings.weight");
        Ok(Roberta { model: XLMRobertaModel::new(&config.candle(), root)? })
    }
}

impl Encoder for Roberta {
    fn hidden_states(&self, batch: &Batch) -> Result<Tensor> {
        // One segment embedding only: RoBERTa ignores which side a token is on.
        let token_types = batch.token_type_ids.zeros_like()?;
        Ok(self.model.forward(&batch.input_ids, &batch.attention_mask, &token_types, None, None, None)?)
    }
}

/// `RobertaForSequenceClassification` / `XLMRobertaForSequenceClassification`.
pub type RobertaClassifier = TanhClassifier<Roberta>;

impl RobertaClassifier {
    /// Load the encoder and `classifier.dense`, `classifier.out_proj`.
    pub fn load(vb: VarBuilder, config: &Config, num_labels: usize) -> Result<RobertaClassifier> {
        Ok(TanhClassifier {
            head: TanhHead::classification_head(config.hidden_size, num_labels, &vb)?,
            encoder: Roberta::load(vb, config)?,
        })
    }
}
