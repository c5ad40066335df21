//! The bounded channel: at most `buffer` values queued or reserved; senders wait in FIFO order
//! for capacity.

use std::fmt;
use std::task::{Context, Poll};
use std::time::Duration;

use super::chan::{self, Semaphore};
use super::error::{SendError, SendTimeoutError, TryRecvError, TrySendError};
use crate::batch_semaphore::{self, TryAcquireError};
use crate::util::block_on::block_on;
use crate::util::timeout::with_timeout;

/// The capacity of a bounded channel: a fair semaphore with `bound` permits. A permit is taken
/// by a reservation and returned when the receiver takes the value out (or the reservation is
/// dropped unused).
pub(super) struct Bounded {
    semaphore: batch_semaphore::Semaphore,
    bound: usize,
}

impl Semaphore for Bounded {
    fn is_idle(&self) -> bool {
        self.semaphore.available_permits() == self.bound
    }

    fn add_permits(&self, n: usize) {
        self.semaphore.release(n);
    }

    fn close(&self) {
        self.semaphore.close();
    }

    fn is_closed(&self) -> bool {
        self.semaphore.is_closed()
    }
}

/// Creates a bounded channel holding at most `buffer` values (queued or reserved).
///
/// Senders that find it full wait in FIFO order; the receiver frees one slot per value it
/// takes.
///
/// # Panics
///
/// Panics if `buffer` is 0 ("mpsc bounded channel requires buffer > 0"), or larger than
/// `usize::MAX >> 3`.
///
/// # Examples
///
/// ```
/// use runtime_sync::mpsc;
///
/// let (tx, mut rx) = mpsc::channel(2);
/// let producer = std::thread::spawn(move || {
///     for i in 0..5 {
///         tx.blocking_send(i).unwrap();
///     }
/// });
/// let mut got = Vec::new();
/// while let Some(i) = rx.blocking_recv() {
///     got.push(i);
/// }
/// producer.join().unwrap();
/// assert_eq!(got, [0, 1, 2, 3, 4]);
/// ```
#[track_caller]
pub fn channel<T>(buffer: usize) -> (Sender<T>, Receiver<T>) {
    assert!(buffer > 0, "mpsc bounded channel requires buffer > 0");
    let semaphore = Bounded {
        semaphore: batch_semaphore::Semaphore::new(buffer),
        bound: buffer,
    };
    let (tx, rx) = chan::channel(semaphore);
    (Sender { chan: tx }, Receiver { chan: rx })
}

/// Sends values to the [`Receiver`], waiting for capacity. Cloning makes another sender of the
/// same channel; the channel's end is reached once every sender is dropped.
pub struct Sender<T> {
    chan: chan::Tx<T, Bounded>,
}

/// A sender that does not keep the channel open; [`upgrade`](Self::upgrade) it to send.
pub struct WeakSender<T> {
    chan: chan::WeakTx<T, Bounded>,
}

/// Receives the values sent by every [`Sender`], in the order each sender sent them.
pub struct Receiver<T> {
    chan: chan::Rx<T, Bounded>,
}

/// Room for one value, reserved with [`Sender::reserve`]; [`send`](Self::send) never waits and
/// never fails. Dropping it unused gives the room back.
pub struct Permit<'a, T> {
    chan: &'a chan::Tx<T, Bounded>,
}

/// Room for several values, reserved with [`Sender::reserve_many`]: yields one [`Permit`] per
/// value. Permits not taken are given back when it is dropped.
pub struct PermitIterator<'a, T> {
    chan: &'a chan::Tx<T, Bounded>,
    n: usize,
}

/// Room for one value, owning its sender ([`Sender::reserve_owned`]): can be moved into
/// another task. Dropping it unused gives the room back.
pub struct OwnedPermit<T> {
    chan: Option<chan::Tx<T, Bounded>>,
}

/// Gives `n` unused permits back, and wakes the receiver if that was the last thing keeping a
/// closed channel from ending.
fn give_back<T>(chan: &chan::Chan<T, Bounded>, n: usize) {
    chan.semaphore.add_permits(n);
    wake_rx_if_idle(chan);
}

