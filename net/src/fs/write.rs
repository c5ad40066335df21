//! Writing a whole file in one call.

use std::io;
use std::path::Path;

use super::asyncify;

/// Creates (or truncates) the file at `path` and writes `contents` to it: the async
/// [`std::fs::write`], in one blocking call. The contents are copied first, so the caller's
/// buffer is free at once.
///
/// # Errors
///
/// The OS's error, unchanged (`NotFound` if the parent directory does not exist,
/// `IsADirectory`, `PermissionDenied`, ...).
///
/// # Examples
///
/// ```no_run
/// # async fn run() -> std::io::Result<()> {
/// runtime::fs::write("hello.txt", b"hello").await?;
/// # Ok(())
/// # }
/// ```
pub async fn write(path: impl AsRef<Path>, contents: impl AsRef<[u8]>) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    let contents = contents.as_ref().to_owned();
    asyncify(move || std::fs::write(path, contents)).await
}
