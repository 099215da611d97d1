//! Running the real `residency` binary from the integration tests, as a user would.
// Each test binary that includes this module uses only part of it.
#![allow(dead_code)]

#[path = "../schema/mod.rs"]
pub mod schema;

use serde_json::Value;
use std::io::Write;
use std::path::PathBuf;
use std::process::Command;

/// True under `CI=true`, where a test that cannot compare fails instead of skipping.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// Says why a test (or a part of one) compares nothing, because something it needs is missing
/// here (the shared captures, tshark, chromium, root for namespaces): on standard output, and
/// on standard error directly, so that it shows even when the test harness captures the output.
///
/// Under `CI=true` it fails the test instead: CI installs every tool and has the shared
/// captures (tests/run), so a skip there would be a check that silently stopped checking.
pub fn skip(reason: &str) {
    if in_ci() {
        panic!("CI=true refuses to skip: {reason}");
    }
    println!("SKIPPED: {reason}");
    let _ = writeln!(std::io::stderr(), "SKIPPED: {reason}");
}

/// Says why one case is left out of a comparison on purpose, everywhere, CI included: the
/// oracle itself has no answer for it (tshark refuses a deliberately broken capture). Not for
/// anything missing from the machine: that is [`skip`].
pub fn excluded(reason: &str) {
    println!("EXCLUDED: {reason}");
    let _ = writeln!(std::io::stderr(), "EXCLUDED: {reason}");
}

/// The folder of the real captures from a public DPI test suite: `RESIDENCY_NDPI_CAPTURES`
/// when set, else `../shared/captures` beside the project.
pub fn shared_dir() -> PathBuf {
    std::env::var_os("RESIDENCY_NDPI_CAPTURES")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/captures"))
}

/// The shared capture `name` (see [`shared_dir`]), or `None` after saying (with [`skip`])
/// that it is absent.
pub fn shared_capture(name: &str) -> Option<PathBuf> {
    let path = shared_dir().join(name);
    if path.is_file() {
        Some(path)
    } else {
        skip(&format!(
            "{} is not here (real captures from a public DPI test suite)",
            path.display()
        ));
        None
    }
}

/// What one run printed and how it ended.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Standard output as JSON (null when it is not JSON), checked against
    /// docs/report.schema.json when it is a report, in the shape of report/1 (`denormalise`).
    pub fn json(&self) -> Value {
        let raw = self.raw_json();
        if raw["schema"] == "residency.report/2" {
            if let Err(e) = schema::validate_report(&raw) {
                panic!("the report does not match docs/report.schema.json:\n{e}");
            }
            return denormalise(&raw);
        }
        raw
    }

    /// Standard output as JSON, as written.
    pub fn raw_json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or(Value::Null)
    }
}

/// Run `residency ARGS...` from the project root.
pub fn residency(args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_residency"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run residency");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// `residency analyze ARGS...`.
pub fn analyze(args: &[&str]) -> Run {
    residency(&[&["analyze"], args].concat())
}

/// The report's flow whose server is `ip`.
pub fn flow_to<'a>(report: &'a Value, ip: &str) -> &'a Value {
    report["flows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["server"]["ip"] == ip)
        .unwrap_or_else(|| panic!("no flow to {ip}"))
}

/// Check a report against docs/report.schema.json.
pub fn schema_check(report: &Value) -> Result<(), String> {
    schema::validate_report(report)
}

/// The address entry of `ip` (its first part).
pub fn address<'a>(report: &'a Value, ip: &str) -> &'a Value {
    report["addresses"]
        .as_array()
        .and_then(|a| a.iter().find(|e| e["ip"] == ip))
        .unwrap_or(&Value::Null)
}

