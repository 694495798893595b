//! The one error type of the library, with a stable machine-readable code per variant.
//!
//! Shells map these codes to what they speak: the CLI to exit codes and `{"error": ...}` on
//! stderr, the service (later) to HTTP statuses, in one place each.

use std::path::PathBuf;

/// Everything that can go wrong between an article and its report.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The article has no text left after cleaning.
    #[error("the article is empty: {0}")]
    EmptyText(String),
    /// The caller's input is malformed (bad actor/topic spec, bad JSON, too large, ...).
    #[error("invalid input: {0}")]
    InvalidInput(String),
    /// A topic pack was asked for by a name no pack has.
    #[error("unknown topic pack {name:?}; known packs: {known}")]
    UnknownPack {
        /// The name asked for.
        name: String,
        /// The packs that exist, comma-separated.
        known: String,
    },
    /// A model directory or hub repository lacks a file or holds a bad one.
    #[error("model {location}: {message}")]
    Model {
        /// The directory or hub id.
        location: String,
        /// What is wrong with it.
        message: String,
    },
    /// Reading a file failed.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The tokenizer rejected its input or its file.
    #[error("tokenizer: {0}")]
    Tokenizer(String),
    /// The tensor library failed while running the model.
    #[error("inference: {0}")]
    Inference(#[from] candle_core::Error),
}

impl Error {
    /// A stable code for this error, used in JSON error bodies.
    pub fn code(&self) -> &'static str {
        match self {
            Error::EmptyText(_) => "empty_text",
            Error::InvalidInput(_) => "invalid_input",
            Error::UnknownPack { .. } => "unknown_pack",
            Error::Model { .. } => "model_error",
            Error::Io { .. } => "io_error",
            Error::Tokenizer(_) => "tokenizer_error",
            Error::Inference(_) => "inference_error",
        }
    }

    /// Whether the caller caused this error (bad input) rather than the system.
    pub fn is_client_error(&self) -> bool {
        matches!(self, Error::EmptyText(_) | Error::InvalidInput(_) | Error::UnknownPack { .. })
    }

    /// The error as the JSON body every shell emits: `{"error": {"code", "message"}}`.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({ "error": { "code": self.code(), "message": self.to_string() } })
    }

    pub(crate) fn model(location: impl std::fmt::Display, message: impl Into<String>) -> Self {
        Error::Model { location: location.to_string(), message: message.into() }
    }

    /// An I/O error on `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io { path: path.into(), source }
    }
}

/// The library's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
