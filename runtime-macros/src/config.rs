//! Parsing the options of `#[main(...)]` and `#[test(...)]` into a [`Config`].
//!
//! Every option is `name = literal`. Parsing never stops at the first mistake: it collects
//! one error per bad option (combined into a single `syn::Error`) and still returns the
//! options that were valid, so the expansion can stay close to what the user asked for while
//! the errors are reported.

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;
use syn::ext::IdentExt;
use syn::parse::{Parse, ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::{Expr, Ident, Lit, Token};

/// Which of the two attributes is being expanded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// `#[main]`: defaults to the multi-thread flavor.
    Main,
    /// `#[test]`: defaults to the current-thread flavor and registers a test.
    Test,
}

impl Kind {
    /// The attribute as users write it, for error messages.
    pub(crate) fn attribute(self) -> &'static str {
        match self {
            Kind::Main => "`#[runtime::main]`",
            Kind::Test => "`#[runtime::test]`",
        }
    }

    /// The flavor used when no `flavor` option is given.
    pub(crate) fn default_flavor(self) -> Flavor {
        match self {
            Kind::Main => Flavor::MultiThread,
            Kind::Test => Flavor::CurrentThread,
        }
    }
}

/// The scheduler a generated runtime uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Flavor {
    /// `flavor = "multi_thread"`.
    MultiThread,
    /// `flavor = "current_thread"`.
    CurrentThread,
    /// `flavor = "local"`: a current-thread `LocalRuntime`, where `spawn_local` works.
    Local,
}

impl Flavor {
    /// Every flavor, in the order error messages list them.
    const ALL: [Flavor; 3] = [Flavor::MultiThread, Flavor::CurrentThread, Flavor::Local];

    /// The string users write after `flavor =`.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Flavor::MultiThread => "multi_thread",
            Flavor::CurrentThread => "current_thread",
            Flavor::Local => "local",
        }
    }

    fn from_name(name: &str) -> Option<Flavor> {
        Flavor::ALL.into_iter().find(|flavor| flavor.name() == name)
    }

    /// A flavor the user probably meant by `name` (`"multi-thread"`, `"CurrentThread"`, ...).
    fn guess(name: &str) -> Option<Flavor> {
        let squash = |s: &str| -> String {
            s.chars()
                .filter(|c| c.is_alphanumeric())
                .flat_map(char::to_lowercase)
                .collect()
        };
        let wanted = squash(name);
        Flavor::ALL
            .into_iter()
            .find(|flavor| squash(flavor.name()) == wanted)
    }
}

/// What the expansion may rely on: the default crate path, and whether the parts of `runtime`
/// that have not landed yet (today only the panic policy) exist; see `FEATURES` in `lib.rs`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Features {
    /// The crate the attribute is reached through when no `crate = "..."` is given:
    /// `"runtime"` for `#[runtime::main]`, `"tokio"` for the compat package's
    /// `#[tokio::main]`, so the expansion names only a crate the user depends on.
    pub(crate) crate_name: &'static str,
    /// `Builder::unhandled_panic` (the panic policy) exists; until it does, the
    /// `unhandled_panic` option is a compile error that says so.
    pub(crate) unhandled_panic: bool,
}

/// The options of one attribute, after validation.
#[derive(Clone)]
pub(crate) struct Config {
    /// The flavor asked for (or the default of the attribute).
    pub(crate) flavor: Flavor,
    /// `worker_threads = N`, with the span of `N`.
    pub(crate) worker_threads: Option<(usize, Span)>,
    /// `start_paused = bool`.
    pub(crate) start_paused: Option<bool>,
    /// The path to the runtime crate: `::runtime` unless `crate = "..."` says otherwise.
    pub(crate) crate_path: syn::Path,
    /// `name = "..."`: the runtime's name (`Builder::name`).
    pub(crate) name: Option<syn::LitStr>,
    /// `unhandled_panic = "..."`: what a panic in a spawned task does
    /// (`Builder::unhandled_panic`); current-thread flavors only, as tokio's.
    pub(crate) unhandled_panic: Option<UnhandledPanic>,
}

/// The values of `unhandled_panic`, as tokio's `runtime::UnhandledPanic`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum UnhandledPanic {
    /// `"ignore"`: the panic reaches the task's `JoinHandle` only.
    Ignore,
    /// `"shutdown_runtime"`: the runtime shuts down and `block_on` panics.
    ShutdownRuntime,
}

