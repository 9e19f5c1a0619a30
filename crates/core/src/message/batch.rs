//! Sending many messages in the fewest calls SNS and SQS allow: at most ten entries and
//! 256 KiB per call, a few calls at once, transient entry failures retried with backoff, and
//! exactly one result per item, so nothing is lost silently.

use std::ops::Range;
use std::time::Duration;

use futures_util::stream::{self, StreamExt};

use crate::error::{Kind, Surface};

/// The most entries one SendMessageBatch or PublishBatch call takes.
pub const MAX_BATCH_ENTRIES: usize = 10;

/// Splits consecutive items with these wire `sizes` into calls of at most `max_entries` items
/// and `max_bytes` together. An item over `max_bytes` by itself gets a call of its own (and the
/// service's error); callers reject those before planning.
#[must_use]
pub fn plan(sizes: &[usize], max_entries: usize, max_bytes: usize) -> Vec<Range<usize>> {
    let mut batches = Vec::new();
    let mut start = 0;
    let mut bytes = 0;
    for (i, &size) in sizes.iter().enumerate() {
        let full = i - start >= max_entries.max(1) || (i > start && bytes + size > max_bytes);
        if full {
            batches.push(start..i);
            start = i;
            bytes = 0;
        }
        bytes += size;
    }
    if start < sizes.len() {
        batches.push(start..sizes.len());
    }
    batches
}

/// What happened to one entry of a call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryOutcome<S, E> {
    /// Sent; the service's answer for it.
    Sent(S),
    /// Failed in a way that may pass on a retry (throttling, a server fault, a dropped call).
    Transient(E),
    /// Failed for good (a sender fault).
    Failed(E),
}

/// The service refused one entry of a batch call, or the whole call failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}{}", message.as_ref().map(|m| format!(": {m}")).unwrap_or_default())]
pub struct Rejected {
    /// The service's error code, such as `InvalidParameterValue` or `ThrottlingException`.
    pub code: String,
    /// The service's message.
    pub message: Option<String>,
    /// Whether the entry itself was at fault, so a retry cannot pass.
    pub sender_fault: bool,
}

impl Rejected {
    /// The code given to an entry the service's answer did not mention.
    pub const UNREPORTED: &'static str = "Unreported";

    fn unreported() -> Self {
        Self {
            code: Self::UNREPORTED.to_owned(),
            message: None,
            sender_fault: false,
        }
    }

    /// Whether a retry may pass: a throttle, or anything that was not the sender's fault.
    #[must_use]
    pub fn is_transient(&self) -> bool {
        !self.sender_fault || Kind::of_aws_code(&self.code) == Kind::Throttled
    }

    /// This rejection as the outcome of its entry: [`EntryOutcome::Transient`] when a retry may
    /// pass, [`EntryOutcome::Failed`] when not.
    #[must_use]
    pub fn into_outcome<S, E: From<Rejected>>(self) -> EntryOutcome<S, E> {
        if self.is_transient() {
            EntryOutcome::Transient(self.into())
        } else {
            EntryOutcome::Failed(self.into())
        }
    }
}

impl Surface for Rejected {
    fn kind(&self) -> Kind {
        if self.sender_fault {
            return Kind::BadInput;
        }
        match Kind::of_aws_code(&self.code) {
            Kind::Internal => Kind::Unavailable,
            kind => kind,
        }
    }

    fn error_type(&self) -> &'static str {
        "updraft.message.Rejected"
    }
}

/// How a batch send behaves.
#[derive(Debug, Clone, Copy)]
pub struct BatchPolicy {
    /// Entries per call (at most [`MAX_BATCH_ENTRIES`]).
    pub max_entries: usize,
    /// Bytes per call.
    pub max_bytes: usize,
    /// Calls in flight at once.
    pub concurrency: usize,
    /// Attempts per entry, the first included.
    pub attempts: u32,
    /// The first retry's backoff; doubled each round.
    pub backoff: Duration,
}

impl Default for BatchPolicy {
    fn default() -> Self {
        Self {
            max_entries: MAX_BATCH_ENTRIES,
            max_bytes: super::MAX_MESSAGE_BYTES,
            concurrency: 4,
            attempts: 3,
            backoff: Duration::from_millis(100),
        }
    }
}

