//! Renderers for the stance table: Markdown for people, CSV for spreadsheets and R/pandas.

use super::Report;
use crate::error::{Error, Result};

/// Output formats for the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// The full report as pretty JSON.
    Json,
    /// The table as Markdown, with evidence.
    Markdown,
    /// The table as CSV, one row per (actor, topic).
    Csv,
}

impl std::str::FromStr for Format {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "json" => Ok(Format::Json),
            "md" | "markdown" => Ok(Format::Markdown),
            "csv" => Ok(Format::Csv),
            other => Err(Error::InvalidInput(format!("unknown format {other:?}; use json, md or csv"))),
        }
    }
}

/// Render a report in `format`.
pub fn render(report: &Report, format: Format) -> Result<String> {
    match format {
        Format::Json => serde_json::to_string_pretty(report).map_err(|e| Error::InvalidInput(format!("cannot serialise report: {e}"))),
        Format::Markdown => Ok(markdown(report)),
        Format::Csv => csv(report),
    }
}

fn escape_cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// The table as Markdown, followed by each row's strongest evidence sentence.
pub fn markdown(report: &Report) -> String {
    let mut out = String::new();
    let title = report.article.title.as_deref().unwrap_or(&report.article.id);
    out.push_str(&format!("## Stance table: {}\n\n", escape_cell(title)));
    if report.table.is_empty() {
        out.push_str("No actor was linked to any topic in this article.\n");
        return out;
    }
    out.push_str("| actor | topic | stance | score | confidence | sentences | strongest evidence |\n");
    out.push_str("|---|---|---|---:|---:|---:|---|\n");
    for row in &report.table {
        let evidence = row.evidence.first().map_or(String::new(), |e| escape_cell(&e.text));
        out.push_str(&format!(
            "| {} | {} | {} | {:+.2} | {:.2} | {} | {} |\n",
            escape_cell(&row.actor_name),
            escape_cell(&row.topic_label),
            row.label.as_str(),
            row.score,
            row.confidence,
            row.sentences,
            evidence
        ));
    }
    if !report.sentiment.is_empty() {
        out.push_str("\n| actor | sentiment | score | sentences |\n|---|---|---:|---:|\n");
        for s in &report.sentiment {
            out.push_str(&format!("| {} | {} | {:+.2} | {} |\n", escape_cell(&s.actor_name), s.label, s.score, s.sentences));
        }
    }
    out
}

/// The table as CSV: article, actor, topic, label, score, confidence, sentences, evidence.
pub fn csv(report: &Report) -> Result<String> {
    let mut writer = ::csv::Writer::from_writer(Vec::new());
    let fail = |e: ::csv::Error| Error::InvalidInput(format!("cannot write CSV: {e}"));
    writer
        .write_record(["article_id", "actor_id", "actor", "topic_id", "topic", "stance", "score", "confidence", "sentences", "evidence", "evidence_start", "evidence_end"])
        .map_err(fail)?;
    for row in &report.table {
        let (text, start, end) = row.evidence.first().map_or((String::new(), String::new(), String::new()), |e| (e.text.clone(), e.span.0.to_string(), e.span.1.to_string()));
        writer
            .write_record([
                report.article.id.as_str(),
                &row.actor,
                &row.actor_name,
                &row.topic,
                &row.topic_label,
                row.label.as_str(),
                &format!("{:.4}", row.score),
                &format!("{:.4}", row.confidence),
                &row.sentences.to_string(),
                &text,
                &start,
                &end,
            ])
            .map_err(fail)?;
    }
    let bytes = writer.into_inner().map_err(|e| Error::InvalidInput(format!("cannot write CSV: {e}")))?;
    String::from_utf8(bytes).map_err(|e| Error::InvalidInput(format!("CSV is not UTF-8: {e}")))
}
