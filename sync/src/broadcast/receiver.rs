//! The receiving half: [`Receiver`] and its `recv` future.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context, Poll, Waker};

use super::error::{RecvError, TryRecvError};
use super::{unlink_all, Shared, MAX_RECEIVERS};
use crate::coop;
use crate::loom::{Arc, Ordering};
use crate::util::block_on::block_on;
use crate::util::wake_list::WakeList;

/// Receives every value sent on a broadcast channel after it was created.
///
/// Made by [`channel`](super::channel), [`Sender::subscribe`](super::Sender::subscribe) or
/// [`Receiver::resubscribe`]. Dropping it releases the values it had not read.
pub struct Receiver<T> {
    shared: Arc<Shared<T>>,
    /// The position this receiver reads next.
    next: u64,
}

/// Where a receive that finds nothing queues itself: the future's waiter key, its waker, and
/// where to put a waker it replaces (to be dropped once the locks are released: a waker's
/// drop may run user code that uses the channel).
type Register<'a> = Option<(&'a mut Option<usize>, &'a Waker, &'a mut Option<Waker>)>;

impl<T> Receiver<T> {
    /// Adds a receiver that starts at the current write position.
    #[track_caller]
    pub(super) fn new(shared: Arc<Shared<T>>) -> Receiver<T> {
        let mut tail = shared.tail.lock();
        assert!(
            tail.rx_cnt < MAX_RECEIVERS,
            "broadcast channel has the maximum number of receivers (`usize::MAX >> 2`); drop some \
             before subscribing"
        );
        tail.rx_cnt += 1;
        let next = tail.pos;
        drop(tail);
        Receiver { shared, next }
    }

    /// Reads position `self.next`, handing the slot's value to `read` (with whether this is
    /// the last receiver to read it) under the slot's lock. If nothing is there yet and
    /// `register` is given, queues the waker before reporting `Empty`.
    fn recv_with<R>(
        &mut self,
        register: Register<'_>,
        read: impl FnOnce(&mut Option<T>, bool) -> R,
    ) -> Result<R, TryRecvError> {
        let shared = &*self.shared;
        let mut slot = shared.slot(self.next).lock();
        if slot.pos != self.next {
            // Either nothing was written here yet or this receiver lagged. Decide under the
            // tail lock, where no send can move things, taking the locks in their order.
            drop(slot);
            let mut tail = shared.tail.lock();
            slot = shared.slot(self.next).lock();
            if slot.pos != self.next {
                if slot.pos.wrapping_add(shared.capacity()) == self.next {
                    // The slot still holds the previous lap: nothing for us yet.
                    if tail.closed {
                        return Err(TryRecvError::Closed);
                    }
                    if let Some((key, waker, stale)) = register {
                        *stale = queue(&mut tail.waiters, key, waker);
                    }
                    return Err(TryRecvError::Empty);
                }
                // Overwritten by a later lap: skip to the oldest value still kept. The slot
                // holds a position at least one lap ahead of ours, so `oldest > self.next`.
                let oldest = tail.pos.wrapping_sub(shared.capacity());
                let missed = oldest.wrapping_sub(self.next);
                self.next = oldest;
                return Err(TryRecvError::Lagged(missed));
            }
            // Written meanwhile: read it (the tail lock is no longer needed).
        }
        // Advance before `read` runs: if it panics (a value's `Clone`), this receiver has
        // still consumed the value, as with tokio.
        self.next = self.next.wrapping_add(1);
        slot.rem -= 1;
        if slot.rem == 0 {
            // The last reader: take the value out and read it with no lock held, so that a
            // panicking `read` or the value's destructor runs outside the channel's locks.
            let mut val = slot.val.take();
            drop(slot);
            return Ok(read(&mut val, true));
        }
        Ok(read(&mut slot.val, false))
    }

    /// How many values were sent that this receiver has not read (this can exceed the
    /// capacity, in which case the next receive reports a lag).
    pub fn len(&self) -> usize {
        let tail = self.shared.tail.lock();
        tail.pos.wrapping_sub(self.next) as usize
    }

    /// Whether this receiver has nothing to read right now.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether every [`Sender`](super::Sender) is gone (values may still be buffered).
    pub fn is_closed(&self) -> bool {
        self.sender_strong_count() == 0
    }

    /// Whether `other` receives from the same channel.
    pub fn same_channel(&self, other: &Receiver<T>) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }

    /// How many [`Sender`](super::Sender)s exist.
    pub fn sender_strong_count(&self) -> usize {
        self.shared.num_tx.load(Ordering::Acquire)
    }

    /// How many [`WeakSender`](super::WeakSender)s exist.
    pub fn sender_weak_count(&self) -> usize {
        self.shared.num_weak_tx.load(Ordering::Relaxed)
    }
}

