//! `--geo` on MaxMind's own test databases: real GeoIP2/GeoLite2 files as MaxMind builds them,
//! checked record by record against the JSON MaxMind built them from (`source-data/`), and
//! MaxMind's corpus of broken databases, which must be refused or read without a panic.
//!
//! The files come from the sdist of the `maxminddb` Python package (3.2.0, PyPI), which
//! `tests/run` fetches into target/maxmind-test-data (checksum pinned there); nothing of it is
//! committed. Without it these tests print why they compare nothing and pass.

use ipnet::IpNet;
use residency::place::geo::{GeoDb, GeoError};
use serde_json::Value;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

fn data_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("RESIDENCY_MAXMIND_TEST_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("target/maxmind-test-data/maxminddb-3.2.0/tests/data")
        });
    if dir.join("test-data").is_dir() && dir.join("source-data").is_dir() {
        Some(dir)
    } else {
        println!(
            "SKIPPED: MaxMind's test databases are not at {} (tests/run fetches them from PyPI); nothing compared",
            dir.display()
        );
        None
    }
}

/// What residency should read from a source record, by MaxMind's published field names.
#[derive(Debug, PartialEq, Eq)]
struct Expected {
    country: Option<String>,
    registered_country: Option<String>,
    asn: Option<u32>,
    as_org: Option<String>,
}

fn expected(record: &Value) -> Expected {
    let s = |p: &str| {
        record
            .pointer(p)
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    let asn = record
        .pointer("/autonomous_system_number")
        .or_else(|| record.pointer("/traits/autonomous_system_number"))
        .and_then(Value::as_u64)
        .map(|n| n as u32);
    Expected {
        country: s("/country/iso_code"),
        registered_country: s("/registered_country/iso_code"),
        asn,
        as_org: asn.and(
            s("/autonomous_system_organization")
                .or_else(|| s("/traits/autonomous_system_organization")),
        ),
    }
}

/// The source JSON: a list of one-entry maps `{network: record}`.
fn source(dir: &Path, name: &str) -> Vec<(IpNet, Value)> {
    let text = std::fs::read_to_string(dir.join("source-data").join(format!("{name}.json")))
        .expect("source JSON");
    let list: Vec<serde_json::Map<String, Value>> = serde_json::from_str(&text).expect("JSON");
    list.into_iter()
        .flat_map(|m| m.into_iter())
        .map(|(net, record)| (net.parse::<IpNet>().expect("network"), record))
        .collect()
}

/// The record of the most specific source network holding `ip`.
fn most_specific(source: &[(IpNet, Value)], ip: IpAddr) -> Option<&Value> {
    source
        .iter()
        .filter(|(net, _)| net.contains(&ip))
        .max_by_key(|(net, _)| net.prefix_len())
        .map(|(_, r)| r)
}

#[test]
fn location_and_asn_databases_answer_as_their_source_says() {
    let Some(dir) = data_dir() else { return };
    let mut compared = 0;
    for (name, country, asn) in [
        ("GeoIP2-Country-Test", true, false),
        ("GeoLite2-Country-Test", true, false),
        ("GeoIP2-City-Test", true, false),
        ("GeoLite2-City-Test", true, false),
        ("GeoIP2-Enterprise-Test", true, true),
        ("GeoLite2-ASN-Test", false, true),
        ("GeoIP2-ISP-Test", false, true),
    ] {
        let path = dir.join("test-data").join(format!("{name}.mmdb"));
        let db = GeoDb::open(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(db.layout.name, "maxmind", "{name}");
        assert_eq!(db.provides_country(), country, "{name}: provides a country");
        assert_eq!(db.provides_asn(), asn, "{name}: provides an ASN");
        assert_eq!(db.database_type, name.trim_end_matches("-Test"), "{name}");
        let source = source(&dir, name);
        for (net, _) in &source {
            // The network's first address (a more specific network may hold it).
            let ip = net.network();
            let want = most_specific(&source, ip).map(expected);
            let got = db
                .lookup(0, ip)
                .unwrap_or_else(|e| panic!("{name}: {ip}: {e:?}"))
                .map(|a| Expected {
                    country: a.country,
                    registered_country: a.registered_country,
                    asn: a.asn,
                    as_org: a.as_org,
                });
            let want = want.filter(|w| {
                w.country.is_some() || w.registered_country.is_some() || w.asn.is_some()
            });
            assert_eq!(got, want, "{name}: {ip} (in {net})");
            compared += 1;
        }
    }
    println!("compared {compared} networks of 7 MaxMind test databases with their source JSON");
    assert!(compared > 1000, "{compared}");
}

#[test]
fn databases_without_a_place_or_an_as_are_refused() {
    let Some(dir) = data_dir() else { return };
    for name in [
        "GeoIP2-Anonymous-IP-Test",
        "GeoIP2-Connection-Type-Test",
        "GeoIP2-Domain-Test",
        "GeoIP2-DensityIncome-Test",
    ] {
        let path = dir.join("test-data").join(format!("{name}.mmdb"));
        match GeoDb::open(&path) {
            Err(GeoError::Layout {
                path: shown,
                detail,
            }) => {
                assert!(shown.ends_with(&format!("{name}.mmdb")), "{shown}");
                assert!(detail.contains("fields seen"), "{name}: {detail}");
            }
            other => panic!("{name}: {:?}", other.map(|d| d.layout)),
        }
    }
}

#[test]
fn broken_databases_are_refused_or_read_without_a_panic() {
    let Some(dir) = data_dir() else { return };
    let mut files: Vec<PathBuf> = Vec::new();
    for sub in [
        "bad-data/libmaxminddb",
        "bad-data/maxminddb-golang",
        "bad-data/maxminddb-python",
        "test-data",
    ] {
        let Ok(entries) = std::fs::read_dir(dir.join(sub)) else {
            continue;
        };
        files.extend(
            entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "mmdb")),
        );
    }
    files.sort();
    assert!(files.len() > 40, "{} files", files.len());
    let probes: Vec<IpAddr> = [
        "1.1.1.1",
        "2.125.160.216",
        "81.2.69.160",
        "216.160.83.56",
        "::1.1.1.1",
        "2001:218::1",
        "2a02:cf40::1",
        "255.255.255.255",
        "::",
    ]
    .iter()
    .map(|s| s.parse().unwrap())
    .collect();
    let (mut opened, mut refused, mut lookups, mut errors) = (0, 0, 0, 0);
    for path in &files {
        // Opening may fail (that is a clear error for the user); it must not panic, and
        // neither may lookups in whatever opened.
        match GeoDb::open(path) {
            Ok(db) => {
                opened += 1;
                for ip in &probes {
                    lookups += 1;
                    if let Err(e) = db.lookup(0, *ip) {
                        assert_eq!(e.ip, *ip);
                        assert!(!e.detail.is_empty());
                        errors += 1;
                    }
                }
                let _ = db.sha256();
            }
            Err(e) => {
                refused += 1;
                assert!(!e.to_string().is_empty());
            }
        }
    }
    println!(
        "{} MaxMind test and broken databases: {opened} opened and probed ({lookups} lookups, {errors} record errors reported), {refused} refused",
        files.len()
    );
}
