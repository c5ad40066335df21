//! Unix signals: `signal(SignalKind)` and the `Signal` stream.
//!
//! Each `Signal` owns a socket pair and an OS-level action (registered through
//! `signal-hook-registry`, which chains any number of actions per signal): the action, run in
//! the signal handler, only writes one byte to the pair (async-signal-safe); the `Signal`
//! waits for the other end to become readable through the reactor and drains it.
//!
//! A delivery that finds no listener at all is not lost: a per-signal flag, set by an action
//! installed once per signal, hands it to the next listener of that signal (as tokio, whose
//! driver dispatches a delivery at its next turn, gives it to a listener created before then).

use std::io::{self, Read, Write};
use std::os::unix::net::UnixStream as StdUnixStream;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::OnceLock;
use std::task::{Context, Poll};

use crate::driver::poll_evented::PollEvented;
use crate::driver::ready::Interest;
use crate::driver::scheduled_io::Direction;

/// A kind of signal, by number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SignalKind(libc::c_int);

impl SignalKind {
    /// Any signal by its raw number.
    pub const fn from_raw(signum: std::os::raw::c_int) -> SignalKind {
        SignalKind(signum)
    }

    /// The raw number.
    pub const fn as_raw_value(&self) -> std::os::raw::c_int {
        self.0
    }

    /// SIGALRM.
    pub const fn alarm() -> SignalKind {
        SignalKind(libc::SIGALRM)
    }

    /// SIGCHLD.
    pub const fn child() -> SignalKind {
        SignalKind(libc::SIGCHLD)
    }

    /// SIGHUP.
    pub const fn hangup() -> SignalKind {
        SignalKind(libc::SIGHUP)
    }

    /// SIGINT (ctrl-c).
    pub const fn interrupt() -> SignalKind {
        SignalKind(libc::SIGINT)
    }

    /// SIGIO.
    pub const fn io() -> SignalKind {
        SignalKind(libc::SIGIO)
    }

    /// SIGPIPE.
    pub const fn pipe() -> SignalKind {
        SignalKind(libc::SIGPIPE)
    }

    /// SIGQUIT.
    pub const fn quit() -> SignalKind {
        SignalKind(libc::SIGQUIT)
    }

    /// SIGTERM.
    pub const fn terminate() -> SignalKind {
        SignalKind(libc::SIGTERM)
    }

    /// SIGUSR1.
    pub const fn user_defined1() -> SignalKind {
        SignalKind(libc::SIGUSR1)
    }

    /// SIGUSR2.
    pub const fn user_defined2() -> SignalKind {
        SignalKind(libc::SIGUSR2)
    }

    /// SIGWINCH.
    pub const fn window_change() -> SignalKind {
        SignalKind(libc::SIGWINCH)
    }
}

impl From<std::os::raw::c_int> for SignalKind {
    fn from(signum: std::os::raw::c_int) -> SignalKind {
        SignalKind::from_raw(signum)
    }
}

impl From<SignalKind> for std::os::raw::c_int {
    fn from(kind: SignalKind) -> std::os::raw::c_int {
        kind.as_raw_value()
    }
}

/// A stream of notifications of one signal: returned by [`signal`].
pub struct Signal {
    receiver: PollEvented<mio::net::UnixStream>,
    id: signal_hook_registry::SigId,
    signum: libc::c_int,
    /// A delivery that arrived while nobody listened, handed to this listener.
    pending: bool,
}

/// Signals numbered below this get the "delivered while nobody listened" bookkeeping.
const TRACKED: usize = 128;

/// Per-signal state shared with the signal handler (lock-free atomics only: async-signal-safe).
struct Slot {
    /// Live `Signal`s for this number.
    listeners: AtomicUsize,
    /// A delivery arrived while `listeners` was 0.
    unclaimed: AtomicBool,
    /// The once-per-signal action that sets `unclaimed` is installed.
    installed: OnceLock<()>,
}

static SLOTS: [Slot; TRACKED] = [const {
    Slot {
        listeners: AtomicUsize::new(0),
        unclaimed: AtomicBool::new(false),
        installed: OnceLock::new(),
    }
}; TRACKED];

fn slot(signum: libc::c_int) -> Option<&'static Slot> {
    usize::try_from(signum).ok().and_then(|i| SLOTS.get(i))
}

