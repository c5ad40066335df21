//! Exit detection without a pidfd: a `SIGCHLD` listener per waiting child, and a non-blocking
//! `waitpid` on that child's pid after each delivery.

use std::io;
use std::process::{Child as StdChild, ExitStatus};
use std::task::{Context, Poll};

use crate::driver::try_with_current;
use crate::signal::unix::{signal, Signal, SignalKind};

/// A `SIGCHLD` listener on some reactor, for one child.
#[derive(Debug)]
pub(super) struct SigchldWatch {
    /// `None` after its reactor went away and no other was current.
    signal: Option<Signal>,
}

impl SigchldWatch {
    /// Starts listening on the current reactor. The listener exists before the first
    /// `try_wait`, so an exit in between is either seen by that or delivered to it.
    #[track_caller]
    pub(super) fn new() -> io::Result<SigchldWatch> {
        Ok(SigchldWatch {
            signal: Some(signal(SignalKind::child())?),
        })
    }

    /// Ready with the exit status once `child` has exited (and is reaped).
    pub(super) fn poll_exit(
        &mut self,
        cx: &mut Context<'_>,
        child: &mut StdChild,
    ) -> Poll<io::Result<ExitStatus>> {
        loop {
            if let Some(status) = child.try_wait()? {
                return Poll::Ready(Ok(status));
            }
            let Some(signal) = &mut self.signal else {
                // Its reactor went away: listen on the current one (then check again).
                self.signal = Some(listen_here()?);
                continue;
            };
            match signal.poll_recv(cx) {
                // Some child exited (or several): check ours.
                Poll::Ready(Some(())) => {}
                // The reactor shut down.
                Poll::Ready(None) => self.signal = None,
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}

/// A `SIGCHLD` listener on the current reactor, or the error that says there is none.
fn listen_here() -> io::Result<Signal> {
    let usable = try_with_current(|current| current.is_some_and(|h| !h.is_shutdown()));
    if !usable {
        return Err(crate::driver::shutdown_error());
    }
    signal(SignalKind::child())
}
