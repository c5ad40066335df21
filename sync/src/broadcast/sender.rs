//! The sending half: [`Sender`] and [`WeakSender`].

use std::fmt;
use std::future::poll_fn;
use std::task::{ready, Context, Poll};

use super::error::SendError;
use super::{unlink_all, Receiver, Shared, Slot, Tail};
use crate::coop;
use crate::loom::{Arc, AtomicUsize, Mutex, Ordering};
use crate::util::wait_list::WaitList;
use crate::util::wake_list::WakeList;

/// Sends values to every [`Receiver`] of a broadcast channel. Cloning it adds a sender; the
/// channel closes when the last one is dropped.
///
/// Made by [`channel`](super::channel) or [`Sender::new`].
pub struct Sender<T> {
    shared: Arc<Shared<T>>,
}

/// A sender that does not keep the channel open; [`upgrade`](WeakSender::upgrade) it to send.
///
/// Made by [`Sender::downgrade`].
pub struct WeakSender<T> {
    shared: Arc<Shared<T>>,
}

impl<T> Sender<T> {
    /// Creates a channel with no receiver yet, keeping the last `capacity` values (rounded up
    /// to a power of two). Sends fail until [`subscribe`](Sender::subscribe) makes a
    /// receiver.
    ///
    /// # Panics
    ///
    /// Panics if `capacity` is zero or greater than `usize::MAX / 2`.
    ///
    /// # Examples
    ///
    /// ```
    /// use runtime_sync::broadcast::Sender;
    ///
    /// let tx = Sender::<u8>::new(8);
    /// assert!(tx.send(1).is_err());
    /// let mut rx = tx.subscribe();
    /// tx.send(2).unwrap();
    /// assert_eq!(rx.try_recv(), Ok(2));
    /// ```
    #[track_caller]
    pub fn new(capacity: usize) -> Sender<T> {
        assert!(
            capacity > 0,
            "broadcast channel capacity cannot be zero; pass at least 1"
        );
        assert!(
            capacity <= usize::MAX >> 1,
            "broadcast channel capacity exceeded `usize::MAX / 2`; pass a smaller capacity"
        );
        let capacity = capacity.next_power_of_two();
        let buffer = (0..capacity)
            .map(|i| {
                Mutex::new(Slot {
                    pos: (i as u64).wrapping_sub(capacity as u64),
                    rem: 0,
                    val: None,
                })
            })
            .collect();
        Sender {
            shared: Arc::new(Shared {
                buffer,
                mask: capacity as u64 - 1,
                tail: Mutex::new(Tail {
                    pos: 0,
                    rx_cnt: 0,
                    closed: false,
                    waiters: WaitList::new(),
                    closed_waiters: WaitList::new(),
                }),
                num_tx: AtomicUsize::new(1),
                num_weak_tx: AtomicUsize::new(0),
            }),
        }
    }

    /// Sends `value` to every current receiver and returns how many there are.
    ///
    /// Never waits: if the buffer is full the oldest value is overwritten, and receivers that
    /// had not read it will see [`Lagged`](super::error::RecvError::Lagged).
    ///
    /// # Errors
    ///
    /// [`SendError`] with the value if there is no receiver.
    pub fn send(&self, value: T) -> Result<usize, SendError<T>> {
        let mut wakers = WakeList::new();
        let mut tail = self.shared.tail.lock();
        if tail.rx_cnt == 0 {
            return Err(SendError(value));
        }
        let pos = tail.pos;
        let receivers = tail.rx_cnt;
        tail.pos = pos.wrapping_add(1);
        let overwritten = {
            let mut slot = self.shared.slot(pos).lock();
            slot.pos = pos;
            slot.rem = receivers;
            slot.val.replace(value)
        };
        unlink_all(&mut tail.waiters, &mut wakers);
        drop(tail);
        // An overwritten value's destructor runs with no lock held: it may use the channel.
        drop(overwritten);
        wakers.wake_all();
        Ok(receivers)
    }

    /// Creates a receiver that will see every value sent from now on.
    ///
    /// # Panics
    ///
    /// Panics if the channel would have more than `usize::MAX >> 2` receivers.
    #[track_caller]
    pub fn subscribe(&self) -> Receiver<T> {
        Receiver::new(self.shared.clone())
    }

    /// How many values are buffered that some receiver has not read yet.
    pub fn len(&self) -> usize {
        let tail = self.shared.tail.lock();
        let kept = tail.pos.min(self.shared.capacity());
        let oldest = tail.pos - kept;
        // Along the ring, `rem` never decreases from older to newer positions: receivers read
        // in order, and a receiver created later counts only in later slots. So the unread
        // values are a suffix; find where it starts.
        let (mut lo, mut hi) = (oldest, tail.pos);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if self.shared.slot(mid).lock().rem == 0 {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        (tail.pos - lo) as usize
    }

    /// Whether no value is waiting for any receiver.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How many receivers exist.
    pub fn receiver_count(&self) -> usize {
        self.shared.tail.lock().rx_cnt
    }

    /// Whether `other` sends on the same channel.
    pub fn same_channel(&self, other: &Sender<T>) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }

