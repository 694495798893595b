//! The BERT cross-encoder: candle-transformers' `BertModel`, then the pooler (tanh of a dense
//! layer over the [CLS] vector) and a linear classifier, as in transformers'
//! `BertForSequenceClassification`.

use candle_core::{D, DType, Device, Module, Tensor};
use candle_nn::{Linear, VarBuilder, linear};
use candle_transformers::models::bert::{BertModel, Config};

use crate::error::Result;

/// A sequence-pair classifier over BERT.
pub struct BertCrossEncoder {
    bert: BertModel,
    pooler: Linear,
    classifier: Linear,
}

/// One padded batch of token ids, ready for the model.
pub struct Batch {
    /// `[batch, len]` u32 token ids.
    pub input_ids: Tensor,
    /// `[batch, len]` u32 segment ids (0 premise, 1 hypothesis).
    pub token_type_ids: Tensor,
    /// `[batch, len]` u32, 1 for tokens, 0 for padding.
    pub attention_mask: Tensor,
}

impl Batch {
    /// Pad `(ids, type_ids)` rows to the longest and move them to `device`.
    pub fn new(rows: &[(&[u32], &[u32])], device: &Device) -> Result<Batch> {
        let width = rows.iter().map(|(ids, _)| ids.len()).max().unwrap_or(0);
        let mut ids = Vec::with_capacity(rows.len() * width);
        let mut types = Vec::with_capacity(rows.len() * width);
        let mut mask = Vec::with_capacity(rows.len() * width);
        for (row_ids, row_types) in rows {
            let pad = width - row_ids.len();
            ids.extend_from_slice(row_ids);
            ids.extend(std::iter::repeat_n(0u32, pad));
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

impl BertCrossEncoder {
    /// Load from a var builder rooted where `bert.*` (or bare `embeddings.*`), `bert.pooler.*` and
    /// `classifier.*` live.
    pub fn load(vb: VarBuilder, config: &Config, num_labels: usize) -> Result<Self> {
        // transformers saves the encoder under `bert.`; sentence-transformers bases have no prefix.
        let root = if vb.contains_tensor("bert.embeddings.word_embeddings.weight") { vb.pp("bert") } else { vb.clone() };
        let bert = BertModel::load(root.clone(), config)?;
        let pooler = linear(config.hidden_size, config.hidden_size, root.pp("pooler").pp("dense"))?;
        let classifier = linear(config.hidden_size, num_labels, vb.pp("classifier"))?;
        Ok(Self { bert, pooler, classifier })
    }

    /// Logits `[batch, num_labels]` for a padded batch.
    pub fn forward(&self, batch: &Batch) -> Result<Tensor> {
        let hidden = self.bert.forward(&batch.input_ids, &batch.token_type_ids, Some(&batch.attention_mask))?;
        let cls = hidden.narrow(1, 0, 1)?.squeeze(1)?;
        let pooled = self.pooler.forward(&cls)?.tanh()?;
        Ok(self.classifier.forward(&pooled)?)
    }

    /// Softmax probabilities `[batch, num_labels]` as f32 rows.
    pub fn probabilities(&self, batch: &Batch) -> Result<Vec<Vec<f32>>> {
        let logits = self.forward(batch)?.to_dtype(DType::F32)?;
        let probs = candle_nn::ops::softmax(&logits, D::Minus1)?;
        Ok(probs.to_vec2::<f32>()?)
    }
}
