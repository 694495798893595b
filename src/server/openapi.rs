//! `GET /openapi.json`: the API description, OpenAPI 3.1. Paths are declared here; every request
//! and response schema is generated from the Rust types (schemars), so the document cannot drift
//! from what the handlers accept and return.
//!
//! 3.1 rather than 3.0 because its schemas are plain JSON Schema 2020-12: byte spans are
//! `[start, end]` tuples, which 3.0 cannot express (`prefixItems` exists only in 2020-12).
//! Requests are described as the handlers deserialise them (fields with defaults are optional),
//! responses as they are serialised (every field that is always written is required).

use std::sync::OnceLock;

use schemars::generate::{Contract, SchemaGenerator, SchemaSettings};
use serde_json::{Map, Value, json};

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

/// JSON Schema 2020-12 with definitions where OpenAPI keeps them.
fn generator(contract: Contract) -> SchemaGenerator {
    SchemaSettings::draft2020_12()
        .with(|settings| {
            settings.definitions_path = "/components/schemas".into();
            settings.meta_schema = None;
            settings.contract = contract;
        })
        .into_generator()
}

/// Put the request side's definitions into `schemas`. A name that both sides define differently
/// (a type whose serialised and deserialised forms differ) gets a `Request` suffix on the request
/// side, and the request side's references follow it; renaming can make another definition
/// differ, so this runs until nothing clashes.
fn merge_definitions(schemas: &mut Map<String, Value>, mut request_side: Map<String, Value>, request: &mut Value) {
    loop {
        let clashes: Vec<String> = request_side
            .iter()
            .filter(|(name, schema)| schemas.get(*name).is_some_and(|existing| existing != *schema))
            .map(|(name, _)| name.clone())
            .collect();
        if clashes.is_empty() {
            break;
        }
        for name in clashes {
            let (from, to) = (format!("#/components/schemas/{name}"), format!("#/components/schemas/{name}Request"));
            rewrite_refs(request, &from, &to);
            request_side.values_mut().for_each(|schema| rewrite_refs(schema, &from, &to));
            if let Some(schema) = request_side.remove(&name) {
                request_side.insert(format!("{name}Request"), schema);
            }
        }
    }
    schemas.extend(request_side);
}

fn rewrite_refs(value: &mut Value, from: &str, to: &str) {
    match value {
        Value::Object(map) => {
            for (key, item) in map.iter_mut() {
                if key == "$ref" && item.as_str() == Some(from) {
                    *item = Value::String(to.to_owned());
                } else {
                    rewrite_refs(item, from, to);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|item| rewrite_refs(item, from, to)),
        _ => {}
    }
}

/// The OpenAPI 3.1 document, built on first use.
pub fn document() -> &'static Value {
    static DOCUMENT: OnceLock<Value> = OnceLock::new();
    DOCUMENT.get_or_init(build)
}

fn build() -> Value {
    let mut responses = generator(Contract::Serialize);
    let report = responses.subschema_for::<Report>().to_value();
    let model = responses.subschema_for::<ModelInfo>().to_value();
    let packs = responses.subschema_for::<Vec<TopicPack>>().to_value();
    let rows = responses.subschema_for::<Vec<WindowRow>>().to_value();
    let mut schemas = responses.take_definitions(true);
    let mut requests = generator(Contract::Deserialize);
    let mut request = requests.subschema_for::<AnalyzeRequest>().to_value();
    merge_definitions(&mut schemas, requests.take_definitions(true), &mut request);
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
    let status = json!({"type": "object", "required": ["status"], "properties": {"status": {"type": "string"}}});
    let parameters: Vec<Value> = ["actor", "topic", "from", "to", "by"]
        .iter()
        .map(|name| json!({"name": name, "in": "query", "required": false, "schema": {"type": "string"}}))
        .collect();
    json!({
        "openapi": "3.1.0",
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
            "/health": {"get": {"summary": "Liveness", "responses": {"200": json_response("the process answers", status.clone())}}},
            "/ready": {"get": {"summary": "Readiness: model loaded and warm",
                "responses": {"200": json_response("ready", status.clone()), "503": json_response("warming up", status)}}},
            "/metrics": {"get": {"summary": "Prometheus metrics", "responses": {"200": {"description": "text exposition format", "content": {"text/plain": {"schema": {"type": "string"}}}}}}}
        },
        "components": {
            "schemas": schemas,
            "responses": {"Error": {"description": "error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}}}
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn walk<'a>(value: &'a Value, found: &mut Vec<(&'a str, &'a Value)>) {
        match value {
            Value::Object(map) => map.iter().for_each(|(key, item)| {
                found.push((key.as_str(), item));
                walk(item, found);
            }),
            Value::Array(items) => items.iter().for_each(|item| walk(item, found)),
            _ => {}
        }
    }

    #[test]
    fn document_is_openapi_3_1_with_tuples_as_prefix_items_and_resolvable_refs() {
        let doc = document();
        assert_eq!(doc["openapi"], "3.1.0");
        let mut found = Vec::new();
        walk(doc, &mut found);
        // The 3.0-only tuple form (`items: [a, b]`) is what validators rejected.
        assert!(found.iter().all(|(key, value)| *key != "items" || !value.is_array()), "tuple-style items left in the document");
        assert!(found.iter().any(|(key, _)| *key == "prefixItems"), "byte spans should be prefixItems tuples");
        assert!(found.iter().all(|(key, _)| *key != "nullable"), "3.0 `nullable` left in a 3.1 document");
        for (key, value) in &found {
            if *key == "$ref" {
                let target = value.as_str().unwrap().trim_start_matches('#');
                assert!(doc.pointer(target).is_some(), "dangling $ref {value}");
            }
        }
    }

    #[test]
    fn clashing_request_definitions_are_renamed_and_followed() {
        let mut schemas = Map::new();
        schemas.insert("Options".into(), json!({"type": "object", "required": ["a"]}));
        schemas.insert("Shared".into(), json!({"type": "string"}));
        let mut request_side = Map::new();
        request_side.insert("Options".into(), json!({"type": "object"}));
        request_side.insert("Shared".into(), json!({"type": "string"}));
        request_side.insert("Wrapper".into(), json!({"properties": {"options": {"$ref": "#/components/schemas/Options"}}}));
        let mut request = json!({"$ref": "#/components/schemas/Options"});
        merge_definitions(&mut schemas, request_side, &mut request);
        assert_eq!(request["$ref"], "#/components/schemas/OptionsRequest");
        assert_eq!(schemas["OptionsRequest"], json!({"type": "object"}));
        assert_eq!(schemas["Options"], json!({"type": "object", "required": ["a"]}));
        assert_eq!(schemas["Wrapper"]["properties"]["options"]["$ref"], "#/components/schemas/OptionsRequest");
        assert!(!schemas.contains_key("SharedRequest"));
    }
}
