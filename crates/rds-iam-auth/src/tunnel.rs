//! PostgreSQL over TLS that trusts the CA bundle and nothing else.
//!
//! sqlx's rustls backend starts its trust store from Mozilla's public roots (`webpki-roots`),
//! adds the bundle to them, and takes no TLS configuration of ours: any public CA's
//! certificate for the database's name would pass. So a PostgreSQL pool does not let sqlx make
//! TLS at all. sqlx talks plain PostgreSQL to a tunnel in this process, over a Unix socket in
//! a directory only this user may enter; the tunnel opens each connection to the server, asks
//! for TLS (`SSLRequest`) and makes the handshake itself, with a rustls configuration whose
//! only roots are the bundle's, checking the host name. The token or password never leaves the
//! process unencrypted.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{ClientConfig, RootCertStore};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpStream, UnixListener, UnixStream};
use tokio_rustls::TlsConnector;

use crate::Error;

/// PostgreSQL's `SSLRequest`: length 8, code 80877103.
const SSL_REQUEST: [u8; 8] = [0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f];

/// The roots of the bundle's certificates, and only those.
pub(crate) fn roots(ca_pem: &[u8], path: &Path) -> Result<RootCertStore, Error> {
    let bundle_error = |reason: String| Error::CaBundle {
        path: path.to_path_buf(),
        reason,
        source: None,
    };
    let mut roots = RootCertStore::empty();
    for certificate in CertificateDer::pem_slice_iter(ca_pem) {
        let certificate =
            certificate.map_err(|e| bundle_error(format!("a certificate does not read: {e}")))?;
        roots
            .add(certificate)
            .map_err(|e| bundle_error(format!("a certificate is not a usable root: {e}")))?;
    }
    if roots.is_empty() {
        return Err(bundle_error("it holds no certificate".into()));
    }
    Ok(roots)
}

/// A TLS client configuration that trusts `roots` alone.
fn client_config(roots: RootCertStore) -> Result<ClientConfig, Error> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    Ok(ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::Tls {
            reason: format!("no TLS version is available: {e}"),
        })?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

/// A tunnel: the Unix socket sqlx connects to, and the task that carries each connection to
/// the server over verified TLS. The task ends, and the socket's directory goes, when it is
/// dropped.
pub(crate) struct Tunnel {
    directory: PathBuf,
    task: tokio::task::JoinHandle<()>,
    refused: Arc<Mutex<Option<String>>>,
}

impl std::fmt::Debug for Tunnel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tunnel")
            .field("directory", &self.directory)
            .finish_non_exhaustive()
    }
}

impl Tunnel {
    /// Starts a tunnel to `host:port` that verifies the server against `roots` and `host`.
    /// sqlx finds the socket as `<directory>/.s.PGSQL.<port>`.
    pub(crate) fn start(host: &str, port: u16, roots: RootCertStore) -> Result<Self, Error> {
        let server_name = ServerName::try_from(host.to_owned()).map_err(|e| {
            crate::settings::invalid(
                crate::settings::vars::ENDPOINT,
                format!("`{host}` is not a host name TLS can verify: {e}"),
            )
        })?;
        let connector = TlsConnector::from(Arc::new(client_config(roots)?));
        let directory = private_directory().map_err(|e| socket_error(&e))?;
        let listener = UnixListener::bind(directory.join(format!(".s.PGSQL.{port}")))
            .map_err(|e| socket_error(&e))?;
        let refused = Arc::new(Mutex::new(None));
        let last_refusal = refused.clone();
        let host = host.to_owned();
        let task = tokio::spawn(async move {
            while let Ok((local, _)) = listener.accept().await {
                let (connector, server_name, host, refused) = (
                    connector.clone(),
                    server_name.clone(),
                    host.clone(),
                    last_refusal.clone(),
                );
                tokio::spawn(async move {
                    if let Err(error) = carry(local, &host, port, &connector, server_name).await {
                        if is_refusal(&error) {
                            *refused.lock().unwrap_or_else(PoisonError::into_inner) =
                                Some(error.to_string());
                        }
                        tracing::warn!(%error, "a database connection through TLS failed");
                    }
                });
            }
        });
        Ok(Self {
            directory,
            task,
            refused,
        })
    }

