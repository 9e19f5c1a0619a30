//! Properties over random inputs: items round-trip exactly (in memory, and a sample through
//! DynamoDB Local), and random expressions always come with placeholder maps that define
//! exactly the placeholders they use (DynamoDB Local refuses an unused or undefined one).
#![allow(clippy::unwrap_used, reason = "tests")]

mod support;

use std::collections::{BTreeMap, BTreeSet, HashSet};

use proptest::prelude::*;
use support::dynamo;
use updraft_dynamo::testing::TempTable;
use updraft_dynamo::{AttributeValue, Binary, Condition, Model, Number, Update};

#[derive(Model, Debug, Clone, PartialEq)]
#[dynamo(table = "Random")]
struct Random {
    #[dynamo(hash)]
    id: String,
    #[dynamo(range)]
    n: i64,
    text: String,
    float: f64,
    number: Number,
    flag: Option<bool>,
    bytes: Binary,
    words: HashSet<String>,
    counts: BTreeSet<u32>,
    list: Vec<Option<i16>>,
    map: BTreeMap<String, Vec<String>>,
    inner: Option<Inner>,
}

#[derive(Model, Debug, Clone, PartialEq)]
struct Inner {
    name: String,
    deep: Vec<Inner2>,
}

#[derive(Model, Debug, Clone, PartialEq)]
struct Inner2 {
    value: Option<Number>,
}

fn number() -> impl Strategy<Value = Number> {
    // Up to 38 digits, the leading one at most 1E+124 and at least 1E-90: inside DynamoDB's range.
    (any::<bool>(), "[1-9][0-9]{0,37}", -90_i32..88).prop_map(|(negative, digits, exponent)| {
        let sign = if negative { "-" } else { "" };
        format!("{sign}{digits}E{exponent}").parse().unwrap()
    })
}

fn random() -> impl Strategy<Value = Random> {
    let scalars = (
        "[a-z0-9]{1,12}",
        any::<i64>(),
        any::<String>(),
        any::<f64>().prop_filter("DynamoDB holds it", |f| Number::try_from(*f).is_ok()),
        number(),
        any::<Option<bool>>(),
        prop::collection::vec(any::<u8>(), 0..16),
    );
    let collections = (
        prop::collection::hash_set(any::<String>(), 0..5),
        prop::collection::btree_set(any::<u32>(), 0..5),
        prop::collection::vec(any::<Option<i16>>(), 0..6),
        prop::collection::btree_map(
            "[a-z]{1,5}",
            prop::collection::vec(any::<String>(), 0..3),
            0..4,
        ),
        prop::option::of((
            any::<String>(),
            prop::collection::vec(prop::option::of(number()), 0..3),
        )),
    );
    (scalars, collections).prop_map(
        |((id, n, text, float, number, flag, bytes), (words, counts, list, map, inner))| Random {
            id,
            n,
            text,
            float,
            number,
            flag,
            bytes: Binary(bytes),
            words,
            counts,
            list,
            map,
            inner: inner.map(|(name, values)| Inner {
                name,
                deep: values.into_iter().map(|value| Inner2 { value }).collect(),
            }),
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn items_round_trip_in_memory(item in random()) {
        let encoded = item.to_item().unwrap();
        prop_assert_eq!(Random::from_item(encoded).unwrap(), item);
    }
}

#[test]
fn items_round_trip_through_dynamodb_local() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let table =
        runtime.block_on(async { TempTable::<Random>::new(&dynamo().await).await.unwrap() });
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig::with_cases(48));
    runner
        .run(&random(), |item| {
            let back = runtime.block_on(async {
                table.put(&item).await.unwrap();
                table
                    .get((item.id.as_str(), item.n))
                    .consistent()
                    .await
                    .unwrap()
            });
            prop_assert_eq!(back, Some(item));
            Ok(())
        })
        .unwrap();
    drop(table);
}

/// A random condition over a few attributes of `Random`, reserved words among them.
fn condition() -> impl Strategy<Value = Condition> {
    let f = Random::fields();
    let leaf = prop_oneof![
        any::<i64>().prop_map(move |v| Random::fields().n().lt(v)),
        "[a-z]{0,4}".prop_map(move |v| Random::fields().text().begins_with(v)),
        (any::<u32>(), any::<u32>())
            .prop_map(|(a, b)| Random::fields().counts().contains(a.min(b))),
        prop::collection::vec("[a-z]{1,3}", 1..5).prop_map(|v| Random::fields().text().is_in(v)),
        Just(f.flag().exists()),
        Just(Random::fields().inner().deep().at(0).value().not_exists()),
        (0_u32..5).prop_map(|n| Random::fields().list().size().ge(n)),
        number().prop_map(|n| Random::fields().number().between(n.clone(), n)),
    ];
    leaf.prop_recursive(4, 24, 3, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| a & b),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| a | b),
            inner.prop_map(|a| !a),
        ]
    })
}

fn update() -> impl Strategy<Value = Update> {
    prop::collection::vec(0_usize..7, 1..6).prop_map(|picks| {
        let f = Random::fields();
        let mut update = Update::new();
        let mut used = HashSet::new();
        for pick in picks {
            if !used.insert(pick) {
                continue;
            }
            update = update
                & match pick {
                    0 => f.text().set("x"),
                    1 => f.float().set(f.float().if_not_exists(0) + 1),
                    2 => f.counts().add(BTreeSet::from([7_u32])),
                    3 => f.words().delete(HashSet::from(["w".to_owned()])),
                    4 => f.list().list_append(vec![Some(1_i16)]),
                    5 => f.flag().remove(),
                    _ => f.map().key("status").set(vec!["a"]),
                };
        }
        update
    })
}

