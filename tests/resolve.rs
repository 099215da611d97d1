//! `--resolve` through the real binary against a DNS server run by the test itself on 127.0.0.1
//! (no network needed): which destinations are looked up, what the report says about each, and
//! how a silent or truncating resolver is handled.

mod cli;
#[path = "resolve/fake_dns.rs"]
mod fake_dns;

use cli::flow_to;
use fake_dns::{FakeDns, Udp, reverse_name};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::net::UdpSocket;
use std::time::{Duration, Instant};

const CAPTURE: &str = "captures/teams-like.pcap";
/// The only remote destination of teams-like.pcap that the capture leaves unnamed (STUN).
const STUN_SERVER: &str = "52.112.1.10";
/// The gateway: a remote destination only when `--inside` leaves it outside.
const GATEWAY: &str = "192.168.1.1";
/// What the test server answers for the STUN server's PTR (mixed case on purpose).
const PTR_ANSWER: &str = "Relay-10.Media.Example.";
/// `--resolve-timeout` against the answering server: a loaded CI machine must not turn an
/// answer into a timeout (and a retry), whatever its speed.
const SLOW: &str = "10";

/// The test server, answering the STUN server's PTR only.
fn start(mode: Udp) -> FakeDns {
    FakeDns::start(
        mode,
        BTreeMap::from([(reverse_name(STUN_SERVER), PTR_ANSWER.to_string())]),
    )
}

/// The report as JSON, standard error, and the exit status of `residency analyze ARGS...`.
fn analyze(args: &[&str]) -> (Value, String, i32) {
    let run = cli::analyze(args);
    (run.json(), run.stderr, run.code)
}

/// Every address's `ptr` (reverse DNS names addresses, not flows), by address (addresses
/// without one left out).
fn ptr_by_server(report: &Value) -> BTreeMap<String, Value> {
    report["addresses"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| !a["ptr"].is_null())
        .map(|a| (a["ip"].as_str().unwrap().to_string(), a["ptr"].clone()))
        .collect()
}

#[test]
fn unnamed_destinations_get_ptr_names_and_named_ones_are_not_looked_up() {
    let dns = start(Udp::Answer);
    let resolver = format!("127.0.0.1:{}", dns.port);
    // With the client alone inside, the gateway is a remote destination too: an unnamed one
    // (a DNS flow carries question names, not a name for its server).
    let (r, stderr, code) = analyze(&[
        "--inside",
        "192.168.1.6/32",
        "--resolve",
        "--resolver",
        &resolver,
        "--resolve-timeout",
        SLOW,
        "--json",
        "-",
        CAPTURE,
    ]);
    assert_eq!(code, 0, "{stderr}");

    // Exactly the two unnamed destinations were asked, once each, over UDP: never the TLS and
    // QUIC servers the capture names.
    let mut asked = dns.asked();
    asked.sort();
    assert_eq!(
        asked,
        [
            format!("udp {}", reverse_name(GATEWAY)),
            format!("udp {}", reverse_name(STUN_SERVER))
        ]
    );

    // The name is the address's, not the flow's: a flow's hostname is what the capture shows.
    let ptr = ptr_by_server(&r);
    let stun = flow_to(&r, STUN_SERVER);
    assert_eq!(stun["hostname"], Value::Null);
    assert_eq!(
        ptr[STUN_SERVER],
        serde_json::json!({"name": "relay-10.media.example", "status": "found"})
    );
    // The address range gives the service: a PTR name never takes part in name rules.
    assert_eq!(stun["service"]["id"], "teams-media");

    let gateway = flow_to(&r, GATEWAY);
    assert_eq!(gateway["hostname"], Value::Null);
    assert_eq!(ptr[GATEWAY], serde_json::json!({"status": "no-name"}));
    assert_eq!(
        gateway["names"]["dns_queries"],
        serde_json::json!(["teams.microsoft.com"])
    );

    // Flows named from the capture keep their name and carry no ptr.
    assert_eq!(
        flow_to(&r, "52.113.194.132")["hostname"]["source"],
        "tls-sni"
    );
    assert_eq!(
        flow_to(&r, "52.114.77.33")["hostname"]["source"],
        "quic-sni"
    );
    assert_eq!(
        ptr_by_server(&r).keys().collect::<Vec<_>>(),
        [GATEWAY, STUN_SERVER]
    );

    assert_eq!(r["resolve"]["resolver"], resolver.as_str());
    assert_eq!(r["resolve"]["looked_up"], 2);
    assert_eq!(r["resolve"]["found"], 1);
    assert_eq!(r["resolve"]["skipped"], 0);
    let started = r["resolve"]["started"].as_str().unwrap();
    assert!(
        started.len() >= 20 && started.as_bytes()[10] == b'T' && started.ends_with('Z'),
        "started {started:?} is not RFC 3339 UTC"
    );
    // Flow names count only what the capture gave.
    let sources = &r["summary"]["services"]["by_hostname_source"];
    assert_eq!(sources["ptr"], Value::Null);
    assert_eq!(sources["none"], 2);
}

