//! `AsyncFd`: readiness for any file descriptor (`runtime::io::unix::AsyncFd`).

use std::io;
use std::os::fd::{AsRawFd, RawFd};
use std::task::{Context, Poll};

use super::ready::{Interest, Ready};
use super::registration::Registration;
use super::scheduled_io::{Direction, ReadyEvent};

/// Associates a file descriptor (any `AsRawFd`: a socket, a pipe, a device) with the reactor,
/// so tasks can wait for it to become readable or writable. The descriptor must be in
/// non-blocking mode; reading and writing it stays the caller's business, done inside the
/// guard's [`try_io`](AsyncFdReadyGuard::try_io).
///
/// ```no_run
/// use std::io::Read;
/// use runtime::io::unix::AsyncFd;
///
/// # async fn run(pipe: std::os::unix::net::UnixStream) -> std::io::Result<()> {
/// pipe.set_nonblocking(true)?;
/// // SAFETY: `fd` owns the stream, so the descriptor stays open while it is registered.
/// let fd = unsafe { AsyncFd::register(pipe)? };
/// let mut buf = [0; 64];
/// let n = loop {
///     let mut guard = fd.readable().await?;
///     match guard.try_io(|inner| inner.get_ref().read(&mut buf)) {
///         Ok(result) => break result?,
///         Err(_would_block) => continue,
///     }
/// };
/// # let _ = n;
/// # Ok(())
/// # }
/// ```
pub struct AsyncFd<T: AsRawFd> {
    registration: Registration,
    inner: Option<T>,
}

/// Proof that the descriptor was ready for reading (or writing): returned by
/// [`AsyncFd::readable`] and friends. If the operation then returns `WouldBlock`, call
/// [`clear_ready`](Self::clear_ready) (or use [`try_io`](Self::try_io), which does) so the next
/// wait really waits.
#[must_use = "the guard says whether the readiness it saw is cleared: call `clear_ready`, `retain_ready` or `try_io`"]
pub struct AsyncFdReadyGuard<'a, T: AsRawFd> {
    fd: &'a AsyncFd<T>,
    event: Option<ReadyEvent>,
}

/// The same, with mutable access to the inner value.
#[must_use = "the guard says whether the readiness it saw is cleared: call `clear_ready`, `retain_ready` or `try_io`"]
pub struct AsyncFdReadyMutGuard<'a, T: AsRawFd> {
    fd: &'a mut AsyncFd<T>,
    event: Option<ReadyEvent>,
}

/// The error of [`AsyncFd::register`] and [`AsyncFd::register_with_interest`]: the
/// registration failed; the value is handed back with the cause.
pub struct AsyncFdRegisterError<T> {
    inner: T,
    cause: io::Error,
}

/// The old name of [`AsyncFdRegisterError`].
#[doc(hidden)]
#[deprecated(note = "use `AsyncFdRegisterError` instead")]
pub type AsyncFdTryNewError<T> = AsyncFdRegisterError<T>;

impl<T> AsyncFdRegisterError<T> {
    /// The value and the error.
    pub fn into_parts(self) -> (T, io::Error) {
        (self.inner, self.cause)
    }
}

impl<T> std::fmt::Display for AsyncFdRegisterError<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.cause.fmt(f)
    }
}

impl<T> std::fmt::Debug for AsyncFdRegisterError<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&self.cause, f)
    }
}

impl<T> std::error::Error for AsyncFdRegisterError<T> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.cause)
    }
}

impl<T> From<AsyncFdRegisterError<T>> for io::Error {
    fn from(e: AsyncFdRegisterError<T>) -> io::Error {
        e.cause
    }
}

/// The error of a guard's `try_io` that found the descriptor not ready after all.
#[derive(Debug)]
pub struct TryIoError(());

impl<T: AsRawFd> AsyncFd<T> {
    /// Registers `inner` for reading and writing with the current reactor.
    ///
    /// # Safety
    ///
    /// The descriptor `inner.as_raw_fd()` returns must be open, and stay open and refer to the
    /// same open file description until the `AsyncFd` is dropped, forgotten or unwrapped with
    /// [`into_inner`](Self::into_inner); every call to `as_raw_fd` on it must return that
    /// same descriptor meanwhile. (Otherwise the reactor could report, or deregister, a
    /// descriptor that by then belongs to something else.)
    ///
    /// # Errors
    ///
    /// If the reactor refuses the descriptor (`inner` comes back in the error).
    ///
    /// # Panics
    ///
    /// Outside a runtime, or on one built without `enable_io()`.
    #[track_caller]
    pub unsafe fn register(inner: T) -> Result<AsyncFd<T>, AsyncFdRegisterError<T>> {
        // SAFETY: the caller upholds `register_with_interest`'s contract (the same as ours).
        unsafe { AsyncFd::register_with_interest(inner, Interest::READABLE | Interest::WRITABLE) }
    }

