//! The command line as a user meets it: clear errors and non-zero exits for bad input, never a
//! panic; tables in every format.

mod common;

use std::process::{Command, Output};

fn standpoint(args: &[&str], stdin: Option<&str>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_standpoint"));
    // Topic vectors go to a cache of the tests' own, not the user's.
    command.args(args).env_remove("STANDPOINT_MODEL").env("STANDPOINT_CACHE_DIR", std::env::temp_dir().join("standpoint-test-cache"));
    if let Some(input) = stdin {
        use std::io::Write;
        command.stdin(std::process::Stdio::piped()).stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped());
        let mut child = command.spawn().unwrap();
        // The process may reject its arguments and exit before reading its input.
        let _ = child.stdin.take().unwrap().write_all(input.as_bytes());
        return child.wait_with_output().unwrap();
    }
    command.output().unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn tiny() -> String {
    common::fixture("tiny-bert").display().to_string()
}

#[test]
fn help_teaches() {
    let output = standpoint(&["analyze", "--help"], None);
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success());
    for needle in ["--pack", "--topic", "--actor", "--format", "--model", "--threads", "Examples"] {
        assert!(text.contains(needle), "help lacks {needle}");
    }
}

#[test]
fn analyzes_the_example_in_every_format() {
    let example = common::root().join("examples/trade-summit.txt").display().to_string();
    for (format, needle) in [("md", "| actor | topic |"), ("csv", "article_id,actor_id"), ("json", "\"schema_version\"")] {
        let output = standpoint(&["analyze", &example, "--model", &tiny(), "--format", format, "--threads", "1"], None);
        assert!(output.status.success(), "{format}: {}", stderr(&output));
        assert!(String::from_utf8_lossy(&output.stdout).contains(needle), "{format}");
    }
}

#[test]
fn the_example_runs_end_to_end_on_every_architecture() {
    // Random tiny models: the rows mean nothing, but every stage (the cross-encoder, and the
    // same architecture as sentence embedder) must run and give a well-formed report.
    let example = common::root().join("examples/trade-summit.txt").display().to_string();
    for architecture in ["bert", "roberta", "xlm-roberta", "distilbert", "deberta-v2", "modernbert", "mpnet"] {
        let model = common::fixture(&format!("tiny-{architecture}")).display().to_string();
        let output = standpoint(
            &["analyze", &example, "--model", &model, "--embedder", &model, "--ner", "none", "--format", "json", "--threads", "1"],
            None,
        );
        assert!(output.status.success(), "{architecture}: {}", stderr(&output));
        let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        assert_eq!(report["model"]["architecture"], architecture);
        assert!(!report["sentences"].as_array().unwrap().is_empty(), "{architecture}");
    }
}

#[test]
fn topic_vectors_are_kept_between_runs_and_change_nothing() {
    let example = common::root().join("examples/trade-summit.txt").display().to_string();
    let cache = tempfile::tempdir().unwrap();
    let cache_dir = cache.path().join("vectors").display().to_string();
    let run = |cache_dir: &str| {
        let output = standpoint(&["analyze", &example, "--model", &tiny(), "--embedder", &tiny(), "--ner", "none", "--format", "json", "--threads", "1", "--cache-dir", cache_dir], None);
        assert!(output.status.success(), "{}", stderr(&output));
        let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        (report["mentions"].clone(), report["table"].clone())
    };
    let fresh = run(&cache_dir);
    let kept: Vec<_> = std::fs::read_dir(&cache_dir).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(kept.len(), 1, "one vector file per embedder: {kept:?}");
    let size = std::fs::metadata(&kept[0]).unwrap().len();
    assert!(size > 10_000, "the pack's phrases were kept ({size} bytes)");
    assert_eq!(run(&cache_dir), fresh, "read back from the cache");
    assert_eq!(std::fs::metadata(&kept[0]).unwrap().len(), size, "nothing new to add on the second run");
    assert_eq!(run("none"), fresh, "without the cache");
    // A cache that cannot be written (its directory is a file) costs time, not the answer.
    let blocked = cache.path().join("a-file");
    std::fs::write(&blocked, "x").unwrap();
    assert_eq!(run(&blocked.display().to_string()), fresh);
}

#[test]
fn reads_standard_input_and_caller_specs() {
    let output = standpoint(
        &["analyze", "-", "--model", &tiny(), "--format", "csv", "--topic", "bike lanes=bike lanes", "--actor", "Jane Roe=Roe", "--no-discover"],
        Some("Mayor Jane Roe said the city backs the bike lanes."),
    );
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(String::from_utf8_lossy(&output.stdout).contains("jane-roe,Jane Roe,bike-lanes"));
}

