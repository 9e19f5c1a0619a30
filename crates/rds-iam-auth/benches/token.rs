//! `NS rds-token`: signing one RDS IAM auth token with [`TokenGenerator::generate`], as the
//! pool's refresh does. For scale, the bare `aws_sdk_rds::auth_token::AuthTokenGenerator` it
//! wraps is measured beside it with the same credentials, host and user.
#![allow(clippy::unwrap_used, reason = "a benchmark")]

use std::hint::black_box;

use aws_sdk_rds::auth_token::{AuthTokenGenerator, Config};
use criterion::Criterion;
use updraft_core::Env;
use updraft_core::aws::{ConfigLoader, Credentials};
use updraft_rds_iam_auth::TokenGenerator;

const HOST: &str = "prod-db.c9akciq32.eu-west-1.rds.amazonaws.com";

fn token(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let config = runtime.block_on(async {
        ConfigLoader::new()
            .env(Env::from_pairs([("AWS_REGION", "eu-west-1")]))
            .credentials_provider(Credentials::new(
                "AKIDEXAMPLE",
                "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                Some("IQoJb3JpZ2luX2VjEXAMPLESESSIONTOKEN".to_owned()),
                None,
                "bench",
            ))
            .load()
            .await
            .unwrap()
    });
    let ours = TokenGenerator::new(HOST, 5432, "app_user");
    let bare = AuthTokenGenerator::new(
        Config::builder()
            .hostname(HOST)
            .port(5432)
            .username("app_user")
            .region(aws_sdk_rds::config::Region::new("eu-west-1"))
            .build()
            .unwrap(),
    );
    let mut group = c.benchmark_group("rds");
    group.bench_function("token", |b| {
        b.to_async(&runtime)
            .iter(|| async { black_box(ours.generate(&config).await.unwrap()) });
    });
    group.bench_function("sdk-token", |b| {
        b.to_async(&runtime)
            .iter(|| async { black_box(bare.auth_token(&config).await.unwrap()) });
    });
    group.finish();
}

criterion::criterion_group!(benches, token);
criterion::criterion_main!(benches);
