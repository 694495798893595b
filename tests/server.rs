//! The service through actix's test harness: every endpoint, every error status, a corpus of
//! bad inputs (each a 4xx, the server healthy after), and parity with the CLI.

mod common;

use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::{App, test, web};
use standpoint::Pipeline;
use standpoint::model::ModelOptions;
use standpoint::server::routes::AppState;
use standpoint::server::{ServeConfig, configure, record_metrics, state};

fn tiny_state(config: &ServeConfig) -> web::Data<AppState> {
    let pipeline = Pipeline::load(&common::fixture("tiny-bert").display().to_string(), ModelOptions::default()).unwrap();
    state(pipeline, config).unwrap()
}

macro_rules! app {
    ($state:expr) => {
        test::init_service(App::new().app_data($state.clone()).wrap(actix_web::middleware::from_fn(record_metrics)).configure(configure)).await
    };
}

async fn wait_ready(data: &web::Data<AppState>) {
    for _ in 0..200 {
        if data.queue.is_ready() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("the inference worker never became ready");
}

fn example_text() -> String {
    std::fs::read_to_string(common::root().join("examples/trade-summit.txt")).unwrap()
}

#[actix_web::test]
async fn every_endpoint_answers() {
    let data = tiny_state(&ServeConfig::default());
    let app = app!(data);
    wait_ready(&data).await;
    for (path, content) in [("/", "text/html"), ("/health", "json"), ("/ready", "json"), ("/v1/packs", "json"), ("/v1/model", "json")] {
        let response = test::call_service(&app, test::TestRequest::get().uri(path).to_request()).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        let kind = response.headers().get("content-type").unwrap().to_str().unwrap().to_string();
        assert!(kind.contains(content), "{path}: {kind}");
    }
    let model: serde_json::Value = test::call_and_read_body_json(&app, test::TestRequest::get().uri("/v1/model").to_request()).await;
    assert_eq!(model["architecture"], "bert");
    assert_eq!(model["labels"], serde_json::json!(["contradiction", "entailment", "neutral"]));

    let json = serde_json::json!({"text": example_text(), "id": "ex-1", "topics": ["import tariffs=tariffs"], "actors": [{"name": "Anna Keller", "aliases": ["Keller"]}]});
    let response = test::call_service(&app, test::TestRequest::post().uri("/v1/analyze").set_json(&json).to_request()).await;
    assert_eq!(response.status(), StatusCode::OK);
    let report: serde_json::Value = test::read_body_json(response).await;
    assert_eq!(report["article"]["id"], "ex-1");
    assert!(report["table"].as_array().unwrap().iter().any(|r| r["actor"] == "anna-keller"));

    let plain = test::TestRequest::post().uri("/v1/analyze").insert_header(("content-type", "text/plain; charset=utf-8")).set_payload(example_text()).to_request();
    let report: serde_json::Value = test::call_and_read_body_json(&app, plain).await;
    assert!(!report["table"].as_array().unwrap().is_empty());

    let batch = serde_json::json!([{"text": example_text()}, {"text": ""}, {"text": "President Louis Marchand said France opposes tariffs."}]);
    let results: Vec<serde_json::Value> = test::call_and_read_body_json(&app, test::TestRequest::post().uri("/v1/analyze/batch").set_json(&batch).to_request()).await;
    assert_eq!(results.len(), 3);
    assert!(results[0]["table"].is_array());
    assert_eq!(results[1]["error"]["code"], "empty_text");
    assert!(results[2]["table"].is_array());

    let ndjson = format!("{}\nnot json\n{}\n", serde_json::json!({"text": "France opposes tariffs, President Louis Marchand said."}), serde_json::json!({"text": example_text()}));
    let request = test::TestRequest::post().uri("/v1/analyze/batch").insert_header(("content-type", "application/x-ndjson")).set_payload(ndjson).to_request();
    let response = test::call_service(&app, request).await;
    assert_eq!(response.status(), StatusCode::OK);
    let body = String::from_utf8(test::read_body(response).await.to_vec()).unwrap();
    let lines: Vec<serde_json::Value> = body.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[1]["error"]["code"], "bad_request");

    let metrics = test::call_service(&app, test::TestRequest::get().uri("/metrics").to_request()).await;
    let text = String::from_utf8(test::read_body(metrics).await.to_vec()).unwrap();
    assert!(text.contains("standpoint_http_requests_total{route=\"/v1/analyze\",status=\"200\"}"), "{text}");
    assert!(text.contains("standpoint_inference_seconds_count"));
    assert!(text.contains("standpoint_queue_depth"));
}

