//! `MaybeDone`: a future and, once it completes, its output, for `join!` and `try_join!`.

use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::task::{Context, Poll};

pin_project_lite::pin_project! {
    /// A future that keeps its output once it completes, until it is taken.
    #[project = MaybeDoneProj]
    #[project_replace = MaybeDoneReplace]
    // `repr(C)`: the discriminant gets bytes of its own instead of a niche inside the future.
    // Reading a niche discriminant reads the future's memory, which is unsound while the
    // future (a self-referential `async` block) holds a mutable borrow into itself (miri
    // #3780). It also makes `join!`'s futures exactly as large as tokio's.
    #[repr(C)]
    pub enum MaybeDone<F: Future> {
        /// Still running.
        Future { #[pin] future: F },
        /// Completed; the output waits to be taken.
        Done { output: F::Output },
        /// The output was taken.
        Gone,
    }
}

impl<F: Future> MaybeDone<F> {
    /// Wraps anything that turns into a future.
    pub fn new<I: IntoFuture<IntoFuture = F>>(future: I) -> MaybeDone<F> {
        MaybeDone::Future {
            future: future.into_future(),
        }
    }

    /// Polls the future if it is still running; `Ready` once it is done.
    pub fn poll_done(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let output = match self.as_mut().project() {
            MaybeDoneProj::Future { future } => match future.poll(cx) {
                Poll::Ready(output) => output,
                Poll::Pending => return Poll::Pending,
            },
            MaybeDoneProj::Done { .. } => return Poll::Ready(()),
            MaybeDoneProj::Gone => panic!("`MaybeDone` polled after its output was taken"),
        };
        self.set(MaybeDone::Done { output });
        Poll::Ready(())
    }

    /// Takes the output of a completed future.
    ///
    /// # Panics
    ///
    /// Panics if the future has not completed, or its output was taken already.
    pub fn take_output(self: Pin<&mut Self>) -> F::Output {
        match &*self {
            MaybeDone::Done { .. } => {}
            _ => panic!("`MaybeDone::take_output` called before the future completed"),
        }
        match self.project_replace(MaybeDone::Gone) {
            MaybeDoneReplace::Done { output } => output,
            _ => unreachable!("checked above"),
        }
    }
}

impl<F, T, E> MaybeDone<F>
where
    F: Future<Output = Result<T, E>>,
{
    /// Like [`poll_done`](Self::poll_done), but a future that failed gives its error up at
    /// once.
    pub fn poll_ok(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), E>> {
        if self.as_mut().poll_done(cx).is_pending() {
            return Poll::Pending;
        }
        if let MaybeDone::Done { output: Err(_) } = &*self {
            if let Err(error) = self.take_output() {
                return Poll::Ready(Err(error));
            }
        }
        Poll::Ready(Ok(()))
    }

    /// Takes the `Ok` value of a future that completed successfully.
    pub fn take_ok(self: Pin<&mut Self>) -> T {
        match self.take_output() {
            Ok(value) => value,
            Err(_) => panic!("`MaybeDone::take_ok` called on a future that failed"),
        }
    }
}
