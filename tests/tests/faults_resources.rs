//! Resource faults: the OS says no, the peer goes away, the runtime goes away under load.
//! Each must surface as an `io::Error` (or a clean shutdown), never as a panic, a hang or a
//! lost task. (`accept` under `EMFILE` and a reset seen by a read are in `net_tcp.rs`.)

use std::io::ErrorKind;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{mpsc as std_mpsc, Arc};
use std::time::{Duration, Instant};

use runtime::io::{AsyncReadExt, AsyncWriteExt};
use runtime::net::{TcpListener, TcpStream};
use runtime_tests::{current_thread_rt, multi_thread_rt, within, Counter};

/// Generous: a loaded 2-core machine is slow, and none of these should take more than a blink.
const LIMIT: Duration = Duration::from_secs(20);

/// `connect` under `EMFILE` returns the error, and works again once descriptors free up. In a
/// child process with a low `RLIMIT_NOFILE`, so the other tests keep their descriptors.
#[test]
fn connect_under_emfile_is_an_error_and_recovers() {
    if std::env::var_os("RUNTIME_CONNECT_EMFILE_CHILD").is_some() {
        connect_emfile_child();
        return;
    }
    let exe = std::env::current_exe().unwrap();
    let out = std::process::Command::new(exe)
        .args([
            "connect_under_emfile_is_an_error_and_recovers",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("RUNTIME_CONNECT_EMFILE_CHILD", "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "child failed: {stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("CONNECT-EMFILE-RECOVERED"), "{stdout}");
}

fn connect_emfile_child() {
    let rt = current_thread_rt();
    rt.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let mut hoard = Vec::new();
        // SAFETY: plain getrlimit/setrlimit calls on a valid struct.
        unsafe {
            let mut lim = libc::rlimit {
                rlim_cur: 0,
                rlim_max: 0,
            };
            assert_eq!(libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim), 0);
            lim.rlim_cur = 64;
            assert_eq!(libc::setrlimit(libc::RLIMIT_NOFILE, &lim), 0);
        }
        while let Ok(f) = std::fs::File::open("/dev/null") {
            hoard.push(f);
        }
        let err = runtime::time::timeout(Duration::from_secs(5), TcpStream::connect(addr))
            .await
            .expect("connect hung under EMFILE")
            .unwrap_err();
        assert_eq!(err.raw_os_error(), Some(libc::EMFILE), "{err}");
        hoard.clear();
        let mut client = runtime::time::timeout(Duration::from_secs(5), TcpStream::connect(addr))
            .await
            .expect("connect hung after descriptors freed")
            .unwrap();
        let (mut server, _) = listener.accept().await.unwrap();
        client.write_all(b"ok").await.unwrap();
        let mut buf = [0; 2];
        server.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"ok");
        println!("CONNECT-EMFILE-RECOVERED");
    });
}

/// The peer resets the connection while we are writing a large buffer: the write fails with
/// the reset (or a broken pipe), it does not hang, and the runtime goes on.
#[test]
fn a_peer_reset_mid_write_fails_the_write() {
    for rt in [current_thread_rt(), multi_thread_rt()] {
        within(LIMIT, move || {
            rt.block_on(async {
                let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
                let addr = listener.local_addr().unwrap();
                let mut client = TcpStream::connect(addr).await.unwrap();
                let (server, _) = listener.accept().await.unwrap();
                let resetter = runtime::spawn(async move {
                    // Read nothing, let the client fill the buffers, then reset.
                    runtime::time::sleep(Duration::from_millis(50)).await;
                    server.set_zero_linger().unwrap();
                    drop(server);
                });
                // Far more than the socket buffers hold: the write is mid-way when the RST
                // arrives.
                let big = vec![7u8; 64 * 1024 * 1024];
                let err = client.write_all(&big).await.unwrap_err();
                assert!(
                    matches!(
                        err.kind(),
                        ErrorKind::ConnectionReset | ErrorKind::BrokenPipe
                    ),
                    "{err}"
                );
                resetter.await.unwrap();
                // The runtime still runs tasks and timers.
                let t = runtime::spawn(async {
                    runtime::time::sleep(Duration::from_millis(1)).await;
                    5
                });
                assert_eq!(t.await.unwrap(), 5);
            })
        });
    }
}

