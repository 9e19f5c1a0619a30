//! MySQL connect options: verified TLS, the cleartext plugin RDS IAM needs, the token or
//! password.

use sqlx::mysql::{MySqlConnectOptions, MySqlSslMode};

use crate::Settings;
use crate::builder::Transport;

/// The options of one login as `settings` says, with `password`, verifying the server against
/// the bundle and its host name (`VerifyIdentity`). RDS IAM logins send the token with the
/// cleartext plugin, which is safe only because TLS is required.
pub(crate) fn options(
    settings: &Settings,
    transport: &Transport,
    password: &str,
) -> MySqlConnectOptions {
    // MySQL pools always use sqlx's TLS: the tunnel speaks PostgreSQL only.
    let ca_pem: &[u8] = match transport {
        Transport::Verified(pem) => pem,
        Transport::Tunnel(_) => &[],
    };
    let options = MySqlConnectOptions::new()
        .host(&settings.host)
        .port(settings.port)
        .username(&settings.username)
        .password(password)
        .ssl_mode(MySqlSslMode::VerifyIdentity)
        .ssl_ca_from_pem(ca_pem.to_vec())
        .enable_cleartext_plugin(true);
    match &settings.database {
        Some(database) => options.database(database),
        None => options,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::Engine;

    #[test]
    fn options_require_verified_tls_and_the_cleartext_plugin() {
        let settings = Settings::new(
            Engine::MySql,
            "orders.abc.us-east-1.rds.amazonaws.com",
            "orders_app",
            "/ca.pem",
        )
        .with_database("orders");
        let bundle = Transport::Verified(std::sync::Arc::from(&b"-----BEGIN CERTIFICATE-----"[..]));
        let options = options(&settings, &bundle, "the-token");
        assert_eq!(options.get_host(), "orders.abc.us-east-1.rds.amazonaws.com");
        assert_eq!(options.get_port(), 3306);
        assert_eq!(options.get_username(), "orders_app");
        assert_eq!(options.get_database(), Some("orders"));
        assert!(matches!(
            options.get_ssl_mode(),
            MySqlSslMode::VerifyIdentity
        ));
        // sqlx has no getter for the plugin flag; its Debug output shows it (in this test only:
        // that output also holds the password, so the crate never prints it).
        assert!(format!("{options:?}").contains("enable_cleartext_plugin: true"));
    }
}
