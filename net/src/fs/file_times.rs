//! Timestamps to set on a file.

use std::time::SystemTime;

/// The access and modification times to set with [`File::set_times`](super::File::set_times);
/// a time left unset is not changed. As tokio's `FileTimes` (std's `FileTimes` cannot be
/// inspected, so this one keeps the values and converts when applied).
///
/// # Examples
///
/// ```no_run
/// # async fn run() -> std::io::Result<()> {
/// use std::time::{Duration, SystemTime};
/// use runtime::fs::{File, FileTimes};
///
/// let file = File::options().write(true).open("a.txt").await?;
/// let times = FileTimes::new().set_modified(SystemTime::UNIX_EPOCH + Duration::from_secs(1));
/// file.set_times(times).await?;
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, Copy, Default)]
#[must_use = "apply the times to a file with `File::set_times`"]
pub struct FileTimes {
    accessed: Option<SystemTime>,
    modified: Option<SystemTime>,
}

impl FileTimes {
    /// No times set.
    pub fn new() -> FileTimes {
        FileTimes::default()
    }

    /// Sets the last access time.
    pub fn set_accessed(mut self, t: SystemTime) -> FileTimes {
        self.accessed = Some(t);
        self
    }

    /// Sets the last modification time.
    pub fn set_modified(mut self, t: SystemTime) -> FileTimes {
        self.modified = Some(t);
        self
    }

    /// The std equivalent.
    pub(crate) fn to_std(self) -> std::fs::FileTimes {
        let mut times = std::fs::FileTimes::new();
        if let Some(t) = self.accessed {
            times = times.set_accessed(t);
        }
        if let Some(t) = self.modified {
            times = times.set_modified(t);
        }
        times
    }
}
