//! Settings from the environment (clear-skies' names, either case) and from code, with a typed
//! error naming the variable for each malformed or missing one.
#![allow(clippy::unwrap_used, reason = "tests")]

use std::time::Duration;

use updraft_core::Env;
use updraft_core::error::{Kind, Surface};
use updraft_rds_iam_auth::{Auth, Engine, Error, PoolBuilder, Settings};

fn env(pairs: &[(&str, &str)]) -> Env {
    Env::from_pairs(pairs.iter().copied())
}

const BASE: [(&str, &str); 3] = [
    ("db_endpoint", "mydb.abc.eu-west-1.rds.amazonaws.com"),
    ("db_username", "app"),
    ("ssl_ca_bundle_filename", "/opt/rds/global-bundle.pem"),
];

fn with(extra: &[(&'static str, &'static str)]) -> Env {
    let mut pairs: Vec<(&str, &str)> = extra.to_vec();
    pairs.extend(BASE);
    env(&pairs)
}

#[test]
fn clear_skies_names_in_either_case_and_engine_default_ports() {
    let settings = Settings::from_env(&with(&[
        ("db_database", "orders"),
        ("AWS_REGION", "eu-west-1"),
    ]))
    .unwrap();
    assert_eq!(
        (settings.engine(), settings.port(), settings.database()),
        (Engine::Postgres, 5432, Some("orders"))
    );
    assert_eq!(settings.region(), Some("eu-west-1"));
    assert!(matches!(settings.auth(), Auth::Iam));
    let upper = env(&[
        ("DB_ENDPOINT", "h:6543"),
        ("DB_USERNAME", "u"),
        ("SSL_CA_BUNDLE_FILENAME", "/ca.pem"),
        ("DB_ENGINE", "aurora-mysql"),
    ]);
    let settings = Settings::from_env(&upper).unwrap();
    assert_eq!(
        (settings.engine(), settings.host(), settings.port()),
        (Engine::MySql, "h", 6543)
    );
    assert_eq!(
        Settings::from_env(&with(&[("db_engine", "MariaDB")]))
            .unwrap()
            .port(),
        3306
    );
    assert_eq!(
        Settings::from_env(&with(&[("db_port", "15432")]))
            .unwrap()
            .port(),
        15432
    );
    let password = Settings::from_env(&with(&[("db_password", "local-dev-pw")])).unwrap();
    assert!(matches!(password.auth(), Auth::Password(_)));
    assert!(!format!("{password:?}").contains("local-dev-pw"));
    let refresh = Settings::from_env(&with(&[("DB_TOKEN_REFRESH", "5m")])).unwrap();
    assert_eq!(refresh.refresh_every(), Duration::from_secs(300));
}

#[test]
fn each_bad_or_missing_variable_is_named() {
    let cases: [(Env, &str); 9] = [
        (env(&BASE[1..]), "db_endpoint"),
        (env(&[BASE[0], BASE[2]]), "db_username"),
        (env(&BASE[..2]), "ssl_ca_bundle_filename"),
        (with(&[("db_port", "http")]), "db_port"),
        (with(&[("db_port", "70000")]), "db_port"),
        (with(&[("db_engine", "oracle")]), "db_engine"),
        (
            env(&[("db_endpoint", "h:0"), BASE[1], BASE[2]]),
            "db_endpoint",
        ),
        (
            env(&[("db_endpoint", "http://h/x"), BASE[1], BASE[2]]),
            "db_endpoint",
        ),
        (with(&[("db_token_refresh", "20m")]), "db_token_refresh"),
    ];
    for (env, variable) in cases {
        let error = Settings::from_env(&env).unwrap_err();
        assert!(error.to_string().contains(variable), "{variable}: {error}");
        assert_eq!(error.kind(), Kind::Config);
    }
    assert!(matches!(
        Settings::from_env(&with(&[("db_engine", "oracle")])),
        Err(Error::UnknownEngine { .. })
    ));
    assert!(
        Settings::from_env(&with(&[("db_token_refresh", "soon")]))
            .unwrap_err()
            .to_string()
            .contains("db_token_refresh")
    );
}

#[tokio::test]
async fn a_missing_unreadable_or_empty_ca_bundle_is_named_before_any_connection() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.pem");
    std::fs::write(&empty, "not a certificate").unwrap();
    let missing = dir.path().join("missing.pem");
    let config = updraft_core::SdkConfig::builder().build();
    for path in [&missing, &empty, &dir.path().to_path_buf()] {
        let settings = Settings::new(Engine::Postgres, "127.0.0.1", "app", path).with_port(1);
        let error = PoolBuilder::new(settings)
            .postgres(&config)
            .await
            .unwrap_err();
        assert!(
            matches!(&error, Error::CaBundle { path: p, .. } if p == path),
            "{error:?}"
        );
        assert!(error.to_string().contains(&path.display().to_string()));
        // An unreadable bundle keeps the I/O error as its source.
        assert_eq!(
            std::error::Error::source(&error).is_some(),
            path != &empty,
            "{error:?}"
        );
    }
    let mysql = Settings::new(Engine::MySql, "h", "u", &missing);
    assert!(matches!(
        PoolBuilder::new(mysql).postgres(&config).await,
        Err(Error::Config(updraft_core::Error::InvalidVar { name, .. })) if name == "db_engine"
    ));
}

#[test]
fn the_refresh_interval_is_checked_however_it_is_set() {
    let settings = Settings::new(Engine::Postgres, "h", "u", "/ca.pem");
    assert_eq!(settings.refresh_every(), Duration::from_secs(600));
    // Zero would spin the refresh loop; 15 minutes or more would let tokens expire.
    for bad in [
        Duration::ZERO,
        Duration::from_millis(999),
        Duration::from_secs(15 * 60),
        Duration::MAX,
    ] {
        let error = settings.clone().with_refresh_every(bad).unwrap_err();
        assert!(
            matches!(&error, Error::Config(updraft_core::Error::InvalidVar { name, .. }) if name == "db_token_refresh"),
            "{bad:?}: {error:?}"
        );
        assert_eq!(error.kind(), Kind::Config);
    }
    let every = Duration::from_secs(60);
    assert_eq!(
        settings.with_refresh_every(every).unwrap().refresh_every(),
        every
    );
}
