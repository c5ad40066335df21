//! Listing a directory, in batches fetched from the blocking pool.

use std::collections::VecDeque;
use std::ffi::OsString;
use std::fs::{FileType, Metadata};
use std::future::Future;
use std::io;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

use runtime_sync::oneshot;

use super::asyncify::{asyncify, background_task_failed};

/// Entries fetched by the blocking call that opens the directory.
const FIRST_BATCH: usize = 32;
/// The largest batch: each later fetch doubles the previous one up to this.
const MAX_BATCH: usize = 1024;

/// Opens the directory `path` for listing: the async [`std::fs::read_dir`]. Entries come in
/// no particular order and do not include `.` and `..`.
///
/// Entries are fetched from the blocking pool in batches (the first with the opening call,
/// then batches that double in size up to 1024), so a large directory costs a few dozen
/// blocking calls, not one per entry.
///
/// # Errors
///
/// The OS's error, unchanged: `NotFound`, `NotADirectory`, `PermissionDenied`, ...
///
/// # Examples
///
/// ```no_run
/// # async fn run() -> std::io::Result<()> {
/// let mut entries = runtime::fs::read_dir(".").await?;
/// while let Some(entry) = entries.next_entry().await? {
///     println!("{}", entry.path().display());
/// }
/// # Ok(())
/// # }
/// ```
pub async fn read_dir(path: impl AsRef<Path>) -> io::Result<ReadDir> {
    let path = path.as_ref().to_owned();
    asyncify(move || {
        let mut batch = Batch {
            entries: VecDeque::with_capacity(FIRST_BATCH),
            std: std::fs::read_dir(path)?,
            exhausted: false,
            next_size: FIRST_BATCH,
        };
        batch.fetch();
        Ok(ReadDir {
            state: State::Ready(batch),
        })
    })
    .await
}

/// The entries of a directory, from [`read_dir`]; take them with
/// [`next_entry`](ReadDir::next_entry).
///
/// (`tokio-stream`'s `ReadDirStream` turns it into a `Stream`.)
#[derive(Debug)]
#[must_use = "a `ReadDir` lists nothing unless `next_entry` is called"]
pub struct ReadDir {
    state: State,
}

#[derive(Debug)]
enum State {
    /// Entries at hand (possibly none left in this batch).
    Ready(Batch),
    /// The next batch is being fetched.
    Fetching(oneshot::Receiver<Batch>),
    /// The runtime dropped a fetch before it ran (it shut down): the listing is over.
    Lost,
    /// The loss has been reported; from now on the listing is at its end.
    Ended,
}

/// Entries fetched from the directory and the directory's std iterator, travelling between
/// the task and the blocking pool together.
#[derive(Debug)]
struct Batch {
    entries: VecDeque<io::Result<DirEntry>>,
    std: std::fs::ReadDir,
    /// The std iterator has returned `None`.
    exhausted: bool,
    /// How many entries the next fetch reads.
    next_size: usize,
}

impl Batch {
    /// Reads up to `next_size` entries from the directory (blocking), stopping after an
    /// error so that it is reported in order; then doubles `next_size` (up to the maximum).
    fn fetch(&mut self) {
        for _ in 0..self.next_size {
            match self.std.next() {
                None => {
                    self.exhausted = true;
                    break;
                }
                Some(Ok(std)) => self.entries.push_back(Ok(DirEntry::new(std))),
                Some(Err(e)) => {
                    self.entries.push_back(Err(e));
                    break;
                }
            }
        }
        self.next_size = (self.next_size * 2).min(MAX_BATCH);
    }
}

impl ReadDir {
    /// The next entry, or `None` at the end of the directory.
    ///
    /// Cancel safe: dropping the future loses no entry (a batch being fetched is kept for the
    /// next call).
    ///
    /// # Errors
    ///
    /// An error the OS reported while reading the directory (the listing may continue after
    /// it), or an error of kind `Other` if the runtime shut down while a batch was due.
    pub async fn next_entry(&mut self) -> io::Result<Option<DirEntry>> {
        std::future::poll_fn(|cx| self.poll_next_entry(cx)).await
    }

    /// Polls for the next entry: `Ready(Ok(None))` at the end of the directory. On
    /// `Pending` the waker of `cx` (only the latest one) is woken when a batch arrives.
    ///
    /// # Errors
    ///
    /// As [`next_entry`](ReadDir::next_entry).
    ///
    /// # Panics
    ///
    /// Panics if a batch has to be fetched and there is no runtime on this thread.
    pub fn poll_next_entry(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<Option<DirEntry>>> {
        loop {
            match &mut self.state {
                State::Ready(batch) => {
                    if let Some(entry) = batch.entries.pop_front() {
                        return Poll::Ready(entry.map(Some));
                    }
                    if batch.exhausted {
                        return Poll::Ready(Ok(None));
                    }
                    let State::Ready(mut batch) = std::mem::replace(&mut self.state, State::Lost)
                    else {
                        unreachable!("the state was just matched as `Ready`")
                    };
                    let fetch = crate::blocking::spawn_in_runtime(
                        "`runtime::fs::ReadDir`",
                        false,
                        move || {
                            batch.fetch();
                            batch
                        },
                    );
                    if let Ok(rx) = fetch {
                        self.state = State::Fetching(rx);
                    }
                }
                State::Fetching(rx) => match ready!(Pin::new(rx).poll(cx)) {
                    Ok(batch) => self.state = State::Ready(batch),
                    Err(_) => self.state = State::Lost,
                },
                State::Lost => {
                    self.state = State::Ended;
                    return Poll::Ready(Err(background_task_failed()));
                }
                State::Ended => return Poll::Ready(Ok(None)),
            }
        }
    }
}

/// An entry of a directory, from [`ReadDir`]: the async [`std::fs::DirEntry`].
#[derive(Debug)]
pub struct DirEntry {
    std: Arc<std::fs::DirEntry>,
    /// Read with the entry (free on most file systems: the directory listing carries it).
    file_type: Option<FileType>,
}

impl DirEntry {
    fn new(std: std::fs::DirEntry) -> DirEntry {
        DirEntry {
            file_type: std.file_type().ok(),
            std: Arc::new(std),
        }
    }

    /// The full path of the entry: the path given to [`read_dir`] joined with its name.
    pub fn path(&self) -> PathBuf {
        self.std.path()
    }

    /// The entry's name within its directory.
    pub fn file_name(&self) -> OsString {
        self.std.file_name()
    }

    /// The metadata of the entry, not following a symbolic link (as
    /// [`std::fs::DirEntry::metadata`]); read on the blocking pool.
    ///
    /// # Errors
    ///
    /// The OS's error, unchanged (`NotFound` if the entry was removed since it was listed).
    pub async fn metadata(&self) -> io::Result<Metadata> {
        let std = Arc::clone(&self.std);
        asyncify(move || std.metadata()).await
    }

    /// The type of the entry (not following a symbolic link). Usually known from the listing
    /// itself; otherwise read on the blocking pool.
    ///
    /// # Errors
    ///
    /// The OS's error, unchanged, when it has to be read.
    pub async fn file_type(&self) -> io::Result<FileType> {
        if let Some(file_type) = self.file_type {
            return Ok(file_type);
        }
        let std = Arc::clone(&self.std);
        asyncify(move || std.file_type()).await
    }
}

#[cfg(unix)]
impl DirEntry {
    /// The entry's inode number, from the listing.
    pub fn ino(&self) -> u64 {
        std::os::unix::fs::DirEntryExt::ino(&*self.std)
    }
}
