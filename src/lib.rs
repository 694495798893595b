//! # Standpoint
//!
//! Who stands where, on what, and how do we know? Standpoint reads news articles and returns,
//! for every actor (person, government, country, organisation) and topic, a stance (favor /
//! against / neutral) with a score, a confidence and the evidence sentences.
//!
//! The pipeline runs one way, one module per stage:
//!
//! ```text
//! text ─► text::clean ─► text::sentences ─► mentions ─► claims ─► model (scorer) ─► stance ─► report
//! ```
//!
//! [`Pipeline::analyze`] is the one call the CLI (and later the service and batch runner) use.

pub mod claims;
pub mod error;
pub mod eval;
pub mod mentions;
pub mod model;
pub mod pipeline;
pub mod report;
pub mod stance;
pub mod text;

pub use error::{Error, Result};
pub use pipeline::{Article, Limits, Options, Pipeline};
pub use report::Report;
pub mod server;
pub mod batch;
pub mod store;
