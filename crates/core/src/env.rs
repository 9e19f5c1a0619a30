//! A snapshot of the configuration variables: the process environment, plus a `.env` file.
//!
//! Updraft reads all of its configuration through an [`Env`] rather than `std::env::var`. The
//! snapshot is taken once at cold start, and a `.env` file fills in what the process
//! environment does not set without ever overriding it. Because nothing is written back into
//! the process environment (which is `unsafe` since Rust 2024), loading a `.env` file is safe
//! at any point, and tests can hand a loader an `Env` of their own instead of mutating globals.

// Over 400 lines with its tests; the code is about 350 lines.

use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use crate::Error;

/// Where a variable's value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Source {
    /// The process environment.
    Process,
    /// A `.env` file.
    File(PathBuf),
    /// Values given in code, with [`Env::from_pairs`] or [`Env::with_defaults`].
    Code,
}

#[derive(Clone)]
struct Value {
    text: Result<String, ()>,
    source: Source,
}

/// An immutable snapshot of configuration variables.
///
/// Cheap to clone. Its `Debug` output lists variable names only, never values, so it is safe to
/// log even when it holds secrets.
///
/// # Example
///
/// ```
/// use std::time::Duration;
/// use updraft_core::Env;
///
/// let env = Env::from_pairs([("PORT", "8080"), ("READ_TIMEOUT", "750ms")]);
/// assert_eq!(env.parse::<u16>("PORT")?, Some(8080));
/// assert_eq!(env.duration("READ_TIMEOUT")?, Some(Duration::from_millis(750)));
/// assert_eq!(env.get("MISSING"), None);
/// # Ok::<(), updraft_core::Error>(())
/// ```
#[derive(Clone, Default)]
pub struct Env {
    vars: Arc<HashMap<String, Value>>,
}

impl Env {
    /// A snapshot of the process environment, then `./.env` if that file exists.
    ///
    /// # Errors
    ///
    /// [`Error::DotEnv`] if `./.env` exists but cannot be read or parsed.
    pub fn load() -> Result<Self, Error> {
        let process = Self::from_process();
        let path = Path::new(".env");
        if path.is_file() {
            process.with_file(path)
        } else {
            Ok(process)
        }
    }

    /// A snapshot of the process environment, then the `.env`-format file at `path`.
    ///
    /// # Errors
    ///
    /// [`Error::DotEnv`] if the file is missing, unreadable or malformed.
    pub fn load_from(path: impl AsRef<Path>) -> Result<Self, Error> {
        Self::from_process().with_file(path.as_ref())
    }

    /// A snapshot of the process environment alone.
    ///
    /// A variable whose value is not valid UTF-8 is kept as invalid: [`Env::get`] skips it and
    /// [`Env::require`] reports it.
    #[must_use]
    pub fn from_process() -> Self {
        let vars = std::env::vars_os()
            .filter_map(|(name, value)| {
                let name = name.into_string().ok()?;
                let text = value.into_string().map_err(drop);
                Some((
                    name,
                    Value {
                        text,
                        source: Source::Process,
                    },
                ))
            })
            .collect();
        Self {
            vars: Arc::new(vars),
        }
    }

    /// An environment holding exactly `pairs`, for tests and for configuration built in code.
    pub fn from_pairs<K, V>(pairs: impl IntoIterator<Item = (K, V)>) -> Self
    where
        K: Into<String>,
        V: Into<String>,
    {
        Self::default().with_defaults(pairs)
    }

    /// Adds `pairs` for the variables this snapshot does not set yet. Set ones are kept.
    #[must_use]
    pub fn with_defaults<K, V>(self, pairs: impl IntoIterator<Item = (K, V)>) -> Self
    where
        K: Into<String>,
        V: Into<String>,
    {
        self.fill(
            pairs.into_iter().map(|(k, v)| (k.into(), v.into())),
            &Source::Code,
        )
        .0
    }