/// Sends items (known by index, with these wire `sizes`) in planned calls; `send` makes one
/// call for a list of indices and reports what happened to each. Transient failures are
/// re-sent, re-planned, until `attempts` runs out; an index a call does not report counts as a
/// transient [`Rejected`] with the code [`Rejected::UNREPORTED`]. The result has one entry per
/// item, in order.
pub async fn send_all<S, E>(
    sizes: &[usize],
    policy: BatchPolicy,
    send: impl AsyncFn(Vec<usize>) -> Vec<(usize, EntryOutcome<S, E>)>,
) -> Vec<Result<S, E>>
where
    E: From<Rejected>,
{
    let mut results: Vec<Option<Result<S, E>>> = sizes.iter().map(|_| None).collect();
    let mut pending: Vec<usize> = (0..sizes.len()).collect();
    for attempt in 1..=policy.attempts.max(1) {
        if pending.is_empty() {
            break;
        }
        if attempt > 1 {
            let factor = 2u32.saturating_pow(attempt - 2);
            tokio::time::sleep(policy.backoff.saturating_mul(factor)).await;
        }
        let pending_sizes: Vec<usize> = pending.iter().map(|&i| sizes[i]).collect();
        let calls: Vec<Vec<usize>> = plan(
            &pending_sizes,
            policy.max_entries.min(MAX_BATCH_ENTRIES),
            policy.max_bytes,
        )
        .into_iter()
        .map(|range| pending[range].to_vec())
        .collect();
        let outcomes: Vec<Vec<(usize, EntryOutcome<S, E>)>> =
            stream::iter(calls.into_iter().map(|call| send(call)))
                .buffer_unordered(policy.concurrency.max(1))
                .collect()
                .await;
        let last = attempt == policy.attempts.max(1);
        let mut outcomes: Vec<(usize, EntryOutcome<S, E>)> =
            outcomes.into_iter().flatten().collect();
        let mut reported = vec![false; results.len()];
        for (index, _) in &outcomes {
            if let Some(flag) = reported.get_mut(*index) {
                *flag = true;
            }
        }
        for &index in pending.iter().filter(|&&i| !reported[i]) {
            outcomes.push((index, Rejected::unreported().into_outcome()));
        }
        let mut retry = Vec::new();
        for (index, outcome) in outcomes {
            let Some(slot) = results.get_mut(index) else {
                continue;
            };
            match outcome {
                EntryOutcome::Sent(answer) => *slot = Some(Ok(answer)),
                EntryOutcome::Failed(error) => *slot = Some(Err(error)),
                EntryOutcome::Transient(error) if last => *slot = Some(Err(error)),
                EntryOutcome::Transient(error) => {
                    *slot = Some(Err(error));
                    retry.push(index);
                }
            }
        }
        retry.sort_unstable();
        pending = retry;
    }
    results
        .into_iter()
        .map(|r| r.unwrap_or_else(|| Err(Rejected::unreported().into())))
        .collect()
}

/// Sends prepared items: the ones that failed to prepare keep their error, the rest go
/// through [`send_all`], sized by `size`. `send` gets each call's items with their ids (unique
/// within the batch; use them as the entry ids) and reports by id. The result has one entry
/// per item, in order.
pub async fn send_prepared<P, S, E>(
    prepared: Vec<Result<P, E>>,
    size: impl Fn(&P) -> usize,
    policy: BatchPolicy,
    send: impl AsyncFn(Vec<(usize, &P)>) -> Vec<(usize, EntryOutcome<S, E>)>,
) -> Vec<Result<S, E>>
where
    E: From<Rejected>,
{
    let ready: Vec<&P> = prepared.iter().filter_map(|p| p.as_ref().ok()).collect();
    let sizes: Vec<usize> = ready.iter().map(|p| size(p)).collect();
    let results = send_all(&sizes, policy, async |ids: Vec<usize>| {
        send(ids.into_iter().map(|id| (id, ready[id])).collect()).await
    })
    .await;
    let mut results = results.into_iter();
    prepared
        .into_iter()
        .map(|p| match p {
            Ok(_) => results
                .next()
                .unwrap_or_else(|| Err(Rejected::unreported().into())),
            Err(e) => Err(e),
        })
        .collect()
}

/// A batch call's answer: `Ok` with the entries the service sent and the entries it refused,
/// each by its entry id, or `Err` when the whole call failed.
pub type Answer<S> = Result<(Vec<(String, S)>, Vec<(String, Rejected)>), Rejected>;

