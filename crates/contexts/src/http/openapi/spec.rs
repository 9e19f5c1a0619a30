//! The operations of a spec: each one's method, path, parameters, request body and responses,
//! with references followed and schemas kept as URIs for the validator to resolve.

use http::Method;
use serde_json::{Map, Value};

use super::Problem;
use super::load::Documents;
use super::refs::{escape, follow, invalid};
use super::schema::{SchemaAt, schema_at};

/// Where a parameter is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Location {
    Path,
    Query,
    Header,
    Cookie,
}

impl Location {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Location::Path => "path",
            Location::Query => "query",
            Location::Header => "header",
            Location::Cookie => "cookie",
        }
    }
}

/// One parameter of an operation.
#[derive(Debug, Clone)]
pub(crate) struct Parameter {
    pub(crate) name: String,
    pub(crate) location: Location,
    pub(crate) required: bool,
    /// Arrays come as repeated keys (`form`, explode) rather than comma-separated.
    pub(crate) explode: bool,
    pub(crate) schema: Option<SchemaAt>,
}

/// The media types an operation takes or answers, each with its schema.
pub(crate) type Content = Vec<(String, Option<SchemaAt>)>;

/// An operation's request body.
#[derive(Debug, Clone)]
pub(crate) struct Body {
    pub(crate) required: bool,
    pub(crate) content: Content,
}

/// One operation.
#[derive(Debug, Clone)]
pub(crate) struct Operation {
    pub(crate) id: Option<String>,
    pub(crate) method: Method,
    pub(crate) path: String,
    pub(crate) parameters: Vec<Parameter>,
    pub(crate) body: Option<Body>,
    /// By status: `200`, `2XX` or `default`.
    pub(crate) responses: Vec<(String, Content)>,
}

impl Operation {
    /// `GET /pets/{id}`, for messages.
    pub(crate) fn label(&self) -> String {
        format!("{} {}", self.method, self.path)
    }
}

const METHODS: &[(&str, Method)] = &[
    ("get", Method::GET),
    ("put", Method::PUT),
    ("post", Method::POST),
    ("delete", Method::DELETE),
    ("options", Method::OPTIONS),
    ("head", Method::HEAD),
    ("patch", Method::PATCH),
    ("trace", Method::TRACE),
];

/// Every operation of the spec, or every problem found reading them.
pub(crate) fn operations(docs: &Documents) -> Result<Vec<Operation>, Vec<Problem>> {
    let mut problems = Vec::new();
    let mut found = Vec::new();
    let Some(paths) = docs.root().get("paths").and_then(Value::as_object) else {
        return Err(vec![Problem::Invalid {
            at: "/paths".into(),
            reason: "the spec has no `paths` mapping".into(),
        }]);
    };
    for (path, item) in paths {
        if !path.starts_with('/') {
            problems.push(Problem::Invalid {
                at: format!("/paths/{}", escape(path)),
                reason: "a path starts with `/`".into(),
            });
            continue;
        }
        let at = format!("#/paths/{}", escape(path));
        let (base, item) = match follow(docs, &docs.root, &at, item) {
            Ok(found) => found,
            Err(problem) => {
                problems.push(problem);
                continue;
            }
        };
        let Some(item) = item.value.as_object() else {
            problems.push(invalid(&item.uri, "a path item is a mapping"));
            continue;
        };
        let shared = item.get("parameters");
        for (key, method) in METHODS {
            let Some(raw) = item.get(*key) else { continue };
            let pointer = format!("{}/{key}", base.1);
            match operation(docs, &base.0, &pointer, raw, shared, method.clone(), path) {
                Ok(op) => found.push(op),
                Err(mut more) => problems.append(&mut more),
            }
        }
    }
    if problems.is_empty() {
        Ok(found)
    } else {
        Err(problems)
    }
}

