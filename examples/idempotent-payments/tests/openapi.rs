//! The example's OpenAPI document, generated from its routes and checked in as `openapi.json`
//! (`cargo xtask openapi` rewrites it).
#![allow(clippy::unwrap_used, reason = "tests")]

use updraft::testing::openapi_snapshot;

#[test]
fn the_checked_in_document_is_the_generated_one() {
    let documented = example_idempotent_payments::documented();
    let body = &documented.document()["paths"]["/payments"]["post"]["requestBody"];
    assert_eq!(
        body["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/NewPayment"
    );
    let amount =
        &documented.document()["components"]["schemas"]["NewPayment"]["properties"]["amount"];
    assert_eq!(
        (amount["minimum"].as_i64(), amount["maximum"].as_i64()),
        (Some(1), Some(1_000_000))
    );
    openapi_snapshot(env!("CARGO_MANIFEST_DIR"), &documented.to_json_pretty());
}
