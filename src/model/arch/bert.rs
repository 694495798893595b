//! BERT: candle-transformers' `BertModel`; the classifier adds the pooler (tanh of a dense
//! layer over the [CLS] vector) and a linear layer, as transformers'
//! `BertForSequenceClassification` does.

use candle_core::{Module, Tensor};
use candle_nn::{Linear, VarBuilder, linear};
use candle_transformers::models::bert::{BertModel, Config};

use super::{Batch, Encoder, SequenceClassifier, under};
use crate::error::Result;

/// The BERT encoder.
pub struct Bert {
    model: BertModel,
}

impl Bert {
    /// Load from weights under `bert.` or bare (sentence-transformers bases).
    pub fn load(vb: VarBuilder, config: &Config) -> Result<Bert> {
        let root = under(&vb, "bert", "embeddings.word_embeddings.weight");
        Ok(Bert { model: BertModel::load(root, config)? })
    }
}

impl Encoder for Bert {
    fn hidden_states(&self, batch: &Batch) -> Result<Tensor> {
        Ok(self.model.forward(&batch.input_ids, &batch.token_type_ids, Some(&batch.attention_mask))?)
    }
}

/// `BertForSequenceClassification`.
pub struct BertClassifier {
    bert: Bert,
    pooler: Linear,
    classifier: Linear,
}

impl BertClassifier {
    /// Load the encoder, `bert.pooler.dense` and `classifier`.
    pub fn load(vb: VarBuilder, config: &Config, num_labels: usize) -> Result<BertClassifier> {
        let root = under(&vb, "bert", "embeddings.word_embeddings.weight");
        let bert = Bert { model: BertModel::load(root.clone(), config)? };
        let pooler = linear(config.hidden_size, config.hidden_size, root.pp("pooler").pp("dense"))?;
        let classifier = linear(config.hidden_size, num_labels, vb.pp("classifier"))?;
        Ok(BertClassifier { bert, pooler, classifier })
    }
}

impl SequenceClassifier for BertClassifier {
    fn logits(&self, batch: &Batch) -> Result<Tensor> {
        let hidden = self.bert.hidden_states(batch)?;
        let cls = hidden.narrow(1, 0, 1)?.squeeze(1)?;
        Ok(self.classifier.forward(&self.pooler.forward(&cls)?.tanh()?)?)
    }
}
