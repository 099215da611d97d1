//! `residency lookup` with the fixtures (`--no-embedded-geo --geo …`): the JSON entries, the
//! order of `sources`, the files `--geo` refuses, addresses from standard input; and the
//! embedded defaults.

use super::fixtures::{self, Fixture};
use super::{ip, open};
use serde_json::{Value, json};
use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn residency(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_residency"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run residency");
    if let Some(text) = stdin {
        let mut pipe = child.stdin.take().unwrap();
        pipe.write_all(text.as_bytes()).unwrap();
    }
    child.wait_with_output().expect("residency output")
}

fn path(f: Fixture) -> String {
    f.path().display().to_string()
}

/// `lookup --no-embedded-geo` with `--geo` for each fixture, then `extra` arguments.
fn lookup_args(files: &[Fixture], extra: &[&str]) -> Vec<String> {
    let mut args = vec!["lookup".to_string(), "--no-embedded-geo".to_string()];
    for f in files {
        args.extend(["--geo".to_string(), path(*f)]);
    }
    args.extend(extra.iter().map(|s| s.to_string()));
    args
}

/// Runs `args`, expects success, and parses the JSON array on standard output.
fn json_entries(args: &[String], stdin: Option<&str>) -> Vec<Value> {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = residency(&args, stdin);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
    match serde_json::from_slice(&out.stdout) {
        Ok(Value::Array(entries)) => entries,
        other => panic!("{args:?}: stdout is not a JSON array: {other:?}; stderr: {stderr}"),
    }
}

/// A failing run: (exit status, stderr). Nothing may reach standard output.
fn failure(args: &[&str], stdin: Option<&str>) -> (Option<i32>, String) {
    let out = residency(args, stdin);
    assert!(out.stdout.is_empty(), "{args:?}: stdout {:?}", out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    (out.status.code(), stderr)
}

fn str_of<'a>(v: &'a Value, pointer: &str) -> Option<&'a str> {
    v.pointer(pointer).and_then(Value::as_str)
}

