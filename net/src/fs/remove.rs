//! Removing and renaming.

use std::io;
use std::path::Path;

use super::asyncify;

/// Removes the file (or symbolic link) `path`: the async [`std::fs::remove_file`].
///
/// # Errors
///
/// The OS's error, unchanged: `NotFound`, `IsADirectory` (on Linux), `PermissionDenied`, ...
///
/// # Examples
///
/// ```no_run
/// # async fn run() -> std::io::Result<()> {
/// runtime::fs::remove_file("old.txt").await?;
/// # Ok(())
/// # }
/// ```
pub async fn remove_file(path: impl AsRef<Path>) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    asyncify(move || std::fs::remove_file(path)).await
}

/// Removes the empty directory `path`: the async [`std::fs::remove_dir`].
///
/// # Errors
///
/// The OS's error, unchanged: `NotFound`, `DirectoryNotEmpty`, `NotADirectory`, ...
pub async fn remove_dir(path: impl AsRef<Path>) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    asyncify(move || std::fs::remove_dir(path)).await
}

/// Removes the directory `path` and everything in it, in one blocking call: the async
/// [`std::fs::remove_dir_all`] (which does not follow symbolic links).
///
/// # Errors
///
/// The OS's error, unchanged: `NotFound`, `NotADirectory`, `PermissionDenied`, ...
pub async fn remove_dir_all(path: impl AsRef<Path>) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    asyncify(move || std::fs::remove_dir_all(path)).await
}

/// Renames `from` to `to`, replacing `to` if it exists: the async [`std::fs::rename`].
///
/// # Errors
///
/// The OS's error, unchanged: `NotFound`, `CrossesDevices`, `IsADirectory`,
/// `DirectoryNotEmpty`, ...
///
/// # Examples
///
/// ```no_run
/// # async fn run() -> std::io::Result<()> {
/// runtime::fs::rename("a.txt", "b.txt").await?;
/// # Ok(())
/// # }
/// ```
pub async fn rename(from: impl AsRef<Path>, to: impl AsRef<Path>) -> io::Result<()> {
    let from = from.as_ref().to_owned();
    let to = to.as_ref().to_owned();
    asyncify(move || std::fs::rename(from, to)).await
}
