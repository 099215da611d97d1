//! Unit tests of the comparison on small hand-written reports.

use super::model::{Count, Status, WarningKind};
use super::read::{ReadError, Report, from_value};
use super::terminal::{signed_bytes, signed_count};
use super::{diff, write_json};
use serde_json::{Value, json};
use std::path::Path;

fn address(ip: &str, zone: &str, country: &str, bytes_to: u64, answer: &str) -> Value {
    json!({
        "ip": ip, "part": 1, "flows": 1, "bytes_to": bytes_to, "bytes_from": 10,
        "hostnames": [], "services": [],
        "geo": {"country": country, "sources": [{"db": "db1", "country": country}], "agree": true},
        "provider": {"name": "Acme", "jurisdiction": "US"},
        "jurisdiction": {"zone": zone},
        "physics": [{"vantage": "SE", "flows": 1, "bytes_to": bytes_to, "verdict": "consistent",
                     "answer": {"left_eu_eea": answer, "basis": "database"},
                     "answered": {"flows": 1, "payload_to_remote": bytes_to, "bytes_to_remote": bytes_to}}]
    })
}

fn report(addresses: Vec<Value>, flows: Vec<Value>) -> Report {
    let value = json!({
        "schema": "residency.report/2",
        "tool": {"name": "residency", "version": "0.1.0"},
        "settings": {"udp_idle_timeout_s": 120},
        "geo": {"home": null, "databases": [{"name": "db1", "build": "2026-01-01", "sha256": "aa"}]},
        "flows": flows,
        "addresses": addresses,
        "inputs": [],
        "summary": {"complete": true}
    });
    from_value(Path::new("r.json"), value).unwrap()
}

fn flow(ip: &str, host: &str, to_server: u64) -> Value {
    json!({"remote": "server", "address": ip, "bytes": {"to_server": to_server, "to_client": 1},
           "hostname": {"name": host}})
}

#[test]
fn counts_are_signed() {
    assert_eq!(
        Count::of(10, 4),
        Count {
            old: 10,
            new: 4,
            change: -6
        }
    );
    assert_eq!(Count::of(u64::MAX, 0).change, i64::MIN);
    assert_eq!(signed_count(-1234), "-1,234");
    assert_eq!(signed_count(0), "0");
    assert_eq!(signed_bytes(780), "+780 B");
    assert_eq!(signed_bytes(-1220), "-1.22 kB");
}

#[test]
fn new_and_vanished_by_bytes_then_address() {
    let old = report(vec![address("10.9.9.9", "eu", "IE", 5, "no")], vec![]);
    let new = report(
        vec![
            address("192.0.2.2", "third", "CN", 100, "yes"),
            address("192.0.2.10", "third", "CN", 100, "yes"),
            address("2001:db8::1", "us-dpf", "US", 300, "yes"),
            address("9.9.9.9", "us-dpf", "US", 100, "yes"),
        ],
        vec![],
    );
    let d = diff(&old, &new);
    let ips: Vec<&str> = d.destinations.new.iter().map(|x| x.ip.as_str()).collect();
    // Equal bytes: numeric address order (9.9.9.9 before 192.0.2.2 before 192.0.2.10).
    assert_eq!(ips, ["2001:db8::1", "9.9.9.9", "192.0.2.2", "192.0.2.10"]);
    assert_eq!(d.destinations.vanished.len(), 1);
    assert_eq!(d.destinations.vanished[0].ip, "10.9.9.9");
    assert!(d.differences);
}

#[test]
fn parts_add_up_and_the_heaviest_answer_speaks() {
    let mut part2 = address("203.0.113.9", "eu", "DE", 50, "unknown");
    part2["part"] = json!(2);
    part2["hostnames"] = json!(["b.example"]);
    let mut part1 = address("203.0.113.9", "eu", "DE", 20, "no");
    part1["hostnames"] = json!(["a.example"]);
    let r = report(vec![part1, part2], vec![]);
    let dests = super::dest::destinations(&r);
    let d = &dests["203.0.113.9"];
    assert_eq!((d.flows, d.bytes_to, d.bytes_from), (2, 70, 20));
    assert_eq!(d.hostnames, ["a.example", "b.example"]);
    assert_eq!(d.verdict.answer.left_eu_eea.as_deref(), Some("unknown"));
}

