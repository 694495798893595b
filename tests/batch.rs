//! Batch runs as users run them: a crash mid-run (the child killed with SIGKILL) and a resume
//! that loses and duplicates nothing, bad lines counted, shards covering an archive exactly
//! once, the window arithmetic of stance tables, and GraphML that parses.

mod common;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use standpoint::model::ModelOptions;
use standpoint::stance::StanceLabel;
use standpoint::store::Store;
use standpoint::store::tables::{TableQuery, Window};
use standpoint::{Article, Options, Pipeline};

const PEOPLE: &[&str] = &["President Louis Marchand", "Chancellor Anna Keller", "Senator James Whitfield", "Governor Lisa Chen"];
const VIEWS: &[&str] = &["supports", "opposes", "criticised", "backed"];
const TOPICS: &[&str] = &["tariffs", "the climate agreement", "NATO expansion", "sanctions against Russia"];

/// An archive of `n` synthetic articles (our own sentences) with `bad` bad lines mixed in.
fn archive(dir: &Path, n: usize) -> (PathBuf, HashSet<String>, usize) {
    let mut lines = Vec::new();
    let mut ids = HashSet::new();
    for i in 0..n {
        let text = format!(
            "{} said on day {i} that France {} {}. {} {} {} as well.",
            PEOPLE[i % 4], VIEWS[i % 4], TOPICS[i % 4], PEOPLE[(i + 1) % 4], VIEWS[(i + 2) % 4], TOPICS[(i + 3) % 4]
        );
        let id = format!("a{i:05}");
        lines.push(serde_json::json!({"id": id, "date": format!("2007-{:02}-{:02}", 1 + i % 12, 1 + i % 28), "text": text}).to_string());
        ids.insert(id);
        if i % 50 == 7 {
            lines.push("{not json".into());
        }
    }
    lines.push("{\"id\": \"no-text\"}".into());
    let bad = lines.len() - n;
    let path = dir.join("archive.jsonl");
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    (path, ids, bad)
}

fn batch_command(input: &Path, output: &Path, db: &Path, extra: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_standpoint"));
    command
        .args(["batch", "--input", &input.display().to_string(), "--output", &output.display().to_string(), "--db", &db.display().to_string()])
        .args(["--model", &common::fixture("tiny-bert").display().to_string(), "--chunk", "4", "--threads", "1"])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

fn summary(output: &Output) -> serde_json::Value {
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let stdout = String::from_utf8_lossy(&output.stdout);
    serde_json::from_str(stdout.lines().last().unwrap()).unwrap()
}

/// The output's bytes (gzip members decoded), and how reading them ended: on a torn gzip
/// member the read fails, keeping every byte decoded before it.
fn read_output(path: &Path) -> (Vec<u8>, std::io::Result<usize>) {
    let mut bytes = Vec::new();
    let file = std::fs::File::open(path).unwrap();
    let read = if path.extension().is_some_and(|e| e == "gz") {
        std::io::Read::read_to_end(&mut flate2::read::MultiGzDecoder::new(file), &mut bytes)
    } else {
        std::io::Read::read_to_end(&mut &file, &mut bytes)
    };
    (bytes, read)
}

fn output_ids(path: &Path) -> Vec<String> {
    let (bytes, read) = read_output(path);
    read.unwrap();
    let text = String::from_utf8(bytes).unwrap();
    text.lines().map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["article"]["id"].as_str().unwrap().to_string()).collect()
}

/// The ids a killed run left whole: SIGKILL may tear the last line or gzip member, which
/// `--resume` cuts; here the torn tail is skipped.
fn ids_left_by_a_killed_run(path: &Path) -> usize {
    let (bytes, _) = read_output(path);
    let whole = bytes.iter().rposition(|b| *b == b'\n').map_or(0, |at| at + 1);
    String::from_utf8_lossy(&bytes[..whole]).lines().filter(|l| serde_json::from_str::<serde_json::Value>(l).is_ok()).count()
}

