//! How a batch is run: which records run, in what order, and which are reported failed.
//!
//! - Standard queues: every record runs, up to `concurrency` at once. A record fails when it
//!   does not decode, its handler returns an error, or its handler panics.
//! - FIFO queues: the records of one message group run one after another, in order; after the
//!   group's first failure its remaining records are reported failed without running. Groups
//!   run concurrently with each other.

use std::fmt::Display;
use std::future::Future;

use aws_lambda_events::event::sqs::SqsMessage;
use std::future::poll_fn;
use std::pin::{Pin, pin};
use std::task::Poll;

use futures_util::future::join;
use serde::de::DeserializeOwned;
use updraft_core::message::TrustedTopics;

use super::record::{Record, decode, id_and_group};
use crate::lambda::catch_panic;

/// Runs `work` over `items`, at most `limit` at a time, and collects what the outputs hold
/// (the failed ids of a record, or of a group), in order.
///
/// Each item's future is polled once, in place. One that finishes at once costs what a plain
/// loop costs: nothing is allocated or moved. One that waits (on I/O, a timer) keeps its place
/// while the rest of the items run alongside it, through a boxed continuation, so at most
/// `limit` futures wait at the same time.
pub(crate) fn bounded<'a, I, F, Fut, O>(
    items: I,
    limit: usize,
    work: &'a F,
) -> impl Future<Output = Vec<O::Item>> + Send + 'a
where
    I: Iterator + Send + 'a,
    I::Item: Send,
    F: Fn(I::Item) -> Fut + Sync,
    Fut: Future<Output = O> + Send + 'a,
    O: IntoIterator + Send + 'a,
    O::Item: Send,
{
    lazily(items, limit.max(1), 0, work)
}

/// The continuation of [`lazily`], boxed: an async fn cannot hold itself.
fn boxed<'a, I, F, Fut, O>(
    items: I,
    limit: usize,
    waiting: usize,
    work: &'a F,
) -> Pin<Box<dyn Future<Output = Vec<O::Item>> + Send + 'a>>
where
    I: Iterator + Send + 'a,
    I::Item: Send,
    F: Fn(I::Item) -> Fut + Sync,
    Fut: Future<Output = O> + Send + 'a,
    O: IntoIterator + Send + 'a,
    O::Item: Send,
{
    Box::pin(lazily(items, limit, waiting, work))
}

async fn lazily<'a, I, F, Fut, O>(
    mut items: I,
    limit: usize,
    waiting: usize,
    work: &'a F,
) -> Vec<O::Item>
where
    I: Iterator + Send + 'a,
    I::Item: Send,
    F: Fn(I::Item) -> Fut + Sync,
    Fut: Future<Output = O> + Send + 'a,
    O: IntoIterator + Send + 'a,
    O::Item: Send,
{
    // Most batches have no failures: nothing is allocated until one does.
    let mut outputs = Vec::new();
    while let Some(item) = items.next() {
        let mut future = pin!(work(item));
        match poll_fn(|cx| Poll::Ready(future.as_mut().poll(cx))).await {
            Poll::Ready(output) => outputs.extend(output),
            Poll::Pending if waiting + 1 >= limit => outputs.extend(future.await),
            Poll::Pending => {
                let rest = boxed(items, limit, waiting + 1, work);
                let (mine, others) = join(future, rest).await;
                outputs.extend(mine);
                outputs.extend(others);
                return outputs;
            }
        }
    }
    outputs
}

/// How records are decoded: which SNS topics' envelopes are unwrapped.
#[derive(Debug, Clone, Default)]
pub(crate) struct Decoder {
    pub(crate) topics: TrustedTopics,
}

impl Decoder {
    /// Decodes a record; an undecodable one is logged and its id returned.
    pub(crate) fn decode<T: DeserializeOwned>(
        &self,
        message: &mut SqsMessage,
    ) -> Result<Record<T>, String> {
        decode::<T>(message, &self.topics).map_err(|undecodable| {
            tracing::warn!(message_id = %undecodable.message_id, reason = %undecodable.reason, "a record could not be decoded");
            undecodable.message_id
        })
    }
}

