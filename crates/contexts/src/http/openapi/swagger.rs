//! Swagger 2.0 documents, as fleece's users have them, converted to OpenAPI 3.0 where that is
//! mechanical; anything else is refused by name.

use serde_json::{Map, Value, json};

use super::SpecError;

/// Converts a Swagger 2.0 document to OpenAPI 3.0: `definitions`, global `parameters` and
/// `responses` move under `components`; body parameters become request bodies in each
/// `consumes` type; response schemas go under each `produces` type; other parameters keep their
/// type in a `schema`. Form parameters, `type: file` and the `collectionFormat`s OpenAPI 3 cannot
/// say are refused.
pub(crate) fn swagger_to_openapi(doc: &mut Value, document: &str) -> Result<(), SpecError> {
    let Value::Object(root) = doc else {
        return Ok(());
    };
    let refuse = |reason: String| SpecError::Unsupported {
        document: document.to_owned(),
        reason: format!("Swagger 2.0 conversion: {reason}"),
    };
    let consumes = media_list(root.get("consumes"));
    let produces = media_list(root.get("produces"));
    let global_parameters = root.remove("parameters").unwrap_or_else(|| json!({}));
    let mut components = Map::new();
    if let Some(definitions) = root.remove("definitions") {
        components.insert("schemas".into(), definitions);
    }
    if let Some(responses) = root.remove("responses") {
        let mut responses = responses;
        if let Value::Object(map) = &mut responses {
            for response in map.values_mut() {
                response_to_3(response, &produces);
            }
        }
        components.insert("responses".into(), responses);
    }
    if let Value::Object(parameters) = &global_parameters {
        let mut converted = Map::new();
        for (name, parameter) in parameters {
            if parameter.get("in").and_then(Value::as_str) != Some("body") {
                converted.insert(
                    name.clone(),
                    parameter_to_3(parameter.clone()).map_err(refuse)?,
                );
            }
        }
        components.insert("parameters".into(), Value::Object(converted));
    }
    if let Some(base) = root
        .remove("basePath")
        .and_then(|b| b.as_str().map(str::to_owned))
    {
        root.insert("servers".into(), json!([{ "url": base }]));
    }
    for key in [
        "host",
        "schemes",
        "consumes",
        "produces",
        "securityDefinitions",
    ] {
        root.remove(key);
    }
    root.remove("swagger");
    root.insert("openapi".into(), json!("3.0.3"));
    if let Some(Value::Object(paths)) = root.get_mut("paths") {
        paths_to_3(paths, &global_parameters, &consumes, &produces).map_err(refuse)?;
    }
    if !components.is_empty() {
        root.insert("components".into(), Value::Object(components));
    }
    rewrite_refs(doc);
    refuse_files(doc).map_err(refuse)
}

/// Converts each operation of `paths`: body parameters into request bodies, response schemas
/// under their media types.
fn paths_to_3(
    paths: &mut Map<String, Value>,
    global_parameters: &Value,
    consumes: &[String],
    produces: &[String],
) -> Result<(), String> {
    for (path, item) in paths.iter_mut() {
        let Value::Object(item) = item else { continue };
        for (key, operation) in item.iter_mut() {
            if key == "parameters" {
                let body = split_parameters(operation, global_parameters)?;
                if body.is_some() {
                    return Err(format!(
                        "`{path}` has a body parameter on the path item; move it to each operation"
                    ));
                }
                continue;
            }
            let Value::Object(op) = operation else {
                continue;
            };
            let op_consumes = op
                .get("consumes")
                .map_or_else(|| consumes.to_vec(), |c| media_list(Some(c)));
            let op_produces = op
                .get("produces")
                .map_or_else(|| produces.to_vec(), |p| media_list(Some(p)));
            op.remove("consumes");
            op.remove("produces");
            op.remove("schemes");
            if let Some(parameters) = op.get_mut("parameters")
                && let Some(body) = split_parameters(parameters, global_parameters)
                    .map_err(|reason| format!("{key} {path}: {reason}"))?
            {
                let mut content = Map::new();
                for media in &op_consumes {
                    content.insert(
                        media.clone(),
                        json!({ "schema": body.get("schema").cloned().unwrap_or(json!({})) }),
                    );
                }
                let mut request = Map::new();
                request.insert("content".into(), Value::Object(content));
                if let Some(required) = body.get("required") {
                    request.insert("required".into(), required.clone());
                }
                op.insert("requestBody".into(), Value::Object(request));
            }
            if let Some(Value::Object(responses)) = op.get_mut("responses") {
                for response in responses.values_mut() {
                    response_to_3(response, &op_produces);
                }
            }
        }
    }
    Ok(())
}

