//! Small building blocks shared by the scheduler and the task module.

pub(crate) mod atomic_cell;
pub(crate) mod rand;