    /// Adds the variables of a `.env`-format file that this snapshot does not set yet.
    ///
    /// # Errors
    ///
    /// [`Error::DotEnv`] if the file is missing, unreadable or malformed.
    ///
    /// The names (never the values) of the variables the file set are logged at `info`, so a
    /// stray `.env` in a deployment package shows in the function's first log lines.
    pub fn with_file(self, path: impl AsRef<Path>) -> Result<Self, Error> {
        let path = path.as_ref();
        let pairs = crate::dotenv::read(path)?;
        let (env, added) = self.fill(pairs, &Source::File(path.to_path_buf()));
        if !added.is_empty() {
            tracing::info!(
                file = %path.display(),
                variables = %added.join(","),
                "a .env file set {} variable(s)",
                added.len()
            );
        }
        Ok(env)
    }

    /// Adds the pairs not set yet; returns the names it added, in order.
    fn fill(
        self,
        pairs: impl IntoIterator<Item = (String, String)>,
        source: &Source,
    ) -> (Self, Vec<String>) {
        let mut vars = Arc::unwrap_or_clone(self.vars);
        let mut added = Vec::new();
        for (name, text) in pairs {
            if let std::collections::hash_map::Entry::Vacant(slot) = vars.entry(name) {
                added.push(slot.key().clone());
                slot.insert(Value {
                    text: Ok(text),
                    source: source.clone(),
                });
            }
        }
        (
            Self {
                vars: Arc::new(vars),
            },
            added,
        )
    }

    /// The value of `name`, if it is set and valid UTF-8.
    #[must_use]
    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars.get(name)?.text.as_deref().ok()
    }

    /// The value of `name`, or `None` when it is unset or empty.
    ///
    /// Most AWS tooling treats an empty variable as unset; this does the same.
    #[must_use]
    pub fn non_empty(&self, name: &str) -> Option<&str> {
        self.get(name).filter(|v| !v.trim().is_empty())
    }

    /// Where the value of `name` came from, if it is set.
    #[must_use]
    pub fn source(&self, name: &str) -> Option<&Source> {
        self.vars.get(name).map(|v| &v.source)
    }

    /// The value of `name`.
    ///
    /// # Errors
    ///
    /// [`Error::MissingVar`] when unset or empty, [`Error::InvalidVar`] when not valid UTF-8.
    pub fn require(&self, name: &str) -> Result<&str, Error> {
        match self.vars.get(name).map(|v| v.text.as_deref()) {
            Some(Ok(text)) if !text.trim().is_empty() => Ok(text),
            Some(Err(())) => Err(Error::invalid_var(name, "the value is not valid UTF-8")),
            _ => Err(Error::MissingVar { name: name.into() }),
        }
    }

    /// Parses the value of `name` with [`FromStr`]; `None` when unset or empty.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidVar`] naming the variable when the value does not parse.
    pub fn parse<T>(&self, name: &str) -> Result<Option<T>, Error>
    where
        T: FromStr,
        T::Err: fmt::Display,
    {
        let Some(text) = self.non_empty(name) else {
            return match self.vars.get(name) {
                Some(Value { text: Err(()), .. }) => {
                    Err(Error::invalid_var(name, "the value is not valid UTF-8"))
                }
                _ => Ok(None),
            };
        };
        text.trim()
            .parse()
            .map(Some)
            .map_err(|e| Error::invalid_var(name, format!("`{text}` does not parse: {e}")))
    }

    /// Parses a duration such as `3s`, `250ms`, `1.5` (seconds) or `2m`; `None` when unset.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidVar`] naming the variable when the value is not a duration.
    pub fn duration(&self, name: &str) -> Result<Option<Duration>, Error> {
        let Some(text) = self.non_empty(name) else {
            return Ok(None);
        };
        parse_duration(text)
            .map(Some)
            .map_err(|reason| Error::invalid_var(name, reason))
    }

    /// Parses a boolean: `true`/`false`, `1`/`0`, `yes`/`no`, `on`/`off`; `None` when unset.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidVar`] naming the variable for any other value.
    pub fn flag(&self, name: &str) -> Result<Option<bool>, Error> {
        let Some(text) = self.non_empty(name) else {
            return Ok(None);
        };
        match text.trim().to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" | "on" => Ok(Some(true)),
            "false" | "0" | "no" | "off" => Ok(Some(false)),
            _ => Err(Error::invalid_var(
                name,
                format!("`{text}` is not a boolean (use true or false)"),
            )),
        }
    }

    /// The names of the variables that start with `prefix`, sorted.
    pub fn names_with_prefix<'a>(&'a self, prefix: &'a str) -> impl Iterator<Item = &'a str> {
        self.vars
            .keys()
            .filter(move |k| k.starts_with(prefix))
            .map(String::as_str)
            .collect::<BTreeSet<_>>()
            .into_iter()
    }

    /// The variables that came from a file or from code, not from the process environment.
    ///
    /// These are the ones [`Env::export`] would write.
    pub fn added(&self) -> impl Iterator<Item = (&str, &str)> {
        self.vars.iter().filter_map(|(name, value)| match value {
            Value {
                text: Ok(text),
                source: Source::File(_) | Source::Code,
            } => Some((name.as_str(), text.as_str())),
            _ => None,
        })
    }

    /// Writes the variables from the `.env` file into the process environment, for libraries
    /// that read `std::env` themselves. Variables the process already sets are left alone.
    ///
    /// Updraft itself never needs this: it reads its configuration from the [`Env`].
    ///
    /// # Safety
    ///
    /// Writing the process environment is only sound while no other thread reads or writes it
    /// (see [`std::env::set_var`]). Call this at the very start of `main`, before any runtime or
    /// thread is started.
    #[allow(
        unsafe_code,
        reason = "exporting to the process environment is opt-in and documented"
    )]
    pub unsafe fn export(&self) {
        for (name, text) in self.added() {
            if std::env::var_os(name).is_none() {
                // SAFETY: the caller guarantees no other thread touches the environment.
                unsafe { std::env::set_var(name, text) };
            }
        }
    }
}

