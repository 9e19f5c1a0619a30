//! Connection strings from the environment: a whole URI, or a host with the user and password
//! put in (percent-encoded), as aws-python-helper reads them.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use updraft_core::{Env, Error as CoreError};

/// What may stay unescaped in a URI's user or password: RFC 3986's unreserved characters.
const USERINFO: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// The user and password that `MONGO_DB_USER` / `MONGO_DB_PASSWORD` give, percent-encoded.
#[derive(Clone, Default)]
pub(crate) struct Credentials {
    userinfo: Option<String>,
    /// The raw password, to scrub from any text that could quote a URI.
    password: Option<String>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("set", &self.userinfo.is_some())
            .finish_non_exhaustive()
    }
}

impl Credentials {
    /// Reads `MONGO_DB_USER` and `MONGO_DB_PASSWORD`: both or neither.
    pub(crate) fn from_env(env: &Env) -> Result<Self, CoreError> {
        match (
            env.non_empty("MONGO_DB_USER"),
            env.non_empty("MONGO_DB_PASSWORD"),
        ) {
            (None, None) => Ok(Self::default()),
            (Some(user), Some(password)) => Ok(Self {
                userinfo: Some(format!(
                    "{}:{}",
                    utf8_percent_encode(user, USERINFO),
                    utf8_percent_encode(password, USERINFO)
                )),
                password: Some(password.to_owned()),
            }),
            (Some(_), None) => Err(CoreError::MissingVar {
                name: "MONGO_DB_PASSWORD".into(),
            }),
            (None, Some(_)) => Err(CoreError::MissingVar {
                name: "MONGO_DB_USER".into(),
            }),
        }
    }

    /// `uri` with the credentials put in after the scheme, unless it carries its own.
    pub(crate) fn inject(&self, uri: &str, variable: &str) -> Result<String, CoreError> {
        let (scheme, rest) = split_scheme(uri, variable)?;
        let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
        if rest[..authority_end].contains('@') {
            return Ok(uri.to_owned());
        }
        Ok(match &self.userinfo {
            Some(userinfo) => format!("{scheme}://{userinfo}@{rest}"),
            None => uri.to_owned(),
        })
    }

    /// `text` with the password (raw and encoded) blotted out.
    pub(crate) fn scrub(&self, text: &str) -> String {
        match &self.password {
            Some(password) if !password.is_empty() => {
                let encoded = utf8_percent_encode(password, USERINFO).to_string();
                text.replace(password.as_str(), "***")
                    .replace(&encoded, "***")
            }
            _ => text.to_owned(),
        }
    }
}

/// The scheme (`mongodb` or `mongodb+srv`) and the rest of a URI.
fn split_scheme<'a>(uri: &'a str, variable: &str) -> Result<(&'a str, &'a str), CoreError> {
    match uri.split_once("://") {
        Some((scheme @ ("mongodb" | "mongodb+srv"), rest)) if !rest.is_empty() => {
            Ok((scheme, rest))
        }
        _ => Err(CoreError::InvalidVar {
            name: variable.into(),
            reason: "a connection string starts with mongodb:// or mongodb+srv:// and names a host"
                .into(),
        }),
    }
}

