//! Batch reads and writes: 100 keys per `BatchGetItem`, 25 writes per `BatchWriteItem`,
//! duplicate keys folded, a few calls at once, unprocessed entries retried with jittered
//! exponential backoff, and whatever is still left returned in the error, never dropped.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::time::SystemTime;

use aws_sdk_dynamodb::types::{DeleteRequest, KeysAndAttributes, PutRequest, WriteRequest};
use futures_util::{StreamExt, stream};
use updraft_core::error::{Kind, Surface};

use crate::client::aws;
use crate::model::IntoKey;
use crate::value::{AttributeValue, RawItem};
use crate::{Error, Item, Number, Table};

/// The most keys one `BatchGetItem` takes.
pub const MAX_GET_KEYS: usize = 100;
/// The most writes one `BatchWriteItem` takes.
pub const MAX_WRITES: usize = 25;

/// One write of a batch.
#[derive(Debug, Clone, PartialEq)]
pub enum Write {
    /// Put this item.
    Put(RawItem),
    /// Delete the item with this key.
    Delete(RawItem),
}

/// What a batch left undone after every retry. Nothing is dropped: the keys not read, the
/// items that were, and the writes not made are all here.
#[derive(Debug)]
#[non_exhaustive]
pub struct Incomplete {
    /// The table.
    pub table: String,
    /// A batch get's items that were read.
    pub fetched: Vec<RawItem>,
    /// A batch get's keys that were not read.
    pub unprocessed_keys: Vec<RawItem>,
    /// A batch write's writes that were not made.
    pub unprocessed_writes: Vec<Write>,
    /// The error of the call that stopped the batch: a call that failed for good, or the last
    /// of transient failures that outlasted the retries. `None` when every call answered but
    /// DynamoDB kept handing entries back unprocessed (throttling) until the retries ran out.
    pub cause: Option<Box<Error>>,
}

impl Incomplete {
    /// What happened, as a kind: the cause's, or [`Kind::Throttled`] when DynamoDB kept
    /// entries unprocessed.
    #[must_use]
    pub fn kind(&self) -> Kind {
        self.cause.as_deref().map_or(Kind::Throttled, Surface::kind)
    }
}

impl fmt::Display for Incomplete {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "a batch left {} keys unread and {} writes unmade: ",
            self.unprocessed_keys.len(),
            self.unprocessed_writes.len()
        )?;
        match &self.cause {
            Some(cause) => write!(f, "{cause}"),
            None => f.write_str(
                "DynamoDB returned them unprocessed until the retries ran out (throttled)",
            ),
        }
    }
}

/// A key's identity, for folding duplicates: its attributes, sorted, numbers canonical.
pub(crate) fn signature(key: &RawItem) -> Vec<(String, String)> {
    let mut parts: Vec<(String, String)> = key
        .iter()
        .map(|(name, value)| {
            let text = match value {
                AttributeValue::S(s) => format!("S{s}"),
                AttributeValue::N(n) => format!(
                    "N{}",
                    n.parse::<Number>()
                        .map_or_else(|_| n.clone(), Number::into_string)
                ),
                AttributeValue::B(b) => format!("B{:?}", b.as_ref()),
                other => format!("{other:?}"),
            };
            (name.clone(), text)
        })
        .collect();
    parts.sort_unstable();
    parts
}

/// The key attributes of `item` under `T`'s key schema.
fn key_of<T: Item>(item: &RawItem) -> RawItem {
    let schema = T::key_schema();
    std::iter::once(schema.hash.name)
        .chain(schema.range.as_ref().map(|r| r.name))
        .filter_map(|name| item.get(name).map(|v| (name.to_owned(), v.clone())))
        .collect()
}

