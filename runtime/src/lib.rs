//! A multi-threaded, work-stealing async runtime with tokio's programming model.
//!
//! If you know tokio you know this crate: the module paths, type names and signatures are
//! tokio's, so moving a program over is a search-and-replace of `tokio::` with `runtime::`
//! (the exceptions are listed in `docs/migrating-from-tokio.md`).
//!
//! ```
//! #[runtime::main]
//! async fn main() {
//!     let task = runtime::spawn(async { "hello from a task" });
//!     println!("{}", task.await.unwrap());
//! }
//! ```
//!
//! # What is here
//!
//! * [`runtime`]: [`Builder`](runtime::Builder), [`Runtime`](runtime::Runtime) and
//!   [`Handle`](runtime::Handle);
//! * [`task`]: [`spawn`], [`spawn_blocking`](task::spawn_blocking),
//!   [`block_in_place`](task::block_in_place),
//!   [`JoinHandle`](task::JoinHandle), [`JoinSet`](task::JoinSet), [`yield_now`](task::yield_now),
//!   the cooperative budget ([`task::coop`]);
//! * [`sync`]: async primitives — [`Mutex`](sync::Mutex), [`RwLock`](sync::RwLock),
//!   [`Semaphore`](sync::Semaphore), [`Notify`](sync::Notify), [`Barrier`](sync::Barrier),
//!   [`OnceCell`](sync::OnceCell), [`CancellationToken`](sync::CancellationToken) and the
//!   channels [`oneshot`](sync::oneshot), [`mpsc`](sync::mpsc), [`watch`](sync::watch),
//!   [`broadcast`](sync::broadcast);
//! * [`time`]: [`sleep`](time::sleep), [`timeout`](time::timeout),
//!   [`interval`](time::interval), and a clock that tests can pause and advance;
//! * [`fs`]: the file system ([`fs::read`], [`fs::File`], [`fs::read_dir`], ...), on the
//!   blocking pool;
//! * [`io`]: the async io traits and utilities ([`AsyncReadExt`](io::AsyncReadExt),
//!   [`BufReader`](io::BufReader), [`copy`](io::copy), [`duplex`](io::duplex), ...);
//! * the macros [`select!`], [`join!`], [`try_join!`], [`pin!`] and [`task_local!`];
//! * [`main`] and [`test`]: the attribute macros.
//!
//! Two schedulers: the multi-thread, work-stealing one (the default of `Runtime::new()` and
//! `#[runtime::main]`) and the current-thread one (`Builder::new_current_thread()`,
//! `#[runtime::test]`'s default).

#![warn(missing_docs)]
#![deny(unsafe_op_in_unsafe_fn)]

// The workspace's one loom facade (atomics, cells, locks): `crate::loom::..` everywhere.
use runtime_sync::foundation::loom;
mod util;

#[doc(hidden)]
pub mod macros;

pub mod compat;
pub mod runtime;
pub mod task;

/// Sockets: TCP, UDP (and Unix domain), and name resolution on the blocking pool.
///
/// Sockets need a runtime built with the I/O driver (`Builder::enable_io()` or
/// `enable_all()`; the runtimes of `#[runtime::main]` and `#[runtime::test]` have it). See the
/// `runtime-net` crate docs for the contract.
pub mod net {
    pub use runtime_net::net::*;
}

/// Asynchronous file system access: the async `std::fs` (`read`, `write`, `read_dir`,
/// [`File`](fs::File), [`OpenOptions`](fs::OpenOptions), ...), run on the runtime's blocking
/// pool.
///
/// Every call needs a runtime (with or without its drivers). See the `runtime-net` crate's
/// `fs` module docs for the contract (`File`'s write-behind buffer, batched `read_dir`,
/// errors after shutdown).
///
/// ```
/// # #[runtime::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let dir = std::env::temp_dir().join(format!("runtime-fs-doc-{}", std::process::id()));
/// runtime::fs::create_dir_all(&dir).await?;
/// runtime::fs::write(dir.join("hello.txt"), b"hello").await?;
/// assert_eq!(runtime::fs::read(dir.join("hello.txt")).await?, b"hello");
/// runtime::fs::remove_dir_all(&dir).await?;
/// # Ok(())
/// # }
/// ```
pub mod fs {
    pub use runtime_net::fs::*;
}

