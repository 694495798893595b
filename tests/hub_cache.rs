//! The hub path, offline: a hub id resolves through a local Hugging Face cache directory laid
//! out as hf-hub writes it (refs/<revision> -> snapshots/<commit>/files), with
//! HF_HUB_OFFLINE=1 so nothing is downloaded. One test per process: it sets env variables.

mod common;

use standpoint::model::{ModelOptions, Scorer};

fn write_snapshot(cache: &std::path::Path, repo_folder: &str, revision: &str, commit: &str, files: &[(&str, std::path::PathBuf)]) {
    let repo = cache.join(repo_folder);
    std::fs::create_dir_all(repo.join("refs")).unwrap();
    std::fs::write(repo.join("refs").join(revision), commit).unwrap();
    let snapshot = repo.join("snapshots").join(commit);
    std::fs::create_dir_all(&snapshot).unwrap();
    for (name, source) in files {
        std::fs::copy(source, snapshot.join(name)).unwrap();
    }
}

/// The architectures besides BERT with a tiny fixture (tests/fixtures/tiny-<architecture>).
#[cfg(feature = "hub")]
const ARCHITECTURES: [&str; 6] = ["roberta", "xlm-roberta", "distilbert", "deberta-v2", "modernbert", "mpnet"];

#[cfg(feature = "hub")]
#[test]
fn hub_id_loads_from_a_local_cache_offline() {
    let cache = tempfile::tempdir().unwrap();
    let tiny = common::fixture("tiny-bert");
    let commit = "0123456789abcdef0123456789abcdef01234567";
    let files: Vec<(&str, std::path::PathBuf)> =
        ["config.json", "tokenizer.json", "model.safetensors"].iter().map(|n| (*n, tiny.join(n))).collect();
    write_snapshot(cache.path(), "models--standpoint-test--tiny-bert", "main", commit, &files);
    write_snapshot(cache.path(), "models--standpoint-test--tiny-bert", "v1", commit, &files);
    // Every other architecture too, each as its own hub repository.
    for architecture in ARCHITECTURES {
        let dir = common::fixture(&format!("tiny-{architecture}"));
        let files: Vec<(&str, std::path::PathBuf)> = ["config.json", "tokenizer.json", "model.safetensors"].iter().map(|n| (*n, dir.join(n))).collect();
        write_snapshot(cache.path(), &format!("models--standpoint-test--tiny-{architecture}"), "main", commit, &files);
    }
    // SAFETY: this test binary has a single test; nothing else reads the environment concurrently.
    unsafe {
        std::env::set_var("HF_HUB_CACHE", cache.path());
        std::env::set_var("HF_HUB_OFFLINE", "1");
    }

    let scorer = Scorer::load("standpoint-test/tiny-bert", common::exact()).unwrap();
    assert_eq!(scorer.info().id, "standpoint-test/tiny-bert");
    assert_eq!(scorer.info().revision, "main");
    let expected = common::expected(&common::fixture("tiny-bert/expected.json"));
    let logits = scorer.logits(&[(expected[0].premise.as_str(), expected[0].hypothesis.as_str())]).unwrap();
    for (g, w) in logits[0].iter().zip(&expected[0].logits) {
        assert!((g - w).abs() < 1e-4);
    }

    for architecture in ARCHITECTURES {
        let scorer = Scorer::load(&format!("standpoint-test/tiny-{architecture}"), common::exact()).unwrap();
        assert_eq!(scorer.info().architecture, architecture);
        let expected = common::expected(&common::fixture(&format!("tiny-{architecture}/expected.json")));
        let logits = scorer.logits(&[(expected[1].premise.as_str(), expected[1].hypothesis.as_str())]).unwrap();
        for (g, w) in logits[0].iter().zip(&expected[1].logits) {
            assert!((g - w).abs() < 1e-4, "{architecture}: {g} vs {w}");
        }
    }

    let tagged = Scorer::load("standpoint-test/tiny-bert", ModelOptions { revision: Some("v1".into()), ..common::exact() }).unwrap();
    assert_eq!(tagged.info().revision, "v1");

    let Err(missing) = Scorer::load("standpoint-test/not-cached", common::exact()) else { panic!("loaded a model that is not cached") };
    let message = missing.to_string();
    assert!(message.contains("HF_HUB_OFFLINE"), "{message}");
}
