//! Stage 2, sentences: split the kept prose into sentences with byte spans into the original
//! text. Splitting is sentencex's (rule-based, with English abbreviations and quote handling);
//! on top of it we rejoin the few news cases it cuts wrongly (initials such as "George W.
//! Bush", titles such as "Gen.") and never split inside the doubled-apostrophe quotes news
//! wires use ('' ... '').

use super::clean::Block;

/// One sentence of the article.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct Sentence {
    /// Position in the article, from 0.
    pub index: usize,
    /// Byte span `[start, end)` in the original text.
    pub span: (usize, usize),
    /// The paragraph it belongs to (see [`Block::paragraph`]).
    pub paragraph: usize,
    /// The sentence text, exactly `original[span.0..span.1]`.
    pub text: String,
}

/// Words after which a full stop does not end a sentence.
const NO_BREAK_AFTER: &[&str] = &[
    "mr", "mrs", "ms", "dr", "gen", "lt", "col", "maj", "capt", "sgt", "adm", "gov", "sen", "rep",
    "rev", "st", "jr", "sr", "prof", "pres", "no", "vs", "inc", "corp", "co", "u.s", "u.k", "u.n",
    "d.c", "a.m", "p.m", "jan", "feb", "mar", "apr", "aug", "sep", "sept", "oct", "nov", "dec",
];

/// Split the cleaned blocks of `text` into sentences.
pub fn split(text: &str, blocks: &[Block]) -> Vec<Sentence> {
    let mut sentences: Vec<Sentence> = Vec::new();
    for block in blocks {
        let block_text = &text[block.start..block.end];
        let mut spans: Vec<(usize, usize)> = Vec::new();
        for boundary in sentencex::get_sentence_boundaries("en", block_text) {
            let piece = &block_text[boundary.start_byte..boundary.end_byte];
            let leading = piece.len() - piece.trim_start().len();
            let start = boundary.start_byte + leading;
            let end = start + piece.trim().len();
            if end > start {
                spans.push((start, end));
            }
        }
        for (start, end) in rejoin(block_text, spans) {
            sentences.push(Sentence {
                index: sentences.len(),
                span: (block.start + start, block.start + end),
                paragraph: block.paragraph,
                text: block_text[start..end].to_string(),
            });
        }
    }
    sentences
}

/// Merge a span into the previous one when the cut was not a sentence end.
fn rejoin(text: &str, spans: Vec<(usize, usize)>) -> Vec<(usize, usize)> {
    let mut merged: Vec<(usize, usize)> = Vec::new();
    for (start, end) in spans {
        if let Some(last) = merged.last_mut() {
            let previous = &text[last.0..last.1];
            let next = &text[start..end];
            if !is_real_break(previous, next) {
                last.1 = end;
                continue;
            }
        }
        merged.push((start, end));
    }
    merged
}

fn is_real_break(previous: &str, next: &str) -> bool {
    // Inside an open '' ... '' quote: the quote has not ended yet.
    if previous.matches("''").count() % 2 == 1 {
        return false;
    }
    let Some(stem) = previous.strip_suffix('.') else { return true };
    let last_word = stem.rsplit(|c: char| c.is_whitespace() || c == '(').next().unwrap_or("");
    // A single capital initial ("George W. Bush").
    if last_word.len() == 1 && last_word.chars().all(|c| c.is_ascii_uppercase()) {
        return false;
    }
    let lowered = last_word.to_lowercase();
    // "No. 5" abbreviates "number"; "said no." ends a sentence.
    if lowered == "no" {
        return !next.chars().next().is_some_and(|c| c.is_ascii_digit());
    }
    if NO_BREAK_AFTER.contains(&lowered.as_str()) {
        // "U.S." and "p.m." do end sentences when a new sentence clearly starts after them.
        let starts_sentence = next.split_whitespace().next().is_some_and(|w| {
            matches!(w, "The" | "He" | "She" | "It" | "They" | "We" | "I" | "But" | "In" | "A")
        });
        return starts_sentence && lowered.contains('.');
    }
    // Next piece starting lowercase is a continuation.
    !next.chars().next().is_some_and(|c| c.is_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::clean::clean;

    fn texts(text: &str) -> Vec<String> {
        split(text, &clean(text)).into_iter().map(|s| s.text).collect()
    }

    #[test]
    fn keeps_abbreviations_inside_sentences() {
        let text = "President George W. Bush met Gen. David Petraeus in Washington, D.C. on Monday at 5 p.m. local time. \
                    The U.S. Army said the talks went well.";
        assert_eq!(texts(text), vec![
            "President George W. Bush met Gen. David Petraeus in Washington, D.C. on Monday at 5 p.m. local time.",
            "The U.S. Army said the talks went well.",
        ]);
    }

    #[test]
    fn no_is_a_number_only_before_a_number() {
        let text = "He was ranked No. 5 in the world. Asked about the deal, she said no. It was over.";
        assert_eq!(texts(text), vec!["He was ranked No. 5 in the world.", "Asked about the deal, she said no.", "It was over."]);
    }

    #[test]
    fn splits_after_us_at_sentence_end() {
        let text = "The deal was signed by the U.S. The talks ended.";
        assert_eq!(texts(text), vec!["The deal was signed by the U.S.", "The talks ended."]);
    }

    #[test]
    fn doubled_apostrophe_quotes_stay_whole() {
        let text = "''We support the idea. It is good,'' Putin said. ''This should be done within the council.'' \
                    Putin also said Russia was ready.";
        assert_eq!(texts(text), vec![
            "''We support the idea. It is good,'' Putin said.",
            "''This should be done within the council.''",
            "Putin also said Russia was ready.",
        ]);
    }

    #[test]
    fn curly_quotes() {
        let text = "“We will not yield,” the minister said. “Never.” Then she left.";
        let got = texts(text);
        assert_eq!(got.first().map(String::as_str), Some("“We will not yield,” the minister said."));
        assert_eq!(got.last().map(String::as_str), Some("Then she left."));
    }

    #[test]
    fn spans_point_into_the_original() {
        let text = "Title line here now\n\n  First one. Second one.\n";
        for sentence in split(text, &clean(text)) {
            assert_eq!(&text[sentence.span.0..sentence.span.1], sentence.text);
        }
    }
}
