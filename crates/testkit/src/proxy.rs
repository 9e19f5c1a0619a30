//! A proxy in front of a real local server, for the faults no local server produces: every
//! exchange goes through to the server, and a test may change the request it forwards and
//! the answer it gives back (hold back entries of a batch, say, and report them unprocessed).
//! Tests that use it say so in their names.

use std::net::SocketAddr;
use std::sync::{Arc, PoisonError};

use tokio::io::BufReader;
use tokio::net::TcpStream;

use super::fake::{Canned, Listening, Log, Recorded, read_request, write_reply};
use super::http::request;

/// What the proxy does with one request: the body it forwards, and how it changes the answer.
pub struct Exchange {
    /// The request body to forward.
    pub forward: String,
    /// The path and query to forward, when not the request's: for a server that serves only
    /// some forms of a path (moto serves API Gateway Management calls without a stage prefix).
    pub target: Option<String>,
    /// Turns the server's answer into the one the client gets.
    pub answer: Box<dyn FnOnce(Canned) -> Canned + Send>,
}

impl Exchange {
    /// Forwards `request` as it is and gives the answer back as it is.
    #[must_use]
    pub fn pass(request: &Recorded) -> Self {
        Self {
            forward: request.body.clone(),
            target: None,
            answer: Box::new(|answer| answer),
        }
    }
}

/// A fake API Gateway Management API in front of moto, for pushes to websocket connections:
/// the stage is dropped from the path (moto serves `/@connections/{id}` only), and a push to a
/// connection whose id starts with `stale` is answered 410 `GoneException`, as API Gateway
/// answers for a connection that is gone (moto takes any id and never answers 410).
#[must_use]
pub fn gone_connections(request: &Recorded) -> Exchange {
    let stale = request.target.contains("/@connections/stale");
    let at = request.target.find("/@connections/").unwrap_or(0);
    Exchange {
        forward: request.body.clone(),
        target: Some(request.target[at..].to_owned()),
        answer: Box::new(move |answer| {
            if stale {
                Canned::status(410, "application/json", r#"{"message":null}"#)
                    .with_header("x-amzn-ErrorType", "GoneException")
            } else {
                answer
            }
        }),
    }
}

type Tamper = Arc<dyn Fn(&Recorded) -> Exchange + Send + Sync>;

/// An HTTP/1.1 proxy on 127.0.0.1 in front of `upstream`. Keeps every request it received.
/// Stops when dropped.
#[derive(Debug)]
pub struct FaultProxy {
    server: Listening,
}

impl FaultProxy {
    /// Starts a proxy to `upstream` that lets `tamper` decide each exchange.
    ///
    /// # Panics
    ///
    /// When no port on 127.0.0.1 can be bound.
    pub async fn start(
        upstream: SocketAddr,
        tamper: impl Fn(&Recorded) -> Exchange + Send + Sync + 'static,
    ) -> Self {
        let tamper: Tamper = Arc::new(tamper);
        let server = Listening::start("the fault proxy", move |stream, seen| {
            serve(stream, upstream, tamper.clone(), seen)
        })
        .await;
        Self { server }
    }

    /// The proxy's URL, for an `AWS_ENDPOINT_URL_*` variable or a client's `endpoint_url`.
    #[must_use]
    pub fn url(&self) -> String {
        self.server.url()
    }

    /// The requests so far, as the client sent them.
    #[must_use]
    pub fn requests(&self) -> Vec<Recorded> {
        self.server.requests()
    }
}

/// Headers the proxy sets itself, or that no longer hold once a body changed.
const HOP: [&str; 5] = [
    "host",
    "connection",
    "content-length",
    "transfer-encoding",
    "x-amz-crc32",
];

async fn serve(stream: TcpStream, upstream: SocketAddr, tamper: Tamper, requests: Log) {
    let mut stream = BufReader::new(stream);
    while let Some((received, close)) = read_request(&mut stream).await {
        requests
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(received.clone());
        let exchange = tamper(&received);
        let headers: Vec<(&str, &str)> = received
            .headers
            .iter()
            .filter(|(name, _)| !HOP.contains(&name.as_str()))
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        let reply = request(
            upstream,
            &received.method,
            exchange.target.as_deref().unwrap_or(&received.target),
            &headers,
            exchange.forward.as_bytes(),
        )
        .await;
        let answer = (exchange.answer)(Canned::status(
            reply.status,
            reply
                .header("content-type")
                .unwrap_or("application/octet-stream"),
            String::from_utf8_lossy(&reply.body),
        ));
        if write_reply(stream.get_mut(), &answer).await.is_err() || close {
            return;
        }
    }
}
