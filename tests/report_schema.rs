//! Every report the real binary writes is valid against the published JSON Schema,
//! docs/report.schema.json (draft 2020-12, checked by the `jsonschema` crate with `format`
//! asserted; see `schema/mod.rs`):
//!
//! * every shipped capture (`captures/*.pcap*`), with and without `--home`;
//! * option combinations: `--vantage` (a city, two sites, a point), `--max-addresses` and
//!   `--max-flows` small enough to evict, several inputs, the same input twice, `--inside`,
//!   `--services`, `--geo` files of every vendor layout (with and without the embedded
//!   databases), `--resolve` (answered and failing), and a run stopped by SIGINT;
//! * every capture in `../shared/captures` (`RESIDENCY_NDPI_CAPTURES` overrides the path):
//!   skipped with a printed reason when absent, a failure when absent under CI=true.
//!
//! The schema is proven strict: renamed, added and removed fields, wrong enum values, wrong
//! formats are rejected. And its vocabularies are the model's: every kebab-case enum of the
//! model serialises to exactly the schema's enum.

mod cli;

use cli::skip;
#[allow(dead_code)]
#[path = "resolve/fake_dns.rs"]
mod fake_dns;
#[allow(dead_code)]
#[path = "geo_layouts/fixtures.rs"]
mod fixtures;

use cli::schema::{self, validate_report};
use fake_dns::{FakeDns, Udp, reverse_name};
use fixtures::Fixture;
use residency::flow::{ClientBy, FlowEnd, Scope, Side};
use residency::names::NameSource;
use residency::place::legal::Zone;
use residency::place::physics::judge::Verdict;
use residency::report::Incomplete;
use residency::services::Category;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// The capture most tests start from: TLS, QUIC, STUN, DNS, a Teams-like call.
const TEAMS: &str = "captures/teams-like.pcap";

/// `residency analyze --json - ARGS...`: the report, after checking that the exit status is one
/// of `codes`.
fn report(args: &[&str], codes: &[i32]) -> Value {
    let run = cli::analyze(&[&["--json", "-"], args].concat());
    assert!(
        codes.contains(&run.code),
        "analyze {args:?}: exit status {} (expected one of {codes:?}); stderr:\n{}",
        run.code,
        run.stderr
    );
    let report = run.raw_json();
    assert!(
        report.is_object(),
        "analyze {args:?}: standard output is not a JSON report; stderr:\n{}",
        run.stderr
    );
    report
}

/// Validates `report` (made by `what`), panicking with every error and where it is.
fn check(what: &str, report: &Value) {
    if let Err(errors) = validate_report(report) {
        panic!("{what}: the report does not match docs/report.schema.json:\n{errors}");
    }
}

/// Runs and validates; returns the report for further checks.
fn check_run(args: &[&str], codes: &[i32]) -> Value {
    let r = report(args, codes);
    check(&format!("analyze {}", args.join(" ")), &r);
    r
}

/// The capture files of `dir` (`*.pcap`, `*.pcapng`), sorted.
fn captures_in(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .filter(|p| {
            p.extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| e.starts_with("pcap"))
        })
        .collect();
    files.sort();
    files
}

fn shipped_captures() -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("captures");
    let files: Vec<String> = captures_in(&dir)
        .iter()
        .map(|p| format!("captures/{}", p.file_name().unwrap().to_string_lossy()))
        .collect();
    assert!(files.len() >= 20, "captures/ holds only {files:?}");
    files
}

/// Every shipped capture, as it comes (exit 3 for the damaged ones: the report still covers
/// them up to the damage).
#[test]
fn every_shipped_capture_without_options() {
    for capture in shipped_captures() {
        check_run(&[&capture], &[0, 3]);
    }
}

