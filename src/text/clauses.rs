//! Clauses of a sentence, as far as the claims stage needs them: where a sentence turns ("...,
//! but ...", "...; ...") and where a concessive clause reports someone else's position
//! ("..., despite Russia's objections", "Although the union objected, ..."). News sentences
//! often stack an actor's stance, a concession and a third party's objection in one sentence;
//! the clause boundaries let the claims stage ask about each actor with the right part.
//!
//! This is punctuation and a few connectives, not a parser: a clause ends at the next boundary,
//! so a concessive clause that runs on without a comma takes the rest of the sentence.

/// A stretch of a sentence between boundaries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Clause {
    /// Byte span `[start, end)` in the sentence text, without the separating ", " or "; ".
    pub span: (usize, usize),
    /// Whether it is a concessive clause ("despite ...", "although ...", "even as ...").
    pub concessive: bool,
}

/// Connectives that open a concessive clause after a comma, after "; " or at the start of a
/// sentence.
const CONCESSIVE: &[&str] = &[
    "despite ", "in spite of ", "although ", "though ", "even though ", "even as ", "whereas ",
    "over the objections of ", "over the protests of ", "over objections from ", "notwithstanding ",
];

/// Separators after a comma at which a new main clause starts ("; " always starts one).
const TURNS: &[&str] = &["but ", "yet ", "while "];

fn starts_concessive(rest: &str) -> bool {
    let lower = rest.get(..rest.len().min(32)).unwrap_or(rest).to_lowercase();
    CONCESSIVE.iter().any(|c| lower.starts_with(c))
}

/// Split a sentence into clauses, in order. A sentence without boundaries is one main clause.
pub fn clauses(sentence: &str) -> Vec<Clause> {
    // Boundaries as (separator start, next clause start, next clause is concessive).
    let mut cuts: Vec<(usize, usize, bool)> = Vec::new();
    // A sentence-initial concession ends at its first comma.
    if starts_concessive(sentence) {
        if let Some(comma) = sentence.find(", ") {
            cuts.push((comma, comma + 2, false));
        }
    }
    for (at, separator) in sentence.match_indices(", ").chain(sentence.match_indices("; ")) {
        let next = at + separator.len();
        let rest = &sentence[next..];
        if starts_concessive(rest) {
            cuts.push((at, next, true));
        } else if separator == "; " || TURNS.iter().any(|t| rest.starts_with(t)) {
            cuts.push((at, next, false));
        }
    }
    cuts.sort_unstable();
    cuts.dedup_by_key(|cut| cut.0);

    let mut found = Vec::new();
    let (mut start, mut concessive) = (0, starts_concessive(sentence));
    for (separator, next, next_concessive) in cuts {
        if separator > start {
            found.push(Clause { span: (start, separator), concessive });
        }
        (start, concessive) = (next, next_concessive);
    }
    if sentence.len() > start {
        found.push(Clause { span: (start, sentence.len()), concessive });
    }
    found
}

/// The main clause a concessive clause qualifies: the one before it, or after it when the
/// sentence opens with the concession.
pub fn attached_to(clauses: &[Clause], index: usize) -> Option<usize> {
    if index > 0 {
        (0..index).rev().find(|&i| !clauses[i].concessive)
    } else {
        (index + 1..clauses.len()).find(|&i| !clauses[i].concessive)
    }
}

/// Which clause holds byte `offset` of the sentence.
pub fn clause_at(clauses: &[Clause], offset: usize) -> Option<usize> {
    clauses.iter().position(|c| c.span.0 <= offset && offset < c.span.1)
}

/// The sentence without the clauses in `drop`, keeping its closing punctuation (and closing
/// quotes) once, at the end, and its capital.
pub fn without(sentence: &str, clauses: &[Clause], drop: &[usize]) -> String {
    let body_end = sentence.trim_end_matches(['.', '!', '?', '"', '\'', '\u{201d}']).len();
    let kept: Vec<&str> = clauses
        .iter()
        .enumerate()
        .filter(|(i, _)| !drop.contains(i))
        .map(|(_, c)| &sentence[c.span.0.min(body_end)..c.span.1.min(body_end)])
        .collect();
    super::capitalise(&(kept.join(", ") + &sentence[body_end..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEED_LIKE: &str = "After talks in Geneva, Ms. Lund called the offer ''innovative'' and worthy of study, \
        but insisted that the pipeline must still go ahead, despite Norway's objections.";

    fn texts(sentence: &str) -> Vec<(&str, bool)> {
        clauses(sentence).iter().map(|c| (&sentence[c.span.0..c.span.1], c.concessive)).collect()
    }

    #[test]
    fn a_turn_and_a_trailing_concession_make_three_clauses() {
        assert_eq!(
            texts(SEED_LIKE),
            vec![
                ("After talks in Geneva, Ms. Lund called the offer ''innovative'' and worthy of study", false),
                ("but insisted that the pipeline must still go ahead", false),
                ("despite Norway's objections.", true),
            ]
        );
    }

    #[test]
    fn an_opening_concession_ends_at_its_comma_and_attaches_forward() {
        let s = "Although the union objected, the board approved the merger.";
        assert_eq!(texts(s), vec![("Although the union objected", true), ("the board approved the merger.", false)]);
        let found = clauses(s);
        assert_eq!(attached_to(&found, 0), Some(1));
        assert_eq!(attached_to(&clauses(SEED_LIKE), 2), Some(1));
    }

    #[test]
    fn plain_sentences_and_lists_are_one_clause() {
        assert_eq!(texts("Bush met Putin, Merkel and Sarkozy in Maine."), vec![("Bush met Putin, Merkel and Sarkozy in Maine.", false)]);
        assert_eq!(texts("Putin said so."), vec![("Putin said so.", false)]);
        assert!(clauses("").is_empty());
    }

    #[test]
    fn dropping_a_clause_keeps_punctuation_and_capital() {
        let found = clauses(SEED_LIKE);
        assert_eq!(
            without(SEED_LIKE, &found, &[2]),
            "After talks in Geneva, Ms. Lund called the offer ''innovative'' and worthy of study, but insisted that the pipeline must still go ahead."
        );
        let s = "Despite protests from Norway, Sweden backed the pipeline.";
        assert_eq!(without(s, &clauses(s), &[0]), "Sweden backed the pipeline.");
        assert_eq!(clause_at(&found, SEED_LIKE.find("Norway").unwrap()), Some(2));
        // A closing quote ends the sentence once, not twice.
        let s = "Despite objections from Norway, Lund said ''we back it.''";
        assert_eq!(without(s, &clauses(s), &[0]), "Lund said ''we back it.''");
    }
}
