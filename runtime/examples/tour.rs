//! A tour of the runtime: real work on every feature that has landed, with a report of what
//! happened.
//!
//! ```text
//! cargo run --release --example tour
//! ```
//!
//! 1. Fan-out / fan-in: 20,000 tasks search a range for primes, joined through a `JoinSet`.
//! 2. Blocking work: a 64 MiB checksum on the blocking pool while a heartbeat task keeps
//!    running on the scheduler.
//! 3. Request / response: a chain of tasks passing a value along through oneshot channels.
//! 4. Failure handling: a panicking task and an aborted task become `JoinError`s; the
//!    runtime carries on.
//! 5. Blocking in place: a task blocks its worker thread with `block_in_place` while the
//!    runtime keeps running the other tasks.
//! 6. Macros and local tasks: `select!` races replicas and drops the losers, `join!` runs
//!    three jobs on one task, a `task_local!` request id follows its task, and a `LocalSet`
//!    runs `!Send` tasks that share an `Rc<RefCell<..>>`.
//! 7. A pipeline: a producer feeds a bounded `mpsc` channel, four workers share its receiver
//!    behind an async `Mutex`, results come back over an unbounded channel, and a `watch`
//!    channel publishes progress.
//! 8. Timers: 10,000 tasks sleep 1–50 ms each (how late they wake is reported), a `timeout`
//!    cuts off a slow job, an `interval` keeps a beat, and 100,000 timeouts are registered
//!    and cancelled.
//! 9. Networking: a loopback TCP echo server; 16 clients do round trips, then one streams
//!    64 MiB through it; throughput is printed.
//! 10. Files and processes: 500 files written concurrently to a scratch directory, listed
//!     with `read_dir` and read back; their numbers piped through a child `sort -n` and its
//!     output checked; `wc -l` run on one of them; a missing program reported as `NotFound`.
//! 11. Shutdown: dropping the runtime cancels the tasks that are still waiting, each future
//!     dropped exactly once.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::Relaxed};
use std::sync::Arc;
use std::time::{Duration, Instant};

use runtime::sync::oneshot;
use runtime::task::JoinSet;

const PRIME_TASKS: u64 = 20_000;
const NUMBERS_PER_TASK: u64 = 50;
const CHECKSUM_BYTES: usize = 64 << 20;
const CHAIN_LENGTH: usize = 10_000;
const PARKED_AT_SHUTDOWN: usize = 5_000;

#[runtime::main]
async fn main() {
    println!(
        "runtime tour ({:?} scheduler, {} CPUs)\n",
        runtime::runtime::Handle::current().runtime_flavor(),
        std::thread::available_parallelism().map_or(1, usize::from)
    );
    fan_out_fan_in().await;
    blocking_work().await;
    request_response().await;
    failures().await;
    blocking_in_place().await;
    macros_and_local_tasks().await;
    pipeline().await;
    timers().await;
    loopback_echo().await.expect("loopback echo failed");
    files_and_processes()
        .await
        .expect("files and processes failed");
    // Shutdown needs a runtime of its own to drop: it runs on a fresh one, outside this one.
    let shutdown = runtime::task::spawn_blocking(shutdown_drops_every_task);
    shutdown.await.expect("shutdown demo panicked");
}

fn is_prime(n: u64) -> bool {
    n >= 2 && (2..).take_while(|d| d * d <= n).all(|d| n % d != 0)
}

/// 1. Fan-out / fan-in.
async fn fan_out_fan_in() {
    let start = Instant::now();
    let mut set = JoinSet::new();
    for chunk in 0..PRIME_TASKS {
        set.spawn(async move {
            let lo = chunk * NUMBERS_PER_TASK;
            (lo..lo + NUMBERS_PER_TASK).filter(|&n| is_prime(n)).count() as u64
        });
    }
    let mut primes = 0;
    let mut joined = 0;
    while let Some(count) = set.join_next().await {
        primes += count.expect("prime task failed");
        joined += 1;
    }
    println!(
        "1. fan-out / fan-in: {joined} tasks counted {primes} primes below {} in {:.1?}",
        PRIME_TASKS * NUMBERS_PER_TASK,
        start.elapsed()
    );
}

/// FNV-1a over a buffer: deliberately CPU-bound, blocking work.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &b| {
        (hash ^ b as u64).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// 2. Blocking work next to async work.