#[test]
fn every_shipped_capture_with_home() {
    let mut damaged = 0;
    for capture in shipped_captures() {
        let r = check_run(&["--home", "SE", &capture], &[0, 3]);
        assert_eq!(r["geo"]["home"], "SE");
        if r["summary"]["complete"] == false {
            damaged += 1;
        }
    }
    assert!(
        damaged >= 2,
        "truncated.pcap and corrupt.pcap give partial reports"
    );
}

#[test]
fn vantages_and_round_trips() {
    // A city vantage; a country (`--home` alone); a point.
    let r = check_run(&["--vantage", "Stockholm", "captures/rtt.pcap"], &[0]);
    assert_eq!(r["summary"]["physics"]["vantages"][0]["kind"], "city");
    check_run(&["--home", "SE", "captures/rtt.pcap"], &[0]);
    let r = check_run(
        &[
            "--vantage",
            "59.33,18.07",
            "--home",
            "SE",
            "captures/rtt.pcap",
        ],
        &[0],
    );
    assert_eq!(r["summary"]["physics"]["vantages"][0]["kind"], "point");
    // Two sites: anycast found by vantages that disagree.
    let r = check_run(
        &[
            "--vantage",
            "Stockholm",
            "--vantage",
            "Sydney",
            "captures/rtt.pcap",
            "captures/rtt-sydney.pcap",
        ],
        &[0],
    );
    let reasons: BTreeSet<&str> = r["addresses"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|a| a["physics"].as_array().unwrap())
        .filter_map(|p| p["anycast"]["reason"].as_str())
        .collect();
    assert!(reasons.contains("vantages-disagree"), "{reasons:?}");
    check_run(
        &[
            "--vantage",
            "Stockholm",
            "--home",
            "SE",
            TEAMS,
            "captures/names.pcap",
        ],
        &[0],
    );
}

#[test]
fn small_tables_and_several_inputs() {
    let r = check_run(
        &[
            "--max-addresses",
            "2",
            "--max-flows",
            "2",
            "--home",
            "SE",
            TEAMS,
            "captures/names.pcap",
            "captures/rtt.pcap",
        ],
        &[0],
    );
    assert!(r["summary"]["flow_table"]["evicted"].as_u64() > Some(0));
    assert!(r["summary"]["address_table"]["evicted"].as_u64() > Some(0));
    check_run(&["--max-addresses", "2", "captures/names.pcap"], &[0]);
    check_run(&["--max-flows", "2", "captures/fragments.pcap"], &[0]);
    // The same file twice; a damaged file among good ones; short timeouts.
    check_run(&[TEAMS, TEAMS], &[0]);
    check_run(
        &["captures/names.pcap", "captures/truncated.pcap", TEAMS],
        &[3],
    );
    check_run(
        &[
            "--tcp-idle-timeout",
            "1",
            "--udp-idle-timeout",
            "1",
            "--other-idle-timeout",
            "1",
            "--tcp-close-timeout",
            "1",
            "captures/names.pcap",
        ],
        &[0],
    );
}

#[test]
fn inside_networks_and_a_service_catalog_file() {
    // With only the client inside, the gateway is a remote destination; with nothing of the
    // capture inside, every flow is external.
    check_run(&["--inside", "192.168.1.6/32", TEAMS], &[0]);
    let r = check_run(&["--inside", "10.99.0.0/16", "--home", "SE", TEAMS], &[0]);
    assert!(r["summary"]["flows"]["by_scope"]["external"].as_u64() > Some(0));
    let catalog = Path::new(env!("CARGO_TARGET_TMPDIR")).join("report_schema_services.toml");
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("geo/services.toml"),
        &catalog,
    )
    .unwrap();
    let r = check_run(&["--services", catalog.to_str().unwrap(), TEAMS], &[0]);
    assert_eq!(
        r["geo"]["services_table"]["file"],
        catalog.to_str().unwrap()
    );
}