fn crash_and_resume(output_name: &str) {
    let dir = tempfile::tempdir().unwrap();
    let (input, ids, bad) = archive(dir.path(), 400);
    let output = dir.path().join(output_name);
    let db = dir.path().join("archive.sqlite");

    let mut child = batch_command(&input, &output, &db, &[]).spawn().unwrap();
    let started = Instant::now();
    while std::fs::metadata(&output).map(|m| m.len()).unwrap_or(0) < 20_000 {
        assert!(started.elapsed() < Duration::from_secs(120), "the first run wrote nothing");
        assert!(child.try_wait().unwrap().is_none(), "the first run finished before it could be killed; grow the archive");
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap(); // SIGKILL: no cleanup, possibly mid-write
    child.wait().unwrap();
    let first = ids_left_by_a_killed_run(&output);
    assert!(first < ids.len(), "killed too late to test anything");

    let again = batch_command(&input, &output, &db, &[]).output().unwrap();
    assert!(!again.status.success(), "an existing output without --resume must be refused");
    assert!(String::from_utf8_lossy(&again.stderr).contains("--resume"));

    let resumed = summary(&batch_command(&input, &output, &db, &["--resume"]).output().unwrap());
    let got = output_ids(&output);
    let unique: HashSet<String> = got.iter().cloned().collect();
    assert_eq!(got.len(), unique.len(), "duplicates in the output");
    assert_eq!(unique, ids, "lost articles");
    let store = Store::open_existing(&db).unwrap();
    assert_eq!(store.article_count().unwrap(), ids.len(), "store count differs from the archive");
    assert_eq!(resumed["bad_records"].as_u64().unwrap() as usize, bad);
    assert!(resumed["already_done"].as_u64().unwrap() as usize >= first.saturating_sub(4));

    let errors = std::fs::read_to_string(standpoint::batch::errors_path(&output)).unwrap();
    let lines: Vec<serde_json::Value> = errors.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let keys: HashSet<u64> = lines.iter().map(|l| l["line"].as_u64().unwrap()).collect();
    assert_eq!(keys.len(), lines.len(), "an error was logged twice");
    assert_eq!(lines.len(), bad);
    assert!(lines.iter().any(|l| l["error"].as_str().unwrap().contains("missing \"text\"")));
}

#[test]
fn resume_after_kill_loses_and_duplicates_nothing() {
    crash_and_resume("results.jsonl");
}

#[test]
fn resume_after_kill_with_gzip_output() {
    crash_and_resume("results.jsonl.gz");
}

#[test]
fn bad_lines_are_counted_and_fail_fast_stops() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.jsonl");
    std::fs::write(&input, b"{\"id\": \"1\", \"text\": \"President Louis Marchand opposes tariffs.\"}\nnope\n{\"text\": \"caf\xe9\"}\n{\"id\": \"2\", \"text\": \"   \"}\n{\"id\": \"1\", \"text\": \"again\"}\n").unwrap();
    let result = summary(&batch_command(&input, &dir.path().join("o.jsonl"), &dir.path().join("d.sqlite"), &[]).output().unwrap());
    assert_eq!(result["read"], 5);
    assert_eq!(result["analyzed"], 1);
    assert_eq!(result["bad_records"], 2);
    assert_eq!(result["failed"], 1, "empty text");
    assert_eq!(result["already_done"], 1, "repeated id");
    let failed = batch_command(&input, &dir.path().join("o2.jsonl"), &dir.path().join("d2.sqlite"), &["--fail-fast"]).output().unwrap();
    assert!(!failed.status.success());
    assert!(String::from_utf8_lossy(&failed.stderr).contains("line 2"));
}

#[test]
fn shards_cover_the_archive_exactly_once_and_tables_merge_them() {
    let dir = tempfile::tempdir().unwrap();
    let (input, ids, _) = archive(dir.path(), 60);
    let mut seen: Vec<String> = Vec::new();
    let mut dbs = Vec::new();
    for i in 0..3 {
        let db = dir.path().join(format!("shard{i}.sqlite"));
        let output = dir.path().join(format!("shard{i}.jsonl"));
        summary(&batch_command(&input, &output, &db, &["--shard", &format!("{i}/3")]).output().unwrap());
        seen.extend(output_ids(&output));
        dbs.push(db);
    }
    let unique: HashSet<String> = seen.iter().cloned().collect();
    assert_eq!(seen.len(), unique.len(), "an article in two shards");
    assert_eq!(unique, ids, "an article in no shard");

    let whole_db = dir.path().join("whole.sqlite");
    summary(&batch_command(&input, &dir.path().join("whole.jsonl"), &whole_db, &[]).output().unwrap());
    let tables = |paths: &[&Path]| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_standpoint"));
        command.args(["tables", "--by", "month", "--format", "json", "--db"]).args(paths.iter().map(|p| p.display().to_string()));
        let output = command.output().unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        serde_json::from_slice::<serde_json::Value>(&output.stdout).unwrap()
    };
    let sharded = tables(&dbs.iter().map(PathBuf::as_path).collect::<Vec<_>>());
    let whole = tables(&[whole_db.as_path()]);
    let (sharded, whole) = (sharded.as_array().unwrap(), whole.as_array().unwrap());
    assert_eq!(sharded.len(), whole.len());
    for (a, b) in sharded.iter().zip(whole) {
        for key in ["window", "actor", "topic", "articles", "favor", "against", "neutral", "label"] {
            assert_eq!(a[key], b[key], "{key}: merged shard tables differ from the single run");
        }
        // Batches differ between runs, so probabilities may differ in the last float bits.
        assert!((a["mean_score"].as_f64().unwrap() - b["mean_score"].as_f64().unwrap()).abs() < 1e-5);
    }
}

