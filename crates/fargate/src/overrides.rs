//! What one launch sends: the container's environment with the current `Session` (and trace
//! header, as `_X_AMZN_TRACE_ID`) added, checked
//! against ECS's limit on overrides, and the tags that say what launched the task.

use std::collections::BTreeMap;

use updraft_core::Session;
use updraft_core::invocation::TRACE_ENV_VAR;
use updraft_core::session::codec::ENV_VAR as SESSION_VAR;

use crate::Error;
use crate::settings::Target;

/// The variable that carries the session's state, as aws-python-helper names it.
pub const STATE_VAR: &str = "CONSTITUTION_STATE";

/// ECS's limit on a RunTask's overrides, in characters of their JSON.
pub const OVERRIDES_LIMIT: usize = 8_192;

/// The tag that names the task, on every launched task.
pub const TASK_TAG: &str = "updraft:task";

/// The tag that names the session's state, when there is one.
pub const STATE_TAG: &str = "updraft:state";

/// One launch, ready to send: identical launches (same task, same environment) can share a
/// RunTask call.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Prepared {
    pub(crate) task: String,
    pub(crate) definition: String,
    pub(crate) container: String,
    pub(crate) env: BTreeMap<String, String>,
    pub(crate) state: Option<String>,
}

impl Prepared {
    /// The launch of `task` at `target` with `vars`, under the current session.
    pub(crate) fn new<K, V>(
        task: &str,
        target: Target,
        vars: impl IntoIterator<Item = (K, V)>,
    ) -> Result<Self, Error>
    where
        K: Into<String>,
        V: Into<String>,
    {
        let mut env = BTreeMap::new();
        for (name, value) in vars {
            let name = name.into();
            if name == SESSION_VAR || name == STATE_VAR || name == TRACE_ENV_VAR {
                return Err(Error::ReservedVariable(name));
            }
            env.insert(name, value.into());
        }
        let state = Session::with_current(|session| {
            let session = session?;
            env.insert(SESSION_VAR.to_owned(), session.to_env_value());
            let state = session.state.clone().filter(|s| !s.is_empty());
            if let Some(state) = &state {
                env.insert(STATE_VAR.to_owned(), state.clone());
            }
            state
        });
        if let Some(trace) = updraft_core::invocation::current_trace() {
            env.insert(TRACE_ENV_VAR.to_owned(), trace.to_string());
        }
        let prepared = Self {
            task: task.to_owned(),
            definition: target.definition,
            container: target.container,
            env,
            state,
        };
        let size = prepared.overrides_size();
        if size > OVERRIDES_LIMIT {
            return Err(Error::OverridesTooLarge {
                size,
                limit: OVERRIDES_LIMIT,
            });
        }
        Ok(prepared)
    }

    /// The size ECS counts: the characters of the overrides' JSON, as the SDK sends them.
    pub(crate) fn overrides_size(&self) -> usize {
        let environment: Vec<_> = self
            .env
            .iter()
            .map(|(name, value)| serde_json::json!({ "name": name, "value": value }))
            .collect();
        let overrides = serde_json::json!({
            "containerOverrides": [{ "name": self.container, "environment": environment }]
        });
        overrides.to_string().chars().count()
    }

    /// The task's tags: the task name, and the state when there is one.
    pub(crate) fn tags(&self) -> Vec<(&'static str, String)> {
        let mut tags = vec![(TASK_TAG, self.task.clone())];
        if let Some(state) = &self.state {
            tags.push((STATE_TAG, tag_value(state)));
        }
        tags
    }
}

/// `value` as a tag value ECS accepts: at most 256 characters of letters, digits, spaces and
/// `_ . : / = + - @`; anything else becomes `_`.
pub(crate) fn tag_value(value: &str) -> String {
    kept(value, 256, |c| {
        c.is_alphanumeric() || " _.:/=+-@".contains(c)
    })
}

/// The first `max` characters of `value`, each one `allowed` refuses replaced by `_`.
pub(crate) fn kept(value: &str, max: usize, allowed: impl Fn(char) -> bool) -> String {
    value
        .chars()
        .take(max)
        .map(|c| if allowed(c) { c } else { '_' })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target() -> Target {
        Target {
            definition: "report".into(),
            container: "report".into(),
        }
    }

    #[test]
    fn the_current_session_rides_along_and_cannot_be_forged() {
        let session = Session::with_state("ohio").and_user(serde_json::json!({"sub": "alice"}));
        let prepared = session
            .clone()
            .sync_scope(|| Prepared::new("report", target(), [("TOWN", "Dayton")]).unwrap());
        assert_eq!(prepared.env["TOWN"], "Dayton");
        assert_eq!(prepared.env[STATE_VAR], "ohio");
        assert_eq!(
            Session::from_env_value(&prepared.env[SESSION_VAR]).unwrap(),
            session
        );
        assert_eq!(
            prepared.tags(),
            [(TASK_TAG, "report".into()), (STATE_TAG, "ohio".into())]
        );
        for reserved in [SESSION_VAR, STATE_VAR, TRACE_ENV_VAR] {
            let forged = Prepared::new("report", target(), [(reserved, r#"{"state":"x"}"#)]);
            assert!(matches!(forged, Err(Error::ReservedVariable(name)) if name == reserved));
        }
        let outside = Prepared::new("report", target(), [("TOWN", "Dayton")]).unwrap();
        assert!(!outside.env.contains_key(SESSION_VAR) && outside.state.is_none());
    }

    #[tokio::test]
    async fn the_current_trace_rides_along() {
        let trace = updraft_core::TraceHeader::parse(
            "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
        )
        .unwrap();
        let prepared = updraft_core::Invocation::new()
            .with_trace(Some(trace.clone()))
            .scope(async { Prepared::new("report", target(), [("TOWN", "Dayton")]) })
            .await
            .unwrap();
        assert_eq!(prepared.env[TRACE_ENV_VAR], trace.as_str());
        let outside = Prepared::new("report", target(), [("TOWN", "Dayton")]).unwrap();
        assert!(!outside.env.contains_key(TRACE_ENV_VAR));
    }

    #[test]
    fn overrides_over_the_limit_are_refused_with_their_size() {
        let fits = Prepared::new("report", target(), [("BLOB", "x".repeat(8_000))]).unwrap();
        assert!(fits.overrides_size() <= OVERRIDES_LIMIT);
        let err = Prepared::new("report", target(), [("BLOB", "é".repeat(8_200))]).unwrap_err();
        match err {
            Error::OverridesTooLarge { size, limit } => {
                assert_eq!(limit, OVERRIDES_LIMIT);
                assert!(size > 8_200, "{size}");
            }
            other => panic!("{other}"),
        }
        let quoted = Prepared::new("report", target(), [("Q", "\"".repeat(4_100))]).unwrap_err();
        assert!(
            matches!(quoted, Error::OverridesTooLarge { .. }),
            "escapes count as ECS counts them"
        );
    }

    #[test]
    fn tag_values_keep_to_the_allowed_characters() {
        assert_eq!(tag_value("new-york_1"), "new-york_1");
        assert_eq!(tag_value("a,b;c\n"), "a_b_c_");
        assert_eq!(tag_value(&"s".repeat(300)).len(), 256);
    }
}
