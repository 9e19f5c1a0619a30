//! Idempotent calls against DynamoDB Local: concurrency, repeats, mismatches, errors, expiry,
//! crashes, tenants, missing keys, oversized responses and the local cache.
#![allow(clippy::unwrap_used, reason = "tests")]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};
use updraft_core::Session;
use updraft_core::error::{Kind, Surface};
use updraft_dynamo::Dynamo;
use updraft_idempotency::{Error, Idempotency, Key};
use updraft_testkit::{aws_config, unique_name};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
struct Charge {
    order_id: String,
    cents: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
struct Receipt {
    id: String,
    run: usize,
}

/// The handler's error: a declined charge, a caller's mistake.
#[derive(Debug, Clone, PartialEq)]
struct Declined(String);

impl std::fmt::Display for Declined {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Declined {}

impl Surface for Declined {
    fn kind(&self) -> Kind {
        Kind::BadInput
    }
    fn error_type(&self) -> &'static str {
        "tests.Declined"
    }
}

fn charge(order: &str, cents: u64) -> Charge {
    Charge {
        order_id: order.to_owned(),
        cents,
    }
}

/// A table of its own for each test, dropped at the end.
struct Fixture {
    dynamo: Dynamo,
    idempotency: Idempotency,
}

impl Fixture {
    async fn new() -> Self {
        let dynamo = Dynamo::new(&aws_config().await);
        let idempotency =
            Idempotency::new(&dynamo, unique_name("idempotency")).function_name("tests");
        idempotency.create_table_if_missing().await.unwrap();
        Self {
            dynamo,
            idempotency,
        }
    }

