//! split, duplex, simplex, and the trivial streams.

mod support;

use std::io::ErrorKind;
use std::thread;

use runtime_net::io::{self, AsyncReadExt, AsyncWriteExt};
use runtime_sync::coop;
use support::{block_on, poll_once, CountingWaker};

#[test]
fn split_halves_work_from_two_threads_and_unsplit() {
    let (local, mut remote) = io::duplex(8);
    let (mut rd, mut wr) = io::split(local);
    assert!(rd.is_pair_of(&wr));
    assert!(wr.is_pair_of(&rd));
    let writer = thread::spawn(move || {
        block_on(wr.write_all(&[7u8; 1000])).unwrap();
        wr
    });
    let echo = thread::spawn(move || {
        block_on(async {
            let mut buf = vec![0u8; 1000];
            remote.read_exact(&mut buf).await.unwrap();
            remote.write_all(b"done").await.unwrap();
            buf
        })
    });
    let mut reply = [0u8; 4];
    block_on(rd.read_exact(&mut reply)).unwrap();
    assert_eq!(&reply, b"done");
    assert_eq!(echo.join().unwrap(), vec![7u8; 1000]);
    let wr = writer.join().unwrap();
    let _stream: io::DuplexStream = rd.unsplit(wr);
}

#[test]
#[should_panic(expected = "different `split`")]
fn unsplit_of_unrelated_halves_panics() {
    let (a, b) = io::duplex(8);
    let (rd, _) = io::split(a);
    let (_, wr) = io::split(b);
    assert!(!rd.is_pair_of(&wr));
    let _ = rd.unsplit(wr);
}

#[test]
fn duplex_drop_gives_eof_then_broken_pipe() {
    block_on(async {
        let (mut a, mut b) = io::duplex(64);
        a.write_all(b"last words").await.unwrap();
        drop(a);
        let mut got = Vec::new();
        b.read_to_end(&mut got).await.unwrap();
        assert_eq!(got, b"last words", "buffered bytes survive the drop");
        let err = b.write(b"anyone?").await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::BrokenPipe);
    });
}

#[test]
fn duplex_shutdown_is_a_half_close() {
    block_on(async {
        let (mut a, mut b) = io::duplex(64);
        a.shutdown().await.unwrap();
        let mut got = Vec::new();
        assert_eq!(b.read_to_end(&mut got).await.unwrap(), 0);
        // The other direction still works.
        b.write_all(b"reply").await.unwrap();
        let mut buf = [0u8; 5];
        a.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"reply");
        assert_eq!(
            a.write(b"x").await.unwrap_err().kind(),
            ErrorKind::BrokenPipe
        );
    });
}

#[test]
fn duplex_writer_blocks_at_max_buf_size_until_the_reader_reads() {
    let (counter, waker) = CountingWaker::new();
    let (mut a, mut b) = io::duplex(4);
    let mut fut = Box::pin(a.write_all(b"0123456789"));
    assert!(
        poll_once(&mut fut, &waker).is_pending(),
        "4 bytes in, then full"
    );
    assert!(poll_once(&mut fut, &waker).is_pending(), "still full");
    assert_eq!(counter.count(), 0);

    let mut buf = [0u8; 3];
    let n = block_on(b.read(&mut buf)).unwrap();
    assert_eq!(&buf[..n], b"012");
    assert_eq!(counter.count(), 1, "the read woke the writer");

    assert!(
        poll_once(&mut fut, &waker).is_pending(),
        "3 more fit, 3 left"
    );
    let mut buf = [0u8; 8];
    let n = block_on(b.read(&mut buf)).unwrap();
    assert_eq!(&buf[..n], b"3456");
    assert_eq!(counter.count(), 2);
    assert!(matches!(
        poll_once(&mut fut, &waker),
        std::task::Poll::Ready(Ok(()))
    ));
    drop(fut);
    let n = block_on(b.read(&mut buf)).unwrap();
    assert_eq!(&buf[..n], b"789");
}

