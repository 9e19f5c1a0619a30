//! Single-item reads and writes against DynamoDB Local: every attribute type round-trips,
//! reserved words, empty strings, 38-digit numbers, conditions and their outcomes.
#![allow(clippy::unwrap_used, reason = "tests")]

mod support;

use std::collections::BTreeSet;

use support::{Info, Movie, Song, dynamo};
use updraft_dynamo::kind::AttributeType;
use updraft_dynamo::testing::TempTable;
use updraft_dynamo::{AttributeValue, Error, Model, Number, Projection};

#[tokio::test]
async fn every_attribute_type_round_trips_with_reserved_names() {
    let songs = TempTable::<Song>::new(&dynamo().await).await.unwrap();
    let song = Song::new("name is reserved", "size too");
    songs.put(&song).await.unwrap();
    let back = songs
        .get(("name is reserved", "size too"))
        .consistent()
        .await
        .unwrap();
    assert_eq!(back.as_ref(), Some(&song));
    let back = back.unwrap();
    assert_eq!(
        back.big.as_str(),
        "-12345678901234567890123456789.012345678"
    );
    assert_eq!(back.big.significant_digits(), 38);
    assert_eq!(back.empty, "", "empty strings are kept");
    let missing = songs.get(("nobody", "none")).await.unwrap();
    assert!(missing.is_none());
}

#[tokio::test]
async fn numbers_keep_38_digits_at_both_ends_of_the_range() {
    let songs = TempTable::<Song>::new(&dynamo().await).await.unwrap();
    for (i, text) in [
        "99999999999999999999999999999999999999",
        "0.00000000000000000000000000000000000001",
        "9.9999999999999999999999999999999999999E+125",
        "-1E-130",
        "1234567890.1234567890123456789012345678",
    ]
    .into_iter()
    .enumerate()
    {
        let mut song = Song::new("numbers", &i.to_string());
        song.big = text.parse().unwrap();
        songs.put(&song).await.unwrap();
        let back = songs
            .get(("numbers", i.to_string()))
            .consistent()
            .await
            .unwrap()
            .unwrap();
        assert_eq!(back.big, song.big, "{text}");
    }
}

#[tokio::test]
async fn conditional_writes_report_their_outcome_and_the_old_item() {
    let movies = TempTable::<Movie>::new(&dynamo().await).await.unwrap();
    let info = Movie::fields().info();
    let mut movie = Movie::new(2015, "The Big New Movie");
    movie.info.rating = Some(Number::from(0));
    movies.put(&movie).if_not_exists().await.unwrap();

    let again = movies.put(&movie).if_not_exists().await.unwrap_err();
    assert!(matches!(again, Error::ConditionFailed { .. }), "{again:?}");
    assert_eq!(again.old_item::<Movie>().unwrap(), Some(movie.clone()));

    let updated = movies
        .update(
            (2015, "The Big New Movie"),
            info.rating().set(5.5)
                & info.plot().set("Everything happens all at once.")
                & info.actors().set(vec!["Larry", "Moe", "Curly"]),
        )
        .await
        .unwrap();
    assert_eq!(updated.info.actors, ["Larry", "Moe", "Curly"]);
    assert_eq!(updated.info.rating, Some("5.5".parse().unwrap()));

    // A failed condition surfaces the one way, the put's, for an update and a delete too.
    let refused = movies
        .update((2015, "The Big New Movie"), info.actors().at(0).remove())
        .condition(info.actors().size().ge(4))
        .await
        .unwrap_err();
    assert!(
        matches!(refused, Error::ConditionFailed { action: None, .. }),
        "{refused:?}"
    );
    assert_eq!(refused.old_item::<Movie>().unwrap(), Some(updated.clone()));

    let kept = movies
        .delete((2015, "The Big New Movie"))
        .condition(info.rating().le(5))
        .await
        .unwrap_err();
    assert!(matches!(kept, Error::ConditionFailed { .. }), "{kept:?}");
    assert_eq!(kept.old_item::<Movie>().unwrap(), Some(updated.clone()));
    assert!(
        movies
            .get((2015, "The Big New Movie"))
            .await
            .unwrap()
            .is_some()
    );

    let deleted = movies
        .delete((2015, "The Big New Movie"))
        .condition(info.rating().gt(5))
        .await
        .unwrap();
    assert_eq!(deleted, Some(updated));
    let nothing = movies.delete((2015, "The Big New Movie")).await.unwrap();
    assert_eq!(nothing, None);
}

