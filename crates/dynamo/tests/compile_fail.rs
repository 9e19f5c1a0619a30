//! The typed paths and expressions refuse at compile time what DynamoDB would refuse at run
//! time: a name that is not an attribute, and an operator on the wrong type.

#[test]
fn typed_paths_catch_bad_names_and_types() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
}