#[actix_web::test]
async fn overload_is_429_with_retry_after() {
    let config = ServeConfig { max_concurrent_requests: 2, ..ServeConfig::default() };
    let data = tiny_state(&config);
    let app = app!(data);
    wait_ready(&data).await;
    let held = data.permits.clone().acquire_many_owned(2).await.unwrap(); // two requests in flight
    let asked = std::time::Instant::now();
    let response = test::call_service(&app, test::TestRequest::post().uri("/v1/analyze").set_json(serde_json::json!({"text": example_text()})).to_request()).await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(response.headers().get("retry-after").unwrap(), "1");
    // Held for the overload delay before it is sent, so clients that ignore Retry-After slow down.
    assert!(asked.elapsed() >= config.overload_delay, "429 sent after {:?}", asked.elapsed());
    drop(held);
    let response = test::call_service(&app, test::TestRequest::post().uri("/v1/analyze").set_json(serde_json::json!({"text": example_text()})).to_request()).await;
    assert_eq!(response.status(), StatusCode::OK);
}

#[actix_web::test]
async fn timeout_is_503_and_the_server_recovers() {
    let config = ServeConfig { request_timeout: Duration::from_nanos(1), ..ServeConfig::default() };
    let data = tiny_state(&config);
    let app = app!(data);
    wait_ready(&data).await;
    let response = test::call_service(&app, test::TestRequest::post().uri("/v1/analyze").set_json(serde_json::json!({"text": example_text()})).to_request()).await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: serde_json::Value = test::read_body_json(response).await;
    assert_eq!(body["error"]["code"], "timeout");
    let health = test::call_service(&app, test::TestRequest::get().uri("/health").to_request()).await;
    assert_eq!(health.status(), StatusCode::OK);
}

