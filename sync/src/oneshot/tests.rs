//! Unit tests: every behaviour of the contract, on one thread unless a test says otherwise.

use super::error::{RecvError, TryRecvError};
use super::*;

use std::sync::atomic::{AtomicUsize as StdAtomicUsize, Ordering::SeqCst};
use std::sync::Arc as StdArc;
use std::task::Wake;
use std::thread;
use std::time::Duration;

use crate::coop::{self, BUDGET};

/// A waker that counts its wakes.
struct CountingWaker {
    wakes: StdAtomicUsize,
}

impl Wake for CountingWaker {
    fn wake(self: StdArc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &StdArc<Self>) {
        self.wakes.fetch_add(1, SeqCst);
    }
}

/// A counting waker and the `Waker` built from it; the `StdArc` also tells how many clones of
/// the waker are still alive (its strong count).
fn counting_waker() -> (StdArc<CountingWaker>, Waker) {
    let counter = StdArc::new(CountingWaker {
        wakes: StdAtomicUsize::new(0),
    });
    let waker = Waker::from(counter.clone());
    (counter, waker)
}

fn wakes(counter: &StdArc<CountingWaker>) -> usize {
    counter.wakes.load(SeqCst)
}

fn poll_rx<T>(rx: &mut Receiver<T>, waker: &Waker) -> Poll<Result<T, RecvError>> {
    Pin::new(rx).poll(&mut Context::from_waker(waker))
}

fn poll_closed<T>(tx: &mut Sender<T>, waker: &Waker) -> Poll<()> {
    tx.poll_closed(&mut Context::from_waker(waker))
}

/// A value that counts how often it is dropped.
#[derive(Debug)]
struct Counted(StdArc<StdAtomicUsize>);

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_add(1, SeqCst);
    }
}

fn counted() -> (StdArc<StdAtomicUsize>, Counted) {
    let drops = StdArc::new(StdAtomicUsize::new(0));
    (drops.clone(), Counted(drops))
}

fn drops(counter: &StdArc<StdAtomicUsize>) -> usize {
    counter.load(SeqCst)
}

// ----- sending and receiving -----------------------------------------------------------------

#[test]
fn send_then_try_recv() {
    let (tx, mut rx) = channel();
    assert_eq!(tx.send(1u32), Ok(()));
    assert_eq!(rx.try_recv(), Ok(1));
}

#[test]
fn send_then_poll_is_ready() {
    let (_, waker) = counting_waker();
    let (tx, mut rx) = channel();
    tx.send("x").unwrap();
    assert_eq!(poll_rx(&mut rx, &waker), Poll::Ready(Ok("x")));
}

#[test]
fn try_recv_before_send_is_empty() {
    let (tx, mut rx) = channel::<u32>();
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    assert!(!rx.is_terminated());
    tx.send(2).unwrap();
    assert_eq!(rx.try_recv(), Ok(2));
}

#[test]
fn pending_until_sent() {
    let (counter, waker) = counting_waker();
    let (tx, mut rx) = channel();
    assert!(poll_rx(&mut rx, &waker).is_pending());
    assert!(poll_rx(&mut rx, &waker).is_pending());
    tx.send(3).unwrap();
    assert_eq!(wakes(&counter), 1);
    assert_eq!(poll_rx(&mut rx, &waker), Poll::Ready(Ok(3)));
}

#[test]
fn sender_dropped_gives_recv_error() {
    let (_, waker) = counting_waker();
    let (tx, mut rx) = channel::<u32>();
    drop(tx);
    assert_eq!(poll_rx(&mut rx, &waker), Poll::Ready(Err(RecvError(()))));
    assert!(rx.is_terminated());
}

#[test]
fn sender_dropped_gives_try_recv_closed() {
    let (tx, mut rx) = channel::<u32>();
    drop(tx);
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    assert!(rx.is_terminated());
}

#[test]
fn try_recv_after_value_taken_is_closed() {
    let (tx, mut rx) = channel();
    tx.send(4).unwrap();
    assert_eq!(rx.try_recv(), Ok(4));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
}

#[test]
fn try_recv_after_poll_completed_is_closed() {
    let (_, waker) = counting_waker();
    let (tx, mut rx) = channel();
    tx.send(5).unwrap();
    assert_eq!(poll_rx(&mut rx, &waker), Poll::Ready(Ok(5)));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
}

// ----- close -------------------------------------------------------------------------------

