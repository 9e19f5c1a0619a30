//! A fake AWS endpoint, for the faults no real local server produces (a throttled batch entry,
//! a service error in the middle of a batch). Tests that use it say so in their names.

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// One canned answer: status, content type and body.
#[derive(Debug, Clone)]
pub struct Canned {
    /// The status code.
    pub status: u16,
    /// The `content-type`.
    pub content_type: String,
    /// The body.
    pub body: String,
    /// More headers, such as `x-amzn-ErrorType`.
    pub headers: Vec<(String, String)>,
}

impl Canned {
    /// A 200 answer with this content type and body.
    #[must_use]
    pub fn ok(content_type: &str, body: impl Into<String>) -> Self {
        Self::status(200, content_type, body)
    }

    /// An answer with this status, content type and body.
    #[must_use]
    pub fn status(status: u16, content_type: &str, body: impl Into<String>) -> Self {
        Self {
            status,
            content_type: content_type.to_owned(),
            body: body.into(),
            headers: Vec::new(),
        }
    }

    /// The same answer with the header `name: value` too.
    #[must_use]
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }
}

/// A request the fake endpoint received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    /// The method.
    pub method: String,
    /// The path and query.
    pub target: String,
    /// The headers, names lower-cased, in order.
    pub headers: Vec<(String, String)>,
    /// The body, as text.
    pub body: String,
}

impl Recorded {
    /// The first header named `name` (lower case).
    #[must_use]
    pub fn header(&self, name: &str) -> Option<&str> {
        super::http::header(&self.headers, name)
    }
}

/// An HTTP/1.1 server on 127.0.0.1 that answers the n-th request with the n-th [`Canned`]
/// answer (and 500 once they run out), and keeps every request. Stops when dropped.
#[derive(Debug)]
pub struct FakeEndpoint {
    server: Listening,
}

impl FakeEndpoint {
    /// Starts the server.
    ///
    /// # Panics
    ///
    /// When no port on 127.0.0.1 can be bound.
    pub async fn start(answers: Vec<Canned>) -> Self {
        let answers = Arc::new(Mutex::new(answers.into_iter()));
        let server = Listening::start("the fake endpoint", move |stream, seen| {
            serve(stream, answers.clone(), seen)
        })
        .await;
        Self { server }
    }

    /// The endpoint URL, for `AWS_ENDPOINT_URL` or a client's `endpoint_url`.
    #[must_use]
    pub fn url(&self) -> String {
        self.server.url()
    }

    /// An AWS configuration that sends every call here, with dummy credentials and one attempt
    /// per call (so the SDK's own retries do not hide the caller's).
    ///
    /// # Panics
    ///
    /// When the configuration does not load.
    #[cfg(feature = "aws")]
    #[cfg_attr(docsrs, doc(cfg(feature = "aws")))]
    pub async fn aws_config(&self) -> updraft_core::SdkConfig {
        let env = updraft_core::Env::from_pairs([
            ("AWS_REGION", "us-east-1"),
            ("AWS_ACCESS_KEY_ID", "fake"),
            ("AWS_SECRET_ACCESS_KEY", "fake"),
        ]);
        match updraft_core::aws::ConfigLoader::new()
            .env(env)
            .endpoint_url(self.url())
            .max_attempts(1)
            .load()
            .await
        {
            Ok(config) => config,
            Err(e) => panic!("the fake endpoint's configuration does not load: {e}"),
        }
    }

    /// The requests so far, in order.
    #[must_use]
    pub fn requests(&self) -> Vec<Recorded> {
        self.server.requests()
    }
}

/// The requests a test server received.
pub(super) type Log = Arc<Mutex<Vec<Recorded>>>;

/// A test server on a free port of 127.0.0.1: each connection goes to a handler with the
/// shared request log. Stops when dropped.
#[derive(Debug)]
pub(super) struct Listening {
    address: SocketAddr,
    requests: Log,
    task: JoinHandle<()>,
}

