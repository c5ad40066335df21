//! HTTP/1.1 "Hello, World!" with hyper 1.x: on this runtime (`runtime::compat::hyper`) and on
//! tokio (hyper-util's `TokioIo`), each on a 2-worker multi-thread runtime, loaded by `wrk`
//! (Debian package `wrk`) from a separate process: requests per second and p99 latency.
//!
//! ```text
//! cargo bench -p runtime-benches --bench http_wrk            # 2 rounds, 10 s each
//! WRK_SECONDS=20 WRK_ROUNDS=3 cargo bench -p runtime-benches --bench http_wrk
//! ```
//!
//! Not a criterion benchmark: wrk does the measuring. Rounds alternate between the two
//! servers so drift on the machine hits both alike.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::process::Command;

use http_body_util::Full;
use hyper::service::service_fn;
use hyper::{Request, Response};

const WORKERS: usize = 2;

async fn hello(
    _: Request<hyper::body::Incoming>,
) -> Result<Response<Full<&'static [u8]>>, Infallible> {
    Ok(Response::new(Full::new(&b"Hello, World!"[..])))
}

/// Binds a listener on runtime `$rt` (of crate `$krate`) and serves `hello` over HTTP/1.1 on
/// every connection, with hyper's timer `$timer` and I/O adapter `$io`; evaluates to the
/// address and the runtime (which lives on).
macro_rules! serve_hello {
    ($rt:expr, $krate:ident, $timer:expr, $io:expr) => {{
        let rt = $rt;
        let listener = rt
            .block_on($krate::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let addr = listener.local_addr().unwrap();
        rt.spawn(async move {
            loop {
                let (stream, _) = listener.accept().await.unwrap();
                stream.set_nodelay(true).unwrap();
                $krate::spawn(async move {
                    let _ = hyper::server::conn::http1::Builder::new()
                        .timer($timer)
                        .serve_connection($io(stream), service_fn(hello))
                        .await;
                });
            }
        });
        (addr, rt)
    }};
}

/// Starts the hyper server on this runtime; returns its address (the runtime lives on).
fn start_ours() -> (SocketAddr, runtime::runtime::Runtime) {
    let mut builder = runtime::runtime::Builder::new_multi_thread();
    builder.worker_threads(WORKERS).enable_all();
    // Driving-path variants, for measurement: `RUNTIME_VARIANT=no_monitor_turns` or
    // `no_busy_turns`.
    match std::env::var("RUNTIME_VARIANT").as_deref() {
        Ok("no_monitor_turns") => {
            builder.monitor_turns_driver(false);
        }
        Ok("no_busy_turns") => {
            builder.event_interval(u32::MAX);
        }
        _ => {}
    }
    serve_hello!(
        builder.build().unwrap(),
        runtime,
        runtime::compat::hyper::HyperTimer,
        runtime::compat::hyper::HyperIo::new
    )
}

/// The same on tokio.
fn start_tokio() -> (SocketAddr, tokio::runtime::Runtime) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(WORKERS)
        .enable_all()
        .build()
        .unwrap();
    serve_hello!(
        rt,
        tokio,
        hyper_util::rt::TokioTimer::new(),
        hyper_util::rt::TokioIo::new
    )
}

/// Runs wrk against `addr`; returns (requests per second, p99 latency in µs).
fn wrk(addr: SocketAddr, seconds: u32) -> (f64, f64) {
    let out = Command::new("wrk")
        .args([
            "-t1",
            "-c64",
            &format!("-d{seconds}s"),
            "--latency",
            &format!("http://{addr}/"),
        ])
        .output()
        .expect("wrk is not installed (Debian package `wrk`)");
    let text = String::from_utf8_lossy(&out.stdout);
    let rps = text
        .lines()
        .find_map(|l| l.strip_prefix("Requests/sec:"))
        .and_then(|v| v.trim().parse::<f64>().ok())
        .unwrap_or_else(|| panic!("no Requests/sec in wrk's output:\n{text}"));
    let p99 = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("99%"))
        .map(|v| parse_latency(v.trim()))
        .unwrap_or_else(|| panic!("no 99% latency in wrk's output:\n{text}"));
    (rps, p99)
}

fn parse_latency(v: &str) -> f64 {
    let (num, scale) = if let Some(n) = v.strip_suffix("us") {
        (n, 1.0)
    } else if let Some(n) = v.strip_suffix("ms") {
        (n, 1e3)
    } else if let Some(n) = v.strip_suffix('s') {
        (n, 1e6)
    } else {
        (v, 1.0)
    };
    num.parse::<f64>().unwrap_or(f64::NAN) * scale
}

fn main() {
    // `cargo bench` passes `--bench`; a filter that does not match "http" skips us.
    if std::env::args()
        .skip(1)
        .any(|a| !a.starts_with('-') && !"http_wrk".contains(a.as_str()))
    {
        return;
    }
    // For profiling one server on its own: `HTTP_SERVE_ONLY=runtime|tokio` serves for
    // `WRK_SECONDS` and prints the address; run wrk (or strace, perf) against it by hand.
    if let Ok(which) = std::env::var("HTTP_SERVE_ONLY") {
        let secs: u64 = std::env::var("WRK_SECONDS")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(30);
        let (addr, keep): (SocketAddr, Box<dyn std::any::Any>) = if which == "tokio" {
            let (a, rt) = start_tokio();
            (a, Box::new(rt))
        } else {
            let (a, rt) = start_ours();
            (a, Box::new(rt))
        };
        println!("serving {which} on {addr}");
        std::thread::sleep(std::time::Duration::from_secs(secs));
        drop(keep);
        return;
    }
    let seconds: u32 = std::env::var("WRK_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10);
    let rounds: u32 = std::env::var("WRK_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2);
    let (ours_addr, ours_rt) = start_ours();
    let (tokio_addr, tokio_rt) = start_tokio();
    // Warm both up.
    wrk(ours_addr, 2);
    wrk(tokio_addr, 2);
    println!("| round | runtime req/s | tokio req/s | ratio (req/s, runtime / tokio) | runtime p99 | tokio p99 |");
    println!("| --- | --- | --- | --- | --- | --- |");
    for round in 1..=rounds {
        let (ours_rps, ours_p99) = wrk(ours_addr, seconds);
        let (tokio_rps, tokio_p99) = wrk(tokio_addr, seconds);
        println!(
            "| {round} | {ours_rps:.0} | {tokio_rps:.0} | {:.2} | {:.0} µs | {:.0} µs |",
            ours_rps / tokio_rps,
            ours_p99,
            tokio_p99
        );
    }
    drop(ours_rt);
    drop(tokio_rt);
}