#[test]
fn send_after_close_returns_value() {
    let (tx, mut rx) = channel();
    rx.close();
    assert!(tx.is_closed());
    assert_eq!(tx.send(6), Err(6));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
}

#[test]
fn send_after_receiver_drop_returns_value() {
    let (tx, rx) = channel();
    drop(rx);
    assert!(tx.is_closed());
    assert_eq!(tx.send(7), Err(7));
}

#[test]
fn value_sent_before_close_wins() {
    let (tx, mut rx) = channel();
    tx.send(8).unwrap();
    rx.close();
    assert!(!rx.is_empty());
    assert_eq!(rx.try_recv(), Ok(8));
}

#[test]
fn value_sent_before_close_is_polled() {
    let (_, waker) = counting_waker();
    let (tx, mut rx) = channel();
    tx.send(9).unwrap();
    rx.close();
    rx.close();
    assert_eq!(poll_rx(&mut rx, &waker), Poll::Ready(Ok(9)));
}

#[test]
fn poll_after_close_without_value_is_error() {
    let (_, waker) = counting_waker();
    let (tx, mut rx) = channel::<u32>();
    rx.close();
    assert_eq!(poll_rx(&mut rx, &waker), Poll::Ready(Err(RecvError(()))));
    assert!(rx.is_terminated());
    // The sender is still alive and learns the channel is closed.
    assert!(tx.is_closed());
}

#[test]
fn close_on_terminated_receiver_is_a_no_op() {
    let (tx, mut rx) = channel();
    tx.send(1).unwrap();
    assert_eq!(rx.try_recv(), Ok(1));
    rx.close();
    assert!(rx.is_terminated());
}

#[test]
fn sender_drop_after_close_is_quiet() {
    let (tx, mut rx) = channel::<u32>();
    rx.close();
    drop(tx);
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
}

// ----- terminated / empty ----------------------------------------------------------------------

#[test]
fn is_terminated_after_each_kind_of_completion() {
    let (_, waker) = counting_waker();

    let (tx, mut rx) = channel();
    assert!(!rx.is_terminated());
    tx.send(1).unwrap();
    assert!(!rx.is_terminated());
    assert!(poll_rx(&mut rx, &waker).is_ready());
    assert!(rx.is_terminated());

    let (tx, mut rx) = channel::<u32>();
    assert!(poll_rx(&mut rx, &waker).is_pending());
    assert!(!rx.is_terminated());
    drop(tx);
    assert!(poll_rx(&mut rx, &waker).is_ready());
    assert!(rx.is_terminated());

    let (tx, mut rx) = channel::<u32>();
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    assert!(!rx.is_terminated());
    drop(tx);
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    assert!(rx.is_terminated());

    let (_tx, mut rx) = channel::<u32>();
    rx.close();
    assert!(!rx.is_terminated());
    assert!(rx.try_recv().is_err());
    assert!(rx.is_terminated());
}

#[test]
fn is_empty_tracks_the_value() {
    let (tx, mut rx) = channel();
    assert!(rx.is_empty());
    tx.send(1).unwrap();
    assert!(!rx.is_empty());
    assert!(!rx.is_empty());
    assert_eq!(rx.try_recv(), Ok(1));
    assert!(rx.is_empty());

    let (tx, rx) = channel::<u32>();
    drop(tx);
    assert!(rx.is_empty());

    let (_tx, mut rx) = channel::<u32>();
    rx.close();
    assert!(rx.is_empty());
}

#[test]
#[should_panic(expected = "polled after completion")]
fn poll_after_ready_panics() {
    let (_, waker) = counting_waker();
    let (tx, mut rx) = channel();
    tx.send(1).unwrap();
    assert!(poll_rx(&mut rx, &waker).is_ready());
    let _ = poll_rx(&mut rx, &waker);
}

#[test]
#[should_panic(expected = "polled after completion")]
fn poll_after_error_panics() {
    let (_, waker) = counting_waker();
    let (tx, mut rx) = channel::<u32>();
    drop(tx);
    assert!(poll_rx(&mut rx, &waker).is_ready());
    let _ = poll_rx(&mut rx, &waker);
}

#[test]
#[should_panic(expected = "polled after completion")]
fn poll_after_try_recv_panics() {
    let (_, waker) = counting_waker();
    let (tx, mut rx) = channel();
    tx.send(1).unwrap();
    assert_eq!(rx.try_recv(), Ok(1));
    let _ = poll_rx(&mut rx, &waker);
}

