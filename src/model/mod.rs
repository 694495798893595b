//! Stage 5, the scorer: a transformer cross-encoder run with candle. [`loading`] finds and
//! merges weights, [`bert`] is the architecture, [`batching`] plans token-budget batches and
//! [`scorer`] ties them into "probabilities for these (premise, hypothesis) pairs".

pub mod batching;
pub mod bert;
pub mod loading;
pub mod scorer;

pub use loading::{ModelFiles, ModelSource, Weights};
pub use scorer::{Labels, ModelInfo, ModelOptions, Probabilities, Scorer};
