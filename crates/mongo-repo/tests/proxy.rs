//! The model-query proxy on SecantusDB, through the invoke context in flat mode, with
//! aws-python-helper's payloads: finds and pipelines in the caller's state, `_id` coercion,
//! the limits, and every refusal made before a query is sent.
//!
//! Not tested here: that `maxTimeMS` stops a slow query. SecantusDB has no JavaScript engine
//! (`$where` answers "no globalScriptEngine") and no other way to make a query slow on
//! demand; the proxy sets `maxTimeMS` on every find and aggregate, and the driver sends it.
#![allow(clippy::unwrap_used, reason = "tests")]

mod support;

use serde_json::{Value, json};
use updraft_core::Env;
use updraft_core::envelope::Envelope;
use updraft_mongo_repo::Mongo;
use updraft_mongo_repo::bson::{Document, doc, oid::ObjectId};
use updraft_mongo_repo::proxy::QueryProxy;

struct Fixture {
    mongo: Mongo,
    states: String,
    state: String,
    ids: Vec<ObjectId>,
}

/// A state with 30 orders (`n` 0..30, `status` open for even `n`) and 2 customers.
async fn fixture() -> Fixture {
    let states = support::unique("states");
    let state = support::unique("ct");
    let mongo = support::mongo(&states).await;
    support::set_states(&mongo, &states, &[&state], &[]).await;
    let ids: Vec<ObjectId> = (0..30).map(|_| ObjectId::new()).collect();
    let orders = mongo.db(&state).collection::<Document>("orders");
    orders
        .insert_many(ids.iter().enumerate().map(|(n, id)| {
            doc! {"_id": *id, "n": i32::try_from(n).unwrap(), "status": if n % 2 == 0 { "open" } else { "paid" }, "customer": "c-1"}
        }))
        .await
        .unwrap();
    mongo
        .db(&state)
        .collection::<Document>("customers")
        .insert_one(doc! {"_id": "c-1", "name": "Ada"})
        .await
        .unwrap();
    mongo
        .db(&state)
        .collection::<Document>("secrets")
        .insert_one(doc! {"_id": "s", "key": "hunter2"})
        .await
        .unwrap();
    Fixture {
        mongo,
        states,
        state,
        ids,
    }
}

impl Fixture {
    fn proxy(&self) -> QueryProxy {
        QueryProxy::new(&self.mongo, ["orders", "customers"]).max_limit(25)
    }

    async fn ask(&self, proxy: &QueryProxy, mut payload: Value) -> Envelope {
        payload["session"] = json!({"state": self.state});
        proxy.call(payload).await
    }

    async fn data(&self, payload: Value) -> Vec<Value> {
        let envelope = self.ask(&self.proxy(), payload.clone()).await;
        assert!(envelope.success, "{payload}: {:?}", envelope.error);
        serde_json::from_value(envelope.data.unwrap()).unwrap()
    }

    async fn error(&self, payload: Value) -> String {
        let envelope = self.ask(&self.proxy(), payload.clone()).await;
        assert!(!envelope.success, "{payload} was answered");
        envelope.error.unwrap()
    }

    async fn drop(self) {
        support::drop_all(&self.mongo, &[&self.states, &self.state]).await;
    }
}

#[tokio::test]
async fn finds_and_pipelines_answer_in_the_callers_state() {
    let f = fixture().await;
    let found = f
        .data(json!({"collection": "orders", "filter": {"status": "open"}, "fields": {"n": 1, "_id": 0}, "limit": 3, "skip": 1}))
        .await;
    assert_eq!(found, [json!({"n": 2}), json!({"n": 4}), json!({"n": 6})]);

    let hex = f.ids[7].to_hex();
    let by_id = f
        .data(json!({"collection": "orders", "filter": {"_id": hex}}))
        .await;
    assert_eq!(by_id[0]["_id"], hex.as_str(), "ObjectIds come back as hex");
    let by_alias = f
        .data(json!({"collection": "orders", "filter": {"id": hex}}))
        .await;
    assert_eq!(by_alias, by_id);
    let listed = f
        .data(json!({"collection": "orders", "filter": {"_id": {"$in": [f.ids[1].to_hex(), f.ids[2].to_hex()]}}}))
        .await;
    assert_eq!(listed.len(), 2);

    let pipeline = f
        .data(json!({"collection": "orders", "pipeline": [
            {"$match": {"status": "paid", "_id": {"$ne": f.ids[1].to_hex()}}},
            {"$group": {"_id": "$customer", "count": {"$sum": 1}}},
            {"$lookup": {"from": "customers", "localField": "_id", "foreignField": "_id", "as": "who"}},
            {"$unwind": "$who"},
            {"$project": {"count": 1, "name": "$who.name"}},
        ]}))
        .await;
    assert_eq!(
        pipeline,
        [json!({"_id": "c-1", "count": 14, "name": "Ada"})]
    );
    f.drop().await;
}

