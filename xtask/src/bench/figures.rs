//! The figures read from criterion benches: paired ratios written by the benches themselves,
//! and criterion medians.

use std::path::Path;
use std::process::Command;

use crate::process::run;
use crate::servers::Layout;
use crate::{Result, fail};

/// The paired ratios of item encoding and decoding, Updraft ÷ `serde_dynamo`.
pub(super) fn dynamo_codec(layout: &Layout) -> Result<()> {
    let directory = criterion_bench(layout, "bench-dynamo", "codec")?.join("dynamo");
    let read = |name: &str| -> Result<f64> {
        std::fs::read_to_string(directory.join(name))?
            .trim()
            .parse()
            .map_err(|_| fail(format!("the dynamo bench wrote no {name}")))
    };
    eprintln!(
        "dynamo: encode {:.2} µs vs serde_dynamo {:.2} µs, decode {:.2} µs vs {:.2} µs (criterion medians; decode includes cloning the input)",
        median(&directory.join("encode-updraft"))? / 1000.0,
        median(&directory.join("encode-serde_dynamo"))? / 1000.0,
        median(&directory.join("decode-updraft"))? / 1000.0,
        median(&directory.join("decode-serde_dynamo"))? / 1000.0
    );
    #[allow(clippy::print_stdout, reason = "the figures are the command's output")]
    {
        println!("RATIO dynamo-encode {:.3}", read("encode-ratio")?);
        println!("RATIO dynamo-decode {:.3}", read("decode-ratio")?);
    }
    Ok(())
}

/// The paired ratio of a typed invocation to a bare SDK call.
pub(super) fn invoke_overhead(layout: &Layout) -> Result<()> {
    let directory = criterion_bench(layout, "updraft-invoke", "overhead")?.join("invoke");
    let ratio: f64 = std::fs::read_to_string(directory.join("overhead-ratio"))?
        .trim()
        .parse()
        .map_err(|_| fail("the invoke bench wrote no ratio"))?;
    eprintln!(
        "invoke-overhead: LambdaInvoker::invoke {:.1} µs, bare aws-sdk-lambda {:.1} µs (criterion medians, local canned server)",
        median(&directory.join("invoke-updraft"))? / 1000.0,
        median(&directory.join("invoke-bare-sdk"))? / 1000.0
    );
    #[allow(clippy::print_stdout, reason = "the figures are the command's output")]
    {
        println!("RATIO invoke-overhead {ratio:.3}");
    }
    Ok(())
}

/// The per-invocation cost of recording 10 metrics: `RATIO metrics-overhead` (÷ an empty
/// handler, paired rounds) and `NS metrics-10-added`.
pub(super) fn metrics_overhead(layout: &Layout) -> Result<()> {
    let directory = criterion_bench(layout, "updraft-metrics", "overhead")?.join("metrics");
    let read = |name: &str| -> Result<f64> {
        std::fs::read_to_string(directory.join(name))?
            .trim()
            .parse()
            .map_err(|_| fail(format!("the metrics bench wrote no {name}")))
    };
    let (ratio, added) = (read("overhead-ratio")?, read("added-ns")?);
    eprintln!(
        "metrics-overhead: an invocation recording 10 metrics {:.2} µs, an empty one {:.2} µs (criterion medians, invoke context, documents to a sink)",
        median(&directory.join("ten-metrics"))? / 1000.0,
        median(&directory.join("empty-handler"))? / 1000.0
    );
    #[allow(clippy::print_stdout, reason = "the figures are the command's output")]
    {
        println!("RATIO metrics-overhead {ratio:.3}");
        println!("NS metrics-10-added {added:.0}");
    }
    Ok(())
}

