//! Quotes: quoted speech and who said it. A quote is scored as its speaker's own voice, and the
//! actors named inside someone else's quote are talked about, not speaking.

use std::sync::LazyLock;

use regex::Regex;
use serde::{Deserialize, Serialize};

/// A quotation inside a sentence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Quote {
    /// The sentence index.
    pub sentence: usize,
    /// Byte span of the quoted text, marks included, in the original text.
    pub span: (usize, usize),
    /// The id of the actor who said it, when known.
    pub speaker: Option<String>,
}

/// Quote mark pairs news text uses: doubled apostrophes (wire style), straight and curly quotes.
const MARKS: &[(&str, &str)] = &[("''", "''"), ("“", "”"), ("\"", "\"")];

/// Byte spans (relative to `text`) of quotations; an unclosed quote runs to the end.
pub fn quote_spans(text: &str) -> Vec<(usize, usize)> {
    let mut spans: Vec<(usize, usize)> = Vec::new();
    for (open, close) in MARKS {
        let mut from = 0;
        while let Some(found) = text[from..].find(open) {
            let start = from + found;
            let inner = start + open.len();
            let end = text[inner..].find(close).map_or(text.len(), |i| inner + i + close.len());
            if spans.iter().all(|(s, e)| end <= *s || start >= *e) {
                spans.push((start, end));
            }
            from = end.max(start + open.len());
        }
    }
    spans.sort_unstable();
    spans
}

static SPEECH_VERB: LazyLock<Regex> = LazyLock::new(|| {
    // News varies the verb: "countered", "noted", "tweeted" attribute a quote as "said" does.
    Regex::new(&format!(r"\b(?:{SPEAKING}|say|according to|observed|emphasi[sz]ed|cautioned|predicted|recalled|remarked|pointed out|continued)\b"))
        .expect("SPEECH_VERB is a valid regex")
});

static VERB_AFTER_NAME: LazyLock<Regex> = LazyLock::new(|| {
    // "Wilson said", "Wilson, 28, has denied", "Kirby also told"; denials and rejections count.
    Regex::new(&format!(r"^(?:\s*,[^,]{{1,60}},)?\s+(?:has\s+|have\s+|had\s+|also\s+|later\s+|then\s+|again\s+|repeatedly\s+)*(?:{SPEAKING}|{STATEMENT})\b"))
        .expect("VERB_AFTER_NAME is a valid regex")
});
static VERB_BEFORE_NAME: LazyLock<Regex> = LazyLock::new(|| {
    // "countered Sergeants Benevolent Association President Ed Mullins": news inverts these
    // verbs after a quote; "told" and "asked" keep their old place here.
    Regex::new(r"\b(?:said|says|added|adds|told|wrote|writes|asked|according to|countered|noted|explained|replied|responded|stated|declared|insisted|warned|argued|continued|observed|remarked|recalled|cautioned|concluded|conceded|admitted|acknowledged|tweeted)\s+(?:(?:[A-Z][\p{L}.\-]*|spokes(?:man|woman|person)|official|minister|secretary|president|chief|director|commander|leader|head)\s+){0,4}$").expect("VERB_BEFORE_NAME is a valid regex")
});
/// Verbs of speaking that both attribute a quote and make its subject a speaker.
const SPEAKING: &str = r"said|says|told|tells|added|adds|stated|declared|insisted|warned|argued|called|wrote|writes|asked|countered|noted|explained|acknowledged|admitted|claimed|confirmed|denied|maintained|stressed|replied|responded|tweeted|posted|conceded|contended|announced|vowed|urged|asserted|alleged|complained|reiterated";
/// Verbs by which someone states a position: speech, plus denials and rejections.
const STATEMENT: &str = r"claims|confirms|denies|rejected|rejects|dismissed|dismisses|disputed|disputes|maintains|testified|apologi[sz]ed";

/// Whether `after` (the text right after a name) opens with a statement verb.
pub fn speech_verb_follows(after: &str) -> bool {
    VERB_AFTER_NAME.is_match(after)
}

static VERB_IN_RELATIVE_CLAUSE: LazyLock<Regex> = LazyLock::new(|| {
    // "Kenneth P. Thompson, who announced earlier this year that ..."
    Regex::new(&format!(r"^,\s+who\s+(?:has\s+|have\s+|had\s+|also\s+|later\s+|earlier\s+|recently\s+|repeatedly\s+)*(?:{SPEAKING}|{STATEMENT})\b"))
        .expect("VERB_IN_RELATIVE_CLAUSE is a valid regex")
});

/// Whether `after` (the text right after a name) opens a relative clause whose verb is one of
/// speaking: ", who announced ...".
pub fn speech_verb_in_relative_clause(after: &str) -> bool {
    VERB_IN_RELATIVE_CLAUSE.is_match(after)
}

/// Whether `before` (the text right before a name) ends with "said" and perhaps a title.
pub fn speech_verb_precedes(before: &str) -> bool {
    VERB_BEFORE_NAME.is_match(before)
}

/// Byte offsets (relative to `text`) of speech verbs outside the given quote spans.
pub fn speech_verbs(text: &str, quotes: &[(usize, usize)]) -> Vec<usize> {
    SPEECH_VERB
        .find_iter(text)
        .map(|m| m.start())
        .filter(|at| quotes.iter().all(|(s, e)| at < s || at >= e))
        .collect()
}

/// Whether the sentence is wholly a quotation (its speaker was named in an earlier sentence).
pub fn is_bare_quote(text: &str, quotes: &[(usize, usize)]) -> bool {
    let quoted: usize = quotes.iter().map(|(s, e)| e - s).sum();
    let trimmed = text.trim_end_matches(['.', ' ']);
    !quotes.is_empty() && quotes[0].0 == 0 && quoted + 2 >= trimmed.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statement_verbs_next_to_a_name() {
        for after in [" said on Monday", ", 28, has denied it", " also told CNN", "’s lawyer said"] {
            assert_eq!(speech_verb_follows(after), !after.starts_with("’s lawyer"), "{after:?}");
        }
        assert!(!speech_verb_follows(" was killed in an airstrike"));
        assert!(speech_verb_precedes("“We will go,” said Pentagon spokesman "));
        assert!(!speech_verb_precedes("The video shows "));
    }

    #[test]
    fn finds_wire_style_and_curly_quotes() {
        let text = "''We support it,'' Putin said, calling it “a start”.";
        let spans = quote_spans(text);
        assert_eq!(spans.len(), 2);
        assert_eq!(&text[spans[0].0..spans[0].1], "''We support it,''");
        assert_eq!(&text[spans[1].0..spans[1].1], "“a start”");
    }

    #[test]
    fn unclosed_quote_runs_to_the_end() {
        let text = "He said: \"we will never agree";
        assert_eq!(quote_spans(text), vec![(9, text.len())]);
    }

    #[test]
    fn speech_verbs_outside_quotes_only() {
        let text = "''They said no,'' Bush said.";
        let quotes = quote_spans(text);
        assert_eq!(speech_verbs(text, &quotes), vec![23]);
    }

    #[test]
    fn bare_quote_sentences() {
        let text = "''This should be done within the council.''";
        assert!(is_bare_quote(text, &quote_spans(text)));
        let text = "''Yes,'' Putin said.";
        assert!(!is_bare_quote(text, &quote_spans(text)));
    }
}
