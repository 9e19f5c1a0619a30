//! Checking a request against its operation: each parameter read as its schema's type and
//! validated, the content type, and the body against its schema. Every failure is a
//! [`FieldError`] whose `field` is a JSON pointer: `/path/petId`, `/query/limit`,
//! `/header/x-trace`, `/body/name`.

use std::borrow::Cow;

use http::HeaderMap;
use http::request::Parts;
use jsonschema::{Draft, Registry, Validator};
use serde_json::{Number, Value, json};

use super::Problem;
use super::schema::{Kind, SchemaAt};
use super::spec::{Content, Location, Operation, Parameter};
use crate::http::FieldError;

/// Media types, each with the validator of its schema (none when it declares no schema).
type Media = Vec<(String, Option<Validator>)>;

/// The compiled checks of one operation.
#[derive(Debug)]
pub(crate) struct Checks {
    /// Each parameter, with its pointer (`/query/limit`) and its schema's validator.
    parameters: Vec<(Parameter, String, Option<Validator>)>,
    /// Whether a body is required, and its media types.
    body: Option<(bool, Media)>,
    /// By status (`200`, `2XX`, `default`).
    responses: Vec<(String, Media)>,
}

/// Why a request's body was refused before its fields were looked at.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum BodyRefusal {
    /// No declared media type matches the `Content-Type`.
    MediaType(String),
}

impl Checks {
    /// Compiles every schema of `operation` against the spec's documents.
    pub(crate) fn compile(
        operation: &Operation,
        registry: &Registry<'_>,
    ) -> Result<Self, Vec<Problem>> {
        let mut problems = Vec::new();
        let mut compile = |schema: &Option<SchemaAt>| -> Option<Validator> {
            let schema = schema.as_ref()?;
            match jsonschema::options()
                .with_draft(Draft::Draft202012)
                .with_registry(registry)
                .should_validate_formats(true)
                .offline()
                .build(&json!({ "$ref": schema.uri }))
            {
                Ok(validator) => Some(validator),
                Err(error) => {
                    problems.push(Problem::InvalidSchema {
                        operation: operation.label(),
                        at: schema.uri.clone(),
                        reason: error.to_string(),
                    });
                    None
                }
            }
        };
        let parameters = operation
            .parameters
            .iter()
            .map(|p| {
                let field = format!("/{}/{}", p.location.as_str(), p.name);
                (p.clone(), field, compile(&p.schema))
            })
            .collect();
        let mut content = |content: &Content| -> Media {
            content
                .iter()
                .map(|(media, schema)| (media.clone(), compile(schema)))
                .collect()
        };
        let body = operation
            .body
            .as_ref()
            .map(|b| (b.required, content(&b.content)));
        let responses = operation
            .responses
            .iter()
            .map(|(status, c)| (status.clone(), content(c)))
            .collect();
        if problems.is_empty() {
            Ok(Self {
                parameters,
                body,
                responses,
            })
        } else {
            Err(problems)
        }
    }

    /// Whether the operation declares a request body (so the body must be read to check it).
    pub(crate) fn has_body(&self) -> bool {
        self.body.is_some()
    }

    /// The failures of the request's parameters; `path` holds the matched path parameters.
    pub(crate) fn parameters(&self, parts: &Parts, path: &[(&str, &str)]) -> Vec<FieldError> {
        let mut failures = Vec::new();
        let query: Vec<(Cow<'_, str>, Cow<'_, str>)> = parts
            .uri
            .query()
            .map(|q| form_urlencoded::parse(q.as_bytes()).collect())
            .unwrap_or_default();
        for (parameter, field, validator) in &self.parameters {
            let field = field.as_str();
            let values = given(parameter, &parts.headers, &query, path);
            match read(parameter, &values) {
                Read::Missing if parameter.required => {
                    failures.push(failure(field, "is required"));
                }
                Read::Missing => {}
                Read::Repeated => failures.push(failure(field, "is given more than once")),
                Read::Value(value) => {
                    if let Some(validator) = validator {
                        collect(validator, &value, field, &mut failures);
                    }
                }
            }
        }
        failures
    }

    /// Checks the body: its media type against the declared ones, then its JSON against the
    /// schema of that type.
    pub(crate) fn body(
        &self,
        headers: &HeaderMap,
        bytes: &[u8],
    ) -> Result<Vec<FieldError>, BodyRefusal> {
        let Some((required, content)) = &self.body else {
            return Ok(Vec::new());
        };
        if bytes.is_empty() {
            return Ok(if *required {
                vec![failure("/body", "a body is required")]
            } else {
                Vec::new()
            });
        }
        let media = media_type(headers);
        let Some((declared, validator)) = matching(content, &media) else {
            return Err(BodyRefusal::MediaType(media));
        };
        let mut failures = Vec::new();
        if is_json(declared) || is_json(&media) {
            match serde_json::from_slice::<Value>(bytes) {
                Ok(value) => {
                    if let Some(validator) = validator {
                        collect(validator, &value, "/body", &mut failures);
                    }
                }
                Err(error) => failures.push(failure("/body", &format!("is not JSON: {error}"))),
            }
        }
        Ok(failures)
    }

