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

#[cfg(test)]
mod tests {
    use super::*;
    use quote::{quote, ToTokens};

    fn clean(pattern: TokenStream) -> String {
        let pattern = Pat::parse_multi_with_leading_vert
            .parse2(pattern)
            .expect("a pattern");
        clean_pattern(pattern)
            .to_token_stream()
            .to_string()
            .replace(' ', "")
    }

    use syn::parse::Parser;

    #[test]
    fn cleaning_drops_ref_and_mut_from_every_binding() {
        assert_eq!(clean(quote!(mut x)), "x");
        assert_eq!(clean(quote!((ref a, mut b))), "(a,b)");
        assert_eq!(clean(quote!(Some(ref mut v @ 1..=3))), "Some(v@1..=3)");
        assert_eq!(clean(quote!(Ok(v) | Err(v))), "Ok(v)|Err(v)");
        assert_eq!(clean(quote!(Point { x: mut px, ref y })), "Point{x:px,y}");
    }

    #[test]
    fn the_crate_path_comes_first_in_parentheses() {
        let (krate, rest) = krate_and_rest(quote!((::runtime) a = b => c)).unwrap();
        assert_eq!(krate.to_string(), ":: runtime");
        assert_eq!(rest.to_string(), "a = b => c");
        assert!(krate_and_rest(quote!(a = b => c)).is_err());
    }
}
