//! `render --parameter-store PREFIX`: a stage's values as SecureString parameters, one per
//! leaf, as fleece writes them: nested keys are path segments, numbers, booleans and lists
//! become strings. Every name is checked against Parameter Store's rules before any call.

use std::io::IsTerminal as _;

use aws_sdk_ssm::types::ParameterType;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use updraft_config_crypto::value::Value;
use updraft_config_crypto::{Error, output};
use zeroize::Zeroizing;

/// Parameter Store's deepest hierarchy.
const MAX_DEPTH: usize = 15;
/// The longest parameter name.
const MAX_NAME: usize = 1011;

/// One parameter: its name and its value, zeroed on drop.
pub(crate) struct Parameter {
    pub(crate) name: String,
    value: Zeroizing<String>,
}

impl std::fmt::Debug for Parameter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Parameter")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// The parameters of `value` under `prefix`, names checked.
pub(crate) fn parameters(value: &Value, prefix: &str) -> Result<Vec<Parameter>, Error> {
    let prefix = format!("/{}", prefix.trim_matches('/'));
    let mut out = Vec::new();
    collect(value, &mut vec![prefix], &mut out)?;
    for parameter in &out {
        check_name(&parameter.name)?;
    }
    Ok(out)
}

fn collect(value: &Value, path: &mut Vec<String>, out: &mut Vec<Parameter>) -> Result<(), Error> {
    if let Value::Map(entries) = value {
        for (key, child) in entries {
            path.push(key.clone());
            collect(child, path, out)?;
            path.pop();
        }
        return Ok(());
    }
    let text = match value {
        Value::Null => return Ok(()),
        Value::Str(text) => text.clone(),
        Value::Secret(secret) => secret.expose().to_owned(),
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => f.to_string(),
        Value::List(_) | Value::Map(_) => output::to_json(value).to_string(),
    };
    out.push(Parameter {
        name: path.join("/").replacen("//", "/", 1),
        value: Zeroizing::new(text),
    });
    Ok(())
}

fn check_name(name: &str) -> Result<(), Error> {
    let invalid = |reason: &str| Error::Format {
        path: name.to_owned(),
        reason: format!("not a Parameter Store name: {reason}"),
    };
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-' | '/'))
    {
        return Err(invalid("only letters, digits and `_ . - /` are allowed"));
    }
    if name.len() > MAX_NAME {
        return Err(invalid("longer than 1011 characters"));
    }
    if name.matches('/').count() > MAX_DEPTH {
        return Err(invalid("deeper than 15 levels"));
    }
    let lower = name.to_ascii_lowercase();
    if lower.starts_with("/aws") || lower.starts_with("/ssm") {
        return Err(invalid("names may not start with aws or ssm"));
    }
    Ok(())
}

/// Writes the parameters (SecureString, overwritten), with a progress bar on a terminal.
pub(crate) async fn put(
    client: &aws_sdk_ssm::Client,
    parameters: &[Parameter],
    kms_key: Option<&str>,
) -> Result<(), Error> {
    let bar = if std::io::stderr().is_terminal() {
        let bar = ProgressBar::with_draw_target(
            Some(u64::try_from(parameters.len()).unwrap_or(u64::MAX)),
            ProgressDrawTarget::stderr(),
        );
        if let Ok(style) = ProgressStyle::with_template("{bar:30} {pos}/{len} parameters {msg}") {
            bar.set_style(style);
        }
        bar
    } else {
        ProgressBar::hidden()
    };
    for parameter in parameters {
        bar.set_message(parameter.name.clone());
        client
            .put_parameter()
            .name(&parameter.name)
            .value(parameter.value.as_str())
            .r#type(ParameterType::SecureString)
            .set_key_id(kms_key.map(str::to_owned))
            .overwrite(true)
            .send()
            .await
            .map_err(|e| Error::Format {
                path: parameter.name.clone(),
                reason: format!(
                    "Parameter Store refused it: {}",
                    updraft_core::error::Report(&updraft_core::aws::AwsError::from_sdk(
                        "ssm",
                        "PutParameter",
                        e
                    ))
                ),
            })?;
        bar.inc(1);
    }
    bar.finish_and_clear();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use updraft_config_crypto::value::Secret;

    #[test]
    fn nested_keys_become_paths_and_names_are_checked_first() {
        let value = Value::Map(vec![
            (
                "db".into(),
                Value::Map(vec![
                    (
                        "password".into(),
                        Value::Secret(Secret::new(Zeroizing::new("p".into()))),
                    ),
                    ("port".into(), Value::Int(5432)),
                ]),
            ),
            ("hosts".into(), Value::List(vec![Value::Str("a".into())])),
        ]);
        let names: Vec<String> = parameters(&value, "/orders/prod/")
            .unwrap()
            .into_iter()
            .map(|p| p.name)
            .collect();
        assert_eq!(
            names,
            [
                "/orders/prod/db/password",
                "/orders/prod/db/port",
                "/orders/prod/hosts"
            ]
        );
        let bad = Value::Map(vec![("a b".into(), Value::Int(1))]);
        assert!(
            parameters(&bad, "p")
                .unwrap_err()
                .to_string()
                .contains("only letters")
        );
        let deep = (0..16).fold(Value::Int(1), |inner, i| {
            Value::Map(vec![(format!("k{i}"), inner)])
        });
        assert!(
            parameters(&deep, "p")
                .unwrap_err()
                .to_string()
                .contains("15 levels")
        );
        assert!(
            parameters(&value, "aws/x")
                .unwrap_err()
                .to_string()
                .contains("aws or ssm")
        );
    }
}
