//! Elastic Common Schema conformance of residency's per-flow NDJSON records (`--flows PATH`),
//! with the checker of `tests/ecs/` on ECS's own field definitions (fetched by `tests/run`;
//! see there).

mod cli;
mod ecs;

use ecs::{EcsDefinitions, check_records, real_definitions};
use std::process::Command;

#[test]
fn real_definitions_read() {
    let Some(ecs) = real_definitions() else {
        return;
    };
    // ECS 9.4.0 lists 2,605 fields; a few that the flow records use, with their types.
    assert!(ecs.fields.len() > 2000, "{}", ecs.fields.len());
    for (name, ty) in [
        ("@timestamp", "date"),
        ("source.ip", "ip"),
        ("destination.as.number", "long"),
        ("network.community_id", "keyword"),
        ("destination.geo.location", "geo_point"),
    ] {
        assert_eq!(ecs.fields[name].kind, ty, "{name}");
    }
    assert!(ecs.fields["@timestamp"].required);
    assert!(ecs.fields["event.category"].array);
}

/// A record with every field the flow records are planned to carry, as the lead listed them:
/// the plan itself must be ECS.
#[test]
fn planned_record_is_ecs() {
    let Some(ecs) = real_definitions() else {
        return;
    };
    let record = serde_json::json!({
        "@timestamp": "2024-03-01T09:00:00.123456Z",
        "ecs": {"version": "9.4.0"},
        "event": {
            "kind": "event",
            "category": ["network"],
            "type": ["connection", "end"],
            "start": "2024-03-01T09:00:00.123456Z",
            "end": "2024-03-01T09:00:05Z",
            "duration": 4_876_544_000_i64
        },
        "source": {"ip": "192.168.1.10", "port": 50000, "bytes": 1200, "packets": 10},
        "destination": {
            "ip": "52.112.0.1", "port": 443, "bytes": 64000, "packets": 50,
            "domain": "teams.microsoft.com",
            "geo": {"country_iso_code": "NL", "location": {"lat": 52.37, "lon": 4.89}},
            "as": {"number": 8075, "organization": {"name": "Microsoft Corporation"}}
        },
        "network": {
            "transport": "udp", "iana_number": "17", "bytes": 65200, "packets": 60,
            "community_id": "1:wCb3OG7yAFWelaUydu0D+125CLM=", "direction": "outbound",
            "type": "ipv4"
        },
        "server": {"domain": "teams.microsoft.com"},
        "tls": {"client": {"server_name": "teams.microsoft.com"}},
        "observer": {"type": "sensor", "product": "residency", "version": "0.1.0",
                     "hostname": "laptop", "geo": {"country_iso_code": "DE"}},
        "Residency": {"flow": {"id": 7, "client_by": "syn"}, "feasible": ["NL", "DE"]}
    });
    let problems = check_records(&record.to_string(), &ecs);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// `residency analyze --flows` on a capture: every record must be ECS.
#[test]
fn flow_records_are_ecs() {
    let Some(ecs) = real_definitions() else {
        return;
    };
    let out =
        std::env::temp_dir().join(format!("residency-ecs-flows-{}.ndjson", std::process::id()));
    let run = Command::new(env!("CARGO_BIN_EXE_residency"))
        .arg("analyze")
        .arg("--flows")
        .arg(&out)
        .arg("captures/teams-like.pcap")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run residency");
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "residency failed: {stderr}");
    let text = std::fs::read_to_string(&out).expect("read the --flows output");
    let _ = std::fs::remove_file(&out);
    assert!(!text.trim().is_empty(), "--flows wrote no record");
    let problems = check_records(&text, &ecs);
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

// ---------------------------------------------------------------------------------------
// The checker itself, on hand-written definitions in ECS's format and hand-written records.

const DEFINITIONS: &str = r#"{
  "@timestamp": {"type": "date", "required": true, "normalize": []},
  "event.kind": {"type": "keyword", "normalize": [],
                 "allowed_values": [{"name": "event"}, {"name": "alert"}]},
  "event.category": {"type": "keyword", "normalize": ["array"],
                     "allowed_values": [{"name": "network"}]},
  "event.start": {"type": "date", "normalize": []},
  "source.ip": {"type": "ip", "normalize": []},
  "source.port": {"type": "long", "normalize": []},
  "source.mac": {"type": "keyword", "normalize": [], "pattern": "^[A-F0-9]{2}(-[A-F0-9]{2}){5,}$"},
  "network.direction": {"type": "keyword", "normalize": [],
                        "expected_values": ["inbound", "outbound"]},
  "network.community_id": {"type": "keyword", "normalize": []},
  "destination.geo.location": {"type": "geo_point", "normalize": []},
  "destination.as.number": {"type": "long", "normalize": []},
  "process.exit_code": {"type": "integer", "normalize": []},
  "tls.established": {"type": "boolean", "normalize": []},
  "host.cpu.usage": {"type": "scaled_float", "normalize": []},
  "labels": {"type": "object", "normalize": []},
  "dns.answers": {"type": "object", "normalize": ["array"]},
  "dns.answers.ttl": {"type": "long", "normalize": []}
}"#;