    /// Registers `inner` for `interest` with the current reactor.
    ///
    /// # Safety
    ///
    /// As [`register`](Self::register).
    ///
    /// # Errors
    ///
    /// If the reactor refuses the descriptor (`inner` comes back in the error).
    ///
    /// # Panics
    ///
    /// Outside a runtime, or on one built without `enable_io()`.
    #[track_caller]
    pub unsafe fn register_with_interest(
        inner: T,
        interest: Interest,
    ) -> Result<AsyncFd<T>, AsyncFdRegisterError<T>> {
        let fd = inner.as_raw_fd();
        match Registration::new_current(&mut mio::unix::SourceFd(&fd), interest) {
            Ok(registration) => Ok(AsyncFd {
                registration,
                inner: Some(inner),
            }),
            Err(cause) => Err(AsyncFdRegisterError { inner, cause }),
        }
    }

    /// Registers `inner` for reading and writing.
    ///
    /// # Panics
    ///
    /// Outside a runtime, or on one built without `enable_io()`.
    #[track_caller]
    #[deprecated(
        note = "unsound without I/O safety (the descriptor may close while registered): use the unsafe `AsyncFd::register` and uphold its contract"
    )]
    pub fn new(inner: T) -> io::Result<AsyncFd<T>> {
        // SAFETY: not upheld by the type system; hence the deprecation (as in tokio).
        unsafe { Ok(AsyncFd::register(inner)?) }
    }

    /// Registers `inner` for `interest`.
    ///
    /// # Panics
    ///
    /// Outside a runtime, or on one built without `enable_io()`.
    #[track_caller]
    #[deprecated(
        note = "unsound without I/O safety (the descriptor may close while registered): use the unsafe `AsyncFd::register_with_interest` and uphold its contract"
    )]
    pub fn with_interest(inner: T, interest: Interest) -> io::Result<AsyncFd<T>> {
        // SAFETY: not upheld by the type system; hence the deprecation (as in tokio).
        unsafe { Ok(AsyncFd::register_with_interest(inner, interest)?) }
    }

    /// Like [`new`](Self::new), handing `inner` back on failure.
    ///
    /// # Panics
    ///
    /// Outside a runtime, or on one built without `enable_io()`.
    #[track_caller]
    #[deprecated(
        note = "unsound without I/O safety (the descriptor may close while registered): use the unsafe `AsyncFd::register` and uphold its contract"
    )]
    pub fn try_new(inner: T) -> Result<AsyncFd<T>, AsyncFdRegisterError<T>> {
        // SAFETY: not upheld by the type system; hence the deprecation (as in tokio).
        unsafe { AsyncFd::register(inner) }
    }

    /// Like [`with_interest`](Self::with_interest), handing `inner` back on failure.
    ///
    /// # Panics
    ///
    /// Outside a runtime, or on one built without `enable_io()`.
    #[track_caller]
    #[deprecated(
        note = "unsound without I/O safety (the descriptor may close while registered): use the unsafe `AsyncFd::register_with_interest` and uphold its contract"
    )]
    pub fn try_with_interest(
        inner: T,
        interest: Interest,
    ) -> Result<AsyncFd<T>, AsyncFdRegisterError<T>> {
        // SAFETY: not upheld by the type system; hence the deprecation (as in tokio).
        unsafe { AsyncFd::register_with_interest(inner, interest) }
    }

    /// The inner value.
    pub fn get_ref(&self) -> &T {
        self.inner.as_ref().expect("AsyncFd without its value")
    }

    /// The inner value, mutably.
    pub fn get_mut(&mut self) -> &mut T {
        self.inner.as_mut().expect("AsyncFd without its value")
    }

    /// Deregisters and returns the inner value.
    pub fn into_inner(mut self) -> T {
        self.take_inner().expect("AsyncFd without its value")
    }

    fn take_inner(&mut self) -> Option<T> {
        let inner = self.inner.take()?;
        let fd = inner.as_raw_fd();
        let _ = self.registration.deregister(&mut mio::unix::SourceFd(&fd));
        Some(inner)
    }

    /// Polls for read readiness.
    pub fn poll_read_ready<'a>(
        &'a self,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<AsyncFdReadyGuard<'a, T>>> {
        let event = std::task::ready!(self.registration.poll_ready(cx, Direction::Read))?;
        Poll::Ready(Ok(AsyncFdReadyGuard {
            fd: self,
            event: Some(event),
        }))
    }

    /// Polls for write readiness.
    pub fn poll_write_ready<'a>(
        &'a self,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<AsyncFdReadyGuard<'a, T>>> {
        let event = std::task::ready!(self.registration.poll_ready(cx, Direction::Write))?;
        Poll::Ready(Ok(AsyncFdReadyGuard {
            fd: self,
            event: Some(event),
        }))
    }

    /// Polls for read readiness, with mutable access in the guard.
    pub fn poll_read_ready_mut<'a>(
        &'a mut self,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<AsyncFdReadyMutGuard<'a, T>>> {
        let event = std::task::ready!(self.registration.poll_ready(cx, Direction::Read))?;
        Poll::Ready(Ok(AsyncFdReadyMutGuard {
            fd: self,
            event: Some(event),
        }))
    }

    /// Polls for write readiness, with mutable access in the guard.
    pub fn poll_write_ready_mut<'a>(
        &'a mut self,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<AsyncFdReadyMutGuard<'a, T>>> {
        let event = std::task::ready!(self.registration.poll_ready(cx, Direction::Write))?;
        Poll::Ready(Ok(AsyncFdReadyMutGuard {
            fd: self,
            event: Some(event),
        }))
    }

    /// Waits for any of `interest`.
    pub async fn ready(&self, interest: Interest) -> io::Result<AsyncFdReadyGuard<'_, T>> {
        let event = self.registration.readiness(interest).await?;
        Ok(AsyncFdReadyGuard {
            fd: self,
            event: Some(event),
        })
    }

    /// Waits for any of `interest`, with mutable access in the guard.
    pub async fn ready_mut(
        &mut self,
        interest: Interest,
    ) -> io::Result<AsyncFdReadyMutGuard<'_, T>> {
        let event = self.registration.readiness(interest).await?;
        Ok(AsyncFdReadyMutGuard {
            fd: self,
            event: Some(event),
        })
    }

    /// Waits until readable.
    pub async fn readable(&self) -> io::Result<AsyncFdReadyGuard<'_, T>> {
        self.ready(Interest::READABLE).await
    }

    /// Waits until readable, with mutable access in the guard.
    pub async fn readable_mut(&mut self) -> io::Result<AsyncFdReadyMutGuard<'_, T>> {
        self.ready_mut(Interest::READABLE).await
    }

    /// Waits until writable.
    pub async fn writable(&self) -> io::Result<AsyncFdReadyGuard<'_, T>> {
        self.ready(Interest::WRITABLE).await
    }

    /// Waits until writable, with mutable access in the guard.
    pub async fn writable_mut(&mut self) -> io::Result<AsyncFdReadyMutGuard<'_, T>> {
        self.ready_mut(Interest::WRITABLE).await
    }

    /// Waits for `interest` and runs `f` until it stops returning `WouldBlock`.
    pub async fn async_io<R>(
        &self,
        interest: Interest,
        mut f: impl FnMut(&T) -> io::Result<R>,
    ) -> io::Result<R> {
        self.registration
            .async_io(interest, || f(self.get_ref()))
            .await
    }

    /// Waits for `interest` and runs `f` (with mutable access) until it stops returning
    /// `WouldBlock`.
    pub async fn async_io_mut<R>(
        &mut self,
        interest: Interest,
        mut f: impl FnMut(&mut T) -> io::Result<R>,
    ) -> io::Result<R> {
        let AsyncFd {
            registration,
            inner,
        } = self;
        registration
            .async_io(interest, || {
                f(inner.as_mut().expect("AsyncFd without its value"))
            })
            .await
    }

    /// Runs `f` if the descriptor is ready for `interest` now; `WouldBlock` otherwise. If `f`
    /// returns `WouldBlock`, the readiness is cleared, so the next wait really waits.
    pub fn try_io<R>(
        &self,
        interest: Interest,
        f: impl FnOnce(&T) -> io::Result<R>,
    ) -> io::Result<R> {
        self.registration.try_io(interest, || f(self.get_ref()))
    }

    /// [`try_io`](Self::try_io) with mutable access.
    pub fn try_io_mut<R>(
        &mut self,
        interest: Interest,
        f: impl FnOnce(&mut T) -> io::Result<R>,
    ) -> io::Result<R> {
        let AsyncFd {
            registration,
            inner,
        } = self;
        registration.try_io(interest, || {
            f(inner.as_mut().expect("AsyncFd without its value"))
        })
    }
}

