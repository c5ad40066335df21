//! `fs`: the async file system on the runtime's blocking pool. Each scheduler-dependent test
//! runs on both runtime flavors.

use std::future::{poll_fn, Future};
use std::io::{ErrorKind, SeekFrom};
use std::path::{Path, PathBuf};
use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::Poll;
use std::time::Duration;

use runtime::fs::{self, File, OpenOptions};
use runtime::io::{AsyncReadExt, AsyncSeek as _, AsyncSeekExt, AsyncWriteExt};
use runtime::runtime::{Builder, Runtime};

/// A directory of its own under the system's temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> TempDir {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let path = std::env::temp_dir().join(format!(
            "runtime-fs-test-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&path).unwrap();
        TempDir(path)
    }

    fn join(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn runtimes() -> [(&'static str, Runtime); 2] {
    [
        (
            "current_thread",
            Builder::new_current_thread().enable_all().build().unwrap(),
        ),
        (
            "multi_thread",
            Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap(),
        ),
    ]
}

/// Runs the test body on each runtime flavor.
fn on_both<F, Fut>(body: F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    for (flavor, rt) in runtimes() {
        eprintln!("flavor: {flavor}");
        // Spawned, so that on the multi-thread runtime the body runs on a worker.
        rt.block_on(async { runtime::spawn(body()).await.unwrap() });
    }
}

/// Polls `fut` once (starting whatever it starts) and drops it.
async fn poll_once<F: Future>(fut: F) -> Poll<F::Output> {
    let mut fut = pin!(fut);
    poll_fn(|cx| Poll::Ready(fut.as_mut().poll(cx))).await
}

// ===== whole-file helpers and paths =====

#[test]
fn whole_file_helpers_round_trip() {
    on_both(|| async {
        let dir = TempDir::new();
        let a = dir.join("a.txt");
        fs::write(&a, b"hello").await.unwrap();
        assert_eq!(fs::read(&a).await.unwrap(), b"hello");
        assert_eq!(fs::read_to_string(&a).await.unwrap(), "hello");
        assert_eq!(fs::copy(&a, dir.join("b.txt")).await.unwrap(), 5);
        fs::rename(dir.join("b.txt"), dir.join("c.txt"))
            .await
            .unwrap();
        assert!(!fs::try_exists(dir.join("b.txt")).await.unwrap());
        assert!(fs::try_exists(dir.join("c.txt")).await.unwrap());
        assert_eq!(fs::metadata(&a).await.unwrap().len(), 5);
        fs::remove_file(dir.join("c.txt")).await.unwrap();
        assert!(!dir.join("c.txt").exists());
    });
}

#[test]
fn links_and_canonical_paths() {
    on_both(|| async {
        let dir = TempDir::new();
        let src = dir.join("src");
        std::fs::write(&src, b"data").unwrap();
        fs::hard_link(&src, dir.join("hard")).await.unwrap();
        fs::symlink(&src, dir.join("soft")).await.unwrap();
        assert_eq!(fs::read_link(dir.join("soft")).await.unwrap(), src);
        let meta = fs::symlink_metadata(dir.join("soft")).await.unwrap();
        assert!(meta.file_type().is_symlink());
        assert!(fs::metadata(dir.join("soft")).await.unwrap().is_file());
        let canonical = fs::canonicalize(dir.join("soft")).await.unwrap();
        assert_eq!(canonical, std::fs::canonicalize(&src).unwrap());
        assert_eq!(fs::read(dir.join("hard")).await.unwrap(), b"data");
    });
}

#[test]
fn directories_are_created_and_removed() {
    on_both(|| async {
        let dir = TempDir::new();
        fs::create_dir(dir.join("one")).await.unwrap();
        fs::create_dir_all(dir.join("two/three/four"))
            .await
            .unwrap();
        assert!(dir.join("two/three/four").is_dir());
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir.join("five/six"))
            .await
            .unwrap();
        let mode = std::os::unix::fs::PermissionsExt::mode(
            &fs::metadata(dir.join("five/six"))
                .await
                .unwrap()
                .permissions(),
        );
        assert_eq!(mode & 0o777, 0o700);
        let err = fs::DirBuilder::new()
            .create(dir.join("one"))
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::AlreadyExists);
        fs::remove_dir(dir.join("one")).await.unwrap();
        fs::remove_dir_all(dir.join("two")).await.unwrap();
        assert!(!dir.join("one").exists() && !dir.join("two").exists());
    });
}

