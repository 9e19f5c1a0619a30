//! [`check_emf`]: CloudWatch's Embedded Metric Format rules as assertions, for tests of code
//! that writes EMF. The format's JSON schema is published in AWS's documentation only, not in
//! a registry, so its rules are written out here.

use serde_json::{Map, Value};

/// Parses `line` as one EMF document and checks it against the specification: a root `_aws`
/// object with an integer millisecond `Timestamp` and a non-empty `CloudWatchMetrics` array;
/// each directive with a `Namespace`, `Dimensions` (arrays of at most 30 names, each a string
/// member of the root) and `Metrics` (at most 100, each with a `Name` that is a number or an
/// array of at most 100 numbers at the root, a known `Unit` when given, and a
/// `StorageResolution` of 1 or 60 when given). Returns the document.
///
/// # Errors
///
/// The first rule broken.
pub fn check_emf(line: &str) -> Result<Map<String, Value>, String> {
    let Value::Object(root) = serde_json::from_str::<Value>(line).map_err(|e| e.to_string())?
    else {
        return Err("the document is not a JSON object".into());
    };
    let aws = root
        .get("_aws")
        .and_then(Value::as_object)
        .ok_or("no _aws object")?;
    let timestamp = aws
        .get("Timestamp")
        .and_then(Value::as_u64)
        .ok_or("_aws.Timestamp is not an integer")?;
    // Milliseconds since the epoch: after 2001, before 2286.
    if !(1_000_000_000_000..10_000_000_000_000).contains(&timestamp) {
        return Err(format!("_aws.Timestamp {timestamp} is not in milliseconds"));
    }
    let directives = aws
        .get("CloudWatchMetrics")
        .and_then(Value::as_array)
        .filter(|d| !d.is_empty())
        .ok_or("_aws.CloudWatchMetrics is not a non-empty array")?;
    for directive in directives {
        check_directive(&root, directive)?;
    }
    Ok(root)
}

const UNITS: [&str; 27] = [
    "Seconds",
    "Microseconds",
    "Milliseconds",
    "Bytes",
    "Kilobytes",
    "Megabytes",
    "Gigabytes",
    "Terabytes",
    "Bits",
    "Kilobits",
    "Megabits",
    "Gigabits",
    "Terabits",
    "Percent",
    "Count",
    "Bytes/Second",
    "Kilobytes/Second",
    "Megabytes/Second",
    "Gigabytes/Second",
    "Terabytes/Second",
    "Bits/Second",
    "Kilobits/Second",
    "Megabits/Second",
    "Gigabits/Second",
    "Terabits/Second",
    "Count/Second",
    "None",
];

fn check_directive(root: &Map<String, Value>, directive: &Value) -> Result<(), String> {
    let namespace = directive
        .get("Namespace")
        .and_then(Value::as_str)
        .filter(|n| !n.is_empty() && n.len() <= 255)
        .ok_or("a directive has no Namespace of 1 to 255 characters")?;
    let sets = directive
        .get("Dimensions")
        .and_then(Value::as_array)
        .ok_or(format!("{namespace}: Dimensions is not an array"))?;
    for set in sets {
        let names = set
            .as_array()
            .ok_or(format!("{namespace}: a dimension set is not an array"))?;
        if names.len() > 30 {
            return Err(format!(
                "{namespace}: a dimension set has {} names",
                names.len()
            ));
        }
        for name in names {
            let name = name.as_str().ok_or("a dimension name is not a string")?;
            if !root.get(name).is_some_and(Value::is_string) {
                return Err(format!(
                    "dimension {name:?} is not a string member of the root"
                ));
            }
        }
    }
    let metrics = directive
        .get("Metrics")
        .and_then(Value::as_array)
        .ok_or(format!("{namespace}: Metrics is not an array"))?;
    if metrics.len() > 100 {
        return Err(format!(
            "{namespace}: {} metrics in one directive",
            metrics.len()
        ));
    }
    for metric in metrics {
        check_metric(root, metric)?;
    }
    Ok(())
}

fn check_metric(root: &Map<String, Value>, metric: &Value) -> Result<(), String> {
    let name = metric
        .get("Name")
        .and_then(Value::as_str)
        .filter(|n| !n.is_empty() && n.chars().count() <= 1024)
        .ok_or("a metric has no Name")?;
    if let Some(unit) = metric.get("Unit")
        && !unit.as_str().is_some_and(|u| UNITS.contains(&u))
    {
        return Err(format!("metric {name:?}: unknown Unit {unit}"));
    }
    if let Some(resolution) = metric.get("StorageResolution")
        && !matches!(resolution.as_u64(), Some(1 | 60))
    {
        return Err(format!("metric {name:?}: StorageResolution {resolution}"));
    }
    match root.get(name) {
        Some(Value::Number(_)) => Ok(()),
        Some(Value::Array(values))
            if !values.is_empty() && values.len() <= 100 && values.iter().all(Value::is_number) =>
        {
            Ok(())
        }
        Some(other) => Err(format!("metric {name:?} is {other}, not 1 to 100 numbers")),
        None => Err(format!("metric {name:?} is not a member of the root")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"{"_aws":{"Timestamp":1764780000000,"CloudWatchMetrics":[{"Namespace":"Shop","Dimensions":[["service"]],"Metrics":[{"Name":"Orders","Unit":"Count"},{"Name":"Latency","Unit":"Milliseconds","StorageResolution":1}]}]},"service":"orders","Orders":3,"Latency":[1.5,2.5]}"#;

    #[test]
    fn a_valid_document_passes_and_each_broken_rule_is_named() {
        assert_eq!(check_emf(GOOD).unwrap()["Orders"], 3);
        let broken = [
            (GOOD.replace("1764780000000", "1764780000"), "milliseconds"),
            (GOOD.replace(r#""Namespace":"Shop","#, ""), "Namespace"),
            (
                GOOD.replace(r#""service":"orders","#, ""),
                "dimension \"service\"",
            ),
            (
                GOOD.replace(r#""Orders":3,"#, ""),
                "metric \"Orders\" is not",
            ),
            (
                GOOD.replace(r#""Orders":3"#, r#""Orders":"3""#),
                "not 1 to 100 numbers",
            ),
            (GOOD.replace("\"Count\"", "\"Counts\""), "unknown Unit"),
            (
                GOOD.replace("\"StorageResolution\":1", "\"StorageResolution\":5"),
                "StorageResolution",
            ),
            (GOOD.replace("_aws", "aws"), "no _aws"),
            ("[1]".to_owned(), "not a JSON object"),
        ];
        for (document, reason) in broken {
            let err = check_emf(&document).unwrap_err();
            assert!(err.contains(reason), "{document}: {err}");
        }
        let many: Vec<String> = (0..101).map(|n| format!(r#"{{"Name":"m{n}"}}"#)).collect();
        let wide = format!(
            r#"{{"_aws":{{"Timestamp":1764780000000,"CloudWatchMetrics":[{{"Namespace":"S","Dimensions":[[]],"Metrics":[{}]}}]}}}}"#,
            many.join(",")
        );
        assert!(check_emf(&wide).unwrap_err().contains("101 metrics"));
    }
}
