//! DeBERTa-v2 and v3 (`model_type: deberta-v2`): candle-transformers' implementation
//! (disentangled attention with log-bucketed relative positions). The classifier is
//! transformers' `DebertaV2ForSequenceClassification`: the context pooler (dense and its
//! activation over the [CLS] vector), then `classifier`.

use candle_core::Tensor;
use candle_nn::VarBuilder;
use candle_transformers::models::debertav2::{Config, DebertaV2Model, DebertaV2SeqClassificationModel};

use super::{Batch, Encoder, SequenceClassifier, under};
use crate::error::Result;

/// The DeBERTa-v2 encoder.
pub struct DebertaV2 {
    model: DebertaV2Model,
    token_types: bool,
}

impl DebertaV2 {
    /// Load from weights under `deberta.` or bare.
    pub fn load(vb: VarBuilder, config: &Config) -> Result<DebertaV2> {
        let root = under(&vb, "deberta", "embeddings.word_embeddings.weight");
        Ok(DebertaV2 { model: DebertaV2Model::load(root, config)?, token_types: config.type_vocab_size > 0 })
    }
}

impl Encoder for DebertaV2 {
    fn hidden_states(&self, batch: &Batch) -> Result<Tensor> {
        let token_types = self.token_types.then(|| batch.token_type_ids.clone());
        Ok(self.model.forward(&batch.input_ids, token_types, Some(batch.attention_mask.clone()))?)
    }
}

/// `DebertaV2ForSequenceClassification`.
pub struct DebertaV2Classifier {
    model: DebertaV2SeqClassificationModel,
    token_types: bool,
}

impl DebertaV2Classifier {
    /// Load the encoder (under `deberta.`), `pooler.dense` and `classifier`.
    pub fn load(vb: VarBuilder, config: &Config, num_labels: usize) -> Result<DebertaV2Classifier> {
        let labels = (0..num_labels as u32).map(|i| (i, i.to_string())).collect();
        let mut config = config.clone();
        // The label names are read elsewhere (`Labels`); only their count matters here.
        config.id2label = None;
        let model = DebertaV2SeqClassificationModel::load(vb.pp("deberta"), &config, Some(labels))?;
        Ok(DebertaV2Classifier { model, token_types: config.type_vocab_size > 0 })
    }
}

impl SequenceClassifier for DebertaV2Classifier {
    fn logits(&self, batch: &Batch) -> Result<Tensor> {
        let token_types = self.token_types.then(|| batch.token_type_ids.clone());
        Ok(self.model.forward(&batch.input_ids, token_types, Some(batch.attention_mask.clone()))?)
    }
}
