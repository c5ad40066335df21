//! `Child`: a spawned process, its exit status once reaped, and its piped stdio.

use std::future::{poll_fn, Future};
use std::io;
use std::pin::pin;
use std::process::{Child as StdChild, ExitStatus, Output};
use std::task::Poll;

use super::exit::Exit;
use super::orphan;
use super::stdio::{ChildStderr, ChildStdin, ChildStdout};
use crate::driver::Handle;
use crate::io::{AsyncRead, AsyncReadExt};

/// A child process spawned by [`Command`](super::Command).
///
/// Unlike a future, a `Child` does not stop its process when dropped: the process runs on
/// (and is reaped in the background once it exits), unless
/// [`kill_on_drop`](super::Command::kill_on_drop) was set.
///
/// ```no_run
/// use runtime::io::{AsyncBufReadExt, BufReader};
/// use runtime::process::Command;
/// use std::process::Stdio;
///
/// # async fn run() -> std::io::Result<()> {
/// let mut child = Command::new("ls").stdout(Stdio::piped()).spawn()?;
/// let stdout = child.stdout.take().expect("stdout is piped");
/// let mut lines = BufReader::new(stdout).lines();
/// while let Some(line) = lines.next_line().await? {
///     println!("{line}");
/// }
/// child.wait().await?;
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct Child {
    state: State,
    /// The writing end of the child's stdin, if it was piped ([`std::process::Stdio::piped`]).
    /// Take it (`child.stdin.take()`) to write while still using the `Child`.
    pub stdin: Option<ChildStdin>,
    /// The reading end of the child's stdout, if it was piped.
    /// Take it (`child.stdout.take()`) to read while still using the `Child`.
    pub stdout: Option<ChildStdout>,
    /// The reading end of the child's stderr, if it was piped.
    /// Take it (`child.stderr.take()`) to read while still using the `Child`.
    pub stderr: Option<ChildStderr>,
}

#[derive(Debug)]
enum State {
    Running {
        exit: Exit,
        kill_on_drop: bool,
    },
    /// Reaped: what it exited with.
    Done(ExitStatus),
    /// Given up (in `drop`).
    Gone,
}

impl Child {
    /// Wraps a freshly spawned std child: its exit is watched from `handle`'s reactor, its
    /// pipes are registered with the current one (the same, in `Command::spawn`).
    #[track_caller]
    pub(super) fn new(
        mut child: StdChild,
        kill_on_drop: bool,
        handle: &Handle,
    ) -> io::Result<Child> {
        let stdin = child.stdin.take();
        let stdout = child.stdout.take();
        let stderr = child.stderr.take();
        let exit = match Exit::new(child, handle) {
            Ok(exit) => exit,
            Err((e, mut child)) => {
                if kill_on_drop {
                    let _ = child.kill();
                }
                orphan::push(child);
                return Err(e);
            }
        };
        // From here on, an error drops `this`, which kills (if asked) and reaps the child.
        let mut this = Child {
            state: State::Running { exit, kill_on_drop },
            stdin: None,
            stdout: None,
            stderr: None,
        };
        this.stdin = stdin.map(ChildStdin::from_std).transpose()?;
        this.stdout = stdout.map(ChildStdout::from_std).transpose()?;
        this.stderr = stderr.map(ChildStderr::from_std).transpose()?;
        Ok(this)
    }

    /// The child's process id, while it has not been reaped (`None` after `wait` or
    /// `try_wait` reported its exit: the id may belong to another process by then).
    pub fn id(&self) -> Option<u32> {
        match &self.state {
            State::Running { exit, .. } => Some(exit.id()),
            State::Done(_) | State::Gone => None,
        }
    }

    /// Sends the child `SIGKILL`, without waiting for it to exit. It stays a zombie until
    /// [`wait`](Child::wait) or [`try_wait`](Child::try_wait) reaps it (or, if the `Child` is
    /// dropped, until the background reaper does). Does nothing once the child is reaped.
    ///
    /// # Errors
    ///
    /// If the signal cannot be sent.
    pub fn start_kill(&mut self) -> io::Result<()> {
        match &mut self.state {
            State::Running { exit, kill_on_drop } => {
                exit.kill()?;
                // Killed already: dropping the `Child` need not do it again.
                *kill_on_drop = false;
                Ok(())
            }
            State::Done(_) | State::Gone => Ok(()),
        }
    }

