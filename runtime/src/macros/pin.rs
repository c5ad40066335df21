/// Pins values on the stack: `pin!(a, b)` shadows each variable with a `Pin<&mut _>` to it.
///
/// A pinned future can be polled through `&mut`, which is how one future is awaited across
/// the iterations of a loop in [`select!`](crate::select). The `let` form declares and pins
/// in one go.
///
/// # Examples
///
/// ```
/// # runtime::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let work = async { 42 };
/// runtime::pin!(work);
/// // `work` is now a `Pin<&mut impl Future>`, which is `Unpin`: `&mut work` is a future.
/// assert_eq!((&mut work).await, 42);
///
/// runtime::pin! {
///     let a = async { 1 };
///     let b = async { 2 };
/// }
/// assert_eq!(a.await + b.await, 3);
/// # });
/// ```
#[macro_export]
macro_rules! pin {
    ($($name:ident),* $(,)?) => {
        $(
            #[allow(unused_mut)]
            let mut $name = ::core::pin::pin!($name);
        )*
    };
    ($(let $name:ident = $init:expr;)*) => {
        $(
            #[allow(unused_mut)]
            let mut $name = ::core::pin::pin!($init);
        )*
    };
    ($($other:tt)*) => {
        ::core::compile_error!(
            "`pin!` takes variable names, `pin!(a, b)`, or `let` statements, \
             `pin! { let a = future; }`"
        )
    };
}
