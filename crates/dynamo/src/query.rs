//! Queries: a hash key, a typed range condition (only the operators DynamoDB accepts on a
//! key), a filter and a projection, read as a lazily paginated stream.

use std::marker::PhantomData;
use std::sync::Arc;

use futures_util::{Stream, TryStreamExt};

use crate::client::aws;
use crate::expr::Node;
use crate::expr::compile::{Placeholders, Writer};
use crate::kind::{Fits, Ordered, Prefix};
use crate::model::Index;
use crate::page::{self, Page, Request};
use crate::path::RawPath;
use crate::value::{AttributeValue, RawItem, ToAttr, ValueError, required};
use crate::{Error, Item, Table};

/// The range key condition.
#[derive(Debug, Clone)]
enum Range {
    Compare(&'static str, Result<AttributeValue, ValueError>),
    Between(
        Result<AttributeValue, ValueError>,
        Result<AttributeValue, ValueError>,
    ),
    BeginsWith(Result<AttributeValue, ValueError>),
}

/// A query of model `T`'s table or one of its indexes, whose hash key has type `H` and range
/// key type `R` ([`NoRange`](crate::NoRange) when there is none, which has none of the
/// `range_*` methods). Read it with [`Query::stream`],
/// [`Query::pages`] or [`Query::all`].
#[must_use = "a query does nothing until read"]
pub struct Query<T, H, R> {
    table: Table<T>,
    index: Option<&'static str>,
    hash: Result<AttributeValue, ValueError>,
    range: Option<Range>,
    options: page::Options,
    keys: PhantomData<fn() -> (H, R)>,
}

impl<T: Item + Send + 'static> Table<T> {
    /// The items whose hash key is `hash`, in range key order.
    pub fn query<V>(&self, hash: V) -> Query<T, T::Hash, T::Range>
    where
        V: ToAttr,
        V::Kind: Fits<<T::Hash as ToAttr>::Kind>,
    {
        Query::new(self.clone(), None, required(&hash))
    }

    /// The items of `index` whose hash key is `hash`: `table.query_index(Movie::by_genre(), "Drama")`.
    pub fn query_index<H, R, V>(&self, index: Index<T, H, R>, hash: V) -> Query<T, H, R>
    where
        H: ToAttr,
        V: ToAttr,
        V::Kind: Fits<H::Kind>,
    {
        Query::new(self.clone(), Some(index.name()), required(&hash))
    }
}

impl<T: Item, H, R> Query<T, H, R> {
    fn new(
        table: Table<T>,
        index: Option<&'static str>,
        hash: Result<AttributeValue, ValueError>,
    ) -> Self {
        Self {
            table,
            index,
            hash,
            range: None,
            options: page::Options::default(),
            keys: PhantomData,
        }
    }

    crate::page::read_options!();

    /// Descending range key order.
    pub fn reverse(mut self) -> Self {
        self.options.forward = false;
        self
    }

    /// Starts after this key (a [`Page::last_key`]), to resume.
    pub fn start_after(mut self, key: RawItem) -> Self {
        self.options.start = Some(key);
        self
    }

    fn range(mut self, range: Range) -> Self {
        self.range = Some(range);
        self
    }

    fn key_condition(&self, placeholders: &mut Placeholders) -> Result<String, Error> {
        let schema = match self.index {
            None => T::key_schema(),
            Some(name) => T::indexes()
                .into_iter()
                .find(|i| i.name == name)
                .map_or_else(T::key_schema, |i| i.key),
        };
        let mut writer = Writer::new(placeholders, "key condition");
        writer.path(&RawPath::attribute(schema.hash.name))?;
        writer.text(" = ");
        writer.value(&self.hash)?;
        if let (Some(range), Some(key)) = (&self.range, &schema.range) {
            let path = RawPath::attribute(key.name);
            writer.text(" AND ");
            match range {
                Range::Compare(op, value) => {
                    writer.path(&path)?;
                    writer.text(op);
                    writer.value(value)?;
                }
                Range::Between(low, high) => {
                    writer.path(&path)?;
                    writer.text(" BETWEEN ");
                    writer.value(low)?;
                    writer.text(" AND ");
                    writer.value(high)?;
                }
                Range::BeginsWith(prefix) => {
                    writer.text("begins_with(");
                    writer.path(&path)?;
                    writer.text(", ");
                    writer.node(&Node::Value(prefix.clone()))?;
                    writer.text(")");
                }
            }
        }
        Ok(writer.finish()?)
    }
}

