//! `standpoint batch`: score whole archives, exactly once, restartable.
//!
//! Records stream from the [`readers`] in chunks; each chunk's articles are scored together
//! (model batches span articles). Per chunk, in this order:
//! 1. the reports are appended to the output (JSONL, or one gzip member per chunk) and synced;
//! 2. they are inserted into the store (one transaction; existing ids are left alone);
//! 3. bad records go to `<output>.errors.jsonl` with their input and line.
//!
//! After a crash (even `kill -9`) `--resume` truncates a torn last line or gzip member, takes
//! the ids in the output as done, inserts into the store any it lacks, and carries on: every
//! article ends up exactly once in the output and in the store. The key is the article id, or
//! a content hash when there is none.

pub mod readers;

use std::collections::HashSet;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use flate2::Compression;
use flate2::write::GzEncoder;
use indicatif::{ProgressBar, ProgressStyle};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::pipeline::{Article, Options, Pipeline};
use crate::report::Report;
use crate::store::Store;
pub use readers::CsvColumns;

/// How a batch run works.
#[derive(Debug, Clone)]
pub struct BatchConfig {
    /// Inputs: files, directories, or `-`.
    pub inputs: Vec<String>,
    /// Output JSONL (`.gz` for gzip).
    pub output: PathBuf,
    /// Optional SQLite store.
    pub db: Option<PathBuf>,
    /// What to look for in each article.
    pub options: Options,
    /// Continue a previous run into the same output.
    pub resume: bool,
    /// Only articles whose key hashes to shard `i` of `n`.
    pub shard: Option<(u64, u64)>,
    /// Stop at the first bad record or failed article.
    pub fail_fast: bool,
    /// Articles per chunk (scored together, written together).
    pub chunk_articles: usize,
    /// CSV columns.
    pub columns: CsvColumns,
    /// Draw a progress bar (on a terminal).
    pub progress: bool,
}

/// What a run did.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Summary {
    /// Records read (in this shard or not).
    pub read: usize,
    /// Articles analysed and written.
    pub analyzed: usize,
    /// Skipped: already in the output (resume) or a repeated key.
    pub already_done: usize,
    /// Skipped: belongs to another shard.
    pub other_shard: usize,
    /// Bad records (invalid JSON, missing text, not UTF-8).
    pub bad_records: usize,
    /// Articles the pipeline rejected (empty text, too long).
    pub failed: usize,
    /// Articles recovered into the store from the output on resume.
    pub restored_to_store: usize,
    /// Model pairs.
    pub pairs: usize,
    /// Wall time, seconds.
    pub seconds: f64,
}

impl Summary {
    /// One paragraph for people.
    pub fn describe(&self) -> String {
        let rate = |n: usize| n as f64 / self.seconds.max(1e-9);
        format!(
            "{} records read: {} analysed, {} already done, {} in other shards, {} bad, {} failed; {} restored to the store. \
             {} pairs in {:.1} s ({:.2} articles/s, {:.1} pairs/s)",
            self.read, self.analyzed, self.already_done, self.other_shard, self.bad_records, self.failed, self.restored_to_store,
            self.pairs, self.seconds, rate(self.analyzed), rate(self.pairs)
        )
    }
}

/// Parse `--shard i/n`.
pub fn parse_shard(spec: &str) -> Result<(u64, u64)> {
    let bad = || Error::InvalidInput(format!("--shard {spec:?}: write i/n with 0 <= i < n"));
    let (i, n) = spec.split_once('/').ok_or_else(bad)?;
    let (i, n): (u64, u64) = (i.trim().parse().map_err(|_| bad())?, n.trim().parse().map_err(|_| bad())?);
    if n == 0 || i >= n {
        return Err(bad());
    }
    Ok((i, n))
}

/// The shard an article key belongs to, of `n`: stable across machines and runs.
pub fn shard_of(key: &str, n: u64) -> u64 {
    let digest = Sha256::digest(key.as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    u64::from_be_bytes(first) % n
}

#[derive(Deserialize)]
struct IdOnly {
    article: IdField,
}

#[derive(Deserialize)]
struct IdField {
    id: String,
}

fn is_gzip(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "gz")
}

/// Read back a previous run's output: truncate a torn tail, return the complete lines.
fn recover_output(path: &Path) -> Result<Vec<String>> {
    let mut file = OpenOptions::new().read(true).write(true).open(path).map_err(|e| Error::io(path, e))?;
    let mut lines = Vec::new();
    let good_length = if is_gzip(path) {
        // One gzip member per chunk: keep every member that decodes whole and ends in a newline.
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes).map_err(|e| Error::io(path, e))?;
        let mut offset = 0usize;
        while offset < bytes.len() {
            let mut cursor = std::io::Cursor::new(&bytes[offset..]);
            let mut decoder = flate2::bufread::GzDecoder::new(&mut cursor);
            let mut text = String::new();
            if decoder.read_to_string(&mut text).is_err() || !text.ends_with('\n') {
                break;
            }
            drop(decoder);
            offset += cursor.position() as usize;
            lines.extend(text.lines().map(String::from));
        }
        offset as u64
    } else {
        let mut reader = BufReader::new(&file);
        let mut length = 0u64;
        loop {
            let mut line = String::new();
            let n = reader.read_line(&mut line).map_err(|e| Error::io(path, e))?;
            if n == 0 || !line.ends_with('\n') {
                break; // end, or a torn last line
            }
            length += n as u64;
            lines.push(line.trim_end().to_string());
        }
        length
    };
    file.set_len(good_length).map_err(|e| Error::io(path, e))?;
    file.seek(SeekFrom::End(0)).map_err(|e| Error::io(path, e))?;
    Ok(lines)
}