#[test]
fn open_options_mode_and_custom_flags() {
    on_both(|| async {
        let dir = TempDir::new();
        let path = dir.join("f");
        let file = OpenOptions::new()
            .write(true)
            .create(true)
            .mode(0o600)
            .open(&path)
            .await
            .unwrap();
        let mode =
            std::os::unix::fs::PermissionsExt::mode(&file.metadata().await.unwrap().permissions());
        assert_eq!(mode & 0o777, 0o600);
        // O_CREAT | O_EXCL through the raw flags: the file exists.
        let err = OpenOptions::new()
            .write(true)
            .create(true)
            .custom_flags(libc::O_EXCL)
            .open(&path)
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::AlreadyExists);
        assert_eq!(
            File::create_new(&path).await.unwrap_err().kind(),
            ErrorKind::AlreadyExists
        );
    });
}

// ===== error paths: the OS's errors, unchanged =====

#[test]
fn enoent_is_not_found() {
    on_both(|| async {
        let dir = TempDir::new();
        let missing = dir.join("missing");
        for err in [
            fs::read(&missing).await.unwrap_err(),
            File::open(&missing).await.map(drop).unwrap_err(),
            fs::metadata(&missing).await.map(drop).unwrap_err(),
            fs::remove_file(&missing).await.unwrap_err(),
            fs::read_dir(&missing).await.map(drop).unwrap_err(),
            fs::hard_link(&missing, dir.join("x")).await.unwrap_err(),
        ] {
            assert_eq!(err.kind(), ErrorKind::NotFound);
            assert_eq!(err.raw_os_error(), Some(libc::ENOENT));
        }
    });
}

#[test]
fn eisdir_and_enotdir() {
    on_both(|| async {
        let dir = TempDir::new();
        // Opening a directory for writing.
        let err = File::create(dir.path()).await.map(drop).unwrap_err();
        assert_eq!(err.raw_os_error(), Some(libc::EISDIR));
        assert_eq!(err.kind(), ErrorKind::IsADirectory);
        // A path through a file.
        let file = dir.join("file");
        std::fs::write(&file, b"x").unwrap();
        let err = fs::create_dir(file.join("sub")).await.unwrap_err();
        assert_eq!(err.raw_os_error(), Some(libc::ENOTDIR));
        assert_eq!(err.kind(), ErrorKind::NotADirectory);
        let err = fs::read_dir(&file).await.map(drop).unwrap_err();
        assert_eq!(err.raw_os_error(), Some(libc::ENOTDIR));
        // Reading a directory as a file.
        let err = fs::read(dir.path()).await.unwrap_err();
        assert_eq!(err.raw_os_error(), Some(libc::EISDIR));
    });
}

#[test]
fn permission_errors() {
    on_both(|| async {
        let dir = TempDir::new();
        // EPERM, which root gets too: Linux refuses hard links to directories.
        let sub = dir.join("sub");
        std::fs::create_dir(&sub).unwrap();
        let err = fs::hard_link(&sub, dir.join("link")).await.unwrap_err();
        assert_eq!(err.raw_os_error(), Some(libc::EPERM));
        assert_eq!(err.kind(), ErrorKind::PermissionDenied);

        // EACCES: a directory nobody may search. Root may (CAP_DAC_OVERRIDE).
        // SAFETY: geteuid has no preconditions.
        if unsafe { libc::geteuid() } == 0 {
            eprintln!("skipping the EACCES half: running as root, which bypasses permissions");
            return;
        }
        let locked = dir.join("locked");
        std::fs::create_dir(&locked).unwrap();
        std::fs::write(locked.join("f"), b"x").unwrap();
        let mut perms = fs::metadata(&locked).await.unwrap().permissions();
        std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o000);
        fs::set_permissions(&locked, perms).await.unwrap();
        let err = fs::read(locked.join("f")).await.unwrap_err();
        assert_eq!(err.raw_os_error(), Some(libc::EACCES));
        assert_eq!(err.kind(), ErrorKind::PermissionDenied);
        let err = fs::try_exists(locked.join("f")).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::PermissionDenied);
        let mut perms = fs::metadata(&locked).await.unwrap().permissions();
        std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o700);
        fs::set_permissions(&locked, perms).await.unwrap();
    });
}

