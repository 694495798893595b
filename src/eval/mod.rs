//! Measuring Standpoint against annotated articles: read a gold file ([`gold`]), run the
//! pipeline on each article with the gold topics (and, when asked, the gold actors), and score
//! the tables ([`score`]) the way the actor-stance conventions define it.

pub mod gold;
pub mod score;

use std::fmt::Write as _;

use serde::Serialize;

use crate::error::Result;
use crate::mentions::Actor;
use crate::pipeline::{Article, Options, Pipeline};
use crate::report::Report;
pub use gold::{GoldActor, GoldArticle, GoldRow};
pub use score::{ArticleScore, Counts, Prediction, Summary};

/// Text compared loosely: curly quotes straightened, whitespace collapsed.
pub fn normalise_text(text: &str) -> String {
    let straight: String = text
        .chars()
        .map(|c| match c {
            '\u{2018}' | '\u{2019}' | '\u{201a}' | '\u{2032}' => '\'',
            '\u{201c}' | '\u{201d}' | '\u{201e}' | '\u{2033}' => '"',
            other => other,
        })
        .collect();
    straight.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// An actor name as matched: [`normalise_text`], lower case, a leading "the" dropped.
pub fn normalise_name(name: &str) -> String {
    let lower = normalise_text(name).to_lowercase();
    match lower.strip_prefix("the ") {
        Some(rest) if !rest.is_empty() => rest.to_string(),
        _ => lower,
    }
}

/// What the system is given besides the text and topics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct EvalConfig {
    /// Give the gold actors (all of them, with their aliases) and find no others: isolates
    /// stance from actor finding.
    pub gold_actors: bool,
}

/// One article's outcome.
#[derive(Debug, Clone, Serialize)]
pub struct ArticleOutcome {
    /// The score.
    #[serde(flatten)]
    pub score: ArticleScore,
    /// Line in the gold file.
    pub line: usize,
    /// Pairs the model scored.
    pub pairs: usize,
    /// Milliseconds for the whole analysis.
    pub millis: f64,
}

/// The whole evaluation.
#[derive(Debug, Clone, Serialize)]
pub struct EvalReport {
    /// Whether the gold actors were given.
    pub gold_actors: bool,
    /// The pooled scores.
    pub summary: Summary,
    /// Per article.
    pub articles: Vec<ArticleOutcome>,
}

/// The options an article is analysed with: `base` (the caller's flags) with the gold topics
/// in place of any pack, and the gold actors when `config` says so.
pub fn options_for(article: &GoldArticle, base: &Options, config: EvalConfig) -> Options {
    let mut options = base.clone();
    options.pack = None;
    options.topics = article.topics.clone();
    if config.gold_actors {
        options.actors = article.actors.iter().map(|a| Actor::caller(&a.name, a.aliases.clone(), a.actor_kind())).collect();
        options.discover_actors = false;
    }
    options
}

/// Analyse and score every article. `each` sees every report as it is made (for progress or a
/// dump). A pipeline error on an article stops the run: a score that silently skips articles
/// would not be comparable.
pub fn run(pipeline: &Pipeline, articles: &[GoldArticle], base: &Options, config: EvalConfig, mut each: impl FnMut(&GoldArticle, &Report)) -> Result<EvalReport> {
    let mut outcomes = Vec::with_capacity(articles.len());
    for article in articles {
        let options = options_for(article, base, config);
        let input = Article { id: Some(article.id.clone()), text: article.text.clone(), ..Article::default() };
        let report = pipeline.analyze(&input, &options).map_err(|e| match e {
            crate::Error::InvalidInput(m) => crate::Error::InvalidInput(format!("article {:?} (line {}): {m}", article.id, article.line)),
            other => other,
        })?;
        let predictions = score::predictions(&report);
        let found: Vec<(String, Vec<String>)> = report.mentions.actors.iter().map(|a| (a.name.clone(), a.aliases.clone())).collect();
        let score = score::score_article(article, &predictions, &found);
        each(article, &report);
        outcomes.push(ArticleOutcome { score, line: article.line, pairs: report.timings.pairs, millis: report.timings.total_ms });
    }
    let scores: Vec<ArticleScore> = outcomes.iter().map(|o| o.score.clone()).collect();
    Ok(EvalReport { gold_actors: config.gold_actors, summary: score::summarise(&scores), articles: outcomes })
}

