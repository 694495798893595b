//! The models, run with candle. [`loading`] finds and merges weights, [`encoder`] loads a BERT
//! encoder and its tokenizer for any head, [`bert`] is the cross-encoder architecture,
//! [`batching`] plans token-budget batches, [`scorer`] ties them into "probabilities for these
//! (premise, hypothesis) pairs"; [`tagger`] finds names (stage 3) and [`embedder`] embeds
//! sentences and topics (stage 3, topic linking).

pub mod batching;
pub mod bert;
pub mod embedder;
pub mod encoder;
pub mod loading;
pub mod scorer;
pub mod tagger;

pub use embedder::Embedder;
pub use loading::{ModelFiles, ModelSource, Weights};
pub use scorer::{Labels, ModelInfo, ModelOptions, Probabilities, Scorer};
pub use tagger::{Entity, EntityKind, Tagger};