// ----- drops -------------------------------------------------------------------------------

#[test]
fn received_value_dropped_once_by_its_owner() {
    let (count, value) = counted();
    let (tx, mut rx) = channel();
    tx.send(value).unwrap();
    let got = rx.try_recv().unwrap();
    drop(rx);
    assert_eq!(drops(&count), 0);
    drop(got);
    assert_eq!(drops(&count), 1);
}

#[test]
fn polled_value_dropped_once_by_its_owner() {
    let (_, waker) = counting_waker();
    let (count, value) = counted();
    let (tx, mut rx) = channel();
    assert!(poll_rx(&mut rx, &waker).is_pending());
    tx.send(value).unwrap();
    let got = match poll_rx(&mut rx, &waker) {
        Poll::Ready(Ok(v)) => v,
        other => panic!("expected the value, got {other:?}"),
    };
    drop(rx);
    assert_eq!(drops(&count), 0);
    drop(got);
    assert_eq!(drops(&count), 1);
}

#[test]
fn unreceived_value_dropped_once_with_receiver() {
    let (count, value) = counted();
    let (tx, rx) = channel();
    tx.send(value).unwrap();
    assert_eq!(drops(&count), 0);
    drop(rx);
    assert_eq!(drops(&count), 1);
}

#[test]
fn value_sent_before_close_dropped_once_with_receiver() {
    let (count, value) = counted();
    let (tx, mut rx) = channel();
    tx.send(value).unwrap();
    rx.close();
    assert_eq!(drops(&count), 0);
    drop(rx);
    assert_eq!(drops(&count), 1);
}

#[test]
fn value_refused_after_close_belongs_to_the_sender() {
    let (count, value) = counted();
    let (tx, mut rx) = channel();
    rx.close();
    let back = tx.send(value).unwrap_err();
    drop(rx);
    assert_eq!(drops(&count), 0);
    drop(back);
    assert_eq!(drops(&count), 1);
}

#[test]
fn value_refused_after_receiver_drop_belongs_to_the_sender() {
    let (count, value) = counted();
    let (tx, rx) = channel();
    drop(rx);
    let back = tx.send(value).unwrap_err();
    assert_eq!(drops(&count), 0);
    drop(back);
    assert_eq!(drops(&count), 1);
}

#[test]
fn no_send_no_drop() {
    let (count, value) = counted();
    let (tx, rx) = channel::<Counted>();
    drop(tx);
    drop(rx);
    assert_eq!(drops(&count), 0);
    drop(value);
    assert_eq!(drops(&count), 1);
}

#[test]
fn values_dropped_once_across_threads() {
    let count = StdArc::new(StdAtomicUsize::new(0));
    const ROUNDS: usize = 200;
    for round in 0..ROUNDS {
        let (tx, mut rx) = channel();
        let value = Counted(count.clone());
        let sender = thread::spawn(move || tx.send(value).is_ok());
        if round % 2 == 0 {
            rx.close();
        }
        let received = rx.try_recv().is_ok();
        drop(rx);
        let sent = sender.join().unwrap();
        if received {
            assert!(sent);
        }
        assert_eq!(drops(&count), round + 1);
    }
}

// ----- wakers ------------------------------------------------------------------------------

#[test]
fn send_wakes_pending_receiver() {
    let (counter, waker) = counting_waker();
    let (tx, mut rx) = channel();
    assert!(poll_rx(&mut rx, &waker).is_pending());
    assert_eq!(wakes(&counter), 0);
    tx.send(1).unwrap();
    assert_eq!(wakes(&counter), 1);
    assert_eq!(poll_rx(&mut rx, &waker), Poll::Ready(Ok(1)));
    assert_eq!(wakes(&counter), 1);
}

#[test]
fn sender_drop_wakes_pending_receiver() {
    let (counter, waker) = counting_waker();
    let (tx, mut rx) = channel::<u32>();
    assert!(poll_rx(&mut rx, &waker).is_pending());
    drop(tx);
    assert_eq!(wakes(&counter), 1);
    assert_eq!(poll_rx(&mut rx, &waker), Poll::Ready(Err(RecvError(()))));
}