#[tokio::test]
async fn limits_apply_to_every_query() {
    let f = fixture().await;
    // No limit: the maximum (25 of 30).
    assert_eq!(f.data(json!({"collection": "orders"})).await.len(), 25);
    let pipeline = f
        .data(json!({"collection": "orders", "pipeline": [{"$sort": {"n": -1}}], "skip": 2}))
        .await;
    assert_eq!(pipeline.len(), 25);
    assert_eq!(pipeline[0]["n"], 27);
    assert!(
        f.error(json!({"collection": "orders", "limit": 26}))
            .await
            .contains("at most 25")
    );
    assert!(
        f.error(json!({"collection": "orders", "limit": 0}))
            .await
            .contains("at least 1")
    );

    let small = f.proxy().max_response_bytes(400);
    let envelope = f.ask(&small, json!({"collection": "orders"})).await;
    let error = envelope.error.unwrap();
    assert!(error.contains("larger than 400 bytes"), "{error}");
    f.drop().await;
}

#[tokio::test]
async fn every_refusal_is_named_and_made_before_any_query_is_sent() {
    // A server that does not exist: a refusal that reached it would be "unavailable".
    let env = Env::from_pairs([(
        "MONGODB_URI",
        "mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=200&directConnection=true",
    )]);
    let nowhere = Mongo::from_env(&env).await.unwrap();
    let proxy = QueryProxy::new(&nowhere, ["orders", "customers"]).unchecked_states();
    let cases = [
        (
            json!({"collection": "secrets"}),
            "the collection `secrets` is not allowed; allowed: customers, orders",
        ),
        (
            json!({"collection": "orders", "filter": {"$where": "sleep(100)"}}),
            "`$where` is not allowed: it runs JavaScript",
        ),
        (
            json!({"collection": "orders", "filter": {"$expr": {"$function": {"body": "", "args": [], "lang": "js"}}}}),
            "`$function`",
        ),
        (
            json!({"collection": "orders", "fields": {"x": {"$accumulator": {}}}}),
            "`$accumulator`",
        ),
        (
            json!({"collection": "orders", "pipeline": [{"$out": "copy"}]}),
            "`$out` is not allowed: it writes data",
        ),
        (
            json!({"collection": "orders", "pipeline": [{"$merge": {"into": "x"}}]}),
            "`$merge`",
        ),
        (
            json!({"collection": "orders", "pipeline": [{"$lookup": {"from": "secrets", "as": "s"}}]}),
            "`secrets`, which is not allowed",
        ),
        (
            json!({"collection": "orders", "pipeline": [{"$facet": {"a": [{"$unionWith": "secrets"}]}}]}),
            "`secrets`",
        ),
        (
            json!({"collection": "orders", "pipeline": [{"$graphLookup": {"from": "secrets", "startWith": "$a", "connectFromField": "a", "connectToField": "b", "as": "g"}}]}),
            "`secrets`",
        ),
        (
            json!({"collection": "orders", "pipeline": [{"$collStats": {}}]}),
            "`$collStats` is unknown or not allowed",
        ),
        (
            json!({"collection": "orders", "pipeline": [], "fields": {"a": 1}}),
            "`pipeline` and `fields` cannot be combined",
        ),
        (
            json!({"collection": "orders", "pipeline": [], "filter": {}}),
            "either `pipeline` or `filter`",
        ),
        (
            json!({"collection": "orders", "filter": {"_id": "not-hex"}}),
            "filter._id: `not-hex` is not an ObjectId",
        ),
        (
            json!({"collection": "orders", "filter": {"_id": {"$in": ["65f1"]}}}),
            "filter._id.$in[0]",
        ),
        (
            json!({"collection": "orders", "filters": {}}),
            "unknown field `filters`",
        ),
        (
            json!({"collection": "orders", "limit": -1}),
            "limit: invalid value",
        ),
        (json!({"filter": {}}), "missing field `collection`"),
        (
            json!({"collection": "orders", "pipeline": [1]}),
            "pipeline[0]: invalid type",
        ),
    ];
    for (mut payload, expected) in cases {
        payload["session"] = json!({"state": "ct"});
        let envelope = proxy.call(payload.clone()).await;
        let error = envelope.error.unwrap();
        assert!(error.contains(expected), "{payload}: {error}");
    }
    // The session is required, and its state must name a database.
    let no_session = proxy.call(json!({"collection": "orders"})).await;
    assert!(no_session.error.unwrap().contains("no session"));
    let admin = proxy
        .call(json!({"session": {"state": "admin"}, "collection": "orders"}))
        .await;
    assert!(admin.error.unwrap().contains("`admin` is not allowed"));
    // A query that passes the checks does reach the (missing) server: a stable message only.
    let reached = proxy
        .call(json!({"session": {"state": "ct"}, "collection": "orders"}))
        .await;
    assert_eq!(
        reached.error.as_deref(),
        Some("a dependency is unavailable")
    );
}

#[tokio::test]
async fn an_inactive_state_is_refused() {
    let f = fixture().await;
    let other = support::unique("nj");
    let envelope = f
        .proxy()
        .call(json!({"session": {"state": other}, "collection": "orders"}))
        .await;
    let error = envelope.error.unwrap();
    assert!(error.contains("is not an active state"), "{error}");
    f.drop().await;
}
