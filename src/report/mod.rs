//! Stage 8, report: the one versioned JSON schema every shell emits, and its renderers
//! ([`render`]: Markdown and CSV tables).

pub mod render;

use serde::{Deserialize, Serialize};

use crate::mentions::Mentions;
use crate::model::ModelInfo;
use crate::stance::{ActorSentiment, SentenceSentiment, SentenceStance, TableRow};
use crate::text::Sentence;

/// Bumped on any change a consumer could notice.
pub const SCHEMA_VERSION: &str = "1.0";

/// The article as identified in a report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ArticleMeta {
    /// The caller's id, or `sha256:` + the first 16 hex digits of the text's hash.
    pub id: String,
    /// Title, when given.
    pub title: Option<String>,
    /// Publication date, when given (ISO 8601 recommended).
    pub date: Option<String>,
}

/// Where time went, and how much work the model did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Timings {
    /// Whole analysis, milliseconds.
    pub total_ms: f64,
    /// Tokenization and model, milliseconds.
    pub scoring_ms: f64,
    /// (premise, hypothesis) pairs built.
    pub pairs: usize,
    /// Distinct pairs run through the model.
    pub unique_pairs: usize,
    /// Model batches run.
    pub batches: usize,
}

/// A stance report for one article.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Report {
    /// [`SCHEMA_VERSION`].
    pub schema_version: String,
    /// The model that scored it.
    pub model: ModelInfo,
    /// The article.
    pub article: ArticleMeta,
    /// Sentences with byte spans into the submitted text.
    pub sentences: Vec<Sentence>,
    /// Actors, topics and quotes found.
    pub mentions: Mentions,
    /// Per-sentence stance of each (actor, topic).
    pub stances: Vec<SentenceStance>,
    /// Per-sentence sentiment toward each actor.
    pub sentence_sentiment: Vec<SentenceSentiment>,
    /// Sentiment toward each actor over the article.
    pub sentiment: Vec<ActorSentiment>,
    /// The actor x topic stance table.
    pub table: Vec<TableRow>,
    /// Timings and counts.
    pub timings: Timings,
}