#[tokio::test]
async fn every_update_action() {
    let songs = TempTable::<Song>::new(&dynamo().await).await.unwrap();
    let f = Song::fields();
    songs.put(&Song::new("updates", "1")).await.unwrap();
    let key = ("updates", "1");
    let apply = |update| songs.update(key, update);

    let song =
        apply(f.count().set(f.count() + 10) & f.price().set(f.price().if_not_exists(0) - 0.99))
            .await
            .unwrap();
    assert_eq!((song.count, song.price), (13, 9.0));

    let song = apply(
        f.count().add(-3)
            & f.tags().add(BTreeSet::from(["new".to_owned()]))
            & f.scores().delete(BTreeSet::from([2])),
    )
    .await
    .unwrap();
    assert_eq!(song.count, 10);
    assert!(song.tags.contains("new") && song.tags.len() == 3);
    assert_eq!(song.scores, BTreeSet::from([1, 3]));

    let song = apply(
        f.list().list_append(vec![4, 5])
            & f.nested().at(0).plot().remove()
            & f.maybe().set_if_not_exists("first"),
    )
    .await
    .unwrap();
    assert_eq!(song.list, [1, 2, 3, 4, 5]);
    assert_eq!(song.nested[0].plot, None);
    assert_eq!(song.maybe.as_deref(), Some("first"));

    let overlap = apply(f.list().list_prepend(vec![0]) & f.list().at(5).remove()).await;
    assert!(
        matches!(overlap, Err(Error::Expression(_))),
        "list_prepend and at(5).remove() overlap: {overlap:?}"
    );
    let song = apply(
        f.list().list_prepend(vec![0])
            & f.maybe().set_if_not_exists("second")
            & f.map().key("c").set(3),
    )
    .await
    .unwrap();
    assert_eq!(song.list, [0, 1, 2, 3, 4, 5]);
    assert_eq!(
        song.maybe.as_deref(),
        Some("first"),
        "if_not_exists kept it"
    );
    assert_eq!(song.map["c"], 3);

    let song = apply(
        f.blobs()
            .delete(BTreeSet::from([updraft_dynamo::Binary(vec![1])]))
            & f.json().key("k").at(0).set(7)
            & f.comment().remove(),
    )
    .await
    .unwrap();
    assert_eq!(song.blobs.len(), 1);
    assert_eq!(song.json["k"][0], 7);
    assert_eq!(song.comment, None);
    let raw = songs
        .dynamo()
        .sdk()
        .get_item()
        .table_name(songs.name())
        .key("name", AttributeValue::S("updates".into()))
        .key("size", AttributeValue::S("1".into()))
        .send()
        .await
        .unwrap()
        .item
        .unwrap();
    assert!(
        !raw.contains_key("Comment"),
        "removed under its renamed attribute"
    );
    assert!(
        !raw.contains_key("scratch"),
        "skipped fields are not stored"
    );
}

