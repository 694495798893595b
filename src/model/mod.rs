//! The models, run with candle. [`loading`] finds and merges weights, [`arch`] holds one file
//! per encoder architecture (BERT, RoBERTa / XLM-R, DistilBERT, DeBERTa-v2/v3, ModernBERT,
//! MPNet) behind one interface, [`fast`] runs BERT, DistilBERT and RoBERTa / XLM-R on the CPU
//! with fused kernels over packed (unpadded) batches, [`encoder`] loads any of them and its tokenizer for
//! a head, [`batching`] plans token-budget batches, [`scorer`] ties them into "probabilities for
//! these (premise, hypothesis) pairs"; [`tagger`] finds names (stage 3) and [`embedder`] embeds
//! sentences and topics (stage 3, topic linking).

pub mod arch;
pub mod batching;
pub mod embedder;
pub mod encoder;
pub mod fast;
pub mod loading;
pub mod phrase_cache;
pub mod scorer;
pub mod tagger;

pub use embedder::Embedder;
pub use fast::Kernels;
pub use loading::{ModelFiles, ModelSource, Weights};
pub use scorer::{Labels, ModelInfo, ModelOptions, Probabilities, Scorer};
pub use tagger::{Entity, EntityKind, Tagger};
