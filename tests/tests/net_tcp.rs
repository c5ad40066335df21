//! TCP on both flavors: connect/accept, echo, half-close, split halves, many connections,
//! and the fault cases (bad addresses, refused, in use, reset, write after shutdown,
//! cancellation losing nothing, running out of descriptors).

use std::io::ErrorKind;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::time::Duration;

use runtime::io::{AsyncReadExt, AsyncWriteExt};
use runtime::net::{TcpListener, TcpSocket, TcpStream};
use runtime_tests::{both_flavors, within, Flavor};

const LIMIT: Duration = Duration::from_secs(60);

async fn listener() -> (TcpListener, std::net::SocketAddr) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    (listener, addr)
}

/// Accepts connections forever, echoing each.
fn spawn_echo(listener: TcpListener) {
    runtime::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            runtime::spawn(async move {
                let (mut r, mut w) = socket.split();
                let _ = runtime::io::copy(&mut r, &mut w).await;
                let _ = w.shutdown().await;
            });
        }
    });
}

both_flavors! {
    fn connect_accept_and_echo() {
        let rt = rt();
        within(LIMIT, move || rt.block_on(async {
            let (listener, addr) = listener().await;
            spawn_echo(listener);
            let mut stream = TcpStream::connect(addr).await.unwrap();
            assert_eq!(stream.peer_addr().unwrap(), addr);
            stream.set_nodelay(true).unwrap();
            assert!(stream.nodelay().unwrap());
            stream.write_all(b"hello, runtime").await.unwrap();
            let mut buf = [0; 14];
            stream.read_exact(&mut buf).await.unwrap();
            assert_eq!(&buf, b"hello, runtime");
            // Half-close: our shutdown reaches the echo, whose copy ends and closes its side.
            stream.shutdown().await.unwrap();
            let mut rest = Vec::new();
            stream.read_to_end(&mut rest).await.unwrap();
            assert!(rest.is_empty());
        }));
    }

    fn sixty_four_mib_through_an_echo_server_arrive_complete() {
        let rt = rt();
        within(Duration::from_secs(120), move || rt.block_on(async {
            let (listener, addr) = listener().await;
            spawn_echo(listener);
            let stream = TcpStream::connect(addr).await.unwrap();
            let (mut r, mut w) = stream.into_split();
            const LEN: usize = 64 << 20;
            let writer = runtime::spawn(async move {
                let mut sum = 0u64;
                let mut chunk = vec![0u8; 64 * 1024];
                let mut sent = 0usize;
                let mut x = 0x9e37_79b9u32;
                while sent < LEN {
                    for b in chunk.iter_mut() {
                        x ^= x << 13;
                        x ^= x >> 17;
                        x ^= x << 5;
                        *b = x as u8;
                        sum = sum.wrapping_mul(31).wrapping_add(u64::from(*b));
                    }
                    w.write_all(&chunk).await.unwrap();
                    sent += chunk.len();
                }
                w.shutdown().await.unwrap();
                sum
            });
            let mut sum = 0u64;
            let mut received = 0usize;
            let mut buf = vec![0u8; 32 * 1024];
            loop {
                let n = r.read(&mut buf).await.unwrap();
                if n == 0 {
                    break;
                }
                for b in &buf[..n] {
                    sum = sum.wrapping_mul(31).wrapping_add(u64::from(*b));
                }
                received += n;
            }
            assert_eq!(received, LEN);
            assert_eq!(sum, writer.await.unwrap(), "the bytes came back changed");
        }));
    }

    fn two_hundred_concurrent_connections() {
        let rt = rt();
        within(LIMIT, move || rt.block_on(async {
            let (listener, addr) = listener().await;
            spawn_echo(listener);
            let mut clients = Vec::new();
            for i in 0..200u32 {
                clients.push(runtime::spawn(async move {
                    let mut s = TcpStream::connect(addr).await.unwrap();
                    for round in 0..10u32 {
                        let msg = (i * 1000 + round).to_le_bytes();
                        s.write_all(&msg).await.unwrap();
                        let mut back = [0; 4];
                        s.read_exact(&mut back).await.unwrap();
                        assert_eq!(back, msg);
                    }
                }));
            }
            for c in clients {
                c.await.unwrap();
            }
        }));
    }

    fn split_halves_used_from_two_tasks() {
        let rt = rt();
        within(LIMIT, move || rt.block_on(async {
            let (listener, addr) = listener().await;
            spawn_echo(listener);
            let (mut r, mut w) = TcpStream::connect(addr).await.unwrap().into_split();
            let reader = runtime::spawn(async move {
                let mut all = Vec::new();
                r.read_to_end(&mut all).await.unwrap();
                (all, r)
            });
            let writer = runtime::spawn(async move {
                for i in 0..1000u32 {
                    w.write_all(&i.to_le_bytes()).await.unwrap();
                }
                w.shutdown().await.unwrap();
                w
            });
            let w = writer.await.unwrap();
            let (all, r) = reader.await.unwrap();
            assert_eq!(all.len(), 4000);
            for (i, chunk) in all.chunks(4).enumerate() {
                assert_eq!(chunk, (i as u32).to_le_bytes());
            }
            // The halves belong together.
            let stream = r.reunite(w).unwrap();
            drop(stream);
        }));
    }

    fn reuniting_halves_of_different_streams_is_an_error() {
        let rt = rt();
        rt.block_on(async {
            let (listener, addr) = listener().await;
            spawn_echo(listener);
            let (r1, _w1) = TcpStream::connect(addr).await.unwrap().into_split();
            let (_r2, w2) = TcpStream::connect(addr).await.unwrap().into_split();
            let err = r1.reunite(w2).unwrap_err();
            assert!(err.to_string().contains("not from the same socket"));
        });
    }

    fn bad_addresses_are_invalid_input_errors() {
        let rt = rt();
        rt.block_on(async {
            for bad in ["not an address", "127.0.0.1", "127.0.0.1:notaport", ":80"] {
                let err = TcpStream::connect(bad).await.unwrap_err();
                assert_eq!(err.kind(), ErrorKind::InvalidInput, "{bad}: {err}");
                let err = TcpListener::bind(bad).await.unwrap_err();
                assert_eq!(err.kind(), ErrorKind::InvalidInput, "{bad}: {err}");
            }
        });
    }

    fn connection_refused_is_an_error_not_a_hang() {
        let rt = rt();
        within(LIMIT, move || rt.block_on(async {
            // A port that was just free.
            let addr = {
                let (l, addr) = listener().await;
                drop(l);
                addr
            };
            let err = TcpStream::connect(addr).await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::ConnectionRefused, "{err}");
        }));
    }

    fn address_in_use_is_an_error() {
        let rt = rt();
        rt.block_on(async {
            let (_l, addr) = listener().await;
            let err = TcpListener::bind(addr).await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::AddrInUse, "{err}");
        });
    }

    fn peer_reset_is_an_error() {
        let rt = rt();
        within(LIMIT, move || rt.block_on(async {
            let (listener, addr) = listener().await;
            let mut client = TcpStream::connect(addr).await.unwrap();
            let (s, _) = listener.accept().await.unwrap();
            // Linger 0: close sends RST.
            s.set_zero_linger().unwrap();
            drop(s);
            runtime::time::sleep(Duration::from_millis(50)).await;
            let mut buf = [0; 8];
            let err = client.read(&mut buf).await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::ConnectionReset, "{err}");
        }));
    }

    fn a_write_after_shutdown_is_an_error() {
        let rt = rt();
        rt.block_on(async {
            let (listener, addr) = listener().await;
            spawn_echo(listener);
            let mut s = TcpStream::connect(addr).await.unwrap();
            s.shutdown().await.unwrap();
            let err = s.write_all(b"late").await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::BrokenPipe, "{err}");
        });
    }

    fn a_dropped_pending_read_or_accept_loses_nothing() {
        let rt = rt();
        within(LIMIT, move || rt.block_on(async {
            let (listener, addr) = listener().await;
            // A pending accept, dropped: the connection waits for the next accept.
            let t = runtime::time::timeout(Duration::from_millis(20), listener.accept()).await;
            assert!(t.is_err());
            let mut client = TcpStream::connect(addr).await.unwrap();
            let (mut server, _) = listener.accept().await.unwrap();
            // A pending read, dropped: the bytes wait for the next read.
            let mut buf = [0; 5];
            let t = runtime::time::timeout(Duration::from_millis(20), server.read(&mut buf)).await;
            assert!(t.is_err());
            client.write_all(b"kept!").await.unwrap();
            server.read_exact(&mut buf).await.unwrap();
            assert_eq!(&buf, b"kept!");
        }));
    }

    fn readiness_and_try_io() {
        let rt = rt();
        within(LIMIT, move || rt.block_on(async {
            let (listener, addr) = listener().await;
            let client = TcpStream::connect(addr).await.unwrap();
            let (server, _) = listener.accept().await.unwrap();
            let mut buf = [0; 16];
            assert_eq!(server.try_read(&mut buf).unwrap_err().kind(), ErrorKind::WouldBlock);
            client.writable().await.unwrap();
            assert_eq!(client.try_write(b"ping").unwrap(), 4);
            server.readable().await.unwrap();
            let mut peeked = [0; 4];
            assert_eq!(server.peek(&mut peeked).await.unwrap(), 4);
            assert_eq!(server.try_read(&mut buf).unwrap(), 4);
            assert_eq!(&buf[..4], b"ping");
            let ready = server.ready(runtime::io::Interest::WRITABLE).await.unwrap();
            assert!(ready.is_writable());
        }));
    }

    fn tcp_socket_configures_then_listens_and_connects() {
        let rt = rt();
        within(LIMIT, move || rt.block_on(async {
            let socket = TcpSocket::new_v4().unwrap();
            socket.set_reuseaddr(true).unwrap();
            socket.set_reuseport(true).unwrap();
            socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
            let addr = socket.local_addr().unwrap();
            let listener = socket.listen(64).unwrap();
            spawn_echo(listener);
            let mut s = TcpSocket::new_v4().unwrap().connect(addr).await.unwrap();
            s.write_all(b"x").await.unwrap();
            let mut b = [0; 1];
            s.read_exact(&mut b).await.unwrap();
            assert_eq!(&b, b"x");
        }));
    }

    fn std_conversions_round_trip() {
        let rt = rt();
        within(LIMIT, move || rt.block_on(async {
            let std_listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            let addr = std_listener.local_addr().unwrap();
            let listener = TcpListener::from_std(std_listener).unwrap();
            listener.set_ttl(42).unwrap();
            assert_eq!(listener.ttl().unwrap(), 42);
            let client = std::thread::spawn(move || std::net::TcpStream::connect(addr).unwrap());
            let (s, _) = listener.accept().await.unwrap();
            let s = s.into_std().unwrap();
            let s = TcpStream::from_std(s).unwrap();
            drop(client.join().unwrap());
            let _ = listener.into_std().unwrap();
            drop(s);
        }));
    }

    fn lookup_host_resolves_names_off_the_workers() {
        let rt = rt();
        within(LIMIT, move || rt.block_on(async {
            let addrs: Vec<_> = runtime::net::lookup_host("localhost:4242").await.unwrap().collect();
            assert!(!addrs.is_empty());
            assert!(addrs.iter().all(|a| a.port() == 4242 && a.ip().is_loopback()));
            let (listener, addr) = listener().await;
            spawn_echo(listener);
            // By name.
            let s = TcpStream::connect(("localhost", addr.port())).await;
            // `localhost` may resolve to ::1 first, where nothing listens: then 127.0.0.1 works.
            assert!(s.is_ok(), "{s:?}");
        }));
    }
}