    /// Kills the child (`SIGKILL`) and waits for it to exit. (std's `Child::kill` does not
    /// wait; [`start_kill`](Child::start_kill) is that one.)
    ///
    /// # Errors
    ///
    /// If the signal cannot be sent, or waiting fails.
    ///
    /// ```no_run
    /// # async fn run() -> std::io::Result<()> {
    /// let mut child = runtime::process::Command::new("sleep").arg("60").spawn()?;
    /// child.kill().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn kill(&mut self) -> io::Result<()> {
        self.start_kill()?;
        self.wait().await.map(drop)
    }

    /// Waits for the child to exit and returns its status. Closes the child's stdin first
    /// (so a child reading it to the end is not waited for forever).
    ///
    /// Once it has returned a status, it returns the same one again at once. Cancel safe.
    ///
    /// # Errors
    ///
    /// If waiting fails: for example when the runtime that watches the child has shut down
    /// and this is polled outside any runtime.
    ///
    /// ```no_run
    /// # async fn run() -> std::io::Result<()> {
    /// let mut child = runtime::process::Command::new("sh").args(["-c", "exit 3"]).spawn()?;
    /// assert_eq!(child.wait().await?.code(), Some(3));
    /// # Ok(())
    /// # }
    /// ```
    pub async fn wait(&mut self) -> io::Result<ExitStatus> {
        drop(self.stdin.take());
        let status = match &mut self.state {
            State::Running { exit, .. } => poll_fn(|cx| exit.poll_exit(cx)).await?,
            State::Done(status) => return Ok(*status),
            State::Gone => unreachable!("a dropped Child is never waited for"),
        };
        self.state = State::Done(status);
        Ok(status)
    }

    /// The exit status if the child has exited (then it is reaped), or `None` if it is
    /// still running; does not wait. Does not close stdin.
    ///
    /// # Errors
    ///
    /// If the OS cannot say (`waitpid` fails).
    pub fn try_wait(&mut self) -> io::Result<Option<ExitStatus>> {
        match &mut self.state {
            State::Running { exit, .. } => {
                let status = exit.try_wait()?;
                if let Some(status) = status {
                    self.state = State::Done(status);
                }
                Ok(status)
            }
            State::Done(status) => Ok(Some(*status)),
            State::Gone => Ok(None),
        }
    }

    /// Waits for the child to exit, reading its stdout and stderr (where piped) to the end
    /// meanwhile, and returns all three. Stdin is closed first.
    ///
    /// # Errors
    ///
    /// The first error of reading either pipe or of waiting.
    ///
    /// ```no_run
    /// use std::process::Stdio;
    ///
    /// # async fn run() -> std::io::Result<()> {
    /// let child = runtime::process::Command::new("echo")
    ///     .arg("hi")
    ///     .stdout(Stdio::piped())
    ///     .spawn()?;
    /// let output = child.wait_with_output().await?;
    /// assert_eq!(output.stdout, b"hi\n");
    /// # Ok(())
    /// # }
    /// ```
    pub async fn wait_with_output(mut self) -> io::Result<Output> {
        let mut stdout_pipe = self.stdout.take();
        let mut stderr_pipe = self.stderr.take();
        let mut status = None;
        let mut stdout = None;
        let mut stderr = None;
        {
            let mut wait = pin!(self.wait());
            let mut read_out = pin!(read_to_end(stdout_pipe.as_mut()));
            let mut read_err = pin!(read_to_end(stderr_pipe.as_mut()));
            poll_fn(|cx| {
                if status.is_none() {
                    if let Poll::Ready(res) = wait.as_mut().poll(cx) {
                        status = Some(res?);
                    }
                }
                if stdout.is_none() {
                    if let Poll::Ready(res) = read_out.as_mut().poll(cx) {
                        stdout = Some(res?);
                    }
                }
                if stderr.is_none() {
                    if let Poll::Ready(res) = read_err.as_mut().poll(cx) {
                        stderr = Some(res?);
                    }
                }
                if status.is_some() && stdout.is_some() && stderr.is_some() {
                    Poll::Ready(Ok::<(), io::Error>(()))
                } else {
                    Poll::Pending
                }
            })
            .await?;
        }
        // The pipes close after all three are done (as tokio: tokio#4309).
        drop(stdout_pipe);
        drop(stderr_pipe);
        Ok(Output {
            status: status.expect("polled to completion"),
            stdout: stdout.expect("polled to completion"),
            stderr: stderr.expect("polled to completion"),
        })
    }
}

async fn read_to_end<R: AsyncRead + Unpin>(pipe: Option<&mut R>) -> io::Result<Vec<u8>> {
    let mut buf = Vec::new();
    if let Some(pipe) = pipe {
        pipe.read_to_end(&mut buf).await?;
    }
    Ok(buf)
}

impl Drop for Child {
    fn drop(&mut self) {
        if let State::Running {
            mut exit,
            kill_on_drop,
        } = std::mem::replace(&mut self.state, State::Gone)
        {
            if kill_on_drop {
                let _ = exit.kill();
            }
            exit.orphan();
        }
    }
}