/// Queues `waker` under `key`, or refreshes the waker of a queue entry still linked. Returns
/// the waker it replaced, for the caller to drop once the lock is released.
fn queue(
    waiters: &mut crate::util::wait_list::WaitList<Option<Waker>>,
    key: &mut Option<usize>,
    waker: &Waker,
) -> Option<Waker> {
    match *key {
        Some(k) if waiters.is_linked(k) => {
            let slot = waiters.get_mut(k);
            if slot.as_ref().is_some_and(|w| w.will_wake(waker)) {
                None
            } else {
                slot.replace(waker.clone())
            }
        }
        Some(k) => {
            // Woken by a send that another receive of ours already consumed: queue afresh.
            let waker = waker.clone();
            let stale = waiters.remove(k);
            *key = Some(waiters.push_back(Some(waker)));
            stale
        }
        None => {
            *key = Some(waiters.push_back(Some(waker.clone())));
            None
        }
    }
}

/// Clones the value out. Every receiver gets a clone, the last one too (as with tokio): the
/// slot's value is dropped by whoever read it last, after the clone, outside the locks.
fn clone_value<T: Clone>(val: &mut Option<T>, _last: bool) -> T {
    // A slot that a receiver still counts in holds its value.
    val.as_ref()
        .expect("broadcast slot with readers left holds a value")
        .clone()
}

impl<T: Clone> Receiver<T> {
    /// Receives the next value, waiting for one if needed.
    ///
    /// # Errors
    ///
    /// - [`RecvError::Lagged(n)`](RecvError::Lagged): `n` values were overwritten before
    ///   this receiver read them; the next call returns the oldest value still kept.
    /// - [`RecvError::Closed`]: every sender is gone and nothing is left to read.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: if the future is dropped before it completes, no value is lost.
    ///
    /// # Examples
    ///
    /// ```
    /// use runtime_sync::broadcast;
    ///
    /// async fn listen(mut rx: broadcast::Receiver<String>) {
    ///     while let Ok(msg) = rx.recv().await {
    ///         println!("{msg}");
    ///     }
    /// }
    /// ```
    pub async fn recv(&mut self) -> Result<T, RecvError> {
        Recv {
            receiver: self,
            key: None,
        }
        .await
    }

    /// Receives the next value if one is there, without waiting.
    ///
    /// # Errors
    ///
    /// [`TryRecvError::Empty`] if nothing is there yet; otherwise as [`recv`](Self::recv).
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        self.recv_with(None, clone_value)
    }

    /// Receives the next value, parking the thread until one comes.
    ///
    /// # Errors
    ///
    /// As [`recv`](Self::recv).
    ///
    /// # Panics
    ///
    /// Panics if called inside an async runtime; `.await` [`recv`](Self::recv) there.
    #[track_caller]
    pub fn blocking_recv(&mut self) -> Result<T, RecvError> {
        block_on("Receiver::blocking_recv", self.recv())
    }

    /// A new receiver on the same channel, starting at the current write position (it does
    /// not see the values this one has not read yet).
    ///
    /// # Panics
    ///
    /// Panics if the channel would have more than `usize::MAX >> 2` receivers.
    #[track_caller]
    pub fn resubscribe(&self) -> Receiver<T> {
        Receiver::new(self.shared.clone())
    }
}

/// The future behind [`Receiver::recv`].
struct Recv<'a, T> {
    receiver: &'a mut Receiver<T>,
    /// This future's entry in the tail's waiter queue, while it has one.
    key: Option<usize>,
}

impl<T: Clone> Future for Recv<'_, T> {
    type Output = Result<T, RecvError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let coop = ready!(coop::poll_proceed(cx));
        let mut stale = None;
        let received = this
            .receiver
            .recv_with(Some((&mut this.key, cx.waker(), &mut stale)), clone_value);
        // A waker replaced by this poll goes with no lock held.
        drop(stale);
        let outcome = match received {
            Ok(value) => Ok(value),
            Err(TryRecvError::Empty) => return Poll::Pending,
            Err(TryRecvError::Closed) => Err(RecvError::Closed),
            Err(TryRecvError::Lagged(n)) => Err(RecvError::Lagged(n)),
        };
        this.leave_queue();
        coop.made_progress();
        Poll::Ready(outcome)
    }
}

impl<T> Recv<'_, T> {
    /// Takes this future's entry out of the waiter queue, if it has one. Sends wake every
    /// waiter, so leaving the queue hands nothing over.
    fn leave_queue(&mut self) {
        if let Some(key) = self.key.take() {
            let stale = self.receiver.shared.tail.lock().waiters.remove(key);
            // Dropped after the lock: a waker's drop may run user code that uses the channel.
            drop(stale);
        }
    }
}

impl<T> Drop for Recv<'_, T> {
    fn drop(&mut self) {
        self.leave_queue();
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        let mut wakers = WakeList::new();
        let until = {
            let mut tail = self.shared.tail.lock();
            tail.rx_cnt -= 1;
            if tail.rx_cnt == 0 {
                unlink_all(&mut tail.closed_waiters, &mut wakers);
            }
            tail.pos
        };
        // Release the values sent while this receiver counted (each slot expects one read)
        // before waking `Sender::closed`: a woken sender then sees the buffer as it is left.
        while self.next < until {
            match self.recv_with(None, |val, last| if last { val.take() } else { None }) {
                Ok(value) => drop(value),
                Err(TryRecvError::Lagged(_)) => {}
                Err(_) => break,
            }
        }
        wakers.wake_all();
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("broadcast::Receiver")
            .field("shared", &self.shared)
            .field("next", &self.next)
            .finish()
    }
}