#[test]
fn invalid_utf8_is_invalid_data() {
    on_both(|| async {
        let dir = TempDir::new();
        std::fs::write(dir.join("bin"), [0xff, 0xfe]).unwrap();
        let err = fs::read_to_string(dir.join("bin")).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidData);
    });
}

// ===== File: the write-behind buffer =====

#[test]
fn write_error_comes_back_from_flush_once() {
    on_both(|| async {
        let dir = TempDir::new();
        std::fs::write(dir.join("ro"), b"content").unwrap();
        // Read-only: the write is acknowledged (buffered) and fails in the background.
        let mut file = File::open(dir.join("ro")).await.unwrap();
        assert_eq!(file.write(b"abc").await.unwrap(), 3);
        let err = file.flush().await.unwrap_err();
        assert_eq!(err.raw_os_error(), Some(libc::EBADF));
        // Reported once.
        file.flush().await.unwrap();
    });
}

#[test]
fn write_error_seen_by_a_read_is_kept_for_the_next_flush() {
    on_both(|| async {
        let dir = TempDir::new();
        std::fs::write(dir.join("ro"), b"content").unwrap();
        let mut file = File::open(dir.join("ro")).await.unwrap();
        file.write_all(b"abc").await.unwrap();
        // The read waits for the failed write, then reads.
        let mut buf = [0; 16];
        let n = file.read(&mut buf).await.unwrap();
        assert!(n > 0);
        let err = file.flush().await.unwrap_err();
        assert_eq!(err.raw_os_error(), Some(libc::EBADF));
    });
}

#[test]
fn write_is_split_at_max_buf_size() {
    on_both(|| async {
        let dir = TempDir::new();
        let mut file = File::create(dir.join("f")).await.unwrap();
        file.set_max_buf_size(4);
        assert_eq!(file.write(b"0123456789").await.unwrap(), 4);
        file.write_all(b"456789").await.unwrap();
        file.flush().await.unwrap();
        assert_eq!(std::fs::read(dir.join("f")).unwrap(), b0123456789());
        let mut file = File::open(dir.join("f")).await.unwrap();
        file.set_max_buf_size(3);
        let mut buf = [0; 10];
        assert_eq!(file.read(&mut buf).await.unwrap(), 3);
    });
}

fn b0123456789() -> Vec<u8> {
    b"0123456789".to_vec()
}

#[test]
fn sync_all_and_set_len_wait_for_the_write() {
    on_both(|| async {
        let dir = TempDir::new();
        let mut file = File::create(dir.join("f")).await.unwrap();
        file.write_all(&[7; 100_000]).await.unwrap();
        file.sync_all().await.unwrap();
        assert_eq!(std::fs::metadata(dir.join("f")).unwrap().len(), 100_000);
        file.write_all(&[8; 10]).await.unwrap();
        file.set_len(50).await.unwrap();
        assert_eq!(file.metadata().await.unwrap().len(), 50);
        file.sync_data().await.unwrap();
    });
}