    /// Completes once there is no receiver (immediately if there is none now).
    ///
    /// A later [`subscribe`](Sender::subscribe) reopens the channel.
    pub async fn closed(&self) {
        let mut waiter = ClosedWaiter {
            shared: &self.shared,
            key: None,
        };
        poll_fn(|cx| waiter.poll(cx)).await;
    }

    /// A [`WeakSender`] to this channel, which does not keep it open.
    pub fn downgrade(&self) -> WeakSender<T> {
        // A count, with no data published through it.
        self.shared.num_weak_tx.fetch_add(1, Ordering::Relaxed);
        WeakSender {
            shared: self.shared.clone(),
        }
    }

    /// How many [`Sender`]s exist.
    pub fn strong_count(&self) -> usize {
        self.shared.num_tx.load(Ordering::Acquire)
    }

    /// How many [`WeakSender`]s exist.
    pub fn weak_count(&self) -> usize {
        self.shared.num_weak_tx.load(Ordering::Relaxed)
    }
}

/// Waits for the receiver count to reach zero; deregisters itself when dropped.
struct ClosedWaiter<'a, T> {
    shared: &'a Shared<T>,
    key: Option<usize>,
}

impl<T> ClosedWaiter<'_, T> {
    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let coop = ready!(coop::poll_proceed(cx));
        let mut tail = self.shared.tail.lock();
        // A waker this poll replaces or removes is dropped after the lock: its drop may run
        // user code that uses the channel.
        let stale;
        if tail.rx_cnt == 0 {
            stale = self
                .key
                .take()
                .and_then(|key| tail.closed_waiters.remove(key));
            drop(tail);
            drop(stale);
            coop.made_progress();
            return Poll::Ready(());
        }
        match self.key {
            Some(key) if tail.closed_waiters.is_linked(key) => {
                let slot = tail.closed_waiters.get_mut(key);
                stale = if slot.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
                    None
                } else {
                    slot.replace(cx.waker().clone())
                };
            }
            Some(key) => {
                // Woken, but a receiver came back before we looked: queue again.
                let waker = cx.waker().clone();
                stale = tail.closed_waiters.remove(key);
                self.key = Some(tail.closed_waiters.push_back(Some(waker)));
            }
            None => {
                stale = None;
                self.key = Some(tail.closed_waiters.push_back(Some(cx.waker().clone())));
            }
        }
        drop(tail);
        drop(stale);
        Poll::Pending
    }
}

impl<T> Drop for ClosedWaiter<'_, T> {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            let stale = self.shared.tail.lock().closed_waiters.remove(key);
            drop(stale);
        }
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Sender<T> {
        // A count; the sender being cloned keeps it above zero, so no upgrade race.
        self.shared.num_tx.fetch_add(1, Ordering::Relaxed);
        Sender {
            shared: self.shared.clone(),
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        // AcqRel: the last sender's drop must follow every other sender's (their sends are
        // under the tail lock anyway); what it publishes, `closed`, goes under the tail lock.
        if self.shared.num_tx.fetch_sub(1, Ordering::AcqRel) != 1 {
            return;
        }
        let mut wakers = WakeList::new();
        let mut tail = self.shared.tail.lock();
        tail.closed = true;
        unlink_all(&mut tail.waiters, &mut wakers);
        drop(tail);
        wakers.wake_all();
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("broadcast::Sender")
            .field("shared", &self.shared)
            .finish()
    }
}

impl<T> WeakSender<T> {
    /// A [`Sender`], if one still exists (otherwise the channel is closed for good).
    pub fn upgrade(&self) -> Option<Sender<T>> {
        let mut count = self.shared.num_tx.load(Ordering::Relaxed);
        loop {
            if count == 0 {
                return None;
            }
            // Acquire on success pairs with the AcqRel decrement of a sender's drop, so a
            // count of zero once seen stays final (no increment from zero ever succeeds).
            match self.shared.num_tx.compare_exchange_weak(
                count,
                count + 1,
                Ordering::Acquire,
                Ordering::Relaxed,
            ) {
                Ok(_) => {
                    return Some(Sender {
                        shared: self.shared.clone(),
                    })
                }
                Err(actual) => count = actual,
            }
        }
    }

    /// How many [`Sender`]s exist.
    pub fn strong_count(&self) -> usize {
        self.shared.num_tx.load(Ordering::Acquire)
    }

    /// How many [`WeakSender`]s exist.
    pub fn weak_count(&self) -> usize {
        self.shared.num_weak_tx.load(Ordering::Relaxed)
    }
}

impl<T> Clone for WeakSender<T> {
    fn clone(&self) -> WeakSender<T> {
        self.shared.num_weak_tx.fetch_add(1, Ordering::Relaxed);
        WeakSender {
            shared: self.shared.clone(),
        }
    }
}

impl<T> Drop for WeakSender<T> {
    fn drop(&mut self) {
        self.shared.num_weak_tx.fetch_sub(1, Ordering::Relaxed);
    }
}

impl<T> fmt::Debug for WeakSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("broadcast::WeakSender")
            .field("shared", &self.shared)
            .finish()
    }
}