#[test]
fn internal_flows_are_not_looked_up() {
    let dns = start(Udp::Answer);
    let resolver = format!("127.0.0.1:{}", dns.port);
    let (r, stderr, code) = analyze(&[
        "--resolve",
        "--resolver",
        &resolver,
        "--resolve-timeout",
        SLOW,
        "--json",
        "-",
        CAPTURE,
    ]);
    assert_eq!(code, 0, "{stderr}");
    // By default the gateway is inside: only the STUN server is remote and unnamed.
    assert_eq!(dns.names(), BTreeSet::from([reverse_name(STUN_SERVER)]));
    assert_eq!(ptr_by_server(&r).keys().collect::<Vec<_>>(), [STUN_SERVER]);
    assert_eq!(flow_to(&r, GATEWAY)["scope"], "internal");
    assert_eq!(r["resolve"]["looked_up"], 1);
    assert_eq!(r["resolve"]["found"], 1);
}

#[test]
fn a_truncated_udp_answer_is_retried_over_tcp_on_the_same_port() {
    let dns = start(Udp::Truncate);
    if !dns.tcp {
        eprintln!("skipped: TCP port {} is taken", dns.port);
        return;
    }
    let resolver = format!("127.0.0.1:{}", dns.port);
    let (r, stderr, code) = analyze(&[
        "--resolve",
        "--resolver",
        &resolver,
        "--resolve-timeout",
        SLOW,
        "--json",
        "-",
        CAPTURE,
    ]);
    assert_eq!(code, 0, "{stderr}");
    let name = reverse_name(STUN_SERVER);
    assert_eq!(dns.asked(), [format!("udp {name}"), format!("tcp {name}")]);
    assert_eq!(
        ptr_by_server(&r)[STUN_SERVER]["name"],
        "relay-10.media.example"
    );
    assert_eq!(r["resolve"]["found"], 1);
}

#[test]
fn without_resolve_nothing_is_looked_up() {
    let (r, stderr, code) = analyze(&["--json", "-", CAPTURE]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(r["resolve"], Value::Null);
    assert!(r.as_object().unwrap().contains_key("resolve"));
    assert!(ptr_by_server(&r).is_empty());
    assert_eq!(flow_to(&r, STUN_SERVER)["hostname"], Value::Null);
    assert!(
        r["flows"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["hostname"]["source"] != "ptr")
    );
}

#[test]
fn resolver_options_without_resolve_are_usage_errors() {
    for args in [["--resolver", "127.0.0.1:5353"], ["--resolve-timeout", "1"]] {
        let (r, stderr, code) = analyze(&[args[0], args[1], "--json", "-", CAPTURE]);
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert_eq!(r, Value::Null);
        assert!(stderr.contains("--resolve"), "{stderr}");
    }
    let (_, stderr, code) = analyze(&[
        "--resolve",
        "--resolver",
        "not-an-address",
        "--json",
        "-",
        CAPTURE,
    ]);
    assert_eq!(code, 2, "{stderr}");
}

#[test]
fn a_silent_resolver_fails_the_lookups_not_the_report() {
    // Bound, so nothing answers "port unreachable" either; never read.
    let silent = UdpSocket::bind("127.0.0.1:0").unwrap();
    let resolver = format!("127.0.0.1:{}", silent.local_addr().unwrap().port());
    let began = Instant::now();
    let (r, stderr, code) = analyze(&[
        "--inside",
        "192.168.1.6/32",
        "--resolve",
        "--resolver",
        &resolver,
        "--resolve-timeout",
        "1",
        "--json",
        "-",
        CAPTURE,
    ]);
    let took = began.elapsed();
    assert_eq!(code, 0, "{stderr}");
    assert!(took < Duration::from_secs(10), "took {took:?}");
    let ptr = ptr_by_server(&r);
    assert_eq!(ptr.keys().collect::<Vec<_>>(), [GATEWAY, STUN_SERVER]);
    for (ip, p) in &ptr {
        assert!(p.get("name").is_none(), "{ip}");
        let status = p["status"].as_str().unwrap();
        assert!(status.starts_with("failed: "), "{ip}: {status}");
    }
    assert_eq!(flow_to(&r, STUN_SERVER)["hostname"], Value::Null);
    assert_eq!(r["resolve"]["resolver"], resolver.as_str());
    assert_eq!(r["resolve"]["looked_up"], 2);
    assert_eq!(r["resolve"]["found"], 0);
    drop(silent);
}