/// Whether `expression` uses exactly the placeholders the maps define.
fn placeholders_match(expression: &str, names: &[&String], values: &[&String]) -> bool {
    let used = |prefix: char| -> BTreeSet<String> {
        let mut found = BTreeSet::new();
        let bytes: Vec<char> = expression.chars().collect();
        for (i, c) in bytes.iter().enumerate() {
            if *c == prefix {
                let token: String = bytes[i..]
                    .iter()
                    .take_while(|c| c.is_ascii_alphanumeric() || **c == prefix)
                    .collect();
                found.insert(token);
            }
        }
        found
    };
    let defined = |keys: &[&String]| keys.iter().map(|k| (*k).clone()).collect::<BTreeSet<_>>();
    used('#') == defined(names) && used(':') == defined(values)
}

proptest! {
    #![proptest_config(updraft_testkit::fuzz::config())]

    #[test]
    fn fuzz_expressions_define_every_placeholder_they_use(condition in condition(), update in update()) {
        let rendered = condition.render().unwrap();
        let names: Vec<&String> = rendered.names.keys().collect();
        let values: Vec<&String> = rendered.values.keys().collect();
        prop_assert!(placeholders_match(&rendered.expression, &names, &values), "{:?}", rendered);
        prop_assert!(rendered.names.values().all(|n| Random::ATTRIBUTES.contains(&n.as_str()) || ["deep", "value", "status"].contains(&n.as_str())));
        let rendered = update.render().unwrap();
        let names: Vec<&String> = rendered.names.keys().collect();
        let values: Vec<&String> = rendered.values.keys().collect();
        prop_assert!(placeholders_match(&rendered.expression, &names, &values), "{:?}", rendered);
    }
}

#[test]
fn dynamodb_local_accepts_random_expressions() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let table =
        runtime.block_on(async { TempTable::<Random>::new(&dynamo().await).await.unwrap() });
    let base = Random {
        id: "x".into(),
        n: 1,
        text: "t".into(),
        float: 0.5,
        number: Number::from(1),
        flag: Some(true),
        bytes: Binary(vec![1]),
        words: HashSet::from(["w".to_owned()]),
        counts: BTreeSet::from([1]),
        list: vec![None],
        map: BTreeMap::new(),
        inner: None,
    };
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig::with_cases(48));
    runner
        .run(&(condition(), update()), |(condition, update)| {
            runtime.block_on(async {
                // The update's paths must exist in the item (`map.status` needs `map`).
                table.put(&base).await.unwrap();
                table.scan().filter(condition.clone()).all().await.unwrap();
                // Accepted: it applied, or its condition was evaluated and failed.
                match table.update(("x", 1), update).condition(condition).await {
                    Ok(_) | Err(updraft_dynamo::Error::ConditionFailed { .. }) => {}
                    Err(other) => panic!("DynamoDB Local refused the expression: {other:?}"),
                }
            });
            Ok(())
        })
        .unwrap();
    drop(table);
}

/// Any attribute value a table may hold, as another writer (or an attacker with write access)
/// may have put it there.
fn attribute() -> impl Strategy<Value = AttributeValue> {
    let leaf = prop_oneof![
        "\\PC{0,12}".prop_map(AttributeValue::S),
        "-?[0-9]{0,40}(\\.[0-9]{0,40})?(E-?[0-9]{1,4})?|\\PC{0,6}".prop_map(AttributeValue::N),
        any::<bool>().prop_map(AttributeValue::Bool),
        Just(AttributeValue::Null(true)),
        proptest::collection::vec(any::<u8>(), 0..8).prop_map(|b| AttributeValue::B(b.into())),
        proptest::collection::vec("\\PC{0,6}", 0..3).prop_map(AttributeValue::Ss),
        proptest::collection::vec("-?[0-9]{1,3}|x", 0..3).prop_map(AttributeValue::Ns),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(AttributeValue::L),
            proptest::collection::hash_map(
                prop_oneof![
                    Just("name".to_owned()),
                    Just("deep".to_owned()),
                    Just("value".to_owned()),
                    "[a-z]{1,4}"
                ],
                inner,
                0..4
            )
            .prop_map(AttributeValue::M),
        ]
    })
}

/// An item with this model's attribute names (and a few others), any values.
fn raw_item() -> impl Strategy<Value = updraft_dynamo::RawItem> {
    let names = prop_oneof![
        Just("id"),
        Just("n"),
        Just("text"),
        Just("float"),
        Just("number"),
        Just("flag"),
        Just("bytes"),
        Just("words"),
        Just("counts"),
        Just("list"),
        Just("map"),
        Just("inner"),
        Just("stranger"),
    ];
    proptest::collection::hash_map(names.prop_map(str::to_owned), attribute(), 0..14)
}

proptest! {
    #![proptest_config(updraft_testkit::fuzz::config())]

    #[test]
    fn fuzz_items_read_from_a_table_decode_or_fail_never_panic(item in raw_item()) {
        if let Ok(decoded) = Random::from_item(item.clone()) {
            // What decoded encodes again.
            prop_assert!(decoded.to_item().is_ok(), "{:?}", decoded);
        }
    }
}
