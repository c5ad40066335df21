//! The unbounded channel: sends never wait; memory grows with the backlog and shrinks back.

use std::fmt;
use std::task::{Context, Poll};

use super::chan::{self, Semaphore};
use super::error::{SendError, TryRecvError};
use crate::loom::{AtomicUsize, Ordering};
use crate::util::block_on::block_on;

/// Counts queued messages in steps of two; bit 0 is the closed flag.
pub(super) struct Unbounded(AtomicUsize);

const CLOSED: usize = 1;
const ONE: usize = 2;

impl Unbounded {
    fn new() -> Unbounded {
        Unbounded(AtomicUsize::new(0))
    }

    /// Counts one more message, unless the receiver closed the channel.
    fn try_add(&self) -> bool {
        // Acquire (here and on CAS failure): we only branch on the flag; the count publishes
        // no data, but Acquire keeps us ordered after the receiver's close.
        let mut current = self.0.load(Ordering::Acquire);
        loop {
            if current & CLOSED != 0 {
                return false;
            }
            if current > usize::MAX - ONE {
                // More messages than memory could ever hold: a corrupted count.
                std::process::abort();
            }
            // AcqRel: the increment must be in the count's modification order before the
            // receiver's close if we succeed, which the CAS guarantees.
            match self.0.compare_exchange_weak(
                current,
                current + ONE,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => return true,
                Err(actual) => current = actual,
            }
        }
    }
}

impl Semaphore for Unbounded {
    fn is_idle(&self) -> bool {
        // Acquire: see every increment made before the close that the caller observed.
        self.0.load(Ordering::Acquire) >> 1 == 0
    }

    fn add_permits(&self, n: usize) {
        if n == 0 {
            return;
        }
        // Release: nothing to publish strictly, but keeps the count's history ordered with the
        // receiver's reads.
        let previous = self.0.fetch_sub(n * ONE, Ordering::Release);
        if previous >> 1 < n {
            // More messages received than sent: the count is corrupted.
            std::process::abort();
        }
    }

    fn close(&self) {
        // Release: pairs with the Acquire in `try_add`.
        self.0.fetch_or(CLOSED, Ordering::Release);
    }

    fn is_closed(&self) -> bool {
        // Acquire: pairs with the Release in `close`.
        self.0.load(Ordering::Acquire) & CLOSED != 0
    }
}

/// Creates an unbounded channel: [`UnboundedSender::send`] never waits, and the queue grows
/// as far as memory allows.
///
/// Memory: the queue is a list of 32-slot blocks. Once the receiver has caught up, the channel
/// keeps the block it is reading plus at most one spare block, whatever the size of the burst
/// before.
///
/// # Examples
///
/// ```
/// use runtime_sync::mpsc;
///
/// let (tx, mut rx) = mpsc::unbounded_channel();
/// tx.send("hello").unwrap();
/// drop(tx);
/// assert_eq!(rx.blocking_recv(), Some("hello"));
/// assert_eq!(rx.blocking_recv(), None);
/// ```
pub fn unbounded_channel<T>() -> (UnboundedSender<T>, UnboundedReceiver<T>) {
    let (tx, rx) = chan::channel(Unbounded::new());
    (UnboundedSender { chan: tx }, UnboundedReceiver { chan: rx })
}

/// Sends values to the [`UnboundedReceiver`]. Cloning makes another sender of the same
/// channel; the channel's end is reached once every sender is dropped.
pub struct UnboundedSender<T> {
    chan: chan::Tx<T, Unbounded>,
}

/// A sender that does not keep the channel open; [`upgrade`](Self::upgrade) it to send.
pub struct WeakUnboundedSender<T> {
    chan: chan::WeakTx<T, Unbounded>,
}

/// Receives the values sent by every [`UnboundedSender`], in the order each sender sent them.
pub struct UnboundedReceiver<T> {
    chan: chan::Rx<T, Unbounded>,
}

impl<T> UnboundedSender<T> {
    /// Sends `value` without waiting.
    ///
    /// # Errors
    ///
    /// Returns the value in a [`SendError`] if the receiver closed the channel or was
    /// dropped.
    pub fn send(&self, value: T) -> Result<(), SendError<T>> {
        if !self.chan.chan().semaphore.try_add() {
            return Err(SendError(value));
        }
        self.chan.chan().send(value);
        Ok(())
    }

    /// Completes once the receiver closed the channel or was dropped.
    ///
    /// Cancel safe. Spends one unit of the cooperative budget when it completes.
    pub async fn closed(&self) {
        self.chan.closed().await
    }

    /// Whether the receiver closed the channel or was dropped.
    pub fn is_closed(&self) -> bool {
        self.chan.chan().is_rx_closed()
    }

    /// Whether both senders belong to the same channel.
    pub fn same_channel(&self, other: &UnboundedSender<T>) -> bool {
        self.chan.same_channel(&other.chan)
    }

    /// A [`WeakUnboundedSender`] for this channel, which does not keep it open.
    #[must_use = "a WeakUnboundedSender does nothing unless upgraded"]
    pub fn downgrade(&self) -> WeakUnboundedSender<T> {
        WeakUnboundedSender {
            chan: self.chan.downgrade(),
        }
    }

