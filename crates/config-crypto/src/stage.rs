//! Stage definitions: the `stages` section of a fleece config, and how a stage name finds its
//! definition (an exact name first, then the first `/regex/` in file order that matches the
//! whole name).

use regex::Regex;

use crate::Error;

/// How a definition names its stages.
#[derive(Debug, Clone)]
pub enum Pattern {
    /// One stage, by name.
    Exact(String),
    /// Every stage whose whole name matches; `literal` is the key as written (`/dev-.*/`).
    Regex {
        /// The key as written, slashes included.
        literal: String,
        /// The compiled expression, anchored at both ends.
        regex: Regex,
    },
}

impl Pattern {
    /// The key as written in the file.
    #[must_use]
    pub fn literal(&self) -> &str {
        match self {
            Pattern::Exact(name) => name,
            Pattern::Regex { literal, .. } => literal,
        }
    }
}

/// One entry of `stages`.
#[derive(Debug, Clone)]
pub struct StageDef {
    /// Which stages it covers.
    pub pattern: Pattern,
    /// The AWS environment whose credentials its KMS calls use.
    pub environment: String,
    /// The KMS key: an ARN, or `alias/<name>`.
    pub key: String,
}

/// The definitions, in file order.
#[derive(Debug, Clone, Default)]
pub struct Stages(Vec<StageDef>);

/// A KMS key as fleece writes it: without `alias/` or `arn:`, it is an alias name.
#[must_use]
pub fn normalize_key(key: &str) -> String {
    if key.starts_with("alias/") || key.starts_with("arn:") {
        key.to_owned()
    } else {
        format!("alias/{key}")
    }
}

impl Stages {
    /// Reads `stages` entries: `(key, environment, kms key)` in file order.
    ///
    /// # Errors
    ///
    /// [`Error::Format`] for a regex that does not compile, an empty name or key, or a key
    /// listed twice.
    pub fn from_entries<'a>(
        entries: impl IntoIterator<Item = (&'a str, &'a str, &'a str)>,
    ) -> Result<Self, Error> {
        let mut definitions: Vec<StageDef> = Vec::new();
        for (name, environment, key) in entries {
            let at = format!("stages.{name}");
            if name.is_empty() || key.is_empty() {
                return Err(Error::format(&at, "a stage needs a name and a `key`"));
            }
            if definitions.iter().any(|d| d.pattern.literal() == name) {
                return Err(Error::format(&at, "the stage is defined twice"));
            }
            let pattern = match name.strip_prefix('/').and_then(|n| n.strip_suffix('/')) {
                Some(expression) if name.len() >= 2 => Pattern::Regex {
                    literal: name.to_owned(),
                    regex: Regex::new(&format!("^(?:{expression})$")).map_err(|e| {
                        Error::format(
                            &at,
                            &format!("the regular expression does not compile: {e}"),
                        )
                    })?,
                },
                _ => Pattern::Exact(name.to_owned()),
            };
            definitions.push(StageDef {
                pattern,
                environment: environment.to_owned(),
                key: normalize_key(key),
            });
        }
        Ok(Self(definitions))
    }

    /// The definitions, in file order.
    #[must_use]
    pub fn definitions(&self) -> &[StageDef] {
        &self.0
    }

    /// The definition of stage `name`: exact first, then the first matching regex.
    #[must_use]
    pub fn resolve(&self, name: &str) -> Option<(usize, &StageDef)> {
        self.0
            .iter()
            .enumerate()
            .find(|(_, d)| matches!(&d.pattern, Pattern::Exact(exact) if exact == name))
            .or_else(|| {
                self.0.iter().enumerate().find(
                    |(_, d)| matches!(&d.pattern, Pattern::Regex { regex, .. } if regex.is_match(name)),
                )
            })
    }

    /// The definition a per-stage key (`+prod`, `+/dev-.*/`) belongs to: a regex key must be a
    /// definition's own literal; a name resolves as a stage does.
    #[must_use]
    pub fn owner(&self, stage_key: &str) -> Option<(usize, &StageDef)> {
        if stage_key.starts_with('/') && stage_key.ends_with('/') && stage_key.len() >= 2 {
            self.0
                .iter()
                .enumerate()
                .find(|(_, d)| d.pattern.literal() == stage_key)
        } else {
            self.resolve(stage_key)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stages() -> Stages {
        Stages::from_entries([
            ("prod", "prod", "prod-key"),
            ("/dev-.*/", "dev", "alias/dev"),
            ("/.*/", "dev", "arn:aws:kms:us-east-1:111122223333:key/x"),
        ])
        .unwrap()
    }

    #[test]
    fn exact_names_win_then_the_first_regex_in_file_order() {
        let stages = stages();
        assert_eq!(stages.resolve("prod").unwrap().0, 0);
        assert_eq!(stages.resolve("dev-alice").unwrap().0, 1);
        assert_eq!(stages.resolve("staging").unwrap().0, 2);
        assert_eq!(stages.resolve("prod").unwrap().1.key, "alias/prod-key");
        assert_eq!(stages.owner("/.*/").unwrap().0, 2);
        assert!(stages.owner("/other/").is_none());
        let only_exact = Stages::from_entries([("prod", "prod", "k")]).unwrap();
        assert!(
            only_exact.resolve("production").is_none(),
            "regexes match whole names"
        );
    }

    #[test]
    fn malformed_definitions_name_the_stage() {
        for (entries, expected) in [
            (
                vec![("/(/", "dev", "k")],
                "stages./(/: the regular expression does not compile",
            ),
            (vec![("prod", "prod", "")], "stages.prod: a stage needs"),
            (
                vec![("a", "e", "k"), ("a", "e", "k")],
                "stages.a: the stage is defined twice",
            ),
        ] {
            let error = Stages::from_entries(entries).unwrap_err().to_string();
            assert!(error.contains(expected), "{error}");
        }
    }
}
