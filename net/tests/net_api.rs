//! tokio's socket API beyond the basics: socket options, the `try_*` / `poll_*` / `BufMut`
//! methods, `UnixSocket`, FIFO pipes, peer credentials, `AsyncFd::register`, readiness that
//! accepted streams and fresh pairs start with, the shutdown error, and signals delivered
//! while nobody listened.

use std::io::{ErrorKind, Read, Write};
use std::time::Duration;

use runtime::io::unix::AsyncFd;
use runtime::io::{AsyncReadExt, AsyncWriteExt, Interest, Ready};
use runtime::net::unix::pipe;
use runtime::net::{TcpListener, TcpSocket, UdpSocket, UnixDatagram, UnixSocket, UnixStream};

fn rt() -> runtime::runtime::Runtime {
    runtime::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn temp_path(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("runtime-net-api-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    let _ = std::fs::remove_file(&path);
    path
}

#[test]
fn tcp_socket_options_round_trip() {
    let socket = TcpSocket::new_v4().unwrap();
    assert!(!socket.keepalive().unwrap());
    socket.set_keepalive(true).unwrap();
    assert!(socket.keepalive().unwrap());
    assert!(!socket.nodelay().unwrap());
    socket.set_nodelay(true).unwrap();
    assert!(socket.nodelay().unwrap());
    socket.set_send_buffer_size(8192).unwrap();
    assert!(socket.send_buffer_size().unwrap() >= 8192);
    socket.set_recv_buffer_size(8192).unwrap();
    assert!(socket.recv_buffer_size().unwrap() >= 8192);
    assert_eq!(socket.linger().unwrap(), None);
    socket.set_zero_linger().unwrap();
    assert_eq!(socket.linger().unwrap(), Some(Duration::ZERO));
    socket.set_tos_v4(32).unwrap();
    assert_eq!(socket.tos_v4().unwrap(), 32);
    assert!(socket.take_error().unwrap().is_none());
}

#[test]
fn tcp_socket_from_std_stream_keeps_options_and_connects() {
    rt().block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let raw = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
        raw.set_tcp_nodelay(true).unwrap();
        // A blocking socket: `from_std_stream` makes it non-blocking, so connect cannot block.
        let socket = TcpSocket::from_std_stream(raw.into());
        assert!(socket.nodelay().unwrap());
        let (stream, accepted) = runtime::join!(socket.connect(addr), listener.accept());
        let mut stream = stream.unwrap();
        let (mut server, _) = accepted.unwrap();
        assert!(stream.nodelay().unwrap());
        stream.write_all(b"hi").await.unwrap();
        let mut buf = [0; 2];
        server.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"hi");
    });
}

#[test]
fn an_accepted_stream_reads_queued_data_without_waiting_for_the_reactor() {
    rt().block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let mut client = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        client.write_all(b"early").unwrap();
        // Let the bytes reach the server side's queue.
        std::thread::sleep(Duration::from_millis(50));
        let (stream, _) = listener.accept().await.unwrap();
        let mut buf = [0; 8];
        assert_eq!(stream.try_read(&mut buf).unwrap(), 5);
        assert_eq!(&buf[..5], b"early");
        assert_eq!(stream.try_write(b"back").unwrap(), 4);
        let mut vec = Vec::with_capacity(8);
        assert_eq!(
            stream.try_read_buf(&mut vec).unwrap_err().kind(),
            ErrorKind::WouldBlock
        );
        let mut back = [0; 4];
        client.read_exact(&mut back).unwrap();
        assert_eq!(&back, b"back");
    });
}

#[test]
fn tcp_stream_quickack_and_zero_linger() {
    rt().block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (client, server) =
            runtime::join!(runtime::net::TcpStream::connect(addr), listener.accept());
        let client = client.unwrap();
        let (mut server, _) = server.unwrap();
        client.set_quickack(true).unwrap();
        assert!(client.quickack().unwrap());
        client.set_zero_linger().unwrap();
        assert_eq!(client.linger().unwrap(), Some(Duration::ZERO));
        drop(client);
        // A zero linger resets the connection instead of closing it in order.
        let err = server.read(&mut [0; 4]).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ConnectionReset);
    });
}

#[test]
fn udp_peek_sender_recv_buf_and_try_variants() {
    rt().block_on(async {
        let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let a_addr = a.local_addr().unwrap();
        let mut tmp = [0; 4];
        assert_eq!(
            b.try_peek_from(&mut tmp).unwrap_err().kind(),
            ErrorKind::WouldBlock
        );
        a.send_to(b"datagram", b.local_addr().unwrap())
            .await
            .unwrap();
        assert_eq!(b.peek_sender().await.unwrap(), a_addr);
        let (n, from) = b.peek_from(&mut tmp).await.unwrap();
        assert_eq!((n, from), (4, a_addr));
        let mut buf = Vec::with_capacity(64);
        let (n, from) = b.recv_buf_from(&mut buf).await.unwrap();
        assert_eq!((n, from), (8, a_addr));
        assert_eq!(buf, b"datagram");
        assert_eq!(
            b.try_recv_buf(&mut buf).unwrap_err().kind(),
            ErrorKind::WouldBlock
        );
        a.set_multicast_loop_v4(false).unwrap();
        assert!(!a.multicast_loop_v4().unwrap());
        a.set_multicast_ttl_v4(3).unwrap();
        assert_eq!(a.multicast_ttl_v4().unwrap(), 3);
    });
}

