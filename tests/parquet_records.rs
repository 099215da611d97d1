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

/// Whether PySpark can be imported.
fn pyspark() -> bool {
    Command::new("python3")
        .args(["-c", "import pyspark"])
        .output()
        .is_ok_and(|o| o.status.success())
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
    if !pyspark() {
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

/// The Spark SQL examples (`docs/scale/spark/questions.sql`) run in Spark over the records of
/// three runs, as three sensors: the payload that left the EU/EEA and the home country sums to
/// the reports' totals, each row names its inputs' SHA-256, the other questions find what the
/// captures hold, and a capture analysed by two sensors shows each of its flows seen twice.
#[test]
fn spark_sql_questions_on_the_parquet_records_answer_as_the_reports() {
    if !pyspark() {
        return cli::skip("PySpark is not installed (tests/run installs it with a Java runtime)");
    }
    let dir = tempfile::tempdir().unwrap();
    let runs: [(&str, &[&str]); 3] = [
        ("site-a", &["captures/names.pcap"]),
        ("site-b", &["captures/teams-like.pcap"]),
        ("site-c", &["captures/names.pcap"]),
    ];
    let mut reports = Vec::new();
    let mut files = Vec::new();
    for (site, captures) in runs {
        let json = dir.path().join(format!("{site}.json"));
        let parquet = dir.path().join(format!("{site}.parquet"));
        let mut args = vec![
            "--home",
            "SE",
            "--sensor",
            site,
            "--json",
            json.to_str().unwrap(),
            "--parquet",
            parquet.to_str().unwrap(),
        ];
        args.extend_from_slice(captures);
        let run = cli::analyze(&args);
        assert_eq!(run.code, 0, "{}", run.stderr);
        reports.push(serde_json::from_slice::<Value>(&std::fs::read(&json).unwrap()).unwrap());
        files.push(parquet.display().to_string());
    }
    let sql = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/scale/spark/questions.sql");
    let script = format!(
        r#"
import json
from pyspark.sql import SparkSession
spark = (SparkSession.builder.master("local[1]").appName("residency-questions")
         .config("spark.ui.enabled", "false").config("spark.sql.session.timeZone", "UTC")
         .getOrCreate())
spark.sparkContext.setLogLevel("ERROR")
spark.read.parquet(*{files:?}).createOrReplaceTempView("flows")
queries, name, lines = {{}}, None, []
for line in open({sql:?}):
    if line.startswith("-- name: "):
        name, lines = line[len("-- name: "):].strip(), []
        queries[name] = lines
    elif name and not line.startswith("--"):
        lines.append(line)
out = {{n: [r.asDict() for r in spark.sql("".join(q).strip().rstrip(";")).collect()]
        for n, q in queries.items()}}
print(json.dumps(out, default=str))
spark.stop()
"#,
        sql = sql.display().to_string()
    );
    let out = python(&script, "Spark");
    let stdout = String::from_utf8_lossy(&out);
    let line = stdout.lines().last().unwrap_or_default();
    let got: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {stdout}"));
    assert_eq!(got.as_object().unwrap().len(), 5, "{got}");
    let sum = |rows: &Value, key: &str| -> u64 {
        rows.as_array()
            .unwrap()
            .iter()
            .map(|r| r[key].as_u64().unwrap())
            .sum()
    };
    for (query, answer) in [
        ("payload_out_of_the_eu_eea", "left_eu_eea"),
        ("payload_out_of_the_home_country", "left_home"),
    ] {
        let rows = &got[query];
        let want = |key: &str| -> u64 {
            reports
                .iter()
                .map(|r| r["summary"]["answer"][answer]["yes"][key].as_u64().unwrap())
                .sum()
        };
        assert!(want("flows") > 0, "{query}: the captures have such flows");
        assert_eq!(sum(rows, "flows"), want("flows"), "{query}");
        assert_eq!(
            sum(rows, "payload_bytes"),
            want("payload_to_remote"),
            "{query}"
        );
        for row in rows.as_array().unwrap() {
            let inputs = row["inputs"].as_array().unwrap();
            assert!(!inputs.is_empty(), "{query}: {row}");
            assert!(
                inputs.iter().all(|h| h.as_str().unwrap().len() == 64),
                "{row}"
            );
        }
    }
    assert!(
        !got["providers_under_non_eu_law"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert!(
        !got["contradicted_placements"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    // names.pcap by site-a and site-c: each of its flows, twice.
    let twice = got["flows_seen_by_several_sensors"].as_array().unwrap();
    assert_eq!(twice.len(), reports[0]["flows"].as_array().unwrap().len());
    for row in twice {
        assert_eq!(row["sensors"], 2);
        assert_eq!(row["seen_by"], serde_json::json!(["site-a", "site-c"]));
    }
}