    async fn drop_table(&self) {
        let _ = self
            .dynamo
            .sdk()
            .delete_table()
            .table_name(self.idempotency.table_name())
            .send()
            .await;
    }
}

/// A handler that counts its runs, and answers after `delay`.
fn counted(
    runs: &Arc<AtomicUsize>,
    delay: Duration,
) -> impl Fn(Charge) -> std::pin::Pin<Box<dyn Future<Output = Result<Receipt, Declined>> + Send>>
+ Send
+ Sync
+ 'static {
    let runs = runs.clone();
    move |charge: Charge| {
        let runs = runs.clone();
        Box::pin(async move {
            tokio::time::sleep(delay).await;
            let run = runs.fetch_add(1, Ordering::SeqCst) + 1;
            if charge.cents == 0 {
                return Err(Declined("declined: zero".to_owned()));
            }
            Ok(Receipt {
                id: format!("r-{}", charge.order_id),
                run,
            })
        })
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_hundred_concurrent_identical_calls_run_the_handler_once() {
    let fixture = Fixture::new().await;
    let runs = Arc::new(AtomicUsize::new(0));
    let wrapped = fixture.idempotency.wrap(
        "charge",
        Key::fields(["order_id"]),
        counted(&runs, Duration::from_millis(300)),
    );
    let calls: Vec<_> = (0..100)
        .map(|_| {
            let wrapped = wrapped.clone();
            tokio::spawn(async move { wrapped.call(charge("o-1", 500)).await })
        })
        .collect();
    let mut answered = Vec::new();
    let mut in_progress = 0;
    for call in calls {
        match call.await.unwrap() {
            Ok(receipt) => answered.push(receipt),
            Err(Error::InProgress { retry_after }) => {
                assert!(retry_after >= Duration::from_secs(1));
                in_progress += 1;
            }
            Err(other) => panic!("{other:?}"),
        }
    }
    assert_eq!(
        runs.load(Ordering::SeqCst),
        1,
        "the handler ran exactly once"
    );
    assert_eq!(answered.len() + in_progress, 100);
    assert!(!answered.is_empty());
    assert!(answered.iter().all(|r| r.run == 1 && r.id == "r-o-1"));
    let later = wrapped.call(charge("o-1", 500)).await.unwrap();
    assert_eq!(later.run, 1, "the stored response, not a second run");
    fixture.drop_table().await;
}

#[tokio::test]
async fn repeats_replay_and_a_different_payload_is_refused() {
    let fixture = Fixture::new().await;
    let runs = Arc::new(AtomicUsize::new(0));
    let wrapped = fixture.idempotency.wrap(
        "charge",
        Key::fields(["order_id"]),
        counted(&runs, Duration::ZERO),
    );
    let first = wrapped.call(charge("o-2", 500)).await.unwrap();
    let again = wrapped.call(charge("o-2", 500)).await.unwrap();
    assert_eq!(first, again);
    let mismatch = wrapped.call(charge("o-2", 900)).await.unwrap_err();
    assert!(matches!(mismatch, Error::PayloadMismatch), "{mismatch:?}");
    assert_eq!(mismatch.kind(), Kind::BadInput);
    let other = wrapped.call(charge("o-3", 900)).await.unwrap();
    assert_eq!(other.run, 2);
    assert_eq!(runs.load(Ordering::SeqCst), 2);
    fixture.drop_table().await;
}

#[tokio::test]
async fn a_handler_error_releases_the_key_unless_it_is_not_retryable() {
    let fixture = Fixture::new().await;
    let runs = Arc::new(AtomicUsize::new(0));
    let retried = fixture.idempotency.wrap(
        "charge",
        Key::fields(["order_id"]),
        counted(&runs, Duration::ZERO),
    );
    for _ in 0..2 {
        let error = retried.call(charge("o-4", 0)).await.unwrap_err();
        assert!(
            matches!(error, Error::Handler(ref m) if m.0 == "declined: zero"),
            "{error:?}"
        );
    }
    assert_eq!(runs.load(Ordering::SeqCst), 2, "each attempt ran again");

    let stored = fixture
        .idempotency
        .wrap(
            "charge-once",
            Key::fields(["order_id"]),
            counted(&runs, Duration::ZERO),
        )
        .retry_when(|error: &Declined| !error.0.starts_with("declined"));
    let first = stored.call(charge("o-5", 0)).await.unwrap_err();
    assert!(matches!(first, Error::Handler(_)));
    let repeat = stored.call(charge("o-5", 0)).await.unwrap_err();
    match &repeat {
        Error::StoredFailure { message } => assert_eq!(message, "declined: zero"),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        runs.load(Ordering::SeqCst),
        3,
        "the stored failure did not run again"
    );
    fixture.drop_table().await;
}

#[tokio::test]
async fn expired_records_and_lapsed_claims_run_again() {
    let fixture = Fixture::new().await;
    let runs = Arc::new(AtomicUsize::new(0));
    let short = fixture
        .idempotency
        .clone()
        .expires_after(Duration::from_secs(1))
        .lock_timeout(Duration::from_secs(1));
    let wrapped = short.wrap(
        "charge",
        Key::fields(["order_id"]),
        counted(&runs, Duration::from_millis(50)),
    );
    assert_eq!(wrapped.call(charge("o-6", 1)).await.unwrap().run, 1);
    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert_eq!(
        wrapped.call(charge("o-6", 1)).await.unwrap().run,
        2,
        "expired"
    );

    // A crash mid-handler: the call is dropped while its claim is held.
    let slow = short.wrap(
        "slow",
        Key::fields(["order_id"]),
        counted(&runs, Duration::from_secs(10)),
    );
    let crashed =
        tokio::time::timeout(Duration::from_millis(300), slow.call(charge("o-7", 1))).await;
    assert!(crashed.is_err(), "the call was cut short");
    let blocked = slow.call(charge("o-7", 1)).await.unwrap_err();
    assert!(matches!(blocked, Error::InProgress { .. }), "{blocked:?}");
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let fast = short.wrap(
        "slow",
        Key::fields(["order_id"]),
        counted(&runs, Duration::ZERO),
    );
    assert!(fast.call(charge("o-7", 1)).await.is_ok(), "the lock lapsed");
    fixture.drop_table().await;
}

#[tokio::test]
async fn inside_an_invocation_the_claim_lasts_its_remaining_time() {
    let fixture = Fixture::new().await;
    let runs = Arc::new(AtomicUsize::new(0));
    let long_lock = fixture
        .idempotency
        .clone()
        .lock_timeout(Duration::from_secs(600));
    let slow = long_lock.wrap(
        "invocation",
        Key::fields(["order_id"]),
        counted(&runs, Duration::from_secs(10)),
    );
    let deadline = SystemTime::now() + Duration::from_secs(1);
    let crashed = tokio::time::timeout(
        Duration::from_millis(300),
        updraft_contexts::lambda::with_deadline(deadline, slow.call(charge("o-8", 1))),
    )
    .await;
    assert!(crashed.is_err());
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let fast = long_lock.wrap(
        "invocation",
        Key::fields(["order_id"]),
        counted(&runs, Duration::ZERO),
    );
    assert!(
        fast.call(charge("o-8", 1)).await.is_ok(),
        "the claim lapsed with the invocation, not after 600 s"
    );
    fixture.drop_table().await;
}

#[tokio::test]
async fn tenants_never_share_a_key() {
    let fixture = Fixture::new().await;
    let runs = Arc::new(AtomicUsize::new(0));
    let wrapped = fixture.idempotency.wrap(
        "charge",
        Key::fields(["order_id"]),
        counted(&runs, Duration::ZERO),
    );
    for state in ["ohio", "utah", "ohio"] {
        Session::with_state(state)
            .scope(wrapped.call(charge("o-9", 1)))
            .await
            .unwrap();
    }
    assert_eq!(runs.load(Ordering::SeqCst), 2, "one run per tenant");
    fixture.drop_table().await;
}

#[tokio::test]
async fn inputs_without_a_key_are_refused_or_run_without() {
    let fixture = Fixture::new().await;
    let runs = Arc::new(AtomicUsize::new(0));
    let strict = fixture.idempotency.wrap(
        "charge",
        Key::fields(["customer_id"]),
        counted(&runs, Duration::ZERO),
    );
    let refused = strict.call(charge("o-10", 1)).await.unwrap_err();
    assert!(matches!(refused, Error::NoKey { .. }), "{refused:?}");
    assert_eq!(refused.kind(), Kind::BadInput);
    let lenient = fixture.idempotency.clone().allow_missing_key().wrap(
        "charge",
        Key::fields(["customer_id"]),
        counted(&runs, Duration::ZERO),
    );
    lenient.call(charge("o-10", 1)).await.unwrap();
    lenient.call(charge("o-10", 1)).await.unwrap();
    assert_eq!(runs.load(Ordering::SeqCst), 2, "no key, no idempotency");
    fixture.drop_table().await;
}

#[tokio::test]
async fn a_response_over_the_item_limit_is_an_error_and_never_runs_twice() {
    let fixture = Fixture::new().await;
    let runs = Arc::new(AtomicUsize::new(0));
    let counter = runs.clone();
    let huge = fixture
        .idempotency
        .wrap("export", Key::whole(), move |n: u32| {
            let counter = counter.clone();
            async move {
                counter.fetch_add(1, Ordering::SeqCst);
                Ok::<_, Declined>("x".repeat(n as usize))
            }
        });
    let error = huge.call(500_000).await.unwrap_err();
    assert!(
        matches!(error, Error::ResponseTooLarge { size: 500_002, .. }),
        "{error:?}"
    );
    let repeat = huge.call(500_000).await.unwrap_err();
    assert!(matches!(repeat, Error::StoredFailure { .. }), "{repeat:?}");
    assert_eq!(
        repeat.public_message(),
        "an earlier request with this idempotency key failed"
    );
    assert_eq!(runs.load(Ordering::SeqCst), 1);
    assert_eq!(huge.call(10).await.unwrap().len(), 10);
    fixture.drop_table().await;
}

#[tokio::test]
async fn the_local_cache_answers_repeats_without_a_read() {
    let fixture = Fixture::new().await;
    let runs = Arc::new(AtomicUsize::new(0));
    let cached = fixture.idempotency.clone().local_cache(100).wrap(
        "charge",
        Key::fields(["order_id"]),
        counted(&runs, Duration::ZERO),
    );
    let first = cached.call(charge("o-11", 1)).await.unwrap();
    // With the table gone, only the cache can answer.
    fixture.drop_table().await;
    let again = cached.call(charge("o-11", 1)).await.unwrap();
    assert_eq!(first, again);
    assert!(matches!(
        cached.call(charge("o-11", 2)).await,
        Err(Error::PayloadMismatch)
    ));
    let uncached = cached.call(charge("o-12", 1)).await.unwrap_err();
    assert!(matches!(uncached, Error::Store(_)), "{uncached:?}");
    assert_eq!(runs.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn from_env_names_a_missing_table_variable() {
    let dynamo = Dynamo::new(&aws_config().await);
    let missing = Idempotency::from_env(&dynamo, &updraft_core::Env::default()).unwrap_err();
    assert!(
        missing.to_string().contains("IDEMPOTENCY_TABLE"),
        "{missing}"
    );
    let blank = Idempotency::from_env(
        &dynamo,
        &updraft_core::Env::from_pairs([("IDEMPOTENCY_TABLE", " ")]),
    )
    .unwrap_err();
    assert!(blank.to_string().contains("IDEMPOTENCY_TABLE"), "{blank}");
    let named = Idempotency::from_env(
        &dynamo,
        &updraft_core::Env::from_pairs([("IDEMPOTENCY_TABLE", "orders-idempotency")]),
    )
    .unwrap();
    assert_eq!(named.table_name(), "orders-idempotency");
}
