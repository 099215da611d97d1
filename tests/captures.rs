//! The shipped captures (`captures/`, made by `examples/gen_captures/`) through the real
//! binary: every flow's counts, bytes, endpoints, packet numbers and times against
//! `captures/expected.json`, which the generator computes from what it wrote.

mod cli;

use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output};

fn residency(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_residency"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run residency")
}

fn report(args: &[&str]) -> (Value, i32) {
    let out = residency(args);
    let json: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout of {args:?} is not JSON ({e}); stderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    if let Err(e) = cli::schema_check(&json) {
        panic!("{args:?}: the report does not match its schema:\n{e}");
    }
    (cli::denormalise(&json), out.status.code().unwrap_or(-1))
}

fn endpoint(v: &Value) -> String {
    let ip = v["ip"].as_str().unwrap();
    let port = v["port"].as_u64().unwrap();
    if ip.contains(':') {
        format!("[{ip}]:{port}")
    } else {
        format!("{ip}:{port}")
    }
}

#[test]
fn every_shipped_capture_matches_expected_flows() {
    let expected: BTreeMap<String, Vec<Value>> =
        serde_json::from_str(&std::fs::read_to_string("captures/expected.json").unwrap()).unwrap();
    assert!(
        expected.len() >= 17,
        "expected.json lists {} captures",
        expected.len()
    );
    for (file, want) in &expected {
        let path = format!("captures/{file}");
        let (r, code) = report(&["analyze", "--json", "-", &path]);
        let partial = file == "truncated.pcap" || file == "corrupt.pcap";
        assert_eq!(code, if partial { 3 } else { 0 }, "{file}: exit status");
        let flows = r["flows"].as_array().unwrap();
        let got: BTreeMap<(String, String, String), &Value> = flows
            .iter()
            .map(|f| {
                let key = (
                    f["transport"].as_str().unwrap().to_string(),
                    endpoint(&f["client"]),
                    endpoint(&f["server"]),
                );
                (key, f)
            })
            .collect();
        assert_eq!(
            got.len(),
            want.len(),
            "{file}: flows {:?}",
            got.keys().collect::<Vec<_>>()
        );
        for w in want {
            let key = (
                w["transport"].as_str().unwrap().to_string(),
                w["client"].as_str().unwrap().to_string(),
                w["server"].as_str().unwrap().to_string(),
            );
            let f = got
                .get(&key)
                .unwrap_or_else(|| panic!("{file}: no flow {key:?}; have {:?}", got.keys()));
            let pairs = [
                ("packets_to_server", &f["packets"]["to_server"]),
                ("packets_to_client", &f["packets"]["to_client"]),
                ("bytes_to_server", &f["bytes"]["to_server"]),
                ("bytes_to_client", &f["bytes"]["to_client"]),
                ("first_packet", &f["first_packet"]["number"]),
                ("last_packet", &f["last_packet"]["number"]),
                ("first_seen", &f["first_seen"]),
                ("last_seen", &f["last_seen"]),
            ];
            for (name, value) in pairs {
                assert_eq!(value, &w[name], "{file} {key:?}: {name}");
            }
        }
    }
}

