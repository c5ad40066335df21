//! `Command`: std's process builder, spawning children that the reactor watches.

use std::ffi::OsStr;
use std::future::Future;
use std::io;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child as StdChild, Command as StdCommand, ExitStatus, Output, Stdio};

use super::child::Child;
use super::orphan;

/// A process builder: [`std::process::Command`] whose [`spawn`](Command::spawn),
/// [`status`](Command::status) and [`output`](Command::output) give asynchronous handles.
///
/// Every builder method returns `&mut Command`, so calls chain; the configuration is kept, so
/// one `Command` can spawn several children.
///
/// ```no_run
/// use runtime::process::Command;
///
/// # async fn run() -> std::io::Result<()> {
/// let output = Command::new("echo").arg("hello").arg("world").output().await?;
/// assert!(output.status.success());
/// assert_eq!(output.stdout, b"hello world\n");
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct Command {
    std: StdCommand,
    kill_on_drop: bool,
}

impl Command {
    /// A builder for running `program` (a path, or a name looked up in `PATH`), with no
    /// arguments, the parent's environment and working directory, and stdio inherited for
    /// `spawn` and `status` (captured for `output`).
    pub fn new<S: AsRef<OsStr>>(program: S) -> Command {
        Command::from(StdCommand::new(program))
    }

    /// The std builder inside.
    pub fn as_std(&self) -> &StdCommand {
        &self.std
    }

    /// The std builder inside, to configure what this type has no method for.
    pub fn as_std_mut(&mut self) -> &mut StdCommand {
        &mut self.std
    }

    /// The std builder inside (the [`kill_on_drop`](Command::kill_on_drop) setting is lost).
    pub fn into_std(self) -> StdCommand {
        self.std
    }

    /// Adds one argument (passed as is: no shell quoting or splitting).
    ///
    /// ```no_run
    /// # let mut cmd = runtime::process::Command::new("ls");
    /// cmd.arg("-l").arg("-a");
    /// ```
    pub fn arg<S: AsRef<OsStr>>(&mut self, arg: S) -> &mut Command {
        self.std.arg(arg);
        self
    }

