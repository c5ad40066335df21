//! The `#[runtime::main]` and `#[runtime::test]` attributes, run for real.
//!
//! The compile errors of the attributes are checked by `macros_ui.rs`.

use std::error::Error;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread::{self, ThreadId};

#[runtime::test]
async fn test_awaits_spawned_tasks() {
    runtime::task::yield_now().await;
    let handle = runtime::spawn(async {
        runtime::task::yield_now().await;
        6 * 7
    });
    assert_eq!(handle.await.unwrap(), 42);
}

#[runtime::test]
async fn test_returns_result_and_uses_question_mark() -> Result<(), Box<dyn Error>> {
    let n: u32 = "41".parse()?;
    runtime::task::yield_now().await;
    assert_eq!(n + 1, 42);
    Ok(())
}

#[runtime::test]
async fn test_can_return_early() {
    for i in 0.. {
        if i == 3 {
            return;
        }
        runtime::task::yield_now().await;
    }
    unreachable!("the loop returns");
}

#[runtime::test(flavor = "current_thread")]
async fn test_current_thread_flavor() {
    let handle = runtime::spawn(async { "spawned" });
    assert_eq!(handle.await.unwrap(), "spawned");
}

#[runtime::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_multi_thread_flavor_with_two_workers() {
    let handles: Vec<_> = (0..8u64)
        .map(|i| {
            runtime::spawn(async move {
                runtime::task::yield_now().await;
                i * i
            })
        })
        .collect();
    let mut sum = 0;
    for handle in handles {
        sum += handle.await.unwrap();
    }
    assert_eq!(sum, 140);
}

#[runtime::test(crate = "runtime")]
async fn test_crate_option_names_the_runtime_crate() {
    runtime::task::yield_now().await;
}

#[runtime::test]
#[should_panic(expected = "panics inside the runtime")]
async fn test_panics_reach_the_harness() {
    runtime::task::yield_now().await;
    panic!("panics inside the runtime");
}

/// `#[runtime::main]` need not be on `main`: this becomes a blocking function.
#[runtime::main]
async fn add_on_a_runtime(a: u64, mut b: u64) -> u64 {
    runtime::task::yield_now().await;
    b += runtime::spawn(async move { a }).await.unwrap();
    b
}

#[test]
fn main_on_a_function_that_is_not_main() {
    assert_eq!(add_on_a_runtime(40, 2), 42);
    // Each call builds a runtime of its own.
    assert_eq!(add_on_a_runtime(1, 1), 2);
}

#[runtime::main(flavor = "current_thread")]
async fn body_thread() -> ThreadId {
    runtime::task::yield_now().await;
    thread::current().id()
}

#[test]
fn main_runs_the_body_on_the_calling_thread() {
    assert_eq!(body_thread(), thread::current().id());
}

#[runtime::main(flavor = "multi_thread", worker_threads = 2)]
async fn parse_on_a_runtime(text: &str) -> Result<u32, Box<dyn Error>> {
    if text.is_empty() {
        return Err("empty".into());
    }
    let n: u32 = text.parse()?;
    Ok(n)
}

#[test]
fn main_returning_result() {
    assert_eq!(parse_on_a_runtime("7").unwrap(), 7);
    assert_eq!(parse_on_a_runtime("").unwrap_err().to_string(), "empty");
    assert!(parse_on_a_runtime("x").is_err());
}

struct Counter {
    calls: AtomicUsize,
}

impl Counter {
    /// A method: its body runs as an `async move` block, with `self` available.
    #[runtime::main(flavor = "current_thread")]
    async fn bump(&self, by: usize) -> usize {
        runtime::task::yield_now().await;
        self.calls.fetch_add(by, Ordering::SeqCst) + by
    }

    #[runtime::main(flavor = "current_thread")]
    async fn new_with(calls: usize) -> Self {
        Self {
            calls: AtomicUsize::new(calls),
        }
    }
}

#[test]
fn main_on_methods() {
    let counter = Counter::new_with(1);
    assert_eq!(counter.bump(2), 3);
    assert_eq!(counter.bump(1), 4);
}

#[runtime::main(flavor = "current_thread")]
async fn first<T: Clone + Send + 'static>(items: Vec<T>) -> Option<T> {
    runtime::task::yield_now().await;
    items.first().cloned()
}

#[test]
fn main_on_a_generic_function() {
    assert_eq!(first(vec!["a", "b"]), Some("a"));
    assert_eq!(first::<u8>(Vec::new()), None);
}
