/// Waits on several futures at once and runs the handler of the first one to complete,
/// dropping the others.
///
/// ```text
/// select! {
///     <pattern> = <async expression> (, if <precondition>)? => <handler>,
///     ...
///     (else => <expression>)?
/// }
/// ```
///
/// What happens, in order:
///
/// 1. Every `<precondition>` is evaluated; a branch whose precondition is `false` is
///    *disabled* for this `select!`.
/// 2. Every `<async expression>` is evaluated (disabled branches' too) and turned into a
///    future with `IntoFuture`. Futures are pinned on the stack, so `&mut fut` works for any
///    `fut: Future + Unpin` (pin it with [`pin!`](crate::pin) first), which is how a future
///    is kept across the iterations of a loop.
/// 3. The enabled futures are polled, starting from a random branch each time, so that in a
///    loop no branch can starve the others. With `biased;` as the first line they are polled
///    in the order they are written instead.
/// 4. When a future completes, its output is matched against the branch's `<pattern>`. If
///    it matches, every other future is dropped and the `<handler>` runs, with the pattern's
///    bindings in scope; its value is the value of the `select!`. If it does not match, the
///    branch is disabled and the others are polled on.
/// 5. When every branch is disabled, the `else` expression runs; without an `else`, the
///    `select!` panics. A `select!` with nothing but `else` is its `else` expression.
///
/// Handlers run outside the poll, in the surrounding `async` code: `.await`, `?`, `return`,
/// and `break`/`continue` of an enclosing loop work in them.
///
/// `select!` checks the cooperative budget before polling: a task that has spent it yields
/// here even if a branch is ready, as with tokio.
///
/// # Cancellation
///
/// The futures that lose are dropped; whatever they had in flight is cancelled. Use futures
/// that are cancellation-safe (a channel `recv`, a `JoinHandle`, `sleep`) in loops, or keep
/// one future across iterations with `&mut`.
///
/// # Examples
///
/// The first of two tasks to finish:
///
/// ```
/// # runtime::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let fast = runtime::spawn(async { "fast" });
/// let slow = runtime::spawn(std::future::pending::<&str>());
/// let winner = runtime::select! {
///     out = fast => out.unwrap(),
///     out = slow => out.unwrap(),
/// };
/// assert_eq!(winner, "fast");
/// # });
/// ```
///
/// A loop over two channels that stops when both are closed, with a precondition and
/// `else`:
///
/// ```
/// use runtime::sync::oneshot;
///
/// # runtime::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let (tx1, mut rx1) = oneshot::channel::<u32>();
/// let (tx2, mut rx2) = oneshot::channel::<u32>();
/// tx1.send(1).unwrap();
/// tx2.send(2).unwrap();
/// let (mut done1, mut done2) = (false, false);
/// let mut sum = 0;
/// loop {
///     runtime::select! {
///         Ok(v) = &mut rx1, if !done1 => { sum += v; done1 = true; }
///         Ok(v) = &mut rx2, if !done2 => { sum += v; done2 = true; }
///         else => break,
///     }
/// }
/// assert_eq!(sum, 3);
/// # });
/// ```
#[macro_export]
macro_rules! select {
    ($($tokens:tt)*) => {
        $crate::macros::support::select_impl!(($crate) $($tokens)*)
    };
}
