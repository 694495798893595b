//! HTTP handlers. They parse and validate, hand text work to the blocking pool and model work to
//! the inference queue, and answer with the same report JSON as the CLI.

use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::http::header::CONTENT_TYPE;
use actix_web::{HttpRequest, HttpResponse, web};
use futures_util::StreamExt;
use serde::Deserialize;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::errors::ApiError;
use super::metrics::Metrics;
use super::queue::{InferenceQueue, SubmitError};
use crate::mentions::{Actor, ActorKind, Topic, TopicPack};
use crate::pipeline::{Article, Options, Pipeline, PreparedArticle};
use crate::report::Report;

/// What every handler shares.
pub struct AppState {
    /// The loaded pipeline (model + templates).
    pub pipeline: Arc<Pipeline>,
    /// The inference worker's queue.
    pub queue: InferenceQueue,
    /// Metrics registry.
    pub metrics: Arc<Metrics>,
    /// Requests allowed in flight at once; more are answered 429.
    pub permits: Arc<Semaphore>,
    /// Requests in the stages before the model (tagger, embedder, claims) at once; see [`run`].
    pub preparing: Arc<Semaphore>,
    /// How long a 429 is held before it is sent (see [`admit`]).
    pub overload_delay: Duration,
    /// Longest a request may wait for the model.
    pub request_timeout: Duration,
    /// Largest body accepted, bytes.
    pub payload_limit: usize,
    /// Most articles in one batch request.
    pub max_batch_articles: usize,
    /// The archive store, when serving with `--db`.
    pub store: Option<std::sync::Mutex<crate::store::Store>>,
}

/// `POST /v1/analyze` body (JSON). A `text/plain` body is the text alone.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct AnalyzeRequest {
    /// The article: `text`, and optionally `id`, `title`, `date`.
    #[serde(flatten)]
    pub article: Article,
    /// Topic pack name.
    #[serde(default)]
    pub pack: Option<String>,
    /// Topics: `"label=alias,alias"` strings or `{id?, label, aliases}` objects.
    #[serde(default)]
    pub topics: Vec<TopicInput>,
    /// Actors: `"Name=alias,alias"` strings or `{name, aliases, kind?}` objects.
    #[serde(default)]
    pub actors: Vec<ActorInput>,
    /// Switches.
    #[serde(default)]
    pub options: RequestOptions,
}

/// A topic as a spec string or an object.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(untagged)]
pub enum TopicInput {
    /// `"label=alias,alias"`.
    Spec(String),
    /// `{id?, label, aliases}`.
    Full {
        /// Id (default: a slug of the label).
        #[serde(default)]
        id: Option<String>,
        /// Label.
        label: String,
        /// Aliases (default: the label).
        #[serde(default)]
        aliases: Vec<String>,
    },
}

/// An actor as a spec string or an object.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(untagged)]
pub enum ActorInput {
    /// `"Name=alias,alias"`.
    Spec(String),
    /// `{name, aliases, kind?}`.
    Full {
        /// Canonical name.
        name: String,
        /// Other names.
        #[serde(default)]
        aliases: Vec<String>,
        /// person / country / organisation.
        #[serde(default)]
        kind: Option<String>,
    },
}

/// Per-request switches.
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
pub struct RequestOptions {
    /// Find actors through the gazetteer and names (default true).
    #[serde(default)]
    pub discover_actors: Option<bool>,
    /// Score sentiment toward actors (default true).
    #[serde(default)]
    pub sentiment: Option<bool>,
    /// Ask "supports" and "opposes" both (default true).
    #[serde(default)]
    pub both_phrasings: Option<bool>,
}