#[test]
fn repoll_with_new_waker_wakes_only_the_new_one() {
    let (first, first_waker) = counting_waker();
    let (second, second_waker) = counting_waker();
    let (tx, mut rx) = channel();
    assert!(poll_rx(&mut rx, &first_waker).is_pending());
    assert!(poll_rx(&mut rx, &second_waker).is_pending());
    // The replaced waker was released.
    assert_eq!(StdArc::strong_count(&first), 2);
    tx.send(1).unwrap();
    assert_eq!(wakes(&first), 0);
    assert_eq!(wakes(&second), 1);
}

#[test]
fn repoll_with_same_waker_keeps_one_registration() {
    let (counter, waker) = counting_waker();
    let (tx, mut rx) = channel();
    for _ in 0..5 {
        assert!(poll_rx(&mut rx, &waker).is_pending());
    }
    // One clone in the channel, one in `waker`, one in `counter`.
    assert_eq!(StdArc::strong_count(&counter), 3);
    tx.send(1).unwrap();
    assert_eq!(wakes(&counter), 1);
}

#[test]
fn registered_wakers_are_released_with_the_channel() {
    let (rx_counter, rx_waker) = counting_waker();
    let (tx_counter, tx_waker) = counting_waker();
    let (mut tx, mut rx) = channel::<u32>();
    assert!(poll_rx(&mut rx, &rx_waker).is_pending());
    assert!(poll_closed(&mut tx, &tx_waker).is_pending());
    drop(tx);
    drop(rx);
    assert_eq!(StdArc::strong_count(&rx_counter), 2);
    assert_eq!(StdArc::strong_count(&tx_counter), 2);
}

#[test]
fn receiver_close_wakes_pending_poll_closed() {
    let (counter, waker) = counting_waker();
    let (mut tx, mut rx) = channel::<u32>();
    assert!(poll_closed(&mut tx, &waker).is_pending());
    assert!(!tx.is_closed());
    rx.close();
    assert_eq!(wakes(&counter), 1);
    assert!(poll_closed(&mut tx, &waker).is_ready());
    // A second close does not wake again.
    rx.close();
    assert_eq!(wakes(&counter), 1);
}

#[test]
fn receiver_drop_wakes_pending_poll_closed() {
    let (counter, waker) = counting_waker();
    let (mut tx, rx) = channel::<u32>();
    assert!(poll_closed(&mut tx, &waker).is_pending());
    drop(rx);
    assert_eq!(wakes(&counter), 1);
    assert!(poll_closed(&mut tx, &waker).is_ready());
    assert!(poll_closed(&mut tx, &waker).is_ready());
}

#[test]
fn poll_closed_repoll_with_new_waker_wakes_only_the_new_one() {
    let (first, first_waker) = counting_waker();
    let (second, second_waker) = counting_waker();
    let (mut tx, rx) = channel::<u32>();
    assert!(poll_closed(&mut tx, &first_waker).is_pending());
    assert!(poll_closed(&mut tx, &first_waker).is_pending());
    assert!(poll_closed(&mut tx, &second_waker).is_pending());
    drop(rx);
    assert_eq!(wakes(&first), 0);
    assert_eq!(wakes(&second), 1);
}

#[test]
fn closed_future_completes_when_receiver_goes() {
    let (counter, waker) = counting_waker();
    let mut cx = Context::from_waker(&waker);
    let (mut tx, rx) = channel::<u32>();
    {
        let mut closed = std::pin::pin!(tx.closed());
        assert!(closed.as_mut().poll(&mut cx).is_pending());
        drop(rx);
        assert_eq!(wakes(&counter), 1);
        assert!(closed.as_mut().poll(&mut cx).is_ready());
    }
    assert!(tx.is_closed());

    // Already closed: ready on the first poll.
    let mut closed = std::pin::pin!(tx.closed());
    assert!(closed.as_mut().poll(&mut cx).is_ready());
}

#[test]
fn is_closed_tracks_the_receiver() {
    let (tx, mut rx) = channel::<u32>();
    assert!(!tx.is_closed());
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    assert!(!tx.is_closed());
    rx.close();
    assert!(tx.is_closed());
}

// ----- cooperative budget ------------------------------------------------------------------

