//! fleece's `environments.yml`: the AWS account each environment (the `environment` of a stage
//! definition) lives in, so that a stage's KMS calls can be checked to reach that account.
//!
//! ```yaml
//! - name: dev
//!   account: '123456789012'
//! - name: prod
//!   account: '210987654321'
//!   role: LambdaDeployRole      # fleece's other fields are accepted and ignored
//! ```

use std::path::Path;

use serde::Deserialize;

use crate::Error;

/// One environment and its account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Environment {
    /// The name stage definitions use.
    pub name: String,
    /// The 12-digit AWS account id.
    pub account: String,
}

/// The environments of an `environments.yml`, in file order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Environments(Vec<Environment>);

#[derive(Deserialize)]
struct Entry {
    name: Option<serde_yaml_ng::Value>,
    account: Option<serde_yaml_ng::Value>,
}

impl Environments {
    /// Parses the text of an `environments.yml`.
    ///
    /// # Errors
    ///
    /// [`Error::Format`] naming the entry: not a list, a missing or duplicate name, an account
    /// that is not a quoted 12-digit string.
    pub fn from_text(text: &str) -> Result<Self, Error> {
        let entries: Vec<Entry> = serde_yaml_ng::from_str(text).map_err(|e| {
            Error::format(
                "environments",
                &format!("a list of {{name, account}} entries is expected: {e}"),
            )
        })?;
        let mut environments: Vec<Environment> = Vec::with_capacity(entries.len());
        for (index, entry) in entries.into_iter().enumerate() {
            let at = format!("environments[{index}]");
            let Some(serde_yaml_ng::Value::String(name)) = entry.name else {
                return Err(Error::format(&at, "an environment needs a `name` string"));
            };
            let at = format!("environments.{name}");
            let account = match entry.account {
                Some(serde_yaml_ng::Value::String(account))
                    if account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()) =>
                {
                    account
                }
                Some(serde_yaml_ng::Value::Number(_)) => {
                    return Err(Error::format(
                        &at,
                        "the account is a number: quote it ('012345678901') so that leading zeros survive",
                    ));
                }
                Some(_) => {
                    return Err(Error::format(
                        &at,
                        "the account is not a 12-digit account id",
                    ));
                }
                None => return Err(Error::format(&at, "the environment has no `account`")),
            };
            if environments.iter().any(|e| e.name == name) {
                return Err(Error::format(&at, "the environment is listed twice"));
            }
            environments.push(Environment { name, account });
        }
        Ok(Self(environments))
    }

    /// Reads `path`; `Ok(None)` when it does not exist.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] for a file that exists and cannot be read; [`Error::Format`] naming the
    /// file and the entry.
    pub fn read(path: &Path) -> Result<Option<Self>, Error> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => {
                return Err(Error::Io {
                    path: path.to_owned(),
                    source,
                });
            }
        };
        Self::from_text(&text)
            .map(Some)
            .map_err(|error| error.in_file(path))
    }

    /// The account of environment `name`.
    #[must_use]
    pub fn account(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|e| e.name == name)
            .map(|e| e.account.as_str())
    }

    /// The environments, in file order.
    #[must_use]
    pub fn entries(&self) -> &[Environment] {
        &self.0
    }
}

/// The account of a KMS key ARN (`arn:aws:kms:<region>:<account>:key/<id>`).
pub(crate) fn account_of_arn(arn: &str) -> Option<&str> {
    let mut fields = arn.split(':');
    (fields.next() == Some("arn"))
        .then(|| fields.nth(3))
        .flatten()
        .filter(|account| !account.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fleece_files_are_read_with_their_extra_fields() {
        let environments = Environments::from_text(
            "- name: development\n  account: '123456789012'\n  rs_username_var: MY_RS_USERNAME\n- name: production\n  account: '012345678901'\n  role: LambdaDeployRole\n",
        )
        .unwrap();
        assert_eq!(environments.account("production"), Some("012345678901"));
        assert_eq!(environments.account("development"), Some("123456789012"));
        assert_eq!(environments.account("staging"), None);
        assert_eq!(environments.entries().len(), 2);
    }

    #[test]
    fn malformed_files_name_the_entry() {
        for (text, expected) in [
            ("name: dev", "environments: a list of"),
            (
                "- account: '123456789012'",
                "environments[0]: an environment needs",
            ),
            (
                "- name: dev\n  account: 123456789012",
                "environments.dev: the account is a number",
            ),
            (
                "- name: dev\n  account: '1234'",
                "environments.dev: the account is not",
            ),
            (
                "- name: dev",
                "environments.dev: the environment has no `account`",
            ),
            (
                "- {name: dev, account: '123456789012'}\n- {name: dev, account: '123456789012'}",
                "environments.dev: the environment is listed twice",
            ),
            ("[", "environments: a list of"),
        ] {
            let error = Environments::from_text(text).unwrap_err().to_string();
            assert!(error.contains(expected), "{text:?}: {error}");
        }
    }

    #[test]
    fn a_missing_file_is_none() {
        let path = std::env::temp_dir().join("updraft-no-such-environments.yml");
        assert_eq!(Environments::read(&path).unwrap(), None);
    }

    #[test]
    fn accounts_come_from_key_arns() {
        assert_eq!(
            account_of_arn("arn:aws:kms:us-east-1:123456789012:key/abc"),
            Some("123456789012")
        );
        assert_eq!(account_of_arn("alias/prod"), None);
        assert_eq!(account_of_arn("arn:aws:kms:us-east-1"), None);
        assert_eq!(account_of_arn("arn:aws:kms:us-east-1::key/x"), None);
    }
}