#[test]
fn lookup_json_gives_each_file_answer_and_the_placement() {
    let files = [Fixture::MaxMindCountry, Fixture::DbipAsn];
    let ips = ["52.114.77.33", "62.115.7.7", "2001:2000:0::1", "8.8.8.8"];
    let mut extra = vec!["--home", "SE", "--json", "-"];
    extra.extend(ips);
    let entries = json_entries(&lookup_args(&files, &extra), None);
    assert_eq!(entries.len(), 4);

    let teams = &entries[0];
    let country_record = open(Fixture::MaxMindCountry)
        .lookup(0, ip("52.114.77.33"))
        .ok()
        .flatten()
        .unwrap()
        .record;
    let asn_record = open(Fixture::DbipAsn)
        .lookup(0, ip("52.114.77.33"))
        .ok()
        .flatten()
        .unwrap()
        .record;
    let expected = json!({
        "ip": "52.114.77.33",
        "country": "IE",
        "country_name": "Ireland",
        "asn": 8075,
        "as_org": "Microsoft Corporation",
        "prefix": "52.112.0.0/14",
        "zone": "eu",
        "agree": true,
        "special": null,
        "sources": [
            {"db": "GeoLite2-Country", "build": "2026-06-16", "country": "IE",
             "registered_country": "US",
             "prefix": "52.112.0.0/14", "record": country_record},
            {"db": "DBIP-ASN-Lite (compat=GeoLite2-ASN)", "build": "2026-06-01",
             "asn": 8075, "as_org": "Microsoft Corporation",
             "prefix": "52.112.0.0/14", "record": asn_record},
        ],
    });
    for (key, want) in expected.as_object().unwrap() {
        assert_eq!(&teams[key], want, "52.114.77.33: {key}");
    }
    let provider = &teams["provider"];
    assert_eq!(str_of(provider, "/name"), Some("Microsoft"));
    assert_eq!(str_of(provider, "/jurisdiction"), Some("US"));
    assert_eq!(str_of(provider, "/matched_by"), Some("asn"));
    assert_eq!(provider["cloud_act"], true);
    assert_eq!(provider["fallback"], false);
    let jurisdiction = &teams["jurisdiction"];
    assert_eq!(str_of(jurisdiction, "/zone"), Some("eu"));
    assert!(jurisdiction["legal_basis"].is_string());
    assert_eq!(jurisdiction["leaves_home"], true);
    assert_eq!(jurisdiction["leaves_eu_eea"], false);
    assert_eq!(jurisdiction["foreign_control"], true);
    assert_eq!(str_of(jurisdiction, "/control_zone"), Some("us-dpf"));

    // Arelion, IPv4 and IPv6 (printed in its canonical form): home, controlled from home. The
    // country record's registered_country equals its country, so the key is left out.
    for (entry, addr, prefix) in [
        (&entries[1], "62.115.7.7", "62.115.0.0/16"),
        (&entries[2], "2001:2000::1", "2001:2000::/20"),
    ] {
        assert_eq!(str_of(entry, "/ip"), Some(addr));
        assert_eq!(str_of(entry, "/country"), Some("SE"), "{addr}");
        assert_eq!(str_of(entry, "/country_name"), Some("Sweden"));
        assert_eq!(entry["asn"], 1299, "{addr}");
        assert_eq!(str_of(entry, "/prefix"), Some(prefix));
        assert_eq!(str_of(entry, "/zone"), Some("home"), "{addr}");
        assert_eq!(str_of(entry, "/provider/name"), Some("Arelion"));
        assert_eq!(str_of(entry, "/provider/jurisdiction"), Some("SE"));
        assert_eq!(entry["provider"]["cloud_act"], false);
        assert_eq!(entry["jurisdiction"]["leaves_home"], false, "{addr}");
        assert_eq!(entry["jurisdiction"]["foreign_control"], false, "{addr}");
        assert_eq!(str_of(entry, "/jurisdiction/control_zone"), Some("home"));
        let first = &entry["sources"][0];
        assert_eq!(str_of(first, "/country"), Some("SE"));
        assert!(first.get("registered_country").is_none(), "{first}");
    }

    // In neither file.
    let unknown = &entries[3];
    assert_eq!(unknown["country"], Value::Null);
    assert_eq!(unknown["provider"], Value::Null);
    assert_eq!(str_of(unknown, "/zone"), Some("unknown"));
    assert_eq!(unknown["sources"], json!([]));
    assert_eq!(unknown["jurisdiction"]["leaves_home"], Value::Null);
    assert_eq!(unknown["agree"], true);
}

#[test]
fn every_layout_answers_through_the_cli_in_command_line_order() {
    let files: Vec<Fixture> = Fixture::ALL
        .into_iter()
        .filter(|f| *f != Fixture::AnonymousIp)
        .collect();
    let entries = json_entries(&lookup_args(&files, &["--json", "-", "52.112.0.1"]), None);
    let sources = entries[0]["sources"].as_array().unwrap();
    let got: Vec<(&str, &str, &Value, &Value, &Value)> = sources
        .iter()
        .map(|s| {
            let db = str_of(s, "/db").unwrap();
            (
                db,
                str_of(s, "/build").unwrap(),
                &s["country"],
                &s["asn"],
                &s["as_org"],
            )
        })
        .collect();
    let msft = json!("Microsoft Corporation");
    let block = json!("MICROSOFT-CORP-MSN-AS-BLOCK");
    let (ie, none, asn) = (json!("IE"), Value::Null, json!(8075));
    let want: Vec<(&str, &str, &Value, &Value, &Value)> = vec![
        ("GeoLite2-Country", "2026-06-16", &ie, &none, &none),
        ("GeoLite2-City", "2026-06-16", &ie, &none, &none),
        ("GeoLite2-ASN", "2026-06-16", &none, &asn, &block),
        ("DBIP-Country-Lite", "2026-06-01", &ie, &none, &none),
        (
            "DBIP-ASN-Lite (compat=GeoLite2-ASN)",
            "2026-06-01",
            &none,
            &asn,
            &msft,
        ),
        ("ipinfo lite.mmdb", "2026-06-17", &ie, &asn, &msft),
        ("ipinfo country.mmdb", "2026-06-17", &ie, &none, &none),
        ("ipinfo asn.mmdb", "2026-06-17", &none, &asn, &msft),
        ("country ipv4", "2026-06-01", &ie, &none, &none),
    ];
    assert_eq!(got, want);
    // The first file with an ASN gives it: GeoLite2-ASN, third on the command line.
    assert_eq!(
        str_of(&entries[0], "/as_org"),
        Some("MICROSOFT-CORP-MSN-AS-BLOCK")
    );
    assert!(sources.iter().all(|s| s["prefix"] == "52.112.0.0/14"));
    assert_eq!(entries[0]["agree"], true);
}

