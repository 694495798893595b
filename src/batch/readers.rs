//! Archive readers: JSONL (optionally gzip), CSV with chosen columns, a directory of .txt files,
//! or standard input (JSONL). Each yields records one at a time (memory stays flat in archive
//! size); a bad record is an error value with its line number, never a stop.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use flate2::read::MultiGzDecoder;
use serde::Deserialize;

use crate::error::{Error, Result};
use crate::pipeline::Article;

/// One record of an archive.
#[derive(Debug)]
pub struct Record {
    /// The input it came from.
    pub input: String,
    /// 1-based line (JSONL, CSV data row) or file number (directories).
    pub line: usize,
    /// The article, or why the record is bad.
    pub article: std::result::Result<Article, String>,
}

/// Which CSV columns hold what.
#[derive(Debug, Clone)]
pub struct CsvColumns {
    /// Id column (optional: content hash otherwise).
    pub id: Option<String>,
    /// Text column.
    pub text: String,
    /// Date column.
    pub date: Option<String>,
    /// Title column.
    pub title: Option<String>,
}

impl Default for CsvColumns {
    fn default() -> Self {
        CsvColumns { id: Some("id".into()), text: "text".into(), date: Some("date".into()), title: Some("title".into()) }
    }
}

#[derive(Deserialize)]
struct JsonArticle {
    #[serde(default)]
    id: Option<serde_json::Value>,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    date: Option<String>,
    text: Option<String>,
}

fn open(path: &Path) -> Result<Box<dyn Read + Send>> {
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    if path.extension().is_some_and(|e| e == "gz") {
        Ok(Box::new(MultiGzDecoder::new(BufReader::new(file))))
    } else {
        Ok(Box::new(file))
    }
}

/// Parse one JSONL line into an article.
pub fn parse_json_line(line: &str) -> std::result::Result<Article, String> {
    let record: JsonArticle = serde_json::from_str(line).map_err(|e| format!("invalid JSON: {e}"))?;
    let text = record.text.ok_or("missing \"text\" field")?;
    let id = match record.id {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(s)) => Some(s),
        Some(other) => Some(other.to_string()),
    };
    Ok(Article { id, title: record.title, date: record.date, text })
}

/// Records of a JSON-lines stream (bytes that are not UTF-8 make that line bad).
pub fn jsonl(input: String, reader: Box<dyn Read + Send>) -> impl Iterator<Item = Record> {
    let mut reader = BufReader::new(reader);
    let mut line_number = 0usize;
    std::iter::from_fn(move || {
        loop {
            let mut buffer = Vec::new();
            match reader.read_until(b'\n', &mut buffer) {
                Ok(0) => return None,
                Ok(_) => {
                    line_number += 1;
                    let article = match std::str::from_utf8(&buffer) {
                        Ok(text) if text.trim().is_empty() => continue,
                        Ok(text) => parse_json_line(text),
                        Err(e) => Err(format!("not UTF-8 (byte {})", e.valid_up_to())),
                    };
                    return Some(Record { input: input.clone(), line: line_number, article });
                }
                Err(e) => {
                    line_number += 1;
                    let record = Record { input: input.clone(), line: line_number, article: Err(format!("read error: {e}")) };
                    return Some(record);
                }
            }
        }
    })
}

/// Records of a CSV file with a header row.
pub fn csv_records(input: String, reader: Box<dyn Read + Send>, columns: &CsvColumns) -> Result<Box<dyn Iterator<Item = Record> + Send>> {
    let mut csv_reader = csv::ReaderBuilder::new().flexible(true).from_reader(reader);
    let headers = csv_reader.byte_headers().map_err(|e| Error::InvalidInput(format!("{input}: cannot read the CSV header: {e}")))?.clone();
    let position = |name: &Option<String>| name.as_ref().and_then(|n| headers.iter().position(|h| h == n.as_bytes()));
    let text_at = headers
        .iter()
        .position(|h| h == columns.text.as_bytes())
        .ok_or_else(|| Error::InvalidInput(format!("{input}: no column {:?} (see --text-col)", columns.text)))?;
    let (id_at, date_at, title_at) = (position(&columns.id), position(&columns.date), position(&columns.title));
    let mut rows = csv_reader.into_byte_records();
    let mut row_number = 0usize;
    Ok(Box::new(std::iter::from_fn(move || {
        let row = rows.next()?;
        row_number += 1;
        let article = row.map_err(|e| format!("bad CSV row: {e}")).and_then(|row| {
            let field = |at: Option<usize>| -> std::result::Result<Option<String>, String> {
                match at.and_then(|i| row.get(i)) {
                    None => Ok(None),
                    Some(bytes) => std::str::from_utf8(bytes).map(|s| Some(s.to_string()).filter(|s| !s.is_empty())).map_err(|_| "not UTF-8".to_string()),
                }
            };
            let text = field(Some(text_at))?.ok_or("empty text column")?;
            Ok(Article { id: field(id_at)?, title: field(title_at)?, date: field(date_at)?, text })
        });
        Some(Record { input: input.clone(), line: row_number, article })
    })))
}