/// Appends chunks to the output and syncs them to disk.
struct OutputWriter {
    path: PathBuf,
    file: File,
}

impl OutputWriter {
    fn append(&mut self, lines: &[String]) -> Result<()> {
        if lines.is_empty() {
            return Ok(());
        }
        let mut text = lines.join("\n");
        text.push('\n');
        let bytes = if is_gzip(&self.path) {
            let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
            encoder.write_all(text.as_bytes()).and_then(|_| encoder.finish()).map_err(|e| Error::io(&self.path, e))?
        } else {
            text.into_bytes()
        };
        self.file.write_all(&bytes).map_err(|e| Error::io(&self.path, e))?;
        self.file.sync_data().map_err(|e| Error::io(&self.path, e))
    }
}

/// The errors file beside the output.
pub fn errors_path(output: &Path) -> PathBuf {
    let name = output.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    output.with_file_name(format!("{}.errors.jsonl", name.trim_end_matches(".gz")))
}

/// Run a batch over the config's inputs.
pub fn run(pipeline: &Pipeline, config: &BatchConfig) -> Result<Summary> {
    let started = Instant::now();
    let mut summary = Summary::default();
    let mut store = config.db.as_deref().map(Store::open).transpose()?;

    // Resume: what is done, and the store brought level with the output.
    let mut done: HashSet<String> = HashSet::new();
    if config.output.exists() {
        if !config.resume {
            return Err(Error::InvalidInput(format!("{} exists; pass --resume to continue it, or choose another --output", config.output.display())));
        }
        let lines = recover_output(&config.output)?;
        for line in &lines {
            let id = serde_json::from_str::<IdOnly>(line).map_err(|e| Error::InvalidInput(format!("{}: not a report line: {e}", config.output.display())))?.article.id;
            if let Some(store) = store.as_mut() {
                if !store.contains(&id)? {
                    let report: Report = serde_json::from_str(line).map_err(|e| Error::InvalidInput(format!("{}: {e}", config.output.display())))?;
                    summary.restored_to_store += store.insert(&[&report], "batch")?;
                }
            }
            done.insert(id);
        }
    }
    let errors_path = errors_path(&config.output);
    let mut logged_errors: HashSet<(String, usize)> = HashSet::new();
    if config.resume && errors_path.exists() {
        let text = std::fs::read_to_string(&errors_path).map_err(|e| Error::io(&errors_path, e))?;
        for line in text.lines() {
            if let Ok(value) = serde_json::from_str::<serde_json::Value>(line) {
                if let (Some(input), Some(n)) = (value["input"].as_str(), value["line"].as_u64()) {
                    logged_errors.insert((input.to_string(), n as usize));
                }
            }
        }
    }
    let file = OpenOptions::new().create(true).append(true).open(&config.output).map_err(|e| Error::io(&config.output, e))?;
    let mut output = OutputWriter { path: config.output.clone(), file };
    let mut errors = OpenOptions::new().create(true).append(true).open(&errors_path).map_err(|e| Error::io(&errors_path, e))?;

    // Counting reads every input once more, so only do it when a bar will show the total.
    let bar = if config.progress {
        let total: Option<u64> = config.inputs.iter().map(|i| readers::count(i)).sum();
        total.map_or_else(ProgressBar::new_spinner, ProgressBar::new)
    } else {
        ProgressBar::hidden()
    };
    bar.set_style(
        ProgressStyle::with_template("{elapsed_precise} [{bar:30}] {pos}/{len} records {per_sec} ETA {eta} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );

    let mut log_error = |input: &str, line: usize, id: Option<&str>, message: &str| -> Result<()> {
        if logged_errors.insert((input.to_string(), line)) {
            let entry = serde_json::json!({"input": input, "line": line, "id": id, "error": message});
            writeln!(errors, "{entry}").map_err(|e| Error::io(&errors_path, e))?;
        }
        Ok(())
    };

    // The articles of the chunk, and where each came from (input, line), side by side.
    let mut chunk: Vec<(Article, Options)> = Vec::new();
    let mut origins: Vec<(String, usize)> = Vec::new();
    for input in &config.inputs {
        for record in readers::records(input, &config.columns)? {
            summary.read += 1;
            bar.inc(1);
            let article = match record.article {
                Ok(article) => article,
                Err(message) => {
                    summary.bad_records += 1;
                    log_error(&record.input, record.line, None, &message)?;
                    if config.fail_fast {
                        return Err(Error::InvalidInput(format!("{} line {}: {message}", record.input, record.line)));
                    }
                    continue;
                }
            };
            let key = article.key();
            if let Some((i, n)) = config.shard {
                if shard_of(&key, n) != i {
                    summary.other_shard += 1;
                    continue;
                }
            }
            if !done.insert(key) {
                summary.already_done += 1;
                continue;
            }
            chunk.push((article, config.options.clone()));
            origins.push((record.input, record.line));
            if chunk.len() >= config.chunk_articles.max(1) {
                process_chunk(pipeline, &mut chunk, &mut origins, &mut output, store.as_mut(), &mut summary, &mut log_error, config.fail_fast)?;
                bar.set_message(format!("{:.1} pairs/s", summary.pairs as f64 / started.elapsed().as_secs_f64().max(1e-9)));
            }
        }
    }
    process_chunk(pipeline, &mut chunk, &mut origins, &mut output, store.as_mut(), &mut summary, &mut log_error, config.fail_fast)?;
    bar.finish_and_clear();
    summary.seconds = started.elapsed().as_secs_f64();
    Ok(summary)
}

type ErrorLog<'a> = dyn FnMut(&str, usize, Option<&str>, &str) -> Result<()> + 'a;

fn process_chunk(
    pipeline: &Pipeline,
    chunk: &mut Vec<(Article, Options)>,
    origins: &mut Vec<(String, usize)>,
    output: &mut OutputWriter,
    store: Option<&mut Store>,
    summary: &mut Summary,
    log_error: &mut ErrorLog<'_>,
    fail_fast: bool,
) -> Result<()> {
    if chunk.is_empty() {
        return Ok(());
    }
    let results = pipeline.analyze_batch(chunk)?;
    let mut lines = Vec::new();
    let mut reports = Vec::new();
    for (((article, _), (input, line)), result) in chunk.iter().zip(origins.iter()).zip(results) {
        match result {
            Ok(report) => {
                lines.push(serde_json::to_string(&report).map_err(|e| Error::InvalidInput(format!("cannot serialise report: {e}")))?);
                summary.pairs += report.timings.pairs;
                reports.push(report);
            }
            Err(error) => {
                summary.failed += 1;
                log_error(input, *line, Some(&article.key()), &error.to_string())?;
                if fail_fast {
                    return Err(error);
                }
            }
        }
    }
    output.append(&lines)?;
    if let Some(store) = store {
        store.insert(&reports.iter().collect::<Vec<_>>(), "batch")?;
    }
    summary.analyzed += reports.len();
    chunk.clear();
    origins.clear();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_partition_keys() {
        let keys: Vec<String> = (0..1000).map(|i| format!("article-{i}")).collect();
        let mut counts = [0usize; 4];
        for key in &keys {
            counts[shard_of(key, 4) as usize] += 1;
            assert_eq!(shard_of(key, 4), shard_of(key, 4));
        }
        assert_eq!(counts.iter().sum::<usize>(), 1000);
        assert!(counts.iter().all(|&c| c > 200), "{counts:?}");
    }

    #[test]
    fn shard_specs() {
        assert_eq!(parse_shard("2/8").unwrap(), (2, 8));
        for bad in ["8/8", "1/0", "x/2", "3"] {
            assert!(parse_shard(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn torn_plain_and_gzip_tails_are_cut() {
        let dir = tempfile::tempdir().unwrap();
        let plain = dir.path().join("out.jsonl");
        std::fs::write(&plain, "{\"a\":1}\n{\"a\":2}\n{\"a\":").unwrap();
        assert_eq!(recover_output(&plain).unwrap().len(), 2);
        assert_eq!(std::fs::read_to_string(&plain).unwrap(), "{\"a\":1}\n{\"a\":2}\n");

        let gz = dir.path().join("out.jsonl.gz");
        let file = OpenOptions::new().create(true).append(true).open(&gz).unwrap();
        let mut writer = OutputWriter { path: gz.clone(), file };
        writer.append(&["{\"a\":1}".into(), "{\"a\":2}".into()]).unwrap();
        writer.append(&["{\"a\":3}".into()]).unwrap();
        let good = std::fs::metadata(&gz).unwrap().len();
        let mut torn = GzEncoder::new(Vec::new(), Compression::default());
        torn.write_all(b"{\"a\":4}\n").unwrap();
        let torn = torn.finish().unwrap();
        writer.file.write_all(&torn[..torn.len() / 2]).unwrap();
        assert_eq!(recover_output(&gz).unwrap(), vec!["{\"a\":1}", "{\"a\":2}", "{\"a\":3}"]);
        assert_eq!(std::fs::metadata(&gz).unwrap().len(), good);
    }

    #[test]
    fn errors_file_sits_beside_the_output() {
        assert_eq!(errors_path(Path::new("/x/results.jsonl.gz")), PathBuf::from("/x/results.jsonl.errors.jsonl"));
    }
}
