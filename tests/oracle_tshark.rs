//! Oracle test: per-5-tuple packet and byte counts of `residency analyze --json -`
//! checked against an independent dissection of the same capture by tshark.
//!
//! For every capture in `../shared/captures` (relative to the crate root):
//! * residency runs once; it must exit 0 (complete) or 3 (partial) with a valid JSON
//!   report on stdout; its `flows[]` are summed per (IP protocol, endpoint pair), per
//!   direction (direction = from endpoint A to endpoint B, not client/server role);
//! * tshark runs once with IP defragmentation and TCP reassembly disabled and prints one
//!   line of fields per frame; the test rebuilds the same sums itself: key = innermost
//!   *tunnel-level* IP header (tunnels: GRE incl. ERSPAN, VXLAN, IP-in-IP, CAPWAP data
//!   packets that are not fragments) plus its
//!   transport, bytes = that header's total length (IPv4 `ip.len`, IPv6 `40 + plen`),
//!   non-first fragments attributed to the first fragment of the same
//!   (src, dst, protocol, IP id);
//! * frames tshark could not dissect cleanly (see `tshark::LINK_IP_ERRORS`,
//!   `tshark::TRANSPORT_ERRORS`) are left out, and the tuples they touch are not
//!   compared; every skip is printed.
//!
//! Missing captures directory or missing tshark: the tests print why and pass.
//!
//! The generated `captures/capwap.pcap` is checked the same way (tshark decodes CAPWAP data
//! on UDP 5247 by default): it is the one shipped capture whose tunnels none of the shared
//! captures has.
//!
//! This file holds the tests and the skip rules; the rest lives in `oracle_tshark/`:
//! `keys` (tuple keys, counts), `residency` (its side), `tshark` (running tshark, its
//! fields), `layers` (the innermost tunnel-level IP header), `tshark_side` (per-frame
//! sums, fragment attribution) and `compare` (the comparison and its table).

mod cli;

#[path = "oracle_tshark/compare.rs"]
mod compare;
#[path = "oracle_tshark/keys.rs"]
mod keys;
#[path = "oracle_tshark/layers.rs"]
mod layers;
#[path = "oracle_tshark/residency.rs"]
mod residency;
#[path = "oracle_tshark/tshark.rs"]
mod tshark;
#[path = "oracle_tshark/tshark_side.rs"]
mod tshark_side;

use compare::{check_capture, check_file, frame_list};
use keys::{Endpoint, TupleKey};
use layers::{tunnel_chain, tunnel_chain_of};
use std::path::{Path, PathBuf};

/// The captures, relative to the crate root.
const CAPTURES_DIR: &str = "../shared/captures";

// ---------------------------------------------------------------------------------------
// One #[test] per known capture, plus one for captures that appear later.

macro_rules! capture_tests {
    ($($name:ident => $file:literal,)*) => {
        $(
            #[test]
            fn $name() {
                check_capture($file);
            }
        )*
        const KNOWN_CAPTURES: &[&str] = &[$($file),*];
    };
}

capture_tests! {
    capture_4in4tunnel_pcap => "4in4tunnel.pcap",
    capture_6in4tunnel_pcap => "6in4tunnel.pcap",
    capture_kakaotalk_chat_pcap => "KakaoTalk_chat.pcap",
    capture_dlt_ppp_pcap => "dlt_ppp.pcap",
    capture_dns_pcap => "dns.pcap",
    capture_dns_ambiguous_names_pcap => "dns_ambiguous_names.pcap",
    capture_fuzz_2021_10_13_pcap => "fuzz-2021-10-13.pcap",
    capture_gre_pcapng => "gre.pcapng",
    capture_http_pcapng => "http.pcapng",
    capture_http_ipv6_pcap => "http_ipv6.pcap",
    capture_ip_fragmented_garbage_pcap => "ip_fragmented_garbage.pcap",
    capture_kerberos_fuzz_pcapng => "kerberos_fuzz.pcapng",
    capture_malformed_dns_pcap => "malformed_dns.pcap",
    capture_ossfuzz_seed_fake_traces_1_pcapng => "ossfuzz_seed_fake_traces_1.pcapng",
    capture_quic_29_pcap => "quic-29.pcap",
    capture_quic_mvfst_22_decryption_error_pcap => "quic-mvfst-22_decryption_error.pcap",
    capture_quic_v2_pcapng => "quic-v2.pcapng",
    capture_quic_pcap => "quic.pcap",
    capture_quic_frags_ch_in_multiple_packets_pcapng => "quic_frags_ch_in_multiple_packets.pcapng",
    capture_rdp_pcap => "rdp.pcap",
    capture_selfsigned_pcap => "selfsigned.pcap",
    capture_skype_conference_call_pcap => "skype-conference-call.pcap",
    capture_stun_pcap => "stun.pcap",
    capture_stun_msteams_unidir_pcapng => "stun_msteams_unidir.pcapng",
    capture_teams_pcap => "teams.pcap",
    capture_tls_rdn_extract_pcap => "tls-rdn-extract.pcap",
    capture_tls_1_2_unidirectional_server_pcapng => "tls_1.2_unidirectional_server.pcapng",
    capture_tls_2_reasms_pcapng => "tls_2_reasms.pcapng",
    capture_tls_ech_pcapng => "tls_ech.pcapng",
    capture_vxlan_pcap => "vxlan.pcap",
}

