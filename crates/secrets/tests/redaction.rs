//! No secret value in any log line (every target, TRACE level) or in the `Debug` output of the
//! crate's public types, over every read path, the failures and a stale read included.
#![allow(clippy::unwrap_used, reason = "tests")]

mod support;

use std::time::Duration;

use support::Seed;
use updraft_core::Env;
use updraft_secrets::{
    Cache, CacheSettings, Provider, ReadOptions, Reference, Request, Resolver, SecretsManager, Ssm,
};
use updraft_testkit::{LogBuffer, PrivateMoto, unique_name};

const VALUES: [&str; 4] = [
    "ssm-value-Zq81",
    "secure-value-Kx27",
    "sm-value-Wp55",
    "json-field-Jr64",
];

fn assert_clean(what: &str, text: &str) {
    for value in VALUES {
        assert!(!text.contains(value), "{what} shows `{value}`:\n{text}");
    }
}

#[tokio::test]
async fn no_secret_reaches_a_log_line_or_a_debug_string() {
    let logs = LogBuffer::default();
    let sink = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || sink.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let moto = PrivateMoto::start().await;
    let seed = Seed::with(moto.aws_config().await);
    seed.parameter("/r/plain", VALUES[0], false).await;
    seed.parameter("/r/secure", VALUES[1], true).await;
    let secret = unique_name("redaction");
    seed.secret(&secret, VALUES[2]).await;
    let json = unique_name("redaction-json");
    seed.secret(&json, &format!(r#"{{"password": "{}"}}"#, VALUES[3]))
        .await;

    let ssm = Ssm::new(&seed.config);
    let sm = SecretsManager::new(&seed.config);
    let stale = CacheSettings::default()
        .ttl(Duration::from_millis(100))
        .max_staleness(Duration::from_secs(60));
    let cache = Cache::with_settings(ssm.clone(), stale);
    let mut debug = Vec::new();
    debug.push(format!("{:?}", ssm.get("/r/plain").await.unwrap()));
    debug.push(format!(
        "{:?}",
        ssm.get_many(["/r/plain", "/r/secure", "/r/missing"]).await
    ));
    debug.push(format!("{:?}", ssm.get_by_path("/r", true).await.unwrap()));
    debug.push(format!("{:?}", sm.get(&secret).await.unwrap()));
    debug.push(format!(
        "{:?}",
        sm.get_many([secret.clone(), json.clone()]).await
    ));
    debug.push(format!(
        "{:?}",
        sm.get(&json).await.unwrap().pick("password").unwrap()
    ));
    debug.push(format!("{:?}", sm.get_json::<u32>(&json).await));
    debug.push(format!(
        "{:?}",
        cache
            .get_with("/r/secure", ReadOptions::new().force_refresh())
            .await
    ));
    let env = Env::from_pairs([
        ("A", "ssm:///r/secure".to_owned()),
        ("B", format!("secretsmanager://{json}#password")),
        ("C", format!("secretsmanager://{json}#nope")),
    ]);
    let resolver = Resolver::with_providers(ssm.clone(), sm.clone());
    debug.push(format!("{:?}", resolver.resolve(&env).await));
    let good = Env::from_pairs([
        ("A", "ssm:///r/secure".to_owned()),
        ("B", format!("secretsmanager://{json}#password")),
    ]);
    let resolved = resolver.resolve(&good).await.unwrap();
    debug.push(format!("{resolved:?} {resolved:#?}"));
    for (_, secret) in resolved.iter() {
        debug.push(format!("{secret} {secret:?} {secret:#?}"));
    }
    moto.stop();
    tokio::time::sleep(Duration::from_millis(200)).await;
    debug.push(format!("{:?}", cache.get("/r/secure").await));
    assert_eq!(
        cache.stats().stale_served,
        1,
        "the stale path ran, and logged"
    );
    debug.push(format!("{:?}", ssm.get("/r/plain").await));
    debug.push(format!(
        "{ssm:?} {sm:?} {cache:?} {:?} {resolver:?} {:?}",
        cache.stats(),
        CacheSettings::default()
    ));
    debug.push(format!(
        "{:?} {:?}",
        Request::new("/r/secure").stage("AWSCURRENT"),
        Reference::parse("ssm:///r/secure#a")
    ));

    for text in &debug {
        assert_clean("a Debug string", text);
    }
    let logged = logs.text();
    assert!(
        logged.contains("serving a stale secret"),
        "the logs were captured:\n{logged}"
    );
    assert!(
        logged.lines().count() > 20,
        "SDK traces were captured too:\n{logged}"
    );
    assert_clean("the log", &logged);
}
