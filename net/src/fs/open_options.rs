//! Options for opening a file.

use std::io;
use std::path::Path;

use super::{asyncify, File};

/// Options for opening a file: the async [`std::fs::OpenOptions`], with the same flags and
/// the same errors. Open with [`open`](OpenOptions::open); the result is a [`File`].
///
/// On Unix, [`mode`](OpenOptions::mode) and [`custom_flags`](OpenOptions::custom_flags) are
/// inherent methods (std has them on the `OpenOptionsExt` trait).
///
/// # Examples
///
/// ```no_run
/// # async fn run() -> std::io::Result<()> {
/// use runtime::fs::OpenOptions;
/// use runtime::io::AsyncWriteExt;
///
/// let mut log = OpenOptions::new().append(true).create(true).open("log.txt").await?;
/// log.write_all(b"started\n").await?;
/// log.flush().await?;
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct OpenOptions(std::fs::OpenOptions);

impl OpenOptions {
    /// Options with every flag off (opening with them fails with `InvalidInput`: turn on at
    /// least `read`, `write` or `append`).
    pub fn new() -> OpenOptions {
        OpenOptions(std::fs::OpenOptions::new())
    }

    /// Open for reading.
    pub fn read(&mut self, read: bool) -> &mut OpenOptions {
        self.0.read(read);
        self
    }

    /// Open for writing.
    pub fn write(&mut self, write: bool) -> &mut OpenOptions {
        self.0.write(write);
        self
    }

    /// Open for appending: every write goes to the end of the file. Implies `write`.
    pub fn append(&mut self, append: bool) -> &mut OpenOptions {
        self.0.append(append);
        self
    }

    /// Truncate an existing file to length 0 (needs `write`).
    pub fn truncate(&mut self, truncate: bool) -> &mut OpenOptions {
        self.0.truncate(truncate);
        self
    }

    /// Create the file if it does not exist (needs `write` or `append`).
    pub fn create(&mut self, create: bool) -> &mut OpenOptions {
        self.0.create(create);
        self
    }

    /// Create the file, failing with `AlreadyExists` if it exists (atomically; `create` and
    /// `truncate` are then ignored).
    pub fn create_new(&mut self, create_new: bool) -> &mut OpenOptions {
        self.0.create_new(create_new);
        self
    }

    /// Opens `path` with these options, on the blocking pool.
    ///
    /// # Errors
    ///
    /// The OS's error, unchanged: `NotFound`, `AlreadyExists` (with `create_new`),
    /// `PermissionDenied`, `IsADirectory` (opening a directory for writing), `InvalidInput`
    /// (a contradictory set of flags), ...
    ///
    /// # Panics
    ///
    /// Panics (when first polled) if there is no runtime on this thread.
    pub async fn open(&self, path: impl AsRef<Path>) -> io::Result<File> {
        let path = path.as_ref().to_owned();
        let options = self.0.clone();
        let std = asyncify(move || options.open(path)).await?;
        Ok(File::from_std(std))
    }
}

#[cfg(unix)]
impl OpenOptions {
    /// The permission bits of a file this creates (before the process's umask); default
    /// `0o666`.
    pub fn mode(&mut self, mode: u32) -> &mut OpenOptions {
        std::os::unix::fs::OpenOptionsExt::mode(&mut self.0, mode);
        self
    }

    /// Extra flags for `open(2)` (`libc::O_*`), added to the ones the options imply. The
    /// access-mode bits (`O_RDONLY`, `O_WRONLY`, `O_RDWR`) are ignored.
    pub fn custom_flags(&mut self, flags: i32) -> &mut OpenOptions {
        std::os::unix::fs::OpenOptionsExt::custom_flags(&mut self.0, flags);
        self
    }
}

impl From<std::fs::OpenOptions> for OpenOptions {
    fn from(options: std::fs::OpenOptions) -> OpenOptions {
        OpenOptions(options)
    }
}

impl Default for OpenOptions {
    fn default() -> OpenOptions {
        OpenOptions::new()
    }
}
