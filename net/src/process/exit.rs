//! A spawned child together with whatever detects its exit (a pidfd, or the `SIGCHLD`
//! reaper).

use std::io;
use std::process::{Child as StdChild, ExitStatus};
use std::task::{Context, Poll};

use super::orphan;
use super::pidfd::PidfdWatch;
use super::sigchld::SigchldWatch;
use crate::driver::Handle;

#[derive(Debug)]
enum Watch {
    Pidfd(PidfdWatch),
    Sigchld(SigchldWatch),
}

/// A child that has not been reaped yet. Dropping it without [`Exit::orphan`] leaves a zombie:
/// [`super::Child`] always hands it to the orphan queue instead.
#[derive(Debug)]
pub(super) struct Exit {
    child: StdChild,
    watch: Watch,
}

impl Exit {
    /// Starts watching `child` from `handle`'s reactor. On failure the child comes back with
    /// the error (it still has to be reaped).
    #[track_caller]
    pub(super) fn new(child: StdChild, handle: &Handle) -> Result<Exit, (io::Error, StdChild)> {
        let watch = match PidfdWatch::new(&child, handle) {
            Some(Ok(watch)) => Watch::Pidfd(watch),
            Some(Err(e)) => return Err((e, child)),
            None => match SigchldWatch::new() {
                Ok(watch) => Watch::Sigchld(watch),
                Err(e) => return Err((e, child)),
            },
        };
        Ok(Exit { child, watch })
    }

    pub(super) fn id(&self) -> u32 {
        self.child.id()
    }

    /// Sends `SIGKILL` (nothing if the child is already reaped).
    pub(super) fn kill(&mut self) -> io::Result<()> {
        self.child.kill()
    }

    /// The exit status if the child has exited (reaping it), without waiting.
    pub(super) fn try_wait(&mut self) -> io::Result<Option<ExitStatus>> {
        self.child.try_wait()
    }

    /// Ready with the exit status once the child has exited (and is reaped).
    pub(super) fn poll_exit(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<ExitStatus>> {
        match &mut self.watch {
            Watch::Pidfd(watch) => watch.poll_exit(cx, &mut self.child),
            Watch::Sigchld(watch) => watch.poll_exit(cx, &mut self.child),
        }
    }

    /// Gives the child up: the orphan queue reaps it once it exits.
    pub(super) fn orphan(self) {
        let Exit { child, watch } = self;
        // Close the pidfd (or stop listening) first: the queue has its own listener.
        drop(watch);
        orphan::push(child);
    }
}
