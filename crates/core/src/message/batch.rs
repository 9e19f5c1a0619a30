//! Sending many messages in the fewest calls SNS and SQS allow: at most ten entries and
//! 256 KiB per call, a few calls at once, transient entry failures retried with backoff, and
//! exactly one result per item, so nothing is lost silently.

// Over 400 lines on purpose: planning calls, chaining FIFO groups, retrying entries and
// mapping outcomes are one algorithm whose promises (one result per item, group order kept)
// are tested together below; the code is about 420 lines of the file.

use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::time::Duration;

use futures_util::stream::{self, StreamExt};

use crate::aws::backoff::Backoff;
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
///
/// The message is the code alone; the service's text (which may name the queue, the topic or
/// the account) is in [`Rejected::message`], for the log.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}")]
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

    /// The code given to a FIFO entry never sent because an earlier entry of its message
    /// group kept failing: sending it would have broken the group's order.
    pub const HELD_BACK: &'static str = "HeldBack";

    fn unreported() -> Self {
        Self {
            code: Self::UNREPORTED.to_owned(),
            message: None,
            sender_fault: false,
        }
    }

    fn held_back() -> Self {
        Self {
            code: Self::HELD_BACK.to_owned(),
            message: Some("an earlier message of its FIFO group was not sent".to_owned()),
            sender_fault: false,
        }
    }

    /// Whether a retry may pass: anything that was not the sender's fault, or a code the one
    /// classifier calls transient (SQS flags a throttled entry as a sender fault).
    #[must_use]
    pub fn is_transient(&self) -> bool {
        !self.sender_fault || Kind::of_aws_code(&self.code).is_transient()
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
    /// Calls in flight at once. The calls that carry messages of one FIFO message group are
    /// never in flight together: they go one after another, in order.
    pub concurrency: usize,
    /// Rounds of sending (the first included) and the jittered waits between them.
    pub retry: Backoff,
}

impl Default for BatchPolicy {
    fn default() -> Self {
        Self {
            max_entries: MAX_BATCH_ENTRIES,
            max_bytes: super::MAX_MESSAGE_BYTES,
            concurrency: 4,
            retry: Backoff::new(Duration::from_millis(100), Duration::from_secs(5), 3),
        }
    }
}

/// What [`send_all`] needs to know of one item: its wire size, and its FIFO message group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shape<'a> {
    /// The size SNS and SQS count.
    pub size: usize,
    /// The FIFO message group, for FIFO destinations.
    pub group: Option<&'a str>,
}

