//! A soak: minutes of mixed load on one multi-thread runtime, for AddressSanitizer's and
//! LeakSanitizer's eyes (`.ci/soak`, not in CI). Ignored by default; `SOAK_SECS` sets how long
//! it runs (default 20 s).
//!
//! Every round runs, at once: TCP echo over real sockets, timers cancelled before and after
//! they fire, every channel kind, spawn and abort storms, and `block_in_place`. Each part
//! checks its own results (bytes echoed back intact, messages received in order, aborted
//! tasks reported cancelled), so the soak fails on a wrong answer as well as on a memory
//! error or a leak.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::time::{Duration, Instant};

use runtime::io::{AsyncReadExt, AsyncWriteExt};
use runtime::net::{TcpListener, TcpStream};
use runtime::sync::{broadcast, mpsc, oneshot, watch, Mutex, Notify, RwLock, Semaphore};
use runtime::task::JoinSet;
use runtime::time::{sleep, timeout};

/// Work done, per part, printed at the end so a run shows it did something.
#[derive(Default)]
struct Done {
    echoed_bytes: AtomicU64,
    timers: AtomicU64,
    messages: AtomicU64,
    spawned: AtomicU64,
    aborted: AtomicU64,
    blocked: AtomicU64,
}

fn soak_duration() -> Duration {
    let secs = std::env::var("SOAK_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20);
    Duration::from_secs(secs)
}

async fn echo_round(done: &Done, round: u64) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("local_addr");
    let server = runtime::spawn(async move {
        let mut conns = JoinSet::new();
        for _ in 0..8 {
            let (mut stream, _) = listener.accept().await.expect("accept");
            conns.spawn(async move {
                let mut buf = vec![0u8; 4096];
                loop {
                    let n = stream.read(&mut buf).await.expect("server read");
                    if n == 0 {
                        return;
                    }
                    stream.write_all(&buf[..n]).await.expect("server write");
                }
            });
        }
        while conns.join_next().await.is_some() {}
    });
    let mut clients = JoinSet::new();
    for client in 0..8u64 {
        clients.spawn(async move {
            let mut stream = TcpStream::connect(addr).await.expect("connect");
            let payload: Vec<u8> = (0..16 * 1024u64)
                .map(|i| (i * 31 + client * 7 + round) as u8)
                .collect();
            let (mut rd, mut wr) = stream.split();
            let write = async {
                wr.write_all(&payload).await.expect("client write");
                wr.shutdown().await.expect("client shutdown");
            };
            let mut back = Vec::with_capacity(payload.len());
            let read = rd.read_to_end(&mut back);
            let (_, read) = runtime::join!(write, read);
            read.expect("client read");
            assert!(back == payload, "echo corrupted the payload");
            payload.len() as u64
        });
    }
    while let Some(bytes) = clients.join_next().await {
        done.echoed_bytes
            .fetch_add(bytes.expect("client task"), Relaxed);
    }
    server.await.expect("server task");
}

async fn timer_round(done: &Done) {
    let mut set = JoinSet::new();
    for i in 0..200u64 {
        set.spawn(async move {
            // Every third is cancelled before it fires (a timeout that wins), the rest fire.
            if i % 3 == 0 {
                let r = timeout(Duration::from_millis(1), sleep(Duration::from_secs(60))).await;
                assert!(r.is_err(), "a 60 s sleep finished inside a 1 ms timeout");
            } else {
                sleep(Duration::from_micros(100 * (i % 7))).await;
            }
        });
    }
    // And a few cancelled by dropping the task that holds them.
    for _ in 0..50 {
        let handle = runtime::spawn(sleep(Duration::from_secs(60)));
        handle.abort();
        assert!(handle.await.expect_err("aborted").is_cancelled());
    }
    while let Some(r) = set.join_next().await {
        r.expect("timer task");
        done.timers.fetch_add(1, Relaxed);
    }
}

