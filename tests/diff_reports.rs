//! `residency diff OLD NEW` on reports the real binary writes from the shipped captures.

mod cli;

use cli::{analyze, residency};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

/// Analyses `args` into `dir/name` and returns the path and the report.
fn report(dir: &Path, name: &str, args: &[&str]) -> (PathBuf, Value) {
    let path = dir.join(name);
    let p = path.to_str().unwrap();
    let run = analyze(&[&["--json", p], args].concat());
    assert_eq!(run.code, 0, "{}", run.stderr);
    let value: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    (path, value)
}

/// `residency diff OLD NEW --json -` as JSON, and the exit status.
fn diff_json(old: &Path, new: &Path, more: &[&str]) -> (Value, i32) {
    let run = residency(
        &[
            &[
                "diff",
                old.to_str().unwrap(),
                new.to_str().unwrap(),
                "--json",
                "-",
            ],
            more,
        ]
        .concat(),
    );
    assert!(run.code == 0 || run.code == 5, "{}", run.stderr);
    (serde_json::from_str(&run.stdout).unwrap(), run.code)
}

fn ips(list: &Value) -> Vec<&str> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|d| d["ip"].as_str().unwrap())
        .collect()
}

fn names(list: &Value) -> Vec<&str> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|d| d["name"].as_str().unwrap())
        .collect()
}

const TEAMS: &str = "captures/teams-like.pcap";
const NAMES: &str = "captures/names.pcap";