async fn blocking_work() {
    let done = Arc::new(AtomicBool::new(false));
    let beats = Arc::new(AtomicUsize::new(0));
    let heartbeat = {
        let (done, beats) = (done.clone(), beats.clone());
        runtime::spawn(async move {
            while !done.load(Relaxed) {
                beats.fetch_add(1, Relaxed);
                runtime::task::yield_now().await;
            }
        })
    };

    let start = Instant::now();
    let chunks: Vec<_> = (0..8u8)
        .map(|seed| {
            runtime::task::spawn_blocking(move || {
                let buf: Vec<u8> = (0..CHECKSUM_BYTES / 8)
                    .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
                    .collect();
                fnv1a(&buf)
            })
        })
        .collect();
    let mut combined = 0u64;
    for chunk in chunks {
        combined ^= chunk.await.expect("checksum thread panicked");
    }
    let elapsed = start.elapsed();
    done.store(true, Relaxed);
    heartbeat.await.expect("heartbeat task failed");
    println!(
        "2. blocking pool: checksummed {} MiB on blocking threads in {elapsed:.1?} \
         (fnv1a xor = {combined:016x}); meanwhile the heartbeat task ran {} times",
        CHECKSUM_BYTES >> 20,
        beats.load(Relaxed)
    );
}

/// 3. Request / response through oneshot channels.
async fn request_response() {
    let start = Instant::now();
    let (first_tx, mut rx) = oneshot::channel::<u64>();
    for _ in 0..CHAIN_LENGTH {
        let (tx, next_rx) = oneshot::channel::<u64>();
        runtime::spawn(async move {
            let value = rx.await.expect("upstream dropped");
            tx.send(value + 1).expect("downstream dropped");
        });
        rx = next_rx;
    }
    first_tx.send(0).expect("chain dropped");
    let out = rx.await.expect("chain broke");
    println!(
        "3. oneshot chain: a value passed through {CHAIN_LENGTH} tasks and came back as {out} \
         in {:.1?}",
        start.elapsed()
    );
}

/// 4. Panics and aborts are values, not crashes.
async fn failures() {
    let previous_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {})); // keep the demo's output clean
    let panicked = runtime::spawn(async { panic!("sensor 7 returned garbage") }).await;
    std::panic::set_hook(previous_hook);

    let stuck = runtime::spawn(std::future::pending::<()>());
    stuck.abort();
    let aborted = stuck.await;

    let still_alive = runtime::spawn(async { "still running" }).await.unwrap();
    println!(
        "4. failures: panic -> `{}`; abort -> `{}`; the runtime is {still_alive}",
        panicked.unwrap_err(),
        aborted.unwrap_err()
    );
}

/// 5. `block_in_place`: blocking on a worker without stalling it.
async fn blocking_in_place() {
    let start = Instant::now();
    let blocker = runtime::spawn(async move {
        runtime::task::block_in_place(|| std::thread::sleep(Duration::from_millis(200)));
        start.elapsed()
    });
    let mut others = JoinSet::new();
    for i in 0..10_000u64 {
        others.spawn(async move { i % 7 });
    }
    let mut sum = 0;
    while let Some(v) = others.join_next().await {
        sum += v.expect("task failed");
    }
    let others_done = start.elapsed();
    let blocked_for = blocker.await.expect("blocking task failed");
    println!(
        "5. block_in_place: a task blocked its worker for {blocked_for:.0?}; meanwhile 10000 other \
         tasks finished in {others_done:.1?} (sum {sum})"
    );
}

runtime::task_local! {
    static REQUEST_ID: u64;
}

