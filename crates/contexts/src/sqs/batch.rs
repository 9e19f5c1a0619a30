//! Batch mode (aws-python-helper's `processing_mode = "batch"`): the handler gets whole groups
//! of records that share a session state, with that session current, and marks failures per
//! message.

use std::collections::HashSet;
use std::fmt::Display;
use std::future::Future;

use aws_lambda_events::event::sqs::SqsMessage;
use serde::de::DeserializeOwned;
use updraft_core::Session;

use super::process::bounded;
use super::record::Record;
use crate::lambda::catch_panic;

/// The records of one batch that share a session state.
#[derive(Debug)]
#[non_exhaustive]
pub struct Group<T> {
    /// The session current while the group runs: the first record's (they share the state).
    pub session: Session,
    /// The records, in arrival order.
    pub records: Vec<Record<T>>,
}

impl<T> Group<T> {
    /// The state the records share (`None` for records without one).
    #[must_use]
    pub fn state(&self) -> Option<&str> {
        self.session.state.as_deref()
    }
}

/// The messages of a group that failed, as a batch handler reports them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Failures {
    ids: Vec<String>,
}

impl Failures {
    /// No failures.
    #[must_use]
    pub fn none() -> Self {
        Self::default()
    }

    /// Marks the message with this id failed, for redelivery.
    pub fn fail(&mut self, message_id: impl Into<String>) {
        self.ids.push(message_id.into());
    }

    /// Marks a record failed.
    pub fn fail_record<T>(&mut self, record: &Record<T>) {
        self.fail(record.message_id.clone());
    }

    /// The failed ids.
    #[must_use]
    pub fn ids(&self) -> &[String] {
        &self.ids
    }
}

/// Splits decoded records by session state, keeping arrival order.
fn by_state<T>(records: Vec<Record<T>>) -> Vec<Group<T>> {
    let mut groups: Vec<Group<T>> = Vec::new();
    for record in records {
        match groups
            .iter_mut()
            .find(|g| g.session.state == record.session.state)
        {
            Some(group) => group.records.push(record),
            None => groups.push(Group {
                session: record.session.clone(),
                records: vec![record],
            }),
        }
    }
    groups
}

/// Runs a batch in batch mode; returns the failed message ids.
pub(crate) async fn run<T, H, Fut, E>(
    records: Vec<SqsMessage>,
    handler: &H,
    concurrency: usize,
) -> Vec<String>
where
    T: DeserializeOwned + Send,
    H: Fn(Group<T>) -> Fut + Sync,
    Fut: Future<Output = Result<Failures, E>> + Send,
    E: Display,
{
    let mut failed = Vec::new();
    let mut decoded = Vec::with_capacity(records.len());
    for mut message in records {
        match super::process::decoded::<T>(&mut message) {
            Ok(record) => decoded.push(record),
            Err(id) => failed.push(id),
        }
    }
    let run_group = |group: Group<T>| async move {
        let ids: Vec<String> = group.records.iter().map(|r| r.message_id.clone()).collect();
        let session = group.session.clone();
        let state = session.state.clone();
        match catch_panic(session.scope(handler(group))).await {
            Ok(Ok(failures)) => {
                let known: HashSet<&String> = ids.iter().collect();
                let (mine, foreign): (Vec<String>, Vec<String>) =
                    failures.ids.into_iter().partition(|id| known.contains(id));
                if !foreign.is_empty() {
                    tracing::warn!(
                        ?foreign,
                        "the batch handler failed ids that are not in its group; ignored"
                    );
                }
                mine
            }
            Ok(Err(error)) => {
                tracing::warn!(state = ?state, error = %error, "a group failed");
                ids
            }
            Err(panic) => {
                tracing::error!(state = ?state, panic = %panic, "a group's handler panicked");
                ids
            }
        }
    };
    failed.extend(
        bounded(by_state(decoded).into_iter(), concurrency, &run_group)
            .await
            .into_iter()
            .flatten(),
    );
    failed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_by_state_in_arrival_order() {
        let record = |id: &str, state: Option<&str>| {
            let session = state.map(Session::with_state).unwrap_or_default();
            Record::new((), id).with_session(session)
        };
        let groups = by_state(vec![
            record("1", Some("ct")),
            record("2", None),
            record("3", Some("ct")),
        ]);
        assert_eq!(groups.len(), 2);
        assert_eq!(groups[0].state(), Some("ct"));
        let ids: Vec<&str> = groups[0]
            .records
            .iter()
            .map(|r| r.message_id.as_str())
            .collect();
        assert_eq!(ids, ["1", "3"]);
        assert_eq!(groups[1].state(), None);
    }
}
