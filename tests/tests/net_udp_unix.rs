//! UDP and Unix domain sockets on both flavors, and signals (in a child process).

use std::io::ErrorKind;
use std::time::Duration;

use runtime::io::{AsyncReadExt, AsyncWriteExt};
use runtime::net::{UdpSocket, UnixDatagram, UnixListener, UnixStream};
use runtime_tests::{both_flavors, within, Flavor};

const LIMIT: Duration = Duration::from_secs(60);

fn temp_path(name: &str) -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!(
        "runtime-test-{}-{name}-{:?}",
        std::process::id(),
        std::thread::current().id()
    ));
    let _ = std::fs::remove_file(&path);
    path
}

both_flavors! {
    fn udp_send_to_recv_from_and_connected() {
        let rt = rt();
        within(LIMIT, move || rt.block_on(async {
            let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            let (a_addr, b_addr) = (a.local_addr().unwrap(), b.local_addr().unwrap());
            assert_eq!(a.send_to(b"one", b_addr).await.unwrap(), 3);
            let mut buf = [0; 16];
            let (n, from) = b.peek_from(&mut buf).await.unwrap();
            assert_eq!((&buf[..n], from), (&b"one"[..], a_addr));
            let (n, from) = b.recv_from(&mut buf).await.unwrap();
            assert_eq!((&buf[..n], from), (&b"one"[..], a_addr));
            // Connected.
            a.connect(b_addr).await.unwrap();
            b.connect(a_addr).await.unwrap();
            assert_eq!(a.peer_addr().unwrap(), b_addr);
            a.send(b"two").await.unwrap();
            let n = b.recv(&mut buf).await.unwrap();
            assert_eq!(&buf[..n], b"two");
            assert_eq!(b.try_recv(&mut buf).unwrap_err().kind(), ErrorKind::WouldBlock);
            // Many datagrams, none lost on loopback.
            for i in 0..100u8 {
                a.send(&[i]).await.unwrap();
            }
            for i in 0..100u8 {
                let n = b.recv(&mut buf).await.unwrap();
                assert_eq!(&buf[..n], &[i]);
            }
        }));
    }

    fn udp_bad_address_is_invalid_input() {
        let rt = rt();
        rt.block_on(async {
            let err = UdpSocket::bind("nonsense").await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidInput);
            let s = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            let err = s.send_to(b"x", "also nonsense").await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidInput);
        });
    }

    fn unix_stream_listener_and_pair() {
        let rt = rt();
        within(LIMIT, move || rt.block_on(async {
            let path = temp_path("stream");
            let listener = UnixListener::bind(&path).unwrap();
            let server = runtime::spawn(async move {
                let (mut s, _) = listener.accept().await.unwrap();
                let mut buf = Vec::new();
                s.read_to_end(&mut buf).await.unwrap();
                s.write_all(&buf).await.unwrap();
                buf.len()
            });
            let mut c = UnixStream::connect(&path).await.unwrap();
            c.write_all(b"over a unix socket").await.unwrap();
            c.shutdown().await.unwrap();
            let mut back = Vec::new();
            c.read_to_end(&mut back).await.unwrap();
            assert_eq!(back, b"over a unix socket");
            assert_eq!(server.await.unwrap(), 18);
            let _ = std::fs::remove_file(&path);

            let (a, b) = UnixStream::pair().unwrap();
            let (mut ar, mut aw) = a.into_split();
            let (mut br, mut bw) = b.into_split();
            aw.write_all(b"ping").await.unwrap();
            let mut buf = [0; 4];
            br.read_exact(&mut buf).await.unwrap();
            bw.write_all(b"pong").await.unwrap();
            ar.read_exact(&mut buf).await.unwrap();
            assert_eq!(&buf, b"pong");
        }));
    }

    fn unix_connect_to_nothing_is_an_error() {
        let rt = rt();
        rt.block_on(async {
            let err = UnixStream::connect(temp_path("nothing-here")).await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::NotFound, "{err}");
        });
    }

    fn unix_datagrams() {
        let rt = rt();
        within(LIMIT, move || rt.block_on(async {
            let (a, b) = UnixDatagram::pair().unwrap();
            a.send(b"dgram").await.unwrap();
            let mut buf = [0; 16];
            let n = b.recv(&mut buf).await.unwrap();
            assert_eq!(&buf[..n], b"dgram");
            let path = temp_path("dgram");
            let bound = UnixDatagram::bind(&path).unwrap();
            let sender = UnixDatagram::unbound().unwrap();
            sender.send_to(b"to a path", &path).await.unwrap();
            let (n, _) = bound.recv_from(&mut buf).await.unwrap();
            assert_eq!(&buf[..n], b"to a path");
            let _ = std::fs::remove_file(&path);
        }));
    }
}