/// Wakes the receiver of a closed channel that has become idle: nothing queued and no capacity
/// reserved, so its `recv` can now return `None`.
fn wake_rx_if_idle<T>(chan: &chan::Chan<T, Bounded>) {
    if chan.semaphore.is_closed() && chan.semaphore.is_idle() {
        chan.wake_rx();
    }
}

/// Runs [`wake_rx_if_idle`] when dropped; see `Sender::acquire`.
struct WakeRxIfIdle<'a, T>(&'a chan::Chan<T, Bounded>);

impl<T> Drop for WakeRxIfIdle<'_, T> {
    fn drop(&mut self) {
        wake_rx_if_idle(self.0);
    }
}

impl<T> Sender<T> {
    fn semaphore(&self) -> &batch_semaphore::Semaphore {
        &self.chan.chan().semaphore.semaphore
    }

    /// Sends `value`, waiting for capacity if the channel is full.
    ///
    /// # Errors
    ///
    /// Returns the value in a [`SendError`] if the receiver closed the channel or was
    /// dropped.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future before it completes gives up its place in the queue of waiting
    /// senders (capacity it was already handed goes to the next one) and drops `value`. To
    /// keep the value, [`reserve`](Self::reserve) first and then send.
    ///
    /// # Examples
    ///
    /// ```
    /// use runtime_sync::mpsc;
    ///
    /// async fn produce(tx: mpsc::Sender<u32>) {
    ///     for i in 0..10 {
    ///         if tx.send(i).await.is_err() {
    ///             return; // the receiver is gone
    ///         }
    ///     }
    /// }
    /// ```
    pub async fn send(&self, value: T) -> Result<(), SendError<T>> {
        match self.reserve().await {
            Ok(permit) => {
                permit.send(value);
                Ok(())
            }
            Err(_) => Err(SendError(value)),
        }
    }

    /// Sends `value` if there is capacity now, without waiting.
    ///
    /// # Errors
    ///
    /// [`TrySendError::Full`] if the channel is full (or other senders wait for capacity);
    /// [`TrySendError::Closed`] if the receiver is gone. Either way the value comes back.
    pub fn try_send(&self, value: T) -> Result<(), TrySendError<T>> {
        match self.semaphore().try_acquire(1) {
            Ok(()) => {
                self.chan.chan().send(value);
                Ok(())
            }
            Err(TryAcquireError::Closed) => Err(TrySendError::Closed(value)),
            Err(TryAcquireError::NoPermits) => Err(TrySendError::Full(value)),
        }
    }

    /// Sends `value`, waiting at most `timeout` for capacity.
    ///
    /// The wait runs on the timer of the runtime this is called in (tokio's
    /// `tokio::time::timeout` semantics: a send that can go through at once succeeds even
    /// with a zero timeout).
    ///
    /// # Errors
    ///
    /// [`SendTimeoutError::Timeout`] if the channel stayed full for `timeout`;
    /// [`SendTimeoutError::Closed`] if the receiver is gone. Either way the value comes back.
    ///
    /// # Panics
    ///
    /// Panics (when first polled) if there is no runtime with the time driver on this thread:
    /// outside a runtime, or in one built without `enable_time()`.
    ///
    /// # Cancel safety
    ///
    /// As [`send`](Self::send): dropping the future gives up its place in the queue and drops
    /// `value`.
    ///
    /// # Examples
    ///
    /// ```ignore
    /// use std::time::Duration;
    /// use runtime::sync::mpsc::{self, error::SendTimeoutError};
    ///
    /// # #[runtime::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let (tx, _rx) = mpsc::channel(1);
    /// tx.send_timeout(1, Duration::from_millis(10)).await.unwrap();
    /// // Full: nobody receives.
    /// let err = tx.send_timeout(2, Duration::from_millis(10)).await.unwrap_err();
    /// assert!(matches!(err, SendTimeoutError::Timeout(2)));
    /// # }
    /// ```
    pub async fn send_timeout(
        &self,
        value: T,
        timeout: Duration,
    ) -> Result<(), SendTimeoutError<T>> {
        match with_timeout("Sender::send_timeout", timeout, self.reserve()).await {
            Some(Ok(permit)) => {
                permit.send(value);
                Ok(())
            }
            Some(Err(_)) => Err(SendTimeoutError::Closed(value)),
            None => Err(SendTimeoutError::Timeout(value)),
        }
    }