/// One capture, then the same capture with another before it: the other capture's
/// destinations are new, exactly; every byte delta is the difference of the reports' totals.
#[test]
fn one_capture_against_two() {
    let dir = tempfile::tempdir().unwrap();
    let (old_path, old) = report(dir.path(), "old.json", &["--home", "SE", TEAMS]);
    let (new_path, new) = report(dir.path(), "new.json", &["--home", "SE", NAMES, TEAMS]);
    let (d, code) = diff_json(&old_path, &new_path, &[]);
    assert_eq!(
        code, 0,
        "differences do not change the status without --exit-code"
    );
    assert_eq!(d["schema"], "residency.diff/1");
    assert_eq!(d["differences"], true);
    assert_eq!(d["warnings"], json!([]));
    // By bytes sent (most first), then by address.
    assert_eq!(
        ips(&d["destinations"]["new"]),
        [
            "93.184.215.14",
            "52.114.77.34",
            "104.18.10.118",
            "203.0.113.50",
            "52.109.8.19",
            "198.51.100.7",
            "2001:db8:80::80",
            "20.190.159.2",
            "192.0.2.80"
        ]
    );
    assert_eq!(d["destinations"]["vanished"], json!([]));
    let first = &d["destinations"]["new"][0];
    assert_eq!(first["bytes_to"], 1228);
    assert_eq!(first["hostnames"], json!(["example.com"]));
    assert_eq!(first["verdict"]["zone"], "us-dpf");
    assert_eq!(first["verdict"]["country"], "US");
    assert_eq!(first["verdict"]["answer"]["left_eu_eea"], "yes");
    assert_eq!(first["verdict"]["answer"]["basis"], "database");
    assert_eq!(
        names(&d["hostnames"]["new"]),
        [
            "eu-mobile.events.data.microsoft.com",
            "cloudflare-ech.com",
            "shop.example.com",
            "nexus.officeapps.live.com",
            "www.example.net",
            "login.microsoftonline.com"
        ]
    );
    assert_eq!(
        d["hostnames"]["new"][4]["verdict"]["addresses"],
        json!(["192.0.2.80", "2001:db8:80::80"])
    );

    // Zones: each change is the difference of the two reports' figures, and the changes add
    // up to the change of the totals.
    let (op, np) = (&old["summary"]["placement"], &new["summary"]["placement"]);
    let mut sum = 0;
    for row in d["placement"]["by_zone"].as_array().unwrap() {
        let zone = row["name"].as_str().unwrap();
        for field in ["flows", "bytes_to", "bytes_from"] {
            let (a, b) = (
                op["by_zone"][zone][field].as_i64().unwrap(),
                np["by_zone"][zone][field].as_i64().unwrap(),
            );
            assert_eq!(
                row[field],
                json!({"old": a, "new": b, "change": b - a}),
                "{zone} {field}"
            );
        }
        sum += row["bytes_to"]["change"].as_i64().unwrap();
    }
    let zones: Vec<&str> = names(&d["placement"]["by_zone"]);
    assert_eq!(
        zones,
        [
            "home", "eu", "eea", "adequate", "us-dpf", "third", "private", "unknown"
        ]
    );
    let total = |r: &Value| -> i64 {
        r["summary"]["placement"]["by_zone"]
            .as_object()
            .unwrap()
            .values()
            .map(|v| v["bytes_to"].as_i64().unwrap())
            .sum()
    };
    assert_eq!(sum, total(&new) - total(&old));
    // Bytes sent to answered destinations: 2,132 → 8,322.
    assert_eq!(sum, 8322 - 2132);
    let by_zone = |z: &str| {
        d["placement"]["by_zone"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == z)
            .unwrap()
            .clone()
    };
    assert_eq!(by_zone("us-dpf")["status"], "new");
    assert_eq!(by_zone("eu")["status"], "changed");
    assert_eq!(by_zone("third")["status"], "same");

    // The answer: the headline moved by exactly the reports' difference.
    let (oa, na) = (&old["summary"]["answer"], &new["summary"]["answer"]);
    for q in ["left_home", "left_eu_eea"] {
        for a in ["yes", "no", "unknown"] {
            for f in ["flows", "payload_to_remote", "bytes_to_remote"] {
                let (x, y) = (oa[q][a][f].as_i64().unwrap(), na[q][a][f].as_i64().unwrap());
                assert_eq!(d["answer"][q][a][f]["change"], y - x, "{q} {a} {f}");
            }
        }
    }
    assert_eq!(
        d["answer"]["left_eu_eea"]["yes"]["bytes_to_remote"],
        json!({"old": 0, "new": 1660, "change": 1660})
    );

    // Services and providers: new ones by name, changed ones with their deltas.
    let status = |list: &Value, name: &str| {
        list.as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == name)
            .map(|r| r["status"].clone())
    };
    assert_eq!(
        status(&d["services"], "Microsoft Entra ID"),
        Some(json!("new"))
    );
    assert_eq!(
        status(&d["services"], "Microsoft Teams"),
        Some(json!("changed"))
    );
    assert_eq!(
        status(&d["placement"]["by_provider"], "Cloudflare"),
        Some(json!("new"))
    );
    assert_eq!(d["services"][0]["name"], "Microsoft Teams");
    assert_eq!(
        d["services"][0]["bytes_to"],
        json!({"old": 2084, "new": 3012, "change": 928})
    );

    // example.com went to one address in the EU; now also to one in the US.
    let hosts = d["verdicts"]["hostnames"].as_array().unwrap();
    assert_eq!(hosts.len(), 1);
    assert_eq!(hosts[0]["name"], "example.com");
    assert_eq!(
        hosts[0]["changed"],
        json!(["left_eu_eea", "zones", "countries"])
    );
    assert_eq!(hosts[0]["old"]["left_eu_eea"], json!(["no"]));
    assert_eq!(hosts[0]["new"]["left_eu_eea"], json!(["no", "yes"]));
    assert_eq!(
        hosts[0]["new"]["addresses"],
        json!(["52.114.77.33", "93.184.215.14"])
    );
    assert_eq!(d["verdicts"]["addresses"], json!([]));

    // The other way round, what was new has vanished.
    let (back, _) = diff_json(&new_path, &old_path, &[]);
    assert_eq!(back["destinations"]["vanished"], d["destinations"]["new"]);
    assert_eq!(back["destinations"]["new"], json!([]));
    assert_eq!(
        status(&back["services"], "Microsoft Entra ID"),
        Some(json!("vanished"))
    );
}

