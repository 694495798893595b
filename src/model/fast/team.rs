//! The threads a fast forward pass splits its kernels over: the calling thread plus one worker
//! per further core, which **spin** between parallel regions instead of parking.
//!
//! Why not rayon here: one pass of a 6-layer encoder is some 80 short parallel regions (a
//! matmul, its bias, attention, a norm, ...). A rayon worker that finds no work yields a few
//! dozen times and then parks on a futex, so at batch 1 (one 42-token pair, ~5 ms a pass) most
//! regions began by waking a parked thread: measured on 2 cores, the second thread added only
//! 11% (int8) to 25% (f32) to batch-1 throughput, against 67% to 81% at batch 32. Inference
//! runtimes (ONNX Runtime's and MLAS' pools) keep their workers spinning for a short while
//! instead; so does this team. Once nothing has come for [`SPIN`], a worker parks until the
//! next region, so an idle process costs no CPU.
//!
//! A region is claimed task by task from an atomic counter; the caller works too and returns
//! when every task is done. One region runs at a time: a second caller meanwhile (another
//! thread that calls a kernel outside a pass, as tests do) runs its tasks alone, which is
//! correct, only not parallel. A task that panics is re-raised on the caller.

use std::any::Any;
use std::cell::Cell;
use std::sync::atomic::{AtomicPtr, AtomicU64, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Condvar, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// How long an idle worker spins before it parks: longer than the gaps between one pass's
/// regions (tens of microseconds), far shorter than a person notices as load.
const SPIN: Duration = Duration::from_micros(1000);

/// One parallel loop, on the caller's stack while it runs.
struct Region<'a> {
    task: &'a (dyn Fn(usize) + Sync),
    tasks: usize,
    next: AtomicUsize,
    done: AtomicUsize,
    panic: Mutex<Option<Box<dyn Any + Send>>>,
}

impl Region<'_> {
    /// Claim and run tasks until none are left.
    fn work(&self) {
        loop {
            let index = self.next.fetch_add(1, SeqCst);
            if index >= self.tasks {
                return;
            }
            if let Err(payload) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| (self.task)(index))) {
                self.panic.lock().unwrap_or_else(|p| p.into_inner()).get_or_insert(payload);
            }
            self.done.fetch_add(1, SeqCst);
        }
    }
}

struct Shared {
    /// Bumped once per region; workers wait for it to move.
    generation: AtomicU64,
    /// The running region (type-erased lifetime), or null between regions.
    region: AtomicPtr<Region<'static>>,
    /// Workers inside a region: the caller may not return (freeing it) before they leave.
    inside: AtomicUsize,
    /// Workers parked on `wake`.
    parked: AtomicUsize,
    lock: Mutex<()>,
    wake: Condvar,
}

/// The calling thread and its spinning workers.
pub struct Team {
    shared: Arc<Shared>,
    workers: usize,
    /// Held by the thread whose region is running.
    running: Mutex<()>,
}

thread_local! {
    /// Set on the team's workers and on a caller inside its region: a kernel called from a
    /// task runs serially instead of waiting on the team it is part of.
    static IN_TEAM: Cell<bool> = const { Cell::new(false) };
}

impl Team {
    /// A team of `threads` (the caller counts as one).
    pub fn new(threads: usize) -> Team {
        let shared = Arc::new(Shared {
            generation: AtomicU64::new(0),
            region: AtomicPtr::new(std::ptr::null_mut()),
            inside: AtomicUsize::new(0),
            parked: AtomicUsize::new(0),
            lock: Mutex::new(()),
            wake: Condvar::new(),
        });
        let mut workers = 0;
        for index in 1..threads.max(1) {
            let shared = Arc::clone(&shared);
            // A worker that cannot be started leaves a smaller team, not an error.
            if std::thread::Builder::new().name(format!("standpoint-team-{index}")).spawn(move || worker(&shared)).is_ok() {
                workers += 1;
            }
        }
        Team { shared, workers, running: Mutex::new(()) }
    }

    /// Threads that run a region, the caller included.
    pub fn threads(&self) -> usize {
        self.workers + 1
    }

    /// `task(i)` for every `i` in `0..tasks`, spread over the team; returns when all are done.
    pub fn run(&self, tasks: usize, task: impl Fn(usize) + Sync) {
        let serial = || (0..tasks).for_each(&task);
        if tasks <= 1 || self.workers == 0 || IN_TEAM.get() {
            return serial();
        }
        let Ok(_running) = self.running.try_lock() else { return serial() };
        let region = Region { task: &task, tasks, next: AtomicUsize::new(0), done: AtomicUsize::new(0), panic: Mutex::new(None) };
        let shared = &self.shared;
        // SAFETY: the pointer is withdrawn below, and no worker is inside, before `region` is
        // dropped; the lifetime is erased only for that window.
        let erased = &region as *const Region<'_> as *mut Region<'static>;
        shared.region.store(erased, SeqCst);
        shared.generation.fetch_add(1, SeqCst);
        if shared.parked.load(SeqCst) > 0 {
            let _guard = shared.lock.lock().unwrap_or_else(|p| p.into_inner());
            shared.wake.notify_all();
        }
        IN_TEAM.set(true);
        region.work();
        IN_TEAM.set(false);
        wait_until(|| region.done.load(SeqCst) == tasks);
        shared.region.store(std::ptr::null_mut(), SeqCst);
        wait_until(|| shared.inside.load(SeqCst) == 0);
        if let Some(payload) = region.panic.into_inner().unwrap_or_else(|p| p.into_inner()) {
            std::panic::resume_unwind(payload);
        }
    }
}

