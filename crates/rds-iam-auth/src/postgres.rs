//! PostgreSQL connect options: verified TLS, the token or password.

use sqlx::postgres::{PgConnectOptions, PgSslMode};

use crate::Settings;

/// The options of one login as `settings` says, with `password`, verifying the server against
/// `ca_pem` and its host name (`sslmode=verify-full`).
pub(crate) fn options(settings: &Settings, ca_pem: &[u8], password: &str) -> PgConnectOptions {
    let options = PgConnectOptions::new_without_pgpass()
        .host(&settings.host)
        .port(settings.port)
        .username(&settings.username)
        .password(password)
        .ssl_mode(PgSslMode::VerifyFull)
        .ssl_root_cert_from_pem(ca_pem.to_vec())
        .application_name("updraft");
    match &settings.database {
        Some(database) => options.database(database),
        None => options,
    }
}