/// Listens for `kind`.
///
/// # Errors
///
/// For a signal that cannot be handled (SIGKILL, SIGSTOP, SIGILL, SIGFPE, SIGSEGV, or a
/// number that is not a signal), an error of kind `Other`; if the socket pair cannot be
/// created, the OS's error.
///
/// # Panics
///
/// Outside a runtime, or on one built without `enable_io()`.
///
/// # Examples
///
/// ```no_run
/// use runtime::signal::unix::{signal, SignalKind};
///
/// #[runtime::main]
/// async fn main() -> std::io::Result<()> {
///     let mut hangups = signal(SignalKind::hangup())?;
///     loop {
///         hangups.recv().await;
///         println!("got SIGHUP: reloading");
///     }
/// }
/// ```
#[track_caller]
pub fn signal(kind: SignalKind) -> io::Result<Signal> {
    // Outside a runtime with I/O this panics first (at the caller), whatever the signal.
    crate::driver::with_current(|_| ());
    let signum = kind.as_raw_value();
    if signum <= 0 || signal_hook_registry::FORBIDDEN.contains(&signum) {
        return Err(io::Error::other(format!(
            "signal {signum} cannot be handled (it is forbidden or not a signal)"
        )));
    }
    let (receiver, sender) = StdUnixStream::pair()?;
    receiver.set_nonblocking(true)?;
    sender.set_nonblocking(true)?;
    let receiver = PollEvented::new_with_interest(
        mio::net::UnixStream::from_std(receiver),
        Interest::READABLE,
    )?;
    let action = move || {
        // In the signal handler: one non-blocking `write` syscall, async-signal-safe. A full
        // buffer means a notification is already pending: nothing is lost by dropping this
        // byte.
        let _ = (&sender).write(&[1]);
    };
    // SAFETY: the action only performs a `write` on a non-blocking socket (async-signal-safe:
    // no allocation, no lock, no panic path that allocates).
    let id = unsafe { signal_hook_registry::register(signum, action) }
        .map_err(|e| io::Error::other(format!("failed to register signal {signum}: {e}")))?;
    let mut pending = false;
    if let Some(slot) = slot(signum) {
        if slot.installed.get().is_none() {
            // SAFETY: the action only loads and stores lock-free atomics (async-signal-safe).
            let installed = unsafe {
                signal_hook_registry::register(signum, move || {
                    if slot.listeners.load(SeqCst) == 0 {
                        slot.unclaimed.store(true, SeqCst);
                    }
                })
            };
            if installed.is_ok() {
                let _ = slot.installed.set(());
            }
        }
        // SeqCst with the handler's two accesses: our own action is registered already, so a
        // delivery after this increment reaches our socket; one before it set `unclaimed`,
        // which we take here (or, if its store lands after our swap, the next listener does:
        // deliveries coalesce anyway).
        slot.listeners.fetch_add(1, SeqCst);
        pending = slot.unclaimed.swap(false, SeqCst);
    }
    Ok(Signal {
        receiver,
        id,
        signum,
        pending,
    })
}

impl Signal {
    /// Waits for the next notification. Never returns `None` (tokio's signature keeps the
    /// option for streams that end).
    pub async fn recv(&mut self) -> Option<()> {
        std::future::poll_fn(|cx| self.poll_recv(cx)).await
    }

    /// Polls for the next notification.
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<()>> {
        if std::mem::take(&mut self.pending) {
            return Poll::Ready(Some(()));
        }
        let mut buf = [0u8; 64];
        let res =
            std::task::ready!(self
                .receiver
                .registration()
                .poll_io(cx, Direction::Read, || {
                    // Drain everything: deliveries since the last notification coalesce.
                    let mut total = 0;
                    loop {
                        match (&*self.receiver).read(&mut buf) {
                            Ok(0) => return Ok(total),
                            Ok(n) => total += n,
                            Err(e) if e.kind() == io::ErrorKind::WouldBlock && total > 0 => {
                                return Ok(total)
                            }
                            Err(e) => return Err(e),
                        }
                    }
                }));
        match res {
            Ok(_) => Poll::Ready(Some(())),
            // The runtime is shutting down: no more notifications.
            Err(_) => Poll::Ready(None),
        }
    }
}

impl std::fmt::Debug for Signal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signal").finish_non_exhaustive()
    }
}

impl Drop for Signal {
    fn drop(&mut self) {
        signal_hook_registry::unregister(self.id);
        if let Some(slot) = slot(self.signum) {
            slot.listeners.fetch_sub(1, SeqCst);
        }
    }
}