    /// Adds several arguments.
    ///
    /// ```no_run
    /// # let mut cmd = runtime::process::Command::new("ls");
    /// cmd.args(["-l", "-a"]);
    /// ```
    pub fn args<I, S>(&mut self, args: I) -> &mut Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.std.args(args);
        self
    }

    /// Sets an environment variable for the child.
    pub fn env<K, V>(&mut self, key: K, val: V) -> &mut Command
    where
        K: AsRef<OsStr>,
        V: AsRef<OsStr>,
    {
        self.std.env(key, val);
        self
    }

    /// Sets several environment variables for the child.
    ///
    /// ```no_run
    /// use std::collections::HashMap;
    /// # let mut cmd = runtime::process::Command::new("printenv");
    /// let vars: HashMap<String, String> =
    ///     std::env::vars().filter(|(k, _)| k == "PATH" || k == "HOME").collect();
    /// cmd.env_clear().envs(&vars);
    /// ```
    pub fn envs<I, K, V>(&mut self, vars: I) -> &mut Command
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<OsStr>,
        V: AsRef<OsStr>,
    {
        self.std.envs(vars);
        self
    }

    /// Removes an environment variable from the child's environment.
    pub fn env_remove<K: AsRef<OsStr>>(&mut self, key: K) -> &mut Command {
        self.std.env_remove(key);
        self
    }

    /// Starts the child with an empty environment (plus what [`env`](Command::env) adds).
    pub fn env_clear(&mut self) -> &mut Command {
        self.std.env_clear();
        self
    }

    /// Sets the child's working directory.
    pub fn current_dir<P: AsRef<Path>>(&mut self, dir: P) -> &mut Command {
        self.std.current_dir(dir);
        self
    }

    /// Sets the child's stdin: [`Stdio::piped()`] gives [`Child::stdin`](Child::stdin).
    /// Inherited by default ([`output`](Command::output) too reads nothing from it).
    pub fn stdin<T: Into<Stdio>>(&mut self, cfg: T) -> &mut Command {
        self.std.stdin(cfg);
        self
    }

    /// Sets the child's stdout: [`Stdio::piped()`] gives [`Child::stdout`](Child::stdout).
    /// Inherited by default for `spawn` and `status`.
    pub fn stdout<T: Into<Stdio>>(&mut self, cfg: T) -> &mut Command {
        self.std.stdout(cfg);
        self
    }

    /// Sets the child's stderr: [`Stdio::piped()`] gives [`Child::stderr`](Child::stderr).
    /// Inherited by default for `spawn` and `status`.
    pub fn stderr<T: Into<Stdio>>(&mut self, cfg: T) -> &mut Command {
        self.std.stderr(cfg);
        self
    }

    /// Whether dropping the [`Child`] (or the future of [`status`](Command::status) /
    /// [`output`](Command::output)) before the child has exited kills it (`SIGKILL`). Off by
    /// default, as in std: a dropped child runs on (and is reaped once it exits).
    ///
    /// ```no_run
    /// # async fn run() -> std::io::Result<()> {
    /// let child = runtime::process::Command::new("sleep")
    ///     .arg("60")
    ///     .kill_on_drop(true)
    ///     .spawn()?;
    /// drop(child); // `sleep` is killed
    /// # Ok(())
    /// # }
    /// ```
    pub fn kill_on_drop(&mut self, kill_on_drop: bool) -> &mut Command {
        self.kill_on_drop = kill_on_drop;
        self
    }

    /// The [`kill_on_drop`](Command::kill_on_drop) setting.
    pub fn get_kill_on_drop(&self) -> bool {
        self.kill_on_drop
    }

    /// Runs the child as user `id` (`setuid`; needs the privilege to).
    pub fn uid(&mut self, id: u32) -> &mut Command {
        self.std.uid(id);
        self
    }

    /// Runs the child as group `id` (`setgid`; needs the privilege to).
    pub fn gid(&mut self, id: u32) -> &mut Command {
        self.std.gid(id);
        self
    }

    /// Sets the child's `argv[0]` (by default the program as given to
    /// [`new`](Command::new)).
    pub fn arg0<S: AsRef<OsStr>>(&mut self, arg: S) -> &mut Command {
        self.std.arg0(arg);
        self
    }

    /// Runs `f` in the child after `fork` and before `exec` (after the other settings are
    /// applied). An error it returns fails the spawn.
    ///
    /// # Safety
    ///
    /// As [`std::os::unix::process::CommandExt::pre_exec`]: `f` runs in a copy of a
    /// multi-threaded process in which only this thread exists, so it must only do what is
    /// async-signal-safe (no allocation, no locks another thread may have held, ...).
    pub unsafe fn pre_exec<F>(&mut self, f: F) -> &mut Command
    where
        F: FnMut() -> io::Result<()> + Send + Sync + 'static,
    {
        // SAFETY: the caller upholds `pre_exec`'s contract, which is std's.
        unsafe { self.std.pre_exec(f) };
        self
    }

    /// Puts the child in process group `pgroup` (`0`: a new group, led by the child).
    ///
    /// ```no_run
    /// # async fn run() -> std::io::Result<()> {
    /// // A ctrl-c in the terminal does not reach it.
    /// runtime::process::Command::new("sleep").arg("10").process_group(0).spawn()?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn process_group(&mut self, pgroup: i32) -> &mut Command {
        self.std.process_group(pgroup);
        self
    }

    /// Starts the child, with the stdio configured (inherited by default), and returns its
    /// handle. The child runs whether or not the handle is awaited.
    ///
    /// A [`Child`] dropped before it was reaped is reaped in the background once it exits (or
    /// killed first, with [`kill_on_drop`](Command::kill_on_drop)), so it never stays a
    /// zombie while a runtime with the I/O driver is running.
    ///
    /// # Errors
    ///
    /// As [`std::process::Command::spawn`]: `NotFound` for a missing program,
    /// `PermissionDenied` for a file that cannot be executed, `WouldBlock` at the system's
    /// process limit; or the error of registering the child with the reactor.
    ///
    /// # Panics
    ///
    /// Outside a runtime, or on one built without `enable_io()` (before any child is
    /// started).
    ///
    /// ```no_run
    /// # async fn run() -> std::io::Result<()> {
    /// let mut child = runtime::process::Command::new("sleep").arg("1").spawn()?;
    /// let status = child.wait().await?;
    /// assert!(status.success());
    /// # Ok(())
    /// # }
    /// ```
    #[track_caller]
    pub fn spawn(&mut self) -> io::Result<Child> {
        self.spawn_with(StdCommand::spawn)
    }

    /// [`spawn`](Command::spawn), with the child started by `with` from the std builder
    /// (tokio has this behind `tokio_unstable`).
    ///
    /// # Errors
    ///
    /// What `with` returns, or the error of registering the child with the reactor.
    ///
    /// # Panics
    ///
    /// Outside a runtime, or on one built without `enable_io()` (before `with` is called).
    #[track_caller]
    pub fn spawn_with(
        &mut self,
        with: impl FnOnce(&mut StdCommand) -> io::Result<StdChild>,
    ) -> io::Result<Child> {
        // Panics here, before a child exists, if there is no reactor.
        if !crate::driver::in_runtime() {
            // tokio's words (its tests check them), then ours.
            panic!(
                "there is no reactor running, must be called from the context of a Tokio 1.x \
                 runtime: spawn children inside a runtime (`#[runtime::main]`, \
                 `Runtime::block_on`, a spawned task) or after `Handle::enter()`"
            );
        }
        let handle = crate::driver::with_current(crate::driver::Handle::clone);
        orphan::reap_if_unwatched();
        let child = with(&mut self.std)?;
        Child::new(child, self.kill_on_drop, &handle)
    }

    /// Starts the child and waits for it to exit. Piped stdio handles are closed at once
    /// (so the child is not left waiting on them); inherited ones are the parent's.
    ///
    /// The child is started when this is called, not when the future is first polled.
    /// Dropping the future before the child has exited kills it if
    /// [`kill_on_drop`](Command::kill_on_drop) is set (it is reaped either way).
    ///
    /// # Errors
    ///
    /// As [`spawn`](Command::spawn), or an error while waiting.
    ///
    /// # Panics
    ///
    /// Outside a runtime, or on one built without `enable_io()`.
    ///
    /// ```no_run
    /// # async fn run() -> std::io::Result<()> {
    /// let status = runtime::process::Command::new("true").status().await?;
    /// assert!(status.success());
    /// # Ok(())
    /// # }
    /// ```
    #[track_caller]
    pub fn status(&mut self) -> impl Future<Output = io::Result<ExitStatus>> {
        let child = self.spawn();
        async move {
            let mut child = child?;
            drop(child.stdin.take());
            drop(child.stdout.take());
            drop(child.stderr.take());
            child.wait().await
        }
    }

    /// Starts the child with stdout and stderr piped (whatever was configured), and collects
    /// both and the exit status. Stdin stays as configured (inherited by default).
    ///
    /// The child is started when this is called, not when the future is first polled.
    ///
    /// # Errors
    ///
    /// As [`spawn`](Command::spawn), or an error while reading or waiting.
    ///
    /// # Panics
    ///
    /// Outside a runtime, or on one built without `enable_io()`.
    ///
    /// ```no_run
    /// # async fn run() -> std::io::Result<()> {
    /// let output = runtime::process::Command::new("echo").arg("hi").output().await?;
    /// assert_eq!(output.stdout, b"hi\n");
    /// # Ok(())
    /// # }
    /// ```
    #[track_caller]
    pub fn output(&mut self) -> impl Future<Output = io::Result<Output>> {
        self.std.stdout(Stdio::piped());
        self.std.stderr(Stdio::piped());
        let child = self.spawn();
        async move { child?.wait_with_output().await }
    }
}

impl From<StdCommand> for Command {
    fn from(std: StdCommand) -> Command {
        Command {
            std,
            kill_on_drop: false,
        }
    }
}