impl UnhandledPanic {
    const ALL: [UnhandledPanic; 2] = [UnhandledPanic::Ignore, UnhandledPanic::ShutdownRuntime];

    /// The string users write after `unhandled_panic =`.
    fn name(self) -> &'static str {
        match self {
            UnhandledPanic::Ignore => "ignore",
            UnhandledPanic::ShutdownRuntime => "shutdown_runtime",
        }
    }

    /// The variant of `runtime::UnhandledPanic` it stands for.
    pub(crate) fn variant(self) -> &'static str {
        match self {
            UnhandledPanic::Ignore => "Ignore",
            UnhandledPanic::ShutdownRuntime => "ShutdownRuntime",
        }
    }
}

impl Config {
    /// The configuration of an attribute written without options.
    pub(crate) fn default_for(kind: Kind, features: Features) -> Config {
        let krate = Ident::new(features.crate_name, Span::call_site());
        Config {
            flavor: kind.default_flavor(),
            worker_threads: None,
            start_paused: None,
            crate_path: syn::parse_quote!(::#krate),
            name: None,
            unhandled_panic: None,
        }
    }
}

/// The names of the options, in the order error messages list them.
const OPTIONS: [&str; 6] = [
    "flavor",
    "worker_threads",
    "start_paused",
    "crate",
    "name",
    "unhandled_panic",
];

/// One `name` or `name = value` item of the attribute's arguments.
struct RawOption {
    name: Ident,
    value: Option<(Token![=], Expr)>,
}

impl ToTokens for RawOption {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        self.name.to_tokens(tokens);
        if let Some((eq, value)) = &self.value {
            eq.to_tokens(tokens);
            value.to_tokens(tokens);
        }
    }
}

impl Parse for RawOption {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        // `parse_any` so that the keyword `crate` is accepted as an option name.
        let name = Ident::parse_any(input).map_err(|err| {
            syn::Error::new(
                err.span(),
                format!(
                    "expected an option such as `flavor = \"current_thread\"`; \
                     the options are {}",
                    list(&OPTIONS)
                ),
            )
        })?;
        let value = if input.peek(Token![=]) {
            Some((input.parse()?, input.parse()?))
        } else {
            None
        };
        Ok(RawOption { name, value })
    }
}

/// The result of parsing: what was valid, and the errors for what was not.
pub(crate) struct Parsed {
    /// The configuration built from the valid options (defaults for the rest).
    pub(crate) config: Config,
    /// Every problem found, combined; `None` when the options are fine.
    pub(crate) error: Option<syn::Error>,
}

