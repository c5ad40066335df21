//! Building blocks shared by the primitives.

pub(crate) mod block_on;
pub(crate) mod signal;
pub(crate) mod timeout;
pub(crate) mod wait_list;
pub(crate) mod wake_contained;
pub(crate) mod wake_list;
