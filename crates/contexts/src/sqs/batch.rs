//! Batch mode (aws-python-helper's `processing_mode = "batch"`): the handler gets whole groups
//! of records with that group's session current, and marks failures per message.
//!
//! A group shares the whole [`Session`], state *and* user, never only the state: a record
//! sent by bob never runs while alice's session is current. (aws-python-helper groups by state
//! alone and runs the group under its first record's session; that lets one user's record run
//! as another.)
//!
//! On a FIFO queue, each message group runs on its own, in order: its records are cut into
//! runs of consecutive records with the same session, the runs go to the handler one after
//! another, and after the first failure in a message group the rest of it is reported failed
//! without running (the records the handler already held after the failed one, and every
//! later run). Message groups run concurrently with each other.

use std::collections::HashSet;
use std::fmt::Display;
use std::future::Future;

use aws_lambda_events::event::sqs::SqsMessage;
use serde::de::DeserializeOwned;
use updraft_core::Session;

use super::process::{Decoder, bounded, groups, is_fifo};
use super::record::{Record, id_and_group};
use crate::lambda::catch_panic;

/// Records of one batch that share a whole session (state and user), in arrival order; on a
/// FIFO queue, consecutive records of one message group.
#[derive(Debug)]
#[non_exhaustive]
pub struct Group<T> {
    /// The session every record of the group carries, current while the group runs.
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

/// Splits decoded records by whole session, keeping arrival order.
fn by_session<T>(records: Vec<Record<T>>) -> Vec<Group<T>> {
    let mut groups: Vec<Group<T>> = Vec::new();
    for record in records {
        match groups.iter_mut().find(|g| g.session == *record.session()) {
            Some(group) => group.records.push(record),
            None => groups.push(Group {
                session: record.session().clone(),
                records: vec![record],
            }),
        }
    }
    groups
}

/// Runs a batch in batch mode; returns the failed message ids.
pub(crate) async fn run<T, H, Fut, E>(
    records: Vec<SqsMessage>,
    decoder: &Decoder,
    handler: &H,
    concurrency: usize,
) -> Vec<String>
where
    T: DeserializeOwned + Send,
    H: Fn(Group<T>) -> Fut + Sync,
    Fut: Future<Output = Result<Failures, E>> + Send,
    E: Display,
{
    if is_fifo(&records) {
        let run_message_group =
            |messages: Vec<SqsMessage>| message_group(messages, decoder, handler);
        return bounded(groups(records).into_iter(), concurrency, &run_message_group).await;
    }
    let mut failed = Vec::new();
    let mut decoded = Vec::with_capacity(records.len());
    for mut message in records {
        match decoder.decode::<T>(&mut message) {
            Ok(record) => decoded.push(record),
            Err(id) => failed.push(id),
        }
    }
    let run_group = |group: Group<T>| async move {
        let ids: Vec<String> = group.records.iter().map(|r| r.message_id.clone()).collect();
        let failures = run_group(group, handler).await;
        ids.into_iter()
            .filter(|id| failures.contains(id))
            .collect::<Vec<_>>()
    };
    failed.extend(bounded(by_session(decoded).into_iter(), concurrency, &run_group).await);
    failed
}

/// Runs one FIFO message group: runs of one session, in order, stopping at the first failure.
async fn message_group<T, H, Fut, E>(
    messages: Vec<SqsMessage>,
    decoder: &Decoder,
    handler: &H,
) -> Vec<String>
where
    T: DeserializeOwned + Send,
    H: Fn(Group<T>) -> Fut + Sync,
    Fut: Future<Output = Result<Failures, E>> + Send,
    E: Display,
{
    let mut failed: Vec<String> = Vec::new();
    let mut pending: Option<Group<T>> = None;
    for mut message in messages {
        if !failed.is_empty() {
            failed.push(id_and_group(&message).0);
            continue;
        }
        match decoder.decode::<T>(&mut message) {
            Ok(record) => match &mut pending {
                Some(group) if group.session == *record.session() => group.records.push(record),
                _ => {
                    if let Some(group) = pending.take() {
                        failed = run_in_order(group, handler).await;
                    }
                    if failed.is_empty() {
                        pending = Some(Group {
                            session: record.session().clone(),
                            records: vec![record],
                        });
                    } else {
                        failed.push(record.message_id);
                    }
                }
            },
            Err(id) => {
                if let Some(group) = pending.take() {
                    failed = run_in_order(group, handler).await;
                }
                failed.push(id);
            }
        }
    }
    if let Some(group) = pending
        && failed.is_empty()
    {
        failed = run_in_order(group, handler).await;
    }
    failed
}

/// Runs one run of a FIFO message group; returns its first failed record and every record
/// after it.
async fn run_in_order<T, H, Fut, E>(group: Group<T>, handler: &H) -> Vec<String>
where
    H: Fn(Group<T>) -> Fut,
    Fut: Future<Output = Result<Failures, E>>,
    E: Display,
{
    let ids: Vec<String> = group.records.iter().map(|r| r.message_id.clone()).collect();
    let failures = run_group(group, handler).await;
    match ids.iter().position(|id| failures.contains(id)) {
        Some(first) => ids[first..].to_vec(),
        None => Vec::new(),
    }
}

/// Runs one group with its session current; returns the ids that failed (every id of the
/// group when the handler errs or panics).
async fn run_group<T, H, Fut, E>(group: Group<T>, handler: &H) -> HashSet<String>
where
    H: Fn(Group<T>) -> Fut,
    Fut: Future<Output = Result<Failures, E>>,
    E: Display,
{
    let ids: HashSet<String> = group.records.iter().map(|r| r.message_id.clone()).collect();
    let session = group.session.clone();
    let state = session.state.clone();
    // The handler is called inside the scope, so even its synchronous part sees the session;
    // records without one run without one, as in per-record mode.
    let outcome = if session == Session::default() {
        catch_panic(handler(group)).await
    } else {
        catch_panic(session.scope(async move { handler(group).await })).await
    };
    match outcome {
        Ok(Ok(failures)) => {
            let (mine, foreign): (Vec<String>, Vec<String>) =
                failures.ids.into_iter().partition(|id| ids.contains(id));
            if !foreign.is_empty() {
                tracing::warn!(
                    ?foreign,
                    "the batch handler failed ids that are not in its group; ignored"
                );
            }
            mine.into_iter().collect()
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_share_the_whole_session_in_arrival_order() {
        let record = |id: &str, state: Option<&str>, user: Option<&str>| {
            let mut session = state.map(Session::with_state).unwrap_or_default();
            session.user = user.map(|u| serde_json::json!({ "id": u }));
            Record::new((), id).with_session(session)
        };
        let groups = by_session(vec![
            record("1", Some("ct"), Some("alice")),
            record("2", None, None),
            record("3", Some("ct"), Some("bob")),
            record("4", Some("ct"), Some("alice")),
        ]);
        let ids: Vec<Vec<&str>> = groups
            .iter()
            .map(|g| g.records.iter().map(|r| r.message_id.as_str()).collect())
            .collect();
        assert_eq!(ids, [vec!["1", "4"], vec!["2"], vec!["3"]]);
        for group in &groups {
            assert!(group.records.iter().all(|r| *r.session() == group.session));
        }
    }
}
