/// Waits for several futures concurrently and returns all their outputs, as a tuple.
///
/// The futures run concurrently on the *current task* (not in parallel: use
/// [`spawn`](crate::spawn) for that). Each poll of the `join!` polls every future that is not
/// done yet, starting one further along each time, so none is starved when the budget runs
/// out; `biased;` as the first line polls them in the order they are written. Anything that
/// implements `IntoFuture` is accepted.
///
/// `join!()` with no futures returns `()`.
///
/// # Examples
///
/// ```
/// # runtime::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// async fn double(x: u32) -> u32 { x * 2 }
///
/// let (a, b, c) = runtime::join!(double(1), double(2), async { "three" });
/// assert_eq!((a, b, c), (2, 4, "three"));
/// # });
/// ```
#[macro_export]
macro_rules! join {
    ($($tokens:tt)*) => {
        $crate::macros::support::join_impl!(($crate) $($tokens)*)
    };
}

/// Waits for several fallible futures concurrently: all their `Ok` values as a tuple, or the
/// first error.
///
/// Every future must return a `Result` with the same error type. As soon as one returns
/// `Err`, `try_join!` returns that error and drops the other futures (cancelling them);
/// otherwise it returns `Ok` of the tuple of values. Polling order is as for
/// [`join!`](crate::join), `biased;` included.
///
/// # Examples
///
/// ```
/// # runtime::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// async fn parse(s: &str) -> Result<u32, std::num::ParseIntError> { s.parse() }
///
/// let ok = runtime::try_join!(parse("1"), parse("2"));
/// assert_eq!(ok, Ok((1, 2)));
///
/// let failed = runtime::try_join!(parse("1"), parse("two"), std::future::pending::<Result<(), _>>());
/// assert!(failed.is_err());
/// # });
/// ```
#[macro_export]
macro_rules! try_join {
    ($($tokens:tt)*) => {
        $crate::macros::support::try_join_impl!(($crate) $($tokens)*)
    };
}
