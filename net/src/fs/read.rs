//! Reading a whole file in one call.

use std::io;
use std::path::Path;

use super::asyncify;

/// Reads the whole file at `path` into a vector: the async [`std::fs::read`], in one blocking
/// call.
///
/// # Errors
///
/// The OS's error, unchanged: `NotFound` if there is no such file, `PermissionDenied`, and
/// so on ([`std::fs::read`] lists them).
///
/// # Examples
///
/// ```no_run
/// # async fn run() -> std::io::Result<()> {
/// let bytes = runtime::fs::read("Cargo.toml").await?;
/// println!("{} bytes", bytes.len());
/// # Ok(())
/// # }
/// ```
pub async fn read(path: impl AsRef<Path>) -> io::Result<Vec<u8>> {
    let path = path.as_ref().to_owned();
    asyncify(move || std::fs::read(path)).await
}

/// Reads the whole file at `path` into a string: the async [`std::fs::read_to_string`].
///
/// # Errors
///
/// The OS's error, unchanged, or `InvalidData` if the contents are not UTF-8.
///
/// # Examples
///
/// ```no_run
/// # async fn run() -> std::io::Result<()> {
/// let manifest = runtime::fs::read_to_string("Cargo.toml").await?;
/// assert!(manifest.contains("[package]"));
/// # Ok(())
/// # }
/// ```
pub async fn read_to_string(path: impl AsRef<Path>) -> io::Result<String> {
    let path = path.as_ref().to_owned();
    asyncify(move || std::fs::read_to_string(path)).await
}
