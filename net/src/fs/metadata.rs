//! Asking about a path: metadata, existence, the canonical form.

use std::fs::{Metadata, Permissions};
use std::io;
use std::path::{Path, PathBuf};

use super::asyncify;

/// The metadata of `path`, following symbolic links: the async [`std::fs::metadata`].
///
/// # Errors
///
/// The OS's error, unchanged: `NotFound`, `PermissionDenied`, ...
///
/// # Examples
///
/// ```no_run
/// # async fn run() -> std::io::Result<()> {
/// let meta = runtime::fs::metadata("Cargo.toml").await?;
/// assert!(meta.is_file());
/// # Ok(())
/// # }
/// ```
pub async fn metadata(path: impl AsRef<Path>) -> io::Result<Metadata> {
    let path = path.as_ref().to_owned();
    asyncify(move || std::fs::metadata(path)).await
}

/// The metadata of `path` itself, without following a symbolic link: the async
/// [`std::fs::symlink_metadata`].
///
/// # Errors
///
/// The OS's error, unchanged: `NotFound`, `PermissionDenied`, ...
pub async fn symlink_metadata(path: impl AsRef<Path>) -> io::Result<Metadata> {
    let path = path.as_ref().to_owned();
    asyncify(move || std::fs::symlink_metadata(path)).await
}

/// Whether `path` exists, following symbolic links: the async [`Path::try_exists`]. Unlike
/// [`Path::exists`] it reports errors: `Ok(false)` only means the OS said "no such file".
///
/// # Errors
///
/// The OS's error when it cannot tell (for example `PermissionDenied` on a directory that
/// cannot be searched).
///
/// # Examples
///
/// ```no_run
/// # async fn run() -> std::io::Result<()> {
/// if runtime::fs::try_exists("config.toml").await? {
///     println!("found a config");
/// }
/// # Ok(())
/// # }
/// ```
pub async fn try_exists(path: impl AsRef<Path>) -> io::Result<bool> {
    let path = path.as_ref().to_owned();
    asyncify(move || path.try_exists()).await
}

/// The canonical, absolute form of `path`, with every symbolic link and `.`/`..` resolved:
/// the async [`std::fs::canonicalize`].
///
/// # Errors
///
/// The OS's error, unchanged: `NotFound` if `path` (or a link on the way) does not exist, ...
///
/// # Examples
///
/// ```no_run
/// # async fn run() -> std::io::Result<()> {
/// let root = runtime::fs::canonicalize("/.").await?;
/// assert_eq!(root, std::path::Path::new("/"));
/// # Ok(())
/// # }
/// ```
pub async fn canonicalize(path: impl AsRef<Path>) -> io::Result<PathBuf> {
    let path = path.as_ref().to_owned();
    asyncify(move || std::fs::canonicalize(path)).await
}

/// Sets the permissions of `path`, following symbolic links: the async
/// [`std::fs::set_permissions`].
///
/// # Errors
///
/// The OS's error, unchanged: `NotFound`, `PermissionDenied` (not the owner), ...
///
/// # Examples
///
/// ```no_run
/// # async fn run() -> std::io::Result<()> {
/// let mut perms = runtime::fs::metadata("notes.txt").await?.permissions();
/// perms.set_readonly(true);
/// runtime::fs::set_permissions("notes.txt", perms).await?;
/// # Ok(())
/// # }
/// ```
pub async fn set_permissions(path: impl AsRef<Path>, perm: Permissions) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    asyncify(move || std::fs::set_permissions(path, perm)).await
}