#[test]
fn window_arithmetic() {
    let pipeline = Pipeline::load(&common::fixture("tiny-bert").display().to_string(), ModelOptions::default()).unwrap();
    let base = pipeline
        .analyze(&Article::from_text("President Louis Marchand opposes tariffs."), &Options { topics: vec![standpoint::mentions::Topic::parse_spec("tariffs").unwrap()], ..Options::default() })
        .unwrap();
    assert_eq!(base.table.len(), 1);
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("t.sqlite")).unwrap();
    // (id, date, score, label): July has two against and one favor; August one neutral.
    let rows = [("j1", "2007-07-03", -0.9, StanceLabel::Against), ("j2", "2007-07-20", -0.4, StanceLabel::Against), ("j3", "2007-07-31T12:00:00Z", 0.6, StanceLabel::Favor), ("a1", "2007-08-02", 0.0, StanceLabel::Neutral)];
    let reports: Vec<_> = rows
        .iter()
        .map(|(id, date, score, label)| {
            let mut report = base.clone();
            report.article.id = id.to_string();
            report.article.date = Some(date.to_string());
            report.table[0].score = *score;
            report.table[0].label = *label;
            report
        })
        .collect();
    assert_eq!(store.insert(&reports.iter().collect::<Vec<_>>(), "test").unwrap(), 4);
    assert_eq!(store.insert(&reports.iter().collect::<Vec<_>>(), "test").unwrap(), 0, "exactly once");
    let query = TableQuery { by: Window::Month, actor: Some("louis  marchand".into()), topic: Some("tariffs".into()), from: None, to: None };
    let table = standpoint::store::tables::query(&[store], &query).unwrap();
    let by_window: HashMap<&str, _> = table.iter().map(|r| (r.window.as_str(), r)).collect();
    let july = by_window["2007-07"];
    assert_eq!((july.articles, july.favor, july.against, july.neutral), (3, 1, 2, 0));
    assert!((july.mean_score - (-0.7 / 3.0)).abs() < 1e-6, "{}", july.mean_score);
    assert_eq!(july.label, "against");
    let august = by_window["2007-08"];
    assert_eq!((august.articles, august.label.as_str()), (1, "neutral"));

    let store = Store::open_existing(&dir.path().join("t.sqlite")).unwrap();
    let from = TableQuery { by: Window::Day, actor: None, topic: None, from: Some("2007-07-20".into()), to: Some("2007-07-31".into()) };
    let days = standpoint::store::tables::query(&[store], &from).unwrap();
    assert_eq!(days.iter().map(|r| r.window.as_str()).collect::<Vec<_>>(), vec!["2007-07-20", "2007-07-31"]);
}

#[test]
fn graphml_parses_and_csv_has_every_edge() {
    let dir = tempfile::tempdir().unwrap();
    let (input, _, _) = archive(dir.path(), 24);
    let db = dir.path().join("g.sqlite");
    summary(&batch_command(&input, &dir.path().join("g.jsonl"), &db, &[]).output().unwrap());
    let run = |format: &str| {
        let output = Command::new(env!("CARGO_BIN_EXE_standpoint")).args(["export", "--db", &db.display().to_string(), "--format", format]).output().unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        String::from_utf8(output.stdout).unwrap()
    };
    let graphml = run("graphml");
    let document = roxmltree::Document::parse(&graphml).unwrap();
    let nodes = document.descendants().filter(|n| n.has_tag_name("node")).count();
    let edges: Vec<_> = document.descendants().filter(|n| n.has_tag_name("edge")).collect();
    assert!(nodes >= 5 && !edges.is_empty(), "{nodes} nodes, {} edges", edges.len());
    for edge in &edges {
        let target = edge.attribute("target").unwrap();
        assert!(document.descendants().any(|n| n.has_tag_name("node") && n.attribute("id") == Some(target)));
    }
    let csv = run("csv");
    assert_eq!(csv.lines().count() - 1, edges.len());
    let bad = Command::new(env!("CARGO_BIN_EXE_standpoint")).args(["export", "--db", "/no/such.sqlite"]).output().unwrap();
    assert!(!bad.status.success());
}