fn definitions() -> EcsDefinitions {
    EcsDefinitions::from_flat_json(DEFINITIONS).unwrap()
}

fn problems(record: &str) -> Vec<String> {
    check_records(record, &definitions())
}

/// Asserts exactly one problem, naming `field` and containing `words`.
fn one_problem(record: &str, field: &str, words: &str) {
    let found = problems(record);
    assert_eq!(found.len(), 1, "{record}: {found:?}");
    assert!(
        found[0].contains(&format!(": {field}: ")) && found[0].contains(words),
        "{record}: {found:?}"
    );
}

#[test]
fn good_records_pass() {
    let good = concat!(
        r#"{"@timestamp":"2024-03-01T09:00:00Z","event":{"kind":"event","category":["network"],"start":"2024-02-29T23:59:60.5+01:00"},"source":{"ip":"2001:db8::1","port":443,"mac":"00-1A-2B-3C-4D-5E"},"network.direction":"outbound","network.community_id":"1:wCb3OG7yAFWelaUydu0D+125CLM=","destination":{"geo":{"location":{"lat":52.4,"lon":4.9}},"as":{"number":8075}},"labels":{"site":"office"},"process":{"exit_code":0},"tls":{"established":true},"host.cpu.usage":0.25,"Residency":{"anything":[1,{"x":null}]}}"#,
        "\n",
        r#"{"@timestamp":"2024-03-01T09:00:00.000001z","source.ip":"10.0.0.1","destination.geo.location":"52.4,4.9","dns":{"answers":[{"ttl":60},{"ttl":30}]},"network.direction":null}"#,
        "\n",
        r#"{"@timestamp":"2024-03-01t09:00:00-05:30","destination.geo.location":[4.9,52.4],"event.category":["network","network"]}"#,
        "\n",
        r#"{"@timestamp":"2024-03-01T09:00:00Z","destination.geo.location":"POINT (4.9 52.4)"}"#,
        "\n",
    );
    assert_eq!(problems(good), Vec::<String>::new());
}

#[test]
fn unknown_and_lowercase_custom_fields_are_problems() {
    one_problem(
        r#"{"@timestamp":"2024-03-01T09:00:00Z","residency":{"flow":1}}"#,
        "residency.flow",
        "not an ECS field",
    );
    one_problem(
        r#"{"@timestamp":"2024-03-01T09:00:00Z","verdict":"ok"}"#,
        "verdict",
        "capitalised top-level object",
    );
    one_problem(
        r#"{"@timestamp":"2024-03-01T09:00:00Z","source":{"ipaddr":"10.0.0.1"}}"#,
        "source.ipaddr",
        "not an ECS field",
    );
    one_problem(
        r#"{"@timestamp":"2024-03-01T09:00:00Z","source":"10.0.0.1"}"#,
        "source",
        "not an ECS field",
    );
    one_problem(
        r#"{"@timestamp":"2024-03-01T09:00:00Z","Residency":7}"#,
        "Residency",
        "must be an object",
    );
}

