//! How the contexts' extractors and errors appear in a generated document: `ValidJson<T>`,
//! `ValidQuery<T>` and `ValidPath<T>` as axum's `Json`, `Query` and `Path` of `T` (their
//! schemas carry garde's rules, which schemars reads), with the 400 they answer; the session
//! extractor as nothing the client sends in a body; [`ApiError`] as the JSON error envelope.

use aide::generate::GenContext;
use aide::openapi::{MediaType, Operation, Response, SchemaObject};
use aide::{OperationInput, OperationOutput};
use axum::Json;
use axum::extract::{Path, Query};
use schemars::JsonSchema;

use crate::http::{ApiError, CurrentSession, ValidJson, ValidPath, ValidQuery};

/// The JSON error envelope every failure answers with.
#[derive(JsonSchema)]
#[schemars(rename = "ApiError")]
#[allow(dead_code, reason = "only its schema is used")]
struct Problem {
    /// What went wrong, for a person.
    message: String,
    /// Each rejected field of the input: its path and why.
    fields: Option<Vec<Field>>,
    /// A stable code for programs, when the error has one.
    code: Option<String>,
    /// The request id, which ties the answer to the log.
    request_id: Option<String>,
}

/// One rejected field.
#[derive(JsonSchema)]
#[schemars(rename = "FieldError")]
#[allow(dead_code, reason = "only its schema is used")]
struct Field {
    /// The field's path, such as `quantity` or `items[2].sku`.
    field: String,
    /// Why it was rejected.
    message: String,
}

/// The documented error response.
fn problem(ctx: &mut GenContext, description: &str) -> Response {
    Response {
        description: description.to_owned(),
        content: [(
            "application/json".to_owned(),
            MediaType {
                schema: Some(SchemaObject {
                    json_schema: ctx.schema.subschema_for::<Problem>(),
                    example: None,
                    external_docs: None,
                }),
                ..Default::default()
            },
        )]
        .into_iter()
        .collect(),
        ..Default::default()
    }
}

/// The 400 every validating extractor answers.
fn rejected(ctx: &mut GenContext) -> Vec<(Option<u16>, Response)> {
    vec![(
        Some(400),
        problem(
            ctx,
            "the input does not decode or breaks a rule; `fields` says which",
        ),
    )]
}

impl<T: JsonSchema> OperationInput for ValidJson<T> {
    fn operation_input(ctx: &mut GenContext, operation: &mut Operation) {
        Json::<T>::operation_input(ctx, operation);
    }

    fn inferred_early_responses(
        ctx: &mut GenContext,
        _operation: &mut Operation,
    ) -> Vec<(Option<u16>, Response)> {
        let mut responses = rejected(ctx);
        responses.push((
            Some(415),
            problem(ctx, "the body is not `application/json`"),
        ));
        responses
    }
}

impl<T: JsonSchema> OperationInput for ValidQuery<T> {
    fn operation_input(ctx: &mut GenContext, operation: &mut Operation) {
        Query::<T>::operation_input(ctx, operation);
    }

    fn inferred_early_responses(
        ctx: &mut GenContext,
        _operation: &mut Operation,
    ) -> Vec<(Option<u16>, Response)> {
        rejected(ctx)
    }
}

impl<T: JsonSchema> OperationInput for ValidPath<T> {
    fn operation_input(ctx: &mut GenContext, operation: &mut Operation) {
        Path::<T>::operation_input(ctx, operation);
    }

    fn inferred_early_responses(
        ctx: &mut GenContext,
        _operation: &mut Operation,
    ) -> Vec<(Option<u16>, Response)> {
        rejected(ctx)
    }
}

/// The session comes from the state header and the auth layer, which the app configures; it
/// adds no parameter of its own.
impl OperationInput for CurrentSession {}

impl OperationOutput for ApiError {
    type Inner = ();

    fn operation_response(ctx: &mut GenContext, _operation: &mut Operation) -> Option<Response> {
        Some(problem(ctx, "an error, as JSON"))
    }

    fn inferred_responses(
        ctx: &mut GenContext,
        operation: &mut Operation,
    ) -> Vec<(Option<u16>, Response)> {
        Self::operation_response(ctx, operation)
            .map(|response| vec![(None, response)])
            .unwrap_or_default()
    }
}
