//! Criterion benchmarks of `runtime` against tokio live in `benches/benches/`.