#[test]
fn duplex_streams_a_lot_between_threads() {
    let (mut a, mut b) = io::duplex(7);
    let data: Vec<u8> = (0..100_000u32).map(|i| (i * 31 % 256) as u8).collect();
    let expected = data.clone();
    let writer = thread::spawn(move || {
        block_on(async {
            a.write_all(&data).await.unwrap();
        })
    });
    let mut got = Vec::new();
    block_on(b.read_to_end(&mut got)).unwrap();
    writer.join().unwrap();
    assert_eq!(got, expected);
}

#[test]
fn duplex_spends_the_cooperative_budget() {
    let (_counter, waker) = CountingWaker::new();
    let (mut a, mut b) = io::duplex(1 << 20);
    block_on(a.write_all(&[1u8; 1000])).unwrap();
    // Inside a task poll (a fresh budget), a loop over an always-ready pipe is cut short.
    let reads = coop::budget(|| {
        let mut reads = 0;
        loop {
            let mut byte = [0u8; 1];
            let mut fut = Box::pin(b.read(&mut byte));
            match poll_once(&mut fut, &waker) {
                std::task::Poll::Ready(res) => {
                    assert_eq!(res.unwrap(), 1);
                    reads += 1;
                }
                std::task::Poll::Pending => break reads,
            }
        }
    });
    assert_eq!(reads, coop::BUDGET as usize);
    assert_eq!(
        _counter.count(),
        1,
        "spent budget wakes the task to run again"
    );
    // The refused read consumed nothing: all the rest is still there.
    let mut rest = Vec::new();
    drop(a);
    block_on(b.read_to_end(&mut rest)).unwrap();
    assert_eq!(rest.len(), 1000 - coop::BUDGET as usize);
}

#[test]
fn repeat_and_sink_spend_the_budget() {
    let (_counter, waker) = CountingWaker::new();
    let polls = coop::budget(|| {
        let mut r = io::repeat(0);
        let mut s = io::sink();
        let mut n = 0;
        loop {
            let mut buf = [0u8; 4];
            if poll_once(&mut Box::pin(r.read(&mut buf)), &waker).is_pending() {
                break n;
            }
            if poll_once(&mut Box::pin(s.write(&buf)), &waker).is_pending() {
                break n;
            }
            n += 1;
        }
    });
    assert_eq!(polls, coop::BUDGET as usize / 2);
}

#[test]
fn simplex_is_one_way() {
    block_on(async {
        let (mut rx, mut tx) = io::simplex(4);
        let writer = async {
            tx.write_all(b"through a small pipe").await.unwrap();
            tx.shutdown().await.unwrap();
        };
        let reader = async {
            let mut s = String::new();
            rx.read_to_string(&mut s).await.unwrap();
            s
        };
        // Interleave the two on one thread: neither fits without the other making progress.
        let (_, s) = join(writer, reader).await;
        assert_eq!(s, "through a small pipe");
    });
}

#[test]
fn empty_sink_repeat() {
    block_on(async {
        let mut buf = Vec::new();
        assert_eq!(io::empty().read_to_end(&mut buf).await.unwrap(), 0);
        assert_eq!(io::empty().write(b"abc").await.unwrap(), 3);
        let mut sink = io::sink();
        sink.write_all(&[0u8; 10_000]).await.unwrap();
        sink.flush().await.unwrap();
        let mut five = [0u8; 5];
        io::repeat(b'x').read_exact(&mut five).await.unwrap();
        assert_eq!(&five, b"xxxxx");
        let mut limited = String::new();
        io::repeat(b'y')
            .take(3)
            .read_to_string(&mut limited)
            .await
            .unwrap();
        assert_eq!(limited, "yyy");
    });
}