/// With both workers blocked in long polls, a socket read awaited on a third thread (a
/// `block_on` outside the workers) still completes: the monitor turns the reactor nobody
/// holds, so the event is not stuck behind the blocked workers (tokio's wedge).
#[test]
fn a_read_completes_while_both_workers_are_blocked() {
    let rt = Flavor::MultiThread.rt();
    within(LIMIT, move || {
        let (listener, addr) = rt.block_on(listener());
        let peer = std::thread::spawn(move || {
            let mut s = std::net::TcpStream::connect(addr).unwrap();
            std::thread::sleep(Duration::from_millis(300));
            std::io::Write::write_all(&mut s, b"hey").unwrap();
            std::thread::sleep(Duration::from_millis(500));
        });
        let (mut server, _) = rt.block_on(listener.accept()).unwrap();
        let blocked = Arc::new(AtomicUsize::new(0));
        for _ in 0..2 {
            let blocked = blocked.clone();
            rt.spawn(async move {
                blocked.fetch_add(1, SeqCst);
                std::thread::sleep(Duration::from_secs(3));
            });
        }
        while blocked.load(SeqCst) < 2 {
            std::thread::yield_now();
        }
        let start = std::time::Instant::now();
        let mut b = [0; 3];
        rt.block_on(server.read_exact(&mut b)).unwrap();
        assert_eq!(&b, b"hey");
        assert!(
            start.elapsed() < Duration::from_secs(2),
            "the read waited for the blocked workers: {:?}",
            start.elapsed()
        );
        peer.join().unwrap();
    });
}

