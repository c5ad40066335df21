//! `CancellationToken`: a signal to stop, shared by clones and passed down to child tokens.
//!
//! tokio keeps this type in `tokio-util`; here it lives in `runtime::sync` (the same API).
//!
//! # Contract
//!
//! - **Clones are the same token.** Cancelling through any clone cancels all of them.
//! - **Cancelling reaches every descendant.** [`CancellationToken::cancel`] cancels the token
//!   and every token derived from it through [`child_token`](CancellationToken::child_token),
//!   at any depth, before it returns. Cancelling a child never cancels its parent. A child
//!   made from a cancelled token is born cancelled.
//! - **Waiting is cancel safe.** [`cancelled`](CancellationToken::cancelled) completes once
//!   the token is cancelled (at once if it already is); dropping it loses nothing.
//! - **No leaks.** A token's bookkeeping is freed when its last clone is dropped (its children
//!   stay linked to its nearest live ancestor), so a long-lived parent with many short-lived
//!   children keeps only the live ones.
//! - **Cooperative budget.** A poll of `cancelled` that returns `Ready` spends the task's
//!   budget (see [`crate::coop`]).
//!
//! # Examples
//!
//! ```
//! use runtime_sync::CancellationToken;
//!
//! let root = CancellationToken::new();
//! let child = root.child_token();
//! let grandchild = child.child_token();
//!
//! child.cancel();
//! assert!(grandchild.is_cancelled());
//! assert!(!root.is_cancelled());
//!
//! root.cancel();
//! assert!(root.child_token().is_cancelled());
//! ```
//!
//! # Implementation
//!
//! All the tokens derived from one root share one tree: a slab of nodes under a mutex. Each
//! node's cancelled flag and its `Notify` sit outside the lock, so checking and waiting take
//! no lock. Cancelling walks the subtree with an explicit stack and detaches it.

use std::fmt;
use std::future::{poll_fn, Future};
use std::pin::{pin, Pin};
use std::task::{ready, Context, Poll};

use pin_project_lite::pin_project;

use crate::coop;
use crate::loom::{Arc, Ordering};
use crate::notify::{Notified, OwnedNotified};

mod guard;
mod tree;

pub use self::guard::{DropGuard, DropGuardRef};
use self::tree::{NodeState, Tree};

/// A token that can be cancelled once; tasks check it or wait for it. See the module docs.
pub struct CancellationToken {
    tree: Arc<Tree>,
    key: usize,
    state: Arc<NodeState>,
}

impl CancellationToken {
    /// A new token, not cancelled, with no parent.
    pub fn new() -> CancellationToken {
        let (tree, key, state) = Tree::new_root();
        CancellationToken { tree, key, state }
    }

    /// A child token: cancelled when this one is (or at once, if this one already is), while
    /// cancelling the child leaves this one alone.
    pub fn child_token(&self) -> CancellationToken {
        let (key, state) = self.tree.add_child(self.key);
        CancellationToken {
            tree: self.tree.clone(),
            key,
            state,
        }
    }

    /// Cancels this token and all its descendants, and wakes everyone waiting on them. Does
    /// nothing if it is already cancelled.
    pub fn cancel(&self) {
        self.tree.cancel(self.key);
    }

    /// Whether this token was cancelled (directly or through an ancestor).
    pub fn is_cancelled(&self) -> bool {
        self.state.is_cancelled()
    }

