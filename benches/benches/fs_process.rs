//! Files and child processes against tokio, workload for workload, on multi-thread runtimes
//! with 2 workers (`enable_all()`). Every `fs` call is blocking-pool work in both runtimes,
//! so these measure the pool's hand-off more than the disk (the files sit in the page cache).
//!
//! * `fs_read_small`: 1,000 files of 4 KiB read concurrently, one task per `fs::read`.
//! * `fs_write_64mib`: 64 MiB written through one `fs::File` in 8 KiB `write_all`s, then
//!   `flush`ed (each write is one pool round trip in both runtimes).
//! * `fs_read_dir`: `read_dir` over a directory of 10,000 entries, every `DirEntry` taken.
//! * `process_sequential`: `true` spawned and waited for 200 times, one after the other.
//! * `process_concurrent`: `true` spawned and waited for 200 times, 32 at a time.
//!
//! The fixtures live in a scratch directory under the system temp dir, created once and
//! removed at the end. `benches/report.py` turns the results into ratios against tokio.

// `criterion_main!` generates an undocumented `main`.
#![allow(missing_docs)]

use std::path::{Path, PathBuf};

use criterion::{criterion_group, criterion_main, Criterion};

const WORKERS: usize = 2;
const SMALL_FILES: usize = 1_000;
const SMALL_FILE_BYTES: usize = 4 * 1024;
const WRITE_BYTES: usize = 64 << 20;
const WRITE_CHUNK: usize = 8 * 1024;
const DIR_ENTRIES: usize = 10_000;
const SPAWNS: usize = 200;
const SPAWNS_IN_FLIGHT: usize = 32;

macro_rules! workloads {
    ($module:ident, $krate:ident) => {
        mod $module {
            use std::path::{Path, PathBuf};
            use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
            use std::sync::Arc;

            use $krate::io::AsyncWriteExt;

            pub type Runtime = $krate::runtime::Runtime;

            pub fn read_small(rt: &Runtime, files: &[PathBuf]) {
                rt.block_on(async {
                    let reads: Vec<_> = files
                        .iter()
                        .map(|path| $krate::spawn($krate::fs::read(path.clone())))
                        .collect();
                    let mut total = 0;
                    for read in reads {
                        total += read.await.unwrap().unwrap().len();
                    }
                    assert_eq!(total, super::SMALL_FILES * super::SMALL_FILE_BYTES);
                })
            }

            pub fn write_64mib(rt: &Runtime, path: &Path) {
                rt.block_on(async {
                    let mut file = $krate::fs::File::create(path).await.unwrap();
                    let chunk = vec![0x5au8; super::WRITE_CHUNK];
                    for _ in 0..super::WRITE_BYTES / super::WRITE_CHUNK {
                        file.write_all(&chunk).await.unwrap();
                    }
                    file.flush().await.unwrap();
                })
            }

            pub fn read_dir(rt: &Runtime, dir: &Path) {
                rt.block_on(async {
                    let mut entries = $krate::fs::read_dir(dir).await.unwrap();
                    let mut seen = 0;
                    while let Some(entry) = entries.next_entry().await.unwrap() {
                        std::hint::black_box(entry.file_name());
                        seen += 1;
                    }
                    assert_eq!(seen, super::DIR_ENTRIES);
                })
            }

            async fn run_true() {
                let status = $krate::process::Command::new("true")
                    .status()
                    .await
                    .unwrap();
                assert!(status.success());
            }

            pub fn process_sequential(rt: &Runtime) {
                rt.block_on(async {
                    for _ in 0..super::SPAWNS {
                        run_true().await;
                    }
                })
            }

            pub fn process_concurrent(rt: &Runtime) {
                rt.block_on(async {
                    // 32 tasks take spawns from one counter until 200 have run.
                    let next = Arc::new(AtomicUsize::new(0));
                    let runners: Vec<_> = (0..super::SPAWNS_IN_FLIGHT)
                        .map(|_| {
                            let next = next.clone();
                            $krate::spawn(async move {
                                while next.fetch_add(1, Relaxed) < super::SPAWNS {
                                    run_true().await;
                                }
                            })
                        })
                        .collect();
                    for runner in runners {
                        runner.await.unwrap();
                    }
                })
            }
        }
    };
}

