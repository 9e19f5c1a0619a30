//! [`Function`]: which Lambda function (and which version or alias) a call goes to.

use std::fmt;
use std::str::FromStr;

use crate::Error;

/// A Lambda function to invoke: a name, a `name:qualifier`, or a (partial) ARN, with an optional
/// version or alias.
///
/// It displays as `function `name`` or `function `name:qualifier``: the account id and region
/// of an ARN stay out of error messages.
///
/// # Example
///
/// ```
/// use updraft_invoke::Function;
///
/// let live: Function = "pricing:live".parse()?;
/// assert_eq!((live.name(), live.qualifier()), ("pricing", Some("live")));
///
/// let arn: Function = "arn:aws:lambda:us-east-1:123456789012:function:pricing:7".parse()?;
/// assert_eq!(arn.to_string(), "function `pricing:7`");
/// assert_eq!(arn.target(), "arn:aws:lambda:us-east-1:123456789012:function:pricing");
///
/// assert!("pricing:live:extra".parse::<Function>().is_err());
/// # Ok::<(), updraft_invoke::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Function {
    /// What goes to Lambda as `FunctionName`: the name or ARN, without the qualifier.
    target: Box<str>,
    /// Where the name starts in `target`.
    name_at: usize,
    qualifier: Option<Box<str>>,
}

/// Lambda's limits: a name of up to 64 characters, an ARN of up to 140, a qualifier of up to
/// 128.
const NAME_LIMIT: usize = 64;
const TARGET_LIMIT: usize = 140;
const QUALIFIER_LIMIT: usize = 128;

impl Function {
    /// The function `function` (a name, `name:qualifier`, or ARN).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidFunction`] for anything Lambda would refuse as a function name.
    pub fn new(function: &str) -> Result<Self, Error> {
        parse(function).ok_or_else(|| Error::InvalidFunction(function.to_owned()))
    }

    /// This function at `qualifier` (a version, an alias or `$LATEST`).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidFunction`] for a qualifier Lambda would refuse.
    pub fn at(mut self, qualifier: &str) -> Result<Self, Error> {
        if !is_qualifier(qualifier) {
            return Err(Error::InvalidFunction(format!(
                "{}:{qualifier}",
                self.name()
            )));
        }
        self.qualifier = Some(qualifier.into());
        Ok(self)
    }

    /// The function's name, without ARN prefix or qualifier.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.target[self.name_at..]
    }

    /// The version or alias, when one was given.
    #[must_use]
    pub fn qualifier(&self) -> Option<&str> {
        self.qualifier.as_deref()
    }

    /// The `FunctionName` sent to Lambda: the name or ARN as given, without the qualifier.
    #[must_use]
    pub fn target(&self) -> &str {
        &self.target
    }
}

impl fmt::Display for Function {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.qualifier {
            Some(qualifier) => write!(f, "function `{}:{qualifier}`", self.name()),
            None => write!(f, "function `{}`", self.name()),
        }
    }
}

impl FromStr for Function {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        Self::new(s)
    }
}

/// What the invoker's methods take as the function: a name, `name:qualifier` or ARN as text,
/// or a [`Function`] (checked once, reused).
pub trait IntoFunction {
    /// The function.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidFunction`] for text Lambda would refuse.
    fn into_function(self) -> Result<Function, Error>;
}

impl IntoFunction for &str {
    fn into_function(self) -> Result<Function, Error> {
        Function::new(self)
    }
}

impl IntoFunction for String {
    fn into_function(self) -> Result<Function, Error> {
        Function::new(&self)
    }
}

impl IntoFunction for &String {
    fn into_function(self) -> Result<Function, Error> {
        Function::new(self)
    }
}

impl IntoFunction for Function {
    fn into_function(self) -> Result<Function, Error> {
        Ok(self)
    }
}

impl IntoFunction for &Function {
    fn into_function(self) -> Result<Function, Error> {
        Ok(self.clone())
    }
}

