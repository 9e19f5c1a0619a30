//! Secret references in configuration values: `secret://<name>`, `ssm://<name>` and
//! `secretsmanager://<name>`, each with an optional `#<json.key>`.

use crate::{Error, Request};

/// Which service a reference reads from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Store {
    /// SSM Parameter Store.
    Ssm,
    /// Secrets Manager.
    SecretsManager,
}

/// A parsed reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// The service; `None` for `secret://`, which reads from the default one.
    pub store: Option<Store>,
    /// The parameter or secret.
    pub request: Request,
    /// The JSON field to pick (`db.password`), if any.
    pub field: Option<String>,
}

/// The schemes, and the store each names.
const SCHEMES: [(&str, Option<Store>); 3] = [
    ("secret://", None),
    ("ssm://", Some(Store::Ssm)),
    ("secretsmanager://", Some(Store::SecretsManager)),
];

impl Reference {
    /// The reference in `value`: `Ok(None)` when the value is not a reference at all.
    ///
    /// For SSM, a name with a `/` is taken from the root, so `ssm://app/db` and `ssm:///app/db`
    /// both read `/app/db`. Secrets Manager names (and ARNs) are taken as written.
    ///
    /// # Errors
    ///
    /// [`Error::Invalid`] for a reference with no name, or an empty or malformed field.
    pub fn parse(value: &str) -> Result<Option<Self>, Error> {
        let value = value.trim();
        let Some((scheme, store)) = SCHEMES.iter().find(|(scheme, _)| {
            value
                .get(..scheme.len())
                .is_some_and(|start| start.eq_ignore_ascii_case(scheme))
        }) else {
            return Ok(None);
        };
        let rest = &value[scheme.len()..];
        let (name, field) = match rest.split_once('#') {
            Some((name, field)) => (name, Some(field)),
            None => (rest, None),
        };
        if let Some(field) = field
            && (field.is_empty() || field.split('.').any(str::is_empty))
        {
            return Err(Error::Invalid(format!(
                "`{value}`: the field after `#` is empty or has an empty key"
            )));
        }
        let name = match store {
            Some(Store::SecretsManager) => name.to_owned(),
            _ if name.contains('/') => format!("/{}", name.trim_start_matches('/')),
            _ => name.to_owned(),
        };
        if name.trim_matches('/').is_empty() {
            return Err(Error::Invalid(format!(
                "`{value}` names no parameter or secret"
            )));
        }
        Ok(Some(Self {
            store: *store,
            request: Request::new(name),
            field: field.map(str::to_owned),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(value: &str) -> Reference {
        Reference::parse(value).unwrap().unwrap()
    }

    #[test]
    fn each_form_parses() {
        let plain = parse("secret://path/to/password");
        assert_eq!(
            (plain.store, plain.request.name()),
            (None, "/path/to/password")
        );
        assert_eq!(parse("ssm:///app/db").request.name(), "/app/db");
        assert_eq!(parse("ssm://flat-name").request.name(), "flat-name");
        let picked = parse("secretsmanager://prod/db#credentials.password");
        assert_eq!(picked.store, Some(Store::SecretsManager));
        assert_eq!(picked.request.name(), "prod/db");
        assert_eq!(picked.field.as_deref(), Some("credentials.password"));
        let arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-AbCdEf";
        assert_eq!(
            parse(&format!("secretsmanager://{arn}")).request.name(),
            arn
        );
        assert_eq!(parse("SSM://x").store, Some(Store::Ssm));
    }

    #[test]
    fn plain_values_are_not_references_and_bad_ones_are_errors() {
        for plain in [
            "",
            "é",
            "ssmé://x",
            "hunter2",
            "https://example.com",
            "ssm:/x",
            "secret:",
            "postgres://u:p@h/db",
        ] {
            assert_eq!(Reference::parse(plain).unwrap(), None, "{plain}");
        }
        for bad in [
            "ssm://",
            "secret:///",
            "secretsmanager://",
            "ssm://a#",
            "ssm://a#b..c",
            "ssm://a#.b",
        ] {
            assert!(
                matches!(Reference::parse(bad), Err(Error::Invalid(_))),
                "{bad}"
            );
        }
    }
}