/// A report compared with itself: nothing differs, and `--exit-code` says so with 0.
#[test]
fn a_report_against_itself() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = report(dir.path(), "r.json", &["--home", "SE", NAMES]);
    let (d, code) = diff_json(&path, &path, &["--exit-code"]);
    assert_eq!(code, 0);
    assert_eq!(d["differences"], false);
    assert_eq!(d["warnings"], json!([]));
    assert_eq!(d["destinations"], json!({"new": [], "vanished": []}));
    assert_eq!(d["hostnames"], json!({"new": [], "vanished": []}));
    assert_eq!(d["verdicts"], json!({"addresses": [], "hostnames": []}));
    for row in d["services"].as_array().unwrap() {
        assert_eq!(row["status"], "same", "{row}");
    }
    let run = residency(&["diff", path.to_str().unwrap(), path.to_str().unwrap()]);
    assert_eq!(run.code, 0);
    assert!(run.stdout.contains("No differences"), "{}", run.stdout);
}

/// The same capture with another `--home`: a warning names the setting, and the addresses in
/// the new home country changed verdict, with both sides' evidence.
#[test]
fn another_home_changes_verdicts_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let (se, _) = report(dir.path(), "se.json", &["--home", "SE", TEAMS]);
    let (ie, _) = report(dir.path(), "ie.json", &["--home", "IE", TEAMS]);
    let (d, code) = diff_json(&se, &ie, &["--exit-code"]);
    assert_eq!(code, 5);
    assert_eq!(
        d["warnings"],
        json!([
            {"kind": "setting", "field": "geo.home", "old": "SE", "new": "IE"},
            {"kind": "setting", "field": "summary.physics.vantages", "old": "SE", "new": "IE"}
        ])
    );
    let changes = d["verdicts"]["addresses"].as_array().unwrap();
    assert_eq!(
        ips(&d["verdicts"]["addresses"]),
        ["52.114.77.33", "52.112.1.10"]
    );
    let c = &changes[0];
    assert_eq!(c["changed"], json!(["left_home", "zone"]));
    assert_eq!(
        c["bytes_to"],
        json!({"old": 1228, "new": 1228, "change": 0})
    );
    assert_eq!(c["old"]["zone"], "eu");
    assert_eq!(c["new"]["zone"], "home");
    assert_eq!(c["old"]["answer"]["left_home"], "yes");
    assert_eq!(c["new"]["answer"]["left_home"], "no");
    assert_eq!(c["new"]["answer"]["basis_home"], "database");
    assert_eq!(c["new"]["country"], "IE");
    assert_eq!(
        c["new"]["databases"],
        json!([{"db": "dbip-country-lite", "country": "IE"}, {"db": "geo-whois-asn-country", "country": "IE"}])
    );
    assert_eq!(c["old"]["vantage"], "SE");
    assert_eq!(c["new"]["vantage"], "IE");
    // 1,276 bytes moved from zone eu to zone home; the unknown (contradicted) one stayed.
    let zone = |z: &str| {
        d["placement"]["by_zone"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == z)
            .unwrap()["bytes_to"]["change"]
            .clone()
    };
    assert_eq!(zone("eu"), -1276);
    assert_eq!(zone("home"), 1276);
    assert_eq!(
        d["answer"]["left_home"]["yes"]["payload_to_remote"],
        json!({"old": 1220, "new": 0, "change": -1220})
    );
    assert_eq!(d["answer"]["left_eu_eea"]["unknown"]["flows"]["change"], 0);
}