/// The cost of checking requests against an OpenAPI spec: the same handlers with and without
/// a spec, through the whole Lambda service.
pub(super) fn openapi_validation(layout: &Layout) -> Result<()> {
    let directory = criterion_bench(layout, "bench-contexts", "openapi")?.join("openapi");
    let read = |name: &str| -> Result<f64> {
        std::fs::read_to_string(directory.join(name))?
            .trim()
            .parse()
            .map_err(|_| fail(format!("the openapi bench wrote no {name}")))
    };
    eprintln!(
        "openapi-validation: POST /pets with a JSON body {:.2} µs checked, {:.2} µs without a spec; GET /pets/{{petId}}?verbose=true {:.2} µs, {:.2} µs (criterion medians); GET ratio {:.3}",
        median(&directory.join("post-checked"))? / 1000.0,
        median(&directory.join("post-plain"))? / 1000.0,
        median(&directory.join("get-checked"))? / 1000.0,
        median(&directory.join("get-plain"))? / 1000.0,
        read("get-ratio")?
    );
    #[allow(clippy::print_stdout, reason = "the figures are the command's output")]
    {
        println!("RATIO openapi-validation {:.3}", read("post-ratio")?);
        println!(
            "NS openapi-validation-post-added {:.0}",
            read("post-added-ns")?
        );
        println!(
            "NS openapi-validation-get-added {:.0}",
            read("get-added-ns")?
        );
    }
    Ok(())
}

/// The criterion median of a cached secret read.
pub(super) fn secrets_cache_hit(layout: &Layout) -> Result<()> {
    let criterion = criterion_bench(layout, "bench-secrets", "cache")?.join("secrets");
    let hit = median(&criterion.join("cache-hit"))?;
    eprintln!(
        "secrets-cache-hit: with a prebuilt Request {:.0} ns; a bare RwLock<HashMap> lookup {:.0} ns (for scale)",
        median(&criterion.join("cache-hit-request"))?,
        median(&criterion.join("bare-map"))?
    );
    #[allow(clippy::print_stdout, reason = "the figures are the command's output")]
    {
        println!("NS secrets-cache-hit {hit:.0}");
    }
    Ok(())
}

/// The criterion median of signing one RDS IAM token.
pub(super) fn rds_token(layout: &Layout) -> Result<()> {
    let criterion = criterion_bench(layout, "updraft-rds-iam-auth", "token")?.join("rds");
    let token = median(&criterion.join("token"))?;
    eprintln!(
        "rds-token: the bare aws_sdk_rds AuthTokenGenerator it wraps {:.0} ns (for scale)",
        median(&criterion.join("sdk-token"))?
    );
    #[allow(clippy::print_stdout, reason = "the figures are the command's output")]
    {
        println!("NS rds-token {token:.0}");
    }
    Ok(())
}

/// Runs `cargo bench -p <package> --bench <bench>`; returns the criterion output directory.
pub(super) fn criterion_bench(
    layout: &Layout,
    package: &str,
    bench: &str,
) -> Result<std::path::PathBuf> {
    eprintln!("xtask: cargo bench -p {package} --bench {bench}");
    run(Command::new(env!("CARGO"))
        .current_dir(&layout.root)
        .args(["bench", "-p", package, "--bench", bench]))?;
    Ok(layout
        .servers
        .parent()
        .map_or_else(|| layout.root.join("target"), Path::to_path_buf)
        .join("criterion"))
}

/// The median point estimate, in nanoseconds, of a criterion benchmark's last run.
pub(super) fn median(bench: &Path) -> Result<f64> {
    let path = bench.join("new/estimates.json");
    let text =
        std::fs::read_to_string(&path).map_err(|e| fail(format!("{}: {e}", path.display())))?;
    parse_median(&text).ok_or_else(|| fail(format!("no median in {}", path.display())))
}

pub(super) fn parse_median(estimates: &str) -> Option<f64> {
    let after = &estimates[estimates.find("\"median\"")?..];
    let value = &after[after.find("\"point_estimate\":")? + "\"point_estimate\":".len()..];
    let end = value.find([',', '}'])?;
    value[..end].trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_criterion_medians() {
        let estimates = r#"{"mean":{"confidence_interval":{"confidence_level":0.95,"lower_bound":1.0,"upper_bound":2.0},"point_estimate":1.5,"standard_error":0.1},"median":{"confidence_interval":{"confidence_level":0.95,"lower_bound":11000.5,"upper_bound":12000.0},"point_estimate":11505.25,"standard_error":3.0}}"#;
        assert_eq!(parse_median(estimates), Some(11505.25));
        assert_eq!(parse_median("{}"), None);
    }
}