/// Spin until `done()`; after a while also yield, so that a worker descheduled mid-task (more
/// runnable threads than cores, as in a busy service) gets the core back sooner.
fn wait_until(done: impl Fn() -> bool) {
    let mut spins = 0u32;
    while !done() {
        spins = spins.saturating_add(1);
        if spins < 4096 {
            std::hint::spin_loop();
        } else {
            std::thread::yield_now();
        }
    }
}

fn worker(shared: &Shared) {
    IN_TEAM.set(true);
    let mut seen = shared.generation.load(SeqCst);
    loop {
        let started = Instant::now();
        let mut spins = 0u32;
        while shared.generation.load(SeqCst) == seen {
            std::hint::spin_loop();
            spins = spins.wrapping_add(1);
            if spins % 64 == 0 && started.elapsed() > SPIN {
                let mut guard = shared.lock.lock().unwrap_or_else(|p| p.into_inner());
                shared.parked.fetch_add(1, SeqCst);
                // The caller bumps the generation before it reads `parked`, and notifies under
                // the lock: either this sees the new generation or the caller sees it parked.
                while shared.generation.load(SeqCst) == seen {
                    guard = shared.wake.wait(guard).unwrap_or_else(|p| p.into_inner());
                }
                shared.parked.fetch_sub(1, SeqCst);
            }
        }
        seen = shared.generation.load(SeqCst);
        // Announce before looking: a caller that withdrew its region before this increment
        // left null behind; one that withdraws after it waits for the decrement.
        shared.inside.fetch_add(1, SeqCst);
        let region = shared.region.load(SeqCst);
        if !region.is_null() {
            // SAFETY: see above; the region outlives every worker counted in `inside`.
            unsafe { &*region }.work();
        }
        shared.inside.fetch_sub(1, SeqCst);
    }
}

/// The process's team, sized like rayon's pool (all cores, or `RAYON_NUM_THREADS`, which
/// `--threads` sets).
pub fn global() -> &'static Team {
    static TEAM: OnceLock<Team> = OnceLock::new();
    TEAM.get_or_init(|| Team::new(rayon::current_num_threads()))
}

/// A raw pointer into a buffer the tasks of one region share; each task writes its own part.
pub(super) struct SharedOut<T>(pub(super) *mut T);
// SAFETY: tasks write disjoint parts of one buffer that outlives their region.
unsafe impl<T> Send for SharedOut<T> {}
unsafe impl<T> Sync for SharedOut<T> {}
impl<T> Clone for SharedOut<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for SharedOut<T> {}

/// `f(first_row, rows)` over `cols`-wide rows of `data`, in chunks of at least `min_rows`
/// rows, spread over the global team.
pub fn split_rows<T>(data: &mut [T], cols: usize, min_rows: usize, f: impl Fn(usize, &mut [T]) + Sync) {
    let cols = cols.max(1);
    let rows = data.len() / cols;
    let team = global();
    let chunks = (rows / min_rows.max(1)).clamp(1, 4 * team.threads());
    let out = SharedOut(data.as_mut_ptr());
    team.run(chunks, |chunk| {
        let out = out;
        let range = chunk * rows / chunks..(chunk + 1) * rows / chunks;
        // SAFETY: chunks cover disjoint row ranges of `data`, which outlives the region.
        let part = unsafe { std::slice::from_raw_parts_mut(out.0.add(range.start * cols), range.len() * cols) };
        f(range.start, part);
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_task_runs_once_over_many_regions() {
        let team = Team::new(3);
        for tasks in [0, 1, 2, 7, 64, 1000] {
            let counts: Vec<AtomicUsize> = (0..tasks).map(|_| AtomicUsize::new(0)).collect();
            team.run(tasks, |i| {
                counts[i].fetch_add(1, SeqCst);
            });
            assert!(counts.iter().all(|c| c.load(SeqCst) == 1), "{tasks} tasks");
        }
    }

    #[test]
    fn parked_workers_wake_for_the_next_region() {
        let team = Team::new(2);
        std::thread::sleep(SPIN * 4);
        let hits = AtomicUsize::new(0);
        team.run(16, |_| {
            hits.fetch_add(1, SeqCst);
        });
        assert_eq!(hits.load(SeqCst), 16);
    }

    #[test]
    fn callers_on_several_threads_each_get_their_answer() {
        let team = Team::new(2);
        std::thread::scope(|scope| {
            for t in 0..4usize {
                let team = &team;
                scope.spawn(move || {
                    for _ in 0..50 {
                        let sum = AtomicUsize::new(0);
                        team.run(10, |i| {
                            sum.fetch_add(i * t, SeqCst);
                        });
                        assert_eq!(sum.load(SeqCst), 45 * t);
                    }
                });
            }
        });
    }

    #[test]
    fn a_panicking_task_reaches_the_caller_and_the_team_goes_on() {
        let team = Team::new(2);
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| team.run(8, |i| assert_ne!(i, 5, "task five"))));
        assert!(result.is_err());
        let hits = AtomicUsize::new(0);
        team.run(8, |_| {
            hits.fetch_add(1, SeqCst);
        });
        assert_eq!(hits.load(SeqCst), 8);
    }

    #[test]
    fn rows_are_split_without_overlap() {
        let mut data = vec![0f32; 37 * 5];
        split_rows(&mut data, 5, 3, |first, rows| {
            for (r, row) in rows.chunks_exact_mut(5).enumerate() {
                row.fill((first + r) as f32);
            }
        });
        for (r, row) in data.chunks_exact(5).enumerate() {
            assert!(row.iter().all(|&v| v == r as f32));
        }
    }
}
