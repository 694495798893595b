//! The three shells are thin: the library, `standpoint analyze`, `standpoint batch` and the
//! service give the same table for the same article and topics (the default pack), with the
//! shipped models (stance model, name tagger, sentence embedder), on the example and the seed.

mod common;

use std::path::Path;
use std::process::Command;

use actix_web::{App, test};
use standpoint::model::ModelOptions;
use standpoint::pipeline::ModelSet;
use standpoint::server::{ServeConfig, configure, state};
use standpoint::{Article, Options, Pipeline};

/// (actor, topic, label, score) of every table row, in order.
fn rows(report: &serde_json::Value) -> Vec<(String, String, String, f64)> {
    report["table"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["actor"].as_str().unwrap().to_string(), r["topic"].as_str().unwrap().to_string(), r["label"].as_str().unwrap().to_string(), r["score"].as_f64().unwrap()))
        .collect()
}

fn same(what: &str, a: &[(String, String, String, f64)], b: &[(String, String, String, f64)]) {
    assert_eq!(a.len(), b.len(), "{what}: {a:?} vs {b:?}");
    for (x, y) in a.iter().zip(b) {
        assert_eq!((&x.0, &x.1, &x.2), (&y.0, &y.1, &y.2), "{what}");
        assert!((x.3 - y.3).abs() < 1e-4, "{what}: {x:?} vs {y:?}");
    }
}

fn shipped() -> Option<ModelSet> {
    let set = ModelSet::shipped(&common::root());
    let complete = set.tagger.is_some() && set.embedder.is_some() && Path::new(&set.stance).join("model.safetensors").is_file();
    common::require(complete.then_some(set), "the shipped models with the base encoder")
}

#[actix_web::test]
async fn library_cli_batch_and_service_agree() {
    let Some(set) = shipped() else { return };
    let mut articles = vec![("example", std::fs::read_to_string(common::root().join("examples/trade-summit.txt")).unwrap())];
    if let Some(shared) = common::shared() {
        articles.push(("seed", std::fs::read_to_string(shared.join("articles/kennebunkport-2007.txt")).unwrap()));
    }
    let pipeline = Pipeline::load_set(&set, ModelOptions::default()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let data = state(Pipeline::load_set(&set, ModelOptions::default()).unwrap(), &ServeConfig::default()).unwrap();
    let app = test::init_service(App::new().app_data(data.clone()).configure(configure)).await;
    for _ in 0..500 {
        if data.queue.is_ready() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    for (name, text) in articles {
        let library = serde_json::to_value(pipeline.analyze(&Article::from_text(text.clone()), &Options::default()).unwrap()).unwrap();
        let library = rows(&library);
        assert!(!library.is_empty(), "{name}: the default pack finds stances");

        let path = dir.path().join(format!("{name}.txt"));
        std::fs::write(&path, &text).unwrap();
        let cli = Command::new(env!("CARGO_BIN_EXE_standpoint")).args(["analyze", &path.display().to_string()]).current_dir(common::root()).output().unwrap();
        assert!(cli.status.success(), "{}", String::from_utf8_lossy(&cli.stderr));
        same(&format!("{name}: cli"), &library, &rows(&serde_json::from_slice(&cli.stdout).unwrap()));

        let input = dir.path().join(format!("{name}.jsonl"));
        std::fs::write(&input, serde_json::json!({"id": name, "text": text}).to_string() + "\n").unwrap();
        let output = dir.path().join(format!("{name}-out.jsonl"));
        let batch = Command::new(env!("CARGO_BIN_EXE_standpoint"))
            .args(["batch", "--input", &input.display().to_string(), "--output", &output.display().to_string()])
            .current_dir(common::root())
            .output()
            .unwrap();
        assert!(batch.status.success(), "{}", String::from_utf8_lossy(&batch.stderr));
        let stored: serde_json::Value = serde_json::from_str(std::fs::read_to_string(&output).unwrap().lines().next().unwrap()).unwrap();
        same(&format!("{name}: batch"), &library, &rows(&stored));

        let request = test::TestRequest::post().uri("/v1/analyze").insert_header(("content-type", "text/plain")).set_payload(text.clone()).to_request();
        let served: serde_json::Value = test::call_and_read_body_json(&app, request).await;
        same(&format!("{name}: service"), &library, &rows(&served));
    }
}
