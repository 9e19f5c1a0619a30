//! What the query proxy lets through: it refuses server-side JavaScript, writing stages,
//! reads of collections outside the whitelist and unknown stages, at any depth, before any
//! query is sent; and it turns `_id` / `id` hex strings into `ObjectId`s.

use std::collections::BTreeSet;

use mongodb::bson::oid::ObjectId;
use mongodb::bson::{Bson, Document};

use crate::Error;

/// Operators refused wherever they appear, and why.
pub const REFUSED_OPERATORS: [(&str, &str); 5] = [
    ("$where", "it runs JavaScript on the server"),
    ("$function", "it runs JavaScript on the server"),
    ("$accumulator", "it runs JavaScript on the server"),
    ("$out", "it writes data"),
    ("$merge", "it writes data"),
];

/// Stages that read their input only, and take no sub-pipeline.
pub const PLAIN_STAGES: [&str; 20] = [
    "$match",
    "$project",
    "$addFields",
    "$set",
    "$unset",
    "$sort",
    "$limit",
    "$skip",
    "$group",
    "$count",
    "$unwind",
    "$replaceRoot",
    "$replaceWith",
    "$sample",
    "$bucket",
    "$bucketAuto",
    "$sortByCount",
    "$setWindowFields",
    "$densify",
    "$fill",
];

/// Operators of `_id` whose string operand becomes an `ObjectId`.
const SCALAR_ID_OPERATORS: [&str; 6] = ["$eq", "$ne", "$gt", "$gte", "$lt", "$lte"];

/// The checks of one proxy: its whitelist.
pub(crate) struct Guard<'a> {
    pub(crate) allowed: &'a BTreeSet<String>,
}

impl Guard<'_> {
    /// Checks a pipeline, its sub-pipelines, and coerces the ids of its `$match` stages.
    pub(crate) fn pipeline(&self, stages: &mut [Document], path: &str) -> Result<(), Error> {
        for (position, stage) in stages.iter_mut().enumerate() {
            let at = format!("{path}[{position}]");
            let mut entries = stage.iter_mut();
            let (Some((name, body)), None) = (entries.next(), entries.next()) else {
                return Err(Error::Rejected(format!(
                    "{at} must be a document with exactly one stage"
                )));
            };
            self.stage(name, body, &at)?;
        }
        Ok(())
    }

    fn stage(&self, name: &str, body: &mut Bson, at: &str) -> Result<(), Error> {
        if let Some((_, why)) = REFUSED_OPERATORS.iter().find(|(op, _)| *op == name) {
            return Err(Error::Rejected(format!(
                "the stage `{name}` is not allowed: {why}"
            )));
        }
        match (name, body) {
            ("$match", Bson::Document(filter)) => {
                refuse_operators(filter, at)?;
                coerce_ids(filter, at)
            }
            ("$match", _) => Err(Error::Rejected(format!(
                "{at}: the stage `$match` takes a document"
            ))),
            (plain, body) if PLAIN_STAGES.contains(&plain) => refuse_operators_in(body, at),
            ("$lookup" | "$graphLookup", Bson::Document(spec)) => {
                self.reads(name, spec.get("from"), at)?;
                if let Some(Bson::Array(pipeline)) = spec.get_mut("pipeline") {
                    self.sub_pipeline(pipeline, &format!("{at}.{name}.pipeline"))?;
                }
                refuse_operators(spec, at)
            }
            ("$unionWith", Bson::String(collection)) => {
                let collection = Bson::String(collection.clone());
                self.reads(name, Some(&collection), at)
            }
            ("$unionWith", Bson::Document(spec)) => {
                self.reads(name, spec.get("coll"), at)?;
                if let Some(Bson::Array(pipeline)) = spec.get_mut("pipeline") {
                    self.sub_pipeline(pipeline, &format!("{at}.$unionWith.pipeline"))?;
                }
                refuse_operators(spec, at)
            }
            ("$facet", Bson::Document(facets)) => {
                for (facet, pipeline) in facets.iter_mut() {
                    let Bson::Array(pipeline) = pipeline else {
                        return Err(Error::Rejected(format!(
                            "{at}.$facet.{facet} must be a pipeline"
                        )));
                    };
                    self.sub_pipeline(pipeline, &format!("{at}.$facet.{facet}"))?;
                }
                Ok(())
            }
            ("$lookup" | "$graphLookup" | "$unionWith" | "$facet", _) => Err(Error::Rejected(
                format!("{at}: the stage `{name}` takes a document"),
            )),
            _ => Err(Error::Rejected(format!(
                "the stage `{name}` is unknown or not allowed"
            ))),
        }
    }

    fn sub_pipeline(&self, stages: &mut [Bson], path: &str) -> Result<(), Error> {
        for (position, stage) in stages.iter_mut().enumerate() {
            let Bson::Document(stage) = stage else {
                return Err(Error::Rejected(format!(
                    "{path}[{position}] must be a document with exactly one stage"
                )));
            };
            self.pipeline(std::slice::from_mut(stage), &format!("{path}[{position}]"))?;
        }
        Ok(())
    }

    /// A stage that reads `collection` passes only when it is whitelisted.
    fn reads(&self, stage: &str, collection: Option<&Bson>, at: &str) -> Result<(), Error> {
        match collection {
            Some(Bson::String(name)) if self.allowed.contains(name) => Ok(()),
            Some(Bson::String(name)) => Err(Error::Rejected(format!(
                "the stage `{stage}` reads the collection `{}`, which is not allowed; allowed: {}",
                name.escape_debug(),
                list(self.allowed)
            ))),
            _ => Err(Error::Rejected(format!(
                "{at}: the stage `{stage}` must name the collection it reads"
            ))),
        }
    }
}