/// The generated CAPWAP capture (802.3 and 802.11 payloads, keep-alives, a protected frame,
/// CAPWAP fragments, the DTLS control channel): every tuple must match tshark's.
#[test]
fn generated_capwap_capture() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("captures/capwap.pcap");
    check_file("capwap.pcap", &path);
}

/// Captures in the directory that the list above does not name are checked here, so a
/// new capture is never ignored silently.
#[test]
fn captures_not_in_the_known_list() {
    let Some(dir) = captures_dir() else { return };
    let mut extra: Vec<String> = capture_files(&dir)
        .into_iter()
        .filter(|name| !KNOWN_CAPTURES.contains(&name.as_str()))
        .collect();
    extra.sort();
    if extra.is_empty() {
        println!("every capture in {} has its own test", dir.display());
        return;
    }
    println!("captures without their own test, checked here: {extra:?}");
    let mut failures = Vec::new();
    for name in &extra {
        if let Err(message) = std::panic::catch_unwind(|| check_capture(name)) {
            let text = message
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| message.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            failures.push(format!("{name}: {text}"));
        }
    }
    assert!(failures.is_empty(), "failures:\n{}", failures.join("\n"));
}

// ---------------------------------------------------------------------------------------
// Environment and skip rules.

pub use cli::skip;

pub fn captures_dir() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(CAPTURES_DIR);
    if dir.is_dir() {
        Some(dir)
    } else {
        skip(&format!(
            "captures directory {} is absent; the tshark oracle compares nothing",
            dir.display()
        ));
        None
    }
}

fn capture_files(dir: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_file())
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| n.ends_with(".pcap") || n.ends_with(".pcapng"))
        .collect()
}

/// Captures that are damaged on purpose: residency must survive them; counts are only
/// compared where tshark's dissection was clean (as for every other capture).
pub fn deliberately_malformed(name: &str) -> bool {
    ["fuzz", "ossfuzz", "garbage", "malformed"]
        .iter()
        .any(|w| name.to_ascii_lowercase().contains(w))
}

// ---------------------------------------------------------------------------------------
// Checks of the harness's own rules (no tshark or captures needed).

#[test]
fn harness_picks_the_tunnel_level_ip_header() {
    let pick = |protocols: &str| {
        let tokens: Vec<&str> = protocols.split(':').collect();
        tunnel_chain(&tokens).last().map(|l| (l.v6, l.occurrence))
    };
    // Plain, 4in4, 6in4, GRE with PPP, VXLAN.
    assert_eq!(pick("eth:ethertype:ip:udp:dns"), Some((false, 0)));
    assert_eq!(pick("eth:ethertype:ip:ip:udp:data"), Some((false, 1)));
    assert_eq!(pick("eth:ethertype:ip:ipv6:tcp"), Some((true, 0)));
    assert_eq!(
        pick("eth:ethertype:ip:gre:ppp:ip:udp:sip"),
        Some((false, 1))
    );
    assert_eq!(
        pick("eth:ethertype:vlan:ethertype:ip:udp:vxlan:eth:ethertype:ip:tcp"),
        Some((false, 1))
    );
    // ICMP errors and Teredo are not tunnels: the outer header keys the flow.
    assert_eq!(pick("sll:ethertype:ip:icmp:ip:udp:dns"), Some((false, 0)));
    assert_eq!(
        pick("eth:ethertype:ip:ipv6:icmpv6:ipv6:tcp:tls"),
        Some((true, 0))
    );
    assert_eq!(
        pick("eth:ethertype:ip:udp:teredo:ipv6:tcp"),
        Some((false, 0))
    );
    // IPv6 extension headers between two IPv6 headers still make IP-in-IP.
    assert_eq!(
        pick("eth:ethertype:ipv6:ipv6.dstopts:ipv6:udp"),
        Some((true, 1))
    );
    assert_eq!(pick("eth:ethertype:arp"), None);
    // CAPWAP data with an 802.3 or 802.11 payload; a CAPWAP fragment (F flag) and the
    // control channel are not tunnels.
    assert_eq!(
        pick("eth:ethertype:ip:udp:capwap.data:wlan:llc:ip:udp:dns"),
        Some((false, 1))
    );
    assert_eq!(
        pick("eth:ethertype:ip:udp:capwap.data:eth:ethertype:ip:tcp:tls"),
        Some((false, 1))
    );
    let fragment = "eth:ethertype:ip:udp:capwap.data:eth:ethertype:ip:udp".split(':');
    let chain = tunnel_chain_of(&fragment.collect::<Vec<_>>(), true);
    assert_eq!(chain.last().map(|l| (l.v6, l.occurrence)), Some((false, 0)));
    assert_eq!(pick("eth:ethertype:ip:udp:capwap:dtls"), Some((false, 0)));
}

#[test]
fn harness_keys_are_direction_free() {
    let ep = |ip: &str, port| Endpoint {
        ip: ip.parse().unwrap(),
        port: Some(port),
    };
    let (k1, fwd) = TupleKey::new(6, ep("10.0.0.2", 80), ep("10.0.0.1", 5000));
    let (k2, rev) = TupleKey::new(6, ep("10.0.0.1", 5000), ep("10.0.0.2", 80));
    assert_eq!(k1, k2);
    assert_ne!(fwd, rev);
    assert_eq!(frame_list(&[1, 2, 3, 7, 9, 10]), "1-3, 7, 9-10");
}
