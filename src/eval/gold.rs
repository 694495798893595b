//! Gold files: annotated articles in the actor-stance format (one JSON object a line), read and
//! checked so that a mistake in a user's own annotation is reported with its line number
//! instead of silently skewing the score.

use std::collections::HashSet;
use std::path::Path;

use serde::Deserialize;

use crate::error::{Error, Result};
use crate::mentions::{ActorKind, Topic};
use crate::stance::StanceLabel;

/// One annotated article.
#[derive(Debug, Clone, PartialEq)]
pub struct GoldArticle {
    /// The article id.
    pub id: String,
    /// The text as annotated.
    pub text: String,
    /// The topics to look for (given to the system).
    pub topics: Vec<Topic>,
    /// Every annotated actor, with or without gold rows.
    pub actors: Vec<GoldActor>,
    /// The expected (actor, topic, stance) rows.
    pub rows: Vec<GoldRow>,
    /// 1-based line in the gold file.
    pub line: usize,
}

/// An annotated actor: the first alias is the canonical name.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct GoldActor {
    /// Id used by the gold rows.
    pub id: String,
    /// Canonical name.
    pub name: String,
    /// person, country, organization, group.
    #[serde(default)]
    pub kind: Option<String>,
    /// Every surface form the text uses.
    #[serde(default)]
    pub aliases: Vec<String>,
}

impl GoldActor {
    /// The actor's kind in Standpoint's terms.
    pub fn actor_kind(&self) -> ActorKind {
        ActorKind::from_word(self.kind.as_deref())
    }
}

/// One expected table cell.
#[derive(Debug, Clone, PartialEq)]
pub struct GoldRow {
    /// Gold actor id.
    pub actor: String,
    /// Topic id.
    pub topic: String,
    /// The stance the article reports.
    pub stance: StanceLabel,
    /// Verbatim sentences that show it.
    pub evidence: Vec<String>,
    /// Stated outright (true) or inferred (false).
    pub explicit: bool,
}

#[derive(Deserialize)]
struct RawArticle {
    id: String,
    text: String,
    #[serde(default)]
    topics: Vec<Topic>,
    #[serde(default)]
    actors: Vec<GoldActor>,
    #[serde(default)]
    gold: Vec<RawRow>,
}

#[derive(Deserialize)]
struct RawRow {
    actor: String,
    topic: String,
    stance: String,
    #[serde(default)]
    evidence: Vec<String>,
    #[serde(default)]
    explicit: bool,
}

/// Read and check a gold file.
pub fn read(path: &Path) -> Result<Vec<GoldArticle>> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let text = String::from_utf8(bytes)
        .map_err(|e| Error::InvalidInput(format!("{}: not UTF-8 (byte {})", path.display(), e.utf8_error().valid_up_to())))?;
    parse(&text).map_err(|e| match e {
        Error::InvalidInput(message) => Error::InvalidInput(format!("{}: {message}", path.display())),
        other => other,
    })
}

/// Parse gold lines; blank lines are skipped. Errors name the 1-based line.
pub fn parse(text: &str) -> Result<Vec<GoldArticle>> {
    let mut articles: Vec<GoldArticle> = Vec::new();
    let mut ids = HashSet::new();
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        if line.trim().is_empty() {
            continue;
        }
        let fail = |message: String| Error::InvalidInput(format!("line {number}: {message}"));
        let raw: RawArticle = serde_json::from_str(line).map_err(|e| fail(format!("not a gold article: {e}")))?;
        if !ids.insert(raw.id.clone()) {
            return Err(fail(format!("article id {:?} appears twice", raw.id)));
        }
        let article = check(raw, number).map_err(fail)?;
        articles.push(article);
    }
    if articles.is_empty() {
        return Err(Error::InvalidInput("the gold file holds no articles".into()));
    }
    Ok(articles)
}

