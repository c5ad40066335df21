//! `process`: spawning, waiting, killing, piped stdio, reaping, and the error paths. Each
//! scheduler-dependent test runs on both runtime flavors.
//!
//! The tests run one at a time (`serial()`): the zombie checks scan this process's children,
//! which a test running alongside would have too.

use std::collections::HashSet;
use std::future::{poll_fn, Future};
use std::io::{ErrorKind, Write as _};
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::pin::Pin;
use std::process::Stdio;
use std::sync::{Mutex, MutexGuard};
use std::task::Poll;
use std::time::{Duration, Instant};

use runtime::io::{AsyncReadExt, AsyncWrite, AsyncWriteExt};
use runtime::process::{Child, ChildStdin, Command};
use runtime::runtime::{Builder, Runtime};
use runtime::time::timeout;

/// Generous: the machine running these may be small and busy.
const PATIENCE: Duration = Duration::from_secs(60);

fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn current_thread() -> Runtime {
    Builder::new_current_thread().enable_all().build().unwrap()
}

fn multi_thread() -> Runtime {
    Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

fn runtimes() -> [(&'static str, Runtime); 2] {
    [
        ("current_thread", current_thread()),
        ("multi_thread", multi_thread()),
    ]
}

/// Runs the test body on each runtime flavor (spawned, so that on the multi-thread runtime it
/// runs on a worker).
fn on_both<F, Fut>(body: F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    for (flavor, rt) in runtimes() {
        eprintln!("flavor: {flavor}");
        rt.block_on(async { runtime::spawn(body()).await.unwrap() });
    }
}

/// One entry of `/proc/<pid>/stat`: (state, parent pid, process group).
fn stat(pid: u32) -> Option<(char, u32, u32)> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // `pid (comm) state ppid pgrp ...`; comm may hold spaces and parentheses.
    let rest = &text[text.rfind(')')? + 2..];
    let mut fields = rest.split(' ');
    let state = fields.next()?.chars().next()?;
    let ppid = fields.next()?.parse().ok()?;
    let pgrp = fields.next()?.parse().ok()?;
    Some((state, ppid, pgrp))
}

/// This process's children, each with its state.
fn children() -> Vec<(u32, char)> {
    let me = std::process::id();
    std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(|pid| {
            let (state, ppid, _) = stat(pid)?;
            (ppid == me).then_some((pid, state))
        })
        .collect()
}

fn zombies() -> Vec<u32> {
    children()
        .into_iter()
        .filter(|&(_, state)| state == 'Z')
        .map(|(pid, _)| pid)
        .collect()
}

/// Whether `pid` is still a child of ours (running or a zombie).
fn is_our_child(pid: u32) -> bool {
    stat(pid).is_some_and(|(_, ppid, _)| ppid == std::process::id())
}

/// Waits (sleeping, on a thread of its own if need be) until `cond` holds, or panics.
fn eventually(what: &str, mut cond: impl FnMut() -> bool) {
    let start = Instant::now();
    while !cond() {
        assert!(start.elapsed() < PATIENCE, "timed out waiting until {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// As `eventually`, from inside a runtime (the runtime keeps running meanwhile).
async fn eventually_async(what: &str, mut cond: impl FnMut() -> bool) {
    let start = Instant::now();
    while !cond() {
        assert!(start.elapsed() < PATIENCE, "timed out waiting until {what}");
        runtime::time::sleep(Duration::from_millis(20)).await;
    }
}

struct TempFile(PathBuf);

impl TempFile {
    fn new(name: &str) -> TempFile {
        TempFile(std::env::temp_dir().join(format!(
            "runtime-process-test-{}-{name}",
            std::process::id()
        )))
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

// ---- error paths -------------------------------------------------------------------------

#[test]
fn a_missing_program_is_not_found() {
    let _serial = serial();
    on_both(|| async {
        for program in [
            "/nonexistent/runtime-no-such-program",
            "runtime-no-such-program",
        ] {
            let err = Command::new(program).spawn().unwrap_err();
            assert_eq!(err.kind(), ErrorKind::NotFound, "spawn {program}: {err}");
            let err = Command::new(program).status().await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::NotFound, "status {program}: {err}");
            let err = Command::new(program).output().await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::NotFound, "output {program}: {err}");
        }
    });
    assert_eq!(zombies(), Vec::<u32>::new());
}

#[test]
fn a_file_without_execute_permission_is_permission_denied() {
    let _serial = serial();
    let script = TempFile::new("not-executable.sh");
    std::fs::write(&script.0, "#!/bin/sh\nexit 0\n").unwrap();
    // No execute bit for anyone: even root cannot run it.
    std::fs::set_permissions(&script.0, std::fs::Permissions::from_mode(0o644)).unwrap();
    let path = script.0.clone();
    on_both(move || {
        let path = path.clone();
        async move {
            let err = Command::new(&path).spawn().unwrap_err();
            assert_eq!(err.kind(), ErrorKind::PermissionDenied, "{err}");
            let err = Command::new(&path).status().await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::PermissionDenied, "{err}");
        }
    });
}

#[test]
fn spawning_outside_a_runtime_panics_before_starting_the_child() {
    let _serial = serial();
    let marker = TempFile::new("outside-marker");
    let path = marker.0.clone();
    let panic = std::panic::catch_unwind(move || {
        let _ = Command::new("touch").arg(&path).spawn();
    })
    .unwrap_err();
    let message = panic_message(&*panic);
    assert!(
        message.contains("there is no reactor running"),
        "unexpected panic: {message}"
    );
    std::thread::sleep(Duration::from_millis(200));
    assert!(!marker.0.exists(), "the child was started before the panic");

    // A runtime without the I/O driver: a panic that names the fix.
    let rt = Builder::new_current_thread().enable_time().build().unwrap();
    let panic = std::panic::catch_unwind(|| {
        rt.block_on(async {
            let _ = Command::new("true").spawn();
        })
    })
    .unwrap_err();
    let message = panic_message(&*panic);
    assert!(message.contains("enable_io"), "unexpected panic: {message}");
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}

/// Writes `chunk` with `poll_write` until the pipe is full; returns the bytes written. Fails
/// if the pipe never fills.
async fn fill(stdin: &mut ChildStdin, chunk: &[u8]) -> usize {
    let mut written = 0;
    runtime::task::coop::unconstrained(poll_fn(|cx| loop {
        match Pin::new(&mut *stdin).poll_write(cx, chunk) {
            Poll::Ready(Ok(n)) => {
                assert!(n > 0);
                written += n;
                assert!(written < 64 << 20, "the pipe never filled up");
            }
            Poll::Ready(Err(e)) => panic!("writing to the child failed: {e}"),
            // Not known to be writable yet (a fresh pipe): wait for the reactor to say so.
            Poll::Pending if written == 0 => return Poll::Pending,
            Poll::Pending => return Poll::Ready(()),
        }
    }))
    .await;
    written
}

#[test]
fn writing_to_a_child_that_does_not_read_is_pending_and_resumes_when_it_reads() {
    let _serial = serial();
    on_both(|| async {
        // The child reads nothing until it gets a line on the gate (its stderr), then copies
        // its stdin to its stdout.
        let (gate, child_gate) = std::os::unix::net::UnixStream::pair().unwrap();
        let mut child = Command::new("sh")
            .args(["-c", "read gate <&2; exec cat"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(OwnedFd::from(child_gate)))
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let mut stdout = child.stdout.take().unwrap();
        let chunk = [b'x'; 8192];
        let written = fill(&mut stdin, &chunk).await;
        assert!(written > 0);

        // Still full: another write stays pending.
        let mut more = Box::pin(stdin.write_all(&chunk));
        assert!(poll_fn(|cx| Poll::Ready(more.as_mut().poll(cx)))
            .await
            .is_pending());

        // Let it read; the pending write finishes.
        (&gate).write_all(b"go\n").unwrap();
        let reader = runtime::spawn(async move {
            let mut total = 0usize;
            let mut buf = vec![0; 64 << 10];
            loop {
                let n = stdout.read(&mut buf).await.unwrap();
                if n == 0 {
                    return total;
                }
                total += n;
            }
        });
        timeout(PATIENCE, more)
            .await
            .expect("the write did not resume once the child read")
            .unwrap();
        drop(stdin);
        let total = timeout(PATIENCE, reader).await.unwrap().unwrap();
        assert_eq!(total, written + chunk.len());
        assert!(child.wait().await.unwrap().success());
    });
}

// ---- volume ------------------------------------------------------------------------------

/// FNV-1a, 64-bit: order-sensitive, so reordered or lost bytes change it.
fn fnv(mut hash: u64, bytes: &[u8]) -> u64 {
    for &b in bytes {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x100_0000_01b3);
    }
    hash
}

const FNV_START: u64 = 0xcbf2_9ce4_8422_2325;

#[test]
fn sixty_four_mib_through_cat() {
    let _serial = serial();
    const TOTAL: usize = 64 << 20;
    const CHUNK: usize = 64 << 10;
    on_both(|| async {
        let mut child = Command::new("cat")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let mut stdout = child.stdout.take().unwrap();
        let writer = runtime::spawn(async move {
            // Pseudo-random bytes, each chunk different (xorshift).
            let mut state = 0x9E37_79B9_7F4A_7C15u64;
            let mut chunk = vec![0u8; CHUNK];
            let mut hash = FNV_START;
            for _ in 0..TOTAL / CHUNK {
                for word in chunk.chunks_mut(8) {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    word.copy_from_slice(&state.to_le_bytes());
                }
                hash = fnv(hash, &chunk);
                stdin.write_all(&chunk).await.unwrap();
            }
            hash
        });
        let mut hash = FNV_START;
        let mut total = 0;
        let mut buf = vec![0u8; CHUNK];
        loop {
            let n = stdout.read(&mut buf).await.unwrap();
            if n == 0 {
                break;
            }
            hash = fnv(hash, &buf[..n]);
            total += n;
        }
        assert_eq!(total, TOTAL);
        assert_eq!(hash, writer.await.unwrap(), "the bytes came back changed");
        assert!(child.wait().await.unwrap().success());
    });
}

// ---- concurrency and reaping -------------------------------------------------------------

#[test]
fn five_hundred_concurrent_children_leave_no_zombie() {
    let _serial = serial();
    on_both(|| async {
        let mut tasks = Vec::new();
        for i in 0..500 {
            tasks.push(runtime::spawn(async move {
                let code = i % 7;
                let status = Command::new("sh")
                    .args(["-c", &format!("exit {code}")])
                    .stdin(Stdio::null())
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .status()
                    .await
                    .unwrap();
                assert_eq!(status.code(), Some(code));
            }));
        }
        for task in tasks {
            timeout(PATIENCE, task).await.unwrap().unwrap();
        }
        assert_eq!(zombies(), Vec::<u32>::new());
    });
}

#[test]
fn dropped_children_are_reaped() {
    let _serial = serial();
    on_both(|| async {
        let mut pids = HashSet::new();
        for i in 0..50 {
            // Some have exited by the time they are dropped, most have not.
            let child = Command::new("sh")
                .args(["-c", if i % 5 == 0 { "exit 0" } else { "sleep 0.2" }])
                .spawn()
                .unwrap();
            pids.insert(child.id().unwrap());
            if i % 5 == 0 {
                runtime::time::sleep(Duration::from_millis(20)).await;
            }
            drop(child);
        }
        eventually_async("every dropped child is reaped", || {
            pids.iter().all(|&pid| !is_our_child(pid))
        })
        .await;
        assert_eq!(zombies(), Vec::<u32>::new());
    });
}

#[test]
fn kill_on_drop_kills_and_reaps() {
    let _serial = serial();
    on_both(|| async {
        let child = Command::new("sleep")
            .arg("1000")
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let pid = child.id().unwrap();
        drop(child);
        eventually_async("the killed child is reaped", || !is_our_child(pid)).await;

        // `start_kill` then `wait`: killed by SIGKILL, and reaped.
        let mut child = Command::new("sleep").arg("1000").spawn().unwrap();
        let pid = child.id().unwrap();
        child.start_kill().unwrap();
        let status = child.wait().await.unwrap();
        assert_eq!(
            std::os::unix::process::ExitStatusExt::signal(&status),
            Some(9)
        );
        assert!(!is_our_child(pid));

        // Without `kill_on_drop`, a dropped child runs on.
        let child = Command::new("sleep").arg("1000").spawn().unwrap();
        let pid = child.id().unwrap();
        drop(child);
        runtime::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(stat(pid).map(|(state, _, _)| state), Some('S'));
        // SAFETY: `kill` with a pid and a signal number touches no memory.
        assert_eq!(unsafe { libc::kill(pid as libc::pid_t, libc::SIGKILL) }, 0);
        eventually_async("the orphan is reaped", || !is_our_child(pid)).await;
    });
}

#[test]
fn the_future_of_status_kills_on_drop() {
    let _serial = serial();
    on_both(|| async {
        let marker = TempFile::new("status-kill-on-drop");
        let mut cmd = Command::new("sh");
        cmd.args(["-c", &format!("sleep 1; touch {}", marker.0.display())])
            .kill_on_drop(true);
        let status = cmd.status();
        drop(cmd);
        // Started at once, killed when dropped.
        let before = children().len();
        assert!(before >= 1);
        drop(status);
        runtime::time::sleep(Duration::from_millis(1500)).await;
        assert!(!marker.0.exists(), "the child was not killed");
        assert_eq!(zombies(), Vec::<u32>::new());
    });
}

// ---- lifecycle across runtimes -----------------------------------------------------------

#[test]
fn a_child_outliving_its_runtime_is_waited_on_another() {
    let _serial = serial();
    for make_first in [current_thread, multi_thread] {
        for (_, second) in runtimes() {
            let first = make_first();
            let mut child = first.block_on(async {
                Command::new("sh")
                    .args(["-c", "sleep 0.2; exit 7"])
                    .stdin(Stdio::piped())
                    .spawn()
                    .unwrap()
            });
            drop(first);
            let status = second.block_on(async { timeout(PATIENCE, child.wait()).await });
            assert_eq!(status.unwrap().unwrap().code(), Some(7));
        }
    }
    assert_eq!(zombies(), Vec::<u32>::new());
}

#[test]
fn a_child_is_waited_on_another_runtime_while_its_own_is_idle() {
    let _serial = serial();
    // The spawning runtime still exists but nothing turns its reactor.
    let first = current_thread();
    let mut child = first.block_on(async { Command::new("sh").args(["-c", "exit 3"]).spawn() });
    let second = multi_thread();
    let status = second
        .block_on(async { timeout(PATIENCE, child.as_mut().unwrap().wait()).await })
        .expect("the wait was stuck on the idle runtime")
        .unwrap();
    assert_eq!(status.code(), Some(3));
    drop(first);
}

#[test]
fn an_orphan_of_a_runtime_that_is_gone_is_reaped_by_the_next_one() {
    let _serial = serial();
    let first = current_thread();
    let pid = first.block_on(async {
        let child = Command::new("sh")
            .args(["-c", "sleep 0.3"])
            .spawn()
            .unwrap();
        child.id().unwrap()
    });
    drop(first);
    // It exits with no runtime running: a zombie, for now.
    eventually("the orphan has exited", || {
        stat(pid).is_some_and(|(state, _, _)| state == 'Z')
    });
    let second = current_thread();
    second.block_on(async {
        Command::new("true").status().await.unwrap();
        eventually_async("the orphan is reaped", || !is_our_child(pid)).await;
    });
}

// ---- API ---------------------------------------------------------------------------------

#[test]
fn wait_try_wait_id_and_kill() {
    let _serial = serial();
    on_both(|| async {
        let mut child = Command::new("sh").args(["-c", "exit 2"]).spawn().unwrap();
        assert!(child.id().unwrap() > 0);
        let status = child.wait().await.unwrap();
        assert_eq!(status.code(), Some(2));
        // Fused.
        assert_eq!(child.wait().await.unwrap().code(), Some(2));
        assert_eq!(child.try_wait().unwrap().unwrap().code(), Some(2));
        assert_eq!(child.id(), None);
        child.start_kill().unwrap();
        child.kill().await.unwrap();

        let mut child = Command::new("sleep").arg("1000").spawn().unwrap();
        assert!(child.try_wait().unwrap().is_none());
        child.kill().await.unwrap();
        assert!(child.try_wait().unwrap().is_some());

        let mut child = Command::new("true").spawn().unwrap();
        eventually_async("try_wait sees the exit", || {
            child.try_wait().unwrap().is_some()
        })
        .await;
        assert!(child.wait().await.unwrap().success());
    });
}

#[test]
fn output_env_dir_and_arg0() {
    let _serial = serial();
    on_both(|| async {
        let dir = std::env::temp_dir().canonicalize().unwrap();
        let output = Command::new("sh")
            .args(["-c", "echo \"$FOO$BAR\"; pwd; echo err >&2; exit 4"])
            .env_clear()
            .env("FOO", "foo")
            .envs([("BAR", "bar"), ("BAZ", "baz")])
            .env_remove("BAZ")
            .env("PATH", "/usr/bin:/bin")
            .current_dir(&dir)
            .output()
            .await
            .unwrap();
        assert_eq!(output.status.code(), Some(4));
        assert_eq!(
            String::from_utf8(output.stdout).unwrap(),
            format!("foobar\n{}\n", dir.display())
        );
        assert_eq!(output.stderr, b"err\n");

        let output = Command::new("sh")
            .arg0("named")
            .args(["-c", "echo $0"])
            .output()
            .await
            .unwrap();
        assert_eq!(output.stdout, b"named\n");

        // SAFETY: `getuid` / `getgid` read the process's ids.
        let (uid, gid) = unsafe { (libc::getuid(), libc::getgid()) };
        let output = Command::new("sh")
            .args(["-c", "id -u; id -g"])
            .uid(uid)
            .gid(gid)
            .output()
            .await
            .unwrap();
        assert_eq!(
            String::from_utf8(output.stdout).unwrap(),
            format!("{uid}\n{gid}\n")
        );
    });
}

#[test]
fn process_group_and_pre_exec() {
    let _serial = serial();
    on_both(|| async {
        let mut child = Command::new("sleep")
            .arg("1000")
            .process_group(0)
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let pid = child.id().unwrap();
        assert_eq!(
            stat(pid).unwrap().2,
            pid,
            "not the leader of a group of its own"
        );
        child.kill().await.unwrap();

        let mut cmd = Command::new("true");
        // SAFETY: the closure only builds an error value from a constant (no allocation
        // beyond what `io::Error::from_raw_os_error` does, which is none).
        unsafe {
            cmd.pre_exec(|| Err(std::io::Error::from_raw_os_error(libc::EXDEV)));
        }
        let err = cmd.spawn().unwrap_err();
        assert_eq!(err.raw_os_error(), Some(libc::EXDEV));
    });
}

#[test]
fn command_conversions_and_kill_on_drop_getter() {
    let mut std_cmd = std::process::Command::new("echo");
    std_cmd.arg("x");
    let mut cmd = Command::from(std_cmd);
    assert!(!cmd.get_kill_on_drop());
    cmd.kill_on_drop(true);
    assert!(cmd.get_kill_on_drop());
    cmd.as_std_mut().arg("y");
    assert_eq!(cmd.as_std().get_args().count(), 2);
    assert_eq!(cmd.into_std().get_program(), "echo");
    assert!(format!("{:?}", Command::new("x")).contains('x'));
}

#[test]
fn wait_with_output_reads_both_pipes_while_waiting() {
    let _serial = serial();
    on_both(|| async {
        // More than a pipe holds, on both: reading only after the exit would deadlock.
        let child = Command::new("sh")
            .args([
                "-c",
                "head -c 300000 /dev/zero; head -c 200000 /dev/zero >&2; exit 1",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let output = timeout(PATIENCE, child.wait_with_output())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(output.status.code(), Some(1));
        assert_eq!(output.stdout.len(), 300_000);
        assert_eq!(output.stderr.len(), 200_000);
    });
}

#[test]
fn child_pipes_convert_to_stdio_and_fds() {
    let _serial = serial();
    on_both(|| async {
        // echo | tr, through a pipe handed from one child to the other.
        let mut first = Command::new("echo")
            .arg("hello")
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = first.stdout.take().unwrap();
        assert!(stdout.as_raw_fd() >= 0);
        assert_eq!(stdout.as_fd().as_raw_fd(), stdout.as_raw_fd());
        let piped: Stdio = stdout.try_into().unwrap();
        let output = Command::new("tr")
            .args(["a-z", "A-Z"])
            .stdin(piped)
            .output()
            .await
            .unwrap();
        assert_eq!(output.stdout, b"HELLO\n");
        assert!(first.wait().await.unwrap().success());

        // `into_owned_fd` gives a blocking descriptor; `from_std` wraps std's handles.
        let mut child = std::process::Command::new("cat")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = ChildStdin::from_std(child.stdin.take().unwrap()).unwrap();
        let stdout = runtime::process::ChildStdout::from_std(child.stdout.take().unwrap()).unwrap();
        stdin.write_all(b"abc").await.unwrap();
        drop(stdin);
        let fd = stdout.into_owned_fd().unwrap();
        // SAFETY: F_GETFL on a descriptor we own.
        let flags = unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_GETFL) };
        assert_eq!(flags & libc::O_NONBLOCK, 0, "not back in blocking mode");
        let mut got = String::new();
        std::io::Read::read_to_string(&mut std::fs::File::from(fd), &mut got).unwrap();
        assert_eq!(got, "abc");
        assert!(child.wait().unwrap().success());
    });
}

#[test]
fn stderr_is_async_read() {
    let _serial = serial();
    on_both(|| async {
        let mut child: Child = Command::new("sh")
            .args(["-c", "echo oops >&2"])
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stderr = child.stderr.take().unwrap();
        let mut got = String::new();
        stderr.read_to_string(&mut got).await.unwrap();
        assert_eq!(got, "oops\n");
        assert!(child.wait().await.unwrap().success());
    });
}
