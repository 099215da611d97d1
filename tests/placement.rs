//! Placement through the real binary on the shipped Teams-like capture: each remote flow gets
//! its country, ASN, provider and zone from the embedded data, and the summary adds them up.

use serde_json::{Value, json};
use std::process::Command;

mod cli;

use cli::flow_to;

/// The report as JSON, standard output, and the exit status of `residency analyze ARGS...`.
fn analyze(args: &[&str]) -> (Value, String, i32) {
    let run = cli::analyze(args);
    (run.json(), run.stdout, run.code)
}

#[test]
fn teams_flows_are_placed_with_their_sources() {
    let (r, _, code) = analyze(&["--home", "SE", "--json", "-", "captures/teams-like.pcap"]);
    assert_eq!(code, 0);

    let quic = flow_to(&r, "52.114.77.33");
    assert_eq!(quic["server_geo"]["country"], "IE");
    assert_eq!(quic["server_geo"]["asn"], 8075);
    assert_eq!(quic["server_geo"]["prefix"], "52.114.0.0/15");
    assert_eq!(quic["server_geo"]["agree"], true);
    assert_eq!(
        quic["server_geo"]["sources"][0],
        json!({"db": "dbip-country-lite", "build": "2026-06-01", "country": "IE",
               "prefix": "52.114.76.0/22",
               "record": quic["server_geo"]["sources"][0]["record"]})
    );
    assert_eq!(quic["provider"]["name"], "Microsoft");
    assert_eq!(quic["provider"]["jurisdiction"], "US");
    assert_eq!(quic["provider"]["cloud_act"], true);
    assert_eq!(
        quic["jurisdiction"],
        json!({"zone": "eu", "legal_basis": quic["jurisdiction"]["legal_basis"],
               "leaves_home": true, "leaves_eu_eea": false, "foreign_control": true,
               "control_zone": "us-dpf"})
    );

    // DB-IP says Canada, the registration says the US: both kept, flagged.
    let tls = flow_to(&r, "52.113.194.132");
    assert_eq!(tls["server_geo"]["country"], "CA");
    assert_eq!(tls["server_geo"]["agree"], false);
    let said: Vec<&Value> = tls["server_geo"]["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| &s["country"])
        .collect();
    assert_eq!(said, [&json!("CA"), &json!("US"), &Value::Null]);
    assert_eq!(tls["jurisdiction"]["zone"], "adequate");
    assert_eq!(
        tls["jurisdiction"]["legal_scope"],
        "commercial organisations subject to PIPEDA"
    );
    assert_eq!(tls["jurisdiction"]["leaves_eu_eea"], true);

    // The internal DNS flow has no remote side, so no placement.
    let internal: Vec<&Value> = r["flows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["scope"] == "internal")
        .collect();
    assert_eq!(internal.len(), 1);
    assert_eq!(internal[0]["server_geo"], Value::Null);
    assert_eq!(internal[0]["jurisdiction"], Value::Null);

    let p = &r["summary"]["placement"];
    assert_eq!(p["home"], "SE");
    assert_eq!(
        p["by_zone"]["eu"],
        json!({"flows": 2, "bytes_to": 1276, "bytes_from": 223})
    );
    assert_eq!(
        p["by_zone"]["adequate"],
        json!({"flows": 1, "bytes_to": 856, "bytes_from": 4492})
    );
    assert_eq!(
        p["left_home"],
        json!({"flows": 3, "bytes_to": 2132, "bytes_from": 4715})
    );
    assert_eq!(
        p["left_eu_eea"],
        json!({"flows": 1, "bytes_to": 856, "bytes_from": 4492})
    );
    assert_eq!(p["non_eu_control"], p["left_home"]);
    assert_eq!(p["cloud_act"], p["left_home"]);
    assert_eq!(
        p["by_jurisdiction"],
        json!({"US": {"flows": 3, "bytes_to": 2132, "bytes_from": 4715}})
    );
    assert_eq!(p["by_provider"][0]["name"], "Microsoft");
    assert_eq!(p["disputed_destinations"], 1);
    let d = &r["summary"]["destinations"][0];
    assert_eq!(
        (
            &d["ip"],
            &d["country"],
            &d["provider"],
            &d["zone"],
            &d["disputed"]
        ),
        (
            &json!("52.113.194.132"),
            &json!("CA"),
            &json!("Microsoft"),
            &json!("adequate"),
            &json!(true)
        )
    );

    let dbs: Vec<&Value> = r["geo"]["databases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| &d["name"])
        .collect();
    assert_eq!(
        dbs,
        [
            &json!("dbip-country-lite"),
            &json!("geo-whois-asn-country"),
            &json!("routeviews-rir-dbip-asn")
        ]
    );
    assert_eq!(
        r["geo"]["databases"][0]["sha256"],
        "4e7f53dd9c6ebe0e7244d5dd4cc03639bc9dbe0a5a83eca90db50eeaeea72024"
    );
    assert!(r["geo"]["providers_table"]["entries"].as_u64().unwrap() >= 3);
    assert!(
        r["geo"]["attribution"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a.as_str().unwrap().contains("DB-IP"))
    );
}

#[test]
fn without_home_nothing_is_counted_as_leaving_it() {
    let (r, _, _) = analyze(&["--json", "-", "captures/teams-like.pcap"]);
    assert_eq!(r["summary"]["placement"]["left_home"], Value::Null);
    assert_eq!(
        flow_to(&r, "52.114.77.33")["jurisdiction"]["leaves_home"],
        Value::Null
    );
}

#[test]
fn the_terminal_summary_answers_the_question() {
    let (_, text, code) = analyze(&["--home", "SE", "captures/teams-like.pcap"]);
    assert_eq!(code, 0);
    for line in [
        "Where the data went by the databases' country (home SE)",
        // The answer: 52.113.194.132 answered the SE vantage in 11.4 ms, which rules out both
        // databases' countries (CA, US): unknown, not "left"; the two IE addresses stay
        // with the databases (physics allows IE).
        "left the home country (SE)      yes           2    1.22 kB    1.28 kB",
        "                                unknown       1      524 B      856 B",
        "                                db: yes       3    1.74 kB    2.13 kB  (databases alone, for comparison)",
        "left the EU/EEA                 yes           0        0 B        0 B",
        "                                no            2    1.22 kB    1.28 kB",
        "EU/EEA answer by evidence (flows): database 2, contradicted 1",
        "    1  192.168.1.6                                   3    1.74 kB        0 B           0  eu, Microsoft, Microsoft Teams",
        "left the home country (SE)              3    2.13 kB    4.71 kB",
        "left the EU/EEA                         1      856 B    4.49 kB",
        "to providers under non-EU law           3    2.13 kB    4.71 kB",
        "IP Geolocation by DB-IP",
    ] {
        assert!(text.contains(line), "missing {line:?} in:\n{text}");
    }
    assert!(
        text.contains("52.113.194.132") && text.contains("CA!"),
        "{text}"
    );
}

#[test]
fn bad_geo_options_fail_before_reading_captures() {
    let (_, _, code) = analyze(&["--home", "Sweden", "captures/teams-like.pcap"]);
    assert_eq!(code, 2, "a wrong --home is a usage error");
    let out = Command::new(env!("CARGO_BIN_EXE_residency"))
        .args([
            "analyze",
            "--geo",
            "captures/README.md",
            "captures/teams-like.pcap",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("captures/README.md") && err.contains("not a MaxMind DB"),
        "{err}"
    );
    assert!(out.stdout.is_empty());
    // A device or a directory is refused before anything is read from it.
    for path in ["/dev/zero", "captures"] {
        let out = Command::new(env!("CARGO_BIN_EXE_residency"))
            .args(["lookup", "--geo", path, "1.1.1.1"])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{path}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("not a regular file"), "{path}: {err}");
    }
}
