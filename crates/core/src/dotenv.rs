//! Reading `.env` files.
//!
//! The syntax is the common one (as read by `dotenvy`, `python-dotenv` and docker compose):
//! `KEY=value` lines, optional `export`, `#` comments, single- and double-quoted values
//! (double quotes may span lines and hold escapes) and `${OTHER}` substitution.
//!
//! Errors say where the file is wrong but never quote it: a `.env` file usually holds secrets.

use std::path::Path;

use crate::Error;

/// Reads the `KEY=value` pairs of the `.env`-format file at `path`, in file order.
pub(crate) fn read(path: &Path) -> Result<Vec<(String, String)>, Error> {
    let error = |reason: String| Error::DotEnv {
        path: path.to_path_buf(),
        reason,
    };
    let text = std::fs::read_to_string(path).map_err(|e| error(e.to_string()))?;
    parse(&text).map_err(error)
}

/// Parses `.env` text; the error says where, never what.
pub(crate) fn parse(text: &str) -> Result<Vec<(String, String)>, String> {
    dotenvy::from_read_iter(text.as_bytes())
        .map(|item| item.map_err(|e| describe(text, &e)))
        .collect()
}

fn describe(text: &str, error: &dotenvy::Error) -> String {
    match error {
        dotenvy::Error::LineParse(line, column) => {
            let first = line.lines().next().unwrap_or_default();
            let number = text
                .lines()
                .position(|candidate| candidate == first)
                .map_or_else(String::new, |i| format!(" on line {}", i + 1));
            format!("syntax error{number} at column {}", column + 1)
        }
        dotenvy::Error::Io(e) => e.to_string(),
        dotenvy::Error::EnvVar(e) => e.to_string(),
        other => format!("unreadable ({})", std::any::type_name_of_val(other)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn reads_the_common_syntax() {
        let pairs = parse(
            "# comment\nexport A=1\nB='single # not a comment'\nC=\"line\\nbreak\"\n\nD=${A}2\n",
        )
        .unwrap();
        let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        assert_eq!(get("A"), Some("1"));
        assert_eq!(get("B"), Some("single # not a comment"));
        assert_eq!(get("C"), Some("line\nbreak"));
        assert_eq!(get("D"), Some("12"));
    }

    #[test]
    fn syntax_errors_give_the_line_but_not_the_secret() {
        let err = parse("A=1\nSECRET=\"hunter2\n").unwrap_err();
        assert!(err.contains("line 2"), "{err}");
        assert!(!err.contains("hunter2"), "{err}");
        let err = parse("A=1\nnot a pair at all\n").unwrap_err();
        assert!(err.contains("line 2"), "{err}");
    }

    #[test]
    fn a_missing_file_is_a_typed_error_naming_it() {
        let err = read(Path::new("/nonexistent/.env")).unwrap_err();
        assert!(matches!(err, Error::DotEnv { .. }));
        assert!(err.to_string().contains("/nonexistent/.env"), "{err}");
    }

    proptest! {
        #![proptest_config(updraft_testkit::fuzz::config())]
        #[test]
        fn fuzz_dotenv_files_never_panic_nor_quote_their_values(
            junk in "\\PC{0,64}(\n\\PC{0,64}){0,4}",
            lines in proptest::collection::vec(("[A-Za-z_ ]{0,6}", "[=: ]?", "[\"'$\\\\{}# a-z]{0,6}"), 0..6),
        ) {
            // Every value holds the marker: an error must say where, never what.
            let mut text = junk.replace("s3cr3t", "");
            for (key, sign, value) in lines {
                text.extend(["\n", &key, &sign, &value, "s3cr3t", &value]);
            }
            if let Err(reason) = parse(&text) {
                prop_assert!(!reason.contains("s3cr3t"), "{}", reason);
            }
        }
    }
}
