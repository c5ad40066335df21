//! Exit detection through a pidfd (Linux 5.3+): readable once the child has exited.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::process::{Child as StdChild, ExitStatus};
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::task::{Context, Poll};

use crate::driver::poll_evented::PollEvented;
use crate::driver::ready::Interest;
use crate::driver::scheduled_io::Direction;
use crate::driver::{is_shutdown_error, try_with_current, Handle};

/// Set once `pidfd_open` is known not to exist here (or a test asked for the other path).
/// Relaxed: a stale `false` only costs one more failing syscall.
static UNSUPPORTED: AtomicBool = AtomicBool::new(false);

pub(super) fn disable() {
    UNSUPPORTED.store(true, Relaxed);
}

/// A pidfd as a mio source.
#[derive(Debug)]
struct Pidfd(OwnedFd);

impl mio::event::Source for Pidfd {
    fn register(
        &mut self,
        registry: &mio::Registry,
        token: mio::Token,
        interests: mio::Interest,
    ) -> io::Result<()> {
        mio::unix::SourceFd(&self.0.as_raw_fd()).register(registry, token, interests)
    }

    fn reregister(
        &mut self,
        registry: &mio::Registry,
        token: mio::Token,
        interests: mio::Interest,
    ) -> io::Result<()> {
        mio::unix::SourceFd(&self.0.as_raw_fd()).reregister(registry, token, interests)
    }

    fn deregister(&mut self, registry: &mio::Registry) -> io::Result<()> {
        mio::unix::SourceFd(&self.0.as_raw_fd()).deregister(registry)
    }
}

/// Opens a pidfd for `pid`: `None` where the kernel has no `pidfd_open` (remembered) or
/// the call fails (the caller then falls back to the `SIGCHLD` reaper, as tokio does).
#[cfg(any(target_os = "linux", target_os = "android"))]
fn open(pid: u32) -> Option<Pidfd> {
    if UNSUPPORTED.load(Relaxed) {
        return None;
    }
    // SAFETY: `pidfd_open(pid, 0)` takes two integers and returns a new descriptor (always
    // close-on-exec) or -1; it touches no memory of ours. `pid` is our child, not yet reaped,
    // so it cannot name another process.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid as libc::pid_t, 0) };
    if fd < 0 {
        if io::Error::last_os_error().raw_os_error() == Some(libc::ENOSYS) {
            UNSUPPORTED.store(true, Relaxed);
        }
        return None;
    }
    // SAFETY: the syscall returned a new descriptor that nothing else owns.
    Some(Pidfd(unsafe { OwnedFd::from_raw_fd(fd as libc::c_int) }))
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn open(_pid: u32) -> Option<Pidfd> {
    None
}

/// A child's pidfd, registered with a reactor.
#[derive(Debug)]
pub(super) struct PidfdWatch {
    /// `None` after the reactor it was registered with went away and no other was current.
    io: Option<PollEvented<Pidfd>>,
}

impl PidfdWatch {
    /// Watches `child` from `handle`'s reactor. `None` if there is no pidfd to be had.
    pub(super) fn new(child: &StdChild, handle: &Handle) -> Option<io::Result<PidfdWatch>> {
        let pidfd = open(child.id())?;
        Some(
            PollEvented::new_with_handle(pidfd, Interest::READABLE, handle.clone())
                .map(|io| PidfdWatch { io: Some(io) }),
        )
    }

    /// Ready with the exit status once `child` has exited (and is reaped).
    pub(super) fn poll_exit(
        &mut self,
        cx: &mut Context<'_>,
        child: &mut StdChild,
    ) -> Poll<io::Result<ExitStatus>> {
        self.follow_current_reactor(child);
        loop {
            let Some(io) = &self.io else {
                // Its reactor is gone and this thread has none: the exit may have happened.
                return match child.try_wait()? {
                    Some(status) => Poll::Ready(Ok(status)),
                    None => Poll::Ready(Err(crate::driver::shutdown_error())),
                };
            };
            match io.registration().poll_ready(cx, Direction::Read) {
                Poll::Ready(Ok(event)) => {
                    if let Some(status) = child.try_wait()? {
                        return Poll::Ready(Ok(status));
                    }
                    // Not exited after all (a stopped child, say): wait for the next event.
                    io.registration().clear_readiness(event);
                }
                Poll::Ready(Err(e)) if is_shutdown_error(&e) => {
                    // The spawning runtime has shut down: move to the current one, if any.
                    if let Some(status) = child.try_wait()? {
                        return Poll::Ready(Ok(status));
                    }
                    self.io = None;
                    match register_current(child)? {
                        Some(io) => self.io = Some(io),
                        None => return Poll::Ready(Err(e)),
                    }
                }
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => return Poll::Pending,
            }
        }
    }

    /// If this thread's reactor is not the one the pidfd is registered with, moves it there:
    /// the task waiting is driven by that one, which may be the only one still turning.
    fn follow_current_reactor(&mut self, child: &StdChild) {
        let elsewhere = try_with_current(|current| match (current, &self.io) {
            (Some(current), Some(io)) => !current.ptr_eq(io.registration().handle()),
            (Some(_), None) => true,
            (None, _) => false,
        });
        if elsewhere {
            // If that fails, the old registration (if any) is as good as it was.
            if let Ok(Some(io)) = register_current(child) {
                self.io = Some(io);
            }
        }
    }
}

/// Registers a fresh pidfd for `child` with the current reactor. `Ok(None)`: there is no
/// current reactor, or it is shut down too.
fn register_current(child: &StdChild) -> io::Result<Option<PollEvented<Pidfd>>> {
    let Some(handle) = try_with_current(|current| current.cloned()) else {
        return Ok(None);
    };
    if handle.is_shutdown() {
        return Ok(None);
    }
    // A new descriptor rather than moving the old one: the old registration may belong to a
    // reactor that is gone, and the pid stays ours until it is reaped.
    let Some(pidfd) = open(child.id()) else {
        return Err(io::Error::other(
            "cannot watch the child from this runtime: pidfd_open failed",
        ));
    };
    PollEvented::new_with_handle(pidfd, Interest::READABLE, handle).map(Some)
}