#[test]
fn dropped_file_completes_its_write() {
    on_both(|| async {
        let dir = TempDir::new();
        let path = dir.join("f");
        let data: Vec<u8> = (0..4 << 20).map(|i: u32| (i % 251) as u8).collect();
        let mut file = File::create(&path).await.unwrap();
        file.set_max_buf_size(data.len());
        // One write, acknowledged once buffered; drop with it in flight.
        assert_eq!(file.write(&data).await.unwrap(), data.len());
        drop(file);
        // Nothing waits for it; it lands anyway.
        for _ in 0..500 {
            if std::fs::read(&path).unwrap() == data {
                return;
            }
            runtime::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("the dropped file's write never landed");
    });
}

/// A pipe: a `File` over its write end blocks in `write` while the pipe is full.
fn pipe() -> (std::fs::File, std::fs::File) {
    let mut fds = [0; 2];
    // SAFETY: `fds` has room for the two descriptors `pipe` writes.
    assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
    // SAFETY: both descriptors are fresh and owned by nobody else.
    unsafe {
        use std::os::fd::FromRawFd;
        (
            std::fs::File::from_raw_fd(fds[0]),
            std::fs::File::from_raw_fd(fds[1]),
        )
    }
}

#[test]
fn drop_with_a_blocked_write_does_not_wait_and_loses_nothing() {
    for (flavor, rt) in runtimes() {
        eprintln!("flavor: {flavor}");
        let (mut reader, writer) = pipe();
        let data: Vec<u8> = (0..1 << 20).map(|i: u32| (i % 253) as u8).collect();
        let expected = data.clone();
        // The reader starts only once the task is done, or after 10 s if the drop blocks (so
        // that a failing test fails instead of hanging).
        let (done_tx, done_rx) = std::sync::mpsc::channel::<()>();
        let reader = std::thread::spawn(move || {
            let blocked = done_rx.recv_timeout(Duration::from_secs(10)).is_err();
            let mut got = Vec::new();
            std::io::Read::read_to_end(&mut reader, &mut got).unwrap();
            (blocked, got)
        });
        rt.block_on(async move {
            runtime::spawn(async move {
                let mut file = File::from_std(writer);
                file.set_max_buf_size(data.len());
                assert_eq!(file.write(&data).await.unwrap(), data.len());
                // The write is stuck (nobody reads the pipe yet): the file cannot be taken
                // back without waiting for it.
                let file = file.try_into_std().unwrap_err();
                // Dropping does not wait for it.
                drop(file);
            })
            .await
            .unwrap();
        });
        let _ = done_tx.send(());
        // Only now does anyone read: every byte arrives, then the end (the write end was
        // closed by the blocking write once it finished).
        let (blocked, got) = reader.join().unwrap();
        assert!(!blocked, "dropping the file waited for its write");
        assert_eq!(got.len(), expected.len());
        assert!(got == expected);
        drop(rt);
    }
}

#[test]
fn runtime_shutdown_still_completes_an_acknowledged_write() {
    for (flavor, rt) in runtimes() {
        eprintln!("flavor: {flavor}");
        let dir = TempDir::new();
        let path = dir.join("f");
        let data = vec![5u8; 8 << 20];
        let expected = data.len() as u64;
        let p = path.clone();
        rt.block_on(async move {
            let mut file = File::create(&p).await.unwrap();
            file.set_max_buf_size(data.len());
            file.write_all(&data).await.unwrap();
            // Dropped in flight; the runtime shuts down right after.
        });
        drop(rt);
        assert_eq!(std::fs::metadata(&path).unwrap().len(), expected);
    }
}

// ===== File: seeking =====

#[test]
fn seek_after_write_waits_for_the_write() {
    on_both(|| async {
        let dir = TempDir::new();
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(dir.join("f"))
            .await
            .unwrap();
        file.write_all(b"hello world").await.unwrap();
        // No flush: the seek waits for the write in flight.
        assert_eq!(file.seek(SeekFrom::Current(-5)).await.unwrap(), 6);
        let mut rest = String::new();
        file.read_to_string(&mut rest).await.unwrap();
        assert_eq!(rest, "world");
        file.write_all(b"!").await.unwrap();
        assert_eq!(file.seek(SeekFrom::Start(0)).await.unwrap(), 0);
        let mut all = String::new();
        file.read_to_string(&mut all).await.unwrap();
        assert_eq!(all, "hello world!");
        assert_eq!(file.stream_position().await.unwrap(), 12);
    });
}

/// Starts a read of up to 100 bytes at the start of `file` and abandons it, so that what it
/// reads stays in the file's buffer (read ahead of the caller). Retries if the read finished
/// before the first poll returned.
async fn read_ahead_from_start(file: &mut File) {
    let mut big = [0; 100];
    for _ in 0..1000 {
        file.rewind().await.unwrap();
        if poll_once(file.read(&mut big)).await.is_pending() {
            return;
        }
    }
    panic!("every read finished within its first poll");
}

#[test]
fn data_read_ahead_is_accounted_for_by_seek_and_write() {
    on_both(|| async {
        let dir = TempDir::new();
        let path = dir.join("f");
        std::fs::write(&path, b"0123456789").unwrap();
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .open(&path)
            .await
            .unwrap();
        read_ahead_from_start(&mut file).await;
        let mut small = [0; 2];
        file.read_exact(&mut small).await.unwrap();
        assert_eq!(&small, b"01");
        // The write lands where the caller is (2), not past the read-ahead.
        file.write_all(b"ab").await.unwrap();
        file.flush().await.unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"01ab456789");

        // Again, for a relative seek.
        read_ahead_from_start(&mut file).await;
        file.read_exact(&mut small).await.unwrap();
        assert_eq!(file.seek(SeekFrom::Current(1)).await.unwrap(), 3);
        file.read_exact(&mut small).await.unwrap();
        assert_eq!(&small, b"b4");
    });
}