    /// Checks a response's JSON body against the schema of its status (the exact code, then
    /// `2XX`, then `default`); returns what does not match. An undeclared status is a mismatch.
    pub(crate) fn response(
        &self,
        status: u16,
        headers: &HeaderMap,
        bytes: &[u8],
    ) -> Vec<FieldError> {
        let code = status.to_string();
        let range = format!("{}XX", status / 100);
        let declared = ["exact", "range", "default"].iter().find_map(|which| {
            self.responses.iter().find(|(s, _)| match *which {
                "exact" => *s == code,
                "range" => s.eq_ignore_ascii_case(&range),
                _ => s == "default",
            })
        });
        let Some((_, content)) = declared else {
            // A server error the spec does not list is the server failing, not the handler
            // drifting: it keeps its status (a 503 its `Retry-After`).
            if status >= 500 {
                return Vec::new();
            }
            return vec![failure(
                "/status",
                &format!("{status} is not a declared response"),
            )];
        };
        if content.is_empty() || bytes.is_empty() {
            return Vec::new();
        }
        let media = media_type(headers);
        let Some((_, validator)) = matching(content, &media) else {
            return vec![failure(
                "/content-type",
                &format!("`{media}` is not declared for {status}"),
            )];
        };
        let mut failures = Vec::new();
        if let (Some(validator), true) = (validator, is_json(&media)) {
            match serde_json::from_slice::<Value>(bytes) {
                Ok(value) => collect(validator, &value, "/body", &mut failures),
                Err(error) => failures.push(failure("/body", &format!("is not JSON: {error}"))),
            }
        }
        failures
    }
}

fn failure(field: &str, message: &str) -> FieldError {
    FieldError {
        field: field.to_owned(),
        message: message.to_owned(),
    }
}

/// Each schema violation, at `base` + its instance path. The messages name the rule, not the
/// value (`value is not of type "integer"`), so a response never echoes what it refused.
fn collect(validator: &Validator, value: &Value, base: &str, failures: &mut Vec<FieldError>) {
    // The common case, a valid value, takes the validator's fast path: no error is built.
    if validator.is_valid(value) {
        return;
    }
    for error in validator.iter_errors(value) {
        failures.push(FieldError {
            field: format!("{base}{}", error.instance_path().as_str()),
            message: error.masked().to_string(),
        });
    }
}

/// The raw values a parameter was given.
fn given<'a>(
    parameter: &Parameter,
    headers: &'a HeaderMap,
    query: &'a [(Cow<'a, str>, Cow<'a, str>)],
    path: &'a [(&'a str, &'a str)],
) -> Vec<&'a str> {
    match parameter.location {
        Location::Path => path
            .iter()
            .filter(|(k, _)| *k == parameter.name)
            .map(|(_, v)| *v)
            .collect(),
        Location::Query => query
            .iter()
            .filter(|(k, _)| *k == parameter.name)
            .map(|(_, v)| v.as_ref())
            .collect(),
        Location::Header => headers
            .get_all(parameter.name.as_str())
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect(),
        Location::Cookie => headers
            .get_all(http::header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|line| line.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .filter(|(k, _)| *k == parameter.name)
            .map(|(_, v)| v)
            .collect(),
    }
}

/// What a parameter was given.
enum Read {
    Missing,
    /// A single-valued parameter given more than once: neither value is picked.
    Repeated,
    /// The values as the JSON its schema describes.
    Value(Value),
}

fn read(parameter: &Parameter, values: &[&str]) -> Read {
    let (kind, items) = parameter
        .schema
        .as_ref()
        .map_or((Kind::String, Kind::String), |s| (s.kind, s.items));
    if kind == Kind::Array {
        if values.is_empty() {
            return Read::Missing;
        }
        let parts: Vec<&str> = if parameter.explode && parameter.location == Location::Query {
            values.to_vec()
        } else {
            values.iter().flat_map(|v| v.split(',')).collect()
        };
        return Read::Value(Value::Array(
            parts.into_iter().map(|p| scalar(items, p)).collect(),
        ));
    }
    match values {
        [] => Read::Missing,
        [one] => Read::Value(scalar(kind, one)),
        _ => Read::Repeated,
    }
}

/// Text as a JSON value of `kind`, or as a string when it is not one (so that the schema's
/// type check reports it).
fn scalar(kind: Kind, text: &str) -> Value {
    let parsed = match kind {
        Kind::Integer => text
            .parse::<i64>()
            .map(Value::from)
            .or_else(|_| text.parse::<u64>().map(Value::from))
            .ok(),
        Kind::Number => text
            .parse::<f64>()
            .ok()
            .filter(|n| n.is_finite())
            .and_then(Number::from_f64)
            .map(Value::Number),
        Kind::Boolean => match text {
            "true" => Some(Value::Bool(true)),
            "false" => Some(Value::Bool(false)),
            _ => None,
        },
        Kind::String | Kind::Array => None,
    };
    parsed.unwrap_or_else(|| Value::String(text.to_owned()))
}

/// The request's media type, lowercased, without parameters; `application/octet-stream` when
/// none is given (RFC 9110's default).
fn media_type(headers: &HeaderMap) -> String {
    headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map_or_else(
            || "application/octet-stream".to_owned(),
            |m| m.trim().to_ascii_lowercase(),
        )
}

/// The declared media type that covers `media`: exact, then `type/*`, then `*/*`.
fn matching<'a>(
    content: &'a [(String, Option<Validator>)],
    media: &str,
) -> Option<&'a (String, Option<Validator>)> {
    let main = media.split('/').next().unwrap_or_default();
    content
        .iter()
        .find(|(d, _)| d == media)
        .or_else(|| {
            content
                .iter()
                .find(|(d, _)| d.strip_suffix("/*") == Some(main))
        })
        .or_else(|| content.iter().find(|(d, _)| d == "*/*"))
}

fn is_json(media: &str) -> bool {
    media == "application/json" || media.ends_with("+json")
}
