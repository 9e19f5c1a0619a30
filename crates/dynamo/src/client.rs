//! [`Dynamo`], the client, and [`Table`], one model's table.

use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use aws_sdk_dynamodb::error::SdkError;
use updraft_core::SdkConfig;
use updraft_core::aws::AwsError;
use updraft_core::aws::backoff::Backoff;

use crate::{Error, Item, RawItem};

/// How batch calls behave.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchSettings {
    /// Calls in flight at once.
    pub concurrency: usize,
    /// Calls per chunk, the first included, and the jittered waits between them, before what
    /// is still unprocessed is returned (the workspace's one retry policy).
    pub retry: Backoff,
}

impl Default for BatchSettings {
    fn default() -> Self {
        Self {
            concurrency: 4,
            retry: Backoff::new(Duration::from_millis(50), Duration::from_secs(3), 8),
        }
    }
}

/// A DynamoDB client: the SDK's, plus batch settings. Build it once at cold start and clone
/// it freely (an `Arc` inside).
///
/// # Example
///
/// ```no_run
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let config = updraft_core::aws::load().await?;
/// let dynamo = updraft_dynamo::Dynamo::new(&config);
/// # let _ = dynamo;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Dynamo {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    client: aws_sdk_dynamodb::Client,
    batch: BatchSettings,
}

impl Dynamo {
    /// A client for `config` (see `updraft_core::aws::load`).
    #[must_use]
    pub fn new(config: &SdkConfig) -> Self {
        Self::from_client(updraft_core::traced_client!(aws_sdk_dynamodb, config))
    }

    /// A client over an SDK client you built (with interceptors, say).
    #[must_use]
    pub fn from_client(client: aws_sdk_dynamodb::Client) -> Self {
        Self {
            inner: Arc::new(Inner {
                client,
                batch: BatchSettings::default(),
            }),
        }
    }

    /// The same client with these batch settings.
    #[must_use]
    pub fn with_batch_settings(&self, batch: BatchSettings) -> Self {
        Self {
            inner: Arc::new(Inner {
                client: self.inner.client.clone(),
                batch,
            }),
        }
    }

    /// The SDK client, for what this crate does not cover.
    #[must_use]
    pub fn sdk(&self) -> &aws_sdk_dynamodb::Client {
        &self.inner.client
    }

    /// The batch settings.
    #[must_use]
    pub fn batch_settings(&self) -> BatchSettings {
        self.inner.batch
    }

    /// The table of model `T`, by the name the model declares.
    #[must_use]
    pub fn table<T: Item>(&self) -> Table<T> {
        self.table_named(T::TABLE)
    }

    /// The table of model `T` called `name` (per-stage names, temporary tables).
    #[must_use]
    pub fn table_named<T: Item>(&self, name: impl Into<String>) -> Table<T> {
        Table {
            dynamo: self.clone(),
            name: Arc::from(name.into()),
            model: PhantomData,
        }
    }
}

/// The table of model `T`: reads, writes, queries, scans and batches of `T`s. Cheap to clone.
pub struct Table<T> {
    pub(crate) dynamo: Dynamo,
    pub(crate) name: Arc<str>,
    model: PhantomData<fn() -> T>,
}

impl<T> Clone for Table<T> {
    fn clone(&self) -> Self {
        Self {
            dynamo: self.dynamo.clone(),
            name: self.name.clone(),
            model: PhantomData,
        }
    }
}

impl<T> std::fmt::Debug for Table<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Table")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl<T: Item> Table<T> {
    /// The table's name.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The client.
    #[must_use]
    pub fn dynamo(&self) -> &Dynamo {
        &self.dynamo
    }

    pub(crate) fn client(&self) -> &aws_sdk_dynamodb::Client {
        &self.dynamo.inner.client
    }

    /// Decodes an item of this table.
    pub(crate) fn decode(&self, item: RawItem) -> Result<T, Error> {
        T::from_item(item).map_err(|source| Error::Decode {
            table: self.name.to_string(),
            source,
        })
    }
}

/// An SDK error as an [`Error`].
pub(crate) fn aws<E, R>(operation: &'static str, error: SdkError<E, R>) -> Error
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    Error::Aws(AwsError::from_sdk("dynamodb", operation, error))
}