/// A replica answers after `work` yields; `Err` if the request is aborted.
async fn replica(name: &'static str, work: usize, dropped: Arc<AtomicUsize>) -> &'static str {
    let _count_drop = DropCounter(dropped);
    for _ in 0..work {
        runtime::task::yield_now().await;
    }
    name
}

/// 6. `select!`, `join!`, `task_local!` and a `LocalSet`.
async fn macros_and_local_tasks() {
    let start = Instant::now();

    // Race three replicas; the two slower ones are dropped the moment one answers.
    let dropped = Arc::new(AtomicUsize::new(0));
    let winner = runtime::select! {
        name = replica("replica-a", 300, dropped.clone()) => name,
        name = replica("replica-b", 30, dropped.clone()) => name,
        name = replica("replica-c", 3_000, dropped.clone()) => name,
    };
    let losers_dropped = dropped.load(Relaxed) - 1;

    // Three jobs, concurrently, on this one task, each seeing its own request id.
    let (a, b, c) = runtime::join!(
        REQUEST_ID.scope(1, async { REQUEST_ID.get() * 100 }),
        REQUEST_ID.scope(2, async {
            runtime::task::yield_now().await;
            REQUEST_ID.get() * 100
        }),
        REQUEST_ID.scope(3, async { REQUEST_ID.get() * 100 }),
    );

    // `!Send` tasks: word counts shared through an `Rc<RefCell<..>>`, on a `LocalSet` that
    // runs on a blocking thread's own current-thread runtime.
    let (words, distinct) = runtime::task::spawn_blocking(|| {
        use std::cell::RefCell;
        use std::collections::HashMap;
        use std::rc::Rc;

        let rt = runtime::runtime::LocalRuntime::new().expect("local runtime");
        rt.block_on(async {
            let counts = Rc::new(RefCell::new(HashMap::<String, usize>::new()));
            let text = "the quick brown fox jumps over the lazy dog the end";
            let mut tasks = Vec::new();
            for (i, word) in text.split(' ').enumerate() {
                let counts = counts.clone();
                tasks.push(runtime::task::spawn_local(async move {
                    for _ in 0..i % 3 {
                        runtime::task::yield_now().await;
                    }
                    *counts.borrow_mut().entry(word.to_string()).or_default() += 1;
                }));
            }
            for task in tasks {
                task.await.expect("word task failed");
            }
            let counts = counts.borrow();
            (counts.values().sum::<usize>(), counts.len())
        })
    })
    .await
    .expect("local runtime panicked");

    println!(
        "6. macros and local tasks: select! picked {winner} and dropped {losers_dropped} \
         losers; join! ran 3 scoped jobs -> {a}, {b}, {c}; {words} words ({distinct} distinct) \
         counted by !Send tasks on a LocalRuntime; {:.1?}",
        start.elapsed()
    );
}

/// Numbers pushed through the pipeline of step 7.
const PIPELINE_ITEMS: u64 = 200_000;

/// 7. Producer, workers and consumer connected by channels.
async fn pipeline() {
    use runtime::sync::{mpsc, watch, Mutex};

    let start = Instant::now();
    let (jobs_tx, jobs_rx) = mpsc::channel::<u64>(256);
    let jobs_rx = Arc::new(Mutex::new(jobs_rx));
    let (results_tx, mut results_rx) = mpsc::unbounded_channel::<bool>();
    let (progress_tx, mut progress_rx) = watch::channel(0u64);

    let producer = runtime::spawn(async move {
        for n in 0..PIPELINE_ITEMS {
            jobs_tx.send(n).await.expect("workers gone");
        }
    });
    let workers: Vec<_> = (0..4)
        .map(|_| {
            let (jobs_rx, results_tx) = (jobs_rx.clone(), results_tx.clone());
            runtime::spawn(async move {
                let mut done = 0u64;
                // The lock is held while waiting for a job: the workers take turns at the
                // receiver, first come, first served.
                while let Some(n) = jobs_rx.lock().await.recv().await {
                    results_tx.send(is_prime(n)).expect("consumer gone");
                    done += 1;
                }
                done
            })
        })
        .collect();
    drop(results_tx);
    let watcher = runtime::spawn(async move {
        let mut updates = 0u32;
        while progress_rx.changed().await.is_ok() {
            updates += 1;
        }
        (updates, *progress_rx.borrow())
    });

    let (mut received, mut primes) = (0u64, 0u64);
    while let Some(prime) = results_rx.recv().await {
        received += 1;
        primes += u64::from(prime);
        if received % 10_000 == 0 {
            progress_tx.send_replace(received);
        }
    }
    drop(progress_tx);
    producer.await.expect("producer failed");
    let mut per_worker = Vec::new();
    for worker in workers {
        per_worker.push(worker.await.expect("worker failed"));
    }
    let (updates, last_seen) = watcher.await.expect("watcher failed");
    let elapsed = start.elapsed();
    println!(
        "7. pipeline: {received} numbers through mpsc(256) -> 4 workers {per_worker:?} -> \
         unbounded results: {primes} primes, {:.0} items/s; the progress watcher saw {updates} \
         updates, the last at {last_seen}",
        received as f64 / elapsed.as_secs_f64()
    );
}

/// Sleeping tasks of step 8.
const SLEEPERS: u64 = 10_000;

/// 8. Sleep, timeout, interval.
async fn timers() {
    use runtime::time::{interval, sleep_until, timeout};

    // Many sleepers: how late does each one wake? (Never early: the runtime rounds deadlines
    // up to its 1 ms tick.)
    let start = runtime::time::Instant::now();
    let mut sleepers = JoinSet::new();
    for i in 0..SLEEPERS {
        let deadline = start + Duration::from_millis(1 + (i * 37) % 50);
        sleepers.spawn(async move {
            sleep_until(deadline).await;
            runtime::time::Instant::now().duration_since(deadline)
        });
    }
    let mut late: Vec<Duration> = sleepers.join_all().await;
    late.sort();
    let pct = |p: usize| late[(late.len() - 1) * p / 100];

    // A job that takes too long is cut off.
    let slow = timeout(
        Duration::from_millis(20),
        runtime::time::sleep(Duration::from_secs(1)),
    );
    let cut = Instant::now();
    let cut_off = slow.await.is_err();
    let cut_after = cut.elapsed();

    // A steady beat.
    let beat = Instant::now();
    let mut ticks = interval(Duration::from_millis(10));
    for _ in 0..6 {
        ticks.tick().await;
    }
    let beat_took = beat.elapsed();

    // Timer churn: each timeout registers a timer and cancels it when the job wins.
    let churn = Instant::now();
    let mut churners = JoinSet::new();
    for _ in 0..4 {
        churners.spawn(async {
            for _ in 0..25_000 {
                let won = timeout(Duration::from_secs(10), runtime::task::yield_now()).await;
                assert!(won.is_ok());
            }
        });
    }
    churners.join_all().await;
    let churn_took = churn.elapsed();

    println!(
        "8. timers: {SLEEPERS} sleeps of 1-50 ms woke late by p50 {:?}, p99 {:?}, max {:?}; \
         a 1 s job {} after {cut_after:.1?} by a 20 ms timeout; an interval ticked 6 times \
         every 10 ms in {beat_took:.1?}; 100,000 timeouts registered and cancelled in \
         {churn_took:.1?}",
        pct(50),
        pct(99),
        late[late.len() - 1],
        if cut_off {
            "was cut off"
        } else {
            "was NOT cut off"
        },
    );
}

/// 9. A loopback echo server and its clients.
async fn loopback_echo() -> std::io::Result<()> {
    use runtime::io::{AsyncReadExt, AsyncWriteExt};
    use runtime::net::{TcpListener, TcpStream};

    const CLIENTS: usize = 16;
    const TRIPS: usize = 2_000;
    const STREAM: usize = 64 << 20;

    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let server = runtime::spawn(async move {
        let mut connections = JoinSet::new();
        for _ in 0..=CLIENTS {
            let (mut socket, _) = listener.accept().await?;
            connections.spawn(async move {
                let (mut reader, mut writer) = socket.split();
                let echoed = runtime::io::copy(&mut reader, &mut writer).await;
                let _ = writer.shutdown().await;
                echoed
            });
        }
        let mut total = 0;
        for echoed in connections.join_all().await {
            total += echoed?;
        }
        Ok::<u64, std::io::Error>(total)
    });

    let start = Instant::now();
    let mut clients = JoinSet::new();
    for _ in 0..CLIENTS {
        clients.spawn(async move {
            let mut stream = TcpStream::connect(addr).await?;
            stream.set_nodelay(true)?;
            let mut reply = [0u8; 64];
            for i in 0..TRIPS {
                let message = [(i % 251) as u8; 64];
                stream.write_all(&message).await?;
                stream.read_exact(&mut reply).await?;
                assert_eq!(reply, message);
            }
            stream.shutdown().await?;
            Ok::<(), std::io::Error>(())
        });
    }
    for client in clients.join_all().await {
        client?;
    }
    let trips_took = start.elapsed();

    let start = Instant::now();
    let (mut reader, mut writer) = TcpStream::connect(addr).await?.into_split();
    let sender = runtime::spawn(async move {
        let chunk = vec![42u8; 256 * 1024];
        for _ in 0..STREAM / chunk.len() {
            writer.write_all(&chunk).await?;
        }
        writer.shutdown().await
    });
    let mut received = 0usize;
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        let n = reader.read(&mut buf).await?;
        if n == 0 {
            break;
        }
        assert!(buf[..n].iter().all(|b| *b == 42));
        received += n;
    }
    sender.await.expect("sender panicked")?;
    let stream_took = start.elapsed();
    let echoed = server.await.expect("server panicked")?;
    println!(
        "9. loopback echo: {CLIENTS} clients x {TRIPS} round trips of 64 bytes in \
         {trips_took:.1?} ({:.0} round trips/s); {} MiB streamed through and back in \
         {stream_took:.1?} ({:.0} MiB/s); the server echoed {} bytes in all",
        (CLIENTS * TRIPS) as f64 / trips_took.as_secs_f64(),
        received >> 20,
        (received >> 20) as f64 / stream_took.as_secs_f64(),
        echoed
    );
    Ok(())
}