/// The report in the shape of `residency.report/1`, rebuilt from the normalised
/// `residency.report/2`: each flow gets its address's `server_geo`, `provider`,
/// `jurisdiction` and `physics` (from the flow's vantage) back, and the summary its
/// `destinations` and `physics.destinations` lists. That every test written against the old
/// shape still passes on this view is the proof that the normalisation lost nothing.
pub fn denormalise(report: &Value) -> Value {
    let mut r = report.clone();
    let addresses: Vec<Value> = report["addresses"].as_array().cloned().unwrap_or_default();
    let find = |ip: &str| addresses.iter().find(|a| a["ip"] == ip);
    // Vantage label of each input.
    let vantage_of = |input: u64| -> Option<String> {
        report["summary"]["physics"]["vantages"]
            .as_array()?
            .iter()
            .find(|v| {
                v["inputs"]
                    .as_array()
                    .is_some_and(|i| i.iter().any(|n| n.as_u64() == Some(input)))
            })
            .and_then(|v| v["vantage"].as_str().map(str::to_string))
    };
    if let Some(flows) = r["flows"].as_array_mut() {
        for f in flows.iter_mut() {
            let Some(a) = f["address"].as_str().and_then(find).cloned() else {
                for k in ["server_geo", "provider", "jurisdiction", "physics"] {
                    f[k] = Value::Null;
                }
                continue;
            };
            f["server_geo"] = a["geo"].clone();
            f["provider"] = a["provider"].clone();
            f["jurisdiction"] = a["jurisdiction"].clone();
            // The flow's vantage: that of its own fastest answer, else of its first packet.
            let input = f["rtt"]["request"]["input"]
                .as_u64()
                .or_else(|| f["first_packet"]["input"].as_u64())
                .unwrap_or(0);
            let vantage = vantage_of(input);
            let physics = a["physics"].as_array().and_then(|p| {
                p.iter()
                    .find(|e| e["vantage"].as_str().map(str::to_string) == vantage)
                    .or_else(|| p.first())
            });
            f["physics"] = physics.cloned().unwrap_or(Value::Null);
        }
        flows.sort_by_key(|f| f["id"].as_u64());
    }
    let mut destinations: Vec<Value> = addresses
        .iter()
        .map(|a| {
            serde_json::json!({
                "ip": a["ip"],
                "hostnames": a["hostnames"],
                "services": a["services"],
                "flows": a["flows"],
                "packets": a["packets"],
                "bytes_to": a["bytes_to"],
                "bytes_from": a["bytes_from"],
                "country": a["geo"]["country"],
                "asn": a["geo"]["asn"],
                "as_org": a["geo"]["as_org"],
                "provider": a["provider"]["name"],
                "jurisdiction": a["provider"]["jurisdiction"],
                "zone": a["jurisdiction"]["zone"],
                "disputed": !a["geo"]["agree"].as_bool().unwrap_or(true),
            })
        })
        .collect();
    let bytes =
        |d: &Value| d["bytes_to"].as_u64().unwrap_or(0) + d["bytes_from"].as_u64().unwrap_or(0);
    destinations.sort_by(|a, b| {
        bytes(b)
            .cmp(&bytes(a))
            .then_with(|| a["ip"].as_str().cmp(&b["ip"].as_str()))
    });
    r["summary"]["destinations"] = Value::Array(destinations);
    let mut rows: Vec<Value> = Vec::new();
    for a in &addresses {
        for p in a["physics"].as_array().into_iter().flatten() {
            if p["rtt_ms"].is_null() {
                continue;
            }
            let contradicted: Vec<Value> = p["claims"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|c| c["contradicted"] == true)
                .map(|c| {
                    Value::String(format!(
                        "{}={}",
                        c["db"].as_str().unwrap_or(""),
                        c["country"].as_str().unwrap_or("")
                    ))
                })
                .collect();
            rows.push(serde_json::json!({
                "ip": a["ip"],
                "vantage": p["vantage"].as_str().unwrap_or("-"),
                "country": p["country"],
                "rtt_ms": p["rtt_ms"],
                "rtt_source": p["rtt_source"],
                "rtt_flow": p["rtt_flow"],
                "samples": p["samples"],
                "max_distance_km": p["max_distance_km"],
                "claim_distance_km": p["claim_distance_km"],
                "verdict": p["verdict"],
                "within_eu_eea": p["within_eu_eea"],
                "contradicted": contradicted,
                "feasible": if p["feasible"].is_null() { serde_json::json!([]) } else { p["feasible"].clone() },
                "likely": if p["likely"].is_null() { serde_json::json!([]) } else { p["likely"].clone() },
                "anycast": p["anycast"]["reason"],
                "bytes_to": p["bytes_to"],
                "bytes_from": p["bytes_from"],
            }));
        }
    }
    rows.sort_by(|a, b| {
        a["rtt_ms"]
            .as_f64()
            .unwrap_or(0.0)
            .total_cmp(&b["rtt_ms"].as_f64().unwrap_or(0.0))
            .then_with(|| a["ip"].as_str().cmp(&b["ip"].as_str()))
            .then_with(|| a["vantage"].as_str().cmp(&b["vantage"].as_str()))
    });
    r["summary"]["physics"]["destinations"] = Value::Array(rows);
    r
}

/// `value` without null members, recursively: how report/2 writes absent values (left out)
/// compared with report/1 (null).
pub fn compact(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), compact(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(compact).collect()),
        other => other.clone(),
    }
}
