//! Reading and comparing the reports, records and frames of the live tests.

use crate::cli;
use crate::pcapng_copy::read_all;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A shipped capture.
pub fn capture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("captures")
        .join(name)
}

/// A report written to `path`, checked against docs/report.schema.json.
pub fn read_report(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let report: Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: not JSON: {e}", path.display()));
    if let Err(e) = cli::schema_check(&report) {
        panic!(
            "{} does not match docs/report.schema.json:\n{e}",
            path.display()
        );
    }
    report
}

/// `residency analyze INPUTS --json - --home SE EXTRA`, its report checked against the schema.
pub fn analyze_json(inputs: &[&str], extra: &[&str]) -> Value {
    let args: Vec<&str> = [inputs, &["--json", "-", "--home", "SE"], extra].concat();
    let run = cli::analyze(&args);
    assert_eq!(run.code, 0, "analyze {inputs:?}: {}", run.stderr);
    let report = run.raw_json();
    if let Err(e) = cli::schema_check(&report) {
        panic!("analyze {inputs:?}: the report does not match the schema:\n{e}");
    }
    report
}

/// A flow's packets both ways.
pub fn packets_of(facts: &Value) -> u64 {
    facts["packets"]["to_server"].as_u64().unwrap_or(0)
        + facts["packets"]["to_client"].as_u64().unwrap_or(0)
}

/// Each flow of `report` by `transport client -> server`, with what a replay must keep: its
/// packets, bytes and payload each way, how it ended, its name (and where the name came
/// from), its service, and its server's country and provider. Not its times or round trips.
pub fn flows_by_key(report: &Value) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    for f in report["flows"].as_array().expect("flows") {
        let endpoint = |e: &Value| format!("{}:{}", e["ip"].as_str().unwrap(), e["port"]);
        let key = format!(
            "{} {} -> {}",
            f["transport"].as_str().unwrap(),
            endpoint(&f["client"]),
            endpoint(&f["server"])
        );
        let address = cli::address(report, f["address"].as_str().unwrap_or(""));
        let facts = serde_json::json!({
            "packets": f["packets"],
            "bytes": f["bytes"],
            "payload": f["payload"],
            "end": f["end"],
            "hostname": f["hostname"]["name"],
            "name_source": f["hostname"]["source"],
            "service": f["service"],
            "country": address["geo"]["country"],
            "provider": address["provider"]["name"],
        });
        assert!(
            out.insert(key.clone(), facts).is_none(),
            "two flows {key} in one report"
        );
    }
    out
}

/// The NDJSON flow records of `path`, less where they say their packets came from
/// (`Residency.evidence.input_path` and `input_sha256`), after checking those are `path` and
/// `sha256` (absent when `None`).
pub fn ndjson_without_input(path: &Path, input: Option<&str>, sha256: Option<&str>) -> Vec<Value> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .map(|line| {
            let mut record: Value = serde_json::from_str(line).expect("an NDJSON record");
            let evidence = record["Residency"]["evidence"]
                .as_object_mut()
                .expect("Residency.evidence");
            let path_said = evidence.remove("input_path");
            let sha_said = evidence.remove("input_sha256");
            assert_eq!(path_said.as_ref().and_then(Value::as_str), input);
            assert_eq!(sha_said.as_ref().and_then(Value::as_str), sha256);
            record
        })
        .collect()
}

/// The frames of `copy` (the live run's --write-pcap) are those of `original`: the same bytes
/// and wire lengths, in the same order (the times are the replay's).
pub fn same_frames(original: &Path, copy: &Path) {
    let (a, _) = read_all(original).expect("the original reads whole");
    let (b, kind) = read_all(copy).expect("the copy reads whole");
    assert_eq!(kind.digits, 9, "libpcap on Linux gives nanoseconds");
    assert_eq!(a.len(), b.len(), "frames in {}", copy.display());
    for (i, (x, y)) in a.iter().zip(&b).enumerate() {
        assert_eq!(
            (&x.1, x.2),
            (&y.1, y.2),
            "frame {} of {} differs in the copy",
            i + 1,
            original.display()
        );
    }
}
