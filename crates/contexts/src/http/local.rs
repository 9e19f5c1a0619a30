//! The local side: the same app as a plain HTTP server, for development and containers.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use tokio::net::TcpListener;
use updraft_core::Env;

use super::HttpService;
use crate::Error;

/// The port when `PORT` is unset.
pub const DEFAULT_PORT: u16 = 3000;

/// The address to listen on: `UPDRAFT_LISTEN_ADDR` (default `127.0.0.1`) and `PORT`
/// (default 3000). In a container behind a load balancer, set `UPDRAFT_LISTEN_ADDR=0.0.0.0`.
pub(crate) fn address(env: &Env) -> Result<SocketAddr, Error> {
    let ip = env
        .parse::<IpAddr>("UPDRAFT_LISTEN_ADDR")?
        .unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST));
    let port = env.parse::<u16>("PORT")?.unwrap_or(DEFAULT_PORT);
    Ok(SocketAddr::new(ip, port))
}

/// Binds `address` and serves until Ctrl-C or SIGTERM.
pub(crate) async fn serve(service: HttpService, address: SocketAddr) -> Result<(), Error> {
    let listener = TcpListener::bind(address)
        .await
        .map_err(|source| Error::Bind {
            addr: address.to_string(),
            source,
        })?;
    serve_on(service, listener).await
}

/// Serves on a listener the caller bound, until Ctrl-C or SIGTERM.
pub(crate) async fn serve_on(service: HttpService, listener: TcpListener) -> Result<(), Error> {
    if let Ok(address) = listener.local_addr() {
        tracing::info!(%address, "serving over HTTP (not in Lambda: AWS_LAMBDA_RUNTIME_API is unset)");
    }
    axum::serve(listener, tower::make::Shared::new(service))
        .with_graceful_shutdown(shutdown())
        .await
        .map_err(Error::Serve)
}

async fn shutdown() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_address_comes_from_port_and_listen_addr() {
        assert_eq!(
            address(&Env::default()).unwrap().to_string(),
            "127.0.0.1:3000"
        );
        let env = Env::from_pairs([("PORT", "8080"), ("UPDRAFT_LISTEN_ADDR", "0.0.0.0")]);
        assert_eq!(address(&env).unwrap().to_string(), "0.0.0.0:8080");
        let err = address(&Env::from_pairs([("PORT", "http")])).unwrap_err();
        assert!(err.to_string().contains("PORT"), "{err}");
        let err = address(&Env::from_pairs([("PORT", "70000")])).unwrap_err();
        assert!(err.to_string().contains("PORT"), "{err}");
    }
}