/// Parses the tokens between the attribute's parentheses.
pub(crate) fn parse(kind: Kind, features: Features, args: TokenStream) -> Parsed {
    let mut config = Config::default_for(kind, features);
    let options = match Punctuated::<RawOption, Token![,]>::parse_terminated.parse2(args) {
        Ok(options) => options,
        Err(error) => {
            return Parsed {
                config,
                error: Some(error),
            }
        }
    };

    let mut errors = Errors::default();
    let mut seen: Vec<String> = Vec::new();
    // For the check of `worker_threads` against the flavor, once every option is read:
    // whether the flavor was written out, and the `worker_threads` option itself.
    let mut explicit_flavor = false;
    let mut worker_threads_option = None;
    let mut unhandled_panic_option = None;

    for option in &options {
        let name = option.name.unraw().to_string();
        if !OPTIONS.contains(&name.as_str()) {
            errors.push(unknown_option(&option.name, &name));
            continue;
        }
        if seen.contains(&name) {
            errors.push(syn::Error::new(
                option.name.span(),
                format!("the option `{name}` is given more than once"),
            ));
            continue;
        }
        seen.push(name.clone());

        let Some((_, value)) = &option.value else {
            errors.push(syn::Error::new(
                option.name.span(),
                format!("the option `{name}` needs a value: `{}`", example(&name)),
            ));
            continue;
        };
        let lit = literal(value);

        match name.as_str() {
            "flavor" => match lit {
                Some(Lit::Str(s)) => {
                    let written = s.value();
                    match Flavor::from_name(&written) {
                        Some(flavor) => {
                            config.flavor = flavor;
                            explicit_flavor = true;
                        }
                        None => errors.push(unknown_flavor(s.span(), &written)),
                    }
                }
                _ => errors.push(not_a_literal(value, "flavor", "a string literal")),
            },
            "worker_threads" => match lit {
                Some(Lit::Int(int)) => match int.base10_parse::<usize>() {
                    Ok(0) => errors.push(syn::Error::new(
                        int.span(),
                        "`worker_threads` must be greater than zero",
                    )),
                    Ok(n) => {
                        config.worker_threads = Some((n, int.span()));
                        worker_threads_option = Some(option);
                    }
                    Err(err) => errors.push(syn::Error::new(
                        int.span(),
                        format!("`worker_threads` must be a positive integer: {err}"),
                    )),
                },
                _ => errors.push(not_a_literal(value, "worker_threads", "an integer literal")),
            },
            "start_paused" => match lit {
                Some(Lit::Bool(b)) => config.start_paused = Some(b.value),
                _ => errors.push(not_a_literal(value, "start_paused", "`true` or `false`")),
            },
            "crate" => match lit {
                Some(Lit::Str(s)) => match s.parse::<syn::Path>() {
                    Ok(path) => config.crate_path = path,
                    Err(_) => errors.push(syn::Error::new(
                        s.span(),
                        format!(
                            "`crate` must name a path to the runtime crate, \
                             such as `crate = \"runtime\"`, not {:?}",
                            s.value()
                        ),
                    )),
                },
                _ => errors.push(not_a_literal(value, "crate", "a string literal")),
            },
            "name" => match lit {
                Some(Lit::Str(s)) => config.name = Some(s.clone()),
                _ => errors.push(not_a_literal(value, "name", "a string literal")),
            },
            "unhandled_panic" => match lit {
                Some(Lit::Str(s)) => {
                    let written = s.value();
                    match UnhandledPanic::ALL
                        .into_iter()
                        .find(|choice| choice.name() == written)
                    {
                        Some(_) if !features.unhandled_panic => errors.push(syn::Error::new(
                            s.span(),
                            "`unhandled_panic` needs the runtime's panic policy \
                             (`Builder::unhandled_panic`), which has not landed in `runtime` \
                             yet; remove this option (a panicking task's `JoinHandle` reports \
                             the panic as a `JoinError`)",
                        )),
                        Some(choice) => {
                            config.unhandled_panic = Some(choice);
                            unhandled_panic_option = Some(option);
                        }
                        None => errors.push(syn::Error::new(
                            s.span(),
                            format!(
                                "unknown `unhandled_panic` value {written:?}; the values are \
                                 \"ignore\" and \"shutdown_runtime\""
                            ),
                        )),
                    }
                }
                _ => errors.push(not_a_literal(value, "unhandled_panic", "a string literal")),
            },
            _ => unreachable!("every name in OPTIONS is handled"),
        }
    }

    if let Some(option) = worker_threads_option {
        if config.flavor != Flavor::MultiThread {
            let message = if explicit_flavor {
                format!(
                    "`worker_threads` cannot be used with `flavor = \"{}\"`, which runs \
                     everything on the calling thread; use `flavor = \"multi_thread\"` or \
                     remove `worker_threads`",
                    config.flavor.name()
                )
            } else {
                format!(
                    "`worker_threads` needs `flavor = \"multi_thread\"`: {} runs on the \
                     current-thread flavor by default; add `flavor = \"multi_thread\"` or \
                     remove `worker_threads`",
                    kind.attribute()
                )
            };
            errors.push(syn::Error::new_spanned(option, message));
            config.worker_threads = None;
        }
    }

    if let Some(option) = unhandled_panic_option {
        if config.flavor == Flavor::MultiThread {
            errors.push(syn::Error::new_spanned(
                option,
                format!(
                    "`unhandled_panic` needs a current-thread runtime: add \
                     `flavor = \"current_thread\"` to {}, or remove `unhandled_panic`",
                    kind.attribute()
                ),
            ));
            config.unhandled_panic = None;
        }
    }

    Parsed {
        config,
        error: errors.finish(),
    }
}

/// Several errors folded into one `syn::Error`, which renders as one `compile_error!` each.
#[derive(Default)]
pub(crate) struct Errors(Option<syn::Error>);