    /// Sends `value`, parking the thread while the channel is full.
    ///
    /// # Errors
    ///
    /// As [`send`](Self::send).
    ///
    /// # Panics
    ///
    /// Panics if called from inside an async runtime; `.await` [`send`](Self::send) there.
    #[track_caller]
    pub fn blocking_send(&self, value: T) -> Result<(), SendError<T>> {
        block_on("Sender::blocking_send", self.send(value))
    }

    /// Waits for capacity for `n` values, in FIFO order with the other waiting senders.
    async fn acquire(&self, n: usize) -> Result<(), SendError<()>> {
        if n > self.max_capacity() {
            return Err(SendError(()));
        }
        // A wait that fails on a closed channel, or is cancelled, gives back the capacity it
        // had been handed; that may be what a closed channel's receiver waits for (the last
        // outstanding capacity), so the guard wakes it then. Disarmed on success: a sender
        // holding capacity cannot leave the channel idle, and `send` pays nothing for it.
        let guard = WakeRxIfIdle(self.chan.chan());
        let acquired = self.semaphore().acquire(n).await;
        if acquired.is_ok() {
            std::mem::forget(guard);
        }
        acquired.map_err(|_| SendError(()))
    }

    /// Waits for room for one value and reserves it.
    ///
    /// # Errors
    ///
    /// [`SendError`] if the receiver closed the channel or was dropped.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future before it completes gives up its place in the queue; capacity it
    /// was already handed goes to the next waiting sender.
    ///
    /// # Examples
    ///
    /// ```
    /// use runtime_sync::mpsc;
    ///
    /// async fn example(tx: mpsc::Sender<String>) {
    ///     // Reserve before doing the work, so the work is not wasted on a full channel.
    ///     let permit = tx.reserve().await.expect("receiver alive");
    ///     permit.send(format!("{}", 6 * 7));
    /// }
    /// ```
    pub async fn reserve(&self) -> Result<Permit<'_, T>, SendError<()>> {
        self.acquire(1).await?;
        Ok(Permit { chan: &self.chan })
    }

    /// Waits for room for `n` values and reserves it all at once.
    ///
    /// # Errors
    ///
    /// [`SendError`] if the receiver is gone, or if `n` exceeds
    /// [`max_capacity`](Self::max_capacity) (it could never be satisfied).
    ///
    /// # Cancel safety
    ///
    /// As [`reserve`](Self::reserve).
    pub async fn reserve_many(&self, n: usize) -> Result<PermitIterator<'_, T>, SendError<()>> {
        self.acquire(n).await?;
        Ok(PermitIterator {
            chan: &self.chan,
            n,
        })
    }

    /// Like [`reserve`](Self::reserve), but the permit owns the sender, so it can outlive this
    /// borrow (be moved into another task).
    ///
    /// # Errors
    ///
    /// [`SendError`] if the receiver is gone (the sender is dropped).
    pub async fn reserve_owned(self) -> Result<OwnedPermit<T>, SendError<()>> {
        self.acquire(1).await?;
        Ok(OwnedPermit {
            chan: Some(self.chan),
        })
    }

    /// Reserves room for one value if there is some now.
    ///
    /// # Errors
    ///
    /// [`TrySendError::Full`] if there is no room now; [`TrySendError::Closed`] if the
    /// receiver is gone.
    pub fn try_reserve(&self) -> Result<Permit<'_, T>, TrySendError<()>> {
        self.try_acquire(1)?;
        Ok(Permit { chan: &self.chan })
    }

    /// Reserves room for `n` values if there is that much now.
    ///
    /// # Errors
    ///
    /// [`TrySendError::Closed`] if the receiver is gone (even for `n == 0`);
    /// [`TrySendError::Full`] if there is not enough room now or `n` exceeds
    /// [`max_capacity`](Self::max_capacity).
    pub fn try_reserve_many(&self, n: usize) -> Result<PermitIterator<'_, T>, TrySendError<()>> {
        if self.semaphore().is_closed() {
            return Err(TrySendError::Closed(()));
        }
        if n > self.max_capacity() {
            return Err(TrySendError::Full(()));
        }
        self.try_acquire(n)?;
        Ok(PermitIterator {
            chan: &self.chan,
            n,
        })
    }

    /// Like [`try_reserve`](Self::try_reserve), but the permit owns the sender.
    ///
    /// # Errors
    ///
    /// As `try_reserve`, with the sender handed back in the error.
    pub fn try_reserve_owned(self) -> Result<OwnedPermit<T>, TrySendError<Sender<T>>> {
        match self.try_acquire(1) {
            Ok(()) => Ok(OwnedPermit {
                chan: Some(self.chan),
            }),
            Err(TrySendError::Full(())) => Err(TrySendError::Full(self)),
            Err(TrySendError::Closed(())) => Err(TrySendError::Closed(self)),
        }
    }

    fn try_acquire(&self, n: usize) -> Result<(), TrySendError<()>> {
        self.semaphore().try_acquire(n).map_err(|err| match err {
            TryAcquireError::Closed => TrySendError::Closed(()),
            TryAcquireError::NoPermits => TrySendError::Full(()),
        })
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

    /// Room left right now: [`max_capacity`](Self::max_capacity) minus queued values and
    /// outstanding reservations.
    pub fn capacity(&self) -> usize {
        self.semaphore().available_permits()
    }

    /// The `buffer` the channel was created with.
    pub fn max_capacity(&self) -> usize {
        self.chan.chan().semaphore.bound
    }

    /// Whether both senders belong to the same channel.
    pub fn same_channel(&self, other: &Sender<T>) -> bool {
        self.chan.same_channel(&other.chan)
    }

    /// A [`WeakSender`] for this channel, which does not keep it open.
    #[must_use = "a WeakSender does nothing unless upgraded"]
    pub fn downgrade(&self) -> WeakSender<T> {
        WeakSender {
            chan: self.chan.downgrade(),
        }
    }

    /// The number of live senders (not counting weak ones).
    pub fn strong_count(&self) -> usize {
        self.chan.strong_count()
    }

    /// The number of live [`WeakSender`]s.
    pub fn weak_count(&self) -> usize {
        self.chan.weak_count()
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Sender<T> {
        Sender {
            chan: self.chan.clone(),
        }
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender").field("chan", &self.chan).finish()
    }
}

impl<T> WeakSender<T> {
    /// A sender, if the channel still has one (a [`Sender`] is alive); `None` once every
    /// sender was dropped.
    pub fn upgrade(&self) -> Option<Sender<T>> {
        self.chan.upgrade().map(|chan| Sender { chan })
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

impl<T> Clone for WeakSender<T> {
    fn clone(&self) -> WeakSender<T> {
        WeakSender {
            chan: self.chan.clone(),
        }
    }
}

impl<T> fmt::Debug for WeakSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WeakSender").finish_non_exhaustive()
    }
}

impl<T> Permit<'_, T> {
    /// Sends `value` into the reserved room. Never waits, never fails: if the receiver is gone
    /// the value is dropped with the channel.
    pub fn send(self, value: T) {
        let chan = self.chan;
        // The permit now belongs to the queued value; the receiver returns it. Forgotten
        // before the send, whose wake-up may panic (a user waker) after the value is queued.
        std::mem::forget(self);
        chan.chan().send(value);
    }
}

