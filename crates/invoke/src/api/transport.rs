//! The HTTP transport of [`ApiClient`](super::ApiClient): hyper's pooled client over rustls with
//! the platform's roots, a connect timeout, and bodies read up to a limit.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

use super::retry::Outcome;

/// The pooled client.
pub(crate) type HttpClient = Client<HttpsConnector<HttpConnector>, Full<Bytes>>;

/// The TLS configuration every client shares: rustls on aws-lc-rs with the platform's roots,
/// loaded once per process.
fn tls() -> Result<Arc<rustls::ClientConfig>, String> {
    static TLS: OnceLock<Result<Arc<rustls::ClientConfig>, String>> = OnceLock::new();
    TLS.get_or_init(|| {
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let loaded = rustls_native_roots();
        let mut roots = rustls::RootCertStore::empty();
        let (added, _ignored) = roots.add_parsable_certificates(loaded);
        if added == 0 {
            return Err("no trusted root certificates were found on this machine".to_owned());
        }
        rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map(|builder| Arc::new(builder.with_root_certificates(roots).with_no_client_auth()))
            .map_err(|e| e.to_string())
    })
    .clone()
}

fn rustls_native_roots() -> Vec<rustls::pki_types::CertificateDer<'static>> {
    let found = rustls_native_certs::load_native_certs();
    for error in &found.errors {
        tracing::debug!(%error, "a platform root certificate could not be read");
    }
    found.certs
}

/// A client whose connections time out after `connect`.
pub(crate) fn client(connect: Duration) -> Result<HttpClient, String> {
    let mut http = HttpConnector::new();
    http.set_connect_timeout(Some(connect));
    http.set_nodelay(true);
    http.enforce_http(false);
    let https = hyper_rustls::HttpsConnectorBuilder::new()
        .with_tls_config((*tls()?).clone())
        .https_or_http()
        .enable_http1()
        .wrap_connector(http);
    Ok(Client::builder(TokioExecutor::new())
        .pool_idle_timeout(Duration::from_secs(60))
        .build(https))
}

/// Why an attempt produced no answer, for the retry decision and the error.
#[derive(Debug)]
pub(crate) struct Failed {
    pub(crate) outcome: Outcome,
    pub(crate) timed_out: bool,
    pub(crate) source: Box<dyn std::error::Error + Send + Sync>,
}

/// Sends one request; the answer's head and body, or why there was none.
pub(crate) async fn send(
    client: &HttpClient,
    request: http::Request<Full<Bytes>>,
) -> Result<http::Response<Incoming>, Failed> {
    client.request(request).await.map_err(|error| {
        let connect = error.is_connect();
        let timed_out = connect && is_timeout(&error);
        Failed {
            outcome: if connect {
                Outcome::ConnectFailed
            } else {
                Outcome::Dropped
            },
            timed_out,
            source: Box::new(error),
        }
    })
}

fn is_timeout(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut current = Some(error);
    while let Some(error) = current {
        if error
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::TimedOut)
        {
            return true;
        }
        current = error.source();
    }
    false
}

/// A body read up to a limit.
#[derive(Debug)]
pub(crate) struct Read {
    pub(crate) bytes: Bytes,
    /// Whether the body went on past the limit (and was not read further).
    pub(crate) truncated: bool,
}

/// Reads `body` up to `limit` bytes; stops reading there, so a huge answer costs no memory.
pub(crate) async fn read(mut body: Incoming, limit: usize) -> Result<Read, hyper::Error> {
    let mut buffer = BytesMut::new();
    while let Some(frame) = body.frame().await {
        let Ok(data) = frame?.into_data() else {
            continue;
        };
        let room = limit - buffer.len();
        if data.len() > room {
            buffer.extend_from_slice(&data[..room]);
            return Ok(Read {
                bytes: buffer.freeze(),
                truncated: true,
            });
        }
        buffer.extend_from_slice(&data);
    }
    Ok(Read {
        bytes: buffer.freeze(),
        truncated: false,
    })
}
