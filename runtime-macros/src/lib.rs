//! The `#[main]` and `#[test]` attributes of the `runtime` crate.
//!
//! Use them through `runtime`, as `#[runtime::main]` and `#[runtime::test]`; this crate is an
//! implementation detail and is not meant to be a direct dependency.
//!
//! Both turn an `async fn` into an ordinary function that builds a runtime and blocks on the
//! function's body:
//!
//! ```ignore
//! #[runtime::main]
//! async fn main() {
//!     println!("hello from the runtime");
//! }
//! ```
//!
//! expands to roughly
//!
//! ```ignore
//! fn main() {
//!     async fn __runtime_async_body() {
//!         println!("hello from the runtime");
//!     }
//!     let body = ::core::pin::pin!(__runtime_async_body());
//!     let body: ::core::pin::Pin<&mut dyn ::core::future::Future<Output = ()>> = body;
//!     let rt = ::runtime::runtime::Builder::new_multi_thread()
//!         .enable_all()
//!         .build()
//!         .expect("failed to build the runtime");
//!     rt.block_on(body)
//! }
//! ```
//!
//! The body keeps its meaning: `return`, `?` and the return type (any type, `Result`
//! included) work as in any `async fn`, and type errors point at the body, not at the
//! attribute. Methods and generic functions, whose body cannot move into a nested function,
//! run it as an `async move` block instead.
//!
//! # Options
//!
//! Both attributes take the same options, written `#[runtime::main(name = value, ...)]`:
//!
//! | option | values | default |
//! | --- | --- | --- |
//! | `flavor` | `"multi_thread"`, `"current_thread"` or `"local"` | `"multi_thread"` for `main`, `"current_thread"` for `test` |
//! | `worker_threads` | an integer literal greater than zero; `multi_thread` only | the runtime's default |
//! | `crate` | a path to the `runtime` crate, as a string: `crate = "my_runtime"` | `"::runtime"` |
//! | `start_paused` | `true` or `false`; needs `runtime`'s `test-util` feature | `false` |
//! | `name` | a string: the runtime's name (`Builder::name`, `Handle::name`) | none |
//! | `unhandled_panic` | `"ignore"` or `"shutdown_runtime"` (`Builder::unhandled_panic`); current-thread flavors only | `"ignore"` |
//!
//! Mistakes are compile errors that name the problem: an unknown option or flavor (the valid
//! ones are listed), an option given twice, a value that is not a literal, `worker_threads
//! = 0`, `worker_threads` with the current-thread flavor, a function without `async`, a test
//! function with arguments.
//!
//! `start_paused = true` builds the runtime with `Builder::start_paused(true)`: the clock
//! stands still and jumps to the next timer whenever the runtime is idle, on either flavor.
//! It needs the `test-util` feature of `runtime` (without it, `start_paused` is not a method
//! of the builder and the compiler says so).

use proc_macro::TokenStream;

mod config;
mod expand;
mod join;
mod select;
mod support;

use config::{Features, Kind};

/// What `#[main]` and `#[test]` may rely on: they name `::runtime` by default, and
/// `unhandled_panic` stays a compile error until `runtime` has the panic policy
/// (`Builder::unhandled_panic`).
const FEATURES: Features = Features {
    crate_name: "runtime",
    unhandled_panic: false,
};

/// The same, for the attributes the `tokio` compat package re-exports as `#[tokio::main]`
/// and `#[tokio::test]`: their expansion names `::tokio`, the crate such a user depends on.
const TOKIO_FEATURES: Features = Features {
    crate_name: "tokio",
    ..FEATURES
};

