//! The expansion of `#[main]` and `#[test]`: checks on the function, then the generated code.
//!
//! Two shapes of generated code, chosen by [`is_plain`]:
//!
//! - A *plain* function (no generics, no `self`, no `Self`, simple argument names; every
//!   `main` and nearly every test) keeps its body in a nested `async fn` with the user's own
//!   signature. The compiler then checks the body exactly as it checks any `async fn`:
//!   the tail expression, every `return` and every `?` against the declared return type, with
//!   errors pointing at the user's code.
//! - Any other function (a method, a generic function) cannot move its body into a nested
//!   item, which would lose `Self`, the receiver and the generic parameters, so its body
//!   becomes an `async move` block whose tail is checked against the declared return type.
//!
//! Both then pin the future on the stack, erase it to `Pin<&mut dyn Future<Output = R>>`
//! when `R` can be named (so every test of a crate shares one `block_on` instance), build
//! the runtime and `block_on` the future.

use proc_macro2::{Ident, Literal, Span, TokenStream, TokenTree};
use quote::{quote, quote_spanned, ToTokens};
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{FnArg, ItemFn, Pat, ReturnType, Token};

use crate::config::{self, Config, Errors, Features, Flavor, Kind};

/// The name of the nested `async fn` that holds the body of a plain function.
const BODY_FN: &str = "__runtime_async_body";

