//! `RuntimeMetrics`: the public view of a runtime's metrics.

use std::time::Duration;

use crate::runtime::Handle;

/// A view of a runtime's metrics: how many workers it has, how many tasks are alive or
/// queued, and per worker how long it was busy and how often it slept.
///
/// Get one with [`Runtime::metrics`](crate::runtime::Runtime::metrics) or
/// [`Handle::metrics`](crate::runtime::Handle::metrics). It is a cheap clone of the
/// runtime's handle, stays valid after the runtime is dropped (the values then stay as they
/// were at shutdown), and reading it never slows the workers down: each worker's counters
/// are written only by that worker, on a cache line of their own, and only when it parks or
/// unparks.
///
/// Values are read without synchronising with the workers, so one may lag behind what a
/// worker has just done by a little.
///
/// # Examples
///
/// ```
/// use runtime::runtime::Builder;
///
/// let rt = Builder::new_multi_thread().worker_threads(2).build().unwrap();
/// let metrics = rt.metrics();
/// assert_eq!(metrics.num_workers(), 2);
/// rt.block_on(async {
///     runtime::spawn(async {}).await.unwrap();
/// });
/// drop(rt);
/// for worker in 0..metrics.num_workers() {
///     println!(
///         "worker {worker}: parked {} times, busy for {:?}",
///         metrics.worker_park_count(worker),
///         metrics.worker_total_busy_duration(worker),
///     );
/// }
/// ```
#[derive(Clone, Debug)]
pub struct RuntimeMetrics {
    handle: Handle,
}

impl RuntimeMetrics {
    pub(crate) fn new(handle: Handle) -> RuntimeMetrics {
        RuntimeMetrics { handle }
    }

    /// The number of worker threads: `worker_threads` on a multi-thread runtime (one per CPU
    /// by default), always 1 on a current-thread runtime.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = runtime::runtime::Builder::new_current_thread().build().unwrap();
    /// assert_eq!(rt.metrics().num_workers(), 1);
    /// ```
    pub fn num_workers(&self) -> usize {
        self.handle.inner.num_workers()
    }

    /// The number of tasks alive in the runtime: spawned and not yet completed or cancelled,
    /// whether queued, running or waiting. Blocking closures are not counted.
    ///
    /// On the multi-thread runtime a task that has just completed may still be counted for a
    /// moment after its `JoinHandle` returned.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = runtime::runtime::Builder::new_current_thread().build().unwrap();
    /// let metrics = rt.metrics();
    /// let task = rt.spawn(std::future::pending::<()>());
    /// assert_eq!(metrics.num_alive_tasks(), 1);
    /// task.abort();
    /// let _ = rt.block_on(task);
    /// assert_eq!(metrics.num_alive_tasks(), 0);
    /// ```
    pub fn num_alive_tasks(&self) -> usize {
        self.handle.inner.num_alive_tasks()
    }

    /// The number of tasks in the global (injection) queue: spawned or woken from outside
    /// the workers, or overflowing a worker's local queue, and not yet picked up.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = runtime::runtime::Builder::new_current_thread().build().unwrap();
    /// let handle = rt.handle().clone();
    /// // A spawn from outside the runtime's thread waits in the global queue.
    /// std::thread::spawn(move || drop(handle.spawn(async {}))).join().unwrap();
    /// assert_eq!(rt.metrics().global_queue_depth(), 1);
    /// ```
    pub fn global_queue_depth(&self) -> usize {
        self.handle.inner.global_queue_depth()
    }

    /// How long worker `worker` has been busy in total: awake and running (or looking for)
    /// tasks, rather than parked. The stretch in progress is added when the worker next
    /// parks or stops.
    ///
    /// # Panics
    ///
    /// Panics if `worker >= num_workers()`.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = runtime::runtime::Builder::new_current_thread().build().unwrap();
    /// let metrics = rt.metrics();
    /// rt.block_on(async { runtime::task::yield_now().await });
    /// assert!(metrics.worker_total_busy_duration(0) > std::time::Duration::ZERO);
    /// ```
    #[track_caller]
    pub fn worker_total_busy_duration(&self, worker: usize) -> Duration {
        self.worker(worker).busy_duration_total()
    }

    /// How many times worker `worker` has parked (gone to sleep for lack of work).
    ///
    /// # Panics
    ///
    /// Panics if `worker >= num_workers()`.
    #[track_caller]
    pub fn worker_park_count(&self, worker: usize) -> u64 {
        self.worker(worker).park_count()
    }

    /// How many times worker `worker` has parked plus how many times it has woken up: odd
    /// while it is parked, even while it is awake.
    ///
    /// # Panics
    ///
    /// Panics if `worker >= num_workers()`.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = runtime::runtime::Builder::new_multi_thread()
    ///     .worker_threads(1)
    ///     .build()
    ///     .unwrap();
    /// let metrics = rt.metrics();
    /// drop(rt);
    /// // Every worker woke up to shut down.
    /// assert_eq!(metrics.worker_park_unpark_count(0) % 2, 0);
    /// ```
    #[track_caller]
    pub fn worker_park_unpark_count(&self, worker: usize) -> u64 {
        self.worker(worker).park_unpark_count()
    }

    #[track_caller]
    fn worker(&self, worker: usize) -> &super::WorkerMetrics {
        let num_workers = self.num_workers();
        match self.handle.inner.worker_metrics(worker) {
            Some(metrics) => metrics,
            None => panic!(
                "worker index {worker} out of range: this runtime has {num_workers} worker(s), \
                 indexed from 0"
            ),
        }
    }
}