#[allow(clippy::too_many_arguments, reason = "one operation's whole context")]
fn operation(
    docs: &Documents,
    doc: &str,
    pointer: &str,
    raw: &Value,
    shared: Option<&Value>,
    method: Method,
    path: &str,
) -> Result<Operation, Vec<Problem>> {
    let mut problems = Vec::new();
    let id = raw
        .get("operationId")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let mut parameters: Vec<Parameter> = Vec::new();
    let item_pointer = pointer.rsplit_once('/').map_or("", |(item, _)| item);
    let lists = [
        (shared, format!("{item_pointer}/parameters")),
        (raw.get("parameters"), format!("{pointer}/parameters")),
    ];
    for (list, list_pointer) in lists {
        let Some(list) = list else { continue };
        let Some(items) = list.as_array() else {
            problems.push(invalid(
                &format!("{doc}#{list_pointer}"),
                "`parameters` is a list",
            ));
            continue;
        };
        for (i, item) in items.iter().enumerate() {
            match parameter(docs, doc, &format!("{list_pointer}/{i}"), item) {
                // OpenAPI: header parameters named Accept, Content-Type or Authorization are
                // ignored (content negotiation and the auth layer own those headers).
                Ok(p)
                    if p.location == Location::Header
                        && ["accept", "content-type", "authorization"]
                            .contains(&p.name.to_ascii_lowercase().as_str()) => {}
                // An operation's parameter overrides the path item's of the same name and place.
                Ok(p) => {
                    parameters.retain(|q| !(q.name == p.name && q.location == p.location));
                    parameters.push(p);
                }
                Err(problem) => problems.push(problem),
            }
        }
    }
    let body = match raw.get("requestBody") {
        None => None,
        Some(value) => match request_body(docs, doc, &format!("{pointer}/requestBody"), value) {
            Ok(body) => Some(body),
            Err(problem) => {
                problems.push(problem);
                None
            }
        },
    };
    let mut responses = Vec::new();
    if let Some(Value::Object(map)) = raw.get("responses") {
        for (status, value) in map {
            let at = format!("{pointer}/responses/{}", escape(status));
            match follow(docs, doc, &at, value).and_then(|(at, found)| {
                content(docs, &at, found.value.get("content")).map(|c| (status.clone(), c))
            }) {
                Ok(entry) => responses.push(entry),
                Err(problem) => problems.push(problem),
            }
        }
    }
    if problems.is_empty() {
        Ok(Operation {
            id,
            method,
            path: path.to_owned(),
            parameters,
            body,
            responses,
        })
    } else {
        Err(problems)
    }
}

fn parameter(
    docs: &Documents,
    doc: &str,
    pointer: &str,
    raw: &Value,
) -> Result<Parameter, Problem> {
    let ((doc, pointer), found) = follow(docs, doc, pointer, raw)?;
    let map = found
        .value
        .as_object()
        .ok_or_else(|| invalid(&found.uri, "a parameter is a mapping"))?;
    let name = map
        .get("name")
        .and_then(Value::as_str)
        .ok_or_else(|| invalid(&found.uri, "a parameter has a `name`"))?;
    let location = match map.get("in").and_then(Value::as_str) {
        Some("path") => Location::Path,
        Some("query") => Location::Query,
        Some("header") => Location::Header,
        Some("cookie") => Location::Cookie,
        other => {
            return Err(invalid(
                &found.uri,
                &format!("`in` is path, query, header or cookie, not {other:?}"),
            ));
        }
    };
    let style = map.get("style").and_then(Value::as_str);
    let explode = map
        .get("explode")
        .and_then(Value::as_bool)
        .unwrap_or(matches!(style, None | Some("form")) && location == Location::Query);
    if let Some(style) = style
        && !matches!(style, "form" | "simple")
    {
        return Err(invalid(
            &found.uri,
            &format!("the parameter style `{style}` is not supported (form and simple are)"),
        ));
    }
    let schema = match map.get("schema") {
        Some(schema) => Some(schema_at(docs, &doc, &format!("{pointer}/schema"), schema)?),
        None => None,
    };
    Ok(Parameter {
        name: name.to_owned(),
        location,
        required: map
            .get("required")
            .and_then(Value::as_bool)
            .unwrap_or(location == Location::Path),
        explode,
        schema,
    })
}

fn request_body(docs: &Documents, doc: &str, pointer: &str, raw: &Value) -> Result<Body, Problem> {
    let (at, found) = follow(docs, doc, pointer, raw)?;
    Ok(Body {
        required: found
            .value
            .get("required")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        content: content(docs, &at, found.value.get("content"))?,
    })
}

fn content(
    docs: &Documents,
    at: &(String, String),
    raw: Option<&Value>,
) -> Result<Content, Problem> {
    let Some(raw) = raw else {
        return Ok(Vec::new());
    };
    let map: &Map<String, Value> = raw.as_object().ok_or_else(|| {
        invalid(
            &format!("{}#{}/content", at.0, at.1),
            "`content` is a mapping",
        )
    })?;
    let mut out = Vec::new();
    for (media, entry) in map {
        let pointer = format!("{}/content/{}/schema", at.1, escape(media));
        let schema = match entry.get("schema") {
            Some(schema) => Some(schema_at(docs, &at.0, &pointer, schema)?),
            None => None,
        };
        out.push((media.to_ascii_lowercase(), schema));
    }
    Ok(out)
}
