//! `residency live` on a real interface: a veth pair in a network namespace of its own, the
//! shipped captures replayed into it by tcpreplay, and the live report compared with what
//! `residency analyze` makes of the same packets (the `--write-pcap` copy, and the original
//! capture). Harness and skip rules: tests/live_capture/netns.rs.
#![cfg(feature = "live")]

mod cli;
#[path = "live_capture/compare.rs"]
mod compare;
#[path = "live_capture/errors.rs"]
mod errors;
#[path = "live_capture/netns.rs"]
mod netns;
#[allow(dead_code)]
#[path = "pcapng_copy/mod.rs"]
mod pcapng_copy;
#[path = "live_capture/runs.rs"]
mod runs;

use compare::{analyze_json, capture, flows_by_key, ndjson_without_input, read_report};
use netns::{Outdir, netns};
use serde_json::Value;

// ---------------------------------------------------------------------------------------------
// 1. The live report equals `analyze` of its own copy, and matches `analyze` of the original.
//
// Replayable: Ethernet captures whose frames tcpreplay sends unchanged. Checked (capinfos,
// tshark, and `same_frames` below): every frame of these is at least 60 bytes (the generator
// pads short frames as a NIC would, so veth pads nothing) and whole (captured = wire length).
// vlan.pcap's 802.1Q tags are taken off by the veth's VLAN offload and put back by libpcap from
// the packet's metadata: the copy's bytes are the original's. Left out:
// * ipv6.pcapng: Ethernet and raw-IP interfaces in one file (one interface can carry one link
//   type) and a packet cut to 128 of 164 bytes, which a replay would send as 128.
// * null-*.pcap, ppp.pcap, raw*.pcap, sll*.pcap: not Ethernet; tcpreplay sends the bytes as
//   they are, which an Ethernet interface would read as garbage.
// * truncated.pcap, corrupt.pcap: damaged files (the point of them is the damage).
// * ns.pcap: 64 s of capture time for 4 packets, for the nanosecond clock; its timing is what
//   it tests, and a replay re-times it.
// ---------------------------------------------------------------------------------------------

macro_rules! equality {
    ($($test:ident: $file:literal, flows $flows:literal;)*) => {$(
        #[test]
        fn $test() {
            equal_to_analyze($file, $flows);
        }
    )*};
}

equality! {
    live_equals_analyze_names: "names.pcap", flows 14;
    live_equals_analyze_teams_like: "teams-like.pcap", flows 4;
    live_equals_analyze_rtt: "rtt.pcap", flows 14;
    live_equals_analyze_tls_preamble: "tls-preamble.pcap", flows 1;
    live_equals_analyze_gquic: "gquic.pcap", flows 4;
    live_equals_analyze_turn: "turn.pcap", flows 4;
    live_equals_analyze_vlan: "vlan.pcap", flows 2;
    live_equals_analyze_fragments: "fragments.pcap", flows 2;
    live_equals_analyze_tunnels: "tunnels.pcap", flows 8;
}

