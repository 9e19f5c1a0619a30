//! Queries and scans against DynamoDB Local: typed key conditions, many pages read lazily,
//! limits, order, filters, projections, both kinds of index, and parallel scans.
#![allow(clippy::unwrap_used, reason = "tests")]

mod support;

use futures_util::{StreamExt, TryStreamExt};
use support::{Movie, Song, dynamo};
use updraft_dynamo::Projection;
use updraft_dynamo::testing::TempTable;

async fn movies_of(years: std::ops::Range<i32>, per_year: usize) -> TempTable<Movie> {
    let movies = TempTable::<Movie>::new(&dynamo().await).await.unwrap();
    let all: Vec<Movie> = years
        .flat_map(|year| {
            (0..per_year).map(move |i| {
                Movie::new(
                    year,
                    &format!("{}{i:03}", char::from(b'A' + u8::try_from(i % 26).unwrap())),
                )
            })
        })
        .collect();
    movies.batch_put(&all).await.unwrap();
    movies
}

#[tokio::test]
async fn queries_paginate_lazily_across_many_pages() {
    let movies = movies_of(2000..2002, 250).await;
    let mut pages = Box::pin(movies.query(2000).page_size(20).pages());
    let mut seen = 0;
    let mut count = 0;
    while let Some(page) = pages.next().await {
        let page = page.unwrap();
        assert!(page.items.len() <= 20);
        assert!(page.items.iter().all(|m| m.year == 2000));
        seen += page.items.len();
        count += 1;
    }
    assert_eq!(seen, 250);
    assert!(count >= 13, "{count} pages");

    // A stream is read only as far as it is polled: two items need one page.
    let first_two: Vec<Movie> = movies
        .query(2001)
        .page_size(20)
        .stream()
        .take(2)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(first_two.len(), 2);

    let limited = movies
        .query(2001)
        .page_size(7)
        .limit(30)
        .all()
        .await
        .unwrap();
    assert_eq!(limited.len(), 30);
    let reversed = movies.query(2001).reverse().limit(1).all().await.unwrap();
    let forward = movies.query(2001).all().await.unwrap();
    assert_eq!(reversed[0], *forward.last().unwrap());
    assert!(forward.windows(2).all(|w| w[0].title < w[1].title));
}

#[tokio::test]
async fn range_conditions_filters_and_resuming() {
    let movies = movies_of(1992..1993, 60).await;
    let between = movies
        .query(1992)
        .range_between("A", "L")
        .all()
        .await
        .unwrap();
    assert!(!between.is_empty());
    assert!(
        between
            .iter()
            .all(|m| m.title.as_str() >= "A" && m.title.as_str() <= "L")
    );
    let prefix = movies
        .query(1992)
        .range_begins_with("B")
        .all()
        .await
        .unwrap();
    assert!(prefix.iter().all(|m| m.title.starts_with('B')) && !prefix.is_empty());
    let lt = movies.query(1992).range_lt("B").all().await.unwrap();
    let ge = movies.query(1992).range_ge("B").all().await.unwrap();
    assert_eq!(lt.len() + ge.len(), 60);
    let eq = movies.query(1992).range_eq("C002").all().await.unwrap();
    assert_eq!(eq.len(), 1);
    let gt_le = movies
        .query(1992)
        .range_gt("C")
        .consistent()
        .all()
        .await
        .unwrap()
        .len()
        + movies.query(1992).range_le("C").all().await.unwrap().len();
    assert_eq!(gt_le, 60);

    // A query's filter may not name a key attribute (DynamoDB refuses it); this one holds
    // for no item.
    let plot = Movie::fields().info().plot();
    let none = movies
        .query(1992)
        .filter(plot.exists())
        .all()
        .await
        .unwrap();
    assert!(none.is_empty());
    let all = movies
        .query(1992)
        .filter(plot.not_exists())
        .page_size(7)
        .all()
        .await
        .unwrap();
    assert_eq!(all.len(), 60);

    let mut pages = Box::pin(movies.query(1992).limit(25).pages());
    let first = pages.next().await.unwrap().unwrap();
    assert_eq!(first.items.len(), 25);
    let resumed = movies
        .query(1992)
        .start_after(first.last_key.clone().unwrap())
        .all()
        .await
        .unwrap();
    assert_eq!(
        resumed.len(),
        35,
        "resuming after the 25th item reads the other 35"
    );
    assert!(resumed[0].title > first.items[24].title);
}

#[tokio::test]
async fn global_and_local_indexes() {
    let songs = TempTable::<Song>::new(&dynamo().await).await.unwrap();
    let all: Vec<Song> = (0..30)
        .map(|i| {
            let mut song = Song::new(if i % 2 == 0 { "even" } else { "odd" }, &format!("{i:02}"));
            song.status = if i % 3 == 0 { "retired" } else { "active" }.into();
            song.year = 1990 + i;
            song
        })
        .collect();
    songs.batch_put(&all).await.unwrap();
    let retired = songs
        .query_index(Song::by_status(), "retired")
        .range_ge(2000)
        .all()
        .await
        .unwrap();
    assert_eq!(
        retired.iter().map(|s| s.year).collect::<Vec<_>>(),
        [2002, 2005, 2008, 2011, 2014, 2017]
    );
    let even_late = songs
        .query_index(Song::by_year(), "even")
        .range_between(2010, 2020)
        .all()
        .await
        .unwrap();
    assert_eq!(even_late.len(), 5);
    assert!(
        even_late.windows(2).all(|w| w[0].year < w[1].year),
        "in index order"
    );
    let scanned = songs.scan_index(Song::by_status()).all().await.unwrap();
    assert_eq!(scanned.len(), 30);
}

#[tokio::test]
async fn scans_filter_project_and_run_in_parallel_segments() {
    let movies = movies_of(1950..1970, 15).await;
    let year = Movie::fields().year();
    let fifties = movies
        .scan()
        .filter(year.between(1950, 1959))
        .all()
        .await
        .unwrap();
    assert_eq!(fifties.len(), 150);

    let mut parallel: Vec<Movie> = movies.scan().segments(4).page_size(10).all().await.unwrap();
    assert_eq!(parallel.len(), 300);
    parallel.sort_by(|a, b| (a.year, &a.title).cmp(&(b.year, &b.title)));
    parallel.dedup();
    assert_eq!(parallel.len(), 300, "no item is read twice");

    let limited = movies.scan().segments(3).limit(17).all().await.unwrap();
    assert_eq!(limited.len(), 17);

    let projected = movies
        .scan()
        .project(
            Projection::new()
                .path(&year)
                .path(&Movie::fields().title())
                .path(&Movie::fields().info()),
        )
        .limit(5)
        .all()
        .await
        .unwrap();
    assert_eq!(projected.len(), 5);
}