#[test]
fn receiver_spends_budget() {
    let (counter, waker) = counting_waker();
    let mut receivers: Vec<Receiver<usize>> = (0..=BUDGET as usize)
        .map(|i| {
            let (tx, rx) = channel();
            tx.send(i).unwrap();
            rx
        })
        .collect();
    coop::budget(|| {
        for (i, rx) in receivers.iter_mut().enumerate() {
            let poll = poll_rx(rx, &waker);
            if i < BUDGET as usize {
                assert_eq!(poll, Poll::Ready(Ok(i)), "poll {i}");
            } else {
                assert!(poll.is_pending(), "poll {i} should be out of budget");
            }
        }
        // The budget woke the task so that it is polled again.
        assert_eq!(wakes(&counter), 1);
    });
    // The last receiver was not consumed and completes with a new budget.
    let last = receivers.last_mut().unwrap();
    assert!(!last.is_terminated());
    coop::budget(|| assert_eq!(poll_rx(last, &waker), Poll::Ready(Ok(BUDGET as usize))));
}

#[test]
fn pending_receiver_spends_no_budget() {
    let (_, waker) = counting_waker();
    let (_tx, mut rx) = channel::<u32>();
    coop::budget(|| {
        for _ in 0..1_000 {
            assert!(poll_rx(&mut rx, &waker).is_pending());
        }
        assert!(coop::has_budget_remaining());
    });
}

#[test]
fn poll_closed_spends_budget() {
    let (counter, waker) = counting_waker();
    let (mut tx, rx) = channel::<u32>();
    drop(rx);
    coop::budget(|| {
        for i in 0..BUDGET {
            assert!(poll_closed(&mut tx, &waker).is_ready(), "poll {i}");
        }
        assert!(poll_closed(&mut tx, &waker).is_pending());
        assert_eq!(wakes(&counter), 1);
    });
    assert!(poll_closed(&mut tx, &waker).is_ready());
}

#[test]
fn pending_poll_closed_spends_no_budget() {
    let (_, waker) = counting_waker();
    let (mut tx, _rx) = channel::<u32>();
    coop::budget(|| {
        for _ in 0..1_000 {
            assert!(poll_closed(&mut tx, &waker).is_pending());
        }
        assert!(coop::has_budget_remaining());
    });
}

#[test]
fn unconstrained_outside_a_budget() {
    let (_, waker) = counting_waker();
    for i in 0..1_000 {
        let (tx, mut rx) = channel();
        tx.send(i).unwrap();
        assert_eq!(poll_rx(&mut rx, &waker), Poll::Ready(Ok(i)));
    }
}

// ----- blocking_recv -------------------------------------------------------------------------

#[test]
fn blocking_recv_value_already_sent() {
    let (tx, rx) = channel();
    tx.send(1).unwrap();
    assert_eq!(rx.blocking_recv(), Ok(1));
}

#[test]
fn blocking_recv_waits_for_another_thread() {
    let (tx, rx) = channel();
    let receiver = thread::spawn(move || rx.blocking_recv());
    thread::sleep(Duration::from_millis(20));
    tx.send(String::from("late")).unwrap();
    assert_eq!(receiver.join().unwrap(), Ok(String::from("late")));
}

#[test]
fn blocking_recv_on_this_thread_from_a_sender_thread() {
    let (tx, rx) = channel();
    let sender = thread::spawn(move || {
        thread::sleep(Duration::from_millis(20));
        tx.send(9u64).unwrap();
    });
    assert_eq!(rx.blocking_recv(), Ok(9));
    sender.join().unwrap();
}

#[test]
fn blocking_recv_sees_sender_drop() {
    let (tx, rx) = channel::<u32>();
    let receiver = thread::spawn(move || rx.blocking_recv());
    thread::sleep(Duration::from_millis(20));
    drop(tx);
    assert_eq!(receiver.join().unwrap(), Err(RecvError(())));
}

#[test]
fn blocking_recv_after_close_without_value() {
    let (_tx, mut rx) = channel::<u32>();
    rx.close();
    assert_eq!(rx.blocking_recv(), Err(RecvError(())));
}

#[test]
fn blocking_recv_ignores_a_spent_budget() {
    let (tx, rx) = channel();
    let sender = thread::spawn(move || {
        thread::sleep(Duration::from_millis(10));
        tx.send(1).unwrap();
    });
    coop::budget(|| {
        while coop::has_budget_remaining() {
            let _ = coop::poll_proceed(&mut Context::from_waker(Waker::noop()))
                .map(|restore| restore.made_progress());
        }
        assert_eq!(rx.blocking_recv(), Ok(1));
    });
    sender.join().unwrap();
}