#[test]
fn start_seek_while_busy_is_an_error_not_a_panic() {
    on_both(|| async {
        let dir = TempDir::new();
        let mut file = File::create(dir.join("f")).await.unwrap();
        file.write_all(b"x").await.unwrap();
        let err = std::pin::Pin::new(&mut file)
            .start_seek(SeekFrom::Start(0))
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Other);
        // poll_complete first, as the error says, and it works.
        assert_eq!(file.seek(SeekFrom::Start(0)).await.unwrap(), 0);
    });
}

// ===== File: conversions =====

#[test]
fn clone_and_into_std() {
    on_both(|| async {
        let dir = TempDir::new();
        let mut file = File::create(dir.join("f")).await.unwrap();
        file.set_max_buf_size(64);
        file.write_all(b"abc").await.unwrap();
        let mut clone = file.try_clone().await.unwrap();
        assert_eq!(clone.max_buf_size(), 64);
        // The clone was made after the write landed, and shares the position.
        clone.write_all(b"def").await.unwrap();
        let std = clone.into_std().await;
        drop(std);
        let std = file.into_std().await;
        assert_eq!(std.metadata().unwrap().len(), 6);
        assert_eq!(std::fs::read(dir.join("f")).unwrap(), b"abcdef");
        assert!(format!("{:?}", File::from_std(std)).contains("File { std: File { fd:"));
    });
}

#[test]
fn file_times_are_set() {
    use std::time::{SystemTime, UNIX_EPOCH};
    on_both(|| async {
        let dir = TempDir::new();
        let file = File::create(dir.join("f")).await.unwrap();
        let t = UNIX_EPOCH + Duration::from_secs(1_234_567_890);
        file.set_times(fs::FileTimes::new().set_accessed(t).set_modified(t))
            .await
            .unwrap();
        let meta = file.metadata().await.unwrap();
        assert_eq!(meta.modified().unwrap(), t);
        assert_eq!(meta.accessed().unwrap(), t);
        file.set_modified(SystemTime::UNIX_EPOCH).await.unwrap();
        assert_eq!(
            file.metadata().await.unwrap().modified().unwrap(),
            UNIX_EPOCH
        );
    });
}

// ===== read_dir =====

#[test]
fn read_dir_lists_many_entries_in_few_batches() {
    const N: usize = 2000;
    let dir = TempDir::new();
    for i in 0..N {
        std::fs::write(dir.join(&format!("{i:05}")), b"").unwrap();
    }
    std::fs::create_dir(dir.join("subdir")).unwrap();
    let path = dir.path().to_owned();
    on_both(move || {
        let path = path.clone();
        async move {
            let mut entries = fs::read_dir(&path).await.unwrap();
            let mut names = Vec::new();
            let mut waits = 0;
            loop {
                let next = poll_fn(|cx| match entries.poll_next_entry(cx) {
                    Poll::Pending => {
                        waits += 1;
                        Poll::Pending
                    }
                    ready => ready,
                })
                .await;
                let Some(entry) = next.unwrap() else { break };
                let name = entry.file_name().into_string().unwrap();
                assert_eq!(entry.path(), path.join(&name));
                let is_dir = entry.file_type().await.unwrap().is_dir();
                assert_eq!(is_dir, name == "subdir");
                names.push(name);
            }
            assert_eq!(names.len(), N + 1);
            names.sort();
            assert_eq!(names[0], "00000");
            assert_eq!(names[N - 1], format!("{:05}", N - 1));
            // Batches of 32, 64, ... 1024 after the first: a handful of round trips, where
            // one per 32 entries would be 63.
            assert!(waits <= 10, "{waits} blocking round trips for {N} entries");
            // Past the end, still the end.
            assert!(entries.next_entry().await.unwrap().is_none());
        }
    });
}