impl<T: Item + Send + 'static> Table<T> {
    /// Reads the items with these keys, in no particular order; keys without an item are
    /// left out and duplicate keys read once.
    ///
    /// # Errors
    ///
    /// [`Error::Incomplete`] with the items read and the keys not read when retries run out
    /// or a call fails; [`Error::Encode`] for a key with no DynamoDB form.
    pub async fn batch_get<K: IntoKey<T>>(
        &self,
        keys: impl IntoIterator<Item = K>,
    ) -> Result<Vec<T>, Error> {
        let mut seen = HashSet::new();
        let mut unique = Vec::new();
        for key in keys {
            let key = key.into_key().map_err(Error::Encode)?;
            if seen.insert(signature(&key)) {
                unique.push(key);
            }
        }
        let chunks: Vec<Vec<RawItem>> = unique
            .chunks(MAX_GET_KEYS)
            .map(<[RawItem]>::to_vec)
            .collect();
        let settings = self.dynamo.batch_settings();
        let results: Vec<Chunk<RawItem, RawItem>> =
            stream::iter(chunks.into_iter().map(|chunk| self.get_chunk(chunk)))
                .buffer_unordered(settings.concurrency.max(1))
                .collect()
                .await;
        let mut incomplete = self.incomplete();
        for chunk in results {
            incomplete.fetched.extend(chunk.done);
            incomplete.unprocessed_keys.extend(chunk.left);
            incomplete.cause = incomplete.cause.or(chunk.cause.map(Box::new));
        }
        if !incomplete.unprocessed_keys.is_empty() || incomplete.cause.is_some() {
            return Err(Error::Incomplete(Box::new(incomplete)));
        }
        incomplete
            .fetched
            .into_iter()
            .map(|item| self.decode(item))
            .collect()
    }

    /// Puts these items, 25 per call. Batch writes take no condition, so a version field is
    /// written as it is, unchecked; timestamps are set.
    ///
    /// # Errors
    ///
    /// [`Error::Incomplete`] with every write not made.
    pub async fn batch_put<'a>(&self, items: impl IntoIterator<Item = &'a T>) -> Result<(), Error>
    where
        T: 'a,
    {
        let now = SystemTime::now();
        let writes = items
            .into_iter()
            .map(|item| crate::write::stamped(item, now).map(Write::Put))
            .collect::<Result<Vec<_>, _>>()?;
        self.batch_write(writes).await
    }

    /// Deletes the items with these keys, 25 per call.
    ///
    /// # Errors
    ///
    /// [`Error::Incomplete`] with every delete not made.
    pub async fn batch_delete<K: IntoKey<T>>(
        &self,
        keys: impl IntoIterator<Item = K>,
    ) -> Result<(), Error> {
        let writes = keys
            .into_iter()
            .map(|key| key.into_key().map(Write::Delete).map_err(Error::Encode))
            .collect::<Result<Vec<_>, _>>()?;
        self.batch_write(writes).await
    }

    /// Makes these writes, 25 per call. Of several writes to one key, the last wins (one
    /// `BatchWriteItem` may not hold two for the same item).
    ///
    /// # Errors
    ///
    /// [`Error::Incomplete`] with every write not made.
    pub async fn batch_write(&self, writes: Vec<Write>) -> Result<(), Error> {
        let signatures: Vec<_> = writes
            .iter()
            .map(|write| match write {
                Write::Put(item) => signature(&key_of::<T>(item)),
                Write::Delete(key) => signature(key),
            })
            .collect();
        let mut last = HashMap::new();
        for (index, key) in signatures.iter().enumerate() {
            last.insert(key, index);
        }
        let requests: Vec<WriteRequest> = writes
            .into_iter()
            .enumerate()
            .filter(|(index, _)| last.get(&signatures[*index]) == Some(index))
            .map(|(_, write)| request(write))
            .collect::<Result<_, _>>()?;
        let chunks: Vec<Vec<WriteRequest>> = requests
            .chunks(MAX_WRITES)
            .map(<[WriteRequest]>::to_vec)
            .collect();
        let settings = self.dynamo.batch_settings();
        let results: Vec<Chunk<()>> =
            stream::iter(chunks.into_iter().map(|chunk| self.write_chunk(chunk)))
                .buffer_unordered(settings.concurrency.max(1))
                .collect()
                .await;
        let mut incomplete = self.incomplete();
        for chunk in results {
            incomplete
                .unprocessed_writes
                .extend(chunk.left.into_iter().filter_map(write_of));
            incomplete.cause = incomplete.cause.or(chunk.cause.map(Box::new));
        }
        if incomplete.unprocessed_writes.is_empty() && incomplete.cause.is_none() {
            Ok(())
        } else {
            Err(Error::Incomplete(Box::new(incomplete)))
        }
    }

    fn incomplete(&self) -> Incomplete {
        Incomplete {
            table: self.name().to_owned(),
            fetched: Vec::new(),
            unprocessed_keys: Vec::new(),
            unprocessed_writes: Vec::new(),
            cause: None,
        }
    }

    async fn get_chunk(&self, mut keys: Vec<RawItem>) -> Chunk<RawItem, RawItem> {
        let settings = self.dynamo.batch_settings();
        let mut chunk = Chunk::default();
        for attempt in 1..=settings.retry.attempts() {
            if attempt > 1 {
                settings.retry.sleep(attempt - 1).await;
            }
            let request = match KeysAndAttributes::builder()
                .set_keys(Some(keys.clone()))
                .build()
            {
                Ok(request) => request,
                Err(e) => {
                    return chunk.fail(keys, Error::Encode(crate::ValueError::new(e.to_string())));
                }
            };
            let sent = self
                .client()
                .batch_get_item()
                .request_items(self.name(), request)
                .send()
                .await;
            match sent {
                Ok(mut output) => {
                    if let Some(items) = output
                        .responses
                        .as_mut()
                        .and_then(|r| r.remove(self.name()))
                    {
                        chunk.done.extend(items);
                    }
                    keys = output
                        .unprocessed_keys
                        .and_then(|mut u| u.remove(self.name()))
                        .map(|k| k.keys)
                        .unwrap_or_default();
                    chunk.cause = None;
                }
                Err(error) => {
                    let error = aws("BatchGetItem", error);
                    if !error.kind().is_transient() {
                        return chunk.fail(keys, error);
                    }
                    chunk.cause = Some(error);
                }
            }
            if keys.is_empty() {
                return chunk;
            }
        }
        chunk.left = keys;
        chunk
    }

    async fn write_chunk(&self, mut writes: Vec<WriteRequest>) -> Chunk<()> {
        let settings = self.dynamo.batch_settings();
        let mut chunk = Chunk::default();
        for attempt in 1..=settings.retry.attempts() {
            if attempt > 1 {
                settings.retry.sleep(attempt - 1).await;
            }
            let sent = self
                .client()
                .batch_write_item()
                .request_items(self.name(), writes.clone())
                .send()
                .await;
            match sent {
                Ok(output) => {
                    writes = output
                        .unprocessed_items
                        .and_then(|mut u| u.remove(self.name()))
                        .unwrap_or_default();
                    chunk.cause = None;
                }
                Err(error) => {
                    let error = aws("BatchWriteItem", error);
                    if !error.kind().is_transient() {
                        return chunk.fail(writes, error);
                    }
                    chunk.cause = Some(error);
                }
            }
            if writes.is_empty() {
                return chunk;
            }
        }
        chunk.left = writes;
        chunk
    }
}

