//! `Builder`: configures and builds a `Runtime`.

use std::fmt;
use std::io;
use std::sync::Arc;
use std::time::Duration;

use super::blocking::BlockingPool;
use super::config::{Callback, ThreadNameFn};
use super::driver::{self, Driver};
use super::scheduler::{self, current_thread::CurrentThread, multi_thread::MultiThread};
use super::{Handle, LocalOptions, LocalRuntime, Runtime};

/// Builds a [`Runtime`] with custom settings.
///
/// Start from [`Builder::new_current_thread`], chain the settings you need, then call
/// [`build`](Builder::build). The defaults are those of tokio's builder.
///
/// # Examples
///
/// ```
/// use runtime::runtime::Builder;
///
/// let rt = Builder::new_current_thread()
///     .enable_all()
///     .thread_name("my-pool")
///     .max_blocking_threads(16)
///     .build()
///     .unwrap();
/// assert_eq!(rt.block_on(async { 1 + 1 }), 2);
/// ```
pub struct Builder {
    kind: Kind,
    name: Option<String>,
    worker_threads: Option<usize>,
    lifo_stealing: bool,
    monitor_turns_driver: bool,
    /// `None`: one timer-wheel shard per worker.
    timer_shards: Option<usize>,
    start_paused: bool,
    enable_io: bool,
    enable_time: bool,
    max_io_events_per_tick: usize,
    /// `None`: as `max_io_events_per_tick`.
    max_io_events_per_busy_tick: Option<usize>,
    max_blocking_threads: usize,
    thread_name: ThreadNameFn,
    thread_stack_size: Option<usize>,
    after_start: Option<Callback>,
    before_stop: Option<Callback>,
    before_park: Option<Callback>,
    after_unpark: Option<Callback>,
    keep_alive: Option<Duration>,
    global_queue_interval: Option<u32>,
    event_interval: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    CurrentThread,
    MultiThread,
}

/// The default number of ticks between checks of the injection queue on the current-thread
/// scheduler.
const DEFAULT_GLOBAL_QUEUE_INTERVAL: u32 = 31;

/// The default number of ticks between turns of the driver while tasks are ready.
const DEFAULT_EVENT_INTERVAL: u32 = 61;

/// The default cap on blocking threads.
const DEFAULT_MAX_BLOCKING_THREADS: usize = 512;

/// How long an idle blocking thread waits for work before it exits.
const DEFAULT_KEEP_ALIVE: Duration = Duration::from_secs(10);

impl Builder {
    /// A builder for the current-thread runtime: every task runs on the thread that calls
    /// [`Runtime::block_on`], and no worker threads are started (blocking work still gets its
    /// own pool).
    pub fn new_current_thread() -> Builder {
        Builder::new(Kind::CurrentThread, DEFAULT_EVENT_INTERVAL)
    }

    /// A builder for the multi-thread runtime: a pool of worker threads (one per CPU by
    /// default, see [`worker_threads`](Self::worker_threads)) that run tasks and steal work
    /// from each other.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = runtime::runtime::Builder::new_multi_thread()
    ///     .worker_threads(2)
    ///     .enable_all()
    ///     .build()
    ///     .unwrap();
    /// let sum = rt.block_on(async {
    ///     let tasks: Vec<_> = (0..100u64).map(|i| runtime::spawn(async move { i })).collect();
    ///     let mut sum = 0;
    ///     for task in tasks {
    ///         sum += task.await.unwrap();
    ///     }
    ///     sum
    /// });
    /// assert_eq!(sum, 4950);
    /// ```
    pub fn new_multi_thread() -> Builder {
        Builder::new(Kind::MultiThread, DEFAULT_EVENT_INTERVAL)
    }

    fn new(kind: Kind, event_interval: u32) -> Builder {
        Builder {
            kind,
            name: None,
            worker_threads: None,
            lifo_stealing: true,
            monitor_turns_driver: true,
            timer_shards: None,
            start_paused: false,
            enable_io: false,
            enable_time: false,
            max_io_events_per_tick: runtime_net::driver::DEFAULT_MAX_IO_EVENTS_PER_TICK,
            max_io_events_per_busy_tick: None,
            max_blocking_threads: DEFAULT_MAX_BLOCKING_THREADS,
            thread_name: Arc::new(|| "runtime-worker".into()),
            thread_stack_size: None,
            after_start: None,
            before_stop: None,
            before_park: None,
            after_unpark: None,
            keep_alive: None,
            global_queue_interval: None,
            event_interval,
        }
    }