/// Replays `file` at 500 packets/s (a few hundred ms for these captures; the order is kept and
/// no gap comes near an idle timeout, so flows end as in the original), then SIGINT.
fn equal_to_analyze(file: &str, flows: usize) {
    let Some(ns) = netns() else { return };
    let out = Outdir::new();
    let original = capture(file);
    let live = ns.live(&out.all_outputs(&[]));
    let sent = ns.replay(&original, &["--pps", "500"]);
    let end = live.stop();
    assert_eq!(end.code(), 0, "{}", end.stderr);

    let report = read_report(&out.path("live.json"));
    let orig = analyze_json(&[original.to_str().unwrap()], &[]);
    let copy_path = out.path("raw.pcapng");
    let copy = analyze_json(
        &[copy_path.to_str().unwrap()],
        &["--flows", &out.arg("copy.ndjson")],
    );

    // (c) every packet, none lost, a complete report.
    let packets = orig["inputs"][0]["packets"].as_u64().unwrap();
    assert_eq!(sent, packets, "tcpreplay sent the whole capture");
    let input = &report["inputs"][0];
    assert_eq!(input["path"], "live:cap0");
    assert_eq!(input["format"], "live");
    assert_eq!(input["packets"], packets);
    assert_eq!(input["live"]["received"], packets);
    assert_eq!(input["live"]["dropped"], 0);
    assert_eq!(input["live"]["if_dropped"], 0);
    assert_eq!(input["live"]["stopped_by"], "SIGINT");
    assert_eq!(input["live"]["interface"], "cap0");
    assert_eq!(input["live"]["link_type"], "ethernet");
    assert_eq!(report["summary"]["complete"], true);
    assert_eq!(report["summary"]["incomplete"], serde_json::json!([]));

    // The frames libpcap handed over are the original's, byte for byte.
    compare::same_frames(&original, &copy_path);

    // (a) the same flows and addresses as `analyze` of the copy, to the byte.
    assert_eq!(report["flows"].as_array().unwrap().len(), flows);
    assert_eq!(report["flows"], copy["flows"]);
    assert_eq!(report["addresses"], copy["addresses"]);
    // The NDJSON records too, but for where they say the packets came from: `live:cap0`
    // (no hash: an interface has none) against the copy's path and SHA-256.
    let live_records = ndjson_without_input(&out.path("flows.ndjson"), Some("live:cap0"), None);
    let copy_sha = copy["inputs"][0]["sha256"].as_str().unwrap();
    let copy_records = ndjson_without_input(
        &out.path("copy.ndjson"),
        Some(copy_path.to_str().unwrap()),
        Some(copy_sha),
    );
    assert_eq!(live_records.len(), flows);
    assert_eq!(live_records, copy_records);

    // (b) the original: the same flows, with the same counts, names, services and places (not
    // times or round trips: the replay re-times the packets).
    let ours = flows_by_key(&report);
    let theirs = flows_by_key(&orig);
    assert_eq!(ours.len(), flows);
    assert_eq!(ours, theirs);
}

// ---------------------------------------------------------------------------------------------
// 8. A BPF filter: only what it passes is captured, counted and analysed.
// ---------------------------------------------------------------------------------------------

#[test]
fn bpf_udp_keeps_only_the_udp_flows() {
    let Some(ns) = netns() else { return };
    let out = Outdir::new();
    let original = capture("names.pcap");
    let live = ns.live(&[
        "--bpf",
        "udp",
        "--json",
        &out.arg("live.json"),
        "--home",
        "SE",
    ]);
    let sent = ns.replay(&original, &["--pps", "500"]);
    assert_eq!(sent, 91);
    let end = live.stop();
    assert_eq!(end.code(), 0, "{}", end.stderr);
    assert!(
        end.stderr.contains("filter udp"),
        "the start line names the filter:\n{}",
        end.stderr
    );

    let report = read_report(&out.path("live.json"));
    let orig = analyze_json(&[original.to_str().unwrap()], &[]);
    let udp: Vec<(String, Value)> = flows_by_key(&orig)
        .into_iter()
        .filter(|(key, _)| key.starts_with("udp "))
        .collect();
    // names.pcap: 5 UDP flows of 14 (two DNS lookups, two QUIC, one STUN), in 12 of its 91
    // packets; the names of the TCP flows came from DNS over UDP, which the filter keeps.
    assert_eq!(udp.len(), 5);
    let udp_packets: u64 = udp.iter().map(|(_, f)| compare::packets_of(f)).sum();
    assert_eq!(udp_packets, 12);
    assert_eq!(flows_by_key(&report).into_iter().collect::<Vec<_>>(), udp);
    let input = &report["inputs"][0];
    assert_eq!(input["packets"], udp_packets);
    assert_eq!(input["live"]["received"], udp_packets);
    assert_eq!(input["live"]["filter"], "udp");
    assert_eq!(input["live"]["dropped"], 0);
    assert_eq!(report["summary"]["complete"], true);
}