impl Errors {
    pub(crate) fn push(&mut self, error: syn::Error) {
        match &mut self.0 {
            Some(all) => all.combine(error),
            None => self.0 = Some(error),
        }
    }

    pub(crate) fn finish(self) -> Option<syn::Error> {
        self.0
    }
}

/// The literal in `value`, looking through the invisible groups a `macro_rules!` adds.
fn literal(value: &Expr) -> Option<&Lit> {
    match value {
        Expr::Lit(lit) => Some(&lit.lit),
        Expr::Group(group) => literal(&group.expr),
        _ => None,
    }
}

fn unknown_option(ident: &Ident, name: &str) -> syn::Error {
    let mut message = format!("unknown option `{name}`");
    if let Some(flavor) = Flavor::guess(name) {
        message.push_str(&format!(
            "; to choose the flavor, write `flavor = \"{}\"`",
            flavor.name()
        ));
    }
    message.push_str(&format!("; the options are {}", list(&OPTIONS)));
    syn::Error::new(ident.span(), message)
}

fn unknown_flavor(span: Span, written: &str) -> syn::Error {
    let names: Vec<&str> = Flavor::ALL.iter().map(|f| f.name()).collect();
    let mut message = format!("unknown flavor {written:?}");
    if let Some(flavor) = Flavor::guess(written) {
        message.push_str(&format!("; did you mean \"{}\"?", flavor.name()));
    }
    message.push_str(&format!("; the flavors are {}", quoted_list(&names)));
    syn::Error::new(span, message)
}

fn not_a_literal(value: &Expr, name: &str, wanted: &str) -> syn::Error {
    let mut message = format!("the option `{name}` takes {wanted}");
    // `flavor = current_thread` is a likely slip: suggest the quoted form.
    if let Expr::Path(path) = value {
        if let Some(ident) = path.path.get_ident() {
            if name == "flavor" || name == "crate" {
                message.push_str(&format!(": `{name} = \"{ident}\"`"));
                return syn::Error::new_spanned(value, message);
            }
        }
    }
    message.push_str(&format!(", such as `{}`", example(name)));
    syn::Error::new_spanned(value, message)
}

/// An example of the option `name` written correctly.
fn example(name: &str) -> &'static str {
    match name {
        "flavor" => "flavor = \"multi_thread\"",
        "worker_threads" => "worker_threads = 4",
        "start_paused" => "start_paused = true",
        "name" => "name = \"my-runtime\"",
        "unhandled_panic" => "unhandled_panic = \"shutdown_runtime\"",
        _ => "crate = \"runtime\"",
    }
}

/// `` `a`, `b` and `c` ``
fn list(names: &[&str]) -> String {
    join(names.iter().map(|name| format!("`{name}`")).collect())
}

/// `"a" and "b"`
fn quoted_list(names: &[&str]) -> String {
    join(names.iter().map(|name| format!("\"{name}\"")).collect())
}