    /// The number of live senders (not counting weak ones).
    pub fn strong_count(&self) -> usize {
        self.chan.strong_count()
    }

    /// The number of live [`WeakUnboundedSender`]s.
    pub fn weak_count(&self) -> usize {
        self.chan.weak_count()
    }
}

impl<T> Clone for UnboundedSender<T> {
    fn clone(&self) -> UnboundedSender<T> {
        UnboundedSender {
            chan: self.chan.clone(),
        }
    }
}

impl<T> fmt::Debug for UnboundedSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnboundedSender")
            .field("chan", &self.chan)
            .finish()
    }
}

impl<T> WeakUnboundedSender<T> {
    /// A sender, if the channel still has one (an [`UnboundedSender`] is alive); `None` once
    /// every sender was dropped.
    pub fn upgrade(&self) -> Option<UnboundedSender<T>> {
        self.chan.upgrade().map(|chan| UnboundedSender { chan })
    }

    /// The number of live senders (not counting weak ones).
    pub fn strong_count(&self) -> usize {
        self.chan.strong_count()
    }

    /// The number of live weak senders.
    pub fn weak_count(&self) -> usize {
        self.chan.weak_count()
    }
}

impl<T> Clone for WeakUnboundedSender<T> {
    fn clone(&self) -> WeakUnboundedSender<T> {
        WeakUnboundedSender {
            chan: self.chan.clone(),
        }
    }
}

impl<T> fmt::Debug for WeakUnboundedSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WeakUnboundedSender")
            .finish_non_exhaustive()
    }
}

impl<T> UnboundedReceiver<T> {
    /// Receives the next value; `None` once every sender is gone (or the receiver closed the
    /// channel) and every queued value was received.
    ///
    /// Cancel safe: dropping the future before it completes loses no value.
    pub async fn recv(&mut self) -> Option<T> {
        std::future::poll_fn(|cx| self.poll_recv(cx)).await
    }

    /// Receives up to `limit` values into `buffer` (appending), waiting for at least one;
    /// returns how many. Returns 0 only if `limit` is 0, or the channel is closed and empty.
    ///
    /// Cancel safe.
    pub async fn recv_many(&mut self, buffer: &mut Vec<T>, limit: usize) -> usize {
        std::future::poll_fn(|cx| self.poll_recv_many(cx, buffer, limit)).await
    }

    /// Takes the next value if one is queued, without waiting.
    ///
    /// # Errors
    ///
    /// [`TryRecvError::Empty`] if nothing is queued but a value may still come;
    /// [`TryRecvError::Disconnected`] if none will.
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        self.chan.try_recv()
    }

    /// Receives the next value, parking the thread while waiting.
    ///
    /// # Panics
    ///
    /// Panics if called from inside an async runtime; `.await` [`recv`](Self::recv) there.
    #[track_caller]
    pub fn blocking_recv(&mut self) -> Option<T> {
        block_on("UnboundedReceiver::blocking_recv", self.recv())
    }

    /// Like [`recv_many`](Self::recv_many), parking the thread while waiting.
    ///
    /// # Panics
    ///
    /// Panics if called from inside an async runtime; `.await` `recv_many` there.
    #[track_caller]
    pub fn blocking_recv_many(&mut self, buffer: &mut Vec<T>, limit: usize) -> usize {
        block_on(
            "UnboundedReceiver::blocking_recv_many",
            self.recv_many(buffer, limit),
        )
    }

    /// Closes the channel: further sends fail, values already sent can still be received.
    pub fn close(&mut self) {
        self.chan.close()
    }

    /// Whether the channel is closed: the receiver closed it, or every sender is gone.
    pub fn is_closed(&self) -> bool {
        self.chan.is_closed()
    }

    /// Whether no value is queued.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The number of values queued (a send in progress counts).
    pub fn len(&self) -> usize {
        self.chan.len()
    }

    /// Polls for the next value; see [`recv`](Self::recv). Spends one unit of the cooperative
    /// budget when it returns `Ready`.
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        self.chan.poll_recv(cx)
    }

    /// Polls for up to `limit` values; see [`recv_many`](Self::recv_many).
    pub fn poll_recv_many(
        &mut self,
        cx: &mut Context<'_>,
        buffer: &mut Vec<T>,
        limit: usize,
    ) -> Poll<usize> {
        self.chan.poll_recv_many(cx, buffer, limit)
    }

    /// The number of live senders (not counting weak ones).
    pub fn sender_strong_count(&self) -> usize {
        self.chan.sender_strong_count()
    }

    /// The number of live weak senders.
    pub fn sender_weak_count(&self) -> usize {
        self.chan.sender_weak_count()
    }

    /// Blocks of memory this channel holds (for tests of the memory bound).
    #[doc(hidden)]
    pub fn allocated_blocks(&self) -> usize {
        self.chan.allocated_blocks()
    }
}

impl<T> fmt::Debug for UnboundedReceiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnboundedReceiver")
            .field("chan", &self.chan)
            .finish()
    }
}