/// The outcomes of one call from its [`Answer`]; entry ids are the decimal ids `send` was
/// given. A failed call applies to every id `in_call`. Entries the answer leaves out are caught
/// by [`send_all`].
#[must_use]
pub fn outcomes<S, E: From<Rejected>>(
    in_call: &[usize],
    answer: Answer<S>,
) -> Vec<(usize, EntryOutcome<S, E>)> {
    match answer {
        Ok((sent, refused)) => {
            let sent = sent
                .into_iter()
                .filter_map(|(id, s)| Some((id.parse().ok()?, EntryOutcome::Sent(s))));
            let refused = refused
                .into_iter()
                .filter_map(|(id, r)| Some((id.parse().ok()?, r.into_outcome())));
            sent.chain(refused).collect()
        }
        Err(rejected) => in_call
            .iter()
            .map(|&id| (id, rejected.clone().into_outcome()))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[test]
    fn plans_respect_entries_and_bytes() {
        assert_eq!(plan(&[1; 25], 10, 1000), [0..10, 10..20, 20..25]);
        assert_eq!(plan(&[400, 400, 400, 10], 10, 1000), [0..2, 2..4]);
        assert_eq!(plan(&[2000, 1], 10, 1000), [0..1, 1..2]);
        assert!(plan(&[], 10, 1000).is_empty());
        assert_eq!(plan(&[1; 11], 10, 1000), [0..10, 10..11]);
    }

    fn rejected(code: &str, sender_fault: bool) -> Rejected {
        Rejected {
            code: code.into(),
            message: None,
            sender_fault,
        }
    }

    #[tokio::test]
    async fn every_item_gets_one_result_and_transients_are_retried() {
        let calls = Mutex::new(0);
        let tries = Mutex::new(vec![0u32; 13]);
        let policy = BatchPolicy {
            backoff: Duration::from_millis(1),
            ..BatchPolicy::default()
        };
        let results = send_all(&[10; 13], policy, async |indices: Vec<usize>| {
            *calls.lock().unwrap() += 1;
            let mut tries = tries.lock().unwrap();
            let outcomes: Vec<_> = indices
                .into_iter()
                .filter_map(|i| {
                    tries[i] += 1;
                    let outcome = match i {
                        3 if tries[i] < 2 => rejected("ThrottlingException", true).into_outcome(),
                        5 => rejected("InvalidParameterValue", true).into_outcome(),
                        7 => rejected("InternalError", false).into_outcome(),
                        9 if tries[i] < 2 => return None,
                        _ => EntryOutcome::Sent(i * 100),
                    };
                    Some((i, outcome))
                })
                .collect();
            outcomes
        })
        .await;
        assert_eq!(results.len(), 13);
        assert_eq!(
            results[3],
            Ok(300),
            "a throttled entry is retried, even when flagged as a sender fault"
        );
        assert_eq!(
            results[5],
            Err(rejected("InvalidParameterValue", true)),
            "sender faults are not retried"
        );
        assert_eq!(
            results[7],
            Err(rejected("InternalError", false)),
            "gives up after the attempts"
        );
        assert_eq!(
            results[9],
            Ok(900),
            "an entry the answer left out is sent again"
        );
        assert_eq!(tries.lock().unwrap()[5], 1);
        assert_eq!(tries.lock().unwrap()[7], 3);
        assert_eq!(
            *calls.lock().unwrap(),
            2 + 1 + 1,
            "two calls, then one per retry round"
        );
    }

    #[tokio::test]
    async fn prepare_errors_keep_their_place() {
        let prepared: Vec<Result<u32, Rejected>> =
            vec![Ok(1), Err(rejected("TooLarge", true)), Ok(3)];
        let results = send_prepared(
            prepared,
            |_| 1,
            BatchPolicy::default(),
            async |items: Vec<(usize, &u32)>| {
                items
                    .into_iter()
                    .map(|(id, item)| (id, EntryOutcome::Sent(*item * 10)))
                    .collect()
            },
        )
        .await;
        assert_eq!(
            results,
            vec![Ok(10), Err(rejected("TooLarge", true)), Ok(30)]
        );
    }

    #[tokio::test]
    async fn an_entry_never_reported_ends_as_unreported() {
        let policy = BatchPolicy {
            backoff: Duration::from_millis(1),
            attempts: 2,
            ..BatchPolicy::default()
        };
        let results: Vec<Result<(), Rejected>> =
            send_all(&[1, 1], policy, async |_| Vec::new()).await;
        assert_eq!(
            results,
            vec![Err(Rejected::unreported()), Err(Rejected::unreported())]
        );
        assert_eq!(Surface::kind(&Rejected::unreported()), Kind::Unavailable);
        assert_eq!(
            Surface::kind(&rejected("InvalidParameterValue", true)),
            Kind::BadInput
        );
    }
}