#[test]
fn geo_files_of_every_layout() {
    // Every layout residency reads (an Anonymous IP database holds none: refused).
    let paths: Vec<String> = Fixture::ALL
        .iter()
        .filter(|f| **f != Fixture::AnonymousIp)
        .map(|f| f.path().display().to_string())
        .collect();
    let mut args: Vec<&str> = vec!["--home", "SE"];
    for p in &paths {
        args.extend(["--geo", p]);
    }
    args.push(TEAMS);
    // Before the embedded databases, and alone.
    let r = check_run(&args, &[0]);
    let layouts: BTreeSet<&str> = r["geo"]["databases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["layout"].as_str().unwrap())
        .collect();
    assert_eq!(
        layouts,
        BTreeSet::from(["country-code", "ipinfo", "maxmind"])
    );
    args.insert(0, "--no-embedded-geo");
    check_run(&args, &[0]);
    // Each file alone.
    for p in &paths {
        check_run(&["--no-embedded-geo", "--geo", p, TEAMS], &[0]);
    }
}

#[test]
fn reverse_lookups() {
    // Answered: the STUN server (the one destination of teams-like.pcap without a name) gets
    // a PTR name; with the client alone inside, the gateway is asked too and has none.
    let dns = FakeDns::start(
        Udp::Answer,
        BTreeMap::from([(reverse_name("52.112.1.10"), "relay.example.".to_string())]),
    );
    let resolver = format!("127.0.0.1:{}", dns.port);
    let r = check_run(
        &[
            "--inside",
            "192.168.1.6/32",
            "--resolve",
            "--resolver",
            &resolver,
            "--resolve-timeout",
            "10",
            TEAMS,
        ],
        &[0],
    );
    assert!(r["resolve"].is_object());
    let statuses: BTreeSet<&str> = r["addresses"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a["ptr"]["status"].as_str())
        .collect();
    assert_eq!(statuses, BTreeSet::from(["found", "no-name"]));
    // Failing: nothing listens on the port.
    let closed = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let resolver = format!("127.0.0.1:{}", closed.local_addr().unwrap().port());
    drop(closed);
    check_run(
        &[
            "--resolve",
            "--resolver",
            &resolver,
            "--resolve-timeout",
            "1",
            TEAMS,
        ],
        &[0],
    );
}

/// A run stopped by SIGINT while packets still come (a capture fed through a pipe without
/// end): the report is written, says it is incomplete and why, and is valid.
#[test]
fn interrupted_run() {
    let capture =
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join(TEAMS)).expect("read capture");
    // Classic pcap, little-endian, microseconds: a 24-byte header, then records.
    assert_eq!(&capture[..4], &[0xd4, 0xc3, 0xb2, 0xa1]);
    let (header, records) = capture.split_at(24);
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let out = tmp.join("report_schema_interrupted.json");
    let _ = std::fs::remove_file(&out);
    let stderr_path = tmp.join("report_schema_interrupted.stderr");
    let mut child = Command::new(env!("CARGO_BIN_EXE_residency"))
        .args(["analyze", "--json", out.to_str().unwrap(), "-"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&stderr_path).unwrap())
        .spawn()
        .expect("run residency");
    let mut stdin = child.stdin.take().unwrap();
    let (header, records) = (header.to_vec(), records.to_vec());
    let fed = Arc::new(AtomicU64::new(0));
    let fed_by_feeder = fed.clone();
    // The same packets again and again, a second later each round, until the reader is gone.
    let feeder = std::thread::spawn(move || {
        stdin.write_all(&header)?;
        for round in 0u32..=1_000_000 {
            let mut chunk = records.clone();
            let mut at = 0;
            while at + 16 <= chunk.len() {
                let secs = u32::from_le_bytes(chunk[at..at + 4].try_into().unwrap()) + round;
                chunk[at..at + 4].copy_from_slice(&secs.to_le_bytes());
                let len = u32::from_le_bytes(chunk[at + 8..at + 12].try_into().unwrap());
                at += 16 + len as usize;
            }
            stdin.write_all(&chunk)?;
            fed_by_feeder.fetch_add(chunk.len() as u64, Ordering::Relaxed);
        }
        Ok::<(), std::io::Error>(())
    });
    // Interrupt it once it has read well past what a pipe holds (64 KiB): it is then reading
    // packets, its signal handlers long installed.
    let deadline = Instant::now() + Duration::from_secs(60);
    while fed.load(Ordering::Relaxed) < 512 * 1024 {
        assert!(
            Instant::now() < deadline && !feeder.is_finished(),
            "residency read too little"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    let killed = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("run kill");
    assert!(killed.success());
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("residency did not stop within 60 s of SIGINT");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let fed = feeder.join().unwrap();
    assert!(fed.is_err(), "the feeder stops when the reader has gone");
    let stderr = std::fs::read_to_string(&stderr_path).unwrap();
    assert_eq!(status.code(), Some(4), "stderr:\n{stderr}");
    let text = std::fs::read_to_string(&out).expect("the report is written");
    let r: Value = serde_json::from_str(&text).expect("the report is JSON");
    check("an interrupted run", &r);
    assert_eq!(r["summary"]["interrupted_by"], "SIGINT");
    assert_eq!(r["summary"]["incomplete"], json!(["interrupted"]));
}

/// The captures of a public DPI test suite (`../shared/captures`), when present.
#[test]
fn every_shared_capture() {
    let dir = std::env::var_os("RESIDENCY_NDPI_CAPTURES")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/captures"));
    if !dir.is_dir() {
        let reason = format!(
            "{} is not here: the shared captures are not validated",
            dir.display()
        );
        skip(&reason);
        return;
    }
    let files = captures_in(&dir);
    assert!(!files.is_empty(), "{} holds no capture", dir.display());
    for file in &files {
        check_run(&["--home", "SE", file.to_str().unwrap()], &[0, 3]);
    }
    // All of them as one run, too.
    let mut args: Vec<&str> = vec!["--home", "IT"];
    args.extend(files.iter().map(|f| f.to_str().unwrap()));
    check_run(&args, &[0, 3]);
}

// --- The schema itself -----------------------------------------------------------------------

#[test]
fn schema_is_valid_draft_2020_12_and_names_the_model_version() {
    let s = schema::schema();
    if let Err(e) = jsonschema::meta::validate(s) {
        panic!("docs/report.schema.json against the 2020-12 meta-schema: {e}");
    }
    assert_eq!(s["$schema"], "https://json-schema.org/draft/2020-12/schema");
    assert_eq!(
        s["properties"]["schema"]["const"],
        residency::report::SCHEMA
    );
    for key in ["$id", "title", "description"] {
        assert!(s[key].is_string(), "the schema has no {key}");
    }
    // Every object of the schema is closed, or says what its other keys are (maps).
    let mut open = Vec::new();
    find_open_objects(s, "#", &mut open);
    assert!(
        open.is_empty(),
        "objects without additionalProperties: {open:?}"
    );
}

/// Schema locations of object schemas (with `properties`) that do not close them.
fn find_open_objects(node: &Value, at: &str, open: &mut Vec<String>) {
    match node {
        Value::Object(map) => {
            if map.contains_key("properties")
                && !map.contains_key("additionalProperties")
                && !map.contains_key("unevaluatedProperties")
                && map.get("type") == Some(&json!("object"))
            {
                open.push(at.to_string());
            }
            for (k, v) in map {
                find_open_objects(v, &format!("{at}/{k}"), open);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                find_open_objects(v, &format!("{at}/{i}"), open);
            }
        }
        _ => {}
    }
}

/// A schema `enum` as a set of strings (null left out).
fn schema_enum(pointer: &str) -> BTreeSet<String> {
    schema::schema()
        .pointer(pointer)
        .and_then(Value::as_array)
        .unwrap_or_else(|| panic!("no enum at {pointer}"))
        .iter()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect()
}

/// What serde writes for each value.
fn serialised<T: serde::Serialize>(values: &[T]) -> BTreeSet<String> {
    values
        .iter()
        .map(|v| match serde_json::to_value(v).unwrap() {
            Value::String(s) => s,
            other => panic!("not a string: {other}"),
        })
        .collect()
}

/// Each kebab-case enum of the model, every variant listed (the matches below fail to compile
/// when a variant is added), serialises to exactly the schema's enum.
#[test]
fn schema_enums_are_the_models() {
    fn client_by(v: ClientBy) -> ClientBy {
        match v {
            ClientBy::Syn | ClientBy::SynAck | ClientBy::PortHeuristic | ClientBy::FirstPacket => v,
        }
    }
    fn flow_end(v: FlowEnd) -> FlowEnd {
        match v {
            FlowEnd::Fin
            | FlowEnd::Rst
            | FlowEnd::IdleTimeout
            | FlowEnd::Evicted
            | FlowEnd::EndOfCapture => v,
        }
    }
    fn scope(v: Scope) -> Scope {
        match v {
            Scope::Outbound | Scope::Inbound | Scope::Internal | Scope::External => v,
        }
    }
    fn side(v: Side) -> Side {
        match v {
            Side::Server | Side::Client => v,
        }
    }
    fn name_source(v: NameSource) -> NameSource {
        match v {
            NameSource::TlsSni
            | NameSource::QuicSni
            | NameSource::HttpHost
            | NameSource::Dns
            | NameSource::TlsCert
            | NameSource::StunRealm
            | NameSource::Ptr => v,
        }
    }
    fn rtt_source(v: residency::rtt::Source) -> residency::rtt::Source {
        use residency::rtt::Source;
        match v {
            Source::TcpHandshake | Source::Quic | Source::Stun | Source::Dns => v,
        }
    }
    fn incomplete(v: Incomplete) -> Incomplete {
        match v {
            Incomplete::DamagedInput
            | Incomplete::Interrupted
            | Incomplete::DroppedPackets
            | Incomplete::Running
            | Incomplete::GeoRecordErrors => v,
        }
    }
    let cases: Vec<(&str, BTreeSet<String>)> = vec![
        (
            "/$defs/Flow/properties/client_by/enum",
            serialised(
                &[
                    ClientBy::Syn,
                    ClientBy::SynAck,
                    ClientBy::PortHeuristic,
                    ClientBy::FirstPacket,
                ]
                .map(client_by),
            ),
        ),
        (
            "/$defs/flowEnd/enum",
            serialised(
                &[
                    FlowEnd::Fin,
                    FlowEnd::Rst,
                    FlowEnd::IdleTimeout,
                    FlowEnd::Evicted,
                    FlowEnd::EndOfCapture,
                ]
                .map(flow_end),
            ),
        ),
        (
            "/$defs/scope/enum",
            serialised(
                &[
                    Scope::Outbound,
                    Scope::Inbound,
                    Scope::Internal,
                    Scope::External,
                ]
                .map(scope),
            ),
        ),
        (
            "/$defs/side/enum",
            serialised(&[Side::Server, Side::Client].map(side)),
        ),
        (
            "/$defs/nameSource/enum",
            serialised(
                &[
                    NameSource::TlsSni,
                    NameSource::QuicSni,
                    NameSource::HttpHost,
                    NameSource::Dns,
                    NameSource::TlsCert,
                    NameSource::StunRealm,
                    NameSource::Ptr,
                ]
                .map(name_source),
            ),
        ),
        (
            "/$defs/rttSource/enum",
            serialised(&{
                use residency::rtt::Source;
                [
                    Source::TcpHandshake,
                    Source::Quic,
                    Source::Stun,
                    Source::Dns,
                ]
                .map(rtt_source)
            }),
        ),
        (
            "/$defs/Summary/properties/incomplete/items/enum",
            serialised(
                &[
                    Incomplete::DamagedInput,
                    Incomplete::Interrupted,
                    Incomplete::DroppedPackets,
                    Incomplete::Running,
                    Incomplete::GeoRecordErrors,
                ]
                .map(incomplete),
            ),
        ),
        ("/$defs/zone/enum", serialised(&Zone::ALL)),
        ("/$defs/verdict/enum", serialised(&Verdict::ALL)),
        ("/$defs/category/enum", serialised(&Category::ALL)),
        ("/$defs/left/enum", {
            use residency::place::answer::Left;
            serialised(&Left::ALL)
        }),
        ("/$defs/basis/enum", {
            use residency::place::answer::Basis;
            serialised(&Basis::ALL)
        }),
        ("/$defs/transport/enum", {
            use residency::report::record::TransportName;
            serialised(&[0u8, 1, 6, 17, 58].map(TransportName::of))
        }),
    ];
    for (pointer, model) in cases {
        assert_eq!(schema_enum(pointer), model, "{pointer}");
    }
    // The map keys that are enum names: the same vocabularies.
    assert_eq!(
        schema_enum("/$defs/PlacementSummary/properties/by_zone/required"),
        serialised(&Zone::ALL)
    );
    assert_eq!(
        schema_enum("/$defs/PhysicsSummary/properties/by_verdict/required"),
        serialised(&Verdict::ALL)
    );
    assert_eq!(
        schema_enum("/$defs/ServicesSummary/properties/by_category/required"),
        serialised(&Category::ALL)
    );
    let mut hostname_sources = schema_enum("/$defs/nameSource/enum");
    hostname_sources.insert("none".to_string());
    assert_eq!(
        schema_enum("/$defs/ServicesSummary/properties/by_hostname_source/propertyNames/enum"),
        hostname_sources
    );
}

/// The string vocabularies that are not Rust enums: every value the code can give is in the
/// schema.
#[test]
fn schema_vocabularies_cover_the_code() {
    // STUN methods: every 16-bit method number's name.
    let methods = schema_enum("/$defs/Stun/properties/methods/items/enum");
    for m in 0..=u16::MAX {
        let name = residency::names::stun::method_name(m);
        assert!(methods.contains(name), "STUN method {m:#x} ({name})");
    }
    // Link types: every number's name matches the pattern.
    let link_type = jsonschema::validator_for(
        schema::schema()
            .pointer("/$defs/Input/properties/link_types/items")
            .unwrap(),
    )
    .unwrap();
    for n in 0..=u16::MAX {
        let name = residency::source::LinkType(n).name();
        assert!(link_type.is_valid(&json!(name)), "link type {n}: {name}");
    }
    // Provider categories: those of geo/providers.toml.
    let table: toml::Table = toml::from_str(
        &std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("geo/providers.toml"))
            .unwrap(),
    )
    .unwrap();
    let allowed = schema_enum("/$defs/Provider/properties/category/enum");
    let mut seen = BTreeSet::new();
    collect_categories(&toml::Value::Table(table), &mut seen);
    assert!(seen.len() >= 5, "{seen:?}");
    for c in &seen {
        assert!(
            allowed.contains(c),
            "provider category {c:?} of geo/providers.toml"
        );
    }
}

fn collect_categories(v: &toml::Value, out: &mut BTreeSet<String>) {
    match v {
        toml::Value::Table(t) => {
            for (k, v) in t {
                match (k.as_str(), v) {
                    ("category", toml::Value::String(s)) => {
                        out.insert(s.clone());
                    }
                    _ => collect_categories(v, out),
                }
            }
        }
        toml::Value::Array(items) => items.iter().for_each(|v| collect_categories(v, out)),
        _ => {}
    }
}

// --- Strictness: broken reports are rejected ---------------------------------------------------

/// A report with flows, addresses, physics and names: teams-like.pcap from Stockholm.
fn good_report() -> Value {
    let r = check_run(&["--home", "SE", "--vantage", "Stockholm", TEAMS], &[0]);
    assert!(r["flows"].as_array().is_some_and(|f| f.len() >= 3));
    assert!(r["addresses"].as_array().is_some_and(|a| !a.is_empty()));
    r
}

fn rename_key(v: &mut Value, from: &str, to: &str) {
    let map = v.as_object_mut().unwrap();
    let value = map
        .remove(from)
        .unwrap_or_else(|| panic!("no field {from}"));
    map.insert(to.to_string(), value);
}

#[test]
fn schema_rejects_broken_reports() {
    let good = good_report();
    type Mutation = fn(&mut Value);
    // (what is broken, how, where the validator must say it is)
    let cases: &[(&str, Mutation, &str)] = &[
        (
            "a renamed flow field",
            |r| rename_key(&mut r["flows"][0], "client_by", "clientBy"),
            "/flows/0",
        ),
        (
            "an added flow field",
            |r| r["flows"][0]["extra"] = json!(1),
            "/flows/0",
        ),
        (
            "a removed flow field",
            |r| {
                r["flows"][0].as_object_mut().unwrap().remove("end");
            },
            "/flows/0",
        ),
        (
            "a wrong flow end",
            |r| r["flows"][0]["end"] = json!("closed"),
            "/flows/0/end",
        ),
        (
            "a snake_case enum value",
            |r| r["flows"][0]["end"] = json!("end_of_capture"),
            "/flows/0/end",
        ),
        (
            "a wrong scope",
            |r| r["flows"][0]["scope"] = json!("local"),
            "/flows/0",
        ),
        (
            "a negative count",
            |r| r["flows"][0]["packets"]["to_server"] = json!(-1),
            "/flows/0/packets/to_server",
        ),
        (
            "a fractional count",
            |r| r["summary"]["bytes"] = json!(1.5),
            "/summary/bytes",
        ),
        (
            "packet number 0",
            |r| r["flows"][0]["first_packet"]["number"] = json!(0),
            "/flows/0/first_packet/number",
        ),
        (
            "a local timestamp",
            |r| r["flows"][0]["first_seen"] = json!("2026-03-02T09:00:00.001+01:00"),
            "/flows/0/first_seen",
        ),
        (
            "an impossible date",
            |r| r["flows"][0]["last_seen"] = json!("2026-13-45T09:00:00Z"),
            "/flows/0/last_seen",
        ),
        (
            "a bad address",
            |r| r["flows"][0]["client"]["ip"] = json!("999.1.2.3"),
            "/flows/0/client/ip",
        ),
        (
            "a bad port",
            |r| r["flows"][0]["client"]["port"] = json!(70000),
            "/flows/0/client/port",
        ),
        (
            "a remote side on an internal flow",
            |r| {
                let f = r["flows"]
                    .as_array_mut()
                    .unwrap()
                    .iter_mut()
                    .find(|f| f["scope"] == "internal")
                    .unwrap();
                f["remote"] = json!("server");
            },
            "/flows/",
        ),
        (
            "TCP flags on UDP",
            |r| {
                let f = r["flows"]
                    .as_array_mut()
                    .unwrap()
                    .iter_mut()
                    .find(|f| f["transport"] == "udp")
                    .unwrap();
                f["tcp_flags"] = json!({"to_server": [], "to_client": []});
            },
            "/flows/",
        ),
        (
            "a wrong TCP flag",
            |r| {
                let f = r["flows"]
                    .as_array_mut()
                    .unwrap()
                    .iter_mut()
                    .find(|f| f["transport"] == "tcp")
                    .unwrap();
                f["tcp_flags"]["to_server"] = json!(["SYN", "syn"]);
            },
            "/flows/",
        ),
        (
            "a wrong hostname source",
            |r| {
                let f = r["flows"]
                    .as_array_mut()
                    .unwrap()
                    .iter_mut()
                    .find(|f| f["hostname"].is_object())
                    .unwrap();
                f["hostname"]["source"] = json!("sni");
            },
            "/flows/",
        ),
        (
            "a renamed names field",
            |r| {
                let f = r["flows"]
                    .as_array_mut()
                    .unwrap()
                    .iter_mut()
                    .find(|f| f["names"].is_object())
                    .unwrap();
                rename_key(&mut f["names"], "dns_queries", "queries");
            },
            "/flows/",
        ),
        (
            "an upper-case zone",
            |r| r["addresses"][0]["jurisdiction"]["zone"] = json!("EU"),
            "/addresses/0/jurisdiction/zone",
        ),
        (
            "a lower-case country",
            |r| r["addresses"][0]["geo"]["country"] = json!("ie"),
            "/addresses/0/geo/country",
        ),
        (
            "a wrong verdict",
            |r| r["addresses"][0]["physics"][0]["verdict"] = json!("ok"),
            "/addresses/0/physics/0/verdict",
        ),
        (
            "an address part 0",
            |r| r["addresses"][0]["part"] = json!(0),
            "/addresses/0/part",
        ),
        (
            "an added address field",
            |r| r["addresses"][0]["zone"] = json!("eu"),
            "/addresses/0",
        ),
        (
            "a short SHA-256",
            |r| r["inputs"][0]["sha256"] = json!("abc"),
            "/inputs/0/sha256",
        ),
        (
            "an upper-case SHA-256",
            |r| {
                let s = r["geo"]["legal_table"]["sha256"]
                    .as_str()
                    .unwrap()
                    .to_uppercase();
                r["geo"]["legal_table"]["sha256"] = json!(s);
            },
            "/geo/legal_table/sha256",
        ),
        (
            "a wrong capture format",
            |r| r["inputs"][0]["format"] = json!("erf"),
            "/inputs/0/format",
        ),
        (
            "empty warnings (absent when none)",
            |r| r["inputs"][0]["warnings"] = json!([]),
            "/inputs/0/warnings",
        ),
        (
            "another schema name",
            |r| r["schema"] = json!("residency.report/1"),
            "/schema",
        ),
        (
            "an added top-level field",
            |r| r["destinations"] = json!([]),
            "",
        ),
        (
            "a removed top-level field",
            |r| {
                r.as_object_mut().unwrap().remove("resolve");
            },
            "",
        ),
        (
            "a zone missing from by_zone",
            |r| {
                r["summary"]["placement"]["by_zone"]
                    .as_object_mut()
                    .unwrap()
                    .remove("us-dpf");
            },
            "/summary/placement/by_zone",
        ),
        (
            "an unknown zone in by_zone",
            |r| {
                r["summary"]["placement"]["by_zone"]["mars"] =
                    json!({"flows": 0, "bytes_to": 0, "bytes_from": 0})
            },
            "/summary/placement/by_zone",
        ),
        (
            "a complete report that says why not",
            |r| r["summary"]["incomplete"] = json!(["interrupted"]),
            "/summary",
        ),
        (
            "a wrong signal",
            |r| r["summary"]["interrupted_by"] = json!("SIGKILL"),
            "/summary/interrupted_by",
        ),
        (
            "a volume with an extra field",
            |r| r["summary"]["placement"]["cloud_act"]["packets"] = json!(1),
            "/summary/placement/cloud_act",
        ),
    ];
    for (what, mutate, at) in cases {
        let mut broken = good.clone();
        mutate(&mut broken);
        match validate_report(&broken) {
            Ok(()) => panic!("the schema accepts a report with {what}"),
            Err(errors) => {
                let paths: Vec<&str> = errors
                    .lines()
                    .filter_map(|l| l.strip_prefix("at \"")?.split('"').next())
                    .collect();
                let want = if at.is_empty() { "/" } else { at };
                assert!(
                    paths.iter().any(|p| p.starts_with(want)),
                    "{what}: expected an error at {want}, got:\n{errors}"
                );
            }
        }
    }
}