#[test]
fn fresh_pairs_are_writable_at_once() {
    rt().block_on(async {
        let (a, b) = UnixStream::pair().unwrap();
        // No reactor turn has happened: the readiness was assumed.
        assert_eq!(a.try_write(b"hi").unwrap(), 2);
        assert_eq!(
            a.try_read(&mut [0; 2]).unwrap_err().kind(),
            ErrorKind::WouldBlock
        );
        b.readable().await.unwrap();
        assert_eq!(b.try_read(&mut [0; 4]).unwrap(), 2);
        let (c, _d) = UnixDatagram::pair().unwrap();
        assert_eq!(c.try_send(b"x").unwrap(), 1);
    });
}

#[test]
fn unix_socket_listens_connects_and_refuses_the_wrong_kind() {
    rt().block_on(async {
        let path = temp_path("unix-socket");
        let socket = UnixSocket::new_stream().unwrap();
        socket.bind(&path).unwrap();
        let listener = socket.listen(16).unwrap();
        let client = UnixSocket::new_stream().unwrap();
        let (stream, accepted) = runtime::join!(client.connect(&path), listener.accept());
        let mut stream = stream.unwrap();
        let (mut server, _) = accepted.unwrap();
        stream.write_all(b"ok").await.unwrap();
        let mut buf = [0; 2];
        server.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"ok");

        let cred = server.peer_cred().unwrap();
        // SAFETY: plain libc getters without preconditions.
        assert_eq!(cred.uid(), unsafe { libc::getuid() });
        assert_eq!(cred.pid(), Some(std::process::id() as i32));

        let dgram = UnixSocket::new_datagram().unwrap();
        assert_eq!(
            dgram.listen(1).unwrap_err().kind(),
            ErrorKind::Other,
            "a datagram socket cannot listen"
        );
        let stream_socket = UnixSocket::new_stream().unwrap();
        assert!(stream_socket.datagram().is_err());
        let _ = std::fs::remove_file(&path);
    });
}

#[test]
fn pipe_moves_bytes_and_fifo_checks_its_file() {
    rt().block_on(async {
        let (mut tx, mut rx) = pipe::pipe().unwrap();
        tx.write_all(b"through the pipe").await.unwrap();
        drop(tx);
        let mut got = String::new();
        rx.read_to_string(&mut got).await.unwrap();
        assert_eq!(got, "through the pipe");

        let path = temp_path("not-a-fifo");
        std::fs::write(&path, b"plain file").unwrap();
        let err = pipe::OpenOptions::new().open_receiver(&path).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        let file = std::fs::File::open(&path).unwrap();
        assert_eq!(
            pipe::Receiver::from_file(file).unwrap_err().kind(),
            ErrorKind::InvalidInput
        );
        let _ = std::fs::remove_file(&path);
    });
}

#[test]
fn async_fd_register_and_clear_ready_matching() {
    rt().block_on(async {
        let (a, mut b) = std::os::unix::net::UnixStream::pair().unwrap();
        a.set_nonblocking(true).unwrap();
        // SAFETY: the AsyncFd owns the stream, so its descriptor stays open while registered.
        let fd = unsafe { AsyncFd::register(a) }.unwrap();
        b.write_all(b"x").unwrap();
        let mut guard = fd
            .ready(Interest::READABLE | Interest::WRITABLE)
            .await
            .unwrap();
        assert_eq!(guard.ready(), Ready::READABLE | Ready::WRITABLE);
        guard.clear_ready_matching(Ready::READABLE);
        assert_eq!(guard.ready(), Ready::WRITABLE);
        assert!(format!("{guard:?}").contains("ReadyGuard"));
        guard.retain_ready();
        let n = fd
            .try_io(Interest::WRITABLE, |s| (&*s).write(b"y"))
            .unwrap();
        assert_eq!(n, 1);
    });
}

#[test]
fn a_socket_whose_runtime_is_gone_reports_shutdown() {
    let first = rt();
    let listener = first.block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
    drop(first);
    let err = rt().block_on(listener.accept()).unwrap_err();
    assert!(runtime::runtime::is_rt_shutdown_err(&err), "{err}");
    assert!(!runtime::runtime::is_rt_shutdown_err(
        &std::io::Error::other("x")
    ));
}

#[test]
fn a_signal_delivered_while_nobody_listened_reaches_the_next_listener() {
    use runtime::signal::unix::{signal, SignalKind};
    rt().block_on(async {
        let kind = SignalKind::from_raw(libc::SIGURG);
        drop(signal(kind).unwrap());
        // SAFETY: raising a signal whose handler is installed (by `signal` above).
        assert_eq!(unsafe { libc::raise(libc::SIGURG) }, 0);
        let mut again = signal(kind).unwrap();
        runtime::time::timeout(Duration::from_secs(5), again.recv())
            .await
            .expect("the delivery was lost");
    });
}

#[test]
fn signal_outside_a_runtime_panics_even_for_a_bad_signal() {
    let res = std::panic::catch_unwind(|| {
        runtime::signal::unix::signal(runtime::signal::unix::SignalKind::from_raw(-1))
    });
    assert!(res.is_err());
}
