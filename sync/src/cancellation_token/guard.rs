//! Guards that cancel a token when dropped.

use super::CancellationToken;

/// Cancels its token when dropped, unless [disarmed](DropGuard::disarm). Made by
/// [`CancellationToken::drop_guard`].
///
/// # Examples
///
/// ```
/// use runtime_sync::CancellationToken;
///
/// let token = CancellationToken::new();
/// let watcher = token.clone();
/// {
///     let _guard = token.drop_guard();
/// }
/// assert!(watcher.is_cancelled());
/// ```
#[derive(Debug)]
#[must_use = "the token is cancelled as soon as the guard is dropped"]
pub struct DropGuard {
    token: Option<CancellationToken>,
}

impl DropGuard {
    pub(super) fn new(token: CancellationToken) -> DropGuard {
        DropGuard { token: Some(token) }
    }

    /// Gives the token back without cancelling it.
    pub fn disarm(mut self) -> CancellationToken {
        self.token
            .take()
            .expect("a guard holds its token until dropped or disarmed")
    }
}

impl Drop for DropGuard {
    fn drop(&mut self) {
        if let Some(token) = &self.token {
            token.cancel();
        }
    }
}

/// Cancels the token it borrows when dropped, unless [disarmed](DropGuardRef::disarm). Made
/// by [`CancellationToken::drop_guard_ref`].
#[derive(Debug)]
#[must_use = "the token is cancelled as soon as the guard is dropped"]
pub struct DropGuardRef<'a> {
    token: Option<&'a CancellationToken>,
}

impl<'a> DropGuardRef<'a> {
    pub(super) fn new(token: &'a CancellationToken) -> DropGuardRef<'a> {
        DropGuardRef { token: Some(token) }
    }

    /// Gives the borrow back without cancelling the token.
    pub fn disarm(mut self) -> &'a CancellationToken {
        self.token
            .take()
            .expect("a guard holds its token until dropped or disarmed")
    }
}

impl Drop for DropGuardRef<'_> {
    fn drop(&mut self) {
        if let Some(token) = self.token {
            token.cancel();
        }
    }
}
