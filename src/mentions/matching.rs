//! Phrase matching on word boundaries, shared by actor and topic finding.

/// Byte spans of `phrase` in `haystack` on word boundaries. `ignore_case` folds ASCII case only,
/// which keeps byte offsets valid for any UTF-8 text.
pub fn find_phrase(haystack: &str, phrase: &str, ignore_case: bool) -> Vec<(usize, usize)> {
    if phrase.is_empty() || phrase.len() > haystack.len() {
        return Vec::new();
    }
    let (hay, needle) = if ignore_case {
        (haystack.to_ascii_lowercase(), phrase.to_ascii_lowercase())
    } else {
        (haystack.to_string(), phrase.to_string())
    };
    let mut spans = Vec::new();
    let mut from = 0;
    while let Some(found) = hay[from..].find(&needle) {
        let start = from + found;
        let end = start + needle.len();
        if is_boundary(&hay, start, end) {
            spans.push((start, end));
        }
        from = start + needle.chars().next().map_or(1, char::len_utf8);
    }
    spans
}

fn is_boundary(text: &str, start: usize, end: usize) -> bool {
    let before = text[..start].chars().next_back();
    let after = text[end..].chars().next();
    let first = text[start..end].chars().next();
    let last = text[start..end].chars().next_back();
    // A phrase that itself starts/ends with punctuation ("U.S.") needs no boundary on that side.
    let word_char = |c: char| c.is_alphanumeric();
    let left_ok = !first.is_some_and(word_char) || !before.is_some_and(word_char);
    let right_ok = !last.is_some_and(word_char) || !after.is_some_and(word_char);
    left_ok && right_ok
}

/// Pick non-overlapping matches, preferring longer ones, then earlier ones.
pub fn longest_non_overlapping<T: Clone>(mut candidates: Vec<((usize, usize), T)>) -> Vec<((usize, usize), T)> {
    candidates.sort_by_key(|((s, e), _)| (std::cmp::Reverse(e - s), *s));
    let mut chosen: Vec<((usize, usize), T)> = Vec::new();
    for (span, value) in candidates {
        if chosen.iter().all(|((s, e), _)| span.1 <= *s || span.0 >= *e) {
            chosen.push((span, value));
        }
    }
    chosen.sort_by_key(|((s, _), _)| *s);
    chosen
}

/// Whether two spans overlap.
pub fn overlaps(a: (usize, usize), b: (usize, usize)) -> bool {
    a.0 < b.1 && b.0 < a.1
}

/// A lowercase slug for ids: "George W. Bush" -> "george-w-bush".
pub fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_on_word_boundaries_only() {
        assert_eq!(find_phrase("Russia's objections, not Russian radar", "Russia", false), vec![(0, 6)]);
        assert_eq!(find_phrase("the US-Russia ties", "US", false), vec![(4, 6)]);
        assert!(find_phrase("USA and BUS", "US", false).is_empty());
    }

    #[test]
    fn abbreviations_with_dots_match() {
        assert_eq!(find_phrase("a planned U.S. missile shield", "U.S. missile shield", true), vec![(10, 29)]);
        assert_eq!(find_phrase("by the U.S.", "U.S.", false), vec![(7, 11)]);
    }

    #[test]
    fn ignore_case_keeps_offsets_in_unicode_text() {
        let text = "Ärger über die Missile Shield";
        let spans = find_phrase(text, "missile shield", true);
        assert_eq!(&text[spans[0].0..spans[0].1], "Missile Shield");
    }

    #[test]
    fn longest_wins() {
        let picked = longest_non_overlapping(vec![((0, 6), "a"), ((0, 14), "b"), ((10, 14), "c"), ((20, 22), "d")]);
        assert_eq!(picked.iter().map(|(_, v)| *v).collect::<Vec<_>>(), vec!["b", "d"]);
    }

    #[test]
    fn slugs() {
        assert_eq!(slug("George W. Bush"), "george-w-bush");
        assert_eq!(slug("the U.S."), "the-u-s");
    }
}
