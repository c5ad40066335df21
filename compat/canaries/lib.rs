//! Shared helpers for the ecosystem canaries in `tests/`.
//!
//! Each canary drives a published crate (axum, reqwest, hyper-util, tokio-util, tokio-stream,
//! tower, tonic) end to end over loopback TCP, on `runtime` through the `tokio` compat package.
//! A canary must fail rather than hang, so every step that waits on the network goes through
//! [`within`].

use std::future::Future;
use std::time::Duration;

/// How long one canary step may take before the canary fails instead of hanging.
pub const STEP: Duration = Duration::from_secs(10);

/// Awaits `fut`, panicking with `what` if it takes longer than [`STEP`].
pub async fn within<F: Future>(what: &str, fut: F) -> F::Output {
    match tokio::time::timeout(STEP, fut).await {
        Ok(output) => output,
        Err(_) => panic!("canary step `{what}` did not finish within {STEP:?}"),
    }
}