    /// The directory sqlx connects in.
    pub(crate) fn directory(&self) -> &Path {
        &self.directory
    }

    /// Why the last handshake refused the server, when one did.
    pub(crate) fn refusal(&self) -> Option<String> {
        self.refused
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl Drop for Tunnel {
    fn drop(&mut self) {
        self.task.abort();
        let _ = std::fs::remove_dir_all(&self.directory);
    }
}

/// One connection: TCP to the server, `SSLRequest`, the handshake, then bytes both ways.
async fn carry(
    mut local: UnixStream,
    host: &str,
    port: u16,
    connector: &TlsConnector,
    server_name: ServerName<'static>,
) -> io::Result<()> {
    let mut tcp = TcpStream::connect((host, port)).await?;
    tcp.set_nodelay(true)?;
    tcp.write_all(&SSL_REQUEST).await?;
    let mut answer = [0u8; 1];
    tcp.read_exact(&mut answer).await?;
    if answer[0] != b'S' {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "the server does not offer TLS",
        ));
    }
    let mut tls = connector.connect(server_name, tcp).await?;
    tokio::io::copy_bidirectional(&mut local, &mut tls).await?;
    Ok(())
}

/// Whether a connection failed because TLS refused the server (its certificate, or no TLS at
/// all), rather than because it could not be reached.
fn is_refusal(error: &io::Error) -> bool {
    error.kind() == io::ErrorKind::InvalidData
}

/// A new directory under the temporary directory that only this user may enter.
fn private_directory() -> io::Result<PathBuf> {
    use std::os::unix::fs::DirBuilderExt;
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let name = format!(
        "updraft-rds-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    );
    let directory = std::env::temp_dir().join(name);
    std::fs::DirBuilder::new().mode(0o700).create(&directory)?;
    Ok(directory)
}

fn socket_error(error: &io::Error) -> Error {
    Error::Tls {
        reason: format!("the TLS tunnel's socket cannot be made: {error}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ANOTHER_CA: &[u8] = include_bytes!("../tests/fixtures/another-ca.pem");

    #[test]
    fn the_trust_store_is_the_bundle_and_nothing_else() {
        let path = Path::new("another-ca.pem");
        let one = roots(ANOTHER_CA, path).unwrap();
        assert_eq!(one.len(), 1, "no public root is added");
        let two = [ANOTHER_CA, ANOTHER_CA].concat();
        assert_eq!(roots(&two, path).unwrap().len(), 2);
        assert!(matches!(
            roots(b"no certificate here", path),
            Err(Error::CaBundle { .. })
        ));
    }

    #[tokio::test]
    async fn a_server_that_offers_no_tls_is_refused() {
        let server = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = server.local_addr().unwrap().port();
        tokio::spawn(async move {
            let (mut socket, _) = server.accept().await.unwrap();
            let mut request = [0u8; 8];
            socket.read_exact(&mut request).await.unwrap();
            socket.write_all(b"N").await.unwrap();
        });
        let tunnel = Tunnel::start(
            "127.0.0.1",
            port,
            roots(ANOTHER_CA, Path::new("ca")).unwrap(),
        )
        .unwrap();
        let socket = tunnel.directory().join(format!(".s.PGSQL.{port}"));
        let mut client = UnixStream::connect(&socket).await.unwrap();
        let mut rest = Vec::new();
        let _ = client.read_to_end(&mut rest).await;
        for _ in 0..100 {
            if tunnel.refusal().is_some() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        assert_eq!(
            tunnel.refusal().as_deref(),
            Some("the server does not offer TLS")
        );
        let directory = tunnel.directory().to_path_buf();
        drop(tunnel);
        assert!(!directory.exists(), "the socket goes with the tunnel");
    }
}