/// Decodes and runs one record; returns its message id if it failed.
pub(crate) async fn one<T, H, Fut, E>(
    message: &mut SqsMessage,
    decoder: &Decoder,
    handler: &H,
) -> Option<String>
where
    T: DeserializeOwned,
    H: Fn(Record<T>) -> Fut,
    Fut: Future<Output = Result<(), E>>,
    E: Display,
{
    let record = match decoder.decode::<T>(message) {
        Ok(record) => record,
        Err(id) => return Some(id),
    };
    let message_id = IdCopy::of(&record.message_id);
    // A record without a session runs without one (`Session::current()` is `None`), which
    // spares the task-local scope on the common path.
    let outcome = if record.session().state.is_none() && record.session().user.is_none() {
        catch_panic(handler(record)).await
    } else {
        let session = record.session().clone();
        catch_panic(session.scope(async move { handler(record).await })).await
    };
    match outcome {
        Ok(Ok(())) => None,
        Ok(Err(error)) => {
            let message_id = message_id.into_string();
            tracing::warn!(message_id = %message_id, error = %error, "a record failed");
            Some(message_id)
        }
        Err(panic) => {
            let message_id = message_id.into_string();
            tracing::error!(message_id = %message_id, panic = %panic, "a record's handler panicked");
            Some(message_id)
        }
    }
}

/// A copy of a message id, kept for the failure report while the handler owns the record.
/// Ids up to 48 bytes (SQS's are 36-character UUIDs) are copied inline: no allocation on the
/// path of a record that succeeds.
struct IdCopy {
    inline: [u8; 48],
    len: usize,
    spilled: Option<String>,
}

impl IdCopy {
    fn of(id: &str) -> Self {
        let mut copy = Self {
            inline: [0; 48],
            len: id.len(),
            spilled: None,
        };
        match copy.inline.get_mut(..id.len()) {
            Some(inline) => inline.copy_from_slice(id.as_bytes()),
            None => copy.spilled = Some(id.to_owned()),
        }
        copy
    }

    fn into_string(self) -> String {
        match self.spilled {
            Some(id) => id,
            None => std::str::from_utf8(&self.inline[..self.len])
                .unwrap_or_default()
                .to_owned(),
        }
    }
}

/// Whether a batch comes from a FIFO queue. A batch comes from one queue, so its first record
/// tells. A FIFO queue's name ends in `.fifo`, so its ARN decides; only a record without an
/// ARN (a hand-made event) is judged by its `MessageGroupId`. Records of a standard queue may
/// carry a group id too (fair queues): they stay standard, run concurrently, and a failure
/// holds back no other record.
pub(crate) fn is_fifo(records: &[SqsMessage]) -> bool {
    records
        .first()
        .is_some_and(|r| match r.event_source_arn.as_deref() {
            Some(arn) if !arn.is_empty() => updraft_core::message::is_fifo(arn),
            _ => r.attributes.contains_key("MessageGroupId"),
        })
}

/// Runs a standard batch; returns the failed message ids.
pub(crate) async fn standard<T, H, Fut, E>(
    records: Vec<SqsMessage>,
    decoder: &Decoder,
    handler: &H,
    concurrency: usize,
) -> Vec<String>
where
    T: DeserializeOwned + Send,
    H: Fn(Record<T>) -> Fut + Sync,
    Fut: Future<Output = Result<(), E>> + Send,
    E: Display,
{
    let mut records = records;
    bounded(records.iter_mut(), concurrency, &|message| {
        one(message, decoder, handler)
    })
    .await
}

/// Splits records into FIFO message groups, keeping arrival order within each group.
pub(crate) fn groups(records: Vec<SqsMessage>) -> Vec<Vec<SqsMessage>> {
    let mut groups: Vec<(Option<String>, Vec<SqsMessage>)> = Vec::new();
    for record in records {
        let (_, group) = id_and_group(&record);
        match groups.iter_mut().find(|(key, _)| *key == group) {
            Some((_, members)) => members.push(record),
            None => groups.push((group, vec![record])),
        }
    }
    groups.into_iter().map(|(_, members)| members).collect()
}