/// 10. Files and processes.
async fn files_and_processes() -> std::io::Result<()> {
    use runtime::io::{AsyncReadExt, AsyncWriteExt};
    use runtime::process::Command;
    use std::process::Stdio;

    const FILES: u64 = 500;

    let start = Instant::now();
    let dir = std::env::temp_dir().join(format!("runtime-tour-{}", std::process::id()));
    runtime::fs::create_dir_all(&dir).await?;
    let mut writes = JoinSet::new();
    for i in 0..FILES {
        let path = dir.join(format!("{i}.txt"));
        // Each file holds one number; together they are 0..FILES in a scrambled order.
        let number = (i * 7919) % FILES;
        writes.spawn(async move { runtime::fs::write(path, format!("{number}\n")).await });
    }
    for written in writes.join_all().await {
        written?;
    }

    let mut listed = Vec::new();
    let mut entries = runtime::fs::read_dir(&dir).await?;
    while let Some(entry) = entries.next_entry().await? {
        listed.push(entry.path());
    }
    let mut numbers = String::new();
    for path in &listed {
        numbers.push_str(&runtime::fs::read_to_string(path).await?);
    }
    let files_took = start.elapsed();

    let start = Instant::now();
    let mut sort = Command::new("sort")
        .arg("-n")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()?;
    let mut stdin = sort.stdin.take().expect("stdin is piped");
    // Written from its own task while `wait_with_output` reads: neither pipe can fill up.
    let feeder = runtime::spawn(async move {
        stdin.write_all(numbers.as_bytes()).await?;
        stdin.shutdown().await
    });
    let sorted = sort.wait_with_output().await?;
    feeder.await.expect("feeder panicked")?;
    let in_order = String::from_utf8_lossy(&sorted.stdout)
        .lines()
        .map(|line| line.parse::<u64>().ok())
        .eq((0..FILES).map(Some));

    let wc = Command::new("wc")
        .arg("-l")
        .arg(dir.join("0.txt"))
        .output()
        .await?;
    let mut lines = String::new();
    wc.stdout.as_slice().read_to_string(&mut lines).await?;
    let missing = Command::new("no-such-program-in-the-tour").status().await;
    let processes_took = start.elapsed();
    runtime::fs::remove_dir_all(&dir).await?;

    println!(
        "10. files and processes: {FILES} files written, listed ({} entries) and read back in \
         {files_took:.1?}; `sort -n` over their numbers {} ({}), `wc -l` says {:?}, a \
         missing program: {}; {processes_took:.1?} for the processes",
        listed.len(),
        if in_order {
            "came back in order"
        } else {
            "came back OUT OF ORDER"
        },
        sorted.status,
        lines.split_whitespace().next().unwrap_or("nothing"),
        match missing {
            Err(e) => format!("{:?} error", e.kind()),
            Ok(status) => format!("ran?! ({status})"),
        },
    );
    Ok(())
}