    /// A future that completes once this token is cancelled.
    ///
    /// # Examples
    ///
    /// ```
    /// use runtime_sync::CancellationToken;
    ///
    /// async fn worker(token: CancellationToken) {
    ///     token.cancelled().await;
    ///     println!("stopping");
    /// }
    /// ```
    pub fn cancelled(&self) -> WaitForCancellationFuture<'_> {
        WaitForCancellationFuture {
            token: self,
            notified: self.state.notify.notified(),
        }
    }

    /// Like [`cancelled`](Self::cancelled), owning the token, so the future is `'static`.
    pub fn cancelled_owned(self) -> WaitForCancellationFutureOwned {
        let notified = self.state.notify.clone().notified_owned();
        WaitForCancellationFutureOwned {
            token: self,
            notified,
        }
    }

    /// A guard that cancels this token when dropped, unless [disarmed](DropGuard::disarm).
    pub fn drop_guard(self) -> DropGuard {
        DropGuard::new(self)
    }

    /// Like [`drop_guard`](Self::drop_guard), borrowing the token.
    pub fn drop_guard_ref(&self) -> DropGuardRef<'_> {
        DropGuardRef::new(self)
    }

    /// Runs `fut` until it completes (`Some(output)`) or this token is cancelled (`None`,
    /// and `fut` is dropped). `fut` is polled first, so if both are ready it wins.
    ///
    /// # Examples
    ///
    /// ```
    /// use runtime_sync::CancellationToken;
    ///
    /// async fn example(token: CancellationToken) {
    ///     match token.run_until_cancelled(async { 42 }).await {
    ///         Some(v) => assert_eq!(v, 42),
    ///         None => println!("cancelled first"),
    ///     }
    /// }
    /// ```
    pub async fn run_until_cancelled<F: Future>(&self, fut: F) -> Option<F::Output> {
        let mut fut = pin!(fut);
        let mut cancelled = pin!(self.cancelled());
        poll_fn(|cx| {
            if let Poll::Ready(output) = fut.as_mut().poll(cx) {
                return Poll::Ready(Some(output));
            }
            cancelled.as_mut().poll(cx).map(|()| None)
        })
        .await
    }

    /// Like [`run_until_cancelled`](Self::run_until_cancelled), owning the token.
    pub async fn run_until_cancelled_owned<F: Future>(self, fut: F) -> Option<F::Output> {
        self.run_until_cancelled(fut).await
    }
}

// No user code runs under the tree lock (waiters are woken after it is released), so a panic
// cannot leave a token half-updated.
impl std::panic::UnwindSafe for CancellationToken {}
impl std::panic::RefUnwindSafe for CancellationToken {}

impl Default for CancellationToken {
    fn default() -> CancellationToken {
        CancellationToken::new()
    }
}

impl Clone for CancellationToken {
    fn clone(&self) -> CancellationToken {
        // A count; `self` keeps it above zero.
        self.state.handles.fetch_add(1, Ordering::Relaxed);
        CancellationToken {
            tree: self.tree.clone(),
            key: self.key,
            state: self.state.clone(),
        }
    }
}

impl Drop for CancellationToken {
    fn drop(&mut self) {
        // AcqRel: the last drop frees the node after every other handle's use of it.
        if self.state.handles.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.tree.remove(self.key);
        }
    }
}

impl fmt::Debug for CancellationToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CancellationToken")
            .field("is_cancelled", &self.is_cancelled())
            .finish()
    }
}

pin_project! {
    /// The future of [`CancellationToken::cancelled`].
    #[must_use = "futures do nothing unless polled"]
    pub struct WaitForCancellationFuture<'a> {
        token: &'a CancellationToken,
        #[pin]
        notified: Notified<'a>,
    }
}

pin_project! {
    /// The future of [`CancellationToken::cancelled_owned`].
    #[must_use = "futures do nothing unless polled"]
    pub struct WaitForCancellationFutureOwned {
        token: CancellationToken,
        #[pin]
        notified: OwnedNotified,
    }
}

/// Polls until `state` is cancelled; `notified` is always one created before the check, so a
/// cancel after the check wakes it. `renew` makes a fresh one after a wake.
fn poll_cancelled<N: Future<Output = ()>>(
    state: &NodeState,
    mut notified: Pin<&mut N>,
    renew: impl Fn() -> N,
    cx: &mut Context<'_>,
) -> Poll<()> {
    let coop = ready!(coop::poll_proceed(cx));
    loop {
        if state.is_cancelled() {
            coop.made_progress();
            return Poll::Ready(());
        }
        ready!(notified.as_mut().poll(cx));
        notified.set(renew());
    }
}

impl Future for WaitForCancellationFuture<'_> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.project();
        let token: &CancellationToken = this.token;
        poll_cancelled(
            &token.state,
            this.notified,
            || token.state.notify.notified(),
            cx,
        )
    }
}

impl Future for WaitForCancellationFutureOwned {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.project();
        let state = &this.token.state;
        poll_cancelled(
            state,
            this.notified,
            || state.notify.clone().notified_owned(),
            cx,
        )
    }
}

impl fmt::Debug for WaitForCancellationFuture<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WaitForCancellationFuture")
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for WaitForCancellationFutureOwned {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WaitForCancellationFutureOwned")
            .finish_non_exhaustive()
    }
}

#[cfg(all(test, not(loom)))]
mod tests;

#[cfg(all(test, loom))]
mod loom_tests;
