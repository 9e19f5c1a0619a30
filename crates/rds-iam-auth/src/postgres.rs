//! PostgreSQL connect options: through the TLS tunnel, which trusts the bundle alone (see
//! `tunnel`), with the token or password.

use sqlx::postgres::{PgConnectOptions, PgSslMode};

use crate::Settings;
use crate::builder::Transport;

/// The options of one login as `settings` says, with `password`. sqlx connects to the tunnel
/// over its Unix socket, in plain PostgreSQL: the tunnel makes the TLS, verified against the
/// bundle and the host name.
pub(crate) fn options(
    settings: &Settings,
    transport: &Transport,
    password: &str,
) -> PgConnectOptions {
    let options = PgConnectOptions::new_without_pgpass()
        .port(settings.port)
        .username(&settings.username)
        .password(password)
        .application_name("updraft");
    let options = match transport {
        Transport::Tunnel(directory) => options.socket(&**directory).ssl_mode(PgSslMode::Disable),
        Transport::Verified(ca_pem) => options
            .host(&settings.host)
            .ssl_mode(PgSslMode::VerifyFull)
            .ssl_root_cert_from_pem(ca_pem.to_vec()),
    };
    match &settings.database {
        Some(database) => options.database(database),
        None => options,
    }
}