impl EvalReport {
    /// A plain-text report: the headline numbers, the confusion table, one line per article,
    /// and (with `rows`) every gold row and false positive.
    pub fn to_text(&self, rows: bool) -> String {
        let s = &self.summary;
        let mut out = String::new();
        let given = if self.gold_actors { "topics and gold actors" } else { "topics only" };
        let _ = writeln!(out, "{} articles, {} gold rows, given {given}", s.articles, s.gold_rows);
        let _ = writeln!(out, "micro  P {:.3}  R {:.3}  F1 {:.3}   (TP {}  FP {}  FN {})", s.micro_precision, s.micro_recall, s.micro_f1, s.counts.tp, s.counts.fp, s.counts.r#fn);
        let _ = writeln!(out, "macro-F1 {:.3}   (favor {:.3}  against {:.3}  neutral {:.3})", s.macro_f1, s.label_f1[0], s.label_f1[1], s.label_f1[2]);
        let _ = writeln!(out, "recall: explicit {:.3}  implicit {:.3}   actors with a row {:.3}   actors found {:.3}", s.explicit_recall, s.implicit_recall, s.actor_recall, s.actors_found);
        let _ = writeln!(out, "exempt neutral predictions (confidence < {}): {}", score::EXEMPT_NEUTRAL_BELOW, s.exempt);
        let names = score::label_names();
        let _ = writeln!(out, "\nconfusion (rows: gold, columns: predicted)");
        let _ = writeln!(out, "{:>10} {:>8} {:>8} {:>8} {:>8}", "", names[0], names[1], names[2], names[3]);
        for (g, row) in s.confusion.iter().enumerate() {
            let _ = writeln!(out, "{:>10} {:>8} {:>8} {:>8} {:>8}", names[g], row[0], row[1], row[2], if g == 3 { "-".to_string() } else { row[3].to_string() });
        }
        let _ = writeln!(out, "\n{:<28} {:>4} {:>4} {:>4} {:>6} {:>7} {:>6}", "article", "TP", "FP", "FN", "F1", "actors", "pairs");
        for a in &self.articles {
            let c = a.score.counts;
            let (with, got) = a.score.actors_with_rows;
            let _ = writeln!(out, "{:<28} {:>4} {:>4} {:>4} {:>6.3} {:>3}/{:<3} {:>6}", a.score.id, c.tp, c.fp, c.r#fn, c.f1(), got, with, a.pairs);
            if rows {
                for r in &a.score.rows {
                    let label = |l: Option<crate::stance::StanceLabel>| l.map_or("-", |l| l.as_str());
                    let mark = if r.gold.is_some() && r.gold == r.predicted { "ok" } else { "  " };
                    let kind = match r.explicit {
                        Some(true) => "explicit",
                        Some(false) => "implicit",
                        None => "no gold",
                    };
                    let confidence = r.confidence.map_or(String::new(), |c| format!(" ({c:.2})"));
                    let _ = writeln!(out, "    {mark} {:<30} {:<34} gold {:<8} got {:<8}{confidence}  {kind}", r.actor, r.topic, label(r.gold), label(r.predicted));
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_normalise() {
        assert_eq!(normalise_name("The  Kremlin"), "kremlin");
        assert_eq!(normalise_name("the"), "the");
        assert_eq!(normalise_name("Nigeria\u{2019}s government"), "nigeria's government");
    }

    #[test]
    fn gold_actors_replace_discovery() {
        let article = gold::parse(r#"{"id": "a", "text": "Paris backs it.", "topics": [{"id": "t", "label": "it", "aliases": ["it"]}], "actors": [{"id": "fr", "name": "France", "kind": "country", "aliases": ["Paris"]}], "gold": []}"#).unwrap().remove(0);
        let base = Options { pack: Some("world-affairs".into()), ..Options::default() };
        let plain = options_for(&article, &base, EvalConfig::default());
        assert!(plain.pack.is_none() && plain.actors.is_empty() && plain.discover_actors);
        let given = options_for(&article, &base, EvalConfig { gold_actors: true });
        assert_eq!(given.actors[0].aliases, vec!["France", "Paris"]);
        assert!(!given.discover_actors);
    }
}
