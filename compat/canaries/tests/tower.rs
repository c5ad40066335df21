//! Canary 5: tower's `ServiceBuilder` with a timeout and a concurrency limit, both built on the
//! runtime's timer and semaphore through the `tokio` compat package.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use canaries::within;
use tower::timeout::error::Elapsed;
use tower::{BoxError, Service, ServiceBuilder, ServiceExt};

const TIMEOUT: Duration = Duration::from_millis(300);
const LIMIT: usize = 2;

/// Counts calls in flight and the most seen at once.
#[derive(Default)]
struct Gauge {
    now: AtomicUsize,
    max: AtomicUsize,
    done: AtomicUsize,
}

/// A service whose request is how long to work; it answers with that duration in ms.
fn service(
    gauge: Arc<Gauge>,
) -> impl Service<Duration, Response = u64, Error = BoxError, Future: Send> + Clone + Send {
    ServiceBuilder::new()
        .timeout(TIMEOUT)
        .concurrency_limit(LIMIT)
        .service_fn(move |work: Duration| {
            let gauge = gauge.clone();
            async move {
                let now = gauge.now.fetch_add(1, Ordering::SeqCst) + 1;
                gauge.max.fetch_max(now, Ordering::SeqCst);
                // Leaves the gauge even when the timeout drops this future half-way.
                struct Leave(Arc<Gauge>);
                impl Drop for Leave {
                    fn drop(&mut self) {
                        self.0.now.fetch_sub(1, Ordering::SeqCst);
                    }
                }
                let _leave = Leave(gauge.clone());
                tokio::time::sleep(work).await;
                gauge.done.fetch_add(1, Ordering::SeqCst);
                Ok::<_, BoxError>(work.as_millis() as u64)
            }
        })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_call_times_out() {
    let gauge = Arc::new(Gauge::default());
    let svc = service(gauge.clone());

    let fast = within("fast call", svc.clone().oneshot(Duration::from_millis(10)))
        .await
        .unwrap();
    assert_eq!(fast, 10);

    let start = Instant::now();
    let err = within("slow call", svc.clone().oneshot(Duration::from_secs(5)))
        .await
        .unwrap_err();
    let waited = start.elapsed();
    assert!(err.is::<Elapsed>(), "expected tower's Elapsed, got {err:?}");
    assert!(waited >= TIMEOUT, "timed out after {waited:?}");
    assert!(
        waited < Duration::from_secs(3),
        "timed out after {waited:?}"
    );
    // The timed-out call was dropped, so it never finished and its permit came back.
    assert_eq!(gauge.done.load(Ordering::SeqCst), 1);
    assert_eq!(gauge.now.load(Ordering::SeqCst), 0);

    // Timing out twice (the whole limit) leaves the service usable.
    let a = svc.clone().oneshot(Duration::from_secs(5));
    let b = svc.clone().oneshot(Duration::from_secs(5));
    let (a, b) = within("two slow calls", async { tokio::join!(a, b) }).await;
    assert!(a.unwrap_err().is::<Elapsed>());
    assert!(b.unwrap_err().is::<Elapsed>());
    let again = within("call after timeouts", svc.oneshot(Duration::from_millis(1)))
        .await
        .unwrap();
    assert_eq!(again, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrency_limit_holds() {
    let gauge = Arc::new(Gauge::default());
    let svc = service(gauge.clone());

    // Twelve callers at once, each working 40 ms: at most two run at a time, so it takes at
    // least six rounds.
    let work = Duration::from_millis(40);
    let start = Instant::now();
    let mut calls = tokio::task::JoinSet::new();
    for _ in 0..12 {
        let svc = svc.clone();
        calls.spawn(async move { svc.oneshot(work).await });
    }
    while let Some(joined) = within("limited calls", calls.join_next()).await {
        assert_eq!(joined.unwrap().unwrap(), 40);
    }
    let elapsed = start.elapsed();
    assert_eq!(gauge.done.load(Ordering::SeqCst), 12);
    assert_eq!(gauge.max.load(Ordering::SeqCst), LIMIT, "in flight at once");
    assert!(elapsed >= work * 6, "twelve limited calls in {elapsed:?}");

    // With both permits held by ready services, a third clone is not ready.
    let mut first = svc.clone();
    let mut second = svc.clone();
    let mut third = svc.clone();
    within("first ready", first.ready()).await.unwrap();
    within("second ready", second.ready()).await.unwrap();
    let blocked = tokio::time::timeout(Duration::from_millis(50), third.ready()).await;
    assert!(blocked.is_err(), "a third caller got past a limit of two");
    // Using a permit up and releasing it lets the third in.
    let res = within("first call", first.call(Duration::from_millis(1)))
        .await
        .unwrap();
    assert_eq!(res, 1);
    drop(first);
    within("third ready after release", third.ready())
        .await
        .unwrap();
    drop(second);
}