/// `accept` under `EMFILE` returns the error, and the listener works again once
/// descriptors free up. In a child process with a low `RLIMIT_NOFILE`.
#[test]
fn accept_under_emfile_recovers() {
    if std::env::var_os("RUNTIME_EMFILE_CHILD").is_some() {
        emfile_child();
        return;
    }
    let exe = std::env::current_exe().unwrap();
    let out = std::process::Command::new(exe)
        .args([
            "accept_under_emfile_recovers",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("RUNTIME_EMFILE_CHILD", "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "child failed: {stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("EMFILE-RECOVERED"), "{stdout}");
}

fn emfile_child() {
    let rt = Flavor::CurrentThread.rt();
    rt.block_on(async {
        let (listener, addr) = listener().await;
        // Keep a client connection pending in the backlog from another thread (it has its own
        // descriptors before we lower the limit).
        let client = std::thread::spawn(move || {
            let s = std::net::TcpStream::connect(addr).unwrap();
            std::thread::sleep(Duration::from_secs(3));
            drop(s);
        });
        std::thread::sleep(Duration::from_millis(100));
        // Use up every descriptor below a low limit.
        let mut hoard = Vec::new();
        // SAFETY: plain getrlimit/setrlimit calls on valid structs.
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
        let err = runtime::time::timeout(Duration::from_secs(5), listener.accept())
            .await
            .expect("accept hung under EMFILE")
            .unwrap_err();
        assert_eq!(err.raw_os_error(), Some(libc::EMFILE), "{err}");
        hoard.clear();
        let (s, _) = runtime::time::timeout(Duration::from_secs(5), listener.accept())
            .await
            .expect("accept hung after descriptors freed")
            .unwrap();
        drop(s);
        println!("EMFILE-RECOVERED");
        client.join().unwrap();
    });
}

/// A runtime whose reactor takes one event per turn (and on busy turns too) still serves 32
/// connections at once: the events a turn leaves behind stay ready for the next one.
#[test]
fn one_event_per_turn_still_serves_every_connection() {
    for flavor in [Flavor::CurrentThread, Flavor::MultiThread] {
        let mut builder = match flavor {
            Flavor::CurrentThread => runtime::runtime::Builder::new_current_thread(),
            Flavor::MultiThread => runtime::runtime::Builder::new_multi_thread(),
        };
        let rt = builder
            .enable_all()
            .max_io_events_per_tick(2)
            .max_io_events_per_busy_tick(1)
            .build()
            .unwrap();
        within(LIMIT, move || {
            rt.block_on(async {
                let (listener, addr) = listener().await;
                spawn_echo(listener);
                let mut clients = runtime::task::JoinSet::new();
                for i in 0..32u8 {
                    clients.spawn(async move {
                        let mut s = TcpStream::connect(addr).await.unwrap();
                        let mut back = [0u8; 16];
                        for round in 0..20u8 {
                            let msg = [i ^ round; 16];
                            s.write_all(&msg).await.unwrap();
                            s.read_exact(&mut back).await.unwrap();
                            assert_eq!(back, msg);
                        }
                    });
                }
                while let Some(done) = clients.join_next().await {
                    done.unwrap();
                }
            })
        });
    }
}
