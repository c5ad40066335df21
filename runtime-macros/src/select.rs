//! `select!`: parse the branches, then expand them into one `poll_fn` that polls every enabled
//! branch (in random order unless `biased;`), followed by a `match` that runs the winning
//! branch's handler outside the poll, so that `break`, `continue`, `return` and `.await` in a
//! handler mean what they mean in the surrounding code.
//!
//! Input, as passed on by `runtime::select!`: `(<path to runtime>) <the user's tokens>`.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::parse::{Parse, ParseStream};
use syn::spanned::Spanned;
use syn::{Expr, Pat, Token};

use crate::support::{clean_pattern, krate_and_rest};

/// The most branches one `select!` may have: the disabled set is a `u64` bit mask.
pub(crate) const MAX_BRANCHES: usize = 64;

struct Select {
    biased: bool,
    branches: Vec<Branch>,
    /// `else => expr`.
    otherwise: Option<Expr>,
}

struct Branch {
    pattern: Pat,
    future: Expr,
    precondition: Option<Expr>,
    handler: Expr,
}

pub(crate) fn expand(input: TokenStream) -> TokenStream {
    let (krate, rest) = match krate_and_rest(input) {
        Ok(parts) => parts,
        Err(error) => return error.to_compile_error(),
    };
    match syn::parse2::<Select>(rest) {
        Ok(select) => generate(&krate, select),
        Err(error) => error.to_compile_error(),
    }
}

impl Parse for Select {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let mut select = Select {
            biased: false,
            branches: Vec::new(),
            otherwise: None,
        };
        if input.peek(syn::Ident) && input.peek2(Token![;]) {
            let ident: syn::Ident = input.parse()?;
            if ident != "biased" {
                return Err(syn::Error::new(
                    ident.span(),
                    format!(
                        "unknown `select!` option `{ident}`: the only one is `biased;`, which \
                         polls the branches in the order they are written"
                    ),
                ));
            }
            input.parse::<Token![;]>()?;
            select.biased = true;
        }
        if input.is_empty() {
            return Err(syn::Error::new(
                Span::call_site(),
                "`select!` needs at least one branch: `pattern = future => handler,`",
            ));
        }
        while !input.is_empty() {
            if input.peek(Token![else]) {
                let else_token: Token![else] = input.parse()?;
                if select.otherwise.is_some() {
                    return Err(syn::Error::new(
                        else_token.span,
                        "`select!` takes at most one `else` branch",
                    ));
                }
                input.parse::<Token![=>]>().map_err(|e| {
                    syn::Error::new(e.span(), "expected `=>` after `else` in `select!`")
                })?;
                let handler = parse_handler(input)?;
                // Like tokio, `else` may stand anywhere among the branches.
                select.otherwise = Some(handler);
                continue;
            }
            select.branches.push(input.parse()?);
        }
        if select.branches.len() > MAX_BRANCHES {
            return Err(syn::Error::new(
                select.branches[MAX_BRANCHES].pattern.span(),
                format!(
                    "`select!` supports at most {MAX_BRANCHES} branches; nest a second \
                     `select!` or use a `JoinSet` / stream for more"
                ),
            ));
        }
        Ok(select)
    }
}

impl Parse for Branch {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let pattern = Pat::parse_multi_with_leading_vert(input)?;
        input.parse::<Token![=]>().map_err(|e| {
            syn::Error::new(
                e.span(),
                "expected `=` after the pattern of a `select!` branch: \
                 `pattern = future => handler,`",
            )
        })?;
        let future: Expr = input.parse()?;
        let precondition = if input.peek(Token![,]) && input.peek2(Token![if]) {
            input.parse::<Token![,]>()?;
            input.parse::<Token![if]>()?;
            Some(input.parse()?)
        } else {
            None
        };
        input.parse::<Token![=>]>().map_err(|e| {
            syn::Error::new(
                e.span(),
                "expected `=>` after the future of a `select!` branch (or `, if condition =>`): \
                 `pattern = future => handler,`",
            )
        })?;
        let handler = parse_handler(input)?;
        Ok(Branch {
            pattern,
            future,
            precondition,
            handler,
        })
    }
}

/// A handler, as in a `match` arm: a block needs no comma after it, anything else does
/// unless it is last.
fn parse_handler(input: ParseStream<'_>) -> syn::Result<Expr> {
    let handler: Expr = input.parse()?;
    let is_block_like = matches!(
        handler,
        Expr::Block(_)
            | Expr::If(_)
            | Expr::Match(_)
            | Expr::Loop(_)
            | Expr::While(_)
            | Expr::ForLoop(_)
            | Expr::Unsafe(_)
    );
    if input.peek(Token![,]) {
        input.parse::<Token![,]>()?;
    } else if !input.is_empty() && !is_block_like {
        return Err(syn::Error::new(
            input.span(),
            "expected `,` after the handler of a `select!` branch",
        ));
    }
    Ok(handler)
}

/// The smallest unsigned integer type with a bit per branch: the set of disabled branches
/// lives in the `select!`'s future, so it is kept as small as tokio keeps it.
fn mask_type(count: usize) -> TokenStream {
    match count {
        0..=8 => quote!(u8),
        9..=16 => quote!(u16),
        17..=32 => quote!(u32),
        _ => quote!(u64),
    }
}