impl fmt::Debug for Env {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: BTreeSet<&str> = self.vars.keys().map(String::as_str).collect();
        f.debug_struct("Env")
            .field("names", &names)
            .finish_non_exhaustive()
    }
}

/// Parses `3s`, `250ms`, `2m`, `1h` or a bare number of seconds such as `1.5`.
pub(crate) fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: f64 = number.parse().map_err(|_| {
        format!("`{text}` is not a duration (use a number of seconds, or 500ms, 3s, 2m, 1h)")
    })?;
    let seconds = match unit.trim() {
        "" | "s" => number,
        "ms" => number / 1000.0,
        "m" => number * 60.0,
        "h" => number * 3600.0,
        other => {
            return Err(format!(
                "`{text}` has the unknown unit `{other}` (use ms, s, m or h)"
            ));
        }
    };
    Duration::try_from_secs_f64(seconds).map_err(|_| format!("`{text}` is out of range"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn defaults_never_override_what_is_set() {
        let env = Env::from_pairs([("A", "process")]).with_defaults([("A", "file"), ("B", "file")]);
        assert_eq!(env.get("A"), Some("process"));
        assert_eq!(env.get("B"), Some("file"));
    }

    #[test]
    fn a_dotenv_file_fills_in_but_never_overrides() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".env");
        std::fs::write(
            &path,
            "PORT=9000\nAWS_REGION=eu-west-1\n# a comment\nexport TOKEN='s3cret'\n",
        )
        .unwrap();
        let env = Env::from_pairs([("PORT", "8080")])
            .with_file(&path)
            .unwrap();
        assert_eq!(env.get("PORT"), Some("8080"), "the set variable wins");
        assert_eq!(env.get("AWS_REGION"), Some("eu-west-1"));
        assert_eq!(env.source("AWS_REGION"), Some(&Source::File(path.clone())));
        assert_eq!(
            env.source("PORT"),
            Some(&Source::Code),
            "not replaced by the file"
        );
        assert_eq!(env.get("TOKEN"), Some("s3cret"));
        assert!(!format!("{env:?}").contains("s3cret"));
    }

    #[test]
    fn the_log_names_what_a_dotenv_file_set_and_never_its_values() {
        // Other tests of this binary reach `with_file`'s log line with no subscriber.
        updraft_testkit::every_callsite_interesting();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".env");
        std::fs::write(&path, "DB_PASSWORD=hunter2\nPORT=9000\nSTRAY=x\n").unwrap();
        let logs = updraft_testkit::LogBuffer::default();
        let subscriber = tracing_subscriber_for(&logs);
        tracing::subscriber::with_default(subscriber, || {
            Env::from_pairs([("PORT", "8080")])
                .with_file(&path)
                .unwrap();
        });
        let text = logs.text();
        assert!(text.contains("DB_PASSWORD,STRAY"), "{text}");
        assert!(
            !text.contains("PORT"),
            "a variable the file did not set is not named: {text}"
        );
        assert!(!text.contains("hunter2"), "{text}");
    }

    fn tracing_subscriber_for(
        logs: &updraft_testkit::LogBuffer,
    ) -> impl tracing::Subscriber + Send + Sync {
        let logs = logs.clone();
        tracing_subscriber::fmt()
            .with_writer(move || logs.clone())
            .with_ansi(false)
            .finish()
    }

    #[test]
    fn a_malformed_or_missing_dotenv_file_is_a_typed_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".env");
        std::fs::write(&path, "GOOD=1\nBAD LINE WITH 'secret\n").unwrap();
        let err = Env::default().with_file(&path).unwrap_err();
        assert!(matches!(err, Error::DotEnv { .. }), "{err:?}");
        assert!(
            err.to_string().contains("line 2") && !err.to_string().contains("secret"),
            "{err}"
        );
        assert!(matches!(
            Env::load_from(dir.path().join("missing.env")),
            Err(Error::DotEnv { .. })
        ));
    }

    #[test]
    fn require_names_the_missing_variable() {
        let env = Env::from_pairs([("EMPTY", "  ")]);
        let err = env.require("EMPTY").unwrap_err();
        assert!(matches!(err, Error::MissingVar { ref name } if name == "EMPTY"));
        assert_eq!(
            env.require("NOPE").unwrap_err().to_string(),
            "the variable NOPE is not set"
        );
    }

    #[test]
    fn parse_reports_the_variable_and_the_value() {
        let env = Env::from_pairs([("PORT", "eighty")]);
        let err = env.parse::<u16>("PORT").unwrap_err().to_string();
        assert!(err.contains("PORT") && err.contains("eighty"), "{err}");
    }

    #[test]
    fn durations_accept_units_and_reject_garbage() {
        assert_eq!(parse_duration("3s"), Ok(Duration::from_secs(3)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("1.5"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_mins(2)));
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("3 weeks").is_err());
        assert!(parse_duration("").is_err());
        assert!(parse_duration("1e400").is_err());
        assert!(parse_duration("-1s").is_err());
    }

    #[test]
    fn flags_accept_the_usual_spellings() {
        let env = Env::from_pairs([("A", "TRUE"), ("B", "0"), ("C", "maybe")]);
        assert_eq!(env.flag("A").unwrap(), Some(true));
        assert_eq!(env.flag("B").unwrap(), Some(false));
        assert!(env.flag("C").unwrap_err().to_string().contains('C'));
        assert_eq!(env.flag("D").unwrap(), None);
    }

    #[test]
    fn debug_never_shows_values() {
        let env = Env::from_pairs([("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI")]);
        let shown = format!("{env:?}");
        assert!(shown.contains("AWS_SECRET_ACCESS_KEY"));
        assert!(!shown.contains("wJalrXUtnFEMI"), "{shown}");
    }

    #[test]
    fn process_snapshot_sees_the_process_environment() {
        let env = Env::from_process();
        assert_eq!(
            env.get("PATH").map(str::to_owned),
            std::env::var("PATH").ok()
        );
        assert_eq!(env.source("PATH"), Some(&Source::Process));
    }

    proptest! {
        #![proptest_config(updraft_testkit::fuzz::config())]
        #[test]
        fn fuzz_env_values_never_panic(name in "[A-Z_]{1,8}", text in "\\PC{0,16}|[0-9.]{0,24}[a-z]{0,2}") {
            let _ = parse_duration(&text);
            let env = Env::from_pairs([(name.as_str(), text.as_str())]);
            let _ = env.duration(&name);
            let _ = env.flag(&name);
            let _ = env.parse::<u16>(&name);
            let _ = env.parse::<std::net::IpAddr>(&name);
            let _ = env.require(&name);
        }
    }

    proptest! {

        #[test]
        fn millisecond_durations_round_trip(ms in 0u64..10_000_000) {
            prop_assert_eq!(parse_duration(&format!("{ms}ms")), Ok(Duration::from_millis(ms)));
        }
    }
}