impl<T> Drop for Permit<'_, T> {
    fn drop(&mut self) {
        give_back(self.chan.chan(), 1);
    }
}

impl<T> fmt::Debug for Permit<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Permit").finish_non_exhaustive()
    }
}

impl<'a, T> Iterator for PermitIterator<'a, T> {
    type Item = Permit<'a, T>;

    fn next(&mut self) -> Option<Permit<'a, T>> {
        if self.n == 0 {
            return None;
        }
        self.n -= 1;
        Some(Permit { chan: self.chan })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.n, Some(self.n))
    }
}

impl<T> ExactSizeIterator for PermitIterator<'_, T> {}

impl<T> std::iter::FusedIterator for PermitIterator<'_, T> {}

impl<T> Drop for PermitIterator<'_, T> {
    fn drop(&mut self) {
        if self.n > 0 {
            give_back(self.chan.chan(), self.n);
        }
    }
}

impl<T> fmt::Debug for PermitIterator<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PermitIterator")
            .field("remaining", &self.n)
            .finish_non_exhaustive()
    }
}

impl<T> OwnedPermit<T> {
    /// Sends `value` into the reserved room and returns the sender. Never waits, never fails.
    pub fn send(mut self, value: T) -> Sender<T> {
        let chan = self.chan.take().expect("an OwnedPermit holds its sender");
        chan.chan().send(value);
        Sender { chan }
    }