fn check(raw: RawArticle, line: usize) -> std::result::Result<GoldArticle, String> {
    let id = &raw.id;
    if raw.text.trim().is_empty() {
        return Err(format!("article {id:?} has no text"));
    }
    for topic in &raw.topics {
        if topic.id.trim().is_empty() || topic.label.trim().is_empty() {
            return Err(format!("article {id:?}: a topic has an empty id or label"));
        }
    }
    let mut actors = raw.actors;
    for actor in &mut actors {
        if actor.name.trim().is_empty() {
            return Err(format!("article {id:?}: actor {:?} has no name", actor.id));
        }
        if !actor.aliases.iter().any(|a| a == &actor.name) {
            actor.aliases.insert(0, actor.name.clone());
        }
    }
    let normalise = |text: &str| crate::eval::normalise_text(text);
    let text = normalise(&raw.text);
    let mut rows = Vec::new();
    for row in raw.gold {
        if !actors.iter().any(|a| a.id == row.actor) {
            return Err(format!("article {id:?}: gold row names unknown actor {:?}", row.actor));
        }
        if !raw.topics.iter().any(|t| t.id == row.topic) {
            return Err(format!("article {id:?}: gold row names unknown topic {:?}", row.topic));
        }
        let stance = match row.stance.as_str() {
            "favor" => StanceLabel::Favor,
            "against" => StanceLabel::Against,
            "neutral" => StanceLabel::Neutral,
            other => return Err(format!("article {id:?}: stance {other:?} is not favor, against or neutral")),
        };
        if let Some(missing) = row.evidence.iter().find(|e| !text.contains(&normalise(e))) {
            return Err(format!("article {id:?}: evidence for ({}, {}) is not in the text: {missing:?}", row.actor, row.topic));
        }
        if rows.iter().any(|r: &GoldRow| r.actor == row.actor && r.topic == row.topic) {
            return Err(format!("article {id:?}: two gold rows for ({}, {})", row.actor, row.topic));
        }
        rows.push(GoldRow { actor: row.actor, topic: row.topic, stance, evidence: row.evidence, explicit: row.explicit });
    }
    Ok(GoldArticle { id: raw.id, text: raw.text, topics: raw.topics, actors, rows, line })
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"{"id": "a1", "text": "Paris backs the tax. Berlin does not.", "topics": [{"id": "tax", "label": "the tax", "aliases": ["tax"]}], "actors": [{"id": "france", "name": "France", "kind": "country", "aliases": ["France", "Paris"]}], "gold": [{"actor": "france", "topic": "tax", "stance": "favor", "evidence": ["Paris backs the tax."], "explicit": true}]}"#;

    #[test]
    fn reads_a_good_line() {
        let articles = parse(GOOD).unwrap();
        assert_eq!(articles.len(), 1);
        assert_eq!(articles[0].rows[0].stance, StanceLabel::Favor);
        assert_eq!(articles[0].actors[0].actor_kind(), ActorKind::Country);
        assert_eq!(articles[0].line, 1);
    }

    #[test]
    fn errors_name_the_line() {
        let text = format!("{GOOD}\n\n{{not json");
        let err = parse(&text).unwrap_err().to_string();
        assert!(err.contains("line 3"), "{err}");
        let unknown = GOOD.replace(r#""actor": "france", "topic""#, r#""actor": "spain", "topic""#);
        let err = parse(&unknown).unwrap_err().to_string();
        assert!(err.contains("line 1") && err.contains("unknown actor \"spain\""), "{err}");
        let missing = GOOD.replace("\"evidence\": [\"Paris backs the tax.\"]", "\"evidence\": [\"Rome backs it.\"]");
        let err = parse(&missing).unwrap_err().to_string();
        assert!(err.contains("not in the text"), "{err}");
        let bad_stance = GOOD.replace("\"favor\"", "\"pro\"");
        assert!(parse(&bad_stance).unwrap_err().to_string().contains("\"pro\""));
        let twice = format!("{GOOD}\n{GOOD}");
        assert!(parse(&twice).unwrap_err().to_string().contains("line 2"));
        assert!(parse("\n\n").is_err());
    }

    #[test]
    fn evidence_matches_across_curly_quotes_and_spacing() {
        let text = GOOD.replace("Paris backs the tax.", "Paris  backs the \u{201c}tax\u{201d}.").replace("\"evidence\": [\"Paris backs the tax.\"]", "\"evidence\": [\"Paris backs the \\\"tax\\\".\"]");
        assert!(parse(&text).is_ok());
    }
}