#[actix_web::test]
async fn bad_input_corpus_gets_4xx_and_the_server_stays_healthy() {
    let config = ServeConfig { payload_limit: 1024 * 1024, ..ServeConfig::default() };
    let data = tiny_state(&config);
    let app = app!(data);
    wait_ready(&data).await;
    let json = "application/json";
    let many_actors: Vec<String> = (0..5000).map(|i| format!("Actor {i}")).collect();
    let many_topics: Vec<String> = (0..500).map(|i| format!("topic {i}")).collect();
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let long_sentence = format!("{{\"text\": \"{}.\"}}", "word ".repeat(20_000));
    let cases: Vec<(&str, &str, Vec<u8>, u16)> = vec![
        ("/v1/analyze", json, b"{".to_vec(), 400),
        ("/v1/analyze", json, b"".to_vec(), 400),
        ("/v1/analyze", json, b"null".to_vec(), 400),
        ("/v1/analyze", json, b"[]".to_vec(), 400),
        ("/v1/analyze", json, b"{\"text\": 5}".to_vec(), 400),
        ("/v1/analyze", json, b"{\"title\": \"no text\"}".to_vec(), 400),
        ("/v1/analyze", json, b"{\"text\": \"ok\", \"topics\": 7}".to_vec(), 400),
        ("/v1/analyze", json, b"{\"text\": \"ok\", \"actors\": [{\"aliases\": []}]}".to_vec(), 400),
        ("/v1/analyze", json, b"{\"text\": \"ok\", \"options\": {\"sentiment\": \"yes\"}}".to_vec(), 400),
        ("/v1/analyze", json, b"{\"text\": \"caf\xe9\"}".to_vec(), 400),
        ("/v1/analyze", "text/plain", b"caf\xe9 au lait".to_vec(), 400),
        ("/v1/analyze", json, deep.into_bytes(), 400),
        ("/v1/analyze", json, b"{\"text\": \"\\ud800\"}".to_vec(), 400),
        ("/v1/analyze", "text/plain", vec![b'a'; 10 * 1024 * 1024], 413),
        ("/v1/analyze", "application/xml", b"<text>hi</text>".to_vec(), 415),
        ("/v1/analyze", "application/x-www-form-urlencoded", b"text=hi".to_vec(), 415),
        ("/v1/analyze", "", b"{\"text\": \"hi\"}".to_vec(), 415),
        ("/v1/analyze", "application/x-ndjson", b"{\"text\": \"hi\"}".to_vec(), 415),
        ("/v1/analyze", json, b"{\"text\": \"\"}".to_vec(), 422),
        ("/v1/analyze", json, b"{\"text\": \"   \\n\\t \"}".to_vec(), 422),
        ("/v1/analyze", "text/plain", b"Share this\nTweet\nRelated Stories\nNothing here".to_vec(), 422),
        ("/v1/analyze", json, b"{\"text\": \"ok text here.\", \"pack\": \"no-such-pack\"}".to_vec(), 422),
        ("/v1/analyze", json, serde_json::json!({"text": "Some text here.", "actors": many_actors}).to_string().into_bytes(), 422),
        ("/v1/analyze", json, serde_json::json!({"text": "Some text here.", "topics": many_topics}).to_string().into_bytes(), 422),
        ("/v1/analyze", json, b"{\"text\": \"ok text.\", \"topics\": [\"=alias\"]}".to_vec(), 422),
        ("/v1/analyze", json, b"{\"text\": \"ok text.\", \"actors\": [\"=alias\"]}".to_vec(), 422),
        ("/v1/analyze", json, b"{\"text\": \"ok text.\", \"actors\": [{\"name\": \" \"}]}".to_vec(), 422),
        ("/v1/analyze/batch", json, b"{\"text\": \"not an array\"}".to_vec(), 400),
        ("/v1/analyze/batch", "text/plain", b"plain".to_vec(), 415),
        ("/v1/analyze/batch", json, serde_json::to_vec(&vec![serde_json::json!({"text": "x."}); 65]).unwrap(), 422),
        ("/v2/analyze", json, b"{}".to_vec(), 404),
    ];
    assert!(cases.len() >= 25);
    let _ = long_sentence; // see the dedicated case below
    for (path, content_type, body, status) in cases {
        let mut request = test::TestRequest::post().uri(path).set_payload(body);
        if !content_type.is_empty() {
            request = request.insert_header(("content-type", content_type));
        }
        let response = test::call_service(&app, request.to_request()).await;
        assert_eq!(response.status().as_u16(), status, "{path} {content_type}");
        let body: serde_json::Value = test::read_body_json(response).await;
        assert!(body["error"]["code"].is_string(), "{path} {content_type}: {body}");
    }
    // A 100k-character sentence is valid input: truncated for the model, answered 200.
    let long = serde_json::json!({"text": format!("President Louis Marchand said France opposes tariffs {}.", "and more ".repeat(11_000))});
    let response = test::call_service(&app, test::TestRequest::post().uri("/v1/analyze").set_json(long).to_request()).await;
    assert_eq!(response.status(), StatusCode::OK);
    let health = test::call_service(&app, test::TestRequest::get().uri("/health").to_request()).await;
    assert_eq!(health.status(), StatusCode::OK);
    let fine = test::call_service(&app, test::TestRequest::post().uri("/v1/analyze").set_json(serde_json::json!({"text": example_text()})).to_request()).await;
    assert_eq!(fine.status(), StatusCode::OK);
}

