//! The archive store: SQLite (WAL, versioned migrations) holding articles and their stance rows,
//! and the queries behind stance tables over time windows and the actor-topic network.

pub mod export;
pub mod tables;

use std::path::Path;

use rusqlite::{Connection, OptionalExtension, params};

use crate::error::{Error, Result};
use crate::report::Report;

/// Schema migrations, applied in order; `PRAGMA user_version` records how many ran.
const MIGRATIONS: &[&str] = &[
    // 1: articles and their stance rows.
    "CREATE TABLE articles (
         id TEXT PRIMARY KEY,
         title TEXT,
         date TEXT,
         source TEXT,
         hash TEXT NOT NULL,
         analyzed_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
     );
     CREATE TABLE stances (
         article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
         actor_id TEXT NOT NULL,
         actor_name TEXT NOT NULL,
         actor_norm TEXT NOT NULL,
         topic_id TEXT NOT NULL,
         topic_label TEXT NOT NULL,
         label TEXT NOT NULL,
         score REAL NOT NULL,
         confidence REAL NOT NULL,
         sentences INTEGER NOT NULL,
         evidence TEXT NOT NULL,
         PRIMARY KEY (article_id, actor_id, topic_id)
     );
     CREATE INDEX stances_actor_topic ON stances (actor_norm, topic_id);
     CREATE INDEX articles_date ON articles (date);",
];

/// A connection to one archive database.
pub struct Store {
    connection: Connection,
}

/// Normalise an actor name for grouping across articles: case, spacing and dots folded
/// ("George W. Bush" and "george w bush" are one actor).
pub fn normalise_actor(name: &str) -> String {
    name.to_lowercase().replace('.', " ").split_whitespace().collect::<Vec<_>>().join(" ")
}

fn db_error(path: &Path, e: rusqlite::Error) -> Error {
    Error::InvalidInput(format!("database {}: {e}", path.display()))
}

impl Store {
    /// Open (creating if needed) and migrate a database file.
    pub fn open(path: &Path) -> Result<Store> {
        let connection = Connection::open(path).map_err(|e| db_error(path, e))?;
        connection
            .execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;")
            .map_err(|e| db_error(path, e))?;
        let mut store = Store { connection };
        store.migrate().map_err(|e| db_error(path, e))?;
        Ok(store)
    }

    /// Open an existing database read-only (for `tables` and `export` over shard files).
    pub fn open_existing(path: &Path) -> Result<Store> {
        if !path.is_file() {
            return Err(Error::InvalidInput(format!("no database at {}", path.display())));
        }
        Store::open(path)
    }

    fn migrate(&mut self) -> rusqlite::Result<()> {
        let version: usize = self.connection.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        for (index, sql) in MIGRATIONS.iter().enumerate().skip(version) {
            let tx = self.connection.transaction()?;
            tx.execute_batch(sql)?;
            tx.execute_batch(&format!("PRAGMA user_version = {}", index + 1))?;
            tx.commit()?;
        }
        Ok(())
    }

    /// The schema version in force.
    pub fn schema_version(&self) -> Result<usize> {
        self.connection.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(|e| Error::InvalidInput(e.to_string()))
    }

    /// Whether an article id is stored.
    pub fn contains(&self, id: &str) -> Result<bool> {
        self.connection
            .query_row("SELECT 1 FROM articles WHERE id = ?1", [id], |_| Ok(()))
            .optional()
            .map(|found| found.is_some())
            .map_err(|e| Error::InvalidInput(e.to_string()))
    }

    /// Store reports, each article with its rows, all in one transaction. Articles already
    /// stored are left as they are (exactly once: a rerun never duplicates).
    pub fn insert(&mut self, reports: &[&Report], source: &str) -> Result<usize> {
        let fail = |e: rusqlite::Error| Error::InvalidInput(format!("database write: {e}"));
        let tx = self.connection.transaction().map_err(fail)?;
        let mut inserted = 0;
        for report in reports {
            let hash = content_hash(report);
            let added = tx
                .execute(
                    "INSERT OR IGNORE INTO articles (id, title, date, source, hash) VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![report.article.id, report.article.title, report.article.date, source, hash],
                )
                .map_err(fail)?;
            if added == 0 {
                continue;
            }
            inserted += 1;
            for row in &report.table {
                let evidence: Vec<serde_json::Value> =
                    row.evidence.iter().map(|e| serde_json::json!({"sentence": e.sentence, "span": [e.span.0, e.span.1], "text": e.text})).collect();
                tx.execute(
                    "INSERT OR IGNORE INTO stances (article_id, actor_id, actor_name, actor_norm, topic_id, topic_label, label, score, confidence, sentences, evidence)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                    params![
                        report.article.id,
                        row.actor,
                        row.actor_name,
                        normalise_actor(&row.actor_name),
                        row.topic,
                        row.topic_label,
                        row.label.as_str(),
                        f64::from(row.score),
                        f64::from(row.confidence),
                        row.sentences as i64,
                        serde_json::Value::from(evidence).to_string(),
                    ],
                )
                .map_err(fail)?;
            }
        }
        tx.commit().map_err(fail)?;
        Ok(inserted)
    }

    /// Number of stored articles.
    pub fn article_count(&self) -> Result<usize> {
        self.connection.query_row("SELECT COUNT(*) FROM articles", [], |r| r.get::<_, i64>(0)).map(|n| n as usize).map_err(|e| Error::InvalidInput(e.to_string()))
    }

    /// The underlying connection, for the query modules.
    pub(crate) fn connection(&self) -> &Connection {
        &self.connection
    }
}

/// A short hash of the article's sentences, to tell re-published texts apart.
fn content_hash(report: &Report) -> String {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    for sentence in &report.sentences {
        hasher.update(sentence.text.as_bytes());
        hasher.update(b"\n");
    }
    hex::encode(&hasher.finalize()[..8])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrates_once_and_reopens() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.sqlite");
        let store = Store::open(&path).unwrap();
        assert_eq!(store.schema_version().unwrap(), MIGRATIONS.len());
        drop(store);
        let store = Store::open(&path).unwrap();
        assert_eq!(store.schema_version().unwrap(), MIGRATIONS.len());
        let mode: String = store.connection().query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
        assert_eq!(mode, "wal");
    }

    #[test]
    fn actor_names_normalise() {
        assert_eq!(normalise_actor("George W. Bush"), "george w bush");
        assert_eq!(normalise_actor("  george  W Bush "), "george w bush");
    }
}