impl<T: AsRawFd> AsRawFd for AsyncFd<T> {
    fn as_raw_fd(&self) -> RawFd {
        self.get_ref().as_raw_fd()
    }
}

impl<T: AsRawFd> std::os::fd::AsFd for AsyncFd<T> {
    fn as_fd(&self) -> std::os::fd::BorrowedFd<'_> {
        // SAFETY: `register`'s contract keeps the descriptor open while `self` lives, which
        // the borrow cannot outlive.
        unsafe { std::os::fd::BorrowedFd::borrow_raw(self.as_raw_fd()) }
    }
}

impl<T: AsRawFd + std::fmt::Debug> std::fmt::Debug for AsyncFd<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AsyncFd")
            .field("inner", &self.inner)
            .finish()
    }
}

impl<T: AsRawFd> Drop for AsyncFd<T> {
    fn drop(&mut self) {
        let _ = self.take_inner();
    }
}

impl<'a, T: AsRawFd> AsyncFdReadyGuard<'a, T> {
    /// Forgets the readiness this guard saw: the next wait waits for a new event.
    pub fn clear_ready(&mut self) {
        if let Some(event) = self.event.take() {
            self.fd.registration.clear_readiness(event);
        }
    }

    /// Forgets only the kinds of readiness in `ready` (for example `Ready::READABLE` after a
    /// read got `WouldBlock`, keeping `WRITABLE`); the guard then reports the rest.
    pub fn clear_ready_matching(&mut self, ready: Ready) {
        if let Some(event) = self.event.take() {
            self.event = clear_matching(&self.fd.registration, event, ready);
        }
    }

