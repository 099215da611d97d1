//! Oracle test: the names residency reads from Google QUIC CHLOs and from a ClientHello after a
//! non-TLS preamble, checked against tshark's dissection of the same packets.
//!
//! * `captures/gquic.pcap` (Chrome-like Q039/Q043/Q046 CHLOs, `examples/gen_captures/captures/
//!   missed.rs`): residency's `quic-sni` per flow, exactly; tshark's `gquic.tag.sni` on the same
//!   frame agrees for the three flows it reads. The fourth puts a PADDING run before the STREAM
//!   frame, which tshark 4.0 takes to fill the packet (the rule before Q038): it must show no
//!   name there, or the same one.
//! * `captures/tls-preamble.pcap`: the ClientHello after six non-TLS bytes; tshark decodes it on
//!   port 443 without a "decode as" rule (`tls.handshake.extensions_server_name`, frame 4).
//! * `../shared/captures` (or `RESIDENCY_NDPI_CAPTURES`): every flow tshark finds a
//!   `gquic.tag.sni` in gets the same name from residency (quic.pcap: 8 flows,
//!   Q024/Q025/Q030; http_ipv6.pcap: 1, Q025).
//!
//! Without tshark (or the shared captures) the tests print why and pass.

mod cli;

use cli::skip;
use serde_json::Value;
use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::Path;
use std::process::{Command, Stdio};

const GQUIC: &str = "captures/gquic.pcap";
const PREAMBLE: &str = "captures/tls-preamble.pcap";