    /// Enables both the I/O and the time driver.
    pub fn enable_all(&mut self) -> &mut Self {
        self.enable_io().enable_time()
    }

    /// Enables the I/O driver (the reactor): sockets work on this runtime. Without it,
    /// creating one panics with a message that names this method.
    pub fn enable_io(&mut self) -> &mut Self {
        self.enable_io = true;
        self
    }

    /// How many I/O events the reactor takes per turn (default 1024). Lower values hand
    /// events out in smaller batches, between which the scheduler runs tasks.
    ///
    /// # Panics
    ///
    /// Panics if `val` is zero.
    #[track_caller]
    pub fn max_io_events_per_tick(&mut self, val: usize) -> &mut Self {
        assert!(
            val > 0,
            "max_io_events_per_tick must be non-zero: the reactor must be able to take at least \
             one event per turn"
        );
        self.max_io_events_per_tick = val;
        self
    }

    /// How many I/O events the reactor takes on a *busy* turn: one that does not wait,
    /// because tasks are ready (every `event_interval` ticks) or a timer is due. Default: the
    /// same as [`max_io_events_per_tick`](Self::max_io_events_per_tick).
    ///
    /// A smaller busy batch leaves the rest of the events in the kernel while the runtime is
    /// busy, instead of turning them all into tasks at once; an idle worker still takes up to
    /// `max_io_events_per_tick`.
    ///
    /// Events a busy turn leaves are not lost: they stay ready in the kernel and come out on
    /// a later turn. A value above `max_io_events_per_tick` has no effect beyond it.
    ///
    /// # Panics
    ///
    /// Panics if `val` is zero.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = runtime::runtime::Builder::new_current_thread()
    ///     .enable_io()
    ///     .max_io_events_per_tick(128)
    ///     .max_io_events_per_busy_tick(8)
    ///     .build()
    ///     .unwrap();
    /// ```
    #[track_caller]
    pub fn max_io_events_per_busy_tick(&mut self, val: usize) -> &mut Self {
        assert!(
            val > 0,
            "max_io_events_per_busy_tick must be non-zero: a busy turn of the reactor must be \
             able to take at least one event"
        );
        self.max_io_events_per_busy_tick = Some(val);
        self
    }

    /// Enables the time driver: [`sleep`](crate::time::sleep), [`timeout`](crate::time::timeout)
    /// and [`interval`](crate::time::interval) work on this runtime. Without it, creating a
    /// timer panics with a message that names this method.
    pub fn enable_time(&mut self) -> &mut Self {
        self.enable_time = true;
        self
    }

    /// Starts the runtime with its clock paused (feature `test-util`): time stands still
    /// except when advanced by [`time::advance`](crate::time::advance) or, when the runtime
    /// has nothing else to do, automatically to the next timer. Works on both schedulers
    /// (tokio's refuses the multi-thread one), although `time::pause()` at run time, as
    /// tokio's, only works on the current-thread one. Implies nothing unless the time driver
    /// is enabled.
    ///
    /// ```
    /// use runtime::runtime::Builder;
    /// use runtime::time::{sleep, Duration};
    ///
    /// let rt = Builder::new_multi_thread()
    ///     .worker_threads(2)
    ///     .enable_time()
    ///     .start_paused(true)
    ///     .build()
    ///     .unwrap();
    /// let real = std::time::Instant::now();
    /// rt.block_on(async { sleep(Duration::from_secs(86_400)).await });
    /// assert!(real.elapsed() < Duration::from_secs(60), "a day took no real time");
    /// ```
    #[cfg(feature = "test-util")]
    pub fn start_paused(&mut self, start_paused: bool) -> &mut Self {
        self.start_paused = start_paused;
        self
    }

    /// How many shards the timer wheel is split into (default: one per worker thread, one on
    /// the current-thread runtime). For measurement.
    #[doc(hidden)]
    #[track_caller]
    pub fn timer_shards(&mut self, val: usize) -> &mut Self {
        assert!(val > 0, "`timer_shards` must be greater than 0");
        self.timer_shards = Some(val);
        self
    }

    /// The number of worker threads of a multi-thread runtime (default: the number of CPUs,
    /// as `std::thread::available_parallelism` reports). Ignored by the current-thread
    /// runtime.
    ///
    /// # Panics
    ///
    /// Panics if `val` is zero.
    #[track_caller]
    pub fn worker_threads(&mut self, val: usize) -> &mut Self {
        assert!(val > 0, "`worker_threads` must be greater than 0");
        self.worker_threads = Some(val);
        self
    }

