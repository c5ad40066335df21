//! Pieces shared by the function-like macros (`select!`, `join!`, `try_join!`).

use proc_macro2::{Delimiter, TokenStream, TokenTree};
use syn::visit_mut::{self, VisitMut};
use syn::Pat;

/// Splits the input that `runtime`'s wrapper macros pass on, `(<path to runtime>) <tokens>`,
/// into the path (usually `$crate`, which cannot be written any other way) and the user's
/// tokens.
pub(crate) fn krate_and_rest(input: TokenStream) -> syn::Result<(TokenStream, TokenStream)> {
    let mut tokens = input.into_iter();
    match tokens.next() {
        Some(TokenTree::Group(group)) if group.delimiter() == Delimiter::Parenthesis => {
            Ok((group.stream(), tokens.collect()))
        }
        _ => Err(syn::Error::new(
            proc_macro2::Span::call_site(),
            "this macro is internal to `runtime`: use `runtime::select!`, `runtime::join!` or \
             `runtime::try_join!`",
        )),
    }
}

/// A copy of `pattern` that can be matched against a *reference* to the value, to find out
/// whether it matches before the value is moved: every binding loses its `ref` and `mut`
/// (default binding modes then bind by reference).
pub(crate) fn clean_pattern(mut pattern: Pat) -> Pat {
    struct Clean;

    impl VisitMut for Clean {
        fn visit_pat_ident_mut(&mut self, ident: &mut syn::PatIdent) {
            ident.by_ref = None;
            ident.mutability = None;
            visit_mut::visit_pat_ident_mut(self, ident);
        }
    }

    Clean.visit_pat_mut(&mut pattern);
    pattern
}