/// Checks a find filter and coerces its ids.
pub(crate) fn filter(mut filter: Document) -> Result<Document, Error> {
    refuse_operators(&filter, "filter")?;
    coerce_ids(&mut filter, "filter")?;
    Ok(filter)
}

/// Checks a projection.
pub(crate) fn projection(fields: &Document) -> Result<(), Error> {
    refuse_operators(fields, "fields")
}

/// The whitelist, for messages.
pub(crate) fn list(allowed: &BTreeSet<String>) -> String {
    allowed
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(", ")
}

fn refuse_operators(document: &Document, at: &str) -> Result<(), Error> {
    for (key, value) in document {
        if let Some((_, why)) = REFUSED_OPERATORS.iter().find(|(op, _)| op == key) {
            return Err(Error::Rejected(format!(
                "the operator `{key}` is not allowed: {why} (in {at})"
            )));
        }
        refuse_operators_in(value, at)?;
    }
    Ok(())
}

fn refuse_operators_in(value: &Bson, at: &str) -> Result<(), Error> {
    match value {
        Bson::Document(document) => refuse_operators(document, at),
        Bson::Array(items) => items
            .iter()
            .try_for_each(|item| refuse_operators_in(item, at)),
        _ => Ok(()),
    }
}

/// `id` becomes `_id`, and `_id`'s hex strings become `ObjectId`s: a plain value, the operand
/// of `$eq $ne $gt $gte $lt $lte`, the items of `$in $nin`; also inside `$and $or $nor`.
fn coerce_ids(filter: &mut Document, at: &str) -> Result<(), Error> {
    if let Some(id) = filter.remove("id") {
        if filter.contains_key("_id") {
            return Err(Error::Rejected(format!(
                "{at}: give `_id` or its alias `id`, not both"
            )));
        }
        filter.insert("_id", id);
    }
    if let Some(id) = filter.get_mut("_id") {
        coerce_id_condition(id, &format!("{at}._id"))?;
    }
    for logical in ["$and", "$or", "$nor"] {
        if let Some(Bson::Array(clauses)) = filter.get_mut(logical) {
            for (position, clause) in clauses.iter_mut().enumerate() {
                if let Bson::Document(clause) = clause {
                    coerce_ids(clause, &format!("{at}.{logical}[{position}]"))?;
                }
            }
        }
    }
    Ok(())
}