#[test]
fn teams_like_session_in_detail() {
    let (r, code) = report(&["analyze", "--json", "-", "captures/teams-like.pcap"]);
    assert_eq!(code, 0);
    assert_eq!(r["schema"], "residency.report/2");
    assert_eq!(r["tool"]["name"], "residency");
    let input = &r["inputs"][0];
    assert_eq!(input["format"], "pcap");
    assert_eq!(input["link_types"], serde_json::json!(["ethernet"]));
    assert_eq!(input["packets"], 22);
    assert_eq!(input["skipped"]["non_ip"], 1, "the ARP frame");
    assert_eq!(input["errors"], serde_json::json!([]));
    let bytes = std::fs::read("captures/teams-like.pcap").unwrap();
    assert_eq!(input["size"], bytes.len() as u64);
    assert_eq!(input["sha256"].as_str().unwrap().len(), 64);
    let tls = r["flows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["server"]["port"] == 443 && f["transport"] == "tcp")
        .unwrap();
    assert_eq!(tls["client_by"], "syn");
    assert_eq!(tls["scope"], "outbound");
    assert_eq!(tls["remote"], "server");
    assert_eq!(tls["end"], "fin");
    assert_eq!(
        tls["tcp_flags"]["to_client"],
        serde_json::json!(["FIN", "SYN", "PSH", "ACK"])
    );
    let dns = r["flows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["server"]["port"] == 53)
        .unwrap();
    assert_eq!(
        (dns["scope"].as_str(), dns["remote"].as_str()),
        (Some("internal"), None)
    );
    let top = &r["summary"]["destinations"][0];
    assert_eq!(
        top["ip"], "52.113.194.132",
        "the TLS peer exchanges the most bytes"
    );
    assert_eq!(
        (top["bytes_to"].as_u64(), top["bytes_from"].as_u64()),
        (Some(856), Some(4492))
    );
    assert_eq!(r["summary"]["complete"], true);
}

#[test]
fn reports_are_byte_identical_across_runs() {
    let args = [
        "analyze",
        "--json",
        "-",
        "captures/teams-like.pcap",
        "captures/ipv6.pcapng",
        "captures/fragments.pcap",
    ];
    let a = residency(&args);
    let b = residency(&args);
    assert!(a.status.success());
    assert!(!a.stdout.is_empty());
    assert_eq!(a.stdout, b.stdout);
}

#[test]
fn damaged_files_are_analysed_up_to_the_damage() {
    let (r, code) = report(&[
        "analyze",
        "--json",
        "-",
        "captures/truncated.pcap",
        "captures/corrupt.pcap",
    ]);
    assert_eq!(code, 3);
    assert_eq!(r["summary"]["complete"], false);
    let t = &r["inputs"][0];
    assert_eq!(
        (t["packets"].as_u64(), t["complete"].as_bool()),
        (Some(7), Some(false))
    );
    assert_eq!(t["errors"][0]["kind"], "truncated");
    assert_eq!(t["errors"][0]["packet"], 8);
    let c = &r["inputs"][1];
    assert_eq!(c["packets"], 5);
    assert_eq!(c["errors"][0]["kind"], "corrupt");
    assert_eq!(c["errors"][0]["packet"], 6);
    // The terminal form says so too, and still summarises.
    let out = residency(&["analyze", "captures/truncated.pcap"]);
    assert_eq!(out.status.code(), Some(3));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("PARTIAL") && text.contains("truncated at byte"),
        "{text}"
    );
}

#[test]
fn not_a_capture_is_a_clear_error() {
    let out = residency(&[
        "analyze",
        "captures/teams-like.pcap",
        "captures/not-a-capture.txt",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty(), "no partial report for a wrong file");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("captures/not-a-capture.txt") && err.contains("not a pcap or pcapng"),
        "{err}"
    );
    let out = residency(&["analyze", "captures/does-not-exist.pcap"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("does-not-exist.pcap"));
}

#[test]
fn precision_and_link_types_follow_the_file() {
    let (r, _) = report(&["analyze", "--json", "-", "captures/ns.pcap"]);
    assert_eq!(r["inputs"][0]["precision"], 9);
    assert_eq!(
        r["inputs"][0]["first_packet"],
        "2026-03-02T09:00:00.123456789Z"
    );
    let (r, _) = report(&["analyze", "--json", "-", "captures/ipv6.pcapng"]);
    assert_eq!(r["inputs"][0]["format"], "pcapng");
    assert_eq!(
        r["inputs"][0]["link_types"],
        serde_json::json!(["ethernet", "raw"])
    );
}

#[test]
fn inside_networks_set_the_scope() {
    let (r, _) = report(&[
        "analyze",
        "--json",
        "-",
        "--inside",
        "52.112.0.0/14",
        "captures/teams-like.pcap",
    ]);
    let scopes: Vec<&str> = r["flows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["scope"].as_str().unwrap())
        .collect();
    assert!(scopes.contains(&"inbound"), "{scopes:?}");
    assert_eq!(
        r["settings"]["inside"],
        serde_json::json!(["52.112.0.0/14"])
    );
}

#[test]
fn json_file_and_terminal_summary() {
    let dir = std::env::temp_dir().join(format!("residency-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("report.json");
    let out = residency(&[
        "analyze",
        "--json",
        path.to_str().unwrap(),
        "captures/teams-like.pcap",
    ]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("Top remote destinations") && text.contains("52.114.77.33"),
        "{text}"
    );
    let written: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(written["inputs"][0]["packets"], 22);
    assert!(Path::new(&path).exists());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn capture_from_standard_input() {
    use std::io::Write;
    use std::process::Stdio;
    let mut child = Command::new(env!("CARGO_BIN_EXE_residency"))
        .args(["analyze", "--json", "-", "-"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let bytes =
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("captures/vlan.pcap")).unwrap();
    child.stdin.take().unwrap().write_all(&bytes).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["inputs"][0]["path"], "-");
    assert_eq!(r["inputs"][0]["packets"], 10);
    assert_eq!(r["flows"].as_array().unwrap().len(), 2);
}