workloads!(ours, runtime);
workloads!(theirs, tokio);

fn runtime_rt() -> ours::Runtime {
    runtime::runtime::Builder::new_multi_thread()
        .worker_threads(WORKERS)
        .enable_all()
        .build()
        .unwrap()
}

fn tokio_rt() -> theirs::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(WORKERS)
        .enable_all()
        .build()
        .unwrap()
}

/// The scratch directory and its fixtures; removed on drop.
struct Fixtures {
    root: PathBuf,
    small: Vec<PathBuf>,
    many: PathBuf,
    written: PathBuf,
}

impl Fixtures {
    fn create() -> Fixtures {
        let root = std::env::temp_dir().join(format!("runtime-bench-fs-{}", std::process::id()));
        let small_dir = root.join("small");
        let many = root.join("many");
        std::fs::create_dir_all(&small_dir).unwrap();
        std::fs::create_dir_all(&many).unwrap();
        let content = vec![0xa5u8; SMALL_FILE_BYTES];
        let small = (0..SMALL_FILES)
            .map(|i| {
                let path = small_dir.join(format!("{i}"));
                std::fs::write(&path, &content).unwrap();
                path
            })
            .collect();
        for i in 0..DIR_ENTRIES {
            std::fs::File::create(many.join(format!("entry-{i}"))).unwrap();
        }
        let written = root.join("written");
        Fixtures {
            root,
            small,
            many,
            written,
        }
    }

    fn written(&self) -> &Path {
        &self.written
    }
}

impl Drop for Fixtures {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

fn fs(c: &mut Criterion) {
    let fixtures = Fixtures::create();

    let mut group = c.benchmark_group("fs_read_small");
    group.sample_size(20);
    let rt = runtime_rt();
    group.bench_function("runtime", |b| {
        b.iter(|| ours::read_small(&rt, &fixtures.small))
    });
    drop(rt);
    let rt = tokio_rt();
    group.bench_function("tokio", |b| {
        b.iter(|| theirs::read_small(&rt, &fixtures.small))
    });
    drop(rt);
    group.finish();

    let mut group = c.benchmark_group("fs_write_64mib");
    group.sample_size(10);
    let rt = runtime_rt();
    group.bench_function("runtime", |b| {
        b.iter(|| ours::write_64mib(&rt, fixtures.written()))
    });
    drop(rt);
    let rt = tokio_rt();
    group.bench_function("tokio", |b| {
        b.iter(|| theirs::write_64mib(&rt, fixtures.written()))
    });
    drop(rt);
    group.finish();

    let mut group = c.benchmark_group("fs_read_dir");
    group.sample_size(20);
    let rt = runtime_rt();
    group.bench_function("runtime", |b| {
        b.iter(|| ours::read_dir(&rt, &fixtures.many))
    });
    drop(rt);
    let rt = tokio_rt();
    group.bench_function("tokio", |b| {
        b.iter(|| theirs::read_dir(&rt, &fixtures.many))
    });
    drop(rt);
    group.finish();
}

fn process(c: &mut Criterion) {
    let mut group = c.benchmark_group("process_sequential");
    // fork and exec dominate, and vary from one spawn to the next: more samples.
    group.sample_size(30);
    group.measurement_time(std::time::Duration::from_secs(10));
    let rt = runtime_rt();
    group.bench_function("runtime", |b| b.iter(|| ours::process_sequential(&rt)));
    drop(rt);
    let rt = tokio_rt();
    group.bench_function("tokio", |b| b.iter(|| theirs::process_sequential(&rt)));
    drop(rt);
    group.finish();

    let mut group = c.benchmark_group("process_concurrent");
    // fork and exec dominate, and vary from one spawn to the next: more samples.
    group.sample_size(30);
    group.measurement_time(std::time::Duration::from_secs(10));
    let rt = runtime_rt();
    group.bench_function("runtime", |b| b.iter(|| ours::process_concurrent(&rt)));
    drop(rt);
    let rt = tokio_rt();
    group.bench_function("tokio", |b| b.iter(|| theirs::process_concurrent(&rt)));
    drop(rt);
    group.finish();
}

criterion_group!(benches, fs, process);
criterion_main!(benches);