/// Sends items (known by index, with these `shapes`) in planned calls; `send` makes one call
/// for a list of indices and reports what happened to each. Transient failures are re-sent,
/// re-planned, in later rounds until the policy's attempts run out; an index a call does not
/// report counts as a transient [`Rejected`] with the code [`Rejected::UNREPORTED`]. The
/// result has one entry per item, in order.
///
/// FIFO order holds per message group: the calls that carry one group run one after another,
/// in item order (groups that never share a call run concurrently), and once an entry of a
/// group fails transiently, the group's later entries wait for the next round, behind it. An
/// entry still waiting when the rounds run out fails with [`Rejected::HELD_BACK`].
pub async fn send_all<S, E>(
    shapes: &[Shape<'_>],
    policy: BatchPolicy,
    send: impl AsyncFn(Vec<usize>) -> Vec<(usize, EntryOutcome<S, E>)>,
) -> Vec<Result<S, E>>
where
    E: From<Rejected>,
{
    let mut results: Vec<Option<Result<S, E>>> = shapes.iter().map(|_| None).collect();
    let mut pending: Vec<usize> = (0..shapes.len()).collect();
    let rounds = policy.retry.attempts();
    for round in 1..=rounds {
        if pending.is_empty() {
            break;
        }
        if round > 1 {
            policy.retry.sleep(round - 1).await;
        }
        let sizes: Vec<usize> = pending.iter().map(|&i| shapes[i].size).collect();
        let calls: Vec<Vec<usize>> = plan(
            &sizes,
            policy.max_entries.min(MAX_BATCH_ENTRIES),
            policy.max_bytes,
        )
        .into_iter()
        .map(|range| pending[range].to_vec())
        .collect();
        let chains = chains(calls, shapes);
        let send = &send;
        let reports: Vec<ChainReport<S, E>> = stream::iter(
            chains
                .into_iter()
                .map(|chain| run_chain(chain, shapes, send)),
        )
        .buffer_unordered(policy.concurrency.max(1))
        .collect()
        .await;
        let last = round == rounds;
        let mut outcomes = Vec::new();
        let mut held = Vec::new();
        for (reported, waiting) in reports {
            outcomes.extend(reported);
            held.extend(waiting);
        }
        let mut answered = vec![false; results.len()];
        for (index, _) in &outcomes {
            if let Some(flag) = answered.get_mut(*index) {
                *flag = true;
            }
        }
        for &index in &held {
            answered[index] = true;
        }
        for &index in pending.iter().filter(|&&i| !answered[i]) {
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
        if last {
            for index in held {
                results[index] = Some(Err(Rejected::held_back().into()));
            }
        } else {
            retry.extend(held);
        }
        retry.sort_unstable();
        pending = retry;
    }
    results
        .into_iter()
        .map(|r| r.unwrap_or_else(|| Err(Rejected::unreported().into())))
        .collect()
}

/// What one chain of calls did: the outcomes reported, and the entries held back.
type ChainReport<S, E> = (Vec<(usize, EntryOutcome<S, E>)>, Vec<usize>);

/// Joins the calls that share a FIFO message group into chains that run in order; a call
/// without groups, or whose groups no other call has, is a chain of its own.
fn chains(calls: Vec<Vec<usize>>, shapes: &[Shape<'_>]) -> Vec<Vec<Vec<usize>>> {
    let mut chain_of_group: HashMap<&str, usize> = HashMap::new();
    let mut chain_of_call: Vec<usize> = (0..calls.len()).collect();
    for (call, items) in calls.iter().enumerate() {
        for group in items.iter().filter_map(|&i| shapes[i].group) {
            match chain_of_group.get(group) {
                Some(&earlier) => {
                    let (from, to) = (root(&chain_of_call, call), root(&chain_of_call, earlier));
                    chain_of_call[from.max(to)] = from.min(to);
                }
                None => {
                    chain_of_group.insert(group, call);
                }
            }
        }
    }
    let mut chains: Vec<Vec<Vec<usize>>> = Vec::new();
    let mut chain_index: HashMap<usize, usize> = HashMap::new();
    for (call, items) in calls.into_iter().enumerate() {
        let root = root(&chain_of_call, call);
        let index = *chain_index.entry(root).or_insert_with(|| {
            chains.push(Vec::new());
            chains.len() - 1
        });
        chains[index].push(items);
    }
    chains
}

/// The representative of a call's chain: links always point to an earlier call.
fn root(links: &[usize], mut call: usize) -> usize {
    while links[call] != call {
        call = links[call];
    }
    call
}

/// Runs one chain's calls in order. After a transient failure of an entry, the later entries
/// of its group are held back (the second list) for the next round.
///
/// An entry that failed transiently while a later entry of its group in the same call went
/// through cannot be sent again without landing after it: it fails for good instead (with
/// its own error), so the group's order holds. A call that fails as a whole (the common case:
/// throttling refuses the call, not single entries) is retried in order.
async fn run_chain<S, E>(
    calls: Vec<Vec<usize>>,
    shapes: &[Shape<'_>],
    send: &impl AsyncFn(Vec<usize>) -> Vec<(usize, EntryOutcome<S, E>)>,
) -> ChainReport<S, E> {
    let mut outcomes = Vec::new();
    let mut held = Vec::new();
    let mut stalled: HashSet<&str> = HashSet::new();
    for call in calls {
        let (ready, waiting): (Vec<usize>, Vec<usize>) = call
            .into_iter()
            .partition(|&i| shapes[i].group.is_none_or(|g| !stalled.contains(g)));
        held.extend(waiting);
        if ready.is_empty() {
            continue;
        }
        let mut answers: Vec<Option<EntryOutcome<S, E>>> = ready.iter().map(|_| None).collect();
        for (index, outcome) in send(ready.clone()).await {
            if let Some(position) = ready.iter().position(|&i| i == index) {
                answers[position] = Some(outcome);
            }
        }
        // Walk the call backwards: an entry to retry is fine only if nothing of its group
        // after it went through.
        let mut sent_later: HashSet<&str> = HashSet::new();
        let mut settled = Vec::with_capacity(ready.len());
        for (position, answer) in answers.into_iter().enumerate().rev() {
            let index = ready[position];
            let group = shapes[index].group;
            let answer = match (answer, group) {
                (Some(EntryOutcome::Transient(error)), Some(g)) if sent_later.contains(g) => {
                    Some(EntryOutcome::Failed(error))
                }
                (answer, _) => answer,
            };
            if let Some(g) = group {
                match &answer {
                    Some(EntryOutcome::Sent(_)) => {
                        sent_later.insert(g);
                    }
                    // Retried, or left out of the answer (and so re-sent): the group waits.
                    Some(EntryOutcome::Transient(_)) | None => {
                        stalled.insert(g);
                    }
                    Some(EntryOutcome::Failed(_)) => {}
                }
            }
            if let Some(outcome) = answer {
                settled.push((index, outcome));
            }
        }
        settled.reverse();
        outcomes.extend(settled);
    }
    (outcomes, held)
}

/// Sends prepared items: the ones that failed to prepare keep their error, the rest go
/// through [`send_all`], shaped by `shape`. `send` gets each call's items with their ids (unique
/// within the batch; use them as the entry ids) and reports by id. The result has one entry
/// per item, in order.
pub async fn send_prepared<P, S, E>(
    prepared: Vec<Result<P, E>>,
    shape: impl Fn(&P) -> Shape<'_>,
    policy: BatchPolicy,
    send: impl AsyncFn(Vec<(usize, &P)>) -> Vec<(usize, EntryOutcome<S, E>)>,
) -> Vec<Result<S, E>>
where
    E: From<Rejected>,
{
    let ready: Vec<&P> = prepared.iter().filter_map(|p| p.as_ref().ok()).collect();
    let shapes: Vec<Shape<'_>> = ready.iter().map(|p| shape(p)).collect();
    let results = send_all(&shapes, policy, async |ids: Vec<usize>| {
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

    fn standard(sizes: &[usize]) -> Vec<Shape<'static>> {
        sizes
            .iter()
            .map(|&size| Shape { size, group: None })
            .collect()
    }

    fn fast(attempts: u32) -> BatchPolicy {
        BatchPolicy {
            retry: Backoff::new(Duration::from_millis(1), Duration::from_millis(2), attempts),
            ..BatchPolicy::default()
        }
    }

    /// Records every call's entries and when it started and ended, and answers each entry
    /// with `answer`.
    struct Recorder {
        calls: Mutex<Vec<(Vec<usize>, u32, u32)>>,
        clock: std::sync::atomic::AtomicU32,
    }

    impl Recorder {
        fn new() -> Self {
            Self {
                calls: Mutex::new(Vec::new()),
                clock: std::sync::atomic::AtomicU32::new(0),
            }
        }

        async fn call(
            &self,
            items: Vec<usize>,
            answer: impl Fn(usize, usize) -> EntryOutcome<usize, Rejected>,
        ) -> Vec<(usize, EntryOutcome<usize, Rejected>)> {
            use std::sync::atomic::Ordering::SeqCst;
            let started = self.clock.fetch_add(1, SeqCst);
            tokio::time::sleep(Duration::from_millis(2)).await;
            let ended = self.clock.fetch_add(1, SeqCst);
            let round = self.calls.lock().unwrap().len();
            self.calls
                .lock()
                .unwrap()
                .push((items.clone(), started, ended));
            items.into_iter().map(|i| (i, answer(i, round))).collect()
        }
    }

    #[tokio::test]
    async fn calls_of_one_fifo_group_never_overlap_and_keep_their_order() {
        // 40 messages: group "a" has the first 25, groups "b".."f" the rest, one each call.
        let groups: Vec<String> = (0..40)
            .map(|i| {
                if i < 25 {
                    "a".to_owned()
                } else {
                    format!("g{}", i / 3)
                }
            })
            .collect();
        let shapes: Vec<Shape<'_>> = groups
            .iter()
            .map(|g| Shape {
                size: 10,
                group: Some(g),
            })
            .collect();
        let recorder = Recorder::new();
        let results = send_all(&shapes, fast(3), async |items: Vec<usize>| {
            recorder.call(items, |i, _| EntryOutcome::Sent(i)).await
        })
        .await;
        assert!(results.iter().all(Result::is_ok));
        let calls = recorder.calls.lock().unwrap().clone();
        let with_a: Vec<&(Vec<usize>, u32, u32)> = calls
            .iter()
            .filter(|(items, _, _)| items.iter().any(|&i| i < 25))
            .collect();
        assert_eq!(with_a.len(), 3, "25 messages of one group take three calls");
        for pair in with_a.windows(2) {
            assert!(
                pair[0].2 < pair[1].1,
                "a call of group a started before the one before it ended: {pair:?}"
            );
            assert!(pair[0].0.iter().max() < pair[1].0.iter().min(), "in order");
        }
        assert!(
            calls
                .iter()
                .any(|(_, started, _)| *started < with_a[1].1 && *started > with_a[0].1),
            "other groups still run alongside"
        );
    }

    #[tokio::test]
    async fn after_a_failed_call_the_rest_of_its_group_waits_behind_it() {
        // Group "a" is 0..15 (two calls), group "b" 15..20. The first call (0..10, all "a")
        // is throttled as a whole once: 10..15 must not go before it, "b" is not held up.
        let groups: Vec<&str> = (0..20).map(|i| if i < 15 { "a" } else { "b" }).collect();
        let shapes: Vec<Shape<'_>> = groups
            .iter()
            .map(|g| Shape {
                size: 1,
                group: Some(g),
            })
            .collect();
        let sent_order = Mutex::new(Vec::new());
        let first = std::sync::atomic::AtomicBool::new(true);
        let results: Vec<Result<usize, Rejected>> =
            send_all(&shapes, fast(3), async |items: Vec<usize>| {
                let throttle =
                    items.contains(&0) && first.swap(false, std::sync::atomic::Ordering::SeqCst);
                items
                    .into_iter()
                    .map(|i| {
                        if throttle {
                            return (i, rejected("ThrottlingException", true).into_outcome());
                        }
                        sent_order.lock().unwrap().push(i);
                        (i, EntryOutcome::Sent(i))
                    })
                    .collect::<Vec<_>>()
            })
            .await;
        assert!(results.iter().all(Result::is_ok), "{results:?}");
        let order = sent_order.into_inner().unwrap();
        let a: Vec<usize> = order.iter().copied().filter(|&i| i < 15).collect();
        assert_eq!(a, (0..15).collect::<Vec<_>>(), "group a in order");
        let first_a = order.iter().position(|&i| i < 15).unwrap();
        assert!(
            order[..first_a].iter().all(|&i| i >= 15),
            "group b went in the first round: {order:?}"
        );
    }

    #[tokio::test]
    async fn an_entry_overtaken_within_its_call_fails_rather_than_arrive_late() {
        let shapes = vec![
            Shape {
                size: 1,
                group: Some("a"),
            };
            6
        ];
        let sent = Mutex::new(Vec::new());
        let results: Vec<Result<usize, Rejected>> =
            send_all(&shapes, fast(3), async |items: Vec<usize>| {
                items
                    .into_iter()
                    .map(|i| {
                        if i == 2 {
                            return (i, rejected("InternalError", false).into_outcome());
                        }
                        sent.lock().unwrap().push(i);
                        (i, EntryOutcome::Sent(i))
                    })
                    .collect::<Vec<_>>()
            })
            .await;
        assert_eq!(results[2], Err(rejected("InternalError", false)));
        assert_eq!(
            sent.into_inner().unwrap(),
            [0, 1, 3, 4, 5],
            "2 is never re-sent"
        );
        let standard_calls = std::sync::atomic::AtomicU32::new(0);
        let standard_results: Vec<Result<usize, Rejected>> =
            send_all(&standard(&[1; 3]), fast(3), async |items: Vec<usize>| {
                let call = standard_calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                items
                    .into_iter()
                    .map(|i| {
                        if i == 1 && call == 0 {
                            (i, rejected("InternalError", false).into_outcome())
                        } else {
                            (i, EntryOutcome::Sent(i))
                        }
                    })
                    .collect::<Vec<_>>()
            })
            .await;
        assert_eq!(standard_results[1], Ok(1), "standard queues just retry");
    }

    #[tokio::test]
    async fn entries_held_back_when_the_rounds_run_out_fail_as_held_back() {
        let shapes = vec![
            Shape {
                size: 1,
                group: Some("a"),
            };
            12
        ];
        let results: Vec<Result<usize, Rejected>> =
            send_all(&shapes, fast(2), async |items: Vec<usize>| {
                let down = items.contains(&0);
                items
                    .into_iter()
                    .map(|i| {
                        if down {
                            (i, rejected("ServiceUnavailable", false).into_outcome())
                        } else {
                            (i, EntryOutcome::Sent(i))
                        }
                    })
                    .collect::<Vec<_>>()
            })
            .await;
        for failed in &results[..10] {
            assert_eq!(failed, &Err(rejected("ServiceUnavailable", false)));
        }
        for held in &results[10..] {
            assert_eq!(held.as_ref().unwrap_err().code, Rejected::HELD_BACK);
        }
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
        let results = send_all(
            &standard(&[10; 13]),
            fast(3),
            async |indices: Vec<usize>| {
                *calls.lock().unwrap() += 1;
                let mut tries = tries.lock().unwrap();
                let outcomes: Vec<_> = indices
                    .into_iter()
                    .filter_map(|i| {
                        tries[i] += 1;
                        let outcome = match i {
                            3 if tries[i] < 2 => {
                                rejected("ThrottlingException", true).into_outcome()
                            }
                            5 => rejected("InvalidParameterValue", true).into_outcome(),
                            7 => rejected("InternalError", false).into_outcome(),
                            9 if tries[i] < 2 => return None,
                            _ => EntryOutcome::Sent(i * 100),
                        };
                        Some((i, outcome))
                    })
                    .collect();
                outcomes
            },
        )
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
            |_| Shape {
                size: 1,
                group: None,
            },
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
        let results: Vec<Result<(), Rejected>> =
            send_all(&standard(&[1, 1]), fast(2), async |_| Vec::new()).await;
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