/// Expands one attribute: `args` is what stands between its parentheses, `item` the function.
///
/// On any error the output is the error plus the closest expansion we can make, so that the
/// user sees our message rather than follow-on errors (`main` not found, `async fn main`).
pub(crate) fn expand(
    kind: Kind,
    features: Features,
    args: TokenStream,
    item: TokenStream,
) -> TokenStream {
    let input = match syn::parse2::<ItemFn>(item.clone()) {
        Ok(input) => input,
        Err(error) => return not_a_function(kind, error, item),
    };

    let parsed = config::parse(kind, features, args);
    let mut errors = Errors::default();
    if let Some(error) = parsed.error {
        errors.push(error);
    }
    check_function(kind, &input, &mut errors);

    match errors.finish() {
        None => generate(kind, &input, &parsed.config),
        Some(error) => {
            let mut fallback = input;
            if kind == Kind::Test && !fallback.sig.inputs.is_empty() {
                // Registering it as a test would add the compiler's own complaint about the
                // arguments to ours; keep the function, unregistered.
                let mut out = quote!(#[allow(dead_code)]);
                out.extend(generate(Kind::Main, &fallback, &parsed.config));
                out.extend(error.to_compile_error());
                return out;
            }
            fallback.attrs.retain(|attr| !is_builtin_test(attr));
            let mut out = generate(kind, &fallback, &parsed.config);
            out.extend(error.to_compile_error());
            out
        }
    }
}

/// The error for an item that is not a function; the item is passed through untouched.
fn not_a_function(kind: Kind, error: syn::Error, item: TokenStream) -> TokenStream {
    let error = match syn::parse2::<syn::Item>(item.clone()) {
        // A whole item, but not a function: say what the attribute applies to.
        Ok(other) => syn::Error::new_spanned(
            item_head(&other),
            format!("{} can only be applied to an `async fn`", kind.attribute()),
        ),
        Err(_) => error,
    };
    let mut out = error.to_compile_error();
    out.extend(item);
    out
}

/// The tokens that introduce an item (`struct Name`, `impl Type`, ...), for an error span.
fn item_head(item: &syn::Item) -> TokenStream {
    let tokens = item.to_token_stream();
    let mut head = TokenStream::new();
    for tree in tokens {
        // Stop at the body or the field list.
        if matches!(tree, TokenTree::Group(ref g) if g.delimiter() != proc_macro2::Delimiter::Bracket)
        {
            break;
        }
        head.extend([tree]);
    }
    if head.is_empty() {
        item.to_token_stream()
    } else {
        head
    }
}

/// Checks the function itself; every problem is pushed to `errors`.
fn check_function(kind: Kind, input: &ItemFn, errors: &mut Errors) {
    if input.sig.asyncness.is_none() {
        errors.push(syn::Error::new_spanned(
            input.sig.fn_token,
            "the `async` keyword is missing from the function declaration",
        ));
    }
    if kind == Kind::Test {
        if !input.sig.inputs.is_empty() {
            errors.push(syn::Error::new_spanned(
                &input.sig.inputs,
                format!(
                    "{} functions cannot take arguments: the test harness calls them \
                     with none",
                    kind.attribute()
                ),
            ));
        }
        for attr in input.attrs.iter().filter(|attr| is_builtin_test(attr)) {
            errors.push(syn::Error::new_spanned(
                attr,
                format!(
                    "a second test attribute: {} already registers the function as a test, \
                     so remove this one",
                    kind.attribute()
                ),
            ));
        }
    }
}

/// `#[test]`, `#[core::prelude::v1::test]`, `#[::std::prelude::rust_2021::test]`, ...
fn is_builtin_test(attr: &syn::Attribute) -> bool {
    let segments: Vec<String> = attr
        .path()
        .segments
        .iter()
        .map(|segment| segment.ident.to_string())
        .collect();
    match segments.as_slice() {
        [test] => test == "test",
        [krate, prelude, _, test] => {
            (krate == "core" || krate == "std") && prelude == "prelude" && test == "test"
        }
        _ => false,
    }
}

/// Whether the body can move into a nested `async fn` with the same signature.
fn is_plain(input: &ItemFn) -> bool {
    let sig = &input.sig;
    sig.generics.params.is_empty()
        && sig.generics.where_clause.is_none()
        && sig.unsafety.is_none()
        && sig.abi.is_none()
        && sig.variadic.is_none()
        && sig.inputs.iter().all(|arg| match arg {
            FnArg::Receiver(_) => false,
            FnArg::Typed(typed) => matches!(
                &*typed.pat,
                Pat::Ident(ident) if ident.by_ref.is_none() && ident.subpat.is_none()
            ),
        })
        && !mentions(
            input.to_token_stream(),
            |tree| matches!(tree, TokenTree::Ident(ident) if ident == "Self"),
        )
}

/// Whether any token of `tokens`, looking inside groups, satisfies `pred`.
fn mentions(tokens: TokenStream, pred: fn(&TokenTree) -> bool) -> bool {
    tokens.into_iter().any(|tree| match &tree {
        TokenTree::Group(group) => mentions(group.stream(), pred),
        _ => pred(&tree),
    })
}

/// The output type of the function if it can be written as `Future<Output = _>`: not when it
/// involves `impl Trait` or the never type (which is only stable as a return type).
fn nameable_output(output: &ReturnType) -> Option<TokenStream> {
    match output {
        ReturnType::Default => Some(quote!(())),
        ReturnType::Type(_, ty) => {
            let tokens = ty.to_token_stream();
            let unnameable = mentions(tokens.clone(), |tree| match tree {
                TokenTree::Ident(ident) => ident == "impl",
                TokenTree::Punct(punct) => punct.as_char() == '!',
                _ => false,
            });
            (!unnameable).then_some(tokens)
        }
    }
}

/// The runtime construction: `<crate>::runtime::Builder::<ctor>()...build().expect(...)`.
fn build_runtime(config: &Config) -> TokenStream {
    let krate = &config.crate_path;
    let multi_thread = config.flavor == Flavor::MultiThread;
    let constructor = if multi_thread {
        quote!(new_multi_thread)
    } else {
        quote!(new_current_thread)
    };
    let worker_threads = match config.worker_threads {
        Some((n, span)) if multi_thread => {
            let mut n = Literal::usize_unsuffixed(n);
            n.set_span(span);
            quote!(.worker_threads(#n))
        }
        _ => quote!(),
    };
    let start_paused = match config.start_paused {
        Some(paused) => quote!(.start_paused(#paused)),
        None => quote!(),
    };
    let name = config.name.as_ref().map(|name| quote!(.name(#name)));
    let unhandled_panic = config.unhandled_panic.map(|choice| {
        let variant = Ident::new(choice.variant(), Span::call_site());
        quote!(.unhandled_panic(#krate::runtime::UnhandledPanic::#variant))
    });
    let build = if config.flavor == Flavor::Local {
        quote!(.build_local(::core::default::Default::default()))
    } else {
        quote!(.build())
    };
    quote! {
        #krate::runtime::Builder::#constructor()
            #worker_threads
            #start_paused
            #unhandled_panic
            #name
            .enable_all()
            #build
            .expect("failed to build the runtime")
    }
}

/// The expansion of a function with valid options (also used, with the valid part of the
/// options, for the fallback expansion that accompanies errors).
pub(crate) fn generate(kind: Kind, input: &ItemFn, config: &Config) -> TokenStream {
    // Our locals are hygienic: the user's code can neither see nor shadow them.
    let body = Ident::new("body", Span::mixed_site());
    let rt = Ident::new("rt", Span::mixed_site());

    let ItemFn {
        attrs,
        vis,
        sig,
        block,
    } = input;
    let mut outer_sig = sig.clone();
    outer_sig.asyncness = None;
    let output = nameable_output(&sig.output);

    let make_future = if is_plain(input) {
        // The body moves into `async fn __runtime_async_body(<same arguments>) -> R`, called
        // with the arguments. The outer function drops `mut` from its arguments: only the
        // nested function uses them.
        let mut inner_sig = sig.clone();
        inner_sig.ident = Ident::new(BODY_FN, Span::call_site());
        inner_sig.asyncness = Some(Token![async](sig.fn_token.span));
        let mut names: Punctuated<Ident, Token![,]> = Punctuated::new();
        for arg in outer_sig.inputs.iter_mut() {
            if let FnArg::Typed(typed) = arg {
                if let Pat::Ident(ident) = &mut *typed.pat {
                    ident.mutability = None;
                    names.push(ident.ident.clone());
                }
            }
        }
        let inner = &inner_sig.ident;
        quote! {
            #[allow(clippy::unused_async)]
            #inner_sig #block
            let #body = #inner(#names);
        }
    } else {
        // An `async move` block. An async block's output type is inferred from its first
        // `return` (or its tail), so with a nameable output we put a never-taken `return` of
        // that type first: the user's `return`s, `?`s and tail are then checked against the
        // declared type and a mismatch is reported at the user's expression.
        match &output {
            Some(output) => {
                // Spanned at the declared return type, so that the compiler's "return type
                // inferred to be `R` here" points at the signature.
                let declared = match &sig.output {
                    ReturnType::Type(_, ty) => ty.span(),
                    ReturnType::Default => sig.paren_token.span.close(),
                };
                let typed = Ident::new("__runtime_output", declared);
                let typed_return = quote_spanned! {declared=>
                    if false {
                        fn #typed<T>() -> T {
                            ::core::unreachable!()
                        }
                        return #typed::<#output>();
                    }
                };
                quote! {
                    let #body = async move {
                        #typed_return
                        #block
                    };
                }
            }
            None => quote! {
                let #body = async move #block;
            },
        }
    };

    let erase = match &output {
        Some(output) => quote! {
            let #body: ::core::pin::Pin<&mut dyn ::core::future::Future<Output = #output>> =
                #body;
        },
        None => quote!(),
    };

    let runtime = build_runtime(config);
    let run = if matches!(&sig.output, ReturnType::Type(_, ty) if matches!(**ty, syn::Type::Never(_)))
    {
        // `-> !`: the future's output type may have fallen back to `()`.
        let last = block.brace_token.span.close();
        quote_spanned! {last=>
            #[allow(unreachable_code)]
            {
                #rt.block_on(#body);
                ::core::unreachable!("a function returning `!` returned")
            }
        }
    } else {
        quote!(#rt.block_on(#body))
    };

    let test_attr = match kind {
        Kind::Test => quote!(#[::core::prelude::v1::test]),
        Kind::Main => quote!(),
    };

    quote! {
        #test_attr
        #(#attrs)*
        #vis #outer_sig {
            #make_future
            let #body = ::core::pin::pin!(#body);
            #erase
            #[allow(clippy::expect_used)]
            let #rt = #runtime;
            #run
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FEATURES: Features = Features {
        crate_name: "runtime",
        unhandled_panic: true,
    };

    /// The expansion without its `compile_error!`s, as a string with all whitespace removed
    /// (for `contains` checks), and the messages of those `compile_error!`s.
    fn expand_parts(
        kind: Kind,
        features: Features,
        args: TokenStream,
        item: TokenStream,
    ) -> (String, Vec<String>) {
        let mut code = TokenStream::new();
        let mut messages = Vec::new();
        let trees: Vec<TokenTree> = expand(kind, features, args, item).into_iter().collect();
        let mut i = 0;
        while i < trees.len() {
            // `:: core :: compile_error ! { "message" }`
            if let [TokenTree::Ident(ident), TokenTree::Punct(bang), TokenTree::Group(group), ..] =
                &trees[i..]
            {
                if ident == "compile_error" && bang.as_char() == '!' {
                    let lit: syn::LitStr = syn::parse2(group.stream()).expect("a message");
                    messages.push(lit.value());
                    // Drop the `:: core ::` (five punctuation and ident tokens) already copied.
                    let kept: Vec<TokenTree> = code.into_iter().collect();
                    code = kept[..kept.len() - 5].iter().cloned().collect();
                    i += 3;
                    continue;
                }
            }
            code.extend([trees[i].clone()]);
            i += 1;
        }
        (squash(&code.to_string()), messages)
    }

    fn expand_str(kind: Kind, features: Features, args: TokenStream, item: TokenStream) -> String {
        let (code, messages) = expand_parts(kind, features, args, item);
        assert!(messages.is_empty(), "unexpected errors: {messages:?}");
        code
    }

    fn squash(s: &str) -> String {
        s.chars().filter(|c| !c.is_whitespace()).collect()
    }

    #[test]
    fn main_uses_multi_thread_by_default() {
        let out = expand_str(
            Kind::Main,
            FEATURES,
            quote!(worker_threads = 4),
            quote!(
                async fn main() {}
            ),
        );
        assert!(
            out.contains(
                "::runtime::runtime::Builder::new_multi_thread().worker_threads(4).enable_all()"
            ),
            "{out}"
        );
        let out = expand_str(
            Kind::Main,
            FEATURES,
            quote!(),
            quote!(
                async fn main() {}
            ),
        );
        assert!(
            out.contains("Builder::new_multi_thread().enable_all()"),
            "{out}"
        );
        let out = expand_str(
            Kind::Main,
            FEATURES,
            quote!(flavor = "current_thread"),
            quote!(
                async fn main() {}
            ),
        );
        assert!(
            out.contains("Builder::new_current_thread().enable_all()"),
            "{out}"
        );
        let out = expand_str(
            Kind::Test,
            FEATURES,
            quote!(flavor = "local"),
            quote!(
                async fn local() {}
            ),
        );
        assert!(
            out.contains(
                "Builder::new_current_thread().enable_all().build_local(::core::default::Default::default())"
            ),
            "{out}"
        );
    }

    #[test]
    fn start_paused_is_passed_to_the_builder() {
        let out = expand_str(
            Kind::Test,
            FEATURES,
            quote!(start_paused = true),
            quote!(
                async fn t() {}
            ),
        );
        assert!(
            out.contains("new_current_thread().start_paused(true).enable_all()"),
            "{out}"
        );
    }

    #[test]
    fn name_and_unhandled_panic_are_passed_to_the_builder() {
        let out = expand_str(
            Kind::Test,
            FEATURES,
            quote!(name = "rt-1", unhandled_panic = "shutdown_runtime"),
            quote!(
                async fn t() {}
            ),
        );
        assert!(
            out.contains(
                "new_current_thread().unhandled_panic(::runtime::runtime::UnhandledPanic::ShutdownRuntime).name(\"rt-1\").enable_all()"
            ),
            "{out}"
        );
    }

    #[test]
    fn plain_main_shape() {
        let out = expand(
            Kind::Main,
            FEATURES,
            quote!(),
            quote!(
                async fn main() -> Result<(), Box<dyn std::error::Error>> {
                    let n: u32 = "1".parse()?;
                    Ok(())
                }
            ),
        );
        let expected = quote! {
            fn main() -> Result<(), Box<dyn std::error::Error>> {
                #[allow(clippy::unused_async)]
                async fn __runtime_async_body() -> Result<(), Box<dyn std::error::Error>> {
                    let n: u32 = "1".parse()?;
                    Ok(())
                }
                let body = __runtime_async_body();
                let body = ::core::pin::pin!(body);
                let body: ::core::pin::Pin<
                    &mut dyn ::core::future::Future<Output = Result<(), Box<dyn std::error::Error>>>
                > = body;
                #[allow(clippy::expect_used)]
                let rt = ::runtime::runtime::Builder::new_multi_thread()
                    .enable_all()
                    .build()
                    .expect("failed to build the runtime");
                rt.block_on(body)
            }
        };
        assert_eq!(squash(&out.to_string()), squash(&expected.to_string()));
    }

    #[test]
    fn test_shape_keeps_attributes() {
        let out = expand(
            Kind::Test,
            FEATURES,
            quote!(),
            quote!(
                #[should_panic(expected = "boom")]
                #[ignore]
                async fn it_panics() {
                    panic!("boom");
                }
            ),
        );
        let expected = quote! {
            #[::core::prelude::v1::test]
            #[should_panic(expected = "boom")]
            #[ignore]
            fn it_panics() {
                #[allow(clippy::unused_async)]
                async fn __runtime_async_body() {
                    panic!("boom");
                }
                let body = __runtime_async_body();
                let body = ::core::pin::pin!(body);
                let body: ::core::pin::Pin<&mut dyn ::core::future::Future<Output = ()>> = body;
                #[allow(clippy::expect_used)]
                let rt = ::runtime::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("failed to build the runtime");
                rt.block_on(body)
            }
        };
        assert_eq!(squash(&out.to_string()), squash(&expected.to_string()));
    }

    #[test]
    fn plain_function_with_arguments_keeps_name_visibility_and_arguments() {
        let out = expand_str(
            Kind::Main,
            FEATURES,
            quote!(crate = "rt"),
            quote!(
                /// Docs.
                pub(crate) async fn run(mut n: u32, name: String) -> u32 {
                    n += 1;
                    n
                }
            ),
        );
        assert!(
            out.contains("#[doc=r\"Docs.\"]pub(crate)fnrun(n:u32,name:String)->u32{"),
            "{out}"
        );
        assert!(
            out.contains("asyncfn__runtime_async_body(mutn:u32,name:String)->u32{n+=1;n}"),
            "{out}"
        );
        assert!(
            out.contains("letbody=__runtime_async_body(n,name);"),
            "{out}"
        );
        assert!(
            out.contains("letrt=rt::runtime::Builder::new_multi_thread()"),
            "{out}"
        );
    }

    #[test]
    fn methods_and_generics_use_an_async_block() {
        let method = quote!(
            async fn get(&self) -> Self {
                self.clone()
            }
        );
        let generic = quote!(
            async fn id<T>(t: T) -> T {
                t
            }
        );
        let uses_self = quote!(
            async fn make() -> u32 {
                Self::N
            }
        );
        let destructures = quote!(
            async fn sum((a, b): (u32, u32)) -> u32 {
                a + b
            }
        );
        for item in [method, generic, uses_self, destructures] {
            let out = expand_str(Kind::Main, FEATURES, quote!(), item);
            assert!(!out.contains(BODY_FN), "{out}");
            assert!(
                out.contains("letbody=asyncmove{iffalse{fn__runtime_output<T>()->T{::core::unreachable!()}return__runtime_output::<"),
                "{out}"
            );
            assert!(out.contains("Output="), "{out}");
        }
        let out = expand_str(
            Kind::Main,
            FEATURES,
            quote!(),
            quote!(
                async fn get(&self) -> Self {
                    self.clone()
                }
            ),
        );
        assert!(
            out.contains("fnget(&self)->Self{letbody=asyncmove{iffalse{fn__runtime_output<T>()->T{::core::unreachable!()}return__runtime_output::<Self>();}{self.clone()}};"),
            "{out}"
        );
    }

    #[test]
    fn unnameable_outputs_are_not_erased() {
        for item in [
            quote!(
                async fn f() -> impl std::fmt::Debug {
                    1
                }
            ),
            quote!(
                async fn f() -> ! {
                    loop {}
                }
            ),
            quote!(
                async fn f<T>(t: T) -> Option<impl Sized> {
                    Some(t)
                }
            ),
        ] {
            let out = expand_str(Kind::Main, FEATURES, quote!(), item);
            assert!(!out.contains("dyn::core::future::Future"), "{out}");
            assert!(out.contains("rt.block_on(body)"), "{out}");
        }
    }

    #[test]
    fn never_returning_generic_function() {
        let out = expand_str(
            Kind::Main,
            FEATURES,
            quote!(),
            quote!(
                async fn serve<T>(t: T) -> ! {
                    loop {}
                }
            ),
        );
        assert!(out.contains("letbody=asyncmove{loop{}};"), "{out}");
        assert!(
            out.contains("rt.block_on(body);::core::unreachable!"),
            "{out}"
        );
    }

    #[test]
    fn missing_async_is_an_error_with_a_fallback_expansion() {
        let (out, messages) = expand_parts(
            Kind::Main,
            FEATURES,
            quote!(),
            quote!(
                fn main() {}
            ),
        );
        assert_eq!(
            messages,
            ["the `async` keyword is missing from the function declaration"]
        );
        // Still expands to a synchronous `main`, so no "`main` not found" follows.
        assert!(out.starts_with("fnmain(){"), "{out}");
        assert!(out.contains("asyncfn__runtime_async_body(){}"), "{out}");
    }

    #[test]
    fn option_errors_keep_an_expansion() {
        let (out, messages) = expand_parts(
            Kind::Main,
            FEATURES,
            quote!(flavor = "fast"),
            quote!(
                async fn main() {}
            ),
        );
        assert_eq!(messages.len(), 1, "{out}");
        assert!(out.starts_with("fnmain(){"), "{out}");
    }

    #[test]
    fn test_with_arguments_is_an_error() {
        let (out, messages) = expand_parts(
            Kind::Test,
            FEATURES,
            quote!(),
            quote!(
                async fn t(n: u32) {}
            ),
        );
        assert_eq!(
            messages,
            ["`#[runtime::test]` functions cannot take arguments: the test harness calls them with none"]
        );
        // Not registered as a test, so the compiler does not add its own error.
        assert!(!out.contains("prelude::v1::test"), "{out}");
        assert!(out.starts_with("#[allow(dead_code)]fnt(n:u32){"), "{out}");
    }

    #[test]
    fn second_test_attribute_is_an_error() {
        for attr in [
            quote!(#[test]),
            quote!(#[::core::prelude::v1::test]),
            quote!(#[std::prelude::rust_2021::test]),
        ] {
            let (out, messages) = expand_parts(
                Kind::Test,
                FEATURES,
                quote!(),
                quote!(
                    #attr
                    async fn t() {}
                ),
            );
            assert_eq!(messages.len(), 1, "{out}");
            assert!(messages[0].starts_with("a second test attribute"), "{out}");
            // The fallback registers the test once.
            assert_eq!(out.matches("test]").count(), 1, "{out}");
        }
        // Other attributes are not test attributes.
        let out = expand_str(
            Kind::Test,
            FEATURES,
            quote!(),
            quote!(
                #[cfg_attr(miri, ignore)]
                async fn t() {}
            ),
        );
        assert!(out.contains("#[cfg_attr(miri,ignore)]fnt()"), "{out}");
    }

    #[test]
    fn every_error_is_reported_at_once() {
        let (out, messages) = expand_parts(
            Kind::Test,
            FEATURES,
            quote!(worker_threads = 0, bogus = 1),
            quote!(
                fn t(n: u32) {}
            ),
        );
        assert_eq!(messages.len(), 4, "{out}");
    }

    #[test]
    fn not_a_function() {
        let (out, messages) = expand_parts(
            Kind::Main,
            FEATURES,
            quote!(),
            quote!(
                struct S {
                    a: u32,
                }
            ),
        );
        assert_eq!(
            messages,
            ["`#[runtime::main]` can only be applied to an `async fn`"]
        );
        // The item is passed through.
        assert!(out.starts_with("structS{a:u32"), "{out}");
    }
}
