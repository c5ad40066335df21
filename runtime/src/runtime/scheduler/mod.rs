//! The schedulers and the handle that reaches whichever one a runtime uses.

pub(crate) mod current_thread;
pub(crate) mod inject;
pub(crate) mod multi_thread;

use std::future::Future;
use std::sync::Arc;

use super::blocking;
use super::driver;
use super::metrics::WorkerMetrics;
use super::RuntimeFlavor;
use crate::task::{Id, JoinHandle};

/// A reference to a runtime's scheduler; cloning it keeps the scheduler's shared state alive.
#[derive(Clone, Debug)]
pub(crate) enum Handle {
    CurrentThread(Arc<current_thread::Handle>),
    MultiThread(Arc<multi_thread::Handle>),
}

/// The per-thread state of the scheduler running on this thread.
pub(crate) enum Context {
    CurrentThread(current_thread::Context),
    MultiThread(multi_thread::Context),
}

impl Handle {
    pub(crate) fn spawn<F>(&self, future: F, id: Id) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        match self {
            Handle::CurrentThread(h) => current_thread::Handle::spawn(h, future, id),
            Handle::MultiThread(h) => multi_thread::Handle::spawn(h, future, id),
        }
    }

    pub(crate) fn spawn_blocking<F, R>(&self, f: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        self.blocking_spawner().spawn_blocking(self, f)
    }

    pub(crate) fn blocking_spawner(&self) -> &blocking::Spawner {
        match self {
            Handle::CurrentThread(h) => &h.blocking_spawner,
            Handle::MultiThread(h) => &h.blocking_spawner,
        }
    }

    pub(crate) fn driver(&self) -> &driver::Handle {
        match self {
            Handle::CurrentThread(h) => &h.driver,
            Handle::MultiThread(h) => &h.driver,
        }
    }

    /// The runtime's name, if the builder gave it one.
    pub(crate) fn name(&self) -> Option<&str> {
        match self {
            Handle::CurrentThread(h) => h.name(),
            Handle::MultiThread(h) => h.name(),
        }
    }

    /// Whether this is a `LocalRuntime`'s scheduler.
    pub(crate) fn is_local(&self) -> bool {
        match self {
            Handle::CurrentThread(h) => h.is_local(),
            Handle::MultiThread(_) => false,
        }
    }

    /// The runtime's id: that of its owned-task list, unique in the process.
    pub(crate) fn id(&self) -> super::Id {
        match self {
            Handle::CurrentThread(h) => super::Id::new(h.owned_id()),
            Handle::MultiThread(h) => super::Id::new(h.owned_id()),
        }
    }

    /// Worker threads: 1 on the current-thread scheduler.
    pub(crate) fn num_workers(&self) -> usize {
        match self {
            Handle::CurrentThread(_) => 1,
            Handle::MultiThread(h) => h.num_workers(),
        }
    }

    pub(crate) fn num_alive_tasks(&self) -> usize {
        match self {
            Handle::CurrentThread(h) => h.num_alive_tasks(),
            Handle::MultiThread(h) => h.num_alive_tasks(),
        }
    }

    pub(crate) fn global_queue_depth(&self) -> usize {
        match self {
            Handle::CurrentThread(h) => h.global_queue_depth(),
            Handle::MultiThread(h) => h.global_queue_depth(),
        }
    }

    /// The counters of worker `index`, if there is such a worker.
    pub(crate) fn worker_metrics(&self, index: usize) -> Option<&WorkerMetrics> {
        match self {
            Handle::CurrentThread(h) => (index == 0).then(|| h.worker_metrics()),
            Handle::MultiThread(h) => h.worker_metrics(index),
        }
    }

    pub(crate) fn flavor(&self) -> RuntimeFlavor {
        match self {
            Handle::CurrentThread(_) => RuntimeFlavor::CurrentThread,
            Handle::MultiThread(_) => RuntimeFlavor::MultiThread,
        }
    }

    pub(crate) fn as_current_thread(&self) -> &Arc<current_thread::Handle> {
        match self {
            Handle::CurrentThread(h) => h,
            Handle::MultiThread(_) => {
                unreachable!("a current-thread scheduler with a multi-thread handle")
            }
        }
    }
}