/// Runs a FIFO batch; returns the failed and the skipped message ids.
pub(crate) async fn fifo<T, H, Fut, E>(
    records: Vec<SqsMessage>,
    decoder: &Decoder,
    handler: &H,
    concurrency: usize,
) -> Vec<String>
where
    T: DeserializeOwned + Send,
    H: Fn(Record<T>) -> Fut + Sync,
    Fut: Future<Output = Result<(), E>> + Send,
    E: Display,
{
    let run_group = |group: Vec<SqsMessage>| async move {
        let mut failed = Vec::new();
        for mut message in group {
            if failed.is_empty() {
                failed.extend(one(&mut message, decoder, handler).await);
            } else {
                // After a failure the rest of the group is not run: FIFO order must hold.
                failed.push(id_and_group(&message).0);
            }
        }
        failed
    };
    bounded(groups(records).into_iter(), concurrency, &run_group).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;
    use std::time::Duration;

    #[tokio::test]
    async fn bounded_never_runs_more_than_the_limit() {
        let running = Mutex::new((0usize, 0usize));
        let outputs = bounded(0..20, 3, &|i| {
            let running = &running;
            async move {
                {
                    let mut r = running.lock().unwrap();
                    r.0 += 1;
                    r.1 = r.1.max(r.0);
                }
                tokio::time::sleep(Duration::from_millis(2)).await;
                running.lock().unwrap().0 -= 1;
                Some(i)
            }
        })
        .await;
        assert_eq!(outputs, (0..20).collect::<Vec<_>>(), "in order");
        assert_eq!(running.lock().unwrap().1, 3);
    }

    #[test]
    fn id_copies_give_back_the_id_short_or_long() {
        for id in ["", "059f36b4-87a3-44ab-83d2-661975830a7d", &"é".repeat(40)] {
            assert_eq!(IdCopy::of(id).into_string(), id);
        }
    }

    #[test]
    fn the_queue_arn_decides_fifo_and_a_group_id_only_without_one() {
        let record = |arn: Option<&str>, group: Option<&str>| {
            let mut m = SqsMessage::default();
            m.event_source_arn = arn.map(str::to_owned);
            if let Some(group) = group {
                m.attributes.insert("MessageGroupId".into(), group.into());
            }
            vec![m]
        };
        let fifo = "arn:aws:sqs:us-east-2:123456789012:jobs.fifo";
        let standard = "arn:aws:sqs:us-east-2:123456789012:jobs";
        assert!(is_fifo(&record(Some(fifo), Some("g"))));
        assert!(is_fifo(&record(Some(fifo), None)));
        // A fair queue: standard, with message groups for fairness only.
        assert!(!is_fifo(&record(Some(standard), Some("tenant-a"))));
        assert!(!is_fifo(&record(Some(standard), None)));
        assert!(is_fifo(&record(None, Some("g"))));
        assert!(is_fifo(&record(Some(""), Some("g"))));
        assert!(!is_fifo(&record(None, None)));
        assert!(!is_fifo(&[]));
    }

    #[test]
    fn groups_keep_arrival_order() {
        let record = |id: &str, group: &str| {
            let mut m = SqsMessage::default();
            m.message_id = Some(id.into());
            m.attributes.insert("MessageGroupId".into(), group.into());
            m
        };
        let split = groups(vec![record("1", "a"), record("2", "b"), record("3", "a")]);
        let ids: Vec<Vec<String>> = split
            .iter()
            .map(|g| g.iter().map(|m| m.message_id.clone().unwrap()).collect())
            .collect();
        assert_eq!(
            ids,
            [vec!["1".to_owned(), "3".to_owned()], vec!["2".to_owned()]]
        );
    }
}
