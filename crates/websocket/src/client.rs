//! [`WebsocketClient`]: push to, read and disconnect the clients of one WebSocket API stage.

use std::time::SystemTime;

use aws_sdk_apigatewaymanagement::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_apigatewaymanagement::primitives::Blob;
use aws_types::SdkConfig;

use serde::Serialize;
use updraft_core::aws::AwsError;
use updraft_core::aws::endpoints::configured_endpoint;

use crate::{Endpoint, Error};

/// The largest message API Gateway delivers: 128 KB.
pub const MAX_PAYLOAD: usize = 128 * 1024;

/// A message to push: bytes, text, or JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payload(Vec<u8>);

impl Payload {
    /// `value` as JSON.
    ///
    /// # Errors
    ///
    /// [`Error::Json`] when it does not serialise.
    pub fn json<T: Serialize + ?Sized>(value: &T) -> Result<Self, Error> {
        Ok(Self(serde_json::to_vec(value)?))
    }

    /// Its size in bytes.
    #[must_use]
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether it is empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The payload, checked against [`MAX_PAYLOAD`].
    pub(crate) fn checked(self) -> Result<Self, Error> {
        if self.0.len() > MAX_PAYLOAD {
            Err(Error::TooLarge {
                size: self.0.len(),
                max: MAX_PAYLOAD,
            })
        } else {
            Ok(self)
        }
    }

    pub(crate) fn blob(&self) -> Blob {
        Blob::new(self.0.clone())
    }
}

impl From<Vec<u8>> for Payload {
    fn from(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }
}

impl From<&[u8]> for Payload {
    fn from(bytes: &[u8]) -> Self {
        Self(bytes.to_vec())
    }
}

impl From<String> for Payload {
    fn from(text: String) -> Self {
        Self(text.into_bytes())
    }
}

impl From<&str> for Payload {
    fn from(text: &str) -> Self {
        Self(text.as_bytes().to_vec())
    }
}

/// What API Gateway knows of a connection.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ConnectionInfo {
    /// When the client connected.
    pub connected_at: Option<SystemTime>,
    /// When it last sent a message or a ping.
    pub last_active_at: Option<SystemTime>,
    /// Its IP address.
    pub source_ip: Option<String>,
    /// Its user agent.
    pub user_agent: Option<String>,
}

/// A client of one WebSocket API stage's Management API. Build it once (per stage) and clone
/// it freely.
///
/// The endpoint is [`Endpoint`]'s. When the AWS configuration sends API Gateway Management
/// calls to a local server (`AWS_ENDPOINT_URL_APIGATEWAYMANAGEMENTAPI` or `AWS_ENDPOINT_URL`),
/// the client sends them there, keeping the stage or base path.
///
/// # Example
///
/// ```no_run
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// use updraft_websocket::{Endpoint, WebsocketClient};
///
/// let config = updraft_core::aws::load().await?;
/// let chat = WebsocketClient::new(&config, &Endpoint::stage("abc123.execute-api.eu-west-1.amazonaws.com", "prod")?);
/// match chat.send("L0SM9cOFvHcCIhw=", "hello").await {
///     Err(updraft_websocket::Error::Gone(id)) => println!("{id} left; forget it"),
///     other => other?,
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct WebsocketClient {
    client: aws_sdk_apigatewaymanagement::Client,
    url: String,
}

impl WebsocketClient {
    /// A client of `endpoint`, with the credentials and region of `config`.
    #[must_use]
    pub fn new(config: &SdkConfig, endpoint: &Endpoint) -> Self {
        let url = match configured_endpoint(config, "ApiGatewayManagementApi") {
            Some(origin) => endpoint.url_at(&origin),
            None => endpoint.url(),
        };
        Self {
            client: updraft_core::traced_client!(aws_sdk_apigatewaymanagement, config, |builder| {
                builder.endpoint_url(&url)
            }),
            url,
        }
    }

    /// A client for the connection a websocket event came from: its
    /// `requestContext.domainName` and `stage` (see [`Endpoint::for_connection`]).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidEndpoint`] for a malformed domain or stage.
    pub fn for_connection(config: &SdkConfig, domain: &str, stage: &str) -> Result<Self, Error> {
        Ok(Self::new(config, &Endpoint::for_connection(domain, stage)?))
    }

    /// The endpoint URL calls go to.
    #[must_use]
    pub fn endpoint_url(&self) -> &str {
        &self.url
    }

    /// Sends `message` to connection `id`.
    ///
    /// # Errors
    ///
    /// [`Error::TooLarge`] before any call for a message over 128 KB; [`Error::Gone`] when the
    /// connection is gone; [`Error::Aws`].
    pub async fn send(&self, id: &str, message: impl Into<Payload>) -> Result<(), Error> {
        let payload = message.into().checked()?;
        self.post(id, &payload).await
    }

    /// Sends `message` as JSON to connection `id`.
    ///
    /// # Errors
    ///
    /// [`Error::Json`], and as [`WebsocketClient::send`].
    pub async fn send_json<T: Serialize + ?Sized>(
        &self,
        id: &str,
        message: &T,
    ) -> Result<(), Error> {
        self.send(id, Payload::json(message)?).await
    }

    pub(crate) async fn post(&self, id: &str, payload: &Payload) -> Result<(), Error> {
        self.client
            .post_to_connection()
            .connection_id(id)
            .data(payload.blob())
            .send()
            .await
            .map(drop)
            .map_err(|e| classify(id, "PostToConnection", e))
    }

    /// What API Gateway knows of connection `id`.
    ///
    /// # Errors
    ///
    /// [`Error::Gone`], [`Error::Aws`].
    pub async fn get_connection(&self, id: &str) -> Result<ConnectionInfo, Error> {
        let output = self
            .client
            .get_connection()
            .connection_id(id)
            .send()
            .await
            .map_err(|e| classify(id, "GetConnection", e))?;
        let time = |t: Option<&aws_sdk_apigatewaymanagement::primitives::DateTime>| {
            t.and_then(|t| SystemTime::try_from(*t).ok())
        };
        Ok(ConnectionInfo {
            connected_at: time(output.connected_at()),
            last_active_at: time(output.last_active_at()),
            source_ip: output
                .identity()
                .and_then(|i| i.source_ip())
                .map(str::to_owned),
            user_agent: output
                .identity()
                .and_then(|i| i.user_agent())
                .map(str::to_owned),
        })
    }

    /// Closes connection `id`.
    ///
    /// # Errors
    ///
    /// [`Error::Gone`] when it is already gone; [`Error::Aws`].
    pub async fn disconnect(&self, id: &str) -> Result<(), Error> {
        self.client
            .delete_connection()
            .connection_id(id)
            .send()
            .await
            .map(drop)
            .map_err(|e| classify(id, "DeleteConnection", e))
    }
}

/// `GoneException` (410) as [`Error::Gone`]; anything else as [`Error::Aws`].
fn classify<E, R>(id: &str, operation: &'static str, error: SdkError<E, R>) -> Error
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    if error
        .as_service_error()
        .and_then(ProvideErrorMetadata::code)
        == Some("GoneException")
    {
        Error::Gone(id.to_owned())
    } else {
        Error::Aws(AwsError::from_sdk("apigatewaymanagement", operation, error))
    }
}