/// Counts how many futures were dropped.
struct DropCounter(Arc<AtomicUsize>);

impl Drop for DropCounter {
    fn drop(&mut self) {
        self.0.fetch_add(1, Relaxed);
    }
}

/// 11. Dropping a runtime cancels what is still waiting.
fn shutdown_drops_every_task() {
    let dropped = Arc::new(AtomicUsize::new(0));
    let rt = runtime::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("failed to build a runtime");
    let started = Arc::new(AtomicUsize::new(0));
    let mut senders = Vec::new();
    for _ in 0..PARKED_AT_SHUTDOWN {
        let (tx, rx) = oneshot::channel::<()>();
        let guard = DropCounter(dropped.clone());
        let started = started.clone();
        rt.spawn(async move {
            let _guard = guard;
            started.fetch_add(1, Relaxed);
            let _ = rx.await;
        });
        senders.push(tx);
    }
    // Let every task start and park on its channel.
    rt.block_on(async {
        while started.load(Relaxed) < PARKED_AT_SHUTDOWN {
            runtime::task::yield_now().await;
        }
    });
    let start = Instant::now();
    rt.shutdown_timeout(Duration::from_secs(1));
    println!(
        "11. shutdown: {PARKED_AT_SHUTDOWN} waiting tasks, {} futures dropped (each exactly once) \
         in {:.1?}",
        dropped.load(Relaxed),
        start.elapsed()
    );
}