#[test]
fn dir_entry_metadata_and_inode() {
    on_both(|| async {
        let dir = TempDir::new();
        std::fs::write(dir.join("f"), b"12345").unwrap();
        let mut entries = fs::read_dir(dir.path()).await.unwrap();
        let entry = entries.next_entry().await.unwrap().unwrap();
        assert_eq!(entry.file_name(), "f");
        assert_eq!(entry.metadata().await.unwrap().len(), 5);
        let ino = std::os::unix::fs::MetadataExt::ino(&std::fs::metadata(dir.join("f")).unwrap());
        assert_eq!(entry.ino(), ino);
        assert!(entries.next_entry().await.unwrap().is_none());
    });
}

// ===== no runtime, shut-down runtime =====

#[test]
#[should_panic(expected = "needs a runtime")]
fn outside_a_runtime_is_a_panic_that_says_so() {
    // Build (and drop) a runtime first, so the hook is installed: there is still none here.
    drop(Builder::new_current_thread().build().unwrap());
    let waker = std::task::Waker::noop();
    let mut cx = std::task::Context::from_waker(waker);
    let mut fut = pin!(fs::read("/"));
    let _ = fut.as_mut().poll(&mut cx);
}

#[test]
fn after_shutdown_calls_fail_with_background_task_failed() {
    for (flavor, rt) in runtimes() {
        eprintln!("flavor: {flavor}");
        let handle = rt.handle().clone();
        let _enter = rt.enter();
        let dir = TempDir::new();
        let std_file = std::fs::File::create(dir.join("f")).unwrap();
        rt.shutdown_timeout(Duration::from_secs(10));

        let err = handle.block_on(fs::read_to_string("/")).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Other);
        assert_eq!(
            err.get_ref().expect("an inner error").to_string(),
            "background task failed"
        );

        // A file stays usable: each operation fails, none panics.
        let mut file = File::from_std(std_file);
        handle.block_on(async {
            for _ in 0..2 {
                assert_eq!(file.write(b"x").await.unwrap_err().kind(), ErrorKind::Other);
                let mut buf = [0; 4];
                assert_eq!(
                    file.read(&mut buf).await.unwrap_err().kind(),
                    ErrorKind::Other
                );
                assert!(file.seek(SeekFrom::Start(0)).await.is_err());
                assert!(file.set_len(0).await.is_err());
                file.flush().await.unwrap();
            }
            let err = fs::read_dir("/").await.map(drop).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Other);
            let err = fs::metadata("/").await.map(drop).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Other);
        });
    }
}

// ===== auto traits =====

#[test]
fn auto_traits_match_tokio() {
    fn send_sync_unpin<T: Send + Sync + Unpin>() {}
    fn unwind_safe<T: std::panic::UnwindSafe + std::panic::RefUnwindSafe>() {}
    send_sync_unpin::<File>();
    send_sync_unpin::<fs::ReadDir>();
    send_sync_unpin::<fs::DirEntry>();
    send_sync_unpin::<fs::DirBuilder>();
    send_sync_unpin::<OpenOptions>();
    send_sync_unpin::<fs::FileTimes>();
    unwind_safe::<fs::DirEntry>();
    unwind_safe::<fs::DirBuilder>();
    unwind_safe::<OpenOptions>();
    unwind_safe::<fs::FileTimes>();

    fn send_sync<T: Send + Sync>(_: &T) {}
    let file = File::from_std(std::fs::File::open("/").unwrap());
    send_sync(&file.sync_all());
    send_sync(&file.set_len(0));
    send_sync(&file.try_clone());
    send_sync(&fs::read_dir("/"));
    send_sync(&fs::write("/x", vec![1u8]));
}