/// Runs an `async fn` on a runtime: the program's entry point, or any function that should
/// build a runtime of its own and block on its body.
///
/// ```ignore
/// #[runtime::main]
/// async fn main() {
///     let answer = runtime::spawn(async { 6 * 7 }).await.unwrap();
///     println!("{answer}");
/// }
/// ```
///
/// The function may return any type, `Result` included, and use `?` and `return` as in any
/// `async fn`:
///
/// ```ignore
/// use std::error::Error;
///
/// #[runtime::main]
/// async fn main() -> Result<(), Box<dyn Error>> {
///     let port: u16 = std::env::var("PORT")?.parse()?;
///     println!("listening on {port}");
///     Ok(())
/// }
/// ```
///
/// It does not have to be `main`: the function keeps its name, visibility, attributes and
/// arguments, and becomes a synchronous function that blocks until the body finishes.
///
/// ```ignore
/// #[runtime::main(flavor = "current_thread")]
/// pub async fn fetch_all(urls: Vec<String>) -> usize {
///     urls.len()
/// }
///
/// fn main() {
///     assert_eq!(fetch_all(vec!["a".into()]), 1);
/// }
/// ```
///
/// # Options
///
/// - `flavor = "multi_thread"` (the default), `flavor = "current_thread"`, or `flavor =
///   "local"`: a current-thread [`LocalRuntime`], on which `runtime::task::spawn_local` works
///   and tasks need not be `Send` (tokio keeps this flavor unstable; here it is stable).
///
/// [`LocalRuntime`]: https://docs.rs/runtime/latest/runtime/runtime/struct.LocalRuntime.html
/// - `worker_threads = N` with the multi-thread flavor.
/// - `crate = "path"` when the `runtime` crate is not reachable as `::runtime`.
/// - `start_paused = bool`: start with the clock paused (needs `runtime`'s `test-util`
///   feature).
/// - `name = "..."`: the runtime's name, as `Builder::name` sets it.
/// - `unhandled_panic = "ignore"` or `"shutdown_runtime"`: what a panic in a spawned task
///   does, as `Builder::unhandled_panic` sets it; current-thread and local flavors only.
///
/// ```ignore
/// #[runtime::main(flavor = "multi_thread", worker_threads = 4)]
/// async fn main() {}
/// ```
///
/// The runtime is built with every driver enabled (`enable_all()`); building it panics if
/// the operating system refuses the resources it needs.
#[proc_macro_attribute]
pub fn main(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::expand(Kind::Main, FEATURES, args.into(), item.into()).into()
}

/// Runs an `async fn` test on a runtime of its own.
///
/// The function becomes a `#[test]` that builds a current-thread runtime (by default) and
/// blocks on the body. Other attributes, such as `#[should_panic]` and `#[ignore]`, stay in
/// place; the return type may be a `Result`, as for any test.
///
/// ```ignore
/// #[runtime::test]
/// async fn spawned_tasks_finish() {
///     let handle = runtime::spawn(async { 1 + 1 });
///     assert_eq!(handle.await.unwrap(), 2);
/// }
///
/// #[runtime::test]
/// async fn parses() -> Result<(), std::num::ParseIntError> {
///     let n: u32 = "7".parse()?;
///     assert_eq!(n, 7);
///     Ok(())
/// }
///
/// #[runtime::test]
/// #[should_panic(expected = "boom")]
/// async fn panics() {
///     panic!("boom");
/// }
/// ```
///
/// # Options
///
/// The same as [`macro@main`], but the default flavor is `"current_thread"`, so
/// `worker_threads` needs `flavor = "multi_thread"`:
///
/// ```ignore
/// #[runtime::test(flavor = "multi_thread", worker_threads = 2)]
/// async fn on_two_workers() {
///     runtime::task::yield_now().await;
/// }
/// ```
///
/// A test function cannot take arguments, and must not carry a second `#[test]`.
#[proc_macro_attribute]
pub fn test(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::expand(Kind::Test, FEATURES, args.into(), item.into()).into()
}

/// `#[main]` as the `tokio` compat package re-exports it: the same expansion, naming `::tokio`
/// instead of `::runtime` unless `crate = "..."` says otherwise.
#[doc(hidden)]
#[proc_macro_attribute]
pub fn tokio_main(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::expand(Kind::Main, TOKIO_FEATURES, args.into(), item.into()).into()
}

/// `#[test]` as the `tokio` compat package re-exports it (see [`macro@tokio_main`]).
#[doc(hidden)]
#[proc_macro_attribute]
pub fn tokio_test(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::expand(Kind::Test, TOKIO_FEATURES, args.into(), item.into()).into()
}

/// The implementation of `runtime::select!`; use that macro instead.
#[doc(hidden)]
#[proc_macro]
pub fn select_impl(input: TokenStream) -> TokenStream {
    select::expand(input.into()).into()
}

/// The implementation of `runtime::join!`; use that macro instead.
#[doc(hidden)]
#[proc_macro]
pub fn join_impl(input: TokenStream) -> TokenStream {
    join::expand(join::Mode::Join, input.into()).into()
}

/// The implementation of `runtime::try_join!`; use that macro instead.
#[doc(hidden)]
#[proc_macro]
pub fn try_join_impl(input: TokenStream) -> TokenStream {
    join::expand(join::Mode::TryJoin, input.into()).into()
}