/// Splits `arn:partition:lambda:region:account:function:name[:qualifier]`,
/// `account:function:name[:qualifier]` and `name[:qualifier]`.
fn parse(text: &str) -> Option<Function> {
    if text.is_empty() || text.len() > TARGET_LIMIT + QUALIFIER_LIMIT + 1 {
        return None;
    }
    let parts: Vec<&str> = text.split(':').collect();
    let (prefix_parts, rest) = match parts.as_slice() {
        [
            "arn",
            partition,
            "lambda",
            region,
            account,
            "function",
            rest @ ..,
        ] if partition.starts_with("aws") && is_region(region) && is_account(account) => (6, rest),
        [account, "function", rest @ ..] if is_account(account) => (2, rest),
        rest => (0, rest),
    };
    let (name, qualifier) = match rest {
        [name] => (*name, None),
        [name, qualifier] => (*name, Some(*qualifier)),
        _ => return None,
    };
    if !is_name(name) || qualifier.is_some_and(|q| !is_qualifier(q)) {
        return None;
    }
    let name_at = parts[..prefix_parts]
        .iter()
        .map(|part| part.len() + 1)
        .sum::<usize>();
    let target = format!("{}{name}", &text[..name_at]);
    (target.len() <= TARGET_LIMIT).then(|| Function {
        target: target.into(),
        name_at,
        qualifier: qualifier.map(Into::into),
    })
}

fn is_name(name: &str) -> bool {
    (1..=NAME_LIMIT).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

fn is_qualifier(qualifier: &str) -> bool {
    qualifier == "$LATEST"
        || ((1..=QUALIFIER_LIMIT).contains(&qualifier.len())
            && qualifier
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_')))
}

fn is_region(region: &str) -> bool {
    !region.is_empty()
        && region
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

fn is_account(account: &str) -> bool {
    account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_qualifiers_and_arns_split_as_lambda_reads_them() {
        let cases = [
            ("sum", "sum", "sum", None),
            ("sum:live", "sum", "sum", Some("live")),
            ("sum:$LATEST", "sum", "sum", Some("$LATEST")),
            ("my.fn_2-a", "my.fn_2-a", "my.fn_2-a", None),
            (
                "123456789012:function:sum:3",
                "123456789012:function:sum",
                "sum",
                Some("3"),
            ),
            (
                "arn:aws-cn:lambda:cn-north-1:123456789012:function:sum",
                "arn:aws-cn:lambda:cn-north-1:123456789012:function:sum",
                "sum",
                None,
            ),
        ];
        for (text, target, name, qualifier) in cases {
            let function = Function::new(text).unwrap();
            assert_eq!(
                (function.target(), function.name(), function.qualifier()),
                (target, name, qualifier),
                "{text}"
            );
        }
    }

    #[test]
    fn malformed_names_are_refused_with_the_name() {
        let long = "x".repeat(65);
        for bad in [
            "",
            ":",
            "sum:",
            ":live",
            "a:b:c",
            "sum fn",
            "sum/../x",
            "sum:live!",
            "arn:aws:lambda:us-east-1:12:function:sum",
            "arn:aws:s3:us-east-1:123456789012:function:sum",
            "naïve",
            long.as_str(),
        ] {
            match Function::new(bad) {
                Err(Error::InvalidFunction(text)) => assert_eq!(text, bad),
                other => panic!("{bad:?}: {other:?}"),
            }
        }
        assert!(Function::new("sum").unwrap().at("bad qualifier").is_err());
        assert_eq!(
            Function::new("sum").unwrap().at("v2").unwrap().to_string(),
            "function `sum:v2`"
        );
    }

    #[test]
    fn display_never_shows_the_account() {
        let arn = Function::new("arn:aws:lambda:eu-west-1:123456789012:function:tax").unwrap();
        assert_eq!(arn.to_string(), "function `tax`");
    }
}
