//! `standpoint serve`: an actix-web service over the pipeline.
//!
//! - [`routes`]: the handlers (`/v1/analyze`, `/v1/analyze/batch`, `/v1/packs`, `/v1/model`,
//!   `/health`, `/ready`, `/metrics`, `/`);
//! - [`queue`]: the bounded inference queue and its dedicated worker thread;
//! - [`errors`]: the error enum and its HTTP statuses, in one place;
//! - [`metrics`]: Prometheus metrics.

pub mod errors;
pub mod metrics;
pub mod openapi;
pub mod queue;
pub mod routes;

use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{App, HttpServer, web};
use tokio::sync::Semaphore;

use crate::pipeline::Pipeline;
use metrics::Metrics;
use queue::InferenceQueue;

/// Requests allowed in the stages before the model (tagger, embedder, claims) at once. Their
/// forward passes take turns anyway, each on every core; one at a time still overlaps a
/// request's text work with the inference thread's passes, and keeps the others from holding
/// buffers while they wait (flat-out load test: peak RSS 336 MB with every request let in, 261
/// to 288 MB with one).
const PREPARING_AT_ONCE: usize = 1;
use routes::AppState;

/// How the service runs.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    /// Address to bind.
    pub host: String,
    /// Port to bind.
    pub port: u16,
    /// Requests in flight at once (and queued jobs); more get 429.
    pub max_concurrent_requests: usize,
    /// How long a 429 is held before it is sent; it is also the `Retry-After` (whole seconds,
    /// at least 1).
    pub overload_delay: Duration,
    /// Largest request body, bytes; larger gets 413.
    pub payload_limit: usize,
    /// Longest a request may wait for the model; longer gets 503 and its work is dropped.
    pub request_timeout: Duration,
    /// Most articles per batch request.
    pub max_batch_articles: usize,
    /// Pairs the worker gathers from waiting requests into one model call.
    pub max_pairs_per_call: usize,
    /// HTTP worker threads.
    pub workers: usize,
    /// Persist every analysed article to this SQLite store (and serve `/v1/tables` from it).
    pub db: Option<std::path::PathBuf>,
}

impl Default for ServeConfig {
    fn default() -> Self {
        ServeConfig {
            host: "127.0.0.1".into(),
            port: 8080,
            max_concurrent_requests: 64,
            overload_delay: Duration::from_secs(1),
            payload_limit: 2 * 1024 * 1024,
            request_timeout: Duration::from_secs(60),
            max_batch_articles: 64,
            max_pairs_per_call: 512,
            workers: 2,
            db: None,
        }
    }
}

/// Build the shared state and start the inference worker.
pub fn state(pipeline: Pipeline, config: &ServeConfig) -> Result<web::Data<AppState>, crate::Error> {
    let store = config.db.as_deref().map(crate::store::Store::open).transpose()?.map(std::sync::Mutex::new);
    let metrics = Arc::new(Metrics::new().map_err(|e| crate::Error::InvalidInput(format!("metrics: {e}")))?);
    let pipeline = Arc::new(pipeline);
    let queue = InferenceQueue::start(pipeline.clone(), config.max_concurrent_requests, config.max_pairs_per_call, metrics.clone());
    Ok(web::Data::new(AppState {
        pipeline,
        queue,
        metrics,
        permits: Arc::new(Semaphore::new(config.max_concurrent_requests.max(1))),
        preparing: Arc::new(Semaphore::new(PREPARING_AT_ONCE)),
        overload_delay: config.overload_delay,
        request_timeout: config.request_timeout,
        payload_limit: config.payload_limit,
        max_batch_articles: config.max_batch_articles,
        store,
    }))
}

/// Register every route on an app (used by `run` and by the tests).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(routes::page))
        .route("/health", web::get().to(routes::health))
        .route("/ready", web::get().to(routes::ready))
        .route("/metrics", web::get().to(routes::metrics))
        .route("/openapi.json", web::get().to(routes::openapi))
        .route("/v1/packs", web::get().to(routes::packs))
        .route("/v1/model", web::get().to(routes::model))
        .route("/v1/analyze", web::post().to(routes::analyze))
        .route("/v1/analyze/batch", web::post().to(routes::analyze_batch))
        .route("/v1/tables", web::get().to(routes::tables))
        .default_service(web::to(routes::not_found));
}

/// Count and time every request by route pattern and status.
pub async fn record_metrics(req: ServiceRequest, next: Next<impl MessageBody>) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let metrics = req.app_data::<web::Data<AppState>>().map(|s| s.metrics.clone());
    let response = next.call(req).await?;
    if let Some(metrics) = metrics {
        let route = response.request().match_pattern().unwrap_or_else(|| "unmatched".into());
        let status = response.status().as_u16().to_string();
        metrics.requests.with_label_values(&[route.as_str(), status.as_str()]).inc();
        metrics.latency.with_label_values(&[route.as_str()]).observe(started.elapsed().as_secs_f64());
    }
    Ok(response)
}

/// Serve until SIGINT/SIGTERM; then stop accepting and drain in-flight requests.
pub async fn run(pipeline: Pipeline, config: ServeConfig) -> std::io::Result<()> {
    let state = state(pipeline, &config).map_err(std::io::Error::other)?;
    tracing::info!(host = %config.host, port = config.port, model = %state.pipeline.scorer().info().id, "serving");
    HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .wrap(actix_web::middleware::from_fn(record_metrics))
            .configure(configure)
    })
    .workers(config.workers.max(1))
    .shutdown_timeout(config.request_timeout.as_secs().max(1))
    .bind((config.host.as_str(), config.port))?
    .run()
    .await
}
