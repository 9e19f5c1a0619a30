//! A queue's URL from the environment, as aws-python-helper's `get_queue_url` builds it from
//! `AWS_REGION`, `AWS_ACCOUNT_ID`, `SERVICE_NAME`, `QUEUE_NAME` and `ENV`.
//!
//! The default pattern is [`DEFAULT_PATTERN`]:
//! `https://sqs.{region}.{domain}/{account}/{service}-{queue}-{env}`, where `{domain}` is
//! `amazonaws.com` (`amazonaws.com.cn` in China regions). Set `UPDRAFT_QUEUE_URL_PATTERN` (or
//! use [`QueueUrl::new`]) for another naming scheme; a pattern reads only the variables of the
//! placeholders it has.

use updraft_core::Env;

use crate::Error;

/// The variable that overrides [`DEFAULT_PATTERN`].
pub const PATTERN_VAR: &str = "UPDRAFT_QUEUE_URL_PATTERN";

/// The URL pattern used when `UPDRAFT_QUEUE_URL_PATTERN` is not set.
pub const DEFAULT_PATTERN: &str = "https://sqs.{region}.{domain}/{account}/{service}-{queue}-{env}";

/// The placeholders a pattern may hold, and the variable each reads (`{domain}` follows the
/// region).
const PLACEHOLDERS: [(&str, &str); 6] = [
    ("region", "AWS_REGION"),
    ("domain", "AWS_REGION"),
    ("account", "AWS_ACCOUNT_ID"),
    ("service", "SERVICE_NAME"),
    ("queue", "QUEUE_NAME"),
    ("env", "ENV"),
];

/// A checked queue URL pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueUrl {
    pattern: String,
}

impl QueueUrl {
    /// A pattern with `{region}`, `{domain}`, `{account}`, `{service}`, `{queue}` and `{env}`
    /// placeholders.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] naming [`PATTERN_VAR`] for an unknown placeholder, an unclosed brace,
    /// or a pattern that is not an `https://` URL.
    pub fn new(pattern: impl Into<String>) -> Result<Self, Error> {
        let pattern = pattern.into();
        let invalid =
            |reason: String| Error::Config(updraft_core::Error::invalid_var(PATTERN_VAR, reason));
        if !pattern.starts_with("https://") && !pattern.starts_with("http://") {
            return Err(invalid(format!("`{pattern}` is not an http(s) URL")));
        }
        let mut rest = pattern.as_str();
        while let Some(open) = rest.find('{') {
            let Some(close) = rest[open..].find('}') else {
                return Err(invalid(format!("`{pattern}` has an unclosed `{{`")));
            };
            let name = &rest[open + 1..open + close];
            if !PLACEHOLDERS.iter().any(|(known, _)| *known == name) {
                return Err(invalid(format!(
                    "`{{{name}}}` is not a placeholder (use region, domain, account, service, queue, env)"
                )));
            }
            rest = &rest[open + close + 1..];
        }
        Ok(Self { pattern })
    }

    /// The pattern of `UPDRAFT_QUEUE_URL_PATTERN`, else [`DEFAULT_PATTERN`].
    ///
    /// # Errors
    ///
    /// See [`QueueUrl::new`].
    pub fn from_env(env: &Env) -> Result<Self, Error> {
        Self::new(env.non_empty(PATTERN_VAR).unwrap_or(DEFAULT_PATTERN))
    }

    /// The URL for the variables of `env`.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] with core's `MissingVar` for a variable the pattern needs and `env`
    /// lacks, or `InvalidVar` for a value that does not belong in a queue URL: a region that
    /// is not one, an account id that is not 12 digits, a name with other characters than
    /// letters, digits, `-` and `_`, or a queue name over SQS's 80 characters.
    pub fn build(&self, env: &Env) -> Result<String, Error> {
        let mut url = self.pattern.clone();
        for (placeholder, variable) in PLACEHOLDERS {
            let marker = format!("{{{placeholder}}}");
            if !url.contains(&marker) {
                continue;
            }
            let value = env.require(variable).map_err(Error::Config)?.trim();
            check(variable, value)?;
            let value = match placeholder {
                "domain" if value.starts_with("cn-") => "amazonaws.com.cn",
                "domain" => "amazonaws.com",
                _ => value,
            };
            url = url.replace(&marker, value);
        }
        let name = url.rsplit('/').next().unwrap_or_default();
        if name.len() > 80 {
            return Err(Error::Config(updraft_core::Error::invalid_var(
                "QUEUE_NAME",
                format!("the queue name `{name}` is over SQS's 80 characters"),
            )));
        }
        Ok(url)
    }
}

