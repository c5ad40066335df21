//! Hard and symbolic links.

use std::io;
use std::path::{Path, PathBuf};

use super::asyncify;

/// Creates `link` as a new hard link to the file `original`: the async
/// [`std::fs::hard_link`].
///
/// # Errors
///
/// The OS's error, unchanged: `NotFound` if `original` does not exist, `AlreadyExists` if
/// `link` does, `PermissionDenied` if `original` is a directory (on Linux), ...
///
/// # Examples
///
/// ```no_run
/// # async fn run() -> std::io::Result<()> {
/// runtime::fs::hard_link("a.txt", "b.txt").await?;
/// # Ok(())
/// # }
/// ```
pub async fn hard_link(original: impl AsRef<Path>, link: impl AsRef<Path>) -> io::Result<()> {
    let original = original.as_ref().to_owned();
    let link = link.as_ref().to_owned();
    asyncify(move || std::fs::hard_link(original, link)).await
}

/// Creates `link` as a symbolic link pointing at `original` (Unix): the async
/// [`std::os::unix::fs::symlink`].
///
/// # Errors
///
/// The OS's error, unchanged: `AlreadyExists` if `link` exists, `NotFound` if its parent
/// does not, ...
///
/// # Examples
///
/// ```no_run
/// # async fn run() -> std::io::Result<()> {
/// runtime::fs::symlink("target.txt", "link.txt").await?;
/// # Ok(())
/// # }
/// ```
#[cfg(unix)]
pub async fn symlink(original: impl AsRef<Path>, link: impl AsRef<Path>) -> io::Result<()> {
    let original = original.as_ref().to_owned();
    let link = link.as_ref().to_owned();
    asyncify(move || std::os::unix::fs::symlink(original, link)).await
}

/// The target of the symbolic link `path`: the async [`std::fs::read_link`].
///
/// # Errors
///
/// The OS's error, unchanged: `NotFound`, `InvalidInput` if `path` is not a symbolic
/// link, ...
pub async fn read_link(path: impl AsRef<Path>) -> io::Result<PathBuf> {
    let path = path.as_ref().to_owned();
    asyncify(move || std::fs::read_link(path)).await
}
