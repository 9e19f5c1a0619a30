//! What every typed publisher (`updraft-sqs-backend`'s `Queue<T>`, `updraft-sns`'s `Topic<T>`)
//! shares: its address, looked up once from a name; whether it adds the session; how it
//! batches; and a count of its batch calls. The publishers add only their SDK calls.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::sync::OnceCell;

use super::batch::{self, Answer, BatchPolicy, EntryOutcome, Rejected};
use super::is_fifo;
use super::outbound::{Destination, Outbound};

#[derive(Debug)]
struct Shared {
    name: Option<String>,
    address: OnceCell<String>,
    batch_calls: AtomicU64,
}

/// The shared state of a queue or topic publisher. Cheap to clone; clones share the address
/// and the call count.
#[derive(Debug, Clone)]
pub struct Publisher {
    shared: Arc<Shared>,
    inject_session: bool,
    string_arrays: bool,
    policy: BatchPolicy,
}

impl Publisher {
    /// A publisher to `address` (a queue URL or topic ARN). `string_arrays` says whether the
    /// service takes `String.Array` attributes (SNS does, SQS does not).
    #[must_use]
    pub fn at(address: impl Into<String>, string_arrays: bool) -> Self {
        Self::new(
            None,
            OnceCell::new_with(Some(address.into())),
            string_arrays,
        )
    }

    /// A publisher to the queue or topic called `name`, its address looked up on first use.
    #[must_use]
    pub fn named(name: impl Into<String>, string_arrays: bool) -> Self {
        Self::new(Some(name.into()), OnceCell::new(), string_arrays)
    }

    fn new(name: Option<String>, address: OnceCell<String>, string_arrays: bool) -> Self {
        Self {
            shared: Arc::new(Shared {
                name,
                address,
                batch_calls: AtomicU64::new(0),
            }),
            inject_session: true,
            string_arrays,
            policy: BatchPolicy::default(),
        }
    }

    /// Stops adding the current session as the `session` attribute.
    #[must_use]
    pub fn without_session(mut self) -> Self {
        self.inject_session = false;
        self
    }

    /// Changes how batches are sent.
    #[must_use]
    pub fn batch_policy(mut self, policy: BatchPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// The address, from `lookup` of the name the first time (and cached) when the publisher
    /// was named.
    ///
    /// # Errors
    ///
    /// The lookup's error; a later call looks up again.
    pub async fn address<E>(
        &self,
        lookup: impl AsyncFnOnce(&str) -> Result<String, E>,
    ) -> Result<&str, E> {
        let shared = &self.shared;
        let name = shared.name.as_deref().unwrap_or_default();
        let address = shared
            .address
            .get_or_try_init(async || lookup(name).await)
            .await?;
        Ok(address)
    }

    /// The checks for a message to `address`.
    #[must_use]
    pub fn destination<'a>(&self, address: &'a str) -> Destination<'a> {
        Destination {
            name: address,
            fifo: is_fifo(address),
            inject_session: self.inject_session,
            string_arrays: self.string_arrays,
        }
    }

    /// How many batch calls this publisher and its clones have made.
    #[must_use]
    pub fn batch_calls(&self) -> u64 {
        self.shared.batch_calls.load(Ordering::Relaxed)
    }

    /// Sends prepared items to `address` in batch calls (see [`batch::send_prepared`]), sized
    /// and kept in FIFO order by their [`Outbound`] message: `entry` builds the SDK entry of
    /// an item from its id, `call` makes one batch call and returns its [`Answer`]. The result
    /// has one entry per item, in order.
    pub async fn send_batch<P, B, S, E>(
        &self,
        address: &str,
        prepared: Vec<Result<P, E>>,
        entry: impl Fn(usize, &P) -> Result<B, E>,
        call: impl AsyncFn(Vec<B>) -> Answer<S>,
    ) -> Vec<Result<S, E>>
    where
        P: AsRef<Outbound>,
        E: From<Rejected>,
    {
        batch::send_prepared(
            prepared,
            |p: &P| p.as_ref().shape(),
            self.policy,
            async |items: Vec<(usize, &P)>| {
                let mut entries = Vec::with_capacity(items.len());
                let mut in_call = Vec::with_capacity(items.len());
                let mut outcomes = Vec::new();
                for (id, item) in items {
                    match entry(id, item) {
                        Ok(built) => {
                            entries.push(built);
                            in_call.push(id);
                        }
                        Err(e) => outcomes.push((id, EntryOutcome::Failed(e))),
                    }
                }
                if !entries.is_empty() {
                    self.shared.batch_calls.fetch_add(1, Ordering::Relaxed);
                    tracing::debug!(address, entries = entries.len(), "batch call");
                    outcomes.extend(batch::outcomes(&in_call, call(entries).await));
                }
                outcomes
            },
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_name_is_looked_up_once_and_a_failed_lookup_is_retried() {
        let publisher = Publisher::named("jobs", false);
        let failed: Result<&str, &str> = publisher.address(async |_| Err("down")).await;
        assert_eq!(failed, Err("down"));
        let found: Result<&str, &str> = publisher
            .address(async |name| Ok(format!("https://sqs/1/{name}")))
            .await;
        assert_eq!(found, Ok("https://sqs/1/jobs"));
        let cached: Result<&str, &str> = publisher
            .clone()
            .address(async |_| Err("not called"))
            .await
            .map(|_| "cached");
        assert_eq!(cached, Ok("cached"));
        assert!(!publisher.destination("https://sqs/1/jobs").fifo);
        assert!(
            Publisher::at("arn:aws:sns:r:1:t.fifo", true)
                .destination("arn:aws:sns:r:1:t.fifo")
                .fifo
        );
    }

    #[tokio::test]
    async fn entries_that_cannot_be_built_fail_alone_and_calls_are_counted() {
        let publisher = Publisher::at("q", false);
        let message = |n: u32| Outbound {
            body: n.to_string(),
            attributes: std::collections::BTreeMap::new(),
            group_id: None,
            dedup_id: None,
            size: 1,
        };
        let prepared: Vec<Result<Outbound, Rejected>> = (0..12).map(|n| Ok(message(n))).collect();
        let entry = |id: usize, item: &Outbound| {
            let item: u32 = item.body.parse().unwrap();
            if item == 3 {
                Err(Rejected {
                    code: "Bad".into(),
                    message: None,
                    sender_fault: true,
                })
            } else {
                Ok((id, item))
            }
        };
        let results = publisher
            .send_batch("q", prepared, entry, async |entries: Vec<(usize, u32)>| {
                Ok((
                    entries
                        .into_iter()
                        .map(|(id, item)| (id.to_string(), item * 2))
                        .collect(),
                    Vec::new(),
                ))
            })
            .await;
        assert_eq!(results[2], Ok(4));
        assert_eq!(results[3].as_ref().unwrap_err().code, "Bad");
        assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 11);
        assert_eq!(publisher.batch_calls(), 2);
    }
}