#[test]
#[should_panic(
    expected = "`Receiver::blocking_recv` called from inside an async runtime, which would block a worker thread; `.await` the receiver instead"
)]
fn blocking_recv_inside_runtime_panics() {
    let (tx, rx) = channel();
    tx.send(1).unwrap();
    let _entered = coop::enter_runtime(false).expect("test thread is not in a runtime");
    let _ = rx.blocking_recv();
}

// ----- types -------------------------------------------------------------------------------

#[test]
fn halves_are_send_sync_unpin_for_send_values() {
    fn assert_traits<X: Send + Sync + Unpin>() {}
    // `Cell` is `Send` but not `Sync`: the halves never share a `&T`.
    assert_traits::<Sender<std::cell::Cell<u8>>>();
    assert_traits::<Receiver<std::cell::Cell<u8>>>();
    assert_traits::<Sender<Vec<u8>>>();
    assert_traits::<Receiver<Vec<u8>>>();
}

#[test]
fn halves_are_one_pointer() {
    assert_eq!(
        std::mem::size_of::<Sender<[u8; 64]>>(),
        std::mem::size_of::<usize>()
    );
    assert_eq!(
        std::mem::size_of::<Receiver<[u8; 64]>>(),
        std::mem::size_of::<usize>()
    );
    // State word, two waker slots (a `Waker` is two pointers; `Option` uses its niche) and
    // the value.
    assert_eq!(
        std::mem::size_of::<Inner<u64>>(),
        std::mem::size_of::<usize>() + 2 * std::mem::size_of::<Waker>() + 16
    );
}

#[test]
fn debug_output() {
    let (tx, mut rx) = channel::<u32>();
    let tx_debug = format!("{tx:?}");
    assert!(
        tx_debug.starts_with("Sender { state: State {"),
        "{tx_debug}"
    );
    assert!(tx_debug.contains("complete: false"), "{tx_debug}");
    tx.send(1).unwrap();
    let rx_debug = format!("{rx:?}");
    assert!(
        rx_debug.starts_with("Receiver { state: State {"),
        "{rx_debug}"
    );
    assert!(rx_debug.contains("complete: true"), "{rx_debug}");
    rx.try_recv().unwrap();
    assert_eq!(format!("{rx:?}"), "Receiver { terminated: true }");
}

#[test]
fn errors() {
    fn assert_error<E: std::error::Error + Clone + Eq + Send + Sync + 'static>() {}
    assert_error::<RecvError>();
    assert_error::<TryRecvError>();

    assert_eq!(RecvError(()).to_string(), "channel closed");
    assert_eq!(format!("{:?}", RecvError(())), "RecvError(())");
    assert_eq!(TryRecvError::Empty.to_string(), "channel empty");
    assert_eq!(TryRecvError::Closed.to_string(), "channel closed");
    assert_eq!(format!("{:?}", TryRecvError::Empty), "Empty");
    assert_ne!(TryRecvError::Empty, TryRecvError::Closed);
    assert_eq!(TryRecvError::Closed.clone(), TryRecvError::Closed);
}

// ----- threads -----------------------------------------------------------------------------

#[test]
fn many_channels_across_threads() {
    let (result_tx, result_rx): (Vec<_>, Vec<_>) = (0..64).map(|_| channel::<usize>()).unzip();
    let workers: Vec<_> = result_tx
        .into_iter()
        .enumerate()
        .map(|(i, tx)| thread::spawn(move || tx.send(i * 2).unwrap()))
        .collect();
    for (i, rx) in result_rx.into_iter().enumerate() {
        assert_eq!(rx.blocking_recv(), Ok(i * 2));
    }
    for worker in workers {
        worker.join().unwrap();
    }
}

#[test]
fn closed_across_threads() {
    for _ in 0..100 {
        let (mut tx, rx) = channel::<u32>();
        let dropper = thread::spawn(move || drop(rx));
        // Park-based wait for `closed()`, like `blocking_recv` does for the receiver.
        let waker = Waker::from(StdArc::new(ThreadUnparker(thread::current())));
        let mut cx = Context::from_waker(&waker);
        while tx.poll_closed(&mut cx).is_pending() {
            thread::park();
        }
        dropper.join().unwrap();
        assert!(tx.is_closed());
    }
}

struct ThreadUnparker(thread::Thread);

impl Wake for ThreadUnparker {
    fn wake(self: StdArc<Self>) {
        self.0.unpark();
    }
}
