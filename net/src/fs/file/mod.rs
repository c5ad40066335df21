//! `File`: an open file, read and written on the blocking pool.

mod buf;
#[cfg(unix)]
mod fd;
mod inner;
mod io_impls;

use std::fmt;
use std::fs::{File as StdFile, Metadata, Permissions};
use std::future::poll_fn;
use std::io;
use std::path::Path;
use std::sync::Arc;

use runtime_sync::Mutex;

use self::inner::Inner;
use super::{asyncify, FileTimes, OpenOptions};

/// The default of [`File::set_max_buf_size`]: 2 MiB.
const DEFAULT_MAX_BUF_SIZE: usize = 2 * 1024 * 1024;

/// An open file: the async [`std::fs::File`], with tokio's semantics.
///
/// It implements [`AsyncRead`](crate::io::AsyncRead), [`AsyncWrite`](crate::io::AsyncWrite)
/// and [`AsyncSeek`](crate::io::AsyncSeek); each operation runs on the runtime's blocking
/// pool, one at a time, with a buffer that travels with it:
///
/// * **Writes are acknowledged once buffered.** `write` copies up to
///   [`max_buf_size`](File::max_buf_size) bytes, starts the blocking write and returns; the
///   next operation waits for it. Call [`flush`](crate::io::AsyncWriteExt::flush) (or
///   [`sync_all`](File::sync_all)) to wait for the data to reach the OS and see a write's
///   error: until then an error is reported by the next write or flush.
/// * **A `File` dropped with a write in flight completes that write** (on the blocking pool,
///   even if the runtime is shutting down): nothing acknowledged is lost, and the drop does
///   not block. It does not wait for the data to reach the disk: use `sync_all` for that.
/// * **Reads** fetch up to `max_buf_size` bytes (no more than asked for) per blocking call.
///   Wrap the file in a [`BufReader`](crate::io::BufReader) or
///   [`BufWriter`](crate::io::BufWriter) for many small operations, or use
///   [`read`](super::read) / [`write`](super::write) for whole files.
/// * **A seek waits for the operation in flight**, and accounts for data read ahead.
///
/// Errors are the OS's [`io::Error`]s, unchanged. If the runtime has shut down, an operation
/// fails with an error of kind `Other` ("background task failed") and the file stays usable.
/// Every operation needs a runtime (one with or without drivers); outside one it panics.
///
/// # Examples
///
/// ```no_run
/// # async fn run() -> std::io::Result<()> {
/// use runtime::fs::File;
/// use runtime::io::{AsyncReadExt, AsyncWriteExt};
///
/// let mut file = File::create("hello.txt").await?;
/// file.write_all(b"hello, world").await?;
/// file.flush().await?;
///
/// let mut contents = String::new();
/// File::open("hello.txt").await?.read_to_string(&mut contents).await?;
/// assert_eq!(contents, "hello, world");
/// # Ok(())
/// # }
/// ```
pub struct File {
    std: Arc<StdFile>,
    inner: Mutex<Inner>,
    max_buf_size: usize,
}

