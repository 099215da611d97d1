//! `residency merge`: reports of several sites as one, whose totals are the sums of theirs, with
//! every report and input listed; a capture in two reports refused; home countries that differ
//! leave `left_home` unsummed.

mod cli;

use serde_json::Value;
use sha2::Digest;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// `residency analyze --json` of `captures` as `sensor`; the report's path.
fn report(dir: &Path, sensor: &str, home: &str, captures: &[&str], code: i32) -> PathBuf {
    let json = dir.join(format!("{sensor}.json"));
    let mut args = vec![
        "-q",
        "--home",
        home,
        "--sensor",
        sensor,
        "--json",
        json.to_str().unwrap(),
    ];
    args.extend_from_slice(captures);
    let run = cli::analyze(&args);
    assert_eq!(run.code, code, "{}", run.stderr);
    json
}

fn read(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

fn merge(args: &[&str]) -> cli::Run {
    cli::residency(&[&["merge"], args].concat())
}

/// Every number in `merged` equals the sum of the same number in `parts` (same paths).
fn assert_sums(merged: &Value, parts: &[&Value], path: &str) {
    match merged {
        Value::Object(map) => {
            for (k, v) in map {
                let children: Vec<&Value> = parts.iter().map(|p| &p[k]).collect();
                assert_sums(v, &children, &format!("{path}.{k}"));
            }
        }
        Value::Number(n) => {
            let want: u64 = parts.iter().map(|p| p.as_u64().unwrap_or(0)).sum();
            assert_eq!(n.as_u64(), Some(want), "{path}");
        }
        _ => {}
    }
}

fn distinct_addresses(reports: &[&Value]) -> usize {
    reports
        .iter()
        .flat_map(|r| r["addresses"].as_array().unwrap())
        .map(|a| a["ip"].as_str().unwrap().to_string())
        .collect::<BTreeSet<_>>()
        .len()
}

#[test]
fn merged_totals_are_the_sums_of_the_reports_and_every_input_is_listed() {
    let dir = tempfile::tempdir().unwrap();
    let hq = report(dir.path(), "hq", "SE", &["captures/names.pcap"], 0);
    let branch = report(
        dir.path(),
        "branch",
        "SE",
        &["captures/teams-like.pcap", "captures/truncated.pcap"],
        3,
    );
    let out = dir.path().join("merged.json");
    let run = merge(&[
        "--json",
        out.to_str().unwrap(),
        hq.to_str().unwrap(),
        branch.to_str().unwrap(),
    ]);
    // branch's truncated capture: the merge is incomplete, as that report is.
    assert_eq!(run.code, 3, "{}", run.stderr);
    let m = read(&out);
    let (a, b) = (read(&hq), read(&branch));
    assert_eq!(m["schema"], "residency.merge/1");
    cli::schema::validate_merge(&m).unwrap();
    // The schema is closed: a field it does not know fails it.
    let mut changed = m.clone();
    changed["reports"][0]["extra"] = Value::Bool(true);
    assert!(cli::schema::validate_merge(&changed).is_err());
    let s = &m["summary"];
    for part in ["packets", "flows", "answer", "fragments"] {
        assert_sums(&s[part], &[&a["summary"][part], &b["summary"][part]], part);
    }
    for part in ["bytes", "bytes_to_remote", "bytes_from_remote"] {
        assert_eq!(
            s[part].as_u64().unwrap(),
            a["summary"][part].as_u64().unwrap() + b["summary"][part].as_u64().unwrap()
        );
    }
    for part in [
        "left_eu_eea",
        "left_home",
        "non_eu_control",
        "cloud_act",
        "by_zone",
    ] {
        assert_sums(
            &s["placement"][part],
            &[
                &a["summary"]["placement"][part],
                &b["summary"]["placement"][part],
            ],
            part,
        );
    }
    assert_sums(
        &s["physics"]["by_verdict"],
        &[
            &a["summary"]["physics"]["by_verdict"],
            &b["summary"]["physics"]["by_verdict"],
        ],
        "physics.by_verdict",
    );
    // Services by name: Microsoft Teams is at both sites.
    let teams = |r: &Value| -> u64 {
        r["services"]["by_service"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|row| row["name"] == "Microsoft Teams")
            .map(|row| row["flows"].as_u64().unwrap())
            .sum()
    };
    assert!(teams(&a["summary"]) > 0 && teams(&b["summary"]) > 0);
    assert_eq!(teams(s), teams(&a["summary"]) + teams(&b["summary"]));
    assert_eq!(
        s["destinations"].as_u64().unwrap() as usize,
        distinct_addresses(&[&a, &b])
    );
    assert!(
        (s["destinations"].as_u64().unwrap()) < s["destination_entries"].as_u64().unwrap(),
        "an address both sites used is one destination"
    );
    assert_eq!(s["complete"], false);
    assert_eq!(s["incomplete"], serde_json::json!(["damaged-input"]));
    assert_eq!(s["placement"]["home"], "SE");
    assert_eq!(s["first_packet"], "2026-03-02T09:00:00.000000Z");
    assert_eq!(s["last_packet"], a["summary"]["last_packet"]);
    // Every input, with its report and sensor.
    let inputs = m["inputs"].as_array().unwrap();
    assert_eq!(inputs.len(), 3);
    let listed: Vec<(u64, &str, &str)> = inputs
        .iter()
        .map(|i| {
            (
                i["report"].as_u64().unwrap(),
                i["sensor"].as_str().unwrap(),
                i["input"]["path"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        listed,
        vec![
            (0, "hq", "captures/names.pcap"),
            (1, "branch", "captures/teams-like.pcap"),
            (1, "branch", "captures/truncated.pcap")
        ]
    );
    assert_eq!(inputs[2]["input"]["errors"][0]["kind"], "truncated");
    let reports = m["reports"].as_array().unwrap();
    assert_eq!(reports[1]["inputs"], serde_json::json!([1, 2]));
    assert_eq!(reports[1]["complete"], false);
    let file_sha: String = sha2::Sha256::digest(std::fs::read(&hq).unwrap())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(reports[0]["sha256"], file_sha);
    assert_eq!(
        reports[0]["left_eu_eea"],
        a["summary"]["answer"]["left_eu_eea"]["yes"]
    );
    assert_eq!(m["warnings"], serde_json::json!([]));
    // The terminal: a line per report and the total.
    let flows = |r: &Value| r["summary"]["flows"]["total"].as_u64().unwrap();
    assert!(
        run.stdout.contains("2 report(s), 3 input(s)"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("INCOMPLETE: damaged-input"));
    let total = run
        .stdout
        .lines()
        .find(|l| l.trim_start().starts_with("total"))
        .unwrap();
    assert!(
        total.contains(&format!(" {} ", flows(&a) + flows(&b))),
        "{total}"
    );
}

/// On the real captures: each of the shared captures its own site, merged; the totals are the
/// sums, whatever the number of reports.
#[test]
fn merging_many_real_reports_sums_them() {
    let dir = tempfile::tempdir().unwrap();
    let shared = cli::shared_dir();
    let Ok(entries) = std::fs::read_dir(&shared) else {
        return cli::skip(&format!("{} is not here", shared.display()));
    };
    let mut captures: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "pcap" || x == "pcapng"))
        .collect();
    captures.sort();
    let mut paths = Vec::new();
    for (i, c) in captures.iter().enumerate() {
        let json = dir.path().join(format!("site{i}.json"));
        let run = cli::analyze(&[
            "-q",
            "--home",
            "SE",
            "--json",
            json.to_str().unwrap(),
            c.to_str().unwrap(),
        ]);
        assert!(
            run.code == 0 || run.code == 3,
            "{}: {}",
            c.display(),
            run.stderr
        );
        paths.push(json);
    }
    let mut args = vec!["--json", "-"];
    args.extend(paths.iter().map(|p| p.to_str().unwrap()));
    let run = merge(&args);
    assert!(run.code == 0 || run.code == 3, "{}", run.stderr);
    // `--json -`: standard output is the JSON document alone.
    let m: Value = serde_json::from_str(&run.stdout).unwrap();
    cli::schema::validate_merge(&m).unwrap();
    let reports: Vec<Value> = paths.iter().map(|p| read(p)).collect();
    let refs: Vec<&Value> = reports.iter().collect();
    let part = |name: &str| -> Vec<&Value> { refs.iter().map(|r| &r["summary"][name]).collect() };
    for name in ["packets", "flows", "answer", "fragments", "bytes"] {
        assert_sums(&m["summary"][name], &part(name), name);
    }
    assert_eq!(
        m["summary"]["destinations"].as_u64().unwrap() as usize,
        distinct_addresses(&refs)
    );
    assert_eq!(m["inputs"].as_array().unwrap().len(), captures.len());
    assert_eq!(m["reports"].as_array().unwrap().len(), captures.len());
}

#[test]
fn a_capture_in_two_reports_is_refused_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let a = report(dir.path(), "a", "SE", &["captures/names.pcap"], 0);
    let b = report(
        dir.path(),
        "b",
        "SE",
        &["captures/rtt.pcap", "captures/names.pcap"],
        0,
    );
    let out = dir.path().join("m.json");
    let run = merge(&[
        "--json",
        out.to_str().unwrap(),
        a.to_str().unwrap(),
        b.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr
            .contains("both hold the capture captures/names.pcap")
            && run.stderr.contains("counted twice"),
        "{}",
        run.stderr
    );
    assert!(!out.exists());
    // The output may not be one of the reports.
    let run = merge(&["--json", a.to_str().unwrap(), a.to_str().unwrap()]);
    assert_ne!(run.code, 0);
    assert_eq!(
        read(&a)["settings"]["sensor"],
        "a",
        "the report is untouched"
    );
}

#[test]
fn reports_for_different_home_countries_have_no_merged_left_home() {
    let dir = tempfile::tempdir().unwrap();
    let se = report(dir.path(), "se", "SE", &["captures/names.pcap"], 0);
    let no = report(dir.path(), "no", "NO", &["captures/teams-like.pcap"], 0);
    let run = merge(&["--json", "-", se.to_str().unwrap(), no.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let m: Value = serde_json::from_str(&run.stdout).unwrap();
    cli::schema::validate_merge(&m).unwrap();
    let s = &m["summary"];
    assert!(s["answer"]["left_home"].is_null());
    assert!(s["placement"]["left_home"].is_null());
    assert!(s["placement"]["home"].is_null());
    for row in s["services"]["by_service"].as_array().unwrap() {
        assert!(row["left_home"].is_null(), "{row}");
    }
    // The EU/EEA answer does not depend on the home country: summed.
    assert!(s["answer"]["left_eu_eea"]["yes"]["flows"].is_u64());
    let warnings = m["warnings"].as_array().unwrap();
    assert!(
        warnings[0]
            .as_str()
            .unwrap()
            .contains("different home countries (NO, SE)"),
        "{warnings:?}"
    );
    // The terminal says so too.
    let run = merge(&[se.to_str().unwrap(), no.to_str().unwrap()]);
    assert!(run.stdout.contains("not summed"), "{}", run.stdout);
}

#[test]
fn what_is_not_a_report_is_refused_with_a_reason() {
    let dir = tempfile::tempdir().unwrap();
    let good = report(dir.path(), "a", "SE", &["captures/names.pcap"], 0);
    let other = dir.path().join("other.json");
    std::fs::write(&other, r#"{"schema": "residency.report/9", "summary": {}}"#).unwrap();
    let run = merge(&[good.to_str().unwrap(), other.to_str().unwrap()]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("residency.report/9"), "{}", run.stderr);
    let cut = dir.path().join("cut.json");
    let bytes = std::fs::read(&good).unwrap();
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let run = merge(&[cut.to_str().unwrap()]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("is not complete JSON"),
        "{}",
        run.stderr
    );
    let run = merge(&[]);
    assert_eq!(run.code, 2);
}

/// Reports made without `--home`: valid against the schema, and the terminal says why there is
/// no home answer.
#[test]
fn reports_without_a_home_country_merge() {
    let dir = tempfile::tempdir().unwrap();
    let mut paths = Vec::new();
    for (name, capture) in [("a", "captures/names.pcap"), ("b", "captures/rtt.pcap")] {
        let json = dir.path().join(format!("{name}.json"));
        let run = cli::analyze(&["-q", "--json", json.to_str().unwrap(), capture]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        paths.push(json);
    }
    let (a, b) = (paths[0].to_str().unwrap(), paths[1].to_str().unwrap());
    let run = merge(&["--json", "-", a, b]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let m: Value = serde_json::from_str(&run.stdout).unwrap();
    cli::schema::validate_merge(&m).unwrap();
    assert!(m["summary"]["placement"]["home"].is_null());
    assert_eq!(m["warnings"], serde_json::json!([]));
    let run = merge(&[a, b]);
    assert!(
        run.stdout
            .contains("no home country (the reports were made without --home)"),
        "{}",
        run.stdout
    );
}

/// The same report given twice (or a copy of it), and two reports of one live capture (which
/// has no SHA-256: it is known by its sensor, interface and start), are refused; an input
/// whose SHA-256 is unknown is merged with a warning.
#[test]
fn the_same_report_or_live_capture_twice_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let a = report(dir.path(), "a", "SE", &["captures/names.pcap"], 0);
    let copy = dir.path().join("copy.json");
    std::fs::copy(&a, &copy).unwrap();
    let run = merge(&[a.to_str().unwrap(), copy.to_str().unwrap()]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("is the same file as"), "{}", run.stderr);
    // A live capture's reports: no SHA-256, the same interface, sensor and start.
    let mut live = read(&a);
    live["inputs"][0]["sha256"] = Value::Null;
    live["inputs"][0]["live"] = serde_json::json!({
        "interface": "eth1", "sensor": "probe-1", "started": "2026-12-01T00:00:00Z"
    });
    let first = dir.path().join("live-1.json");
    std::fs::write(&first, live.to_string()).unwrap();
    live["settings"]["sensor"] = "renamed".into();
    let second = dir.path().join("live-2.json");
    std::fs::write(&second, live.to_string()).unwrap();
    let run = merge(&[first.to_str().unwrap(), second.to_str().unwrap()]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr
            .contains("live capture on eth1 of probe-1 started 2026-12-01T00:00:00Z"),
        "{}",
        run.stderr
    );
    // No SHA-256 and no live capture: merged, with a warning.
    live["inputs"][0].as_object_mut().unwrap().remove("live");
    std::fs::write(&second, live.to_string()).unwrap();
    let b = report(dir.path(), "b", "SE", &["captures/rtt.pcap"], 0);
    let run = merge(&["--json", "-", second.to_str().unwrap(), b.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let m: Value = serde_json::from_str(&run.stdout).unwrap();
    assert!(
        m["warnings"][0]
            .as_str()
            .unwrap()
            .contains("has no SHA-256"),
        "{}",
        m["warnings"]
    );
}
