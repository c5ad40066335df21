//! Creating directories.

use std::io;
use std::path::Path;

use super::asyncify;

/// Creates the directory `path`: the async [`std::fs::create_dir`].
///
/// # Errors
///
/// The OS's error, unchanged: `AlreadyExists` if `path` exists, `NotFound` if its parent
/// does not, `PermissionDenied`, ...
///
/// # Examples
///
/// ```no_run
/// # async fn run() -> std::io::Result<()> {
/// runtime::fs::create_dir("/tmp/new").await?;
/// # Ok(())
/// # }
/// ```
pub async fn create_dir(path: impl AsRef<Path>) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    asyncify(move || std::fs::create_dir(path)).await
}

/// Creates the directory `path` and any missing parents: the async
/// [`std::fs::create_dir_all`]. A directory that already exists is success.
///
/// # Errors
///
/// The OS's error, unchanged (`PermissionDenied`, `NotADirectory` if a component is a
/// file, ...).
///
/// # Examples
///
/// ```no_run
/// # async fn run() -> std::io::Result<()> {
/// runtime::fs::create_dir_all("/tmp/a/b/c").await?;
/// # Ok(())
/// # }
/// ```
pub async fn create_dir_all(path: impl AsRef<Path>) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    asyncify(move || std::fs::create_dir_all(path)).await
}

/// Options for creating a directory: the async [`std::fs::DirBuilder`].
///
/// # Examples
///
/// ```no_run
/// # async fn run() -> std::io::Result<()> {
/// use runtime::fs::DirBuilder;
///
/// DirBuilder::new().recursive(true).create("/tmp/a/b").await?;
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Default, Clone)]
pub struct DirBuilder {
    recursive: bool,
    #[cfg(unix)]
    mode: Option<u32>,
}

impl DirBuilder {
    /// A builder with the defaults: not recursive, and (on Unix) mode `0o777` before the
    /// process's umask.
    pub fn new() -> DirBuilder {
        DirBuilder::default()
    }

    /// Whether to create missing parents too (and accept a directory that already exists).
    pub fn recursive(&mut self, recursive: bool) -> &mut DirBuilder {
        self.recursive = recursive;
        self
    }

    /// Creates the directory `path` with these options.
    ///
    /// # Errors
    ///
    /// The OS's error, unchanged: `AlreadyExists` if `path` exists and the builder is not
    /// recursive, `NotFound` if a parent is missing and it is not, `PermissionDenied`, ...
    pub async fn create(&self, path: impl AsRef<Path>) -> io::Result<()> {
        let path = path.as_ref().to_owned();
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(self.recursive);
        #[cfg(unix)]
        if let Some(mode) = self.mode {
            std::os::unix::fs::DirBuilderExt::mode(&mut builder, mode);
        }
        asyncify(move || builder.create(path)).await
    }
}

#[cfg(unix)]
impl DirBuilder {
    /// The permission bits of the new directories (before the process's umask); default
    /// `0o777`.
    pub fn mode(&mut self, mode: u32) -> &mut DirBuilder {
        self.mode = Some(mode);
        self
    }
}
