//! Stance tables over time: per window (day, week, month), actor and topic, how many articles
//! took which stance and the mean score. Several databases (shards) are read and merged.

use std::collections::BTreeMap;

use rusqlite::params;
use serde::{Deserialize, Serialize};

use super::{Store, normalise_actor};
use crate::error::{Error, Result};
/// |mean score| needed for a favor/against window.
const WINDOW_MIN: f64 = 0.2;

/// Time window size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Window {
    /// YYYY-MM-DD.
    Day,
    /// YYYY-Www (weeks start on Monday; days before the first Monday are week 00).
    Week,
    /// YYYY-MM.
    Month,
}

impl std::str::FromStr for Window {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "day" => Ok(Window::Day),
            "week" => Ok(Window::Week),
            "month" => Ok(Window::Month),
            other => Err(Error::InvalidInput(format!("unknown window {other:?}; use day, week or month"))),
        }
    }
}

impl Window {
    fn sql(self) -> &'static str {
        match self {
            Window::Day => "substr(a.date, 1, 10)",
            Window::Week => "strftime('%Y-W%W', substr(a.date, 1, 10))",
            Window::Month => "substr(a.date, 1, 7)",
        }
    }
}

/// What to aggregate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct TableQuery {
    /// Window size.
    pub by: Window,
    /// Only this actor (name, normalised before matching).
    pub actor: Option<String>,
    /// Only this topic id.
    pub topic: Option<String>,
    /// Articles dated on or after (ISO date).
    pub from: Option<String>,
    /// Articles dated on or before (ISO date).
    pub to: Option<String>,
}

/// One (window, actor, topic) cell.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct WindowRow {
    /// The window ("2007-07", "2007-W26", "2007-07-03", or "undated").
    pub window: String,
    /// Actor display name.
    pub actor: String,
    /// Topic id.
    pub topic: String,
    /// Topic label.
    pub topic_label: String,
    /// Articles with a row for this actor and topic in the window.
    pub articles: usize,
    /// Of which favor.
    pub favor: usize,
    /// Of which against.
    pub against: usize,
    /// Of which neutral.
    pub neutral: usize,
    /// Mean net score in [-1, 1].
    pub mean_score: f64,
    /// favor / against / neutral from the mean score.
    pub label: String,
}

#[derive(Default)]
struct Sums {
    actor: String,
    topic_label: String,
    articles: usize,
    favor: usize,
    against: usize,
    neutral: usize,
    score: f64,
}

/// Aggregate over every store; rows sorted by window, actor, topic.
pub fn query(stores: &[Store], q: &TableQuery) -> Result<Vec<WindowRow>> {
    let sql = format!(
        "SELECT COALESCE({w}, 'undated'), s.actor_norm, MAX(s.actor_name), s.topic_id, MAX(s.topic_label), COUNT(*),
                SUM(s.label = 'favor'), SUM(s.label = 'against'), SUM(s.label = 'neutral'), SUM(s.score)
         FROM stances s JOIN articles a ON a.id = s.article_id
         WHERE (?1 IS NULL OR s.actor_norm = ?1) AND (?2 IS NULL OR s.topic_id = ?2)
           AND (?3 IS NULL OR a.date >= ?3) AND (?4 IS NULL OR substr(a.date, 1, 10) <= ?4)
         GROUP BY 1, 2, 4",
        w = q.by.sql()
    );
    let actor = q.actor.as_deref().map(normalise_actor);
    let mut merged: BTreeMap<(String, String, String), Sums> = BTreeMap::new();
    for store in stores {
        let fail = |e: rusqlite::Error| Error::InvalidInput(format!("tables query: {e}"));
        let mut statement = store.connection().prepare(&sql).map_err(fail)?;
        let rows = statement
            .query_map(params![actor, q.topic, q.from, q.to], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, i64>(5)?,
                    r.get::<_, i64>(6)?,
                    r.get::<_, i64>(7)?,
                    r.get::<_, i64>(8)?,
                    r.get::<_, f64>(9)?,
                ))
            })
            .map_err(fail)?;
        for row in rows {
            let (window, norm, name, topic, label, n, favor, against, neutral, score) = row.map_err(fail)?;
            let sums = merged.entry((window, norm, topic)).or_default();
            sums.actor = name;
            sums.topic_label = label;
            sums.articles += n as usize;
            sums.favor += favor as usize;
            sums.against += against as usize;
            sums.neutral += neutral as usize;
            sums.score += score;
        }
    }
    Ok(merged
        .into_iter()
        .map(|((window, _, topic), s)| {
            let mean_score = s.score / s.articles.max(1) as f64;
            let label = if mean_score >= WINDOW_MIN {
                "favor"
            } else if mean_score <= -WINDOW_MIN {
                "against"
            } else {
                "neutral"
            };
            WindowRow { window, actor: s.actor, topic, topic_label: s.topic_label, articles: s.articles, favor: s.favor, against: s.against, neutral: s.neutral, mean_score, label: label.into() }
        })
        .collect())
}

/// Render rows as CSV, Markdown or JSON.
pub fn render(rows: &[WindowRow], format: &str) -> Result<String> {
    match format {
        "json" => serde_json::to_string_pretty(rows).map_err(|e| Error::InvalidInput(e.to_string())),
        "md" | "markdown" => {
            let mut out = String::from("| window | actor | topic | articles | favor | against | neutral | mean score | stance |\n|---|---|---|---:|---:|---:|---:|---:|---|\n");
            for r in rows {
                out.push_str(&format!(
                    "| {} | {} | {} | {} | {} | {} | {} | {:+.2} | {} |\n",
                    r.window, r.actor, r.topic, r.articles, r.favor, r.against, r.neutral, r.mean_score, r.label
                ));
            }
            Ok(out)
        }
        "csv" => {
            let mut writer = csv::Writer::from_writer(Vec::new());
            let fail = |e: csv::Error| Error::InvalidInput(format!("CSV: {e}"));
            writer.write_record(["window", "actor", "topic", "topic_label", "articles", "favor", "against", "neutral", "mean_score", "stance"]).map_err(fail)?;
            for r in rows {
                writer
                    .write_record([
                        r.window.as_str(),
                        &r.actor,
                        &r.topic,
                        &r.topic_label,
                        &r.articles.to_string(),
                        &r.favor.to_string(),
                        &r.against.to_string(),
                        &r.neutral.to_string(),
                        &format!("{:.4}", r.mean_score),
                        &r.label,
                    ])
                    .map_err(fail)?;
            }
            let bytes = writer.into_inner().map_err(|e| Error::InvalidInput(format!("CSV: {e}")))?;
            String::from_utf8(bytes).map_err(|e| Error::InvalidInput(e.to_string()))
        }
        other => Err(Error::InvalidInput(format!("unknown format {other:?}; use csv, md or json"))),
    }
}
