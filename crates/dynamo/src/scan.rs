//! Scans: every item of a table or index, filtered and projected, as a lazily paginated
//! stream; with segments, a parallel scan whose segments are read at once and merged.

use std::sync::Arc;

use futures_util::{Stream, StreamExt, TryStreamExt, stream};

use crate::client::aws;
use crate::expr::compile::Placeholders;
use crate::model::Index;
use crate::page::{self, Page, Request};
use crate::{Error, Item, Table};

/// A scan of model `T`'s table or one of its indexes. Read it with [`Scan::stream`],
/// [`Scan::pages`] or [`Scan::all`].
#[must_use = "a scan does nothing until read"]
pub struct Scan<T> {
    table: Table<T>,
    index: Option<&'static str>,
    segments: u32,
    options: page::Options,
}

impl<T: Item + Send + 'static> Table<T> {
    /// Every item of the table.
    pub fn scan(&self) -> Scan<T> {
        Scan {
            table: self.clone(),
            index: None,
            segments: 1,
            options: page::Options::default(),
        }
    }

    /// Every item of `index`.
    pub fn scan_index<H, R>(&self, index: Index<T, H, R>) -> Scan<T> {
        Scan {
            index: Some(index.name()),
            ..self.scan()
        }
    }
}

impl<T: Item + Send + 'static> Scan<T> {
    crate::page::read_options!();

    /// A parallel scan of `n` segments (1 to 1 000 000), read at the same time and merged in
    /// the order their pages arrive.
    pub fn segments(mut self, n: u32) -> Self {
        self.segments = n.clamp(1, 1_000_000);
        self
    }

    fn segment(
        &self,
        segment: Option<(i32, i32)>,
    ) -> Result<(Table<T>, Arc<Request>, page::Options), Error> {
        let mut options = self.options.clone();
        // A merged scan applies the limit once, to the merged stream.
        if segment.is_some() {
            options.limit = None;
        }
        let request =
            Request::compile(self.index, None, &options, segment, Placeholders::default())?;
        Ok((self.table.clone(), Arc::new(request), options))
    }

    fn segment_pages(
        prepared: Result<(Table<T>, Arc<Request>, page::Options), Error>,
    ) -> impl Stream<Item = Result<Page<T>, Error>> + Send + 'static {
        page::paginate(prepared, |table, request, start| {
            let (segment, total) = request.segment.unzip();
            let builder = table
                .client()
                .scan()
                .table_name(table.name())
                .set_index_name(request.index.map(str::to_owned))
                .set_filter_expression(request.filter.clone())
                .set_projection_expression(request.projection.clone())
                .set_expression_attribute_names(request.names.clone())
                .set_expression_attribute_values(request.values.clone())
                .set_limit(request.page_size)
                .consistent_read(request.consistent)
                .set_segment(segment)
                .set_total_segments(total)
                .set_exclusive_start_key(start);
            async move {
                let output = builder.send().await.map_err(|e| aws("Scan", e))?;
                Ok((output.items.unwrap_or_default(), output.last_evaluated_key))
            }
        })
    }

    /// The pages; for a parallel scan, those of every segment as they arrive.
    pub fn pages(self) -> impl Stream<Item = Result<Page<T>, Error>> + Send + 'static {
        if self.segments <= 1 {
            return Self::segment_pages(self.segment(None)).boxed();
        }
        let total = i32::try_from(self.segments).unwrap_or(i32::MAX);
        let segments: Vec<_> = (0..total)
            .map(|segment| Self::segment_pages(self.segment(Some((segment, total)))).boxed())
            .collect();
        stream::select_all(segments).boxed()
    }

    /// The items, fetched page by page as the stream is read.
    pub fn stream(self) -> impl Stream<Item = Result<T, Error>> + Send + 'static {
        let limit = if self.segments > 1 {
            self.options.limit
        } else {
            None
        };
        let items = page::items(self.pages());
        match limit {
            Some(limit) => items.take(limit).left_stream(),
            None => items.right_stream(),
        }
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
