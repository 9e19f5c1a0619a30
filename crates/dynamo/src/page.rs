//! What queries and scans share: their options, the compiled request, and lazy pagination.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;

use futures_util::{Stream, TryStreamExt, stream};

use crate::expr::compile::{self, Placeholders};
use crate::expr::{Condition, Projection};
use crate::value::{AttributeValue, RawItem};
use crate::{Error, Item, Table};

/// The options of a query or scan.
#[derive(Debug, Clone)]
pub(crate) struct Options {
    pub(crate) filter: Option<Condition>,
    pub(crate) projection: Option<Projection>,
    pub(crate) page_size: Option<u32>,
    pub(crate) limit: Option<usize>,
    pub(crate) forward: bool,
    pub(crate) consistent: bool,
    pub(crate) start: Option<RawItem>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            filter: None,
            projection: None,
            page_size: None,
            limit: None,
            forward: true,
            consistent: false,
            start: None,
        }
    }
}

/// The options queries and scans share, as inherent builder methods of a type with an
/// `options: page::Options` field.
macro_rules! read_options {
    () => {
        /// Keeps only the items `filter` holds for (applied after the read: it does not reduce
        /// the capacity used, and a query's filter may not name a key attribute).
        pub fn filter(mut self, filter: $crate::Condition) -> Self {
            self.options.filter = Some(filter);
            self
        }

        /// Returns only these attributes.
        pub fn project(mut self, projection: $crate::Projection) -> Self {
            self.options.projection = Some(projection);
            self
        }

        /// Reads at most `n` items per page (DynamoDB's `Limit`; per segment in a parallel
        /// scan).
        pub fn page_size(mut self, n: u32) -> Self {
            self.options.page_size = Some(n);
            self
        }

        /// Stops after `n` items in all.
        pub fn limit(mut self, n: usize) -> Self {
            self.options.limit = Some(n);
            self
        }

        /// Strongly consistent reads (not on global indexes).
        pub fn consistent(mut self) -> Self {
            self.options.consistent = true;
            self
        }
    };
}
pub(crate) use read_options;

/// A query or scan, compiled once and sent for every page.
#[derive(Debug)]
pub(crate) struct Request {
    pub(crate) index: Option<&'static str>,
    pub(crate) key_condition: Option<String>,
    pub(crate) filter: Option<String>,
    pub(crate) projection: Option<String>,
    pub(crate) names: Option<HashMap<String, String>>,
    pub(crate) values: Option<HashMap<String, AttributeValue>>,
    pub(crate) page_size: Option<i32>,
    pub(crate) forward: bool,
    pub(crate) consistent: bool,
    /// `(segment, total)` of a parallel scan.
    pub(crate) segment: Option<(i32, i32)>,
}

impl Request {
    pub(crate) fn compile(
        index: Option<&'static str>,
        key_condition: Option<String>,
        options: &Options,
        segment: Option<(i32, i32)>,
        mut placeholders: Placeholders,
    ) -> Result<Self, Error> {
        let filter = options
            .filter
            .as_ref()
            .map(|f| compile::condition(&mut placeholders, "filter", f))
            .transpose()?;
        let projection = options
            .projection
            .as_ref()
            .map(|p| compile::projection(&mut placeholders, &p.paths))
            .transpose()?;
        Ok(Self {
            index,
            key_condition,
            filter,
            projection,
            names: placeholders.take_names(),
            values: placeholders.take_values(),
            page_size: options
                .page_size
                .map(|n| i32::try_from(n.max(1)).unwrap_or(i32::MAX)),
            forward: options.forward,
            consistent: options.consistent,
            segment,
        })
    }
}

/// One page of a query or scan.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Page<T> {
    /// Its items.
    pub items: Vec<T>,
    /// Where the next page starts (`None` on the last page): pass it to `start_after` to
    /// resume later.
    pub last_key: Option<RawItem>,
}