impl Listening {
    /// Starts `what`, serving each connection with `serve`.
    ///
    /// # Panics
    ///
    /// When no port can be bound.
    pub(super) async fn start<F, Fut>(what: &str, serve: F) -> Self
    where
        F: Fn(TcpStream, Log) -> Fut + Send + 'static,
        Fut: std::future::Future<Output = ()> + Send + 'static,
    {
        let (listener, address) = listen(what).await;
        let requests = Log::default();
        let seen = requests.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(serve(stream, seen.clone()));
            }
        });
        Self {
            address,
            requests,
            task,
        }
    }

    #[cfg(test)]
    pub(super) fn address(&self) -> SocketAddr {
        self.address
    }

    pub(super) fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    pub(super) fn requests(&self) -> Vec<Recorded> {
        self.requests
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl Drop for Listening {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A listener on a free port of 127.0.0.1, and its address, for `what`.
///
/// # Panics
///
/// When no port can be bound.
async fn listen(what: &str) -> (TcpListener, SocketAddr) {
    let listener = match TcpListener::bind("127.0.0.1:0").await {
        Ok(listener) => listener,
        Err(e) => panic!("{what} cannot bind: {e}"),
    };
    match listener.local_addr() {
        Ok(address) => (listener, address),
        Err(e) => panic!("{what} has no address: {e}"),
    }
}

type Answers = Arc<Mutex<std::vec::IntoIter<Canned>>>;

/// Answers the requests of one connection until it closes.
async fn serve(stream: TcpStream, answers: Answers, requests: Log) {
    let mut stream = BufReader::new(stream);
    while let Some((request, close)) = read_request(&mut stream).await {
        requests
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(request);
        let next = answers
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .next();
        let answer =
            next.unwrap_or_else(|| Canned::status(500, "text/plain", "no canned answer left"));
        if write_reply(stream.get_mut(), &answer).await.is_err() || close {
            return;
        }
    }
}

/// Reads one request of a connection; `None` when it closed. The flag says whether the client
/// asked to close it after the answer.
pub(super) async fn read_request(stream: &mut BufReader<TcpStream>) -> Option<(Recorded, bool)> {
    let mut line = String::new();
    if stream.read_line(&mut line).await.ok()? == 0 {
        return None;
    }
    let mut words = line.split_whitespace();
    let method = words.next().unwrap_or_default().to_owned();
    let target = words.next().unwrap_or_default().to_owned();
    let mut headers = Vec::new();
    loop {
        line.clear();
        match stream.read_line(&mut line).await {
            Ok(0) | Err(_) => return None,
            Ok(_) if line == "\r\n" => break,
            Ok(_) => {
                if let Some((name, value)) = line.split_once(':') {
                    headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
                }
            }
        }
    }
    let length = super::http::header(&headers, "content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0usize);
    let close = super::http::header(&headers, "connection")
        .is_some_and(|v| v.eq_ignore_ascii_case("close"));
    let mut body = vec![0; length];
    stream.read_exact(&mut body).await.ok()?;
    let body = String::from_utf8_lossy(&body).into_owned();
    Some((
        Recorded {
            method,
            target,
            headers,
            body,
        },
        close,
    ))
}

/// Writes `answer` with the headers an AWS client needs and nothing else (no checksum).
pub(super) async fn write_reply(stream: &mut TcpStream, answer: &Canned) -> std::io::Result<()> {
    let mut reply = format!(
        "HTTP/1.1 {} Canned\r\ncontent-type: {}\r\ncontent-length: {}\r\nx-amzn-requestid: fake\r\n",
        answer.status,
        answer.content_type,
        answer.body.len(),
    );
    for (name, value) in &answer.headers {
        let _ = write!(reply, "{name}: {value}\r\n");
    }
    reply.push_str("\r\n");
    reply.push_str(&answer.body);
    stream.write_all(reply.as_bytes()).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request;

    #[tokio::test]
    async fn answers_in_order_and_keeps_the_requests() {
        let fake = FakeEndpoint::start(vec![Canned::ok("text/plain", "first")]).await;
        let first = request(fake.server.address(), "POST", "/", &[], b"one").await;
        assert_eq!((first.status, first.body.as_slice()), (200, &b"first"[..]));
        let second = request(fake.server.address(), "POST", "/", &[], b"two").await;
        assert_eq!(second.status, 500);
        let requests = fake.requests();
        assert_eq!(
            requests.iter().map(|r| r.body.as_str()).collect::<Vec<_>>(),
            ["one", "two"]
        );
        assert_eq!(
            (requests[0].method.as_str(), requests[0].target.as_str()),
            ("POST", "/")
        );
        assert_eq!(requests[0].header("content-length"), Some("3"));
    }
}