async fn channel_round(done: &Done) {
    const N: u64 = 2_000;
    // mpsc, bounded and unbounded, with several senders: each sender's values stay in order.
    let (tx, mut rx) = mpsc::channel::<(u64, u64)>(16);
    let (utx, mut urx) = mpsc::unbounded_channel::<(u64, u64)>();
    for sender in 0..4u64 {
        let (tx, utx) = (tx.clone(), utx.clone());
        runtime::spawn(async move {
            for i in 0..N / 4 {
                tx.send((sender, i)).await.expect("mpsc send");
                utx.send((sender, i)).expect("unbounded send");
            }
        });
    }
    drop((tx, utx));
    let mut last = [None::<u64>; 4];
    while let Some((sender, i)) = rx.recv().await {
        let prev = last[sender as usize].replace(i);
        assert_eq!(
            prev.map_or(0, |p| p + 1),
            i,
            "mpsc reordered a sender's values"
        );
    }
    let mut count = 0;
    while urx.recv().await.is_some() {
        count += 1;
    }
    assert_eq!(count, N);

    // oneshot, both ways of ending: sent, and the sender dropped.
    for i in 0..100u64 {
        let (tx, rx) = oneshot::channel::<u64>();
        if i % 2 == 0 {
            runtime::spawn(async move { tx.send(i).expect("oneshot send") });
            assert_eq!(rx.await.expect("oneshot recv"), i);
        } else {
            drop(tx);
            assert!(rx.await.is_err());
        }
    }

    // broadcast (with a lagging receiver dropped mid-way) and watch.
    let (btx, mut brx) = broadcast::channel::<u64>(32);
    let slow = btx.subscribe();
    let (wtx, mut wrx) = watch::channel(0u64);
    let producer = runtime::spawn(async move {
        for i in 1..=500u64 {
            btx.send(i).expect("broadcast send");
            wtx.send(i).expect("watch send");
            if i % 50 == 0 {
                runtime::task::yield_now().await;
            }
        }
    });
    drop(slow);
    let mut seen = 0u64;
    loop {
        match brx.recv().await {
            Ok(i) => {
                assert!(i > seen, "broadcast went backwards");
                seen = i;
            }
            Err(broadcast::error::RecvError::Lagged(_)) => {}
            Err(broadcast::error::RecvError::Closed) => break,
        }
    }
    producer.await.expect("producer");
    assert_eq!(seen, 500);
    assert_eq!(*wrx.borrow_and_update(), 500);

    // The locks and the semaphore under contention, and Notify.
    let counter = Arc::new(Mutex::new(0u64));
    let table = Arc::new(RwLock::new(vec![0u64; 8]));
    let permits = Arc::new(Semaphore::new(3));
    let notify = Arc::new(Notify::new());
    let mut set = JoinSet::new();
    for t in 0..16u64 {
        let (counter, table, permits, notify) = (
            counter.clone(),
            table.clone(),
            permits.clone(),
            notify.clone(),
        );
        set.spawn(async move {
            for _ in 0..50 {
                *counter.lock().await += 1;
                table.write().await[(t % 8) as usize] += 1;
                let _ = table.read().await.iter().sum::<u64>();
                let _permit = permits.acquire().await.expect("semaphore open");
                notify.notify_one();
            }
        });
    }
    while let Some(r) = set.join_next().await {
        r.expect("lock task");
    }
    assert_eq!(*counter.lock().await, 16 * 50);
    assert_eq!(table.read().await.iter().sum::<u64>(), 16 * 50);
    notify.notified().await; // A stored permit from the notify_one calls above.
    done.messages.fetch_add(2 * N + 100 + 500, Relaxed);
}

async fn spawn_abort_round(done: &Done) {
    let mut handles = Vec::with_capacity(2_000);
    for i in 0..2_000u64 {
        handles.push(runtime::spawn(async move {
            if i % 2 == 0 {
                runtime::task::yield_now().await;
                i
            } else {
                sleep(Duration::from_secs(60)).await;
                i
            }
        }));
    }
    for (i, handle) in handles.iter().enumerate() {
        if i % 2 == 1 {
            handle.abort();
        }
    }
    for (i, handle) in handles.into_iter().enumerate() {
        match handle.await {
            Ok(v) => assert_eq!(v, i as u64),
            Err(e) => {
                assert!(e.is_cancelled(), "not a cancellation: {e}");
                assert_eq!(i % 2, 1, "an even task was cancelled");
                done.aborted.fetch_add(1, Relaxed);
            }
        }
        done.spawned.fetch_add(1, Relaxed);
    }
    // A JoinSet dropped with live tasks aborts them all.
    let mut set = JoinSet::new();
    for _ in 0..500 {
        set.spawn(sleep(Duration::from_secs(60)));
    }
    drop(set);
}

async fn block_in_place_round(done: &Done) {
    let mut set = JoinSet::new();
    for i in 0..8u64 {
        set.spawn(async move {
            let v = runtime::task::block_in_place(|| {
                std::thread::sleep(Duration::from_millis(2));
                i * 2
            });
            runtime::task::yield_now().await;
            v
        });
    }
    let mut sum = 0;
    while let Some(r) = set.join_next().await {
        sum += r.expect("block_in_place task");
    }
    assert_eq!(sum, (0..8u64).map(|i| i * 2).sum::<u64>());
    let blocking = runtime::task::spawn_blocking(|| 7u64);
    assert_eq!(blocking.await.expect("spawn_blocking"), 7);
    done.blocked.fetch_add(9, Relaxed);
}

#[test]
#[ignore = "a soak: run with `.ci/soak` (AddressSanitizer) or `--ignored`"]
fn mixed_load_soak() {
    let how_long = soak_duration();
    let rt = runtime::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let done = Arc::new(Done::default());
    let started = Instant::now();
    let mut rounds = 0u64;
    while started.elapsed() < how_long {
        let d = done.clone();
        let round = rounds;
        rt.block_on(async move {
            let d = &*d;
            runtime::join!(
                echo_round(d, round),
                timer_round(d),
                channel_round(d),
                spawn_abort_round(d),
                block_in_place_round(d),
            );
        });
        rounds += 1;
    }
    // Shutdown with nothing left running: every task, timer and socket is gone afterwards, so
    // LeakSanitizer's report at exit covers the runtime's own memory.
    drop(rt);
    println!(
        "soak: {rounds} rounds in {:.0?}: {} bytes echoed, {} timers, {} messages, {} tasks \
         spawned ({} aborted), {} blocking sections",
        started.elapsed(),
        done.echoed_bytes.load(Relaxed),
        done.timers.load(Relaxed),
        done.messages.load(Relaxed),
        done.spawned.load(Relaxed),
        done.aborted.load(Relaxed),
        done.blocked.load(Relaxed),
    );
    assert!(rounds > 0);
}
