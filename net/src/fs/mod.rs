//! Asynchronous file system access: the async [`std::fs`], with tokio's API and semantics.
//!
//! Operating systems offer no readiness for regular files, so every call here runs the std
//! call on the runtime's blocking pool and waits for it: one boxed closure and one wake-up
//! per operation. Everything here therefore needs a runtime (with or without its drivers);
//! outside one, a call panics with a message that says how to get one. Once the runtime has
//! shut down, calls fail with an [`io::Error`](std::io::Error) of kind `Other` whose inner
//! error displays "background task failed".
//!
//! # What is here
//!
//! * Whole-file helpers, one blocking call each: [`read`], [`read_to_string`], [`write()`],
//!   [`copy`].
//! * Directories: [`create_dir`], [`create_dir_all`], [`DirBuilder`], [`remove_dir`],
//!   [`remove_dir_all`], and [`read_dir`], whose [`ReadDir`] fetches entries in batches
//!   (a few dozen blocking calls for ten thousand entries, not one per entry).
//! * Paths: [`metadata`], [`symlink_metadata`], [`try_exists`], [`canonicalize`],
//!   [`set_permissions`], [`rename`], [`remove_file`], [`hard_link`], [`read_link`] and,
//!   on Unix, [`symlink`].
//! * [`File`] (`AsyncRead`, `AsyncWrite`, `AsyncSeek`) with [`OpenOptions`] and
//!   [`FileTimes`]. See [`File`] for its buffering: a write is acknowledged once buffered
//!   and reaches the OS in the background; `flush` waits for it.
//!
//! Errors are the OS's, unchanged, as std reports them.
//!
//! For many small operations, batch them: read or write a whole file with [`read()`] /
//! [`write()`], wrap a [`File`] in a [`BufReader`](crate::io::BufReader) or
//! [`BufWriter`](crate::io::BufWriter), or run a sequence of std calls in one
//! `spawn_blocking` closure.
//!
//! # Examples
//!
//! ```no_run
//! # async fn run() -> std::io::Result<()> {
//! use runtime::fs;
//!
//! fs::create_dir_all("out/logs").await?;
//! fs::write("out/logs/today.txt", b"started\n").await?;
//! let text = fs::read_to_string("out/logs/today.txt").await?;
//! assert_eq!(text, "started\n");
//! fs::remove_dir_all("out").await?;
//! # Ok(())
//! # }
//! ```

mod asyncify;
mod copy;
mod dir_builder;
mod file;
mod file_times;
mod link;
mod metadata;
mod open_options;
mod read;
mod read_dir;
mod remove;
mod write;

use asyncify::asyncify;

pub use copy::copy;
pub use dir_builder::{create_dir, create_dir_all, DirBuilder};
pub use file::File;
pub use file_times::FileTimes;
#[cfg(unix)]
pub use link::symlink;
pub use link::{hard_link, read_link};
pub use metadata::{canonicalize, metadata, set_permissions, symlink_metadata, try_exists};
pub use open_options::OpenOptions;
pub use read::{read, read_to_string};
pub use read_dir::{read_dir, DirEntry, ReadDir};
pub use remove::{remove_dir, remove_dir_all, remove_file, rename};
pub use write::write;
