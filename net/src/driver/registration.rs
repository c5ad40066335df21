//! `Registration`: a resource's entry in the reactor, and the polling loops built on it.

use std::future::poll_fn;
use std::io;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

use runtime_sync::coop;

use super::ready::{Interest, Ready};
use super::scheduled_io::{Direction, ReadyEvent, ScheduledIo};
use super::{shutdown_error, Handle};

/// A resource registered with a reactor. Dropping it frees the table slot; the OS-level
/// deregistration is the owner's (`PollEvented`), which has the source.
pub(crate) struct Registration {
    handle: Handle,
    shared: Arc<ScheduledIo>,
    slot: usize,
}

impl Registration {
    /// Registers `source` with the current reactor.
    #[track_caller]
    pub(crate) fn new_current(
        source: &mut impl mio::event::Source,
        interest: Interest,
    ) -> io::Result<Registration> {
        let handle = super::with_current(Handle::clone);
        Registration::new(source, interest, handle)
    }

    pub(crate) fn new(
        source: &mut impl mio::event::Source,
        interest: Interest,
        handle: Handle,
    ) -> io::Result<Registration> {
        let (shared, slot) = handle.add_source(source, interest)?;
        Ok(Registration {
            handle,
            shared,
            slot,
        })
    }

    /// The reactor this resource is registered with.
    pub(crate) fn handle(&self) -> &Handle {
        &self.handle
    }

    pub(crate) fn deregister(&self, source: &mut impl mio::event::Source) -> io::Result<()> {
        self.handle.deregister_source(source)
    }

    /// Ready for `direction` (spending one unit of the task's budget), or pending with `cx`
    /// registered.
    pub(crate) fn poll_ready(
        &self,
        cx: &mut Context<'_>,
        direction: Direction,
    ) -> Poll<io::Result<ReadyEvent>> {
        let coop = ready!(coop::poll_proceed(cx));
        let event = ready!(self.shared.poll_ready(cx, direction));
        if event.is_shutdown {
            return Poll::Ready(Err(shutdown_error()));
        }
        coop.made_progress();
        Poll::Ready(Ok(event))
    }

    /// See [`ScheduledIo::assume_ready`].
    pub(crate) fn assume_ready(&self, ready: Ready) {
        self.shared.assume_ready(ready);
    }

    pub(crate) fn clear_readiness(&self, event: ReadyEvent) {
        self.shared.clear_readiness(event);
    }

    /// Runs `f` once the resource is ready for `direction`; on `WouldBlock` clears the
    /// readiness it saw and waits again.
    pub(crate) fn poll_io<R>(
        &self,
        cx: &mut Context<'_>,
        direction: Direction,
        mut f: impl FnMut() -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        loop {
            let event = ready!(self.poll_ready(cx, direction))?;
            match f() {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => self.clear_readiness(event),
                res => return Poll::Ready(res),
            }
        }
    }

    /// Runs `f` if the resource is ready for `interest` now; `WouldBlock` otherwise (and
    /// then the readiness is cleared). Readiness cached before the reactor shut down still
    /// lets `f` run (the data it saw is still there); only waiting reports the shutdown.
    pub(crate) fn try_io<R>(
        &self,
        interest: Interest,
        f: impl FnOnce() -> io::Result<R>,
    ) -> io::Result<R> {
        let event = self.shared.ready_now(interest);
        if event.ready.is_empty() {
            return Err(io::ErrorKind::WouldBlock.into());
        }
        let res = f();
        if matches!(&res, Err(e) if e.kind() == io::ErrorKind::WouldBlock) {
            self.clear_readiness(event);
        }
        res
    }

    /// Waits until the resource is ready for `interest` (any number of tasks may wait).
    pub(crate) async fn readiness(&self, interest: Interest) -> io::Result<ReadyEvent> {
        struct Guard<'a> {
            shared: &'a ScheduledIo,
            key: Option<usize>,
        }
        impl Drop for Guard<'_> {
            fn drop(&mut self) {
                if let Some(key) = self.key.take() {
                    self.shared.remove_list_waiter(key);
                }
            }
        }
        let mut guard = Guard {
            shared: &self.shared,
            key: None,
        };
        // Not budgeted, as tokio's `ready()`/`readable()`/`writable()`: code that waits for
        // readiness and then calls `try_*` in a loop (filling a socket buffer, say) relies on
        // readiness that is already known coming back at once; the `try_*` call that follows
        // returns `WouldBlock` when there is nothing to do, which ends such a loop.
        let event = poll_fn(|cx| guard.shared.poll_list(cx, interest, &mut guard.key)).await;
        if event.is_shutdown {
            return Err(shutdown_error());
        }
        Ok(event)
    }

    /// `readiness` reduced to the `Ready` the user sees.
    pub(crate) async fn ready(&self, interest: Interest) -> io::Result<Ready> {
        Ok(self.readiness(interest).await?.ready)
    }

    /// Runs `f` (a non-blocking operation) until it stops returning `WouldBlock`, waiting for
    /// `interest` in between.
    pub(crate) async fn async_io<R>(
        &self,
        interest: Interest,
        mut f: impl FnMut() -> io::Result<R>,
    ) -> io::Result<R> {
        loop {
            let event = self.readiness(interest).await?;
            // The operation itself is budgeted: a socket that always has data still yields.
            let coop = poll_fn(coop::poll_proceed).await;
            match f() {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => self.clear_readiness(event),
                res => {
                    coop.made_progress();
                    return res;
                }
            }
        }
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        self.handle.release_slot(&self.shared, self.slot);
    }
}