#[test]
fn sources_follow_the_command_line_and_the_first_country_wins() {
    let order = [
        Fixture::DbipCountry,
        Fixture::MaxMindCountry,
        Fixture::MaxMindCity,
    ];
    let mut reversed = order;
    reversed.reverse();
    for (files, country) in [(order, "BR"), (reversed, "DE")] {
        let entries = json_entries(&lookup_args(&files, &["--json", "-", "2.16.0.1"]), None);
        let entry = &entries[0];
        let dbs: Vec<&str> = entry["sources"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| str_of(s, "/db").unwrap())
            .collect();
        let want: Vec<&str> = files.iter().map(|f| f.database_type()).collect();
        assert_eq!(dbs, want);
        assert_eq!(str_of(entry, "/country"), Some(country));
        assert_eq!(entry["agree"], false);
    }

    // The table says so too.
    let args = lookup_args(&order, &["2.16.0.1", "62.115.7.7"]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = residency(&args, None);
    assert_eq!(out.status.code(), Some(0));
    let table = String::from_utf8(out.stdout).unwrap();
    let line = |addr: &str| {
        table
            .lines()
            .find(|l| l.starts_with(addr))
            .unwrap_or_else(|| panic!("no line for {addr}: {table}"))
    };
    let akamai = line("2.16.0.1");
    assert!(akamai.contains("DBIP-Country-Lite=BR GeoLite2-Country=NL GeoLite2-City=DE"));
    assert!(akamai.ends_with("(databases disagree)"), "{akamai}");
    assert!(!line("62.115.7.7").contains("disagree"));
}

#[test]
fn geo_files_come_before_the_embedded_databases() {
    let args = [
        "lookup",
        "--geo",
        &path(Fixture::DbipCountry),
        "--json",
        "-",
        "2.16.0.1",
    ];
    let out = residency(&args, None);
    assert_eq!(out.status.code(), Some(0));
    let entries: Value = serde_json::from_slice(&out.stdout).unwrap();
    let sources = entries[0]["sources"].as_array().unwrap();
    assert!(sources.len() > 1, "the embedded databases answer too");
    assert_eq!(str_of(&sources[0], "/db"), Some("DBIP-Country-Lite"));
    assert_eq!(str_of(&entries[0], "/country"), Some("BR"));
    // The embedded ASN database gives the ASN the fixture lacks.
    assert_eq!(entries[0]["asn"], 20940);
}

#[test]
fn geo_files_residency_cannot_read_exit_1_naming_the_file() {
    let good = path(Fixture::MaxMindCountry);
    let anonymous = path(Fixture::AnonymousIp);
    let text = fixtures::text_file().display().to_string();
    let empty = fixtures::empty_file().display().to_string();
    let missing = Path::new(&empty).with_file_name("missing.mmdb");
    let missing = missing.display().to_string();
    for bad in [&text, &empty, &anonymous, &missing] {
        // Alone, after a good file, and with the embedded databases.
        for args in [
            vec!["lookup", "--no-embedded-geo", "--geo", bad, "52.112.0.1"],
            vec![
                "lookup",
                "--geo",
                &good,
                "--geo",
                bad,
                "--json",
                "-",
                "52.112.0.1",
            ],
        ] {
            let (code, stderr) = failure(&args, None);
            assert_eq!(code, Some(1), "{args:?}: {stderr}");
            assert!(stderr.starts_with("residency: error: "), "{stderr}");
            assert!(stderr.contains(bad.as_str()), "{bad} not named: {stderr}");
            assert!(!stderr.contains(good.as_str()), "{stderr}");
        }
    }
    let (_, stderr) = failure(&["lookup", "--geo", &text, "1.1.1.1"], None);
    assert!(stderr.contains("not a MaxMind DB file"), "{stderr}");
    let (_, stderr) = failure(&["lookup", "--geo", &anonymous, "1.1.1.1"], None);
    assert!(stderr.contains("GeoIP2-Anonymous-IP"), "{stderr}");
    for field in [
        "is_anonymous",
        "is_anonymous_vpn",
        "is_hosting_provider",
        "is_tor_exit_node",
    ] {
        assert!(stderr.contains(field), "{field} not listed: {stderr}");
    }
    // A bad --home is a usage error.
    let (code, stderr) = failure(&["lookup", "--home", "XX", "1.1.1.1"], None);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("'XX'") && stderr.contains("ISO 3166-1"),
        "{stderr}"
    );
}