fn join(mut items: Vec<String>) -> String {
    match items.len() {
        0 => String::new(),
        1 => items.remove(0),
        _ => {
            let last = items.pop().unwrap_or_default();
            format!("{} and {last}", items.join(", "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    const FEATURES: Features = Features {
        crate_name: "runtime",
        unhandled_panic: true,
    };

    fn ok(kind: Kind, args: TokenStream) -> Config {
        let parsed = parse(kind, FEATURES, args);
        if let Some(error) = parsed.error {
            panic!("unexpected error: {error}");
        }
        parsed.config
    }

    /// The messages of all errors for `args`.
    fn errors(kind: Kind, features: Features, args: TokenStream) -> Vec<String> {
        let error = parse(kind, features, args)
            .error
            .expect("the options should be rejected");
        error.into_iter().map(|e| e.to_string()).collect()
    }

    fn error(kind: Kind, args: TokenStream) -> String {
        let mut all = errors(kind, FEATURES, args);
        assert_eq!(all.len(), 1, "expected exactly one error: {all:?}");
        all.remove(0)
    }

    fn path(config: &Config) -> String {
        config.crate_path.to_token_stream().to_string()
    }

    #[test]
    fn defaults() {
        let main = ok(Kind::Main, quote!());
        assert_eq!(main.flavor, Flavor::MultiThread);
        assert!(main.worker_threads.is_none());
        assert!(main.start_paused.is_none());
        assert_eq!(path(&main), ":: runtime");

        let test = ok(Kind::Test, quote!());
        assert_eq!(test.flavor, Flavor::CurrentThread);
    }

    #[test]
    fn all_options() {
        let config = ok(
            Kind::Main,
            quote!(
                flavor = "multi_thread",
                worker_threads = 3,
                crate = "my::rt",
            ),
        );
        assert_eq!(config.flavor, Flavor::MultiThread);
        assert_eq!(config.worker_threads.map(|(n, _)| n), Some(3));
        assert_eq!(path(&config), "my :: rt");

        let config = ok(Kind::Main, quote!(flavor = "current_thread"));
        assert_eq!(config.flavor, Flavor::CurrentThread);

        let config = ok(
            Kind::Test,
            quote!(flavor = "multi_thread", worker_threads = 2),
        );
        assert_eq!(config.flavor, Flavor::MultiThread);
        assert_eq!(config.worker_threads.map(|(n, _)| n), Some(2));

        // `main` defaults to multi_thread, so worker_threads alone is fine.
        let config = ok(Kind::Main, quote!(worker_threads = 1));
        assert_eq!(config.worker_threads.map(|(n, _)| n), Some(1));
    }

    #[test]
    fn crate_accepts_absolute_paths() {
        let config = ok(Kind::Test, quote!(crate = "::runtime"));
        assert_eq!(path(&config), ":: runtime");
    }

    #[test]
    fn start_paused() {
        let config = ok(Kind::Test, quote!(start_paused = true));
        assert_eq!(config.start_paused, Some(true));
        let config = ok(Kind::Main, quote!(start_paused = false));
        assert_eq!(config.start_paused, Some(false));
    }

    #[test]
    fn unknown_option_is_named_with_the_valid_ones() {
        let message = error(Kind::Main, quote!(threads = 4));
        assert_eq!(
            message,
            "unknown option `threads`; the options are `flavor`, `worker_threads`, \
             `start_paused`, `crate`, `name` and `unhandled_panic`"
        );
        let message = error(Kind::Main, quote!(multi_thread));
        assert!(
            message.contains("write `flavor = \"multi_thread\"`"),
            "{message}"
        );
    }

    #[test]
    fn unknown_flavor_lists_the_flavors() {
        let message = error(Kind::Main, quote!(flavor = "work_stealing"));
        assert_eq!(
            message,
            "unknown flavor \"work_stealing\"; the flavors are \"multi_thread\", \
             \"current_thread\" and \"local\""
        );
        let message = error(Kind::Main, quote!(flavor = "current-thread"));
        assert!(
            message.contains("did you mean \"current_thread\"?"),
            "{message}"
        );
    }

    #[test]
    fn worker_threads_with_current_thread() {
        let message = error(
            Kind::Main,
            quote!(flavor = "current_thread", worker_threads = 2),
        );
        assert!(
            message
                .starts_with("`worker_threads` cannot be used with `flavor = \"current_thread\"`"),
            "{message}"
        );
        assert!(
            message.contains("use `flavor = \"multi_thread\"`"),
            "{message}"
        );
        assert!(message.contains("remove `worker_threads`"), "{message}");
        // The order of the options does not matter.
        let message = error(
            Kind::Main,
            quote!(worker_threads = 2, flavor = "current_thread"),
        );
        assert!(message.contains("cannot be used with"), "{message}");

        // #[test] defaults to current_thread: the message says so.
        let message = error(Kind::Test, quote!(worker_threads = 2));
        assert!(message.contains("`#[runtime::test]` runs on the current-thread flavor by default"));
        assert!(
            message.contains("add `flavor = \"multi_thread\"`"),
            "{message}"
        );
    }

    #[test]
    fn worker_threads_must_be_positive() {
        assert_eq!(
            error(Kind::Main, quote!(worker_threads = 0)),
            "`worker_threads` must be greater than zero"
        );
        let message = error(Kind::Main, quote!(worker_threads = -1));
        assert!(message.contains("takes an integer literal"), "{message}");
    }

    #[test]
    fn duplicated_options() {
        let message = error(
            Kind::Main,
            quote!(flavor = "multi_thread", flavor = "current_thread"),
        );
        assert_eq!(message, "the option `flavor` is given more than once");
        let message = error(Kind::Main, quote!(crate = "a", crate = "a"));
        assert_eq!(message, "the option `crate` is given more than once");
    }

    #[test]
    fn values_must_be_literals() {
        let message = error(Kind::Main, quote!(flavor = current_thread));
        assert_eq!(
            message,
            "the option `flavor` takes a string literal: `flavor = \"current_thread\"`"
        );
        let message = error(Kind::Main, quote!(worker_threads = N));
        assert_eq!(
            message,
            "the option `worker_threads` takes an integer literal, such as `worker_threads = 4`"
        );
        let message = error(Kind::Main, quote!(worker_threads = "4"));
        assert!(message.contains("takes an integer literal"), "{message}");
        let message = error(Kind::Main, quote!(crate = runtime));
        assert_eq!(
            message,
            "the option `crate` takes a string literal: `crate = \"runtime\"`"
        );
        let message = error(Kind::Main, quote!(crate = "not a path"));
        assert!(message.contains("must name a path"), "{message}");
        let message = error(Kind::Test, quote!(start_paused = 1));
        assert!(message.contains("takes `true` or `false`"), "{message}");
    }

    #[test]
    fn options_need_values() {
        let message = error(Kind::Main, quote!(flavor));
        assert_eq!(
            message,
            "the option `flavor` needs a value: `flavor = \"multi_thread\"`"
        );
    }

    #[test]
    fn every_bad_option_is_reported() {
        let all = errors(
            Kind::Main,
            FEATURES,
            quote!(
                flavor = "x",
                worker_threads = 0,
                bogus = 1,
                start_paused = 1
            ),
        );
        assert_eq!(all.len(), 4, "{all:?}");
    }

    #[test]
    fn unhandled_panic_is_refused_until_the_panic_policy_lands() {
        let without = Features {
            unhandled_panic: false,
            ..FEATURES
        };
        let message = parse(Kind::Test, without, quote!(unhandled_panic = "ignore"))
            .error
            .expect("an error")
            .to_string();
        assert!(message.contains("has not landed"), "{message}");
    }

    #[test]
    fn name_and_unhandled_panic() {
        let config = ok(
            Kind::Test,
            quote!(name = "a valid runtime name", unhandled_panic = "ignore"),
        );
        assert_eq!(
            config.name.map(|name| name.value()).as_deref(),
            Some("a valid runtime name")
        );
        assert_eq!(config.unhandled_panic, Some(UnhandledPanic::Ignore));
        let config = ok(
            Kind::Main,
            quote!(flavor = "local", unhandled_panic = "shutdown_runtime"),
        );
        assert_eq!(
            config.unhandled_panic,
            Some(UnhandledPanic::ShutdownRuntime)
        );

        let message = error(Kind::Test, quote!(unhandled_panic = "abort"));
        assert_eq!(
            message,
            "unknown `unhandled_panic` value \"abort\"; the values are \"ignore\" and \
             \"shutdown_runtime\""
        );
        let message = error(Kind::Test, quote!(name = my_runtime));
        assert!(message.contains("takes a string literal"), "{message}");
        // As tokio's: only current-thread runtimes take it (`main` is multi-thread by
        // default).
        let message = error(Kind::Main, quote!(unhandled_panic = "ignore"));
        assert!(
            message.starts_with("`unhandled_panic` needs a current-thread runtime"),
            "{message}"
        );
        let message = error(
            Kind::Test,
            quote!(flavor = "multi_thread", unhandled_panic = "ignore"),
        );
        assert!(
            message.contains("add `flavor = \"current_thread\"`"),
            "{message}"
        );
    }

    #[test]
    fn valid_options_survive_errors() {
        let parsed = parse(Kind::Main, FEATURES, quote!(crate = "rt", bogus = 1));
        assert!(parsed.error.is_some());
        assert_eq!(path(&parsed.config), "rt");
    }

    #[test]
    fn malformed_arguments() {
        let all = errors(
            Kind::Main,
            FEATURES,
            quote!(flavor = "multi_thread" worker_threads = 2),
        );
        assert!(!all.is_empty());
        let all = errors(Kind::Main, FEATURES, quote!("multi_thread"));
        assert!(all[0].contains("expected an option"), "{all:?}");
    }
}