fn generate(krate: &TokenStream, select: Select) -> TokenStream {
    if select.branches.is_empty() {
        // Only `else` (checked by the parser: there is one): nothing to wait for.
        let otherwise = &select.otherwise;
        return quote!({ #otherwise });
    }
    let count = select.branches.len();
    let support = quote!(#krate::macros::support);
    // Internal names resolve at the macro's own site, so the user's code can neither see nor
    // shadow them.
    let span = Span::mixed_site();
    let out_enum = quote_spanned!(span=> __RuntimeSelectOutput);
    let disabled = quote_spanned!(span=> __runtime_select_disabled);
    let cx = quote_spanned!(span=> __runtime_select_cx);
    let output = quote_spanned!(span=> __runtime_select_output);
    let pending = quote_spanned!(span=> __runtime_select_pending);
    let start = quote_spanned!(span=> __runtime_select_start);
    let init = quote_spanned!(span=> __runtime_select_init);
    let futures = quote_spanned!(span=> __runtime_select_futures);
    let future = quote_spanned!(span=> __runtime_select_future);
    let value = quote_spanned!(span=> __runtime_select_value);
    let mask = mask_type(count);
    let variants: Vec<_> = (0..count).map(|i| format_ident!("_{}", i)).collect();

    let preconditions = select.branches.iter().enumerate().map(|(i, branch)| {
        let i = i as u32;
        branch.precondition.as_ref().map(|condition| {
            quote! {
                if !(#condition) {
                    #support::SelectMask::disable(&mut #disabled, #i);
                }
            }
        })
    });

    // The futures as written, in one tuple: a temporary borrowed in a future expression
    // (`&mut std::future::ready(())`) then lives as long as the tuple, to the end of the
    // `select!`.
    let written = select.branches.iter().map(|branch| &branch.future);
    let into_futures = (0..count).map(|i| {
        let index = syn::Index::from(i);
        let future = &select.branches[i].future;
        quote_spanned! {future.span()=>
            #support::IntoFuture::into_future(#init.#index)
        }
    });

    let polls = select.branches.iter().enumerate().map(|(i, branch)| {
        let bit = i as u32;
        let variant = &variants[i];
        let clean = clean_pattern(branch.pattern.clone());
        // `( _, _, fut, .. )`: destructuring `&mut *futures` makes the closure capture the
        // one reference to the tuple, not one reference per field.
        let skipped = (0..i).map(|_| quote!(_));
        quote! {
            // A future whose output is `!` makes the rest of its arm unreachable.
            #[allow(unreachable_code)]
            #i => {
                if #support::SelectMask::is_disabled(#disabled, #bit) {
                    continue;
                }
                let (#(#skipped,)* #future, ..) = &mut *#futures;
                // SAFETY: the tuple of futures is never moved: its only name is shadowed by a
                // reference to it before the first poll, and it is dropped where it stands
                // when the `select!` ends.
                let #future = unsafe { #support::Pin::new_unchecked(#future) };
                let #value = match #support::Future::poll(#future, #cx) {
                    #support::Poll::Ready(value) => value,
                    #support::Poll::Pending => {
                        #pending = true;
                        continue;
                    }
                };
                // A completed future is never polled again, whether or not its output
                // matches.
                #support::SelectMask::disable(&mut #disabled, #bit);
                #[allow(unused_variables, unused_mut, unreachable_patterns)]
                match &#value {
                    #clean => {}
                    _ => continue,
                }
                return #support::Poll::Ready(#out_enum::#variant(#value));
            }
        }
    });

    let first = if select.biased {
        quote!(0)
    } else {
        quote!(#support::thread_rng_n(#count as u32) as usize)
    };

    let arms = select.branches.iter().enumerate().map(|(i, branch)| {
        let variant = &variants[i];
        let pattern = &branch.pattern;
        let handler = &branch.handler;
        quote! {
            #out_enum::#variant(#pattern) => #handler,
        }
    });
    let otherwise = match &select.otherwise {
        Some(handler) => quote!(#handler),
        None => quote! {
            ::core::panic!(
                "all branches of `select!` are disabled and there is no `else` branch"
            )
        },
    };

    quote! {{
        #[allow(non_camel_case_types)]
        enum #out_enum<#(#variants,)*> {
            #(#variants(#variants),)*
            Disabled,
        }
        let mut #disabled: #mask = 0;
        #(#preconditions)*
        // `mut`: a handler's pattern may bind by `ref mut`.
        #[allow(unused_mut)]
        let mut #output = {
            let #init = (#(#written,)*);
            let mut #futures = (#(#into_futures,)*);
            let #futures = &mut #futures;
            #support::poll_fn(|#cx: &mut #support::Context<'_>| {
                // A task whose budget is spent yields here, even if a branch is ready.
                if !#support::has_budget_remaining() {
                    #cx.waker().wake_by_ref();
                    return #support::Poll::Pending;
                }
                let #start: usize = #first;
                let mut #pending = false;
                for __runtime_select_offset in 0..#count {
                    match #support::nth_branch(#start, __runtime_select_offset, #count) {
                        #(#polls)*
                        _ => ::core::unreachable!("`select!` polled a branch it does not have"),
                    }
                }
                if #pending {
                    #support::Poll::Pending
                } else {
                    #support::Poll::Ready(#out_enum::Disabled)
                }
            })
            .await
        };
        #[allow(unreachable_patterns, unreachable_code)]
        match #output {
            #(#arms)*
            #out_enum::Disabled => #otherwise,
            _ => ::core::unreachable!("a `select!` branch whose output matched in the poll did not match after it"),
        }
    }}
}
