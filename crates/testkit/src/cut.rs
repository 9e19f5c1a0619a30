//! [`CutProxy`]: a TCP proxy in front of a real local server that a test cuts mid-call, for the
//! faults no local server produces: a connection that dies while an answer is awaited, and a
//! server that takes a request and never answers. Works for any protocol (HTTP, PostgreSQL).

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// What the proxy does with the server's answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Answers {
    /// Passes them on: the connection works until the proxy is cut.
    Pass,
    /// Passes the request on and holds every answer back, as a server that hangs.
    Hold,
}

#[derive(Debug, Default)]
struct Shared {
    tasks: Mutex<Vec<JoinHandle<()>>>,
    requests: AtomicUsize,
    cut: AtomicBool,
}

impl Shared {
    fn keep(&self, task: JoinHandle<()>) {
        self.tasks
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(task);
    }
}

/// A TCP proxy on 127.0.0.1 in front of `upstream`, which [`CutProxy::cut`] kills: every
/// connection through it dies at once and new ones are refused. Cut when dropped.
#[derive(Debug)]
pub struct CutProxy {
    address: SocketAddr,
    shared: Arc<Shared>,
}

impl CutProxy {
    /// Starts a proxy to `upstream`.
    ///
    /// # Panics
    ///
    /// When no port on 127.0.0.1 can be bound.
    pub async fn start(upstream: SocketAddr, answers: Answers) -> Self {
        let listener = match TcpListener::bind("127.0.0.1:0").await {
            Ok(listener) => listener,
            Err(e) => panic!("the cut proxy cannot listen: {e}"),
        };
        let address = match listener.local_addr() {
            Ok(address) => address,
            Err(e) => panic!("the cut proxy has no address: {e}"),
        };
        let shared = Arc::new(Shared::default());
        let accepting = shared.clone();
        let accept = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let connection = accepting.clone();
                let task = tokio::spawn(async move {
                    relay(client, upstream, answers, &connection).await;
                });
                accepting.keep(task);
            }
        });
        shared.keep(accept);
        Self { address, shared }
    }

    /// The proxy's address.
    #[must_use]
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// `http://127.0.0.1:<port>`, for an endpoint URL.
    #[must_use]
    pub fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// Waits until a client has sent bytes through the proxy (a call is under way), for at
    /// most `timeout`; whether one has.
    pub async fn wait_for_request(&self, timeout: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + timeout;
        while self.shared.requests.load(Ordering::SeqCst) == 0 {
            if tokio::time::Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        true
    }

    /// Kills the proxy: the listener and every connection go at once.
    pub fn cut(&self) {
        self.shared.cut.store(true, Ordering::SeqCst);
        for task in self
            .shared
            .tasks
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .drain(..)
        {
            task.abort();
        }
    }
}

impl Drop for CutProxy {
    fn drop(&mut self) {
        self.cut();
    }
}

async fn relay(client: TcpStream, upstream: SocketAddr, answers: Answers, shared: &Shared) {
    if shared.cut.load(Ordering::SeqCst) {
        return;
    }
    let Ok(server) = TcpStream::connect(upstream).await else {
        return;
    };
    let (mut client_read, mut client_write) = client.into_split();
    let (mut server_read, mut server_write) = server.into_split();
    let requests = async {
        let mut buffer = vec![0u8; 16 * 1024];
        while let Ok(n) = client_read.read(&mut buffer).await {
            if n == 0 {
                break;
            }
            shared.requests.fetch_add(1, Ordering::SeqCst);
            if server_write.write_all(&buffer[..n]).await.is_err() {
                break;
            }
        }
    };
    let answers = async {
        match answers {
            Answers::Pass => {
                let _ = tokio::io::copy(&mut server_read, &mut client_write).await;
            }
            Answers::Hold => std::future::pending::<()>().await,
        }
    };
    tokio::join!(requests, answers);
}
