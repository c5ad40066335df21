//! Small building blocks shared by the scheduler and the task module.

pub(crate) mod linked_list;
