//! Walking a configuration tree: the one recursion over maps and lists that closing, opening,
//! MACs and rendering share. Paths are segments (`db`, `password`, `+prod`, `[2]`).

use crate::Error;
use crate::open::{Leaf, Node, Scalar};

/// What [`visit`] shows at the bottom of the tree.
pub(crate) enum Visit<'a> {
    /// A value common to every stage.
    Value(&'a Scalar),
    /// A per-stage map: each `(stage key, value)`, in file order.
    PerStage(&'a [(String, Leaf)]),
}

/// Calls `f` on every value and per-stage map of `node`, in file order, with its path.
pub(crate) fn visit<'a>(
    node: &'a Node,
    f: &mut impl FnMut(&[String], Visit<'a>) -> Result<(), Error>,
) -> Result<(), Error> {
    fn go<'a>(
        node: &'a Node,
        path: &mut Vec<String>,
        f: &mut impl FnMut(&[String], Visit<'a>) -> Result<(), Error>,
    ) -> Result<(), Error> {
        match node {
            Node::Map(entries) => {
                for (key, child) in entries {
                    path.push(key.clone());
                    go(child, path, f)?;
                    path.pop();
                }
                Ok(())
            }
            Node::List(items) => {
                for (index, child) in items.iter().enumerate() {
                    path.push(format!("[{index}]"));
                    go(child, path, f)?;
                    path.pop();
                }
                Ok(())
            }
            Node::Value(scalar) => f(path, Visit::Value(scalar)),
            Node::PerStage(values) => f(path, Visit::PerStage(values)),
        }
    }
    go(node, &mut Vec::new(), f)
}

/// Calls `f` on every per-stage value of `node` with its path (ending in `+stage`) and stage
/// key, in file order.
pub(crate) fn for_each_leaf<'a>(
    node: &'a Node,
    f: &mut impl FnMut(&[String], &'a str, &'a Leaf) -> Result<(), Error>,
) -> Result<(), Error> {
    visit(node, &mut |path, visited| {
        if let Visit::PerStage(values) = visited {
            let mut path = path.to_vec();
            for (stage, leaf) in values {
                path.push(format!("+{stage}"));
                f(&path, stage, leaf)?;
                path.pop();
            }
        }
        Ok(())
    })
}

/// `node` with every per-stage value replaced by `f(path, stage key, value)`.
pub(crate) fn map_leaves(
    node: &Node,
    f: &mut impl FnMut(&[String], &str, &Leaf) -> Result<Leaf, Error>,
) -> Result<Node, Error> {
    fn go(
        node: &Node,
        path: &mut Vec<String>,
        f: &mut impl FnMut(&[String], &str, &Leaf) -> Result<Leaf, Error>,
    ) -> Result<Node, Error> {
        Ok(match node {
            Node::Map(entries) => {
                let mut mapped = Vec::with_capacity(entries.len());
                for (key, child) in entries {
                    path.push(key.clone());
                    mapped.push((key.clone(), go(child, path, f)?));
                    path.pop();
                }
                Node::Map(mapped)
            }
            Node::List(items) => {
                let mut mapped = Vec::with_capacity(items.len());
                for (index, child) in items.iter().enumerate() {
                    path.push(format!("[{index}]"));
                    mapped.push(go(child, path, f)?);
                    path.pop();
                }
                Node::List(mapped)
            }
            Node::Value(scalar) => Node::Value(scalar.clone()),
            Node::PerStage(values) => {
                let mut mapped = Vec::with_capacity(values.len());
                for (stage, leaf) in values {
                    path.push(format!("+{stage}"));
                    mapped.push((stage.clone(), f(path, stage, leaf)?));
                    path.pop();
                }
                Node::PerStage(mapped)
            }
        })
    }
    go(node, &mut Vec::new(), f)
}

/// A path as the MAC and the additional data see it: its segments, unambiguous.
pub(crate) fn path_key(segments: &[String]) -> String {
    serde_json::to_string(segments).unwrap_or_default()
}

/// A path for messages, as the file has it: `config.db.password.+prod`, `config.list.[2]`.
pub(crate) fn path_text(segments: &[String]) -> String {
    std::iter::once("config")
        .chain(segments.iter().map(String::as_str))
        .collect::<Vec<_>>()
        .join(".")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::open::ConfigFile;

    const TEXT: &str = "stages:\n  prod: {key: p}\n  /.*/: {key: d}\nconfig:\n  name: orders\n  list:\n    - a\n    - user:\n        +prod: admin\n        +/.*/: dev\n";

    #[test]
    fn paths_name_map_keys_list_indexes_and_stages() {
        let file = ConfigFile::from_text(TEXT).unwrap();
        let mut seen = Vec::new();
        for_each_leaf(&file.config, &mut |path, stage, _| {
            seen.push((path_text(path), stage.to_owned()));
            Ok(())
        })
        .unwrap();
        assert_eq!(
            seen,
            [
                ("config.list.[1].user.+prod".to_owned(), "prod".to_owned()),
                ("config.list.[1].user.+/.*/".to_owned(), "/.*/".to_owned()),
            ]
        );
        let mut values = 0;
        visit(&file.config, &mut |_, visited| {
            values += usize::from(matches!(visited, Visit::Value(_)));
            Ok(())
        })
        .unwrap();
        assert_eq!(values, 2, "`orders` and `a`");
        let mapped = map_leaves(&file.config, &mut |_, _, _| {
            Ok(Leaf::Plain(Scalar::Str("x".into())))
        })
        .unwrap();
        let mut texts = Vec::new();
        for_each_leaf(&mapped, &mut |path, _, leaf| {
            texts.push(format!("{}={leaf:?}", path_key(path)));
            Ok(())
        })
        .unwrap();
        assert_eq!(texts.len(), 2);
        assert!(
            texts[0].starts_with(r#"["list","[1]","user","+prod"]="#),
            "{texts:?}"
        );
    }

    #[test]
    fn an_error_stops_the_walk() {
        let file = ConfigFile::from_text(TEXT).unwrap();
        let mut calls = 0;
        let error = map_leaves(&file.config, &mut |path, _, _| {
            calls += 1;
            Err(Error::format(&path_text(path), "refused"))
        })
        .unwrap_err();
        assert_eq!(calls, 1);
        assert!(
            error
                .to_string()
                .contains("config.list.[1].user.+prod: refused"),
            "{error}"
        );
    }
}