/// tshark's fields, one line per frame (tab-separated), with an empty configuration; None
/// (after saying why) when tshark cannot run. No rows (after saying why) when tshark fails
/// without printing any: a capture it cannot read compares nothing, and says so.
fn tshark(capture: &Path, filter: &str, fields: &[&str]) -> Option<Vec<Vec<String>>> {
    let config = Path::new(env!("CARGO_TARGET_TMPDIR")).join("oracle_tshark_names_config");
    let _ = std::fs::create_dir_all(&config);
    let mut cmd = Command::new("tshark");
    cmd.env("WIRESHARK_CONFIG_DIR", config)
        .arg("-n")
        .arg("-r")
        .arg(capture)
        .args(["-Y", filter, "-T", "fields", "-E", "separator=/t"]);
    for f in fields {
        cmd.args(["-e", f]);
    }
    let out = match cmd.stdin(Stdio::null()).output() {
        Ok(out) => out,
        Err(e) => {
            skip(&format!("tshark is not runnable from PATH ({e})"));
            return None;
        }
    };
    if !out.status.success() && out.stdout.is_empty() {
        cli::excluded(&format!(
            "tshark {} on {} printed nothing ({}): nothing compared there",
            out.status,
            capture.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
        return Some(Vec::new());
    }
    if !out.status.success() {
        // A damaged capture: tshark stops at the damage, having printed what it read.
        println!(
            "tshark {} on {}: {}",
            out.status,
            capture.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    let text = String::from_utf8_lossy(&out.stdout);
    Some(
        text.lines()
            .map(|l| l.split('\t').map(str::to_string).collect())
            .collect(),
    )
}

fn report(capture: &str) -> Value {
    let run = cli::analyze(&["--json", "-", capture]);
    assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    run.json()
}

/// Per flow (client port): the hostname's name, source and packet, and the QUIC version.
fn names_by_client_port(r: &Value) -> BTreeMap<u64, (String, String, u64, String)> {
    let mut out = BTreeMap::new();
    for f in r["flows"].as_array().expect("flows") {
        let port = f["client"]["port"].as_u64().expect("port");
        let h = &f["hostname"];
        let quic = f["names"]["quic"]["version"].as_str().unwrap_or("");
        out.insert(
            port,
            (
                h["name"].as_str().unwrap_or("").to_string(),
                h["source"].as_str().unwrap_or("").to_string(),
                h["packet"].as_u64().unwrap_or(0),
                quic.to_string(),
            ),
        );
    }
    out
}

#[test]
fn generated_gquic_chlos_are_named_as_tshark_names_them() {
    let r = report(GQUIC);
    let ours = names_by_client_port(&r);
    let expect = |name: &str, packet, version: &str| {
        (
            name.to_string(),
            "quic-sni".to_string(),
            packet,
            version.to_string(),
        )
    };
    let expected = BTreeMap::from([
        (52001, expect("www.youtube.com", 1, "Q039")),
        (52002, expect("dns.google.com", 3, "Q043")),
        (52003, expect("play.google.com", 5, "Q046")),
        (52004, expect("i.ytimg.com", 8, "Q046")),
    ]);
    assert_eq!(ours, expected);

    let Some(rows) = tshark(
        Path::new(GQUIC),
        "gquic",
        &["frame.number", "udp.srcport", "gquic.tag.sni"],
    ) else {
        return;
    };
    let theirs: BTreeMap<u64, (String, u64)> = rows
        .iter()
        .filter(|r| r.get(2).is_some_and(|s| !s.is_empty()))
        .map(|r| (r[1].parse().unwrap(), (r[2].clone(), r[0].parse().unwrap())))
        .collect();
    for (port, (name, _, packet, _)) in &ours {
        match theirs.get(port) {
            Some(t) => assert_eq!(t, &(name.clone(), *packet), "client port {port}"),
            // The PADDING-first packet only: tshark reads nothing after PADDING.
            None => assert_eq!(*port, 52004, "tshark names no CHLO on port {port}"),
        }
    }
    assert!(theirs.len() >= 3, "tshark read {theirs:?}");
}

#[test]
fn generated_hello_after_a_preamble_is_named_as_tshark_names_it() {
    let r = report(PREAMBLE);
    let flows = r["flows"].as_array().expect("flows");
    assert_eq!(flows.len(), 1);
    let f = &flows[0];
    assert_eq!(f["hostname"]["name"], "portal.example.com");
    assert_eq!(f["hostname"]["source"], "tls-sni");
    assert_eq!(f["hostname"]["packet"], 4);
    let tls = &f["names"]["tls"];
    assert_eq!(tls["preamble_bytes"], 6);
    assert_eq!(tls["alpn"], serde_json::json!(["h2", "http/1.1"]));

    let Some(rows) = tshark(
        Path::new(PREAMBLE),
        "tls.handshake.extensions_server_name",
        &["frame.number", "tls.handshake.extensions_server_name"],
    ) else {
        return;
    };
    let rows: Vec<(String, String)> = rows
        .into_iter()
        .map(|r| (r[0].clone(), r[1].clone()))
        .collect();
    assert_eq!(rows, vec![("4".into(), "portal.example.com".into())]);
}

/// A flow key that ignores direction: (lower endpoint, higher endpoint).
type Key = ((IpAddr, u64), (IpAddr, u64));

fn key(a: (IpAddr, u64), b: (IpAddr, u64)) -> Key {
    if a <= b { (a, b) } else { (b, a) }
}

#[test]
fn gquic_flows_of_the_shared_captures_are_named_as_tshark_names_them() {
    let dir = cli::shared_dir();
    if !dir.is_dir() {
        return skip(&format!(
            "{} is absent: no shared gQUIC flows to compare",
            dir.display()
        ));
    }
    let mut captures: Vec<_> = std::fs::read_dir(&dir)
        .expect("read the captures directory")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "pcap" || x == "pcapng"))
        .collect();
    captures.sort();
    let mut compared = BTreeMap::new();
    for path in &captures {
        let fields = [
            "ip.src",
            "ipv6.src",
            "udp.srcport",
            "ip.dst",
            "ipv6.dst",
            "udp.dstport",
        ];
        let all: Vec<&str> = fields.iter().copied().chain(["gquic.tag.sni"]).collect();
        let Some(rows) = tshark(path, "gquic.tag.sni", &all) else {
            return;
        };
        let mut theirs: BTreeMap<Key, String> = BTreeMap::new();
        for r in &rows {
            let ip = |v4: &str, v6: &str| -> IpAddr {
                if v4.is_empty() { v6 } else { v4 }
                    .parse()
                    .expect("an address")
            };
            let port = |p: &str| p.parse::<u64>().expect("a port");
            let k = key(
                (ip(&r[0], &r[1]), port(&r[2])),
                (ip(&r[3], &r[4]), port(&r[5])),
            );
            theirs.entry(k).or_insert_with(|| r[6].clone());
        }
        if theirs.is_empty() {
            continue;
        }
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let r = report(path.to_str().expect("a UTF-8 path"));
        let mut ours: BTreeMap<Key, String> = BTreeMap::new();
        for f in r["flows"].as_array().expect("flows") {
            let end = |e: &Value| {
                (
                    e["ip"].as_str().unwrap().parse().unwrap(),
                    e["port"].as_u64().unwrap_or(0),
                )
            };
            if let Some(sni) = f["names"]["quic"]["hello"]["sni"].as_str() {
                ours.insert(key(end(&f["client"]), end(&f["server"])), sni.to_string());
            }
        }
        for (k, sni) in &theirs {
            assert_eq!(ours.get(k), Some(sni), "{name}: flow {k:?}");
        }
        compared.insert(name, theirs.len());
    }
    println!("gQUIC flows compared with tshark: {compared:?}");
    // The two captures known to hold gQUIC names are compared whenever they are here.
    for (name, flows) in [("quic.pcap", 8), ("http_ipv6.pcap", 1)] {
        if captures
            .iter()
            .any(|p| p.file_name().is_some_and(|n| n == name))
        {
            assert_eq!(compared.get(name), Some(&flows), "{name}");
        }
    }
}
