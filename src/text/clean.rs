//! Stage 1, clean: find the prose in a page's text and drop the site furniture around it
//! (share bars, "Related stories", notification widgets, bylines), keeping byte offsets into
//! the original text so that every later span points at what the user sent.

/// A run of prose kept from the original text: one line, with its byte range and paragraph.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    /// Byte offset of the first kept byte in the original text.
    pub start: usize,
    /// Byte offset one past the last kept byte.
    pub end: usize,
    /// Paragraph number; lines not separated by a blank or dropped line share one.
    pub paragraph: usize,
}

/// Lines that start a list of links: the headline-like lines after them are page furniture,
/// until a line of prose (a sentence of at least [`MIN_PROSE_WORDS`] words) shows the article
/// goes on, as it does where a site puts "Related Stories" in the middle of a story.
const TAIL_MARKERS: &[&str] = &[
    "related stories", "relatedstories", "related articles", "related news", "more stories",
    "also read", "read more", "read also", "for daily alerts", "recommended stories",
    "you may also like", "trending now",
];

/// Lines (whole, case-insensitive) that are furniture wherever they appear.
const FURNITURE_LINES: &[&str] = &[
    "share", "share this", "share this article", "share on facebook", "share on twitter", "tweet",
    "email", "print", "advertisement", "ad", "done", "x", "close", "comments", "follow us",
    "subscribe", "subscribe now", "sign up", "log in", "notifications", "allow notifications",
    "allow", "block", "skip", "next", "previous", "|", "menu", "home",
];

/// Line prefixes (case-insensitive) of widgets and boilerplate.
const FURNITURE_PREFIXES: &[&str] = &[
    "for daily alerts", "get instant news updates", "allow notifications", "you have already subscribed",
    "click here", "click to", "subscribe to", "copyright", "©", "sign up for", "follow us on",
    "download the app", "we use cookies", "this website uses cookies", "published:", "updated:",
];

/// What a kept line must look like: a few words, or a sentence end.
const MIN_WORDS_WITHOUT_PUNCTUATION: usize = 4;

/// Words a sentence needs to end a list of links.
const MIN_PROSE_WORDS: usize = 8;

/// Split `text` into the blocks of prose to analyse, dropping furniture lines.
pub fn clean(text: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut paragraph = 0usize;
    let mut previous_kept = false;
    let mut offset = 0usize;
    let mut in_links = false;
    for raw_line in text.split_inclusive('\n') {
        let line_start = offset;
        offset += raw_line.len();
        let line = raw_line.trim_end_matches(['\n', '\r']);
        let trimmed = line.trim();
        if trimmed.is_empty() {
            previous_kept = false;
            continue;
        }
        let lower = trimmed.to_lowercase();
        let key = lower.trim_end_matches([':', '.', '!']).trim();
        if TAIL_MARKERS.contains(&key) || TAIL_MARKERS.iter().any(|m| key.starts_with(m) && key.len() < m.len() + 3) {
            in_links = true;
            previous_kept = false;
            continue;
        }
        if in_links {
            let prose = trimmed.split_whitespace().count() >= MIN_PROSE_WORDS && trimmed.ends_with(['.', '!', '?', '"', '”', '’', '\'']);
            if !prose {
                continue;
            }
            in_links = false;
        }
        if is_furniture(key, trimmed) {
            previous_kept = false;
            continue;
        }
        if !previous_kept && !blocks.is_empty() {
            paragraph += 1;
        }
        let leading = line.len() - line.trim_start().len();
        let start = line_start + leading;
        blocks.push(Block { start, end: start + trimmed.len(), paragraph });
        previous_kept = true;
    }
    blocks
}

fn is_furniture(key: &str, trimmed: &str) -> bool {
    if FURNITURE_LINES.contains(&key) || FURNITURE_PREFIXES.iter().any(|p| key.starts_with(p)) {
        return true;
    }
    let words = trimmed.split_whitespace().count();
    let ends_sentence = trimmed.ends_with(['.', '!', '?', '"', '\'', '”', '’', ':']);
    words < MIN_WORDS_WITHOUT_PUNCTUATION && !ends_sentence
        || (words < 3 && trimmed.to_lowercase().starts_with("by "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kept(text: &str) -> Vec<&str> {
        clean(text).iter().map(|b| &text[b.start..b.end]).collect()
    }

    #[test]
    fn drops_bylines_widgets_and_everything_after_related_stories() {
        let text = "Leaders meet in Oslo\n\nBy Staff\n|\nDaily Wire\n\nThe ministers met on Monday.\n\n\
                    Share this\nTweet\nThey agreed on a plan.\nRelatedStories\nOther story about cats\n\
                    For Daily Alerts\nAllow Notifications\nDone\nX\n";
        assert_eq!(kept(text), vec!["Leaders meet in Oslo", "The ministers met on Monday.", "They agreed on a plan."]);
    }

    #[test]
    fn an_article_that_goes_on_after_related_stories_is_kept() {
        let text = "Nigeria claimed a deal on Friday.\n\nRelated Stories\n\nNigeria says reaches deal Reuters\n\
                    Why Nigeria Was Able to Beat Ebola The Atlantic\n\
                    Air Marshal Alex Badeh told officials in Abuja that a ceasefire had been concluded.\n\nIt held.\n";
        assert_eq!(kept(text), vec!["Nigeria claimed a deal on Friday.", "Air Marshal Alex Badeh told officials in Abuja that a ceasefire had been concluded.", "It held."]);
    }

    #[test]
    fn keeps_byte_offsets_into_the_original() {
        let text = "  Über die Lage sprach der Minister heute.\r\nIt was late.\n";
        let blocks = clean(text);
        assert_eq!(&text[blocks[0].start..blocks[0].end], "Über die Lage sprach der Minister heute.");
        assert_eq!(&text[blocks[1].start..blocks[1].end], "It was late.");
        assert_eq!(blocks[0].paragraph, blocks[1].paragraph);
    }

    #[test]
    fn blank_lines_separate_paragraphs() {
        let blocks = clean("One sentence here.\n\nAnother one here.\n");
        assert_eq!(blocks.iter().map(|b| b.paragraph).collect::<Vec<_>>(), vec![0, 1]);
    }

    #[test]
    fn short_source_lines_are_dropped_but_short_sentences_kept() {
        assert_eq!(kept("Reuters\nHe left.\n"), vec!["He left."]);
    }
}