impl<T: Item + Send + 'static, H: Send + 'static, R: Send + 'static> Query<T, H, R> {
    fn request(self) -> Result<(Table<T>, Arc<Request>, page::Options), Error> {
        let mut placeholders = Placeholders::default();
        let key_condition = self.key_condition(&mut placeholders)?;
        let request = Request::compile(
            self.index,
            Some(key_condition),
            &self.options,
            None,
            placeholders,
        )?;
        Ok((self.table, Arc::new(request), self.options))
    }

    /// The pages, fetched one at a time as the stream is read.
    pub fn pages(self) -> impl Stream<Item = Result<Page<T>, Error>> + Send + 'static {
        page::paginate(self.request(), |table, request, start| {
            let builder = table
                .client()
                .query()
                .table_name(table.name())
                .set_index_name(request.index.map(str::to_owned))
                .set_key_condition_expression(request.key_condition.clone())
                .set_filter_expression(request.filter.clone())
                .set_projection_expression(request.projection.clone())
                .set_expression_attribute_names(request.names.clone())
                .set_expression_attribute_values(request.values.clone())
                .set_limit(request.page_size)
                .scan_index_forward(request.forward)
                .consistent_read(request.consistent)
                .set_exclusive_start_key(start);
            async move {
                let output = builder.send().await.map_err(|e| aws("Query", e))?;
                Ok((output.items.unwrap_or_default(), output.last_evaluated_key))
            }
        })
    }

    /// The items, fetched page by page as the stream is read.
    pub fn stream(self) -> impl Stream<Item = Result<T, Error>> + Send + 'static {
        page::items(self.pages())
    }

    /// All the items, read into memory.
    ///
    /// # Errors
    ///
    /// The first failed page or undecodable item.
    pub async fn all(self) -> Result<Vec<T>, Error> {
        self.stream().try_collect().await
    }
}

fn value<V: ToAttr>(value: &V) -> Result<AttributeValue, ValueError> {
    required(value)
}

impl<T: Item, H, R: ToAttr> Query<T, H, R>
where
    R::Kind: Ordered,
{
    /// Range key `= value`.
    pub fn range_eq<V: ToAttr>(self, v: V) -> Self
    where
        V::Kind: Fits<R::Kind>,
    {
        self.range(Range::Compare(" = ", value(&v)))
    }

    /// Range key `< value`.
    pub fn range_lt<V: ToAttr>(self, v: V) -> Self
    where
        V::Kind: Fits<R::Kind>,
    {
        self.range(Range::Compare(" < ", value(&v)))
    }

    /// Range key `<= value`.
    pub fn range_le<V: ToAttr>(self, v: V) -> Self
    where
        V::Kind: Fits<R::Kind>,
    {
        self.range(Range::Compare(" <= ", value(&v)))
    }

    /// Range key `> value`.
    pub fn range_gt<V: ToAttr>(self, v: V) -> Self
    where
        V::Kind: Fits<R::Kind>,
    {
        self.range(Range::Compare(" > ", value(&v)))
    }

    /// Range key `>= value`.
    pub fn range_ge<V: ToAttr>(self, v: V) -> Self
    where
        V::Kind: Fits<R::Kind>,
    {
        self.range(Range::Compare(" >= ", value(&v)))
    }

    /// Range key `BETWEEN low AND high` (both included).
    pub fn range_between<V: ToAttr, W: ToAttr>(self, low: V, high: W) -> Self
    where
        V::Kind: Fits<R::Kind>,
        W::Kind: Fits<R::Kind>,
    {
        self.range(Range::Between(value(&low), value(&high)))
    }
}

impl<T: Item, H, R: ToAttr> Query<T, H, R>
where
    R::Kind: Prefix,
{
    /// `begins_with(range key, prefix)`.
    pub fn range_begins_with<V: ToAttr>(self, prefix: V) -> Self
    where
        V::Kind: Fits<R::Kind>,
    {
        self.range(Range::BeginsWith(value(&prefix)))
    }
}