impl File {
    /// Opens the file at `path` for reading.
    ///
    /// # Errors
    ///
    /// The OS's error, unchanged: `NotFound`, `PermissionDenied`, ...
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # async fn run() -> std::io::Result<()> {
    /// let file = runtime::fs::File::open("Cargo.toml").await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn open(path: impl AsRef<Path>) -> io::Result<File> {
        OpenOptions::new().read(true).open(path).await
    }

    /// Opens the file at `path` for writing, creating it if it does not exist and truncating
    /// it if it does.
    ///
    /// # Errors
    ///
    /// The OS's error, unchanged: `NotFound` (a missing parent directory),
    /// `PermissionDenied`, `IsADirectory`, ...
    pub async fn create(path: impl AsRef<Path>) -> io::Result<File> {
        OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(path)
            .await
    }

    /// Creates a new file at `path`, opened for reading and writing, failing if it exists
    /// (atomically).
    ///
    /// # Errors
    ///
    /// `AlreadyExists` if `path` exists; otherwise the OS's error, unchanged.
    pub async fn create_new<P: AsRef<Path>>(path: P) -> io::Result<File> {
        OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(path)
            .await
    }

    /// Options for opening a file, as [`OpenOptions::new`].
    pub fn options() -> OpenOptions {
        OpenOptions::new()
    }

    /// Wraps an open std file (no blocking call is made).
    pub fn from_std(std: StdFile) -> File {
        File {
            std: Arc::new(std),
            inner: Mutex::new(Inner::new()),
            max_buf_size: DEFAULT_MAX_BUF_SIZE,
        }
    }

    /// Waits for the operation in flight, keeping a write's error for the next write or
    /// flush.
    async fn settle(&self) -> runtime_sync::MutexGuard<'_, Inner> {
        let mut inner = self.inner.lock().await;
        poll_fn(|cx| inner.poll_idle(cx)).await;
        inner
    }

    /// Waits for a write in flight, then flushes the file's data and metadata to the disk
    /// (`fsync`).
    ///
    /// # Errors
    ///
    /// The OS's error from the sync, unchanged. (The error of a write that failed in the
    /// meantime is kept for the next write or flush, as tokio does.)
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # async fn run() -> std::io::Result<()> {
    /// use runtime::io::AsyncWriteExt;
    ///
    /// let mut file = runtime::fs::File::create("data.bin").await?;
    /// file.write_all(b"durable").await?;
    /// file.sync_all().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn sync_all(&self) -> io::Result<()> {
        let _inner = self.settle().await;
        let std = Arc::clone(&self.std);
        asyncify(move || std.sync_all()).await
    }

    /// As [`sync_all`](File::sync_all), but metadata that is not needed to read the data back
    /// (such as the modification time) may stay unsynced (`fdatasync`).
    ///
    /// # Errors
    ///
    /// The OS's error from the sync, unchanged.
    pub async fn sync_data(&self) -> io::Result<()> {
        let _inner = self.settle().await;
        let std = Arc::clone(&self.std);
        asyncify(move || std.sync_data()).await
    }

    /// Truncates or extends the file to `size` bytes (zeros fill an extension), after the
    /// operation in flight. The file position is unchanged (it may end up past the end).
    ///
    /// # Errors
    ///
    /// The OS's error, unchanged: `InvalidInput` if the file is not open for writing, ...
    pub async fn set_len(&self, size: u64) -> io::Result<()> {
        let mut inner = self.settle().await;
        inner.start_set_len(&self.std, size)?;
        poll_fn(|cx| inner.poll_set_len(cx)).await
    }

    /// The file's metadata.
    ///
    /// # Errors
    ///
    /// The OS's error, unchanged.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # async fn run() -> std::io::Result<()> {
    /// let file = runtime::fs::File::open("Cargo.toml").await?;
    /// println!("{} bytes", file.metadata().await?.len());
    /// # Ok(())
    /// # }
    /// ```
    pub async fn metadata(&self) -> io::Result<Metadata> {
        let std = Arc::clone(&self.std);
        asyncify(move || std.metadata()).await
    }

    /// A new `File` for the same open file (a duplicated descriptor sharing the position),
    /// after the operation in flight; it keeps this one's
    /// [`max_buf_size`](File::max_buf_size).
    ///
    /// # Errors
    ///
    /// The OS's error, unchanged (`EMFILE`: too many open files).
    pub async fn try_clone(&self) -> io::Result<File> {
        drop(self.settle().await);
        let std = Arc::clone(&self.std);
        let clone = asyncify(move || std.try_clone()).await?;
        let mut file = File::from_std(clone);
        file.max_buf_size = self.max_buf_size;
        Ok(file)
    }

    /// The std file, after waiting for the operation in flight (a write's error is dropped:
    /// flush first to see it). Data read ahead and not handed out is dropped too, so the std
    /// file's position may be past what was read.
    ///
    /// # Panics
    ///
    /// Panics if the file is still shared with an operation that was abandoned mid-way (a
    /// dropped `metadata` or `set_permissions` future whose blocking call has not finished)
    /// and duplicating the descriptor fails.
    pub async fn into_std(mut self) -> StdFile {
        poll_fn(|cx| self.inner.get_mut().poll_idle(cx)).await;
        match Arc::try_unwrap(self.std) {
            Ok(std) => std,
            // A blocking call abandoned by its caller still holds the file: hand out a
            // duplicate, which shares the open file (and its position).
            Err(shared) => shared.try_clone().unwrap_or_else(|e| {
                panic!(
                    "`File::into_std`: the file is still in use by an abandoned blocking call \
                     and duplicating its descriptor failed: {e}"
                )
            }),
        }
    }

    /// The std file, without waiting: `Err(self)` if an operation is in flight (it holds the
    /// file). Data read ahead and not handed out is dropped.
    ///
    /// # Errors
    ///
    /// The file itself, if an operation is in flight.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # async fn run() -> std::io::Result<()> {
    /// let file = runtime::fs::File::open("Cargo.toml").await?;
    /// let std = file.try_into_std().expect("nothing in flight");
    /// # Ok(())
    /// # }
    /// ```
    #[allow(clippy::result_large_err)]
    pub fn try_into_std(mut self) -> Result<StdFile, File> {
        match Arc::try_unwrap(self.std) {
            Ok(std) => Ok(std),
            Err(shared) => {
                self.std = shared;
                Err(self)
            }
        }
    }

    /// Changes the file's permissions.
    ///
    /// # Errors
    ///
    /// The OS's error, unchanged (`PermissionDenied` if the process does not own it, ...).
    pub async fn set_permissions(&self, perm: Permissions) -> io::Result<()> {
        let std = Arc::clone(&self.std);
        asyncify(move || std.set_permissions(perm)).await
    }

    /// Sets the file's access and modification times, after the operation in flight (so a
    /// write cannot land after it and change them).
    ///
    /// # Errors
    ///
    /// The OS's error, unchanged.
    pub async fn set_times(&self, times: FileTimes) -> io::Result<()> {
        let _inner = self.settle().await;
        let std = Arc::clone(&self.std);
        asyncify(move || std.set_times(times.to_std())).await
    }

    /// Sets the file's modification time, as [`set_times`](File::set_times) with only that.
    ///
    /// # Errors
    ///
    /// The OS's error, unchanged.
    pub async fn set_modified(&self, time: std::time::SystemTime) -> io::Result<()> {
        self.set_times(FileTimes::new().set_modified(time)).await
    }

    /// Sets the most bytes one blocking read or write moves (default 2 MiB). A larger write
    /// is split: `write` takes this much and reports it.
    ///
    /// # Panics
    ///
    /// Panics if `max_buf_size` is 0.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # async fn run() -> std::io::Result<()> {
    /// let mut file = runtime::fs::File::create("big.bin").await?;
    /// file.set_max_buf_size(8 * 1024 * 1024);
    /// # Ok(())
    /// # }
    /// ```
    #[track_caller]
    pub fn set_max_buf_size(&mut self, max_buf_size: usize) {
        assert!(max_buf_size > 0, "`max_buf_size` must be greater than 0");
        self.max_buf_size = max_buf_size;
    }

    /// The most bytes one blocking read or write moves; see
    /// [`set_max_buf_size`](File::set_max_buf_size).
    pub fn max_buf_size(&self) -> usize {
        self.max_buf_size
    }
}

impl From<StdFile> for File {
    fn from(std: StdFile) -> File {
        File::from_std(std)
    }
}

impl fmt::Debug for File {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // tokio's name, which its own tests check: code moved over from tokio sees the same
        // output.
        f.debug_struct("tokio::fs::File")
            .field("std", &self.std)
            .finish()
    }
}
