//! Text stages: [`clean`] drops site furniture, [`sentences`] splits prose into sentences.
//! Both keep byte offsets into the original article text. [`clauses`] finds where a sentence
//! turns, for the claims stage.

pub mod clauses;
pub mod clean;
pub mod sentences;

pub use clean::{Block, clean};
pub use sentences::{Sentence, split};

/// Clean `text` and split it into sentences: the first two stages in one call.
pub fn sentences(text: &str) -> Vec<Sentence> {
    split(text, &clean(text))
}

/// `text` with its first character upper-cased ("the United States supports ..." → "The ...").
pub fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| first.to_uppercase().chain(chars).collect())
}
