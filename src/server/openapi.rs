//! `GET /openapi.json`: the API description. Paths are declared here; every request and
//! response schema is generated from the Rust types (schemars), so the document cannot drift
//! from what the handlers accept and return.

use std::sync::OnceLock;

use schemars::generate::SchemaSettings;
use serde_json::{Value, json};

use super::routes::AnalyzeRequest;
use crate::mentions::TopicPack;
use crate::model::ModelInfo;
use crate::report::Report;
use crate::store::tables::WindowRow;

fn error_responses() -> Value {
    let error = json!({"$ref": "#/components/responses/Error"});
    json!({
        "400": error, "413": error, "415": error, "422": error, "429": error, "503": error
    })
}

fn json_response(description: &str, schema: Value) -> Value {
    json!({"description": description, "content": {"application/json": {"schema": schema}}})
}

/// The OpenAPI 3 document, built on first use.
pub fn document() -> &'static Value {
    static DOCUMENT: OnceLock<Value> = OnceLock::new();
    DOCUMENT.get_or_init(build)
}

fn build() -> Value {
    let mut generator = SchemaSettings::openapi3().into_generator();
    let report = generator.subschema_for::<Report>().to_value();
    let request = generator.subschema_for::<AnalyzeRequest>().to_value();
    let model = generator.subschema_for::<ModelInfo>().to_value();
    let packs = generator.subschema_for::<Vec<TopicPack>>().to_value();
    let rows = generator.subschema_for::<Vec<WindowRow>>().to_value();
    let mut schemas = generator.take_definitions(true);
    schemas.insert(
        "ErrorBody".into(),
        json!({"type": "object", "required": ["error"], "properties": {"error": {"type": "object", "required": ["code", "message"],
            "properties": {"code": {"type": "string"}, "message": {"type": "string"}}}}}),
    );
    let mut analyze_responses = error_responses();
    analyze_responses["200"] = json_response("the stance report", report.clone());
    let mut batch_responses = error_responses();
    batch_responses["200"] = json!({"description": "one report or {\"error\"} per article, in order",
        "content": {"application/json": {"schema": {"type": "array", "items": {"oneOf": [report, {"$ref": "#/components/schemas/ErrorBody"}]}}},
                    "application/x-ndjson": {"schema": {"type": "string"}}}});
    let parameters: Vec<Value> = ["actor", "topic", "from", "to", "by"]
        .iter()
        .map(|name| json!({"name": name, "in": "query", "required": false, "schema": {"type": "string"}}))
        .collect();
    json!({
        "openapi": "3.0.3",
        "info": {"title": "Standpoint", "version": env!("CARGO_PKG_VERSION"),
                 "description": "Actor x topic stance tables from news articles."},
        "paths": {
            "/v1/analyze": {"post": {"summary": "Analyse one article",
                "requestBody": {"required": true, "content": {"application/json": {"schema": request},
                                                             "text/plain": {"schema": {"type": "string"}}}},
                "responses": analyze_responses}},
            "/v1/analyze/batch": {"post": {"summary": "Analyse several articles",
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "array", "items": request}},
                                                             "application/x-ndjson": {"schema": {"type": "string"}}}},
                "responses": batch_responses}},
            "/v1/packs": {"get": {"summary": "Built-in topic packs", "responses": {"200": json_response("the packs", packs)}}},
            "/v1/model": {"get": {"summary": "The loaded model", "responses": {"200": json_response("model id, revision, sha256, labels", model)}}},
            "/v1/tables": {"get": {"summary": "Stance over time from the store (serve --db)",
                "parameters": parameters,
                "responses": {"200": json_response("one row per window, actor and topic", rows), "422": {"$ref": "#/components/responses/Error"}, "503": {"$ref": "#/components/responses/Error"}}}},
            "/health": {"get": {"summary": "Liveness", "responses": {"200": {"description": "the process answers"}}}},
            "/ready": {"get": {"summary": "Readiness: model loaded and warm", "responses": {"200": {"description": "ready"}, "503": {"description": "warming up"}}}},
            "/metrics": {"get": {"summary": "Prometheus metrics", "responses": {"200": {"description": "text exposition format", "content": {"text/plain": {"schema": {"type": "string"}}}}}}}
        },
        "components": {
            "schemas": schemas,
            "responses": {"Error": {"description": "error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}}}
        }
    })
}
