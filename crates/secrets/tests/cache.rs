//! `Cache` against moto (and, for throttling, which moto never does, a fake endpoint named as
//! such): TTL, force refresh, single-flight, bounds, batched reads and stale values.
#![allow(clippy::unwrap_used, reason = "tests")]

mod support;

use std::time::Duration;

use support::Seed;
use updraft_core::aws::backoff::Backoff;
use updraft_core::error::{Kind, Surface};
use updraft_secrets::{Cache, CacheSettings, Error, Provider, ReadOptions, Ssm};
use updraft_testkit::PrivateMoto;

fn settings(ttl_ms: u64) -> CacheSettings {
    CacheSettings::default().ttl(Duration::from_millis(ttl_ms))
}

#[tokio::test]
async fn values_expire_after_their_ttl_and_force_refresh_fetches_now() {
    let seed = Seed::new().await;
    let name = format!("{}/rotating", Seed::path("ttl"));
    seed.parameter(&name, "v1", true).await;
    let cache = Cache::with_settings(Ssm::new(&seed.config), settings(400));
    assert_eq!(cache.get(&name).await.unwrap().expose().unwrap(), "v1");
    seed.parameter(&name, "v2", true).await;
    assert_eq!(
        cache.get(&name).await.unwrap().expose().unwrap(),
        "v1",
        "still fresh"
    );
    assert_eq!(
        cache.force_refresh(&name).await.unwrap().expose().unwrap(),
        "v2"
    );
    seed.parameter(&name, "v3", true).await;
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(
        cache.get(&name).await.unwrap().expose().unwrap(),
        "v3",
        "expired, fetched again"
    );
    let stats = cache.stats();
    assert_eq!((stats.hits, stats.misses, stats.provider_calls), (1, 3, 3));

    // A TTL for one read: this value is kept only briefly, whatever the cache's default.
    let long = Cache::with_settings(Ssm::new(&seed.config), settings(60_000));
    long.get_with(&name, ReadOptions::new().ttl(Duration::from_millis(100)))
        .await
        .unwrap();
    seed.parameter(&name, "v4", true).await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(long.get(&name).await.unwrap().expose().unwrap(), "v4");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_hundred_concurrent_reads_of_a_cold_key_make_one_call() {
    let seed = Seed::new().await;
    let name = format!("{}/hot", Seed::path("flight"));
    seed.parameter(&name, "shared-value", true).await;
    let cache = Cache::new(Ssm::new(&seed.config));
    let reads: Vec<_> = (0..100)
        .map(|_| {
            let cache = cache.clone();
            let name = name.clone();
            tokio::spawn(async move {
                cache
                    .get(name)
                    .await
                    .map(|s| s.expose().unwrap().to_owned())
            })
        })
        .collect();
    for read in reads {
        assert_eq!(read.await.unwrap().unwrap(), "shared-value");
    }
    assert_eq!(cache.stats().provider_calls, 1);
    assert_eq!(cache.provider().api_calls(), 1);

    // A failure is shared the same way.
    let missing = format!("{name}-missing");
    let reads: Vec<_> = (0..100)
        .map(|_| {
            let cache = cache.clone();
            let missing = missing.clone();
            tokio::spawn(async move { cache.get(missing).await })
        })
        .collect();
    for read in reads {
        assert!(matches!(read.await.unwrap(), Err(Error::NotFound { .. })));
    }
    assert_eq!(cache.stats().provider_calls, 2);
}

#[tokio::test]
async fn the_cache_is_bounded_and_batched_reads_fill_it() {
    let seed = Seed::new().await;
    let path = Seed::path("bounded");
    let names: Vec<String> = (0..12).map(|i| format!("{path}/k{i}")).collect();
    for name in &names {
        seed.parameter(name, "v", false).await;
    }
    let small = Cache::with_settings(
        Ssm::new(&seed.config),
        CacheSettings::default().max_entries(3),
    );
    for name in &names[..5] {
        small.get(name).await.unwrap();
    }
    assert_eq!(small.stats().entries, 3);

    let cache = Cache::new(Ssm::new(&seed.config));
    assert!(cache.get_many(&names).await.iter().all(Result::is_ok));
    assert_eq!(
        (cache.stats().provider_calls, cache.provider().api_calls()),
        (1, 2)
    );
    assert!(cache.get_many(&names).await.iter().all(Result::is_ok));
    assert_eq!(cache.stats().hits, 12);
    assert_eq!(
        cache.provider().api_calls(),
        2,
        "the second batch came from the cache"
    );
    cache.invalidate(&names[0]);
    cache.get(&names[0]).await.unwrap();
    assert_eq!(cache.provider().api_calls(), 3);
}

#[tokio::test]
async fn failed_lookups_never_evict_good_values() {
    let seed = Seed::new().await;
    let path = Seed::path("negative");
    let good: Vec<String> = (0..3).map(|i| format!("{path}/good{i}")).collect();
    for name in &good {
        seed.parameter(name, "v", false).await;
    }
    let cache = Cache::with_settings(
        Ssm::new(&seed.config),
        CacheSettings::default().max_entries(3),
    );
    for name in &good {
        cache.get(name).await.unwrap();
    }
    // A caller asking for 50 names that do not exist, as a scan for secrets would.
    for i in 0..50 {
        let missing = cache.get(format!("{path}/missing{i}")).await;
        assert!(
            matches!(missing, Err(Error::NotFound { .. })),
            "{missing:?}"
        );
    }
    assert_eq!(
        cache.stats().entries,
        3,
        "no slot is kept for a name that failed"
    );
    let calls = cache.stats().provider_calls;
    for name in &good {
        cache.get(name).await.unwrap();
    }
    assert_eq!(
        cache.stats().provider_calls,
        calls,
        "every good value is still cached"
    );
}

#[tokio::test]
async fn an_absurd_time_to_live_is_a_configuration_error_or_never_expires() {
    let env = updraft_core::Env::from_pairs([(updraft_secrets::TTL_VAR, "500000000000000000")]);
    let error = Cache::from_env(Ssm::new(&Seed::new().await.config), &env).unwrap_err();
    assert!(
        error.to_string().contains(updraft_secrets::TTL_VAR),
        "{error}"
    );
    assert_eq!(error.kind(), Kind::Config);
    let seed = Seed::new().await;
    let name = format!("{}/forever", Seed::path("ttl"));
    seed.parameter(&name, "v1", false).await;
    let cache = Cache::with_settings(
        Ssm::new(&seed.config),
        CacheSettings::default().max_staleness(Duration::MAX),
    );
    let forever = ReadOptions::new().ttl(Duration::MAX);
    assert_eq!(
        cache
            .get_with(&name, forever)
            .await
            .unwrap()
            .expose()
            .unwrap(),
        "v1",
        "a time to live past the clock's end means never, not a panic"
    );
    seed.parameter(&name, "v2", false).await;
    assert_eq!(cache.get(&name).await.unwrap().expose().unwrap(), "v1");
}

#[tokio::test]
async fn stale_values_are_served_on_transient_errors_within_the_limit_and_not_beyond() {
    let moto = PrivateMoto::start().await;
    let seed = Seed::with(moto.aws_config().await);
    let name = "/stale/db-password";
    seed.parameter(name, "still-good", true).await;
    let stale = settings(200).max_staleness(Duration::from_millis(1500));
    let cache = Cache::with_settings(Ssm::new(&seed.config), stale);
    let strict = Cache::with_settings(Ssm::new(&seed.config), settings(200));
    cache.get(name).await.unwrap();
    strict.get(name).await.unwrap();
    moto.stop();
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(
        cache.get(name).await.unwrap().expose().unwrap(),
        "still-good",
        "expired, server gone, within the limit"
    );
    assert_eq!(cache.stats().stale_served, 1);
    let error = strict.get(name).await.unwrap_err();
    assert!(error.is_transient(), "{error:?}");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let error = cache.get(name).await.unwrap_err();
    assert!(error.is_transient(), "beyond the limit: {error:?}");
    assert_eq!(cache.stats().stale_served, 1);
}

/// A fake SSM: moto never throttles, so a fake endpoint answers `ThrottlingException` twice,
/// then the parameter.
#[tokio::test]
async fn fake_ssm_throttled_reads_are_retried_with_backoff() {
    use updraft_testkit::{Canned, FakeEndpoint};
    let throttled = || {
        Canned::status(
            400,
            "application/x-amz-json-1.1",
            r#"{"__type": "ThrottlingException", "message": "Rate exceeded"}"#,
        )
    };
    let parameter =
        r#"{"Parameter": {"Name": "/p", "Type": "String", "Value": "ok", "Version": 1}}"#;
    let fake = FakeEndpoint::start(vec![
        throttled(),
        throttled(),
        Canned::ok("application/x-amz-json-1.1", parameter),
        throttled(),
    ])
    .await;
    let config = fake.aws_config().await;
    let quick = CacheSettings::default().retry(Backoff::new(
        Duration::from_millis(5),
        Duration::from_millis(20),
        4,
    ));
    let cache = Cache::with_settings(Ssm::new(&config), quick);
    assert_eq!(cache.get("/p").await.unwrap().expose().unwrap(), "ok");
    assert_eq!(cache.stats().provider_calls, 3);
    let once = Cache::with_settings(
        Ssm::new(&config),
        CacheSettings::default().retry(Backoff::new(Duration::ZERO, Duration::ZERO, 1)),
    );
    let error = once.get("/p").await.unwrap_err();
    assert_eq!(error.kind(), Kind::Throttled, "{error:?}");
}