    /// Keeps the readiness (the default when the guard is dropped).
    pub fn retain_ready(&mut self) {
        self.event = None;
    }

    /// What the reactor reported.
    pub fn ready(&self) -> Ready {
        self.event.map_or(Ready::EMPTY, |e| e.ready)
    }

    /// Runs `f`; if it returns `WouldBlock`, clears the readiness and returns
    /// `Err(TryIoError)` (wait again), otherwise its result.
    pub fn try_io<R>(
        &mut self,
        f: impl FnOnce(&'a AsyncFd<T>) -> io::Result<R>,
    ) -> Result<io::Result<R>, TryIoError> {
        match f(self.fd) {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                self.clear_ready();
                Err(TryIoError(()))
            }
            res => Ok(res),
        }
    }

    /// The `AsyncFd`.
    pub fn get_ref(&self) -> &'a AsyncFd<T> {
        self.fd
    }

    /// The inner value.
    pub fn get_inner(&self) -> &'a T {
        self.fd.get_ref()
    }
}

impl<T: AsRawFd> AsyncFdReadyMutGuard<'_, T> {
    /// Forgets the readiness this guard saw.
    pub fn clear_ready(&mut self) {
        if let Some(event) = self.event.take() {
            self.fd.registration.clear_readiness(event);
        }
    }

    /// Forgets only the kinds of readiness in `ready`; the guard then reports the rest.
    pub fn clear_ready_matching(&mut self, ready: Ready) {
        if let Some(event) = self.event.take() {
            self.event = clear_matching(&self.fd.registration, event, ready);
        }
    }

    /// Keeps the readiness.
    pub fn retain_ready(&mut self) {
        self.event = None;
    }

    /// What the reactor reported.
    pub fn ready(&self) -> Ready {
        self.event.map_or(Ready::EMPTY, |e| e.ready)
    }

    /// Runs `f` with mutable access; on `WouldBlock` clears the readiness and returns
    /// `Err(TryIoError)`.
    pub fn try_io<R>(
        &mut self,
        f: impl FnOnce(&mut AsyncFd<T>) -> io::Result<R>,
    ) -> Result<io::Result<R>, TryIoError> {
        match f(self.fd) {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                self.clear_ready();
                Err(TryIoError(()))
            }
            res => Ok(res),
        }
    }

    /// The `AsyncFd`.
    pub fn get_ref(&self) -> &AsyncFd<T> {
        self.fd
    }

    /// The `AsyncFd`, mutably.
    pub fn get_mut(&mut self) -> &mut AsyncFd<T> {
        self.fd
    }

    /// The inner value.
    pub fn get_inner(&self) -> &T {
        self.fd.get_ref()
    }

    /// The inner value, mutably.
    pub fn get_inner_mut(&mut self) -> &mut T {
        self.fd.get_mut()
    }
}

/// Clears `ready ∩ event.ready` in the registration; returns what the guard still holds.
fn clear_matching(
    registration: &Registration,
    event: ReadyEvent,
    ready: Ready,
) -> Option<ReadyEvent> {
    registration.clear_readiness(ReadyEvent {
        ready: event.ready & ready,
        ..event
    });
    let left = event.ready - ready;
    (!left.is_empty()).then_some(ReadyEvent {
        ready: left,
        ..event
    })
}

impl<T: AsRawFd + std::fmt::Debug> std::fmt::Debug for AsyncFdReadyGuard<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReadyGuard")
            .field("async_fd", self.fd)
            .finish()
    }
}

impl<T: AsRawFd + std::fmt::Debug> std::fmt::Debug for AsyncFdReadyMutGuard<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MutReadyGuard")
            .field("async_fd", &self.fd)
            .finish()
    }
}