#[test]
fn a_word_that_is_not_an_ip_exits_2() {
    let geo = path(Fixture::MaxMindCountry);
    for args in [
        vec!["lookup", "not-an-ip"],
        vec!["lookup", "--json", "-", "52.112.0.1", "not-an-ip"],
        vec!["lookup", "--no-embedded-geo", "--geo", &geo, "not-an-ip"],
    ] {
        let (code, stderr) = failure(&args, None);
        assert_eq!(code, Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.contains("\"not-an-ip\" is not an IP address"),
            "{stderr}"
        );
    }
    // On standard input, the line is named.
    let (code, stderr) = failure(&["lookup", "-"], Some("52.112.0.1\n# ok\n52.112.0.999\n"));
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("line 3"), "{stderr}");
    assert!(stderr.contains("\"52.112.0.999\""), "{stderr}");
    // No address at all is a usage error too.
    let (code, _) = failure(&["lookup"], None);
    assert_eq!(code, Some(2));
}

#[test]
fn addresses_from_standard_input_skip_blank_lines_and_comments() {
    let files = [Fixture::IpinfoLite];
    let stdin = "52.114.77.33\n\n# Teams above, Arelion below\n  62.115.7.7  # backbone\n\t\n2001:2000::1\n";
    let entries = json_entries(&lookup_args(&files, &["--json", "-", "-"]), Some(stdin));
    let ips: Vec<&str> = entries.iter().map(|e| str_of(e, "/ip").unwrap()).collect();
    assert_eq!(ips, ["52.114.77.33", "62.115.7.7", "2001:2000::1"]);
    let asns: Vec<&Value> = entries.iter().map(|e| &e["asn"]).collect();
    assert_eq!(asns, [&json!(8075), &json!(1299), &json!(1299)]);

    // Arguments and standard input mix, in order.
    let args = lookup_args(&files, &["--json", "-", "2.16.0.1", "-", "8.8.8.8"]);
    let entries = json_entries(&args, Some("62.115.7.7\n"));
    let ips: Vec<&str> = entries.iter().map(|e| str_of(e, "/ip").unwrap()).collect();
    assert_eq!(ips, ["2.16.0.1", "62.115.7.7", "8.8.8.8"]);

    // --json PATH writes the file, and nothing to standard output.
    let name = format!("lookup-{}.json", std::process::id());
    let out_path = fixtures::empty_file().with_file_name(name);
    let out_arg = out_path.display().to_string();
    let args = lookup_args(&files, &["--json", &out_arg, "62.115.7.7"]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = residency(&args, None);
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stdout.is_empty());
    let written: Value = serde_json::from_slice(&std::fs::read(&out_path).unwrap()).unwrap();
    assert_eq!(str_of(&written, "/0/provider/name"), Some("Arelion"));
    std::fs::remove_file(&out_path).ok();
}