    /// Whether a searching worker may take the task in the LIFO slot of a worker that the
    /// monitor found stuck in one poll (default: yes). Only for measuring its cost: turning it
    /// off lets a task woken just before a long poll wait for that poll to end.
    #[doc(hidden)]
    pub fn lifo_slot_stealing(&mut self, enabled: bool) -> &mut Self {
        self.lifo_stealing = enabled;
        self
    }

    /// Whether the multi-thread runtime's monitor thread turns the driver when no worker
    /// holds it (default: yes). Only for measuring that path: turning it off lets events and
    /// timers wait behind workers that are all busy in long polls.
    #[doc(hidden)]
    pub fn monitor_turns_driver(&mut self, enabled: bool) -> &mut Self {
        self.monitor_turns_driver = enabled;
        self
    }

    /// Caps the number of threads the blocking pool may start (default 512). Calls to
    /// `spawn_blocking` beyond the cap wait in a queue.
    ///
    /// # Panics
    ///
    /// Panics if `val` is zero: a pool without threads could never run a blocking task.
    #[track_caller]
    pub fn max_blocking_threads(&mut self, val: usize) -> &mut Self {
        assert!(
            val > 0,
            "`max_blocking_threads` must be at least 1: a blocking pool without threads could \
             never run a `spawn_blocking` task"
        );
        self.max_blocking_threads = val;
        self
    }

    /// How long an idle blocking thread waits for new work before it exits (default 10 s).
    pub fn thread_keep_alive(&mut self, duration: Duration) -> &mut Self {
        self.keep_alive = Some(duration);
        self
    }

    /// The name of the threads the runtime starts (default `"runtime-worker"`).
    pub fn thread_name(&mut self, val: impl Into<String>) -> &mut Self {
        let val = val.into();
        self.thread_name = Arc::new(move || val.clone());
        self
    }

    /// The name of the runtime, which [`Handle::name`] returns (default: none). Unlike
    /// [`thread_name`](Self::thread_name) it does not name threads; it tells runtimes apart in
    /// logs and diagnostics.
    ///
    /// # Panics
    ///
    /// Panics if `val` is empty or only whitespace.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = runtime::runtime::Builder::new_current_thread()
    ///     .name("ingest")
    ///     .build()
    ///     .unwrap();
    /// assert_eq!(rt.handle().name(), Some("ingest"));
    /// ```
    #[track_caller]
    pub fn name(&mut self, val: impl Into<String>) -> &mut Self {
        let val = val.into();
        assert!(
            !val.trim().is_empty(),
            "runtime name shouldn't be empty: pass a name with at least one visible character to \
             `Builder::name`, or leave it unset"
        );
        self.name = Some(val);
        self
    }

    /// A function that names each thread the runtime starts.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    ///
    /// let rt = runtime::runtime::Builder::new_current_thread()
    ///     .thread_name_fn(|| {
    ///         static ID: AtomicUsize = AtomicUsize::new(0);
    ///         format!("my-pool-{}", ID.fetch_add(1, Ordering::Relaxed))
    ///     })
    ///     .build()
    ///     .unwrap();
    /// ```
    pub fn thread_name_fn<F>(&mut self, f: F) -> &mut Self
    where
        F: Fn() -> String + Send + Sync + 'static,
    {
        self.thread_name = Arc::new(f);
        self
    }

    /// The stack size, in bytes, of the threads the runtime starts (default: the standard
    /// library's, 2 MiB).
    pub fn thread_stack_size(&mut self, val: usize) -> &mut Self {
        self.thread_stack_size = Some(val);
        self
    }

    /// A hook run on each thread the runtime starts, before it does any work.
    pub fn on_thread_start<F>(&mut self, f: F) -> &mut Self
    where
        F: Fn() + Send + Sync + 'static,
    {
        self.after_start = Some(Arc::new(f));
        self
    }

    /// A hook run on each thread the runtime starts, just before it exits.
    pub fn on_thread_stop<F>(&mut self, f: F) -> &mut Self
    where
        F: Fn() + Send + Sync + 'static,
    {
        self.before_stop = Some(Arc::new(f));
        self
    }