#[test]
fn a_changed_place_is_a_changed_verdict_and_moves_bytes() {
    let flows = vec![flow("198.51.100.1", "svc.example", 100)];
    let old = report(
        vec![address("198.51.100.1", "eu", "IE", 100, "no")],
        flows.clone(),
    );
    let new = report(
        vec![address("198.51.100.1", "third", "IN", 100, "yes")],
        flows,
    );
    let d = diff(&old, &new);
    assert_eq!(d.verdicts.addresses.len(), 1);
    let c = &d.verdicts.addresses[0];
    assert_eq!(c.changed, ["left_eu_eea", "zone", "country"]);
    assert_eq!(c.old.databases[0].country.as_deref(), Some("IE"));
    assert_eq!(c.new.databases[0].country.as_deref(), Some("IN"));
    let h = &d.verdicts.hostnames[0];
    assert_eq!(h.name, "svc.example");
    assert_eq!(h.changed, ["left_eu_eea", "zones", "countries"]);
    assert_eq!(h.new.countries, ["IN"]);
    assert!(d.destinations.is_empty() && d.hostnames.is_empty());
}

#[test]
fn rows_and_statuses() {
    let mut old = report(vec![], vec![]);
    let mut new = report(vec![], vec![]);
    let vol = |f, t| super::read::Volume {
        flows: f,
        bytes_to: t,
        bytes_from: 0,
    };
    old.summary
        .placement
        .by_zone
        .insert("eu".into(), vol(2, 200));
    new.summary
        .placement
        .by_zone
        .insert("eu".into(), vol(1, 50));
    new.summary
        .placement
        .by_zone
        .insert("third".into(), vol(1, 150));
    old.summary
        .placement
        .by_zone
        .insert("home".into(), vol(0, 0));
    new.summary
        .placement
        .by_zone
        .insert("home".into(), vol(0, 0));
    let d = diff(&old, &new);
    let rows: Vec<(&str, Status, i64)> = d
        .placement
        .by_zone
        .iter()
        .map(|r| (r.name.as_str(), r.status, r.volume.bytes_to.change))
        .collect();
    assert_eq!(
        rows,
        [
            ("home", Status::Same, 0),
            ("eu", Status::Changed, -150),
            ("third", Status::New, 150)
        ]
    );
}

#[test]
fn warnings_name_each_difference() {
    let old = report(vec![], vec![]);
    let mut new = report(vec![], vec![]);
    new.settings.remove("udp_idle_timeout_s");
    new.settings.insert("max_flows".into(), json!(10));
    new.geo.databases[0].sha256 = Some("bb".into());
    new.summary.complete = Some(false);
    new.summary.incomplete = vec!["damaged-input".into()];
    let d = diff(&old, &new);
    let w: Vec<(WarningKind, &str, &str, &str)> = d
        .warnings
        .iter()
        .map(|w| (w.kind, w.field.as_str(), w.old.as_str(), w.new.as_str()))
        .collect();
    assert_eq!(
        w,
        [
            (
                WarningKind::GeoDatabase,
                "geo.databases[db1].sha256",
                "aa",
                "bb"
            ),
            (WarningKind::Setting, "settings.max_flows", "null", "10"),
            (
                WarningKind::Setting,
                "settings.udp_idle_timeout_s",
                "120",
                "null"
            ),
            (
                WarningKind::Incomplete,
                "summary.complete",
                "true",
                "false (damaged-input)"
            ),
        ]
    );
    assert!(!d.differences, "warnings are not differences");
}

#[test]
fn warning_kinds_are_named_as_in_the_json() {
    for kind in [
        WarningKind::Schema,
        WarningKind::Tool,
        WarningKind::GeoDatabase,
        WarningKind::Table,
        WarningKind::Setting,
        WarningKind::Incomplete,
    ] {
        assert_eq!(serde_json::to_value(kind).unwrap(), json!(kind.name()));
    }
}

#[test]
fn schemas_are_checked() {
    let unknown = from_value(
        Path::new("x.json"),
        json!({"schema": "other/1", "tool": {"name": "x"}}),
    );
    match unknown {
        Err(ReadError::UnknownSchema { schema, .. }) => assert_eq!(schema, "other/1"),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        from_value(Path::new("x.json"), json!({"tool": {}})),
        Err(ReadError::NoSchema { .. })
    ));
    assert!(matches!(
        from_value(
            Path::new("x.json"),
            json!({"schema": "residency.report/2", "flows": 3})
        ),
        Err(ReadError::NotAReport { .. })
    ));
}

#[test]
fn json_is_deterministic_and_ends_in_a_newline() {
    let r = report(vec![address("192.0.2.1", "eu", "IE", 5, "no")], vec![]);
    let (mut a, mut b) = (Vec::new(), Vec::new());
    write_json(&diff(&r, &r), &mut a).unwrap();
    write_json(&diff(&r, &r), &mut b).unwrap();
    assert_eq!(a, b);
    assert!(a.ends_with(b"}\n"));
    let v: Value = serde_json::from_slice(&a).unwrap();
    assert_eq!(v["schema"], "residency.diff/1");
    assert_eq!(v["differences"], false);
}
