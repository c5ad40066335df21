//! `join!` and `try_join!`: poll every future in one `poll_fn` until all are done (or, for
//! `try_join!`, until one fails).
//!
//! Each poll starts one future further along than the last, so with futures that are always
//! ready none of them is starved by the budget running out before its turn; `biased;` polls
//! them in the order they are written instead.
//!
//! Input, as passed on by `runtime::join!` / `runtime::try_join!`: `(<path to runtime>)
//! <the user's tokens>`.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Expr, Token};

use crate::support::krate_and_rest;

/// Which macro is expanding.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    Join,
    TryJoin,
}

struct Join {
    biased: bool,
    futures: Vec<Expr>,
}

impl Parse for Join {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let mut biased = false;
        if input.peek(syn::Ident) && input.peek2(Token![;]) {
            let ident: syn::Ident = input.parse()?;
            if ident != "biased" {
                return Err(syn::Error::new(
                    ident.span(),
                    format!(
                        "unknown option `{ident}`: the only one is `biased;`, which polls the \
                         futures in the order they are written"
                    ),
                ));
            }
            input.parse::<Token![;]>()?;
            biased = true;
        }
        let futures = Punctuated::<Expr, Token![,]>::parse_terminated(input)?;
        Ok(Join {
            biased,
            futures: futures.into_iter().collect(),
        })
    }
}

pub(crate) fn expand(mode: Mode, input: TokenStream) -> TokenStream {
    let (krate, rest) = match krate_and_rest(input) {
        Ok(parts) => parts,
        Err(error) => return error.to_compile_error(),
    };
    match syn::parse2::<Join>(rest) {
        Ok(join) => generate(mode, &krate, join),
        Err(error) => error.to_compile_error(),
    }
}

fn generate(mode: Mode, krate: &TokenStream, join: Join) -> TokenStream {
    let support = quote!(#krate::macros::support);
    let count = join.futures.len();
    if count == 0 {
        return match mode {
            Mode::Join => quote!(::core::future::ready(()).await),
            Mode::TryJoin => quote!(::core::future::ready(::core::result::Result::Ok(())).await),
        };
    }
    let span = Span::mixed_site();
    let cx = quote_spanned!(span=> __runtime_join_cx);
    let pending = quote_spanned!(span=> __runtime_join_pending);
    let skip = quote_spanned!(span=> __runtime_join_skip);
    let start = quote_spanned!(span=> __runtime_join_start);
    let names: Vec<_> = (0..count)
        .map(|i| format_ident!("__runtime_join_future_{}", i, span = span))
        .collect();

    let init = join.futures.iter().zip(&names).map(|(future, name)| {
        quote_spanned! {future.span()=>
            let mut #name = ::core::pin::pin!(#support::MaybeDone::new(#future));
        }
    });

    let polls = names.iter().enumerate().map(|(i, name)| match mode {
        Mode::Join => quote! {
            #i => {
                if #name.as_mut().poll_done(#cx).is_pending() {
                    #pending = true;
                }
            }
        },
        Mode::TryJoin => quote! {
            #i => match #name.as_mut().poll_ok(#cx) {
                #support::Poll::Pending => #pending = true,
                #support::Poll::Ready(::core::result::Result::Ok(())) => {}
                #support::Poll::Ready(::core::result::Result::Err(error)) => {
                    return #support::Poll::Ready(::core::result::Result::Err(error));
                }
            },
        },
    });

    let outputs = names.iter().map(|name| match mode {
        Mode::Join => quote!(#name.as_mut().take_output()),
        Mode::TryJoin => quote!(#name.as_mut().take_ok()),
    });
    let ready = match mode {
        Mode::Join => quote!(#support::Poll::Ready((#(#outputs,)*))),
        Mode::TryJoin => {
            quote!(#support::Poll::Ready(::core::result::Result::Ok((#(#outputs,)*))))
        }
    };

    let (first, advance) = if join.biased {
        (quote!(0), quote!())
    } else {
        (
            quote!(#skip),
            quote! {
                #skip = if #skip + 1 == #count { 0 } else { #skip + 1 };
            },
        )
    };

    quote! {{
        #(#init)*
        #[allow(unused_mut, unused_variables)]
        let mut #skip: usize = 0;
        #support::poll_fn(|#cx: &mut #support::Context<'_>| {
            // A task whose budget is spent yields here, even if every future is ready.
            if !#support::has_budget_remaining() {
                #cx.waker().wake_by_ref();
                return #support::Poll::Pending;
            }
            let #start: usize = #first;
            #advance
            let mut #pending = false;
            for __runtime_join_offset in 0..#count {
                match #support::nth_branch(#start, __runtime_join_offset, #count) {
                    #(#polls)*
                    _ => ::core::unreachable!("`join!` polled a future it does not have"),
                }
            }
            if #pending {
                return #support::Poll::Pending;
            }
            #ready
        })
        .await
    }}
}
