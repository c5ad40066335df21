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
use quote::{quote, quote_spanned};
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
    let futures = quote_spanned!(span=> __runtime_join_futures);
    let future = quote_spanned!(span=> __runtime_join_future);

    let init = join.futures.iter().map(|future| {
        quote_spanned! {future.span()=>
            #support::MaybeDone::new(#future)
        }
    });

    // `( _, _, fut, .. )`: destructuring `&mut *futures` makes the closure hold the one
    // reference to the tuple, not one reference per field. The tuple is never moved: its
    // only name is shadowed by that reference before the first poll, and it is dropped
    // where it stands.
    let pinned = |i: usize| {
        let skipped = (0..i).map(|_| quote!(_));
        quote! {
            let (#(#skipped,)* #future, ..) = &mut *#futures;
            // SAFETY: the tuple of futures never moves (see above), so neither does its field.
            let #future = unsafe { #support::Pin::new_unchecked(#future) };
        }
    };

    let polls = (0..count).map(|i| {
        let pin = pinned(i);
        match mode {
            Mode::Join => quote! {
                #i => {
                    #pin
                    if #future.poll_done(#cx).is_pending() {
                        #pending = true;
                    }
                }
            },
            Mode::TryJoin => quote! {
                #i => {
                    #pin
                    match #future.poll_ok(#cx) {
                        #support::Poll::Pending => #pending = true,
                        #support::Poll::Ready(::core::result::Result::Ok(())) => {}
                        #support::Poll::Ready(::core::result::Result::Err(error)) => {
                            return #support::Poll::Ready(::core::result::Result::Err(error));
                        }
                    }
                }
            },
        }
    });

    let outputs = (0..count).map(|i| {
        let pin = pinned(i);
        match mode {
            Mode::Join => quote!({ #pin #future.take_output() }),
            Mode::TryJoin => quote!({ #pin #future.take_ok() }),
        }
    });
    let ready = match mode {
        Mode::Join => quote!(#support::Poll::Ready((#(#outputs,)*))),
        Mode::TryJoin => {
            quote!(#support::Poll::Ready(::core::result::Result::Ok((#(#outputs,)*))))
        }
    };

    // Unbiased, each poll starts one future further along: the closure owns that counter.
    let (declare_skip, first) = if join.biased {
        (quote!(), quote!(0))
    } else {
        (
            quote!(let mut #skip: u32 = 0;),
            quote! {{
                let first = #skip as usize;
                #skip = if first + 1 == #count { 0 } else { #skip + 1 };
                first
            }},
        )
    };

    quote! {{
        let mut #futures = (#(#init,)*);
        let #futures = &mut #futures;
        #declare_skip
        #support::poll_fn(move |#cx: &mut #support::Context<'_>| {
            // A task whose budget is spent yields here, even if every future is ready.
            if !#support::has_budget_remaining() {
                #cx.waker().wake_by_ref();
                return #support::Poll::Pending;
            }
            let #start: usize = #first;
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