    /// Whether both permits belong to the same channel. A permit that was consumed (by
    /// [`send`](Self::send) or [`release`](Self::release)) belongs to none.
    pub fn same_channel(&self, other: &Self) -> bool {
        match (&self.chan, &other.chan) {
            (Some(a), Some(b)) => a.same_channel(b),
            _ => false,
        }
    }

    /// Whether this permit belongs to `sender`'s channel.
    pub fn same_channel_as_sender(&self, sender: &Sender<T>) -> bool {
        self.chan
            .as_ref()
            .is_some_and(|chan| chan.same_channel(&sender.chan))
    }

    /// Gives the reserved room back without sending, and returns the sender.
    pub fn release(mut self) -> Sender<T> {
        let chan = self.chan.take().expect("an OwnedPermit holds its sender");
        give_back(chan.chan(), 1);
        Sender { chan }
    }
}

impl<T> Drop for OwnedPermit<T> {
    fn drop(&mut self) {
        if let Some(chan) = self.chan.take() {
            give_back(chan.chan(), 1);
        }
    }
}

impl<T> fmt::Debug for OwnedPermit<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnedPermit").finish_non_exhaustive()
    }
}

impl<T> Receiver<T> {
    /// Receives the next value; `None` once every sender is gone (or the receiver closed the
    /// channel and no reservation is outstanding) and every queued value was received.
    ///
    /// Cancel safe: dropping the future before it completes loses no value.
    ///
    /// # Examples
    ///
    /// ```
    /// use runtime_sync::mpsc;
    ///
    /// async fn consume(mut rx: mpsc::Receiver<u32>) -> u32 {
    ///     let mut sum = 0;
    ///     while let Some(v) = rx.recv().await {
    ///         sum += v;
    ///     }
    ///     sum
    /// }
    /// ```
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
    /// [`TryRecvError::Empty`] if nothing is queued but a value may still come (including
    /// after [`close`](Self::close) while reservations are outstanding);
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
        block_on("Receiver::blocking_recv", self.recv())
    }

    /// Like [`recv_many`](Self::recv_many), parking the thread while waiting.
    ///
    /// # Panics
    ///
    /// Panics if called from inside an async runtime; `.await` `recv_many` there.
    #[track_caller]
    pub fn blocking_recv_many(&mut self, buffer: &mut Vec<T>, limit: usize) -> usize {
        block_on(
            "Receiver::blocking_recv_many",
            self.recv_many(buffer, limit),
        )
    }

    /// Closes the channel: further sends and reservations fail, waiting senders are woken with
    /// an error; values already sent, and values sent through outstanding permits, can still be
    /// received.
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

    /// Room left right now; see [`Sender::capacity`].
    pub fn capacity(&self) -> usize {
        self.chan.chan().semaphore.semaphore.available_permits()
    }

    /// The `buffer` the channel was created with.
    pub fn max_capacity(&self) -> usize {
        self.chan.chan().semaphore.bound
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

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver")
            .field("chan", &self.chan)
            .finish()
    }
}