#[actix_web::test]
async fn service_report_equals_the_cli_report() {
    // The seed article with the default model where it exists (CI), else the example with the tiny model.
    let (model, path) = match (common::default_model(), common::shared()) {
        (Some(model), Some(shared)) => (model, shared.join("articles/kennebunkport-2007.txt")),
        _ => (common::fixture("tiny-bert"), common::root().join("examples/trade-summit.txt")),
    };
    let text = std::fs::read_to_string(&path).unwrap();
    let cli = std::process::Command::new(env!("CARGO_BIN_EXE_standpoint"))
        // The service here runs the stance model alone; tests/shells.rs compares the full set.
        .args(["analyze", &path.display().to_string(), "--model", &model.display().to_string(), "--format", "json", "--ner", "none", "--embedder", "none"])
        .output()
        .unwrap();
    assert!(cli.status.success(), "{}", String::from_utf8_lossy(&cli.stderr));
    let mut from_cli: serde_json::Value = serde_json::from_slice(&cli.stdout).unwrap();

    let pipeline = Pipeline::load(&model.display().to_string(), ModelOptions::default()).unwrap();
    let data = state(pipeline, &ServeConfig::default()).unwrap();
    let app = app!(data);
    wait_ready(&data).await;
    let request = test::TestRequest::post().uri("/v1/analyze").insert_header(("content-type", "text/plain")).set_payload(text).to_request();
    let mut from_service: serde_json::Value = test::call_and_read_body_json(&app, request).await;
    for report in [&mut from_cli, &mut from_service] {
        report.as_object_mut().unwrap().remove("timings");
    }
    assert_eq!(from_service["table"], from_cli["table"]);
    assert_eq!(from_service, from_cli);
}

#[actix_web::test]
async fn serve_with_db_persists_and_answers_tables() {
    let dir = tempfile::tempdir().unwrap();
    let config = ServeConfig { db: Some(dir.path().join("served.sqlite")), ..ServeConfig::default() };
    let data = tiny_state(&config);
    let app = app!(data);
    wait_ready(&data).await;
    for (id, date) in [("s1", "2007-07-03"), ("s2", "2007-08-09"), ("s1", "2007-07-03")] {
        let body = serde_json::json!({"id": id, "date": date, "text": "President Louis Marchand said France opposes tariffs.", "topics": ["tariffs"]});
        let response = test::call_service(&app, test::TestRequest::post().uri("/v1/analyze").set_json(body).to_request()).await;
        assert_eq!(response.status(), StatusCode::OK);
    }
    let rows: Vec<serde_json::Value> =
        test::call_and_read_body_json(&app, test::TestRequest::get().uri("/v1/tables?actor=Louis%20Marchand&topic=tariffs&by=month").to_request()).await;
    let windows: Vec<(&str, u64)> = rows.iter().map(|r| (r["window"].as_str().unwrap(), r["articles"].as_u64().unwrap())).collect();
    assert_eq!(windows, vec![("2007-07", 1), ("2007-08", 1)], "s1 twice is stored once");
    let bad = test::call_service(&app, test::TestRequest::get().uri("/v1/tables?by=year").to_request()).await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);

    let without = tiny_state(&ServeConfig::default());
    let app = app!(without);
    let response = test::call_service(&app, test::TestRequest::get().uri("/v1/tables").to_request()).await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
}

#[actix_web::test]
async fn openapi_document_covers_every_route_and_resolves_its_refs() {
    let data = tiny_state(&ServeConfig::default());
    let app = app!(data);
    let doc: serde_json::Value = test::call_and_read_body_json(&app, test::TestRequest::get().uri("/openapi.json").to_request()).await;
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for path in ["/v1/analyze", "/v1/analyze/batch", "/v1/packs", "/v1/model", "/v1/tables", "/health", "/ready", "/metrics"] {
        assert!(doc["paths"][path].is_object(), "{path} undocumented");
    }
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    for name in ["TableRow", "SentenceStance", "Mentions", "ErrorBody"] {
        assert!(schemas.contains_key(name), "{name} missing from {:?}", schemas.keys().collect::<Vec<_>>());
    }
    let report = &doc["paths"]["/v1/analyze"]["post"]["responses"]["200"]["content"]["application/json"]["schema"];
    let report_name = report["$ref"].as_str().unwrap().rsplit('/').next().unwrap();
    for field in ["schema_version", "model", "article", "sentences", "mentions", "stances", "table", "timings"] {
        assert!(schemas[report_name]["properties"][field].is_object(), "report field {field} undocumented");
    }
    // Every $ref points at a component that exists.
    let text = doc.to_string();
    for piece in text.split("\"$ref\":\"").skip(1) {
        let target = piece.split('"').next().unwrap();
        let mut node = &doc;
        for part in target.trim_start_matches("#/").split('/') {
            node = &node[part];
        }
        assert!(!node.is_null(), "dangling $ref {target}");
    }
}
