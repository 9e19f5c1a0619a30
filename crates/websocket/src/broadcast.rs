//! [`Broadcast`]: one message to many connections, a bounded number at once, with a result per
//! connection and the stale ones handed to a callback in the same pass.

use std::future::{Future, IntoFuture, Ready};
use std::pin::Pin;

use futures_util::{StreamExt, stream};

use crate::{Error, Payload, WebsocketClient};

/// Connections sent to at once, unless told otherwise.
pub const DEFAULT_CONCURRENCY: usize = 16;

/// The outcome of a broadcast: one result per connection id, in the order given.
#[derive(Debug)]
#[non_exhaustive]
pub struct Report {
    /// Each id and what sending to it gave.
    pub results: Vec<(String, Result<(), Error>)>,
}

impl Report {
    /// The ids the message reached.
    pub fn sent(&self) -> impl Iterator<Item = &str> {
        self.results
            .iter()
            .filter(|(_, r)| r.is_ok())
            .map(|(id, _)| id.as_str())
    }

    /// The ids that are gone.
    pub fn gone(&self) -> impl Iterator<Item = &str> {
        self.results
            .iter()
            .filter(|(_, r)| matches!(r, Err(Error::Gone(_))))
            .map(|(id, _)| id.as_str())
    }

    /// The ids that failed otherwise, with why.
    pub fn failed(&self) -> impl Iterator<Item = (&str, &Error)> {
        self.results.iter().filter_map(|(id, r)| match r {
            Err(e) if !e.is_gone() => Some((id.as_str(), e)),
            _ => None,
        })
    }
}

type NoCallback = fn(String) -> Ready<()>;

/// A broadcast being set up; `.await` it for the [`Report`].
#[must_use = "a broadcast sends nothing until awaited"]
pub struct Broadcast<'a, F = NoCallback> {
    client: &'a WebsocketClient,
    ids: Vec<String>,
    payload: Payload,
    concurrency: usize,
    on_gone: Option<F>,
}

impl WebsocketClient {
    /// Sends `message` to every connection in `ids`, [`DEFAULT_CONCURRENCY`] at once.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # async fn run(chat: updraft_websocket::WebsocketClient, ids: Vec<String>) {
    /// let report = chat
    ///     .broadcast(ids, "the meeting starts")
    ///     .on_gone(|id| async move { println!("delete {id} from the store") })
    ///     .await;
    /// println!("{} reached, {} gone", report.sent().count(), report.gone().count());
    /// # }
    /// ```
    pub fn broadcast<I, S>(&self, ids: I, message: impl Into<Payload>) -> Broadcast<'_>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Broadcast {
            client: self,
            ids: ids.into_iter().map(Into::into).collect(),
            payload: message.into(),
            concurrency: DEFAULT_CONCURRENCY,
            on_gone: None,
        }
    }
}

impl<'a, F> Broadcast<'a, F> {
    /// At most `n` sends at once.
    pub fn concurrency(mut self, n: usize) -> Self {
        self.concurrency = n.max(1);
        self
    }

    /// Calls `prune` with each id that answers Gone, as soon as it does, so a store of
    /// connections is cleaned in the same pass.
    pub fn on_gone<G, Fut>(self, prune: G) -> Broadcast<'a, G>
    where
        G: Fn(String) -> Fut,
        Fut: Future<Output = ()>,
    {
        Broadcast {
            client: self.client,
            ids: self.ids,
            payload: self.payload,
            concurrency: self.concurrency,
            on_gone: Some(prune),
        }
    }
}

impl<'a, F, Fut> IntoFuture for Broadcast<'a, F>
where
    F: Fn(String) -> Fut + Send + Sync + 'a,
    Fut: Future<Output = ()> + Send + 'a,
{
    type Output = Report;
    type IntoFuture = Pin<Box<dyn Future<Output = Report> + Send + 'a>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move {
            let size = self.payload.len();
            let Ok(payload) = self.payload.checked() else {
                let max = crate::MAX_PAYLOAD;
                let results = self
                    .ids
                    .into_iter()
                    .map(|id| (id, Err(Error::TooLarge { size, max })))
                    .collect();
                return Report { results };
            };
            let (client, payload, on_gone) = (self.client, &payload, self.on_gone.as_ref());
            let results = stream::iter(self.ids.into_iter().map(|id| async move {
                let result = client.post(&id, payload).await;
                if let (Err(Error::Gone(_)), Some(prune)) = (&result, on_gone) {
                    prune(id.clone()).await;
                }
                (id, result)
            }))
            .buffered(self.concurrency)
            .collect()
            .await;
            Report { results }
        })
    }
}