/// The main cluster's URI and the variable it came from: `MONGODB_URI`, `MONGO_DB_URI`, or
/// `MONGO_DB_HOST` with the credentials and `MONGO_DB_OPTIONS`.
pub(crate) fn main_uri(
    env: &Env,
    credentials: &Credentials,
) -> Result<(String, &'static str), CoreError> {
    for name in ["MONGODB_URI", "MONGO_DB_URI"] {
        if let Some(uri) = env.non_empty(name) {
            split_scheme(uri, name)?;
            return Ok((uri.to_owned(), name));
        }
    }
    let Some(host) = env.non_empty("MONGO_DB_HOST") else {
        return Err(CoreError::MissingVar {
            name: "MONGODB_URI (or MONGO_DB_URI, or MONGO_DB_HOST with MONGO_DB_USER and MONGO_DB_PASSWORD)"
                .into(),
        });
    };
    let host = if host.contains("://") {
        host.to_owned()
    } else {
        format!("mongodb://{host}")
    };
    let mut uri = credentials.inject(&host, "MONGO_DB_HOST")?;
    if let Some(options) = env.non_empty("MONGO_DB_OPTIONS") {
        let options = options.trim_start_matches('?');
        if options.contains(['/', '#', ' ']) {
            return Err(CoreError::InvalidVar {
                name: "MONGO_DB_OPTIONS".into(),
                reason: "options are `name=value` pairs joined by `&`".into(),
            });
        }
        let (_, rest) = split_scheme(&uri, "MONGO_DB_HOST")?;
        let separator = match (rest.contains('/'), rest.contains('?')) {
            (_, true) => "&",
            (true, false) => "?",
            (false, false) => "/?",
        };
        uri = format!("{uri}{separator}{options}");
    }
    Ok((uri, "MONGO_DB_HOST"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Env {
        Env::from_pairs(pairs.iter().copied())
    }

    #[test]
    fn a_whole_uri_wins_and_is_kept_as_given() {
        let env = env(&[
            ("MONGO_DB_URI", "mongodb://b:2/"),
            ("MONGODB_URI", "mongodb://a:1/?directConnection=true"),
            ("MONGO_DB_HOST", "c:3"),
        ]);
        let (uri, from) = main_uri(&env, &Credentials::default()).unwrap();
        assert_eq!(uri, "mongodb://a:1/?directConnection=true");
        assert_eq!(from, "MONGODB_URI");
    }

    #[test]
    fn components_are_joined_with_the_password_percent_encoded() {
        let env = env(&[
            ("MONGO_DB_HOST", "mongodb+srv://cluster.example.net"),
            ("MONGO_DB_USER", "app@ops"),
            ("MONGO_DB_PASSWORD", "p:w/d?#@%"),
            ("MONGO_DB_OPTIONS", "retryWrites=true&w=majority"),
        ]);
        let credentials = Credentials::from_env(&env).unwrap();
        let (uri, _) = main_uri(&env, &credentials).unwrap();
        assert_eq!(
            uri,
            "mongodb+srv://app%40ops:p%3Aw%2Fd%3F%23%40%25@cluster.example.net/?retryWrites=true&w=majority"
        );
        assert!(!format!("{credentials:?}").contains("p:w"));
        assert_eq!(
            credentials.scrub(&format!("bad uri {uri} (p:w/d?#@%)")),
            "bad uri mongodb+srv://app%40ops:***@cluster.example.net/?retryWrites=true&w=majority (***)"
        );
    }

    #[test]
    fn a_bare_host_gets_the_plain_scheme_and_a_uri_with_credentials_keeps_them() {
        let credentials =
            Credentials::from_env(&env(&[("MONGO_DB_USER", "u"), ("MONGO_DB_PASSWORD", "p")]))
                .unwrap();
        let (uri, _) = main_uri(
            &env(&[("MONGO_DB_HOST", "db.internal:27017")]),
            &credentials,
        )
        .unwrap();
        assert_eq!(uri, "mongodb://u:p@db.internal:27017");
        assert_eq!(
            credentials.inject("mongodb://own:pw@h/x", "X").unwrap(),
            "mongodb://own:pw@h/x"
        );
    }

    #[test]
    fn malformed_settings_name_their_variable() {
        let cases: [(&[(&str, &str)], &str); 5] = [
            (&[], "MONGODB_URI (or"),
            (&[("MONGODB_URI", "postgres://x")], "MONGODB_URI"),
            (&[("MONGODB_URI", "mongodb://")], "MONGODB_URI"),
            (
                &[("MONGO_DB_HOST", "h"), ("MONGO_DB_OPTIONS", "a=b#c")],
                "MONGO_DB_OPTIONS",
            ),
            (&[("MONGO_DB_HOST", "ftp://h")], "MONGO_DB_HOST"),
        ];
        for (pairs, variable) in cases {
            let error = main_uri(&env(pairs), &Credentials::default()).unwrap_err();
            assert!(error.to_string().contains(variable), "{pairs:?}: {error}");
        }
        let half = Credentials::from_env(&env(&[("MONGO_DB_USER", "u")])).unwrap_err();
        assert!(half.to_string().contains("MONGO_DB_PASSWORD"), "{half}");
    }
}