/// Where the pagination is.
enum Step<T, F> {
    /// The request could not be built: give its error, then end.
    Failed(Error),
    /// Fetch the page that starts after `start`.
    Fetch {
        pager: Pager<T, F>,
        start: Option<RawItem>,
    },
    Done,
}

struct Pager<T, F> {
    table: Table<T>,
    request: Arc<Request>,
    fetch: F,
    /// Items still to give, when limited.
    remaining: Option<usize>,
    /// The attributes of a key of the table or index read, to resume after a cut page.
    key_names: Vec<&'static str>,
}

/// The pages of `request`, each fetched by `fetch(table, request, start)` only when the
/// stream is polled for it; it ends after the last page, or once `limit` items were given.
pub(crate) fn paginate<T, F, Fut>(
    prepared: Result<(Table<T>, Arc<Request>, Options), Error>,
    fetch: F,
) -> impl Stream<Item = Result<Page<T>, Error>> + Send + 'static
where
    T: Item + Send + 'static,
    F: Fn(&Table<T>, &Request, Option<RawItem>) -> Fut + Send + 'static,
    Fut: Future<Output = Result<(Vec<RawItem>, Option<RawItem>), Error>> + Send + 'static,
{
    let first = match prepared {
        Err(error) => Step::Failed(error),
        Ok((table, request, options)) => {
            let key_names = key_names::<T>(request.index);
            Step::Fetch {
                pager: Pager {
                    table,
                    request,
                    fetch,
                    remaining: options.limit,
                    key_names,
                },
                start: options.start,
            }
        }
    };
    stream::unfold(first, |step| async move {
        match step {
            Step::Done => None,
            Step::Failed(error) => Some((Err(error), Step::Done)),
            Step::Fetch { mut pager, start } => {
                if pager.remaining == Some(0) {
                    return None;
                }
                let fetched = (pager.fetch)(&pager.table, &pager.request, start).await;
                let (mut raw, mut last_key) = match fetched {
                    Ok(page) => page,
                    Err(error) => return Some((Err(error), Step::Done)),
                };
                if let Some(remaining) = pager.remaining.as_mut() {
                    if raw.len() >= *remaining {
                        raw.truncate(*remaining);
                        last_key = raw.last().map(|item| {
                            pager
                                .key_names
                                .iter()
                                .filter_map(|name| {
                                    item.get(*name).map(|v| ((*name).to_owned(), v.clone()))
                                })
                                .collect()
                        });
                    }
                    *remaining -= raw.len();
                }
                let mut items = Vec::with_capacity(raw.len());
                for item in raw {
                    match pager.table.decode(item) {
                        Ok(item) => items.push(item),
                        Err(error) => return Some((Err(error), Step::Done)),
                    }
                }
                let next = match (&last_key, pager.remaining) {
                    (Some(key), remaining) if remaining != Some(0) => Step::Fetch {
                        start: Some(key.clone()),
                        pager,
                    },
                    _ => Step::Done,
                };
                Some((Ok(Page { items, last_key }), next))
            }
        }
    })
}

/// The key attributes of the table, and of `index` when one is read.
fn key_names<T: Item>(index: Option<&str>) -> Vec<&'static str> {
    let mut schemas = vec![T::key_schema()];
    if let Some(index) = index {
        schemas.extend(
            T::indexes()
                .into_iter()
                .filter(|i| i.name == index)
                .map(|i| i.key),
        );
    }
    let mut names: Vec<&'static str> = schemas
        .iter()
        .flat_map(|s| std::iter::once(s.hash.name).chain(s.range.as_ref().map(|r| r.name)))
        .collect();
    names.sort_unstable();
    names.dedup();
    names
}

/// The items of `pages`, in order.
pub(crate) fn items<T: Send + 'static>(
    pages: impl Stream<Item = Result<Page<T>, Error>> + Send + 'static,
) -> impl Stream<Item = Result<T, Error>> + Send + 'static {
    pages
        .map_ok(|page| stream::iter(page.items.into_iter().map(Ok)))
        .try_flatten()
}