impl AnalyzeRequest {
    fn into_parts(self) -> Result<(Article, Options), ApiError> {
        let mut options = Options { pack: self.pack, ..Options::default() };
        options.discover_actors = self.options.discover_actors.unwrap_or(true);
        options.sentiment = self.options.sentiment.unwrap_or(true);
        options.both_phrasings = self.options.both_phrasings.unwrap_or(true);
        for topic in self.topics {
            options.topics.push(match topic {
                TopicInput::Spec(spec) => Topic::parse_spec(&spec)?,
                TopicInput::Full { id, label, aliases } => {
                    let mut topic = Topic::parse_spec(&label)?;
                    if let Some(id) = id {
                        topic.id = id;
                    }
                    if !aliases.is_empty() {
                        topic.aliases = aliases;
                    }
                    topic
                }
            });
        }
        for actor in self.actors {
            options.actors.push(match actor {
                ActorInput::Spec(spec) => Actor::parse_spec(&spec)?,
                ActorInput::Full { name, aliases, kind } => {
                    if name.trim().is_empty() {
                        return Err(crate::Error::InvalidInput("an actor has an empty name".into()).into());
                    }
                    Actor::caller(&name, aliases, ActorKind::from_word(kind.as_deref()))
                }
            });
        }
        if let Some(pack) = &options.pack {
            TopicPack::find(pack)?;
        }
        Ok((self.article, options))
    }
}