#[test]
fn embedded_defaults_place_the_known_destinations() {
    let args = [
        "lookup",
        "--json",
        "-",
        "52.114.77.33",
        "62.115.0.1",
        "2.16.0.1",
    ];
    let out = residency(&args, None);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let entries: Value = serde_json::from_slice(&out.stdout).unwrap();

    // (ip, ASN, provider, jurisdiction, US CLOUD Act, foreign control)
    let table = [
        ("52.114.77.33", 8075, "Microsoft", "US", true, true),
        ("62.115.0.1", 1299, "Arelion", "SE", false, false),
        ("2.16.0.1", 20940, "Akamai", "US", true, true),
    ];
    for (i, (addr, asn, name, jurisdiction, cloud_act, foreign)) in table.into_iter().enumerate() {
        let e = &entries[i];
        assert_eq!(str_of(e, "/ip"), Some(addr));
        assert_eq!(e["asn"], asn, "{addr}");
        assert_eq!(str_of(e, "/provider/name"), Some(name), "{addr}");
        assert_eq!(
            str_of(e, "/provider/jurisdiction"),
            Some(jurisdiction),
            "{addr}"
        );
        assert_eq!(str_of(e, "/provider/matched_by"), Some("asn"), "{addr}");
        assert_eq!(e["provider"]["cloud_act"], cloud_act, "{addr}");
        assert_eq!(e["jurisdiction"]["foreign_control"], foreign, "{addr}");
        let sources = e["sources"].as_array().unwrap();
        assert!(sources.len() >= 2, "{addr}: {sources:?}");
        for s in sources {
            let build = str_of(s, "/build").unwrap();
            assert!(build.len() == 10 && build.starts_with("20"), "{addr}: {s}");
        }
    }
    // The Teams relay: in Ireland, zone eu, under US control.
    let teams = &entries[0];
    assert_eq!(str_of(teams, "/country"), Some("IE"));
    assert_eq!(str_of(teams, "/zone"), Some("eu"));
    assert_eq!(str_of(teams, "/jurisdiction/control_zone"), Some("us-dpf"));
    assert_eq!(teams["jurisdiction"]["leaves_eu_eea"], false);
    assert_eq!(str_of(teams, "/as_org"), Some("Microsoft Corporation"));
    // Arelion is controlled from Sweden; Akamai's parent is in the US.
    assert_eq!(
        str_of(&entries[1], "/jurisdiction/control_zone"),
        Some("eu")
    );
    assert_eq!(
        str_of(&entries[2], "/jurisdiction/control_zone"),
        Some("us-dpf")
    );
}

#[test]
fn two_files_of_one_product_are_told_apart_by_their_path() {
    let file = path(Fixture::MaxMindCountry);
    let copy = format!("{file}.copy.mmdb");
    std::fs::copy(&file, &copy).unwrap();
    let args: Vec<String> = [
        "lookup",
        "--no-embedded-geo",
        "--geo",
        &file,
        "--geo",
        &copy,
    ]
    .iter()
    .map(|s| s.to_string())
    .chain([
        "--json".to_string(),
        "-".to_string(),
        "52.112.0.1".to_string(),
    ])
    .collect();
    let entries = json_entries(&args, None);
    let dbs: Vec<&str> = entries[0]["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["db"].as_str().unwrap())
        .collect();
    assert_eq!(
        dbs,
        [
            format!("GeoLite2-Country ({file})"),
            format!("GeoLite2-Country ({copy})")
        ]
    );
}