fn media_list(value: Option<&Value>) -> Vec<String> {
    let listed: Vec<String> = value
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(|m| m.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    if listed.is_empty() {
        vec!["application/json".to_owned()]
    } else {
        listed
    }
}

/// Converts the non-body parameters in place and takes the body parameter out, resolving
/// `#/parameters/…` references to body parameters.
fn split_parameters(parameters: &mut Value, globals: &Value) -> Result<Option<Value>, String> {
    let Value::Array(list) = parameters else {
        return Ok(None);
    };
    let mut body = None;
    let mut kept = Vec::new();
    for parameter in std::mem::take(list) {
        let resolved = match parameter.get("$ref").and_then(Value::as_str) {
            Some(reference) => match reference.strip_prefix("#/parameters/") {
                Some(name) => globals.get(name).cloned().unwrap_or(parameter.clone()),
                None => parameter.clone(),
            },
            None => parameter.clone(),
        };
        match resolved.get("in").and_then(Value::as_str) {
            Some("body") => body = Some(resolved),
            Some("formData") => {
                return Err(format!(
                    "the form parameter `{}` has no mechanical OpenAPI 3 form",
                    resolved.get("name").and_then(Value::as_str).unwrap_or("?")
                ));
            }
            _ if parameter.get("$ref").is_some() => kept.push(parameter),
            _ => kept.push(parameter_to_3(parameter)?),
        }
    }
    *list = kept;
    Ok(body)
}

/// Keywords of a Swagger 2 parameter that describe its value, and so move into its `schema`.
const VALUE_KEYWORDS: &[&str] = &[
    "type",
    "format",
    "items",
    "default",
    "maximum",
    "exclusiveMaximum",
    "minimum",
    "exclusiveMinimum",
    "maxLength",
    "minLength",
    "pattern",
    "maxItems",
    "minItems",
    "uniqueItems",
    "enum",
    "multipleOf",
];

fn parameter_to_3(parameter: Value) -> Result<Value, String> {
    let Value::Object(mut map) = parameter else {
        return Ok(parameter);
    };
    let name = map
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or("?")
        .to_owned();
    let location = map
        .get("in")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let mut schema = Map::new();
    for key in VALUE_KEYWORDS {
        if let Some(value) = map.remove(*key) {
            schema.insert((*key).to_owned(), value);
        }
    }
    map.remove("allowEmptyValue");
    match map
        .remove("collectionFormat")
        .as_ref()
        .and_then(Value::as_str)
    {
        None | Some("csv") => {
            if location == "query" {
                map.insert("style".into(), json!("form"));
                map.insert("explode".into(), json!(false));
            }
        }
        Some("multi") => {
            map.insert("style".into(), json!("form"));
            map.insert("explode".into(), json!(true));
        }
        Some(other) => {
            return Err(format!(
                "the parameter `{name}` uses collectionFormat `{other}`, which the contexts do not parse"
            ));
        }
    }
    map.insert("schema".into(), Value::Object(schema));
    Ok(Value::Object(map))
}

fn response_to_3(response: &mut Value, produces: &[String]) {
    let Value::Object(map) = response else { return };
    if let Some(schema) = map.remove("schema") {
        let content: Map<String, Value> = produces
            .iter()
            .map(|media| (media.clone(), json!({ "schema": schema })))
            .collect();
        map.insert("content".into(), Value::Object(content));
    }
    map.remove("examples");
}

fn rewrite_refs(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(reference)) = map.get_mut("$ref") {
                for (old, new) in [
                    ("#/definitions/", "#/components/schemas/"),
                    ("#/parameters/", "#/components/parameters/"),
                    ("#/responses/", "#/components/responses/"),
                ] {
                    if let Some(rest) = reference.strip_prefix(old) {
                        *reference = format!("{new}{rest}");
                        break;
                    }
                }
            }
            map.values_mut().for_each(rewrite_refs);
        }
        Value::Array(items) => items.iter_mut().for_each(rewrite_refs),
        _ => {}
    }
}

fn refuse_files(value: &Value) -> Result<(), String> {
    match value {
        Value::Object(map) => {
            if map.get("type").and_then(Value::as_str) == Some("file") {
                return Err("`type: file` has no mechanical OpenAPI 3 form".into());
            }
            map.values().try_for_each(refuse_files)
        }
        Value::Array(items) => items.iter().try_for_each(refuse_files),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]
    use super::*;

    #[test]
    fn swagger_bodies_parameters_and_definitions_convert() {
        let mut doc = json!({
            "swagger": "2.0",
            "basePath": "/v1",
            "paths": { "/pets/{id}": { "put": {
                "operationId": "putPet",
                "parameters": [
                    { "name": "id", "in": "path", "required": true, "type": "integer", "minimum": 1 },
                    { "name": "tags", "in": "query", "type": "array", "items": { "type": "string" }, "collectionFormat": "multi" },
                    { "name": "pet", "in": "body", "required": true, "schema": { "$ref": "#/definitions/Pet" } }
                ],
                "responses": { "200": { "description": "ok", "schema": { "$ref": "#/definitions/Pet" } } }
            } } },
            "definitions": { "Pet": { "type": "object" } }
        });
        swagger_to_openapi(&mut doc, "s.yaml").unwrap();
        let op = &doc["paths"]["/pets/{id}"]["put"];
        assert_eq!(doc["openapi"], "3.0.3");
        assert_eq!(doc["servers"][0]["url"], "/v1");
        assert_eq!(
            op["parameters"][0]["schema"],
            json!({ "type": "integer", "minimum": 1 })
        );
        assert_eq!(op["parameters"][1]["explode"], json!(true));
        assert_eq!(
            op["requestBody"]["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/Pet"
        );
        assert_eq!(op["requestBody"]["required"], json!(true));
        assert_eq!(
            op["responses"]["200"]["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/Pet"
        );
        assert_eq!(doc["components"]["schemas"]["Pet"]["type"], "object");
    }

    #[test]
    fn what_is_not_mechanical_is_refused() {
        for (parameter, why) in [
            (
                json!({ "name": "f", "in": "formData", "type": "string" }),
                "form parameter",
            ),
            (
                json!({ "name": "q", "in": "query", "type": "array", "collectionFormat": "pipes" }),
                "pipes",
            ),
            (
                json!({ "name": "up", "in": "body", "schema": { "type": "file" } }),
                "type: file",
            ),
        ] {
            let mut doc = json!({ "swagger": "2.0", "paths": { "/a": { "post": {
                "parameters": [parameter], "responses": {}
            } } } });
            let err = swagger_to_openapi(&mut doc, "s.yaml")
                .unwrap_err()
                .to_string();
            assert!(err.contains(why) && err.contains("s.yaml"), "{err}");
        }
    }
}
