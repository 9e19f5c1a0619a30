//! [`TempTable`]: a table made from a model's key schema and indexes for one test, deleted
//! when it is dropped, including when the test panics.

use std::ops::Deref;
use std::sync::atomic::{AtomicU32, Ordering};

use aws_smithy_http_client::tls::{Provider, rustls_provider::CryptoMode};

use crate::{Capacity, Dynamo, Error, Item, Table};

static NEXT: AtomicU32 = AtomicU32::new(0);

/// A table of model `T` with a unique name, ACTIVE when [`TempTable::new`] returns and
/// deleted when the value is dropped. It derefs to the [`Table`].
///
/// # Example
///
/// ```no_run
/// # use updraft_dynamo::{Dynamo, Model, testing::TempTable};
/// # #[derive(Model)] #[dynamo(table = "Movies")] struct Movie { #[dynamo(hash)] year: i32, #[dynamo(range)] title: String }
/// # async fn run(dynamo: Dynamo) -> Result<(), updraft_dynamo::Error> {
/// let movies = TempTable::<Movie>::new(&dynamo).await?;
/// movies.put(&Movie { year: 2015, title: "The Big New Movie".into() }).await?;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct TempTable<T: Item + Send + 'static> {
    table: Table<T>,
}

impl<T: Item + Send + 'static> TempTable<T> {
    /// An on-demand table named after the model's, with a unique suffix.
    ///
    /// # Errors
    ///
    /// As [`Table::create`].
    pub async fn new(dynamo: &Dynamo) -> Result<Self, Error> {
        Self::with_capacity(dynamo, Capacity::OnDemand).await
    }

    /// A table with this capacity.
    ///
    /// # Errors
    ///
    /// As [`Table::create`].
    pub async fn with_capacity(dynamo: &Dynamo, capacity: Capacity) -> Result<Self, Error> {
        let name = format!(
            "{}-test-{}-{}-{:04x}",
            T::TABLE,
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed),
            fastrand::u16(..)
        );
        let table = dynamo.table_named::<T>(name);
        table.create(capacity).await?;
        Ok(Self { table })
    }

    /// The table.
    #[must_use]
    pub fn table(&self) -> &Table<T> {
        &self.table
    }
}

impl<T: Item + Send + 'static> Deref for TempTable<T> {
    type Target = Table<T>;

    fn deref(&self) -> &Table<T> {
        &self.table
    }
}

impl<T: Item + Send + 'static> Drop for TempTable<T> {
    /// Deletes the table on a thread of its own, with a runtime and connections of its own:
    /// the test's runtime may be blocked here, or unwinding from a panic.
    fn drop(&mut self) {
        let name = self.table.name().to_owned();
        let config = self
            .table
            .client()
            .config()
            .to_builder()
            .http_client(
                aws_smithy_http_client::Builder::new()
                    .tls_provider(Provider::Rustls(CryptoMode::AwsLc))
                    .build_https(),
            )
            .build();
        let table =
            Dynamo::from_client(aws_sdk_dynamodb::Client::from_conf(config)).table_named::<T>(name);
        let deleted = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build();
            match runtime {
                Ok(runtime) => runtime
                    .block_on(table.drop_table())
                    .map_err(|e| e.to_string()),
                Err(e) => Err(e.to_string()),
            }
        })
        .join();
        match deleted {
            Ok(Ok(())) => {}
            Ok(Err(error)) => tracing::warn!(%error, "a temporary table could not be deleted"),
            Err(_) => tracing::warn!("deleting a temporary table panicked"),
        }
    }
}