#[tokio::test]
async fn every_condition_operator() {
    let songs = TempTable::<Song>::new(&dynamo().await).await.unwrap();
    let f = Song::fields();
    songs.put(&Song::new("conditions", "1")).await.unwrap();
    let key = ("conditions", "1");
    let holds = async |condition| match songs
        .update(key, f.flag().set(true))
        .condition(condition)
        .await
    {
        Ok(_) => true,
        Err(Error::ConditionFailed { .. }) => false,
        Err(other) => panic!("{other:?}"),
    };
    let cases = [
        (f.year().eq(1999), true),
        (f.year().ne(1999), false),
        (f.year().lt(2000), true),
        (f.year().le(1998), false),
        (f.year().gt(1998), true),
        (f.year().ge(2000), false),
        (f.year().between(1990, 1999), true),
        (f.status().is_in(["active", "retired"]), true),
        (f.status().is_in(["retired"]), false),
        (f.status().begins_with("act"), true),
        (
            f.data().begins_with(updraft_dynamo::Binary(vec![0, 1])),
            true,
        ),
        (f.tags().contains("rock"), true),
        (f.scores().contains(9), false),
        (f.list().contains(2), true),
        (f.status().contains("tiv"), true),
        (f.list().size().eq(3), true),
        (f.status().size().gt(6), false),
        (f.map().size().between(1, 2), true),
        (f.maybe().exists(), false),
        (f.maybe().not_exists(), true),
        (f.json().is_type(AttributeType::Map), true),
        (f.tags().is_type(AttributeType::StringSet), true),
        (f.year().is_type(AttributeType::String), false),
        (f.nested().at(0).plot().eq("nested"), true),
        (f.map().key("a").lt(f.map().key("b")), true),
        (f.year().eq(1999) & f.status().eq("active"), true),
        (f.year().eq(1) | f.status().eq("active"), true),
        (!f.flag().eq(true), false),
    ];
    for (i, (condition, expected)) in cases.into_iter().enumerate() {
        assert_eq!(holds(condition).await, expected, "case {i}");
    }
}

#[tokio::test]
async fn projections_read_only_some_attributes() {
    let movies = TempTable::<Movie>::new(&dynamo().await).await.unwrap();
    let mut movie = Movie::new(1999, "Projected");
    movie.info = Info {
        plot: Some("secret plot".into()),
        rating: Some(Number::from(8)),
        actors: vec!["A".into()],
        genres: BTreeSet::from(["Drama".to_owned()]),
    };
    movies.put(&movie).await.unwrap();
    let f = Movie::fields();
    let projection = Projection::new()
        .path(&f.year())
        .path(&f.title())
        .path(&f.info().rating());
    let read = movies
        .get((1999, "Projected"))
        .project(projection)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(read.info.rating, Some(Number::from(8)));
    assert_eq!(read.info.plot, None);
    assert!(read.info.actors.is_empty());
}

#[tokio::test]
async fn items_that_do_not_fit_the_model_are_named_errors() {
    let dynamo = dynamo().await;
    let movies = TempTable::<Movie>::new(&dynamo).await.unwrap();
    dynamo
        .sdk()
        .put_item()
        .table_name(movies.name())
        .item("year", AttributeValue::N("2001".into()))
        .item("title", AttributeValue::S("Broken".into()))
        .item(
            "info",
            AttributeValue::M([("rating".to_owned(), AttributeValue::S("ten".into()))].into()),
        )
        .send()
        .await
        .unwrap();
    let error = movies.get((2001, "Broken")).await.unwrap_err();
    let Error::Decode { source, .. } = &error else {
        panic!("{error:?}");
    };
    assert_eq!(source.path(), "info.rating");
    assert!(error.to_string().contains("expected N, found S"), "{error}");

    let mut song = Song::new("bad", "nan");
    song.price = f64::NAN;
    let songs = TempTable::<Song>::new(&dynamo).await.unwrap();
    let error = songs.put(&song).await.unwrap_err();
    assert!(
        matches!(&error, Error::Encode(e) if e.path() == "price"),
        "{error:?}"
    );
    let error = movies
        .update(
            (2001, "Broken"),
            Movie::fields().info().rating().set(f64::INFINITY),
        )
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Expression(_)), "{error:?}");
    assert!(
        Movie::from_item(updraft_dynamo::RawItem::new()).is_err(),
        "keys are required"
    );
}
