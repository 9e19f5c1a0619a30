//! The local side: the same app as a plain HTTP/1.1 server, for development and containers.
//!
//! A server that faces clients of its own needs limits that Lambda otherwise gives for free,
//! so that one slow or greedy client cannot hold it:
//!
//! | limit | default | variable |
//! |---|---|---|
//! | the request line and headers must arrive within | 10 s | `UPDRAFT_HEADER_READ_TIMEOUT` |
//! | the whole body must arrive within | 30 s | `UPDRAFT_BODY_READ_TIMEOUT` |
//! | the body may be at most | 6 MB, Lambda's own limit | — |
//!
//! Headers that do not arrive in time close the connection; a body that does not is answered
//! 408, one over the limit 413. On Ctrl-C or SIGTERM the server stops accepting, lets the
//! requests in flight finish (for up to 30 s), and exits.

use std::convert::Infallible;
use std::error::Error as StdError;
use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Body;
use axum::response::Response;
use bytes::Bytes;
use http::{Request, StatusCode, header};
use http_body::{Frame, SizeHint};
use http_body_util::Limited;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tower::ServiceExt;
use updraft_core::Env;

use super::HttpService;
use super::problem::json_response;
use crate::Error;

/// The port when `PORT` is unset.
pub const DEFAULT_PORT: u16 = 3000;

/// The largest request body the local server reads: 6 MB, the payload limit of a synchronous
/// Lambda invocation, so what works locally works deployed.
pub const MAX_BODY_BYTES: usize = 6 * 1024 * 1024;

/// How long requests in flight may take to finish after a shutdown signal.
const DRAIN: Duration = Duration::from_secs(30);

/// The local server's limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Limits {
    header: Duration,
    body: Duration,
    max_body: usize,
}

impl Limits {
    /// The limits, with the timeouts from `UPDRAFT_HEADER_READ_TIMEOUT` and
    /// `UPDRAFT_BODY_READ_TIMEOUT` when set.
    pub(crate) fn from_env(env: &Env) -> Result<Self, Error> {
        let timeout = |name: &str, default: Duration| -> Result<Duration, Error> {
            match env.duration(name)? {
                Some(value) if value.is_zero() => {
                    Err(updraft_core::Error::invalid_var(name, "must be more than zero").into())
                }
                Some(value) => Ok(value),
                None => Ok(default),
            }
        };
        Ok(Self {
            header: timeout("UPDRAFT_HEADER_READ_TIMEOUT", Duration::from_secs(10))?,
            body: timeout("UPDRAFT_BODY_READ_TIMEOUT", Duration::from_secs(30))?,
            max_body: MAX_BODY_BYTES,
        })
    }
}

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
pub(crate) async fn serve(
    service: HttpService,
    address: SocketAddr,
    limits: Limits,
) -> Result<(), Error> {
    let listener = TcpListener::bind(address)
        .await
        .map_err(|source| Error::Bind {
            addr: address.to_string(),
            source,
        })?;
    serve_on(service, listener, limits).await
}

/// Serves on a listener the caller bound, until Ctrl-C or SIGTERM.
pub(crate) async fn serve_on(
    service: HttpService,
    listener: TcpListener,
    limits: Limits,
) -> Result<(), Error> {
    if let Ok(address) = listener.local_addr() {
        tracing::info!(%address, "serving over HTTP (not in Lambda: AWS_LAMBDA_RUNTIME_API is unset)");
    }
    let graceful = GracefulShutdown::new();
    let mut shutdown = pin!(crate::shutdown::signal());
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(error) => {
                    // Out of file descriptors, say: wait a little rather than spin.
                    tracing::warn!(%error, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let service = service.clone();
        let handler =
            hyper::service::service_fn(move |request| handle(service.clone(), request, limits));
        let connection = http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(limits.header)
            .serve_connection(TokioIo::new(stream), handler);
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!(%error, "a connection ended with an error");
            }
        });
    }
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(DRAIN) => {
            tracing::warn!("requests still running after {DRAIN:?}; exiting anyway");
        }
    }
    Ok(())
}

/// One request: its body limited in size and time, then the app.
async fn handle(
    service: HttpService,
    request: Request<Incoming>,
    limits: Limits,
) -> Result<Response, Infallible> {
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|length| length > limits.max_body as u64) {
        return Ok(too_large(limits.max_body));
    }
    let timed_out = Arc::new(AtomicBool::new(false));
    let request = request.map(|body| {
        let body = Deadline {
            body,
            sleep: Box::pin(tokio::time::sleep(limits.body)),
            timed_out: timed_out.clone(),
        };
        Body::new(Limited::new(body, limits.max_body))
    });
    let Ok(response) = service.oneshot(request).await;
    if timed_out.load(Ordering::Relaxed) {
        return Ok(json_response(
            StatusCode::REQUEST_TIMEOUT,
            "the request body did not arrive in time",
            &[],
            None,
        ));
    }
    Ok(response)
}

fn too_large(limit: usize) -> Response {
    json_response(
        StatusCode::PAYLOAD_TOO_LARGE,
        &format!("the request body is over {limit} bytes"),
        &[],
        None,
    )
}

/// A request body that must arrive whole before its deadline.
struct Deadline {
    body: Incoming,
    sleep: Pin<Box<tokio::time::Sleep>>,
    timed_out: Arc<AtomicBool>,
}

impl http_body::Body for Deadline {
    type Data = Bytes;
    type Error = Box<dyn StdError + Send + Sync>;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = self.get_mut();
        if let Poll::Ready(frame) = Pin::new(&mut this.body).poll_frame(cx) {
            return Poll::Ready(frame.map(|result| result.map_err(Into::into)));
        }
        if this.sleep.as_mut().poll(cx).is_ready() {
            this.timed_out.store(true, Ordering::Relaxed);
            return Poll::Ready(Some(Err("the request body did not arrive in time".into())));
        }
        Poll::Pending
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
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

    #[test]
    fn limits_come_from_the_env_and_bad_ones_are_named() {
        let limits = Limits::from_env(&Env::default()).unwrap();
        assert_eq!(
            (limits.header, limits.body, limits.max_body),
            (
                Duration::from_secs(10),
                Duration::from_secs(30),
                MAX_BODY_BYTES
            )
        );
        let quick = Limits::from_env(&Env::from_pairs([
            ("UPDRAFT_HEADER_READ_TIMEOUT", "500ms"),
            ("UPDRAFT_BODY_READ_TIMEOUT", "2s"),
        ]))
        .unwrap();
        assert_eq!(
            (quick.header, quick.body),
            (Duration::from_millis(500), Duration::from_secs(2))
        );
        for (name, value) in [
            ("UPDRAFT_HEADER_READ_TIMEOUT", "0"),
            ("UPDRAFT_BODY_READ_TIMEOUT", "soon"),
        ] {
            let err = Limits::from_env(&Env::from_pairs([(name, value)])).unwrap_err();
            assert!(err.to_string().contains(name), "{err}");
        }
    }
}
