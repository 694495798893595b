//! Prometheus metrics: requests by route and status, latency, queue depth, model batch sizes
//! and inference time. Served at `GET /metrics` in the text exposition format.

use prometheus::{Encoder, Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, Opts, Registry, TextEncoder};

/// The service's metrics, in their own registry.
pub struct Metrics {
    registry: Registry,
    /// Requests by route pattern and status code.
    pub requests: IntCounterVec,
    /// Request latency by route pattern, seconds.
    pub latency: HistogramVec,
    /// Jobs waiting for the inference worker.
    pub queue_depth: IntGauge,
    /// Distinct pairs per model call.
    pub batch_pairs: Histogram,
    /// Padded tokens per model call.
    pub batch_tokens: Histogram,
    /// Seconds per model call.
    pub inference_seconds: Histogram,
    /// Jobs dropped because their client timed out or went away.
    pub cancelled_jobs: IntCounter,
}

impl Metrics {
    /// Create and register every metric.
    pub fn new() -> prometheus::Result<Metrics> {
        let registry = Registry::new();
        let requests = IntCounterVec::new(Opts::new("standpoint_http_requests_total", "HTTP requests by route and status"), &["route", "status"])?;
        let latency = HistogramVec::new(
            HistogramOpts::new("standpoint_http_request_duration_seconds", "HTTP request latency by route")
                .buckets(vec![0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0]),
            &["route"],
        )?;
        let queue_depth = IntGauge::new("standpoint_queue_depth", "jobs waiting for the inference worker")?;
        let batch_pairs = Histogram::with_opts(
            HistogramOpts::new("standpoint_batch_pairs", "distinct pairs per model call").buckets(prometheus::exponential_buckets(1.0, 2.0, 12)?),
        )?;
        let batch_tokens = Histogram::with_opts(
            HistogramOpts::new("standpoint_batch_tokens", "padded tokens per model call").buckets(prometheus::exponential_buckets(64.0, 2.0, 12)?),
        )?;
        let inference_seconds = Histogram::with_opts(
            HistogramOpts::new("standpoint_inference_seconds", "seconds per model call").buckets(prometheus::exponential_buckets(0.005, 2.0, 14)?),
        )?;
        let cancelled_jobs = IntCounter::new("standpoint_cancelled_jobs_total", "jobs dropped because the client timed out or disconnected")?;
        registry.register(Box::new(requests.clone()))?;
        registry.register(Box::new(latency.clone()))?;
        registry.register(Box::new(queue_depth.clone()))?;
        registry.register(Box::new(batch_pairs.clone()))?;
        registry.register(Box::new(batch_tokens.clone()))?;
        registry.register(Box::new(inference_seconds.clone()))?;
        registry.register(Box::new(cancelled_jobs.clone()))?;
        Ok(Metrics { registry, requests, latency, queue_depth, batch_pairs, batch_tokens, inference_seconds, cancelled_jobs })
    }

    /// The text exposition of every metric.
    pub fn render(&self) -> String {
        let mut buffer = Vec::new();
        let encoder = TextEncoder::new();
        if let Err(error) = encoder.encode(&self.registry.gather(), &mut buffer) {
            tracing::error!(%error, "cannot encode metrics");
        }
        String::from_utf8_lossy(&buffer).into_owned()
    }
}
