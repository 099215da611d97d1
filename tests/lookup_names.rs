//! `residency lookup` with host names and the address extras (anycast, range services):
//! the JSON entries and the table, with the embedded tables.

mod cli;

use cli::residency;
use serde_json::Value;

fn json(args: &[&str]) -> Vec<Value> {
    let mut all = vec!["lookup", "--json", "-"];
    all.extend_from_slice(args);
    let out = residency(&all);
    assert_eq!(out.code, 0, "{}", out.stderr);
    serde_json::from_str::<Value>(&out.stdout)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

fn s<'a>(v: &'a Value, pointer: &str) -> Option<&'a str> {
    v.pointer(pointer).and_then(Value::as_str)
}

#[test]
fn a_name_gets_its_service_anycast_rule_and_declared_region() {
    let e = json(&["teams.microsoft.com", "s3.eu-north-1.amazonaws.com"]);
    assert_eq!(e.len(), 2);
    let teams = &e[0];
    assert_eq!(s(teams, "/name"), Some("teams.microsoft.com"));
    assert_eq!(s(teams, "/service/name"), Some("Microsoft Teams"));
    assert_eq!(s(teams, "/service/category"), Some("signalling"));
    assert_eq!(s(teams, "/service/provider"), Some("Microsoft"));
    assert_eq!(s(teams, "/service/rule"), Some("name:teams.microsoft.com"));
    assert_eq!(teams["anycast"], Value::Null);
    assert!(
        s(teams, "/anycast_rule")
            .unwrap()
            .starts_with("no name rule")
    );
    assert_eq!(teams["declared_region"], Value::Null);
    assert!(teams.get("country").is_none(), "a name is not placed");

    let s3 = &e[1];
    assert_eq!(s(s3, "/declared_region/family"), Some("aws"));
    assert_eq!(s(s3, "/declared_region/region"), Some("eu-north-1"));
    assert_eq!(
        s3["declared_region"]["countries"],
        serde_json::json!(["SE"])
    );
    assert_eq!(s3["declared_region"]["zone"], Value::Null);
    assert_eq!(
        s(s3, "/declared_region/rule"),
        Some("aws: *.{region}.amazonaws.com")
    );
    assert!(
        s(s3, "/declared_region/source")
            .unwrap()
            .contains("aws-sdk-js-v3")
    );
    assert!(
        s(s3, "/declared_region/rule_source")
            .unwrap()
            .contains("botocore")
    );
}

#[test]
fn an_eu_collector_declares_the_eu_data_boundary() {
    let e = json(&["eu-watsonc.events.data.microsoft.com", "europe.example.com"]);
    let d = &e[0]["declared_region"];
    assert_eq!(s(d, "/family"), Some("microsoft-eudb"));
    assert_eq!(s(d, "/zone"), Some("eu-data-boundary"));
    assert_eq!(d["countries"].as_array().unwrap().len(), 31);
    assert_eq!(e[1]["declared_region"], Value::Null);
    assert_eq!(e[1]["service"], Value::Null);
}

#[test]
fn an_address_gets_anycast_and_range_services() {
    let e = json(&["1.1.1.1", "52.112.1.1"]);
    let one = &e[0];
    assert_eq!(s(one, "/ip"), Some("1.1.1.1"));
    assert_eq!(s(one, "/anycast/prefix"), Some("1.1.1.0/24"));
    assert_eq!(s(one, "/anycast/operator"), Some("Cloudflare"));
    assert_eq!(
        s(one, "/anycast/service"),
        Some("1.1.1.1 public DNS resolver")
    );
    assert_eq!(one["range_services"], serde_json::json!([]));
    let teams = &e[1];
    assert_eq!(teams["anycast"], Value::Null);
    let rules: Vec<(&str, &str)> = teams["range_services"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (s(r, "/name").unwrap(), s(r, "/rule").unwrap()))
        .collect();
    assert_eq!(
        rules,
        [
            ("Microsoft Teams media", "range:52.112.0.0/14 udp/3478-3481"),
            ("Microsoft Teams media", "range:52.112.0.0/14 tcp/443"),
            ("Microsoft Teams", "range:52.112.0.0/14"),
        ]
    );
    // The placement is still there.
    assert_eq!(s(teams, "/zone"), Some("eu"));
}

#[test]
fn the_table_shows_names_and_address_extras() {
    let out = residency(&[
        "lookup",
        "1.1.1.1",
        "teams.microsoft.com",
        "s3.eu-north-1.amazonaws.com",
    ]);
    assert_eq!(out.code, 0);
    let table = out.stdout;
    let lines: Vec<&str> = table.lines().collect();
    assert!(lines[0].starts_with("ip "), "{table}");
    assert!(lines[1].starts_with("1.1.1.1 "), "{table}");
    assert_eq!(
        lines[2],
        "    anycast: yes, Cloudflare 1.1.1.0/24 (1.1.1.1 public DNS resolver; geo/anycast.toml, 2025-07-16)"
    );
    assert!(table.contains(
        "teams.microsoft.com\n    service:  Microsoft Teams (signalling, Microsoft) name:teams.microsoft.com\n    anycast:  - (no name rule"
    ), "{table}");
    assert!(table.contains(
        "    declared region: aws eu-north-1 SE, Europe (Stockholm) (rule aws: *.{region}.amazonaws.com)\n        region source: AWS SDK for JavaScript v3"
    ), "{table}");
}

#[test]
fn a_word_that_is_neither_is_a_usage_error() {
    for word in ["not-an-ip", "52.112.0.999", "a..b.com"] {
        let out = residency(&["lookup", word]);
        assert_eq!(out.code, 2, "{word}");
        let err = out.stderr;
        assert!(
            err.contains("is not an IP address") && err.contains("or a host name"),
            "{err}"
        );
    }
}

/// `--json FILE`: the same entries as on standard output, written whole (through a temporary
/// file renamed into place: nothing else is left in the folder).
#[test]
fn json_to_a_file_is_written_whole() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("lookup.json");
    let out = residency(&[
        "lookup",
        "--json",
        path.to_str().unwrap(),
        "teams.microsoft.com",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stdout, "");
    let written: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(written.as_array().unwrap(), &json(&["teams.microsoft.com"]));
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, vec!["lookup.json"]);
}
