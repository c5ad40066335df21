//! Runtime ids.

use std::fmt;
use std::num::NonZeroU64;

/// An opaque id that tells runtimes apart: [`Handle::id`](super::Handle::id) and
/// [`LocalSet::id`](crate::task::LocalSet::id).
///
/// Two handles of the same runtime have equal ids; two runtimes that are alive at the same
/// time never do. The value means nothing beyond that.
///
/// # Examples
///
/// ```
/// use runtime::runtime::Builder;
///
/// let rt1 = Builder::new_current_thread().build().unwrap();
/// let rt2 = Builder::new_current_thread().build().unwrap();
/// assert_eq!(rt1.handle().id(), rt1.handle().clone().id());
/// assert_ne!(rt1.handle().id(), rt2.handle().id());
/// ```
#[derive(Clone, Copy, Debug, Hash, Eq, PartialEq)]
pub struct Id(NonZeroU64);

impl Id {
    pub(crate) fn new(id: NonZeroU64) -> Id {
        Id(id)
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}
