//! Wakers that panic when the runtime wakes them (their `wake` is user code): the timer
//! driver, the reactor and the primitives' wake batches contain the panic, wake everyone
//! else, and the runtime keeps running tasks, timers and I/O, on both flavors.

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, RawWaker, RawWakerVTable, Waker};
use std::time::Duration;

use runtime::io::{AsyncReadExt, AsyncWriteExt};
use runtime::net::{TcpListener, TcpStream};
use runtime::sync::Notify;
use runtime_tests::{both_flavors, settle, within};

const LIMIT: Duration = Duration::from_secs(60);

/// A waker whose `wake` and `wake_by_ref` panic.
fn panicking_waker() -> Waker {
    fn clone(data: *const ()) -> RawWaker {
        RawWaker::new(data, &VTABLE)
    }
    fn wake(_: *const ()) {
        panic!("this waker panics when woken (a test of containment)");
    }
    fn noop(_: *const ()) {}
    static VTABLE: RawWakerVTable = RawWakerVTable::new(clone, wake, wake, noop);
    // SAFETY: every function of the vtable ignores the data pointer, which is null.
    unsafe { Waker::from_raw(RawWaker::new(std::ptr::null(), &VTABLE)) }
}

both_flavors! {
    fn a_timer_whose_waker_panics_stops_nothing_else() {
        let rt = rt();
        within(LIMIT, move || {
            rt.block_on(async {
                // Polled once by a waker that panics when the timer driver fires it.
                let mut doomed = Box::pin(runtime::time::sleep(Duration::from_millis(5)));
                let waker = panicking_waker();
                assert!(doomed.as_mut().poll(&mut Context::from_waker(&waker)).is_pending());
                // Timers due with it and after it still fire.
                let others: Vec<_> = (0..8u64)
                    .map(|i| {
                        runtime::spawn(async move {
                            runtime::time::sleep(Duration::from_millis(5 + i)).await;
                            i
                        })
                    })
                    .collect();
                for (i, other) in others.into_iter().enumerate() {
                    assert_eq!(other.await.unwrap(), i as u64);
                }
                runtime::time::sleep(Duration::from_millis(20)).await;
                // The doomed timer did fire; new tasks and timers run.
                assert!(doomed.as_mut().poll(&mut Context::from_waker(Waker::noop())).is_ready());
                let late = runtime::spawn(async {
                    runtime::time::sleep(Duration::from_millis(1)).await;
                    7
                });
                assert_eq!(late.await.unwrap(), 7);
            })
        });
    }

    fn a_socket_whose_waker_panics_stops_nothing_else() {
        let rt = rt();
        within(LIMIT, move || {
            rt.block_on(async {
                let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
                let addr = listener.local_addr().unwrap();
                let mut client = TcpStream::connect(addr).await.unwrap();
                let (server, _) = listener.accept().await.unwrap();
                // A fresh stream is assumed ready; a read that would block clears that. The
                // clear is skipped if the reactor reported the stream's first event
                // ("writable") in between (a newer tick), so repeat until it reads as not
                // ready: nothing else can make it readable before the peer writes.
                let mut scratch = [0u8; 8];
                let started = std::time::Instant::now();
                loop {
                    let would_block = server.try_read(&mut scratch).unwrap_err();
                    assert_eq!(would_block.kind(), std::io::ErrorKind::WouldBlock);
                    if server
                        .poll_read_ready(&mut Context::from_waker(Waker::noop()))
                        .is_pending()
                    {
                        break;
                    }
                    assert!(started.elapsed() < LIMIT, "the stream stayed readable");
                    runtime::task::yield_now().await;
                }
                // The server's read readiness waits with a waker that panics when the reactor
                // wakes it.
                let waker = panicking_waker();
                let mut cx = Context::from_waker(&waker);
                assert!(server.poll_read_ready(&mut cx).is_pending());
                client.write_all(b"x").await.unwrap();
                // The reactor woke it (and contained the panic); the socket is readable, and
                // the rest of the runtime's I/O goes on.
                runtime::time::timeout(LIMIT, server.readable())
                    .await
                    .expect("the server never became readable")
                    .unwrap();
                let mut second = TcpStream::connect(addr).await.unwrap();
                let (mut echo, _) = listener.accept().await.unwrap();
                let echoing = runtime::spawn(async move {
                    let mut buf = [0u8; 5];
                    echo.read_exact(&mut buf).await.unwrap();
                    echo.write_all(&buf).await.unwrap();
                });
                second.write_all(b"hello").await.unwrap();
                let mut back = [0u8; 5];
                second.read_exact(&mut back).await.unwrap();
                assert_eq!(&back, b"hello");
                echoing.await.unwrap();
            })
        });
    }

    fn a_notify_waiter_whose_waker_panics_stops_nothing_else() {
        let rt = rt();
        within(LIMIT, move || {
            rt.block_on(async {
                let notify = Arc::new(Notify::new());
                // Waits with a waker that panics when `notify_waiters` wakes it.
                let mut doomed = pin!(notify.notified());
                let waker = panicking_waker();
                assert!(doomed.as_mut().poll(&mut Context::from_waker(&waker)).is_pending());
                let waiters: Vec<_> = (0..6)
                    .map(|_| {
                        let notify = notify.clone();
                        runtime::spawn(async move { notify.notified().await })
                    })
                    .collect();
                settle(FLAVOR).await;
                // The panicking waker is first in line; everyone after it is woken too, and
                // this call does not panic.
                notify.notify_waiters();
                for waiter in waiters {
                    runtime::time::timeout(LIMIT, waiter)
                        .await
                        .expect("a waiter after the panicking one was never woken")
                        .unwrap();
                }
                assert!(doomed.as_mut().poll(&mut Context::from_waker(Waker::noop())).is_ready());
            })
        });
    }
}
