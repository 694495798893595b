//! The inference queue: model work runs on one dedicated thread, never on actix's async
//! workers. Requests put their pairs on a bounded queue; the worker takes every job waiting
//! (up to a pair budget), drops those whose client has gone (timed out or disconnected: the
//! reply receiver is closed), scores the rest in one call, so pairs from concurrent requests
//! share token-budget batches, and sends each request its slice of the results.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::time::Instant;

use tokio::sync::oneshot;

use super::metrics::Metrics;
use crate::model::Probabilities;
use crate::pipeline::Pipeline;
use crate::{Error, Result};

/// One request's pairs and where to send their probabilities.
pub struct Job {
    /// (premise, hypothesis) pairs.
    pub pairs: Vec<(String, String)>,
    /// Receives the probabilities (or the error) in pair order.
    pub reply: oneshot::Sender<Result<Vec<Probabilities>>>,
}

/// Why a job could not be queued.
#[derive(Debug, PartialEq, Eq)]
pub enum SubmitError {
    /// The queue is full.
    Full,
    /// The worker has stopped.
    Closed,
}

/// The sending side, shared by all handlers.
#[derive(Clone)]
pub struct InferenceQueue {
    sender: SyncSender<Job>,
    metrics: Arc<Metrics>,
    ready: Arc<AtomicBool>,
}

impl InferenceQueue {
    /// Start the worker thread for `pipeline` with room for `capacity` waiting jobs. The worker
    /// first scores one pair to warm up, then marks the queue ready.
    pub fn start(pipeline: Arc<Pipeline>, capacity: usize, max_pairs_per_call: usize, metrics: Arc<Metrics>) -> InferenceQueue {
        let (sender, receiver) = sync_channel::<Job>(capacity.max(1));
        let ready = Arc::new(AtomicBool::new(false));
        let worker_ready = ready.clone();
        let worker_metrics = metrics.clone();
        std::thread::Builder::new()
            .name("inference".into())
            .spawn(move || {
                let warm = pipeline.scorer().score(&[("Warm-up sentence.", "The text is positive.")]);
                if let Err(error) = warm {
                    tracing::error!(%error, "model warm-up failed; the service is not ready");
                    return;
                }
                worker_ready.store(true, Ordering::SeqCst);
                run_worker(&pipeline, &receiver, max_pairs_per_call.max(1), &worker_metrics);
            })
            .map_or_else(|error| tracing::error!(%error, "cannot start the inference thread"), |_| ());
        InferenceQueue { sender, metrics, ready }
    }

    /// Whether the model is loaded and warm.
    pub fn is_ready(&self) -> bool {
        self.ready.load(Ordering::SeqCst)
    }

    /// Queue pairs; the receiver yields their probabilities. Dropping the receiver cancels the
    /// job if it has not run yet.
    pub fn submit(&self, pairs: Vec<(String, String)>) -> std::result::Result<oneshot::Receiver<Result<Vec<Probabilities>>>, SubmitError> {
        let (reply, receiver) = oneshot::channel();
        match self.sender.try_send(Job { pairs, reply }) {
            Ok(()) => {
                self.metrics.queue_depth.inc();
                Ok(receiver)
            }
            Err(TrySendError::Full(_)) => Err(SubmitError::Full),
            Err(TrySendError::Disconnected(_)) => Err(SubmitError::Closed),
        }
    }
}

fn run_worker(pipeline: &Pipeline, receiver: &Receiver<Job>, max_pairs_per_call: usize, metrics: &Metrics) {
    while let Ok(first) = receiver.recv() {
        metrics.queue_depth.dec();
        let mut jobs = vec![first];
        let mut pairs = jobs[0].pairs.len();
        while pairs < max_pairs_per_call {
            match receiver.try_recv() {
                Ok(job) => {
                    metrics.queue_depth.dec();
                    pairs += job.pairs.len();
                    jobs.push(job);
                }
                Err(_) => break,
            }
        }
        let (live, gone): (Vec<Job>, Vec<Job>) = jobs.into_iter().partition(|job| !job.reply.is_closed());
        metrics.cancelled_jobs.inc_by(gone.len() as u64);
        if live.is_empty() {
            continue;
        }
        let all: Vec<(&str, &str)> = live.iter().flat_map(|job| job.pairs.iter().map(|(p, h)| (p.as_str(), h.as_str()))).collect();
        let started = Instant::now();
        let result = pipeline.scorer().score(&all);
        metrics.inference_seconds.observe(started.elapsed().as_secs_f64());
        match result {
            Ok((probabilities, stats)) => {
                metrics.batch_pairs.observe(stats.unique_pairs as f64);
                metrics.batch_tokens.observe(stats.padded_tokens as f64);
                let mut offset = 0;
                for job in live {
                    let n = job.pairs.len();
                    let _ = job.reply.send(Ok(probabilities[offset..offset + n].to_vec())); // a gone client is fine
                    offset += n;
                }
            }
            Err(error) => {
                tracing::error!(%error, "inference failed");
                let message = error.to_string();
                for job in live {
                    let _ = job.reply.send(Err(Error::model("inference worker", message.clone())));
                }
            }
        }
    }
}
