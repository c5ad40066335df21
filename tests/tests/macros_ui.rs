//! Compile errors of `#[runtime::main]` and `#[runtime::test]`: one file in `ui/` per mistake,
//! with the compiler output it must produce next to it.
//!
//! After changing a message, regenerate the expected output with
//! `TRYBUILD=overwrite cargo test -p runtime-tests --test macros_ui` and review the diff.

#[test]
fn macros_ui() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("ui/*.rs");
}