/// Other timeouts, another tool version, other database builds: warnings, each naming the
/// field and both values.
#[test]
fn settings_and_data_versions_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let (a, _) = report(dir.path(), "a.json", &["--home", "SE", TEAMS]);
    let (b, mut other) = report(
        dir.path(),
        "b.json",
        &["--home", "SE", "--udp-idle-timeout", "60", TEAMS],
    );
    let (d, code) = diff_json(&a, &b, &["--exit-code"]);
    assert_eq!(code, 0, "the same traffic: no differences");
    assert_eq!(d["differences"], false);
    assert_eq!(
        d["warnings"],
        json!([{"kind": "setting", "field": "settings.udp_idle_timeout_s", "old": "120", "new": "60"}])
    );
    other["tool"]["version"] = json!("0.2.0");
    other["geo"]["databases"][0]["build"] = json!("2027-01-01");
    other["geo"]["legal_table"]["date"] = json!("2027-01-02");
    let edited = dir.path().join("edited.json");
    std::fs::write(&edited, other.to_string()).unwrap();
    let (d, _) = diff_json(&a, &edited, &[]);
    let fields: Vec<(&str, &str)> = d["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| (w["kind"].as_str().unwrap(), w["field"].as_str().unwrap()))
        .collect();
    assert_eq!(
        fields,
        [
            ("tool", "tool.version"),
            ("geo-database", "geo.databases[dbip-country-lite].build"),
            ("table", "geo.legal_table.date"),
            ("setting", "settings.udp_idle_timeout_s")
        ]
    );
    assert_eq!(d["warnings"][1]["old"], "2026-06-01");
    assert_eq!(d["warnings"][1]["new"], "2027-01-01");
    let run = residency(&["diff", a.to_str().unwrap(), edited.to_str().unwrap()]);
    assert!(
        run.stdout.contains("tool.version: 0.1.0 → 0.2.0"),
        "{}",
        run.stdout
    );
}

/// A report of a schema this version does not know is refused, naming both schemas.
#[test]
fn unknown_schema_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (a, mut value) = report(dir.path(), "a.json", &[TEAMS]);
    value["schema"] = json!("residency.report/9");
    let odd = dir.path().join("odd.json");
    std::fs::write(&odd, serde_json::to_string_pretty(&value).unwrap()).unwrap();
    let run = residency(&["diff", a.to_str().unwrap(), odd.to_str().unwrap()]);
    assert_eq!(run.code, 1);
    assert!(run.stdout.is_empty());
    assert!(
        run.stderr.contains("has schema \"residency.report/9\"")
            && run.stderr.contains("it reads residency.report/2"),
        "{}",
        run.stderr
    );
    let run = residency(&["diff", "-", "-"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    let run = residency(&["diff", TEAMS, a.to_str().unwrap()]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("is not complete JSON"),
        "{}",
        run.stderr
    );
}

/// `--json PATH` writes the same JSON as `--json -`, byte for byte and run after run, and
/// the terminal diff still goes to standard output; an output naming a report is refused.
#[test]
fn json_file_output() {
    let dir = tempfile::tempdir().unwrap();
    let (a, _) = report(dir.path(), "a.json", &["--home", "SE", TEAMS]);
    let (b, _) = report(dir.path(), "b.json", &["--home", "SE", NAMES]);
    let out = dir.path().join("diff.json");
    let (a, b, o) = (
        a.to_str().unwrap(),
        b.to_str().unwrap(),
        out.to_str().unwrap(),
    );
    let run = residency(&["diff", a, b, "--json", o]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.starts_with("residency diff: "), "{}", run.stdout);
    assert!(
        run.stdout.contains("Vanished destinations (1)"),
        "{}",
        run.stdout
    );
    let written = std::fs::read_to_string(&out).unwrap();
    let stdout = residency(&["diff", a, b, "--json", "-"]).stdout;
    assert_eq!(written, stdout);
    assert_eq!(stdout, residency(&["diff", a, b, "--json", "-"]).stdout);
    // The top-level keys in the documented order (docs/diff.md), two-space indented.
    let order = [
        "schema",
        "old",
        "new",
        "warnings",
        "differences",
        "totals",
        "answer",
        "placement",
        "services",
        "destinations",
        "hostnames",
        "verdicts",
    ];
    let at: Vec<usize> = order
        .iter()
        .map(|k| written.find(&format!("\n  \"{k}\": ")).unwrap())
        .collect();
    assert!(at.windows(2).all(|w| w[0] < w[1]), "{at:?}");
    assert!(written.ends_with("}\n"));
    let d: Value = serde_json::from_str(&written).unwrap();
    // teams-like's 52.114.77.33 (example.com over QUIC) is not in names.pcap.
    assert_eq!(ips(&d["destinations"]["vanished"]), ["52.114.77.33"]);
    assert_eq!(
        d["totals"]["destinations"],
        json!({"old": 3, "new": 11, "change": 8})
    );
    let run = residency(&["diff", a, b, "--json", a]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("--json"), "{}", run.stderr);
}