/// A child process listens for SIGUSR1 and SIGHUP; the parent sends them; the child's
/// handlers see both and it exits cleanly.
#[test]
fn signals_reach_a_child_processs_handler() {
    if std::env::var_os("RUNTIME_SIGNAL_CHILD").is_some() {
        signal_child();
        return;
    }
    let exe = std::env::current_exe().unwrap();
    let mut child = std::process::Command::new(exe)
        .args([
            "signals_reach_a_child_processs_handler",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("RUNTIME_SIGNAL_CHILD", "1")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id() as libc::pid_t;
    // Wait for the child to say it listens.
    let mut stdout = child.stdout.take().unwrap();
    let mut seen = String::new();
    let start = std::time::Instant::now();
    while !seen.contains("LISTENING") {
        let mut buf = [0; 256];
        let n = std::io::Read::read(&mut stdout, &mut buf).unwrap();
        assert!(
            n > 0 && start.elapsed() < LIMIT,
            "child ended early: {seen}"
        );
        seen.push_str(&String::from_utf8_lossy(&buf[..n]));
    }
    for sig in [libc::SIGUSR1, libc::SIGHUP] {
        // SAFETY: sending a signal to our own child process.
        assert_eq!(unsafe { libc::kill(pid, sig) }, 0);
        std::thread::sleep(Duration::from_millis(100));
    }
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stdout, &mut rest).unwrap();
    let status = child.wait().unwrap();
    assert!(status.success(), "child: {seen}{rest}");
    assert!(
        rest.contains("GOT-USR1") && rest.contains("GOT-HUP"),
        "{seen}{rest}"
    );
}

fn signal_child() {
    use runtime::signal::unix::{signal, SignalKind};
    let rt = Flavor::MultiThread.rt();
    rt.block_on(async {
        let mut usr1 = signal(SignalKind::user_defined1()).unwrap();
        let mut hup = signal(SignalKind::hangup()).unwrap();
        assert!(signal(SignalKind::from_raw(libc::SIGKILL)).is_err());
        println!("LISTENING");
        let limit = Duration::from_secs(30);
        runtime::time::timeout(limit, usr1.recv()).await.unwrap();
        println!("GOT-USR1");
        runtime::time::timeout(limit, hup.recv()).await.unwrap();
        println!("GOT-HUP");
    });
}

both_flavors! {
    fn async_fd_waits_for_a_raw_descriptor() {
        use std::io::{Read, Write};
        use runtime::io::unix::AsyncFd;
        let rt = rt();
        within(LIMIT, move || rt.block_on(async {
            let (a, mut b) = std::os::unix::net::UnixStream::pair().unwrap();
            a.set_nonblocking(true).unwrap();
            // SAFETY: `fd` owns the stream, so the descriptor stays open while registered.
            let fd = unsafe { AsyncFd::register(a) }.unwrap();
            let writer = std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(50));
                b.write_all(b"raw").unwrap();
                b
            });
            let mut buf = [0; 8];
            let n = loop {
                let mut guard = fd.readable().await.unwrap();
                match guard.try_io(|inner| inner.get_ref().read(&mut buf)) {
                    Ok(res) => break res.unwrap(),
                    Err(_would_block) => continue,
                }
            };
            assert_eq!(&buf[..n], b"raw");
            // Nothing more: a read now would block, and the guard clears readiness.
            let mut guard = fd.readable().await;
            if let Ok(g) = guard.as_mut() {
                let r = g.try_io(|inner| inner.get_ref().read(&mut buf));
                assert!(r.is_err(), "read data that was not there");
            }
            drop(guard);
            let _b = writer.join().unwrap();
            let inner = fd.into_inner();
            drop(inner);
        }));
    }
}