/// A runtime dropped from inside one of its own blocking tasks: the drop completes (it does
/// not wait for the very thread it runs on), every task's future is dropped, and nothing
/// panics.
#[test]
fn a_runtime_dropped_from_its_own_blocking_task() {
    for rt in [current_thread_rt(), multi_thread_rt()] {
        let dropped = Counter::new();
        let handle = rt.handle().clone();
        for _ in 0..10 {
            let guard = dropped.guard();
            handle.spawn(async move {
                let _guard = guard;
                std::future::pending::<()>().await;
            });
        }
        let (done_tx, done_rx) = std_mpsc::channel();
        handle.spawn_blocking(move || {
            drop(rt);
            let _ = done_tx.send(());
        });
        done_rx
            .recv_timeout(LIMIT)
            .expect("dropping the runtime from its blocking task hung");
        assert_eq!(dropped.get(), 10, "every task's future is dropped");
    }
}

/// A runtime dropped from a blocking task of *another* runtime, while its own tasks run.
#[test]
fn a_runtime_dropped_from_another_runtimes_blocking_task() {
    let outer = multi_thread_rt();
    let inner = multi_thread_rt();
    let dropped = Counter::new();
    for _ in 0..100 {
        let guard = dropped.guard();
        inner.spawn(async move {
            let _guard = guard;
            loop {
                runtime::time::sleep(Duration::from_millis(1)).await;
            }
        });
    }
    let started = Instant::now();
    outer.block_on(async move {
        runtime::task::spawn_blocking(move || drop(inner))
            .await
            .expect("the drop did not panic");
    });
    assert!(started.elapsed() < LIMIT);
    assert_eq!(dropped.get(), 100);
}

/// Shutdown while 32 connections stream data both ways: it completes within a bound, every
/// task's future is dropped once, and the sockets are closed (the peers see EOF or a reset).
#[test]
fn shutdown_under_heavy_io_completes() {
    for rt in [current_thread_rt(), multi_thread_rt()] {
        let dropped = Counter::new();
        let streaming = Arc::new(AtomicUsize::new(0));
        let listener = rt.block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
        let addr = listener.local_addr().unwrap();
        // The runtime runs on a thread of its own (a current-thread runtime runs its tasks only
        // inside `block_on`) until told to stop, mid-stream, and hands itself back.
        let (stop_tx, stop_rx) = runtime::sync::oneshot::channel::<()>();
        let server = {
            let (dropped, streaming) = (dropped.clone(), streaming.clone());
            std::thread::spawn(move || {
                rt.block_on(async move {
                    let guard = dropped.guard();
                    runtime::spawn(async move {
                        let _guard = guard;
                        loop {
                            let (mut s, _) = listener.accept().await.unwrap();
                            let streaming = streaming.clone();
                            runtime::spawn(async move {
                                streaming.fetch_add(1, SeqCst);
                                let mut buf = vec![0u8; 16 * 1024];
                                // Echo until the runtime goes away.
                                while let Ok(n) = s.read(&mut buf).await {
                                    if n == 0 || s.write_all(&buf[..n]).await.is_err() {
                                        break;
                                    }
                                }
                            });
                        }
                    });
                    let _ = stop_rx.await;
                });
                rt
            })
        };
        // Clients on plain threads, so they outlive the runtime and see what it leaves.
        let clients: Vec<_> = (0..32)
            .map(|_| {
                std::thread::spawn(move || {
                    use std::io::{Read, Write};
                    let mut s = std::net::TcpStream::connect(addr).unwrap();
                    s.set_read_timeout(Some(LIMIT)).unwrap();
                    let chunk = vec![1u8; 16 * 1024];
                    let mut back = vec![0u8; 16 * 1024];
                    // Stream until the server side is gone: an error or EOF, never a hang.
                    let started = Instant::now();
                    loop {
                        if s.write_all(&chunk).is_err() {
                            return started.elapsed();
                        }
                        match s.read(&mut back) {
                            Ok(0) | Err(_) => return started.elapsed(),
                            Ok(_) => {}
                        }
                    }
                })
            })
            .collect();
        // Let the streams get going, then shut down in the middle of it.
        let deadline = Instant::now() + LIMIT;
        while streaming.load(SeqCst) < 32 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        assert_eq!(streaming.load(SeqCst), 32, "every connection is streaming");
        std::thread::sleep(Duration::from_millis(100));
        stop_tx.send(()).unwrap();
        let rt = within(LIMIT, move || server.join().unwrap());
        let started = Instant::now();
        within(LIMIT, move || rt.shutdown_timeout(Duration::from_secs(10)));
        assert!(started.elapsed() < LIMIT);
        assert_eq!(dropped.get(), 1, "the accept loop's future was dropped");
        // Every peer learns the connection is gone well before its read timeout would fire.
        for client in clients {
            let lasted = within(LIMIT, move || client.join().unwrap());
            assert!(
                lasted < LIMIT,
                "a client waited out its read timeout: a socket was left open"
            );
        }
    }
}