#[test]
fn bad_input_gives_clear_errors_and_nonzero_exits() {
    let empty_dir = tempfile::tempdir().unwrap();
    std::fs::write(empty_dir.path().join("config.json"), "{}").unwrap();
    std::fs::write(empty_dir.path().join("tokenizer.json"), "{}").unwrap();
    let no_weights = empty_dir.path().display().to_string();
    let binary_file = empty_dir.path().join("latin1.txt");
    std::fs::write(&binary_file, b"caf\xe9 au lait").unwrap();
    let binary_path = binary_file.display().to_string();
    let tiny = tiny();
    let cases: Vec<(Vec<&str>, Option<&str>, &str)> = vec![
        (vec!["analyze", "/no/such/file.txt", "--model", &tiny], None, "cannot read /no/such/file.txt"),
        (vec!["analyze", "-", "--model", &tiny], Some("   \n"), "empty"),
        (vec!["analyze", "-", "--model", &tiny, "--pack", "nope"], Some("Text here."), "unknown topic pack"),
        (vec!["analyze", "-", "--model", &no_weights], Some("Text here."), "no weights"),
        (vec!["analyze", "-", "--model", "./not-a-dir"], Some("Text here."), "not a hub id"),
        (vec!["analyze", "-", "--model", &tiny, "--format", "xml"], Some("Text here."), "unknown format"),
        (vec!["analyze", "-", "--model", &tiny, "--topic", "=x"], Some("Text here."), "empty label"),
        (vec!["analyze", &binary_path, "--model", &tiny], None, "not UTF-8"),
        (vec!["analyze", "-", "--model", &tiny, "--threads", "0"], Some("Text here."), "--threads"),
        (vec!["analyze", "-", "--model", &tiny, "--device", "tpu"], Some("Text here."), "unknown device"),
    ];
    for (args, stdin, needle) in cases {
        let output = standpoint(&args, stdin);
        let message = stderr(&output);
        assert!(!output.status.success(), "{args:?} succeeded");
        assert!(!message.contains("panicked"), "{args:?} panicked: {message}");
        assert!(message.contains(needle), "{args:?}: {message:?} lacks {needle:?}");
    }
}

#[test]
fn lists_packs() {
    let output = standpoint(&["packs"], None);
    assert!(output.status.success());
    assert!(String::from_utf8_lossy(&output.stdout).contains("world-affairs"));
}

#[test]
fn eval_scores_a_gold_file_and_names_the_line_of_bad_input() {
    let gold = common::fixture("example-gold.jsonl").display().to_string();
    let tiny = tiny();
    let quiet = ["--model", tiny.as_str(), "--ner", "none", "--embedder", "none"];
    let mut args = vec!["eval", gold.as_str(), "--format", "json"];
    args.extend(quiet);
    let output = standpoint(&args, None);
    assert!(output.status.success(), "{}", stderr(&output));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let summary = &report["summary"];
    assert_eq!(summary["gold_rows"], 10);
    assert_eq!(summary["counts"]["tp"].as_u64().unwrap() + summary["counts"]["fn"].as_u64().unwrap(), 10, "every gold row is a hit or a miss");
    assert_eq!(report["articles"].as_array().unwrap().len(), 1);
    let mut text_args = vec!["eval", gold.as_str(), "--rows"];
    text_args.extend(quiet);
    let text = standpoint(&text_args, None);
    assert!(String::from_utf8_lossy(&text.stdout).contains("micro  P"), "{}", stderr(&text));

    let dir = tempfile::tempdir().unwrap();
    let good = std::fs::read_to_string(common::fixture("example-gold.jsonl")).unwrap();
    // Only the evidence (the last occurrence) changes, so it no longer quotes the text.
    let (head, tail) = good.rsplit_once("criticised the climate agreement").unwrap();
    let cases = [
        (format!("{good}{{not json\n"), "line 2"),
        (good.replace("\"actor\": \"china\"", "\"actor\": \"japan\""), "unknown actor \"japan\""),
        (format!("{head}praised the climate agreement{tail}"), "not in the text"),
        (good.replace("\"stance\": \"favor\"", "\"stance\": \"pro\""), "\"pro\""),
    ];
    for (index, (content, expected)) in cases.iter().enumerate() {
        let path = dir.path().join(format!("bad-{index}.jsonl"));
        std::fs::write(&path, content).unwrap();
        let path = path.display().to_string();
        let mut args = vec!["eval", path.as_str()];
        args.extend(quiet);
        let output = standpoint(&args, None);
        assert_eq!(output.status.code(), Some(2), "{expected}: {}", stderr(&output));
        assert!(stderr(&output).contains(expected), "{expected} in {}", stderr(&output));
        assert!(!stderr(&output).contains("panicked"));
    }
    let mut args = vec!["eval", gold.as_str(), "--article", "no-such-id"];
    args.extend(quiet);
    let output = standpoint(&args, None);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("no-such-id"));
}