/// Child processes: [`Command`](process::Command) spawns, [`Child`](process::Child) waits
/// (or kills), and the child's piped stdio is async (`ChildStdin`, `ChildStdout`,
/// `ChildStderr`).
///
/// Spawning needs a runtime with the I/O driver. On Linux 5.3+ each child's exit is watched
/// through a pidfd on the reactor; elsewhere through `SIGCHLD`. A dropped `Child` is reaped in
/// the background. See the `runtime-net` crate's `process` module docs for the contract.
///
/// ```
/// # #[runtime::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let output = runtime::process::Command::new("echo").arg("hi").output().await?;
/// assert_eq!(output.stdout, b"hi\n");
/// # Ok(())
/// # }
/// ```
pub mod process {
    pub use runtime_net::process::*;
}

/// Asynchronous signal handling: [`ctrl_c`](signal::ctrl_c) and, on Unix,
/// [`unix::signal`](signal::unix::signal).
pub mod signal {
    pub use runtime_net::signal::*;
}

/// Timers: [`sleep`](time::sleep), [`timeout`](time::timeout), [`interval`](time::interval)
/// and the runtime's clock.
///
/// Timers need a runtime built with the time driver (`Builder::enable_time()` or
/// `enable_all()`; the runtimes of `#[runtime::main]` and `#[runtime::test]` have it). They
/// have millisecond granularity, never fire early, and cancel in O(1) when dropped; see the
/// `runtime-time` crate docs for the full contract. With the `test-util` feature the clock
/// can be paused and advanced (`time::pause`, `time::advance`, `Builder::start_paused`), on
/// both schedulers.
///
/// ```
/// # #[runtime::main(flavor = "current_thread")]
/// # async fn main() {
/// use runtime::time::{sleep, timeout, Duration};
///
/// sleep(Duration::from_millis(1)).await;
/// let res = timeout(Duration::from_secs(1), async { 42 }).await;
/// assert_eq!(res, Ok(42));
/// # }
/// ```
pub mod time {
    #[cfg(feature = "test-util")]
    pub use runtime_time::{advance, pause, resume};
    pub use runtime_time::{
        interval, interval_at, sleep, sleep_until, timeout, timeout_at, Duration, Instant,
        Interval, MissedTickBehavior, Sleep, Timeout,
    };

    /// Time error types.
    pub mod error {
        pub use runtime_time::error::{Elapsed, Error};
    }
}

/// Async I/O: [`AsyncRead`](io::AsyncRead), [`AsyncWrite`](io::AsyncWrite), their extension
/// traits ([`AsyncReadExt`](io::AsyncReadExt), [`AsyncWriteExt`](io::AsyncWriteExt),
/// [`AsyncBufReadExt`](io::AsyncBufReadExt), [`AsyncSeekExt`](io::AsyncSeekExt)), buffering
/// ([`BufReader`](io::BufReader), [`BufWriter`](io::BufWriter)), [`copy`](io::copy),
/// [`split`](io::split) and the in-memory [`duplex`](io::duplex) pipe.
///
/// As tokio's `tokio::io`; none of it needs the I/O driver. See the `runtime-net` crate's `io`
/// module docs for the contract (short reads and writes, errors, cancel safety, the
/// cooperative budget) and the deviations from tokio.
///
/// ```
/// # #[runtime::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// use runtime::io::{self, AsyncReadExt, AsyncWriteExt};
///
/// let (mut a, mut b) = io::duplex(64);
/// a.write_all(b"hello").await?;
/// drop(a);
/// let mut got = String::new();
/// b.read_to_string(&mut got).await?;
/// assert_eq!(got, "hello");
/// # Ok(())
/// # }
/// ```
pub mod io {
    pub use runtime_net::io::*;
}

pub use runtime_macros::{main, test};
pub use task::spawn;

/// Async synchronisation primitives: locks, notification, channels, cancellation.
///
/// They work under any executor (no runtime needed), are fair where waiting is involved,
/// cancel-safe, and spend the cooperative budget; see the `runtime-sync` crate docs for the
/// common contract.
pub mod sync {
    pub use runtime_sync::{broadcast, futures, mpsc, oneshot, watch};
    pub use runtime_sync::{
        AcquireError, AtomicWaker, Barrier, BarrierWaitResult, CancellationToken, DropGuard,
        DropGuardRef, MappedMutexGuard, Mutex, MutexGuard, Notified, Notify, OnceCell,
        OwnedMappedMutexGuard, OwnedMutexGuard, OwnedNotified, OwnedRwLockMappedWriteGuard,
        OwnedRwLockReadGuard, OwnedRwLockWriteGuard, OwnedSemaphorePermit, RwLock,
        RwLockMappedWriteGuard, RwLockReadGuard, RwLockWriteGuard, Semaphore, SemaphorePermit,
        SetError, SetOnce, SetOnceError, TryAcquireError, TryLockError, WaitForCancellationFuture,
        WaitForCancellationFutureOwned,
    };
}
