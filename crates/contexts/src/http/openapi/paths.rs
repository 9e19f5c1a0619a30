//! Whether a spec's path templates can be axum routes, checked before any is added (axum
//! panics on a route it cannot take): each parameter fills a whole segment, names are plain
//! and not repeated, two templates do not name the same position differently, and the
//! template's parameters are the operation's path parameters.

use std::collections::{BTreeMap, BTreeSet};

use super::Problem;
use super::bind::path_parameters;
use super::spec::Operation;

/// One segment of a template.
#[derive(Debug, PartialEq, Eq)]
enum Segment<'a> {
    Literal(&'a str),
    Parameter(&'a str),
}

/// The segments of `path`, or why axum cannot route it.
fn segments(path: &str) -> Result<Vec<Segment<'_>>, String> {
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    for segment in path.split('/').skip(1) {
        if let Some(name) = segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            if name.is_empty()
                || !name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
            {
                return Err(format!("`{{{name}}}` is not a plain parameter name"));
            }
            if !seen.insert(name) {
                return Err(format!("`{{{name}}}` appears twice"));
            }
            out.push(Segment::Parameter(name));
        } else if segment.contains(['{', '}']) {
            return Err(format!(
                "`{segment}`: a parameter must fill a whole path segment"
            ));
        } else if segment.starts_with('*') || segment.starts_with(':') {
            return Err(format!(
                "`{segment}` would be an axum wildcard or parameter"
            ));
        } else {
            out.push(Segment::Literal(segment));
        }
    }
    Ok(out)
}

/// Every problem with the operations' paths.
pub(super) fn check(operations: &[Operation]) -> Vec<Problem> {
    let mut problems = Vec::new();
    let mut templates: BTreeMap<&str, Vec<Segment<'_>>> = BTreeMap::new();
    for operation in operations {
        let parsed = match templates.get(operation.path.as_str()) {
            Some(parsed) => parsed,
            None => match segments(&operation.path) {
                Ok(parsed) => templates.entry(&operation.path).or_insert(parsed),
                Err(reason) => {
                    if !problems.iter().any(|p| matches!(p, Problem::Unroutable { path, .. } if *path == operation.path)) {
                        problems.push(Problem::Unroutable {
                            path: operation.path.clone(),
                            reason,
                        });
                    }
                    continue;
                }
            },
        };
        let in_template: BTreeSet<&str> = parsed
            .iter()
            .filter_map(|s| match s {
                Segment::Parameter(name) => Some(*name),
                Segment::Literal(_) => None,
            })
            .collect();
        let declared: BTreeSet<&str> = path_parameters(operation).collect();
        for name in in_template.difference(&declared) {
            problems.push(Problem::PathParameter {
                operation: operation.label(),
                name: (*name).to_owned(),
                reason: "is in the path but not declared `in: path`".into(),
            });
        }
        for name in declared.difference(&in_template) {
            problems.push(Problem::PathParameter {
                operation: operation.label(),
                name: (*name).to_owned(),
                reason: "is declared `in: path` but not in the path".into(),
            });
        }
    }
    let list: Vec<(&&str, &Vec<Segment<'_>>)> = templates.iter().collect();
    for (i, (a, left)) in list.iter().enumerate() {
        for (b, right) in &list[i + 1..] {
            if let Some(reason) = conflict(left, right) {
                problems.push(Problem::Unroutable {
                    path: format!("{a} and {b}"),
                    reason,
                });
            }
        }
    }
    problems
}

/// Why two templates cannot both be routes: they match the same paths (the same literals and
/// parameters at the same positions) with a parameter named differently, which axum refuses.
fn conflict(left: &[Segment<'_>], right: &[Segment<'_>]) -> Option<String> {
    if left.len() != right.len() {
        return None;
    }
    let mut renamed = None;
    for (l, r) in left.iter().zip(right) {
        match (l, r) {
            (Segment::Literal(a), Segment::Literal(b)) if a == b => {}
            (Segment::Parameter(a), Segment::Parameter(b)) => {
                if a != b && renamed.is_none() {
                    renamed = Some((*a, *b));
                }
            }
            _ => return None,
        }
    }
    renamed.map(|(a, b)| {
        format!("both match the same paths, with `{{{a}}}` named `{{{b}}}` in the other; name it the same in both")
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]
    use super::*;

    #[test]
    fn templates_split_into_segments() {
        assert_eq!(
            segments("/pets/{petId}/toys").unwrap(),
            [
                Segment::Literal("pets"),
                Segment::Parameter("petId"),
                Segment::Literal("toys")
            ]
        );
        for bad in [
            "/files/{name}.json",
            "/a/{}",
            "/a/{x}/{x}",
            "/a/*rest",
            "/a/{b c}",
            "/a/:id",
        ] {
            assert!(segments(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn differently_named_parameters_at_one_position_conflict() {
        let a = segments("/pets/{id}").unwrap();
        let b = segments("/pets/{petId}").unwrap();
        let c = segments("/pets/mine").unwrap();
        assert!(conflict(&a, &b).is_some());
        assert!(conflict(&a, &c).is_none());
        assert!(conflict(&b, &c).is_none());
    }

    /// The rule above is axum's: what it calls a conflict makes axum panic, and what it
    /// accepts axum routes.
    #[test]
    fn the_conflict_rule_is_axums() {
        let pairs = [
            ("/pets/{id}", "/pets/{petId}/toys", false),
            ("/pets/{id}/toys", "/pets/{petId}/toys", true),
            ("/pets/{id}", "/pets/{petId}", true),
            ("/pets/{id}", "/pets/mine", false),
            ("/pets/{id}/toys", "/pets/{id}/food", false),
            ("/a/{x}", "/b/{y}", false),
        ];
        for (a, b, conflicts) in pairs {
            let rule = conflict(&segments(a).unwrap(), &segments(b).unwrap()).is_some();
            assert_eq!(rule, conflicts, "{a} {b}");
            let axum = std::panic::catch_unwind(|| {
                axum::Router::<()>::new()
                    .route(a, axum::routing::get(|| async {}))
                    .route(b, axum::routing::get(|| async {}))
            })
            .is_err();
            assert_eq!(axum, conflicts, "axum on {a} {b}");
        }
    }
}