/// Polls two futures on one task until both finish.
async fn join<A: std::future::Future, B: std::future::Future>(
    a: A,
    b: B,
) -> (A::Output, B::Output) {
    let mut a = std::pin::pin!(a);
    let mut b = std::pin::pin!(b);
    let (mut ra, mut rb) = (None, None);
    std::future::poll_fn(|cx| {
        if ra.is_none() {
            if let std::task::Poll::Ready(v) = a.as_mut().poll(cx) {
                ra = Some(v);
            }
        }
        if rb.is_none() {
            if let std::task::Poll::Ready(v) = b.as_mut().poll(cx) {
                rb = Some(v);
            }
        }
        if ra.is_some() && rb.is_some() {
            std::task::Poll::Ready(())
        } else {
            std::task::Poll::Pending
        }
    })
    .await;
    (ra.unwrap(), rb.unwrap())
}

/// A waker that owns a stream: dropping the waker drops the stream.
struct Owner(#[allow(dead_code)] io::DuplexStream);

impl std::task::Wake for Owner {
    fn wake(self: std::sync::Arc<Self>) {}
}

#[test]
fn a_replaced_waker_is_dropped_outside_the_pipe_lock() {
    // The pending read's first waker owns the peer. Polling again with another waker drops
    // the first one, and with it the peer, whose drop locks the same pipe: done under the
    // lock, that would deadlock.
    let (mut reader, peer) = io::duplex(1);
    let mut buf = [0u8; 1];
    let mut fut = Box::pin(reader.read(&mut buf));
    let owner = std::task::Waker::from(std::sync::Arc::new(Owner(peer)));
    assert!(poll_once(&mut fut, &owner).is_pending());
    drop(owner);
    let (_counter, waker) = CountingWaker::new();
    assert!(poll_once(&mut fut, &waker).is_pending(), "the peer closed");
    assert!(matches!(
        poll_once(&mut fut, &waker),
        std::task::Poll::Ready(Ok(0))
    ));
}

/// A waker that, when woken, polls a read on the other end of the pipe.
struct ReadsOnWake(
    std::sync::Mutex<Option<io::DuplexStream>>,
    std::sync::atomic::AtomicUsize,
);

impl std::task::Wake for ReadsOnWake {
    fn wake(self: std::sync::Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &std::sync::Arc<Self>) {
        let mut stream = self.0.lock().unwrap();
        let mut buf = [0u8; 4];
        let n = block_on(stream.as_mut().unwrap().read(&mut buf)).unwrap();
        self.1.store(n, std::sync::atomic::Ordering::SeqCst);
    }
}

#[test]
fn wakers_run_outside_the_pipe_lock() {
    let (mut a, b) = io::duplex(4);
    let (_counter, noop) = CountingWaker::new();
    let waker_state = std::sync::Arc::new(ReadsOnWake(
        std::sync::Mutex::new(None),
        std::sync::atomic::AtomicUsize::new(0),
    ));
    let waker = std::task::Waker::from(waker_state.clone());
    // Park a read of `b` with the waker that reads `b` again when woken.
    let (mut b_read, b_keep) = io::split(b);
    let mut buf = [0u8; 4];
    let mut fut = Box::pin(b_read.read(&mut buf));
    assert!(poll_once(&mut fut, &waker).is_pending());
    drop(fut);
    *waker_state.0.lock().unwrap() = Some(b_read.unsplit(b_keep));
    // The write wakes that waker, which reads from the same pipe at once.
    assert!(matches!(
        poll_once(&mut Box::pin(a.write(b"abc")), &noop),
        std::task::Poll::Ready(Ok(3))
    ));
    assert_eq!(waker_state.1.load(std::sync::atomic::Ordering::SeqCst), 3);
}

#[test]
fn zero_sized_pipes_panic_at_the_callers_line() {
    for make in [
        (|| drop(io::duplex(0))) as fn(),
        || drop(io::simplex(0)),
        || drop(io::SimplexStream::new_unsplit(0)),
    ] {
        let payload = std::panic::catch_unwind(make).unwrap_err();
        let msg = payload.downcast_ref::<&str>().copied().unwrap_or_default();
        assert_eq!(msg, "`max_buf_size` must be greater than 0");
    }
    let location = support::panic_location(|| drop(io::duplex(0)));
    assert_eq!(location, file!());
}
