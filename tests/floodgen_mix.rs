//! floodgen's `mix` (examples/floodgen/mix.rs), the capture for throughput measurements: the
//! same bytes every run, and residency finds in it exactly the flows and names the generator
//! wrote.

#[allow(dead_code)]
#[path = "../examples/floodgen/generate.rs"]
mod generate;

mod cli;

use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::Path;

/// Small enough for a debug build to analyse in a second or two; 800 slots, one media slot.
const PACKETS: u64 = 20_000;

fn sha256(path: &Path) -> String {
    let bytes = std::fs::read(path).expect("read the capture");
    Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn mix_is_the_same_bytes_every_run_and_residency_finds_its_flows_and_names() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let (a, b) = (dir.path().join("a.pcap"), dir.path().join("b.pcap"));
    let (w, stats) = generate::write_stats(generate::Kind::Mix, PACKETS, &a).expect("write");
    let (w2, stats2) = generate::write_stats(generate::Kind::Mix, PACKETS, &b).expect("write");
    assert_eq!((w, stats), (w2, stats2));
    assert_eq!(sha256(&a), sha256(&b), "two runs wrote different bytes");
    // Pinned: another machine or toolchain writes these very bytes (bump generate::VERSION
    // and this when the generator changes on purpose).
    assert_eq!(
        sha256(&a),
        "cba49b5ff15dc0a6f32f5c357ad5fd28b947b1c6a724e3b4de55e7c7618a5992"
    );
    let stats = stats.expect("mix statistics");
    assert_eq!(
        (w.packets, w.flows, w.bytes, w.span_us / 1_000),
        (PACKETS, 1_216, 12_650_468, 30_426)
    );
    // 800 slots: as many flows open at once, near enough, from the first packet to the last.
    assert_eq!((stats.open_peak, stats.open_at_end), (790, 777));
    assert_eq!((stats.named_tls, stats.named_quic), (269, 38));
    let share = |n: u64| n * 100 / PACKETS;
    assert_eq!(stats.tcp + stats.quic + stats.dns + stats.media, PACKETS);
    assert_eq!(
        [
            stats.tcp,
            stats.quic,
            stats.dns,
            stats.media,
            stats.ipv6,
            stats.vlan
        ]
        .map(share),
        [72, 10, 1, 15, 16, 25],
        "per cent of packets: TLS/TCP, QUIC, DNS, media; IPv6, VLAN-tagged"
    );

    let run = cli::analyze(&["--json", "-", a.to_str().expect("UTF-8 path")]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let r = run.raw_json();
    let s = &r["summary"];
    assert_eq!(s["packets"]["read"], PACKETS);
    assert_eq!(
        s["packets"]["in_flows"], PACKETS,
        "every packet is IP and in a flow"
    );
    assert_eq!(
        s["flows"]["total"], w.flows,
        "residency's flows are the generator's"
    );
    let sources = &s["services"]["by_hostname_source"];
    assert_eq!(
        sources["tls-sni"], stats.named_tls,
        "every ClientHello over TCP names its flow"
    );
    assert_eq!(
        sources["quic-sni"], stats.named_quic,
        "every QUIC Initial is decrypted"
    );
    assert_eq!(
        s["capture_loss"]["gaps"], 0,
        "sequence and acknowledgement numbers agree"
    );

    let mut names: BTreeMap<String, u64> = BTreeMap::new();
    for f in r["flows"].as_array().expect("flows") {
        if let Some(n) = f["hostname"]["name"].as_str() {
            *names.entry(n.to_owned()).or_default() += 1;
        }
    }
    let expected = [
        ("github.com", 9),
        ("graph.microsoft.com", 25),
        ("login.microsoftonline.com", 24),
        ("meet.google.com", 19),
        ("outlook.office365.com", 54),
        ("s3.amazonaws.com", 18),
        ("slack.com", 24),
        ("teams.microsoft.com", 51),
        ("webex.com", 12),
        ("www.cloudflare.com", 7),
        ("www.google.com", 30),
        ("www.office.com", 12),
        ("www.youtube.com", 23),
        ("zoom.us", 24),
    ];
    let expected: BTreeMap<String, u64> =
        expected.iter().map(|(n, c)| (n.to_string(), *c)).collect();
    assert_eq!(
        names, expected,
        "flows per name: every service, by SNI or DNS"
    );
    assert_eq!(sources["dns"], 25, "flows named by a DNS answer only");
}