fn coerce_id_condition(condition: &mut Bson, at: &str) -> Result<(), Error> {
    match condition {
        Bson::String(_) => coerce_id(condition, at),
        Bson::Document(operators) => {
            for (operator, operand) in operators.iter_mut() {
                let at = format!("{at}.{operator}");
                if SCALAR_ID_OPERATORS.contains(&operator.as_str()) {
                    coerce_id(operand, &at)?;
                } else if matches!(operator.as_str(), "$in" | "$nin") {
                    let Bson::Array(items) = operand else {
                        return Err(Error::Rejected(format!("{at} takes a list")));
                    };
                    for (position, item) in items.iter_mut().enumerate() {
                        coerce_id(item, &format!("{at}[{position}]"))?;
                    }
                }
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

fn coerce_id(value: &mut Bson, at: &str) -> Result<(), Error> {
    if let Bson::String(text) = value {
        let id = ObjectId::parse_str(text.as_str()).map_err(|_| {
            Error::Rejected(format!(
                "{at}: `{}` is not an ObjectId (24 hexadecimal characters)",
                text.chars().take(40).collect::<String>().escape_debug()
            ))
        })?;
        *value = Bson::ObjectId(id);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use mongodb::bson::doc;

    fn guard_check(pipeline: Vec<Document>) -> Result<Vec<Document>, String> {
        let allowed: BTreeSet<String> = ["orders".to_owned(), "customers".to_owned()].into();
        let mut pipeline = pipeline;
        Guard { allowed: &allowed }
            .pipeline(&mut pipeline, "pipeline")
            .map(|()| pipeline)
            .map_err(|e| e.to_string())
    }

    const HEX: &str = "65f1a2b3c4d5e6f7a8b9c0d1";

    #[test]
    fn ids_are_coerced_in_every_documented_place() {
        let oid = ObjectId::parse_str(HEX).unwrap();
        let cases = [
            (doc! {"_id": HEX}, doc! {"_id": oid}),
            (doc! {"id": HEX, "s": 1}, doc! {"s": 1, "_id": oid}),
            (
                doc! {"_id": {"$gte": HEX, "$exists": true}},
                doc! {"_id": {"$gte": oid, "$exists": true}},
            ),
            (
                doc! {"_id": {"$in": [HEX], "$nin": [HEX]}},
                doc! {"_id": {"$in": [oid], "$nin": [oid]}},
            ),
            (
                doc! {"$or": [{"_id": HEX}, {"s": 1}]},
                doc! {"$or": [{"_id": oid}, {"s": 1}]},
            ),
            (doc! {"_id": 7}, doc! {"_id": 7}),
        ];
        for (given, expected) in cases {
            assert_eq!(filter(given.clone()).unwrap(), expected, "{given}");
        }
        for bad in [
            doc! {"_id": "zz"},
            doc! {"id": "65f1"},
            doc! {"_id": {"$in": ["x"]}},
            doc! {"_id": {"$in": "x"}},
            doc! {"id": HEX, "_id": HEX},
        ] {
            let error = filter(bad.clone()).unwrap_err().to_string();
            assert!(error.contains("filter"), "{bad}: {error}");
        }
        let matched = guard_check(vec![doc! {"$match": {"id": HEX}}]).unwrap();
        assert_eq!(matched, vec![doc! {"$match": {"_id": oid}}]);
    }

    #[test]
    fn refused_operators_are_named_at_any_depth() {
        let deep = doc! {"$and": [{"$expr": {"$gt": [{"$function": {"body": "x", "args": [], "lang": "js"}}, 1]}}]};
        assert!(
            filter(deep)
                .unwrap_err()
                .to_string()
                .contains("`$function`")
        );
        assert!(
            filter(doc! {"$where": "sleep(1)"})
                .unwrap_err()
                .to_string()
                .contains("`$where`")
        );
        assert!(
            projection(&doc! {"x": {"$accumulator": {}}})
                .unwrap_err()
                .to_string()
                .contains("`$accumulator`")
        );
        for (stage, operator) in [
            (doc! {"$out": "copy"}, "$out"),
            (doc! {"$merge": {"into": "copy"}}, "$merge"),
            (
                doc! {"$group": {"_id": 1, "x": {"$accumulator": {}}}},
                "$accumulator",
            ),
            (
                doc! {"$facet": {"a": [{"$match": {"$where": "1"}}]}},
                "$where",
            ),
            (
                doc! {"$lookup": {"from": "orders", "as": "x", "pipeline": [{"$out": "y"}]}},
                "$out",
            ),
            (
                doc! {"$unionWith": {"coll": "orders", "pipeline": [{"$facet": {"b": [{"$merge": "z"}]}}]}},
                "$merge",
            ),
        ] {
            let error = guard_check(vec![doc! {"$match": {}}, stage.clone()]).unwrap_err();
            assert!(error.contains(&format!("`{operator}`")), "{stage}: {error}");
        }
    }

    #[test]
    fn other_collections_and_unknown_stages_are_refused() {
        for (stage, expected) in [
            (
                doc! {"$lookup": {"from": "users", "as": "u"}},
                "`users`, which is not allowed; allowed: customers, orders",
            ),
            (
                doc! {"$graphLookup": {"from": "users", "startWith": "$a", "connectFromField": "a", "connectToField": "b", "as": "g"}},
                "`users`",
            ),
            (doc! {"$unionWith": "users"}, "`users`"),
            (
                doc! {"$unionWith": {"pipeline": [{"$documents": [{}]}]}},
                "must name the collection",
            ),
            (
                doc! {"$lookup": {"from": "orders", "as": "x", "pipeline": [{"$lookup": {"from": "secrets", "as": "s"}}]}},
                "`secrets`",
            ),
            (doc! {"$facet": {"a": [{"$unionWith": "users"}]}}, "`users`"),
            (
                doc! {"$collStats": {}},
                "`$collStats` is unknown or not allowed",
            ),
            (doc! {"$currentOp": {}}, "`$currentOp`"),
            (doc! {"$documents": [{}]}, "`$documents`"),
            (doc! {"$match": {}, "$sort": {"a": 1}}, "exactly one stage"),
            (doc! {"$facet": {"a": 1}}, "must be a pipeline"),
            (doc! {"$match": "x"}, "takes a document"),
        ] {
            let error = guard_check(vec![stage.clone()]).unwrap_err();
            assert!(error.contains(expected), "{stage}: {error}");
        }
        let fine = vec![
            doc! {"$match": {"status": "open"}},
            doc! {"$lookup": {"from": "customers", "localField": "c", "foreignField": "_id", "as": "c"}},
            doc! {"$unionWith": "orders"},
            doc! {"$facet": {"n": [{"$count": "n"}]}},
            doc! {"$sort": {"a": -1}},
        ];
        assert_eq!(guard_check(fine.clone()).unwrap(), fine);
    }
}