#[test]
fn wrong_types_are_problems() {
    let cases = [
        (
            r#""source.ip":"10.0.0.300""#,
            "source.ip",
            "not an IP address",
        ),
        (r#""source.ip":167772161"#, "source.ip", "got a number"),
        (r#""source.port":"443""#, "source.port", "got a string"),
        (r#""source.port":443.5"#, "source.port", "got a number"),
        (
            r#""destination.as.number":true"#,
            "destination.as.number",
            "got a boolean",
        ),
        (
            r#""process.exit_code":4294967296"#,
            "process.exit_code",
            "is an ECS integer",
        ),
        (
            r#""tls.established":"yes""#,
            "tls.established",
            "got a string",
        ),
        (
            r#""host.cpu.usage":"0.5""#,
            "host.cpu.usage",
            "got a string",
        ),
        (
            r#""network.community_id":{"v":1}"#,
            "network.community_id",
            "got an object",
        ),
        (
            r#""event.start":"2024-03-01 09:00:00Z""#,
            "event.start",
            "RFC 3339",
        ),
        (
            r#""event.start":"2024-02-30T09:00:00Z""#,
            "event.start",
            "RFC 3339",
        ),
        (
            r#""event.start":"2024-03-01T09:00:00""#,
            "event.start",
            "RFC 3339",
        ),
        (
            r#""event.start":"2024-03-01T09:00:00.Z""#,
            "event.start",
            "RFC 3339",
        ),
        (
            r#""event.start":1709283600000"#,
            "event.start",
            "got a number",
        ),
        (r#""labels":"office""#, "labels", "got a string"),
        (
            r#""destination.geo.location":{"lat":95,"lon":4.9}"#,
            "destination.geo.location",
            "geo_point",
        ),
        (
            r#""destination.geo.location":"here""#,
            "destination.geo.location",
            "geo_point",
        ),
        (
            r#""dns":{"answers":[{"ttl":"60"}]}"#,
            "dns.answers.ttl",
            "got a string",
        ),
    ];
    for (field_json, field, words) in cases {
        one_problem(
            &format!(r#"{{"@timestamp":"2024-03-01T09:00:00Z",{field_json}}}"#),
            field,
            words,
        );
    }
}

#[test]
fn values_arrays_and_patterns_are_checked() {
    let cases = [
        (
            r#""event.kind":"flow""#,
            "event.kind",
            "not one of ECS's values",
        ),
        (
            r#""event.category":["network","net"]"#,
            "event.category",
            "not one of",
        ),
        (
            r#""event.category":"network""#,
            "event.category",
            "should be an array",
        ),
        (
            r#""network.direction":"sideways""#,
            "network.direction",
            "not one of",
        ),
        (
            r#""source.mac":"00:1a:2b:3c:4d:5e""#,
            "source.mac",
            "pattern",
        ),
        (r#""dns":{"answers":[7]}"#, "dns.answers", "non-objects"),
    ];
    for (field_json, field, words) in cases {
        one_problem(
            &format!(r#"{{"@timestamp":"2024-03-01T09:00:00Z",{field_json}}}"#),
            field,
            words,
        );
    }
}

#[test]
fn record_level_problems() {
    one_problem(r#"{"source.ip":"10.0.0.1"}"#, "@timestamp", "required");
    one_problem(
        r#"{"@timestamp":"2024-03-01T09:00:00Z","source.ip":"10.0.0.1","source":{"ip":"10.0.0.2"}}"#,
        "source.ip",
        "given twice",
    );
    let found = problems("{\"@timestamp\":\"2024-03-01T09:00:00Z\"}\n\n[1]\n{oops\n");
    assert_eq!(found.len(), 3, "{found:?}");
    assert!(found[0].starts_with("record 2: blank line"), "{found:?}");
    assert!(
        found[1].starts_with("record 3: not a JSON object"),
        "{found:?}"
    );
    assert!(found[2].starts_with("record 4: not JSON"), "{found:?}");
    let found = problems(r#"{"@timestamp":"2024-03-01T09:00:00Z","source":{"":1,"a..b":2}}"#);
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(found.iter().all(|p| p.contains("empty name")), "{found:?}");
}

#[test]
fn definitions_in_a_bad_form_are_refused() {
    assert!(EcsDefinitions::from_flat_json("[]").is_err());
    assert!(EcsDefinitions::from_flat_json("{}").is_err());
    assert!(EcsDefinitions::from_flat_json(r#"{"a": {"normalize": []}}"#).is_err());
    assert!(
        EcsDefinitions::from_flat_json(r#"{"a": {"type": "keyword", "pattern": "("}}"#).is_err()
    );
}

/// The sensor's place (`--vantage` as a city or coordinates) is every record's
/// `observer.geo.location`, an ECS geo_point; per input when each has its own vantage; a
/// country gives none.
#[test]
fn records_carry_the_sensors_location_from_its_vantage() {
    let locations = |args: &[&str]| -> Vec<serde_json::Value> {
        let mut all = vec!["--home", "SE", "--flows", "-"];
        all.extend_from_slice(args);
        let run = cli::analyze(&all);
        assert_eq!(run.code, 0, "{}", run.stderr);
        run.stdout
            .lines()
            .map(|l| {
                let r: serde_json::Value = serde_json::from_str(l).unwrap();
                r["observer"]["geo"]["location"].clone()
            })
            .collect()
    };
    let stockholm = serde_json::json!({"lat": 59.3294, "lon": 18.0687});
    let got = locations(&["--vantage", "Stockholm", "captures/names.pcap"]);
    assert_eq!(got.len(), 14);
    assert!(got.iter().all(|l| *l == stockholm), "{got:?}");
    let got = locations(&["--vantage=-33.87,151.21", "captures/rtt-sydney.pcap"]);
    assert!(!got.is_empty());
    assert!(
        got.iter()
            .all(|l| *l == serde_json::json!({"lat": -33.87, "lon": 151.21})),
        "{got:?}"
    );
    // One vantage per input: each flow's is its first packet's input's.
    let got = locations(&[
        "--vantage",
        "Stockholm",
        "--vantage",
        "SE",
        "captures/names.pcap",
        "captures/teams-like.pcap",
    ]);
    assert_eq!(got.iter().filter(|l| **l == stockholm).count(), 14);
    assert_eq!(got.iter().filter(|l| l.is_null()).count(), got.len() - 14);
    // A country is no point.
    let got = locations(&["--vantage", "SE", "captures/names.pcap"]);
    assert!(got.iter().all(serde_json::Value::is_null));
}

/// `--sensor NAME`: every record names the sensor (`observer.name`) and its flow across
/// sensors (`event.id`: Community ID and first packet time); the report's settings name it; a
/// name that is empty, too long or has control characters is a usage error.
#[test]
fn records_name_the_sensor_and_the_flow() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("r.json");
    let run = cli::analyze(&[
        "--home",
        "SE",
        "--sensor",
        "stockholm-dc1",
        "--json",
        json.to_str().unwrap(),
        "--flows",
        "-",
        "captures/names.pcap",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let records: Vec<serde_json::Value> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(records.len(), 14);
    for r in &records {
        assert_eq!(r["observer"]["name"], "stockholm-dc1");
        let id = format!(
            "{}@{}",
            r["network"]["community_id"].as_str().unwrap(),
            r["event"]["start"].as_str().unwrap()
        );
        assert_eq!(r["event"]["id"], id.as_str());
    }
    let ids: std::collections::BTreeSet<&str> = records
        .iter()
        .map(|r| r["event"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), records.len(), "one id per flow");
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    assert_eq!(report["settings"]["sensor"], "stockholm-dc1");
    cli::schema_check(&report).unwrap();
    // Without --sensor the field is left out, in the records and the report.
    let run = cli::analyze(&[
        "--json",
        json.to_str().unwrap(),
        "--flows",
        "-",
        "captures/names.pcap",
    ]);
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    assert!(
        report["settings"].get("sensor").is_none(),
        "{}",
        report["settings"]
    );
    assert!(
        run.stdout
            .lines()
            .all(|l| !l.contains("\"observer\":{\"name\""))
    );
    for bad in ["", "a\tb", &"x".repeat(129)] {
        let run = cli::analyze(&["--sensor", bad, "captures/names.pcap"]);
        assert_eq!(run.code, 2, "--sensor {bad:?}: {}", run.stderr);
        assert!(run.stderr.contains("sensor name"), "{}", run.stderr);
    }
}