/// `.txt` files under a directory, sorted; the id is the path relative to the directory.
pub fn directory(dir: &Path) -> Result<impl Iterator<Item = Record> + Send + use<>> {
    let mut files: Vec<PathBuf> = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(current) = stack.pop() {
        for entry in std::fs::read_dir(&current).map_err(|e| Error::io(&current, e))? {
            let path = entry.map_err(|e| Error::io(&current, e))?.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "txt") {
                files.push(path);
            }
        }
    }
    files.sort();
    let root = dir.to_path_buf();
    Ok(files.into_iter().enumerate().map(move |(i, path)| {
        let id = path.strip_prefix(&root).unwrap_or(&path).display().to_string();
        let article = std::fs::read(&path)
            .map_err(|e| format!("cannot read: {e}"))
            .and_then(|bytes| String::from_utf8(bytes).map_err(|e| format!("not UTF-8 (byte {})", e.utf8_error().valid_up_to())))
            .map(|text| Article { id: Some(id), text, ..Article::default() });
        Record { input: root.display().to_string(), line: i + 1, article }
    }))
}

/// Records of one input: `-` (stdin, JSONL), a directory, `.csv[.gz]`, or JSONL (`.jsonl`,
/// `.ndjson`, `.json`, optionally `.gz`).
pub fn records(input: &str, columns: &CsvColumns) -> Result<Box<dyn Iterator<Item = Record> + Send>> {
    if input == "-" {
        return Ok(Box::new(jsonl("<stdin>".into(), Box::new(std::io::stdin()))));
    }
    let path = Path::new(input);
    if path.is_dir() {
        return Ok(Box::new(directory(path)?));
    }
    let name = input.trim_end_matches(".gz");
    if name.ends_with(".csv") {
        return csv_records(input.to_string(), open(path)?, columns);
    }
    Ok(Box::new(jsonl(input.to_string(), open(path)?)))
}

/// Count records cheaply (lines or files) for the progress bar; None for stdin.
pub fn count(input: &str) -> Option<u64> {
    if input == "-" {
        return None;
    }
    let path = Path::new(input);
    if path.is_dir() {
        return directory(path).ok().map(|r| r.count() as u64);
    }
    let reader = BufReader::new(open(path).ok()?);
    let lines = reader.split(b'\n').filter(|l| l.as_ref().is_ok_and(|l| !l.iter().all(u8::is_ascii_whitespace))).count() as u64;
    Some(if input.trim_end_matches(".gz").ends_with(".csv") { lines.saturating_sub(1) } else { lines })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jsonl_records_with_bad_lines() {
        let data = b"{\"id\": \"a\", \"text\": \"One.\"}\n\nnot json\n{\"title\": \"no text\"}\n{\"id\": 7, \"text\": \"caf\xe9\"}\n{\"text\": \"Two.\"}\n";
        let records: Vec<Record> = jsonl("t".into(), Box::new(&data[..])).collect();
        assert_eq!(records.iter().map(|r| r.line).collect::<Vec<_>>(), vec![1, 3, 4, 5, 6]);
        assert_eq!(records[0].article.as_ref().unwrap().id.as_deref(), Some("a"));
        assert!(records[1].article.as_ref().unwrap_err().contains("invalid JSON"));
        assert!(records[2].article.as_ref().unwrap_err().contains("missing \"text\""));
        assert!(records[3].article.as_ref().unwrap_err().contains("not UTF-8"));
        assert_eq!(records[4].article.as_ref().unwrap().text, "Two.");
    }

    #[test]
    fn csv_with_chosen_columns() {
        let data = "story,body,published\ns1,\"Text, with comma.\",2007-07-03\ns2,,2007-07-04\n";
        let columns = CsvColumns { id: Some("story".into()), text: "body".into(), date: Some("published".into()), title: None };
        let records: Vec<Record> = csv_records("c".into(), Box::new(data.as_bytes()), &columns).unwrap().collect();
        let first = records[0].article.as_ref().unwrap();
        assert_eq!((first.id.as_deref(), first.text.as_str(), first.date.as_deref()), (Some("s1"), "Text, with comma.", Some("2007-07-03")));
        assert!(records[1].article.is_err());
        let missing = CsvColumns { text: "nope".into(), ..CsvColumns::default() };
        assert!(csv_records("c".into(), Box::new(data.as_bytes()), &missing).is_err());
    }

    #[test]
    fn directories_of_text_files() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        std::fs::write(dir.path().join("b.txt"), "B.").unwrap();
        std::fs::write(dir.path().join("sub/a.txt"), "A.").unwrap();
        std::fs::write(dir.path().join("skip.md"), "no").unwrap();
        let ids: Vec<String> = directory(dir.path()).unwrap().map(|r| r.article.unwrap().id.unwrap()).collect();
        assert_eq!(ids, vec!["b.txt", "sub/a.txt"]);
    }
}
