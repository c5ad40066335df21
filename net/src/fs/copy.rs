//! Copying a file.

use std::io;
use std::path::Path;

use super::asyncify;

/// Copies the contents and permissions of the file `from` to `to` (created or truncated),
/// returning the number of bytes copied: the async [`std::fs::copy`].
///
/// # Errors
///
/// The OS's error, unchanged (`NotFound` if `from` does not exist, `InvalidInput` if it is
/// not a regular file, ...).
///
/// # Examples
///
/// ```no_run
/// # async fn run() -> std::io::Result<()> {
/// let bytes = runtime::fs::copy("a.txt", "b.txt").await?;
/// # Ok(())
/// # }
/// ```
pub async fn copy(from: impl AsRef<Path>, to: impl AsRef<Path>) -> io::Result<u64> {
    let from = from.as_ref().to_owned();
    let to = to.as_ref().to_owned();
    asyncify(move || std::fs::copy(from, to)).await
}