    /// A hook run by a scheduler thread just before it parks for lack of work.
    ///
    /// Tasks spawned from the hook run before the thread parks.
    pub fn on_thread_park<F>(&mut self, f: F) -> &mut Self
    where
        F: Fn() + Send + Sync + 'static,
    {
        self.before_park = Some(Arc::new(f));
        self
    }

    /// A hook run by a scheduler thread just after it wakes from parking.
    pub fn on_thread_unpark<F>(&mut self, f: F) -> &mut Self
    where
        F: Fn() + Send + Sync + 'static,
    {
        self.after_unpark = Some(Arc::new(f));
        self
    }

    /// How many tasks the scheduler runs between turns of the driver while tasks are ready
    /// (default 61). Lower means fresher I/O and timer events, higher means more throughput.
    ///
    /// # Panics
    ///
    /// Panics if `val` is zero.
    #[track_caller]
    pub fn event_interval(&mut self, val: u32) -> &mut Self {
        assert!(val > 0, "`event_interval` must be greater than 0");
        self.event_interval = val;
        self
    }

    /// How many tasks the scheduler runs between checks of the injection queue (tasks
    /// spawned or woken from other threads) while its local queue has work.
    ///
    /// Default: 31 on the current-thread scheduler; on the multi-thread scheduler each
    /// worker tunes it to its poll times, so that the queue is checked about every 200 µs of
    /// polling (between 2 and 127 tasks), as tokio does. Setting it turns the tuning off.
    ///
    /// # Panics
    ///
    /// Panics if `val` is zero.
    #[track_caller]
    pub fn global_queue_interval(&mut self, val: u32) -> &mut Self {
        assert!(val > 0, "`global_queue_interval` must be greater than 0");
        self.global_queue_interval = Some(val);
        self
    }

    /// Builds the runtime.
    ///
    /// # Errors
    ///
    /// Returns the operating system's error if a driver cannot be created.
    pub fn build(&mut self) -> io::Result<Runtime> {
        match self.kind {
            Kind::CurrentThread => self.build_current_thread_runtime(false),
            Kind::MultiThread => self.build_multi_thread_runtime(),
        }
    }

    /// Builds a [`LocalRuntime`]: a current-thread runtime that stays on this thread, where
    /// [`spawn_local`](crate::task::spawn_local) works and tasks need not be `Send`.
    ///
    /// Tokio keeps this unstable; here it is stable.
    ///
    /// # Errors
    ///
    /// Returns the operating system's error if a driver cannot be created.
    ///
    /// # Panics
    ///
    /// Panics on a builder made with [`new_multi_thread`](Self::new_multi_thread): a local
    /// runtime runs everything on one thread; start from
    /// [`new_current_thread`](Self::new_current_thread).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::rc::Rc;
    /// use runtime::runtime::{Builder, LocalOptions};
    ///
    /// let rt = Builder::new_current_thread()
    ///     .enable_all()
    ///     .build_local(LocalOptions::default())
    ///     .unwrap();
    /// let value = Rc::new(3);
    /// let task = rt.spawn_local(async move { *value + 1 });
    /// assert_eq!(rt.block_on(task).unwrap(), 4);
    /// ```
    #[track_caller]
    pub fn build_local(&mut self, options: LocalOptions) -> io::Result<LocalRuntime> {
        match self.kind {
            Kind::CurrentThread => Ok(LocalRuntime::from_runtime(
                self.build_current_thread_runtime(true)?,
                options,
            )),
            Kind::MultiThread => panic!(
                "`Builder::build_local` needs a current-thread builder: a local runtime runs \
                 every task on the thread that owns it; use `Builder::new_current_thread()`"
            ),
        }
    }

    fn driver_cfg(&self, workers: usize) -> driver::Cfg {
        // Name lookups and stdio of `runtime-net` run on the current runtime's blocking pool.
        driver::Cfg {
            enable_io: self.enable_io,
            enable_time: self.enable_time,
            max_io_events: self.max_io_events_per_tick,
            max_io_busy_events: self
                .max_io_events_per_busy_tick
                .unwrap_or(self.max_io_events_per_tick),
            timer_shards: self.timer_shards.unwrap_or(workers),
            start_paused: self.start_paused,
            // As tokio's: only the current-thread runtime can be paused while it runs.
            pause_allowed: matches!(self.kind, Kind::CurrentThread),
            spawn_blocking: spawn_blocking_for_net,
        }
    }