fn check(variable: &str, value: &str) -> Result<(), Error> {
    let ok = match variable {
        "AWS_REGION" => {
            !value.is_empty()
                && value
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        }
        "AWS_ACCOUNT_ID" => value.len() == 12 && value.bytes().all(|b| b.is_ascii_digit()),
        _ => {
            !value.is_empty()
                && value
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        }
    };
    if ok {
        Ok(())
    } else {
        Err(Error::Config(updraft_core::Error::invalid_var(
            variable,
            format!("`{value}` does not belong in a queue URL"),
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Env {
        Env::from_pairs(pairs.iter().copied())
    }

    const ALL: [(&str, &str); 5] = [
        ("AWS_REGION", "us-east-2"),
        ("AWS_ACCOUNT_ID", "123456789012"),
        ("SERVICE_NAME", "dockets"),
        ("QUEUE_NAME", "orders"),
        ("ENV", "prod"),
    ];

    #[test]
    fn the_default_pattern_and_an_override() {
        let url = QueueUrl::from_env(&env(&ALL))
            .unwrap()
            .build(&env(&ALL))
            .unwrap();
        assert_eq!(
            url,
            "https://sqs.us-east-2.amazonaws.com/123456789012/dockets-orders-prod"
        );
        let china = [("AWS_REGION", "cn-north-1"), ALL[1], ALL[2], ALL[3], ALL[4]];
        let url = QueueUrl::from_env(&env(&china))
            .unwrap()
            .build(&env(&china))
            .unwrap();
        assert!(
            url.starts_with("https://sqs.cn-north-1.amazonaws.com.cn/"),
            "{url}"
        );
        let custom = [(
            PATTERN_VAR,
            "https://sqs.{region}.amazonaws.com/{account}/{queue}_{env}.fifo",
        )];
        let pattern = QueueUrl::from_env(&env(&custom)).unwrap();
        // Only the variables of its placeholders are read: SERVICE_NAME may be absent.
        let partial = [ALL[0], ALL[1], ALL[3], ALL[4]];
        assert_eq!(
            pattern.build(&env(&partial)).unwrap(),
            "https://sqs.us-east-2.amazonaws.com/123456789012/orders_prod.fifo"
        );
    }

    #[test]
    fn bad_patterns_and_values_are_named() {
        for pattern in ["sqs/{queue}", "https://x/{queue", "https://x/{table}"] {
            let err = QueueUrl::new(pattern).unwrap_err();
            assert!(err.to_string().contains(PATTERN_VAR), "{pattern}: {err}");
        }
        let pattern = QueueUrl::new(DEFAULT_PATTERN).unwrap();
        let cases: [(&str, &str); 6] = [
            ("AWS_REGION", "us east"),
            ("AWS_ACCOUNT_ID", "12345"),
            ("AWS_ACCOUNT_ID", "12345678901x"),
            ("QUEUE_NAME", "orders/../admin"),
            ("ENV", ""),
            ("SERVICE_NAME", &"s".repeat(80)),
        ];
        for (variable, value) in cases {
            let mut pairs: Vec<(&str, &str)> = ALL
                .iter()
                .copied()
                .filter(|(n, _)| *n != variable)
                .collect();
            pairs.push((variable, value));
            let err = pattern.build(&env(&pairs)).unwrap_err();
            let text = err.to_string();
            assert!(
                text.contains(variable) || text.contains("QUEUE_NAME"),
                "{variable}={value}: {text}"
            );
        }
        let missing = pattern.build(&env(&ALL[..4])).unwrap_err();
        assert!(missing.to_string().contains("ENV"), "{missing}");
    }
}