/// Read the body up to the payload limit.
async fn read_body(mut payload: web::Payload, limit: usize) -> Result<web::BytesMut, ApiError> {
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| ApiError::BadRequest(format!("cannot read the request body: {e}")))?;
        if body.len() + chunk.len() > limit {
            return Err(ApiError::PayloadTooLarge { limit });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

#[derive(Debug, PartialEq, Eq, Clone, Copy)]
enum BodyKind {
    Json,
    Text,
    NdJson,
}

fn body_kind(req: &HttpRequest) -> Result<BodyKind, ApiError> {
    let value = req.headers().get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let mime = value.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    match mime.as_str() {
        "application/json" => Ok(BodyKind::Json),
        "text/plain" => Ok(BodyKind::Text),
        "application/x-ndjson" | "application/jsonl" => Ok(BodyKind::NdJson),
        "" => Err(ApiError::UnsupportedMediaType("(none)".into())),
        other => Err(ApiError::UnsupportedMediaType(other.to_string())),
    }
}

fn utf8(body: &[u8]) -> Result<&str, ApiError> {
    std::str::from_utf8(body).map_err(|e| ApiError::BadRequest(format!("the body is not UTF-8 (byte {})", e.valid_up_to())))
}

fn parse_request(text: &str) -> Result<AnalyzeRequest, ApiError> {
    serde_json::from_str(text).map_err(|e| ApiError::BadRequest(format!("invalid request JSON: {e}")))
}

/// Admission, before the body is read: a permit to be in flight, or a 429. The 429 is held for
/// `overload_delay` (the `Retry-After` it carries) before it is sent, at no CPU cost, so that
/// clients which retry at once without honouring `Retry-After` come back about once a second
/// instead of thousands of times, and the model keeps the cores (goodput under overload).
async fn admit(state: &AppState) -> Result<OwnedSemaphorePermit, ApiError> {
    match state.permits.clone().try_acquire_owned() {
        Ok(permit) => Ok(permit),
        Err(_) => {
            tokio::time::sleep(state.overload_delay).await;
            Err(ApiError::Overloaded { retry_after: retry_after(state.overload_delay) })
        }
    }
}

/// `Retry-After` in whole seconds, at least 1.
fn retry_after(delay: Duration) -> u64 {
    delay.as_millis().div_ceil(1000).max(1) as u64
}

/// Prepare, queue, wait (bounded), finish: one article or several sharing one queue job.
async fn run(state: &AppState, _permit: OwnedSemaphorePermit, items: Vec<(Article, Options)>) -> Result<Vec<Result<Report, ApiError>>, ApiError> {
    let pipeline = state.pipeline.clone();
    // One request at a time in the tagger and embedder (see PREPARING_AT_ONCE).
    let preparing = state.preparing.clone().acquire_owned().await.map_err(|_| ApiError::Unavailable("the server is shutting down".into()))?;
    let prepared: Vec<Result<PreparedArticle, crate::Error>> =
        web::block(move || items.iter().map(|(a, o)| pipeline.prepare(a, o)).collect())
            .await
            .map_err(|e| ApiError::Unavailable(format!("worker pool: {e}")))?;
    drop(preparing);
    let pairs: Vec<(String, String)> =
        prepared.iter().flatten().flat_map(|p| p.pairs().into_iter().map(|(a, b)| (a.to_string(), b.to_string()))).collect();
    let started = Instant::now();
    let probabilities = if pairs.is_empty() {
        Vec::new()
    } else {
        let receiver = state.queue.submit(pairs).map_err(|e| match e {
            SubmitError::Full => ApiError::Overloaded { retry_after: retry_after(state.overload_delay) },
            SubmitError::Closed => ApiError::Unavailable("the inference worker stopped".into()),
        })?;
        // Dropping the receiver on timeout (or when actix drops this future because the client
        // went away) tells the worker to skip the job.
        tokio::time::timeout(state.request_timeout, receiver)
            .await
            .map_err(|_| ApiError::Timeout(state.request_timeout.as_secs()))?
            .map_err(|_| ApiError::Unavailable("the inference worker stopped".into()))??
    };
    let millis = started.elapsed().as_secs_f64() * 1000.0;
    let pipeline = state.pipeline.clone();
    let reports = web::block(move || {
        let mut offset = 0;
        prepared
            .into_iter()
            .map(|p| {
                let p = p?;
                let n = p.pair_count();
                let report = pipeline.finish(p, &probabilities[offset..offset + n], millis, n, 0);
                offset += n;
                Ok(report)
            })
            .collect::<Vec<Result<Report, ApiError>>>()
    })
    .await
    .map_err(|e| ApiError::Unavailable(format!("worker pool: {e}")))?;
    persist(state, &reports)?;
    Ok(reports)
}

/// Store the good reports when serving with `--db` (existing ids are left alone).
fn persist(state: &AppState, reports: &[Result<Report, ApiError>]) -> Result<(), ApiError> {
    let Some(store) = &state.store else { return Ok(()) };
    let good: Vec<&Report> = reports.iter().flatten().collect();
    if good.is_empty() {
        return Ok(());
    }
    let mut store = store.lock().map_err(|_| ApiError::Unavailable("the store lock is poisoned".into()))?;
    store.insert(&good, "service").map_err(|e| ApiError::Unavailable(format!("store: {e}")))?;
    Ok(())
}

/// `GET /v1/tables` query string.
#[derive(Debug, Deserialize)]
pub struct TablesParams {
    /// Actor name.
    pub actor: Option<String>,
    /// Topic id.
    pub topic: Option<String>,
    /// From date (ISO).
    pub from: Option<String>,
    /// To date (ISO).
    pub to: Option<String>,
    /// day, week or month (default month).
    pub by: Option<String>,
}

/// `GET /v1/tables?actor=&topic=&from=&to=&by=day|week|month`: stance over time from the store.
pub async fn tables(state: web::Data<AppState>, params: web::Query<TablesParams>) -> Result<HttpResponse, ApiError> {
    let params = params.into_inner();
    let by = params.by.as_deref().unwrap_or("month").parse()?;
    let query = crate::store::tables::TableQuery { by, actor: params.actor, topic: params.topic, from: params.from, to: params.to };
    let state = state.clone();
    let rows = web::block(move || {
        let Some(store) = &state.store else {
            return Err(ApiError::Unavailable("the service runs without a store; start it with --db".into()));
        };
        let store = store.lock().map_err(|_| ApiError::Unavailable("the store lock is poisoned".into()))?;
        Ok(crate::store::tables::query(std::slice::from_ref(&*store), &query)?)
    })
    .await
    .map_err(|e| ApiError::Unavailable(format!("worker pool: {e}")))??;
    Ok(HttpResponse::Ok().json(rows))
}

/// `POST /v1/analyze`: one article (JSON or text/plain) -> its report.
pub async fn analyze(state: web::Data<AppState>, req: HttpRequest, payload: web::Payload) -> Result<HttpResponse, ApiError> {
    let kind = body_kind(&req)?;
    if kind == BodyKind::NdJson {
        return Err(ApiError::UnsupportedMediaType("application/x-ndjson (use /v1/analyze/batch)".into()));
    }
    let permit = admit(&state).await?;
    let body = read_body(payload, state.payload_limit).await?;
    let text = utf8(&body)?;
    let (article, options) = match kind {
        BodyKind::Text => (Article::from_text(text), Options::default()),
        _ => parse_request(text)?.into_parts()?,
    };
    let mut reports = run(&state, permit, vec![(article, options)]).await?;
    let report = reports.pop().ok_or_else(|| ApiError::Unavailable("no result".into()))??;
    Ok(HttpResponse::Ok().json(report))
}

/// `POST /v1/analyze/batch`: a JSON array of requests -> a JSON array of reports or errors; or
/// NDJSON in -> NDJSON out. A bad article gets an error entry; the others still run.
pub async fn analyze_batch(state: web::Data<AppState>, req: HttpRequest, payload: web::Payload) -> Result<HttpResponse, ApiError> {
    let kind = body_kind(&req)?;
    let permit = admit(&state).await?;
    let body = read_body(payload, state.payload_limit).await?;
    let text = utf8(&body)?;
    let parsed: Vec<Result<AnalyzeRequest, ApiError>> = match kind {
        BodyKind::Json => {
            let values: Vec<serde_json::Value> =
                serde_json::from_str(text).map_err(|e| ApiError::BadRequest(format!("expected a JSON array of articles: {e}")))?;
            values.into_iter().map(|v| serde_json::from_value(v).map_err(|e| ApiError::BadRequest(format!("invalid article: {e}")))).collect()
        }
        BodyKind::NdJson => text.lines().filter(|l| !l.trim().is_empty()).map(parse_request).collect(),
        BodyKind::Text => return Err(ApiError::UnsupportedMediaType("text/plain (send a JSON array or NDJSON)".into())),
    };
    if parsed.len() > state.max_batch_articles {
        return Err(crate::Error::InvalidInput(format!("{} articles; at most {} per batch", parsed.len(), state.max_batch_articles)).into());
    }
    let mut slots: Vec<Option<ApiError>> = Vec::new();
    let mut items = Vec::new();
    for request in parsed {
        match request.and_then(AnalyzeRequest::into_parts) {
            Ok(item) => {
                items.push(item);
                slots.push(None);
            }
            Err(error) => slots.push(Some(error)),
        }
    }
    let mut reports = run(&state, permit, items).await?.into_iter();
    let entries: Vec<serde_json::Value> = slots
        .into_iter()
        .map(|slot| match slot {
            Some(error) => error.body(),
            None => match reports.next() {
                Some(Ok(report)) => serde_json::to_value(report).unwrap_or_else(|e| serde_json::json!({"error": {"code": "internal", "message": e.to_string()}})),
                Some(Err(error)) => error.body(),
                None => serde_json::json!({"error": {"code": "internal", "message": "missing result"}}),
            },
        })
        .collect();
    if kind == BodyKind::NdJson {
        let lines: String = entries.iter().map(|e| format!("{e}\n")).collect();
        return Ok(HttpResponse::Ok().content_type("application/x-ndjson").body(lines));
    }
    Ok(HttpResponse::Ok().json(entries))
}

/// `GET /v1/packs`.
pub async fn packs() -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(TopicPack::builtin()?))
}

/// `GET /v1/model`.
pub async fn model(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok().json(state.pipeline.scorer().info())
}

/// `GET /health`: the process answers.
pub async fn health() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({"status": "ok"}))
}

/// `GET /ready`: the model is loaded and warm.
pub async fn ready(state: web::Data<AppState>) -> HttpResponse {
    if state.queue.is_ready() {
        HttpResponse::Ok().json(serde_json::json!({"status": "ready"}))
    } else {
        HttpResponse::ServiceUnavailable().json(serde_json::json!({"status": "warming up"}))
    }
}

/// `GET /metrics`.
pub async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain; version=0.0.4").body(state.metrics.render())
}

/// `GET /openapi.json`.
pub async fn openapi() -> HttpResponse {
    HttpResponse::Ok().json(super::openapi::document())
}

/// `GET /`: the web page.
pub async fn page() -> HttpResponse {
    HttpResponse::Ok().content_type("text/html; charset=utf-8").body(include_str!("page.html"))
}

/// Unknown routes.
pub async fn not_found(req: HttpRequest) -> HttpResponse {
    HttpResponse::NotFound().json(serde_json::json!({"error": {"code": "not_found", "message": format!("no route for {} {}", req.method(), req.path())}}))
}
