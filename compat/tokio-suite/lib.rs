//! Empty: the harness only carries tokio's tests as `[[test]]` targets.