/// What one chunk of a batch came to.
struct Chunk<D, L = WriteRequest> {
    done: Vec<D>,
    left: Vec<L>,
    cause: Option<Error>,
}

impl<D, L> Default for Chunk<D, L> {
    fn default() -> Self {
        Self {
            done: Vec::new(),
            left: Vec::new(),
            cause: None,
        }
    }
}

impl<D, L> Chunk<D, L> {
    fn fail(mut self, left: Vec<L>, cause: Error) -> Self {
        self.left = left;
        self.cause = Some(cause);
        self
    }
}

fn request(write: Write) -> Result<WriteRequest, Error> {
    let built = match write {
        Write::Put(item) => PutRequest::builder()
            .set_item(Some(item))
            .build()
            .map(|put| WriteRequest::builder().put_request(put).build()),
        Write::Delete(key) => DeleteRequest::builder()
            .set_key(Some(key))
            .build()
            .map(|delete| WriteRequest::builder().delete_request(delete).build()),
    };
    built.map_err(|e| Error::Encode(crate::ValueError::new(e.to_string())))
}

fn write_of(request: WriteRequest) -> Option<Write> {
    match (request.put_request, request.delete_request) {
        (Some(put), _) => Some(Write::Put(put.item)),
        (None, Some(delete)) => Some(Write::Delete(delete.key)),
        (None, None) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_keys_have_one_signature() {
        let key = |n: &str| {
            RawItem::from([
                ("year".to_owned(), AttributeValue::N(n.to_owned())),
                ("title".to_owned(), AttributeValue::S("Heat".to_owned())),
            ])
        };
        assert_eq!(signature(&key("1995")), signature(&key("1995.0")));
        assert_ne!(signature(&key("1995")), signature(&key("1996")));
    }
}