    /// `local`: for a `LocalRuntime`.
    fn build_current_thread_runtime(&mut self, local: bool) -> io::Result<Runtime> {
        let (driver, driver_handle) = Driver::new(self.driver_cfg(1))?;
        let blocking_pool = BlockingPool::new(self.blocking_config());
        let (scheduler, handle) = CurrentThread::new(
            driver,
            driver_handle,
            blocking_pool.spawner().clone(),
            scheduler::current_thread::Config {
                global_queue_interval: self
                    .global_queue_interval
                    .unwrap_or(DEFAULT_GLOBAL_QUEUE_INTERVAL),
                event_interval: self.event_interval,
                before_park: self.before_park.clone(),
                after_unpark: self.after_unpark.clone(),
                name: self.name.clone(),
                local,
            },
        );
        let handle = Handle {
            inner: scheduler::Handle::CurrentThread(handle),
        };
        Ok(Runtime::from_parts(
            super::rt::Scheduler::CurrentThread(scheduler),
            handle,
            blocking_pool,
        ))
    }

    fn build_multi_thread_runtime(&mut self) -> io::Result<Runtime> {
        let workers = self.worker_threads.unwrap_or_else(default_worker_threads);
        let (driver, driver_handle) = Driver::new(self.driver_cfg(workers))?;
        // The workers and the monitor run on the blocking pool, on top of its own cap.
        let blocking_pool = BlockingPool::new(self.blocking_config_with_extra(workers + 1));
        let (scheduler, handle, launch) = MultiThread::new(
            workers,
            driver,
            driver_handle,
            blocking_pool.spawner().clone(),
            scheduler::multi_thread::Config {
                global_queue_interval: self.global_queue_interval,
                event_interval: self.event_interval,
                before_park: self.before_park.clone(),
                after_unpark: self.after_unpark.clone(),
                name: self.name.clone(),
                lifo_stealing: self.lifo_stealing,
                monitor_turns_driver: self.monitor_turns_driver,
            },
        );
        let handle = Handle {
            inner: scheduler::Handle::MultiThread(handle),
        };
        launch.launch(&handle.inner);
        Ok(Runtime::from_parts(
            super::rt::Scheduler::MultiThread(scheduler),
            handle,
            blocking_pool,
        ))
    }

    fn blocking_config(&self) -> super::blocking::Config {
        self.blocking_config_with_extra(0)
    }

    fn blocking_config_with_extra(&self, extra_threads: usize) -> super::blocking::Config {
        super::blocking::Config {
            thread_name: self.thread_name.clone(),
            stack_size: self.thread_stack_size,
            after_start: self.after_start.clone(),
            before_stop: self.before_stop.clone(),
            thread_cap: self.max_blocking_threads + extra_threads,
            keep_alive: self.keep_alive.unwrap_or(DEFAULT_KEEP_ALIVE),
        }
    }
}

impl fmt::Debug for Builder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Builder")
            .field("kind", &self.kind)
            .field("name", &self.name)
            .field("worker_threads", &self.worker_threads)
            .field("enable_io", &self.enable_io)
            .field("enable_time", &self.enable_time)
            .field("max_blocking_threads", &self.max_blocking_threads)
            .field("thread_stack_size", &self.thread_stack_size)
            .field("keep_alive", &self.keep_alive)
            .field("global_queue_interval", &self.global_queue_interval)
            .field("event_interval", &self.event_interval)
            .finish_non_exhaustive()
    }
}

/// `runtime-net`'s blocking hook: the current runtime's blocking pool, if there is one. Every
/// runtime's driver handle carries it (`driver::Cfg::spawn_blocking`) and enters it with the
/// reactor, so `runtime-net` reaches it only where a runtime's context is current.
fn spawn_blocking_for_net(
    work: runtime_net::blocking::Work,
    mandatory: bool,
) -> Result<(), runtime_net::blocking::Refused> {
    use runtime_net::blocking::Refused;

    // The closure below runs only if there is a current runtime; otherwise the work comes back.
    let mut work = Some(work);
    let queued = super::context::with_current(|handle| {
        let work = work
            .take()
            .expect("the blocking hook's work was taken twice");
        handle
            .blocking_spawner()
            .spawn_for_hook(handle, work, mandatory)
    });
    match queued {
        Ok(true) => Ok(()),
        Ok(false) => Err(Refused::ShutDown),
        Err(_) => Err(Refused::NoRuntime(
            work.expect("the blocking hook's work was not taken without a runtime"),
        )),
    }
}

/// One worker per CPU the process may use.
fn default_worker_threads() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}
