//! `--parquet` read back by a real engine (DuckDB, from PyPI; `tests/run` installs it): the
//! file's totals equal the JSON report's of the same run.
#![cfg(feature = "parquet")]

mod cli;

use serde_json::Value;
use std::path::Path;
use std::process::Command;

/// DuckDB from Python, or why not.
fn duckdb() -> Result<(), String> {
    let out = Command::new("python3")
        .args(["-c", "import duckdb; print(duckdb.__version__)"])
        .output()
        .map_err(|e| format!("python3: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err("the Python package duckdb is not installed (tests/run installs it)".to_string())
    }
}

/// Run a DuckDB query over `file` (as table `f`); the rows as JSON.
fn query(file: &Path, sql: &str) -> Value {
    let script = format!(
        "import duckdb, json\ncon = duckdb.connect()\ncon.execute(\"CREATE VIEW f AS SELECT * FROM read_parquet('{}')\")\nprint(json.dumps(con.execute({sql:?}).fetchall(), default=str))",
        file.display()
    );
    serde_json::from_slice(&python(&script, "duckdb")).expect("JSON rows")
}

/// Run a Python script; its standard output (`engine` names it in a failure).
fn python(script: &str, engine: &str) -> Vec<u8> {
    let out = Command::new("python3")
        .args(["-c", script])
        .output()
        .expect("python3");
    assert!(
        out.status.success(),
        "{engine} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn check(captures: &[&str], extra: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("r.json");
    let parquet = dir.path().join("f.parquet");
    let mut args = vec![
        "analyze".to_string(),
        "--json".into(),
        json.display().to_string(),
        "--parquet".into(),
        parquet.display().to_string(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    args.extend(captures.iter().map(|s| s.to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let run = cli::residency(&args);
    assert!(matches!(run.code, 0 | 3), "{}", run.stderr);
    let report: Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    let s = &report["summary"];
    let rows = query(
        &parquet,
        "SELECT count(*), sum(\"network.bytes\"), sum(\"network.packets\"), \
         count(DISTINCT \"network.community_id\") FROM f",
    );
    let flows = report["flows"].as_array().unwrap();
    let distinct_ids: std::collections::BTreeSet<&str> = flows
        .iter()
        .map(|f| f["community_id"].as_str().unwrap())
        .collect();
    assert_eq!(
        rows[0],
        serde_json::json!([
            flows.len(),
            s["bytes"],
            s["packets"]["in_flows"],
            distinct_ids.len()
        ]),
        "{captures:?}"
    );
    // What went to and came from remote destinations: outbound and external flows send to
    // their server, inbound ones to their client.
    let remote = query(
        &parquet,
        "SELECT coalesce(sum(CASE WHEN \"Residency.remote\" = 'server' THEN \"source.bytes\" \
         WHEN \"Residency.remote\" = 'client' THEN \"destination.bytes\" END), 0), \
         coalesce(sum(CASE WHEN \"Residency.remote\" = 'server' THEN \"destination.bytes\" \
         WHEN \"Residency.remote\" = 'client' THEN \"source.bytes\" END), 0) FROM f",
    );
    assert_eq!(
        remote[0],
        serde_json::json!([s["bytes_to_remote"], s["bytes_from_remote"]]),
        "{captures:?}"
    );
    // Answered flows by zone equal the summary's (flows never answered are counted apart).
    let zones = query(
        &parquet,
        "SELECT \"Residency.destination.zone\", count(*) FROM f \
         WHERE \"Residency.destination.zone\" IS NOT NULL AND \"Residency.answer.answered\" \
         GROUP BY 1 ORDER BY 1",
    );
    for row in zones.as_array().unwrap() {
        let zone = row[0].as_str().unwrap();
        assert_eq!(
            row[1], s["placement"]["by_zone"][zone]["flows"],
            "{captures:?} zone {zone}"
        );
    }
    // The payload of answered remote flows is the headline's total, however it splits into
    // yes, no and unknown.
    let payload = query(
        &parquet,
        "SELECT coalesce(sum(\"Residency.answer.payload_to_remote\"), 0), count(*) FROM f \
         WHERE \"Residency.remote\" IS NOT NULL AND \"Residency.answer.answered\"",
    );
    let a = &s["answer"]["left_eu_eea"];
    let total = |k: &str| -> u64 {
        ["yes", "no", "unknown"]
            .iter()
            .map(|l| a[l][k].as_u64().unwrap())
            .sum()
    };
    assert_eq!(
        payload[0],
        serde_json::json!([total("payload_to_remote"), total("flows")]),
        "{captures:?}"
    );
    // Flow ids: one row per flow of the report.
    let ids = query(&parquet, "SELECT \"Residency.flow_id\" FROM f ORDER BY 1");
    let mut want: Vec<u64> = flows.iter().map(|f| f["id"].as_u64().unwrap()).collect();
    want.sort_unstable();
    let got: Vec<u64> = ids
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r[0].as_u64().unwrap())
        .collect();
    assert_eq!(got, want);
}

#[test]
fn parquet_totals_equal_the_reports() {
    if let Err(why) = duckdb() {
        return cli::skip(&why);
    }
    check(&["captures/teams-like.pcap"], &["--home", "SE"]);
    check(&["captures/rtt.pcap"], &["--vantage", "Stockholm"]);
    check(
        &["captures/names.pcap", "captures/tunnels.pcap"],
        &["--home", "SE"],
    );
    let shared = cli::shared_dir().join("teams.pcap");
    if shared.is_file() {
        check(&[shared.to_str().unwrap()], &["--home", "IT"]);
    } else {
        cli::skip(&format!(
            "{} is absent: checked on the shipped captures only",
            shared.display()
        ));
    }
}

#[test]
fn the_same_capture_gives_the_same_parquet_file() {
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for i in 0..2 {
        let path = dir.path().join(format!("f{i}.parquet"));
        let run = cli::analyze(&["--parquet", path.to_str().unwrap(), "captures/names.pcap"]);
        assert_eq!(run.code, 0);
        files.push(std::fs::read(&path).unwrap());
    }
    assert!(files[0] == files[1]);
    assert!(files[0].starts_with(b"PAR1") && files[0].ends_with(b"PAR1"));
}

/// Apache Spark (PySpark from PyPI, with a Java runtime; `tests/run` installs both) reads the
/// file as it is, with no setting (it refuses nanosecond timestamps, so they are microseconds),
/// and its totals equal the report's: flows, bytes, packets, the sensor's name on every row,
/// and the earliest flow start, to the microsecond.
#[test]
fn spark_reads_the_parquet_file() {
    let probe = Command::new("python3")
        .args(["-c", "import pyspark"])
        .output()
        .map(|o| o.status.success());
    if !probe.unwrap_or(false) {
        return cli::skip("PySpark is not installed (tests/run installs it with a Java runtime)");
    }
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("r.json");
    let parquet = dir.path().join("f.parquet");
    let run = cli::analyze(&[
        "--home",
        "SE",
        "--sensor",
        "site-a",
        "--json",
        json.to_str().unwrap(),
        "--parquet",
        parquet.to_str().unwrap(),
        "captures/names.pcap",
        "captures/tunnels.pcap",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let script = format!(
        r#"
import json
from pyspark.sql import SparkSession, functions as F
spark = (SparkSession.builder.master("local[1]").appName("residency-test")
         .config("spark.ui.enabled", "false").config("spark.sql.session.timeZone", "UTC")
         .getOrCreate())
spark.sparkContext.setLogLevel("ERROR")
f = spark.read.parquet({path:?})
row = f.agg(F.count(F.lit(1)).alias("flows"),
            F.sum(F.col("`network.bytes`")).cast("long").alias("bytes"),
            F.sum(F.col("`network.packets`")).cast("long").alias("packets"),
            F.countDistinct(F.col("`observer.name`")).alias("sensors"),
            F.min(F.col("`observer.name`")).alias("sensor"),
            F.date_format(F.min(F.col("`@timestamp`")), "yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'").alias("first")
            ).collect()[0]
print(json.dumps(row.asDict()))
spark.stop()
"#,
        path = parquet.display().to_string()
    );
    let out = python(&script, "Spark");
    let stdout = String::from_utf8_lossy(&out);
    let line = stdout.lines().last().unwrap_or_default();
    let got: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {stdout}"));
    let report: Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    let s = &report["summary"];
    let flows = report["flows"].as_array().unwrap();
    let first = flows
        .iter()
        .map(|f| f["first_seen"].as_str().unwrap())
        .min()
        .unwrap();
    assert_eq!(got["flows"], flows.len());
    assert_eq!(got["bytes"], s["bytes"]);
    assert_eq!(got["packets"], s["packets"]["in_flows"]);
    assert_eq!(got["sensors"], 1);
    assert_eq!(got["sensor"], "site-a");
    // The report's times have the capture's digits (6 here); Spark's, microseconds.
    assert_eq!(got["first"], first, "{first}");
}
