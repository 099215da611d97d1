//! floodgen's `expand` (examples/floodgen/expand.rs): copies of real captures with every
//! address remapped inside its class, checksums kept, DNS answers still naming the servers,
//! time shifted. Checked by residency's own reading of the result against the original's, and
//! checksums by recomputing them in full here (`expand` updates them incrementally).

#[path = "../examples/floodgen/expand.rs"]
mod expand;
#[path = "../examples/floodgen/remap.rs"]
mod remap;
#[path = "../examples/floodgen/rewrite.rs"]
mod rewrite;

mod cli;

use pcap_file::pcapng::{Block, PcapNgReader};
use remap::{Class4, class4};
use serde_json::Value;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

/// Shipped captures with DNS answers, names of every source, IPv6, VLAN tags, Linux cooked and
/// raw IP link types: one merged capture with three interfaces (BSD loopback is left out: its
/// `::1` cannot change, so its flow would be one flow in every copy).
const INPUTS: [&str; 5] = [
    "captures/names.pcap",
    "captures/vlan.pcap",
    "captures/sll.pcap",
    "captures/ipv6.pcapng",
    "captures/raw.pcap",
];

fn root(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(p)
}

fn expanded(dir: &Path, copies: u64, name: &str) -> (PathBuf, expand::Expanded) {
    let out = dir.join(name);
    let options = expand::Options {
        copies,
        seed: 1,
        out: out.clone(),
        inputs: INPUTS.iter().map(|p| root(p)).collect(),
    };
    let e = expand::expand(&options).expect("expand");
    (out, e)
}

fn report(path: &Path) -> Value {
    let run = cli::analyze(&["--json", "-", path.to_str().expect("UTF-8 path")]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    run.raw_json()
}

/// What a flow is, addresses aside: its copy must have the same.
fn shape(f: &Value) -> Value {
    serde_json::json!([
        f["transport"],
        f["client"]["port"],
        f["server"]["port"],
        f["packets"],
        f["bytes"],
        f["hostname"]["name"],
        f["hostname"]["source"],
        f["scope"],
    ])
}

fn class(ip: &str) -> String {
    match ip.parse::<IpAddr>().expect("an address") {
        IpAddr::V4(a) => match class4(u32::from(a)) {
            Class4::Keep => format!("kept {a}"),
            Class4::Block { bits } => format!("{}/{}", u32::from(a) >> bits, 32 - bits),
            Class4::Public => "public".into(),
        },
        IpAddr::V6(a) => {
            let x = u128::from(a);
            match x >> 120 {
                0xfc | 0xfd => "ula".into(),
                0xfe if x >> 118 == 0x3fa => "link-local".into(),
                _ if x >> 125 == 1 && x >> 96 != 0x2001_0db8 => format!("global {:x}", x >> 96),
                _ => format!("kept {a}"),
            }
        }
    }
}

#[test]
fn three_copies_hold_three_times_the_flows_with_new_addresses_of_the_same_kinds() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let (one, e1) = expanded(dir.path(), 1, "one.pcapng");
    let (three, e3) = expanded(dir.path(), 3, "three.pcapng");
    assert!(e3.pcapng, "several link types: pcapng");
    assert_eq!(e3.packets, 3 * e1.packets);
    assert_eq!((e1.unparsed, e3.unparsed), (0, 0));
    assert!(e3.dns_addresses >= 2 * 8, "{e3:?}");

    let r1 = report(&one);
    let r3 = report(&three);
    let (s1, s3) = (&r1["summary"], &r3["summary"]);
    let n1 = s1["flows"]["total"].as_u64().expect("flows");
    assert_eq!(
        n1, 24,
        "the inputs' flows, each file analysed alone: 14 + 2 + 2 + 4 + 2"
    );
    // A flow between two kept addresses (raw.pcap's 2001:db8:8::2 to 2001:db8:8::1, both
    // documentation addresses) is the same flow in every copy, joined by residency.
    let kept_pair = |f: &Value| {
        ["client", "server"]
            .iter()
            .all(|side| class(f[side]["ip"].as_str().unwrap_or("")).starts_with("kept"))
    };
    let joined = r1["flows"]
        .as_array()
        .expect("flows")
        .iter()
        .filter(|f| kept_pair(f))
        .count();
    assert_eq!(joined, 1);
    assert_eq!(s3["flows"]["total"], 3 * n1 - 2 * joined as u64);
    assert_eq!(s3["bytes"], 3 * s1["bytes"].as_u64().expect("bytes"));
    for source in ["dns", "tls-sni", "quic-sni", "http-host", "tls-cert"] {
        let h1 = s1["services"]["by_hostname_source"][source]
            .as_u64()
            .unwrap_or(0);
        assert!(h1 > 0, "the inputs name flows by {source}");
        assert_eq!(
            s3["services"]["by_hostname_source"][source],
            3 * h1,
            "every copy names its flows by {source} as the original does"
        );
    }

    // Each copy's flows, matched to the original's by the packet that opened them.
    let per_copy = e1.packets;
    let originals = r1["flows"].as_array().expect("flows");
    let by_first = |r: &Value, number: u64| -> Option<Value> {
        r["flows"]
            .as_array()
            .and_then(|fs| fs.iter().find(|f| f["first_packet"]["number"] == number))
            .cloned()
    };
    let mut changed = 0;
    for f in originals {
        let n = f["first_packet"]["number"].as_u64().expect("first packet");
        if kept_pair(f) {
            continue;
        }
        let c0 = by_first(&r3, n).expect("copy 0 of a flow");
        assert_eq!(c0["client"], f["client"], "copy 0 is the original");
        assert_eq!(c0["server"], f["server"]);
        for k in 1..3 {
            let c = by_first(&r3, n + k * per_copy).expect("a flow in every copy");
            assert_eq!(shape(&c), shape(f), "copy {k} of flow {n}");
            for side in ["client", "server"] {
                let (a, b) = (
                    f[side]["ip"].as_str().expect("ip"),
                    c[side]["ip"].as_str().expect("ip"),
                );
                assert_eq!(class(a), class(b), "{side} {a} became {b}");
                if !class(a).starts_with("kept") {
                    assert_ne!(a, b, "{side} {a} kept in copy {k}");
                    changed += 1;
                }
            }
        }
    }
    assert!(changed >= 2 * 30, "addresses changed: {changed}");

    let ((checked1, errors1), (checked3, errors3)) = (checksums(&one), checksums(&three));
    assert_eq!(
        (checked1, errors1),
        (119, 0),
        "the shipped captures' checksums are right"
    );
    assert_eq!((checked3, errors3), (3 * checked1, 0));
}

#[test]
fn the_same_inputs_and_seed_give_the_same_bytes_and_another_seed_other_addresses() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let (a, _) = expanded(dir.path(), 2, "a.pcapng");
    let (b, _) = expanded(dir.path(), 2, "b.pcapng");
    let bytes = std::fs::read(&a).expect("read");
    assert_eq!(bytes, std::fs::read(&b).expect("read"));
    let mut r = remap::Remap::new(2);
    r.set_copy(1);
    let mut s = remap::Remap::new(1);
    s.set_copy(1);
    assert_ne!(r.v4([52, 113, 194, 132]), s.v4([52, 113, 194, 132]));
    // A bijection: 65,536 addresses of 192.168/16 give 65,536 distinct ones of it.
    let mut seen = std::collections::HashSet::new();
    for x in 0..=u16::MAX {
        let [c, d] = x.to_be_bytes();
        let m = s.v4([192, 168, c, d]);
        assert_eq!(m[..2], [192, 168]);
        seen.insert(m);
    }
    assert_eq!(seen.len(), 65_536);
}

/// TCP and UDP segments checked, and IPv4 header, TCP and UDP checksums that are wrong,
/// recomputed in full (Ethernet with VLAN
/// tags, Linux cooked, raw IP; IPv4 and IPv6 without extension headers; whole packets
/// only).
fn checksums(path: &Path) -> (u64, u64) {
    let file = std::fs::File::open(path).expect("open");
    let mut r = PcapNgReader::new(file).expect("pcapng");
    let mut links = Vec::new();
    let (mut checked, mut errors) = (0, 0);
    while let Some(b) = r.next_block() {
        match b.expect("block") {
            Block::InterfaceDescription(i) => links.push(u32::from(i.linktype)),
            Block::EnhancedPacket(p) => {
                let d = &p.data;
                let ip = match links[p.interface_id as usize] {
                    1 => {
                        let mut at = 12;
                        while d.get(at..at + 2) == Some(&[0x81, 0x00]) {
                            at += 4;
                        }
                        at + 2
                    }
                    113 => 16,
                    101 => 0,
                    _ => continue,
                };
                let (c, e) = ip_errors(&d[ip.min(d.len())..]);
                checked += c;
                errors += e;
            }
            _ => {}
        }
    }
    (checked, errors)
}

fn ones(b: &[u8]) -> u32 {
    let mut s: u32 = b
        .chunks(2)
        .map(|c| u32::from(c[0]) << 8 | u32::from(*c.get(1).unwrap_or(&0)))
        .sum();
    while s > 0xffff {
        s = (s & 0xffff) + (s >> 16);
    }
    s
}

fn ip_errors(p: &[u8]) -> (u64, u64) {
    let (addrs, proto, l4, mut errors) = match p.first().map(|b| b >> 4) {
        Some(4) if p.len() >= 20 => {
            let ihl = usize::from(p[0] & 15) * 4;
            let total = usize::from(u16::from_be_bytes([p[2], p[3]]));
            let header_bad = ones(&p[..ihl]) != 0xffff;
            if total > p.len() || u16::from_be_bytes([p[6], p[7]]) & 0x3fff != 0 {
                return (0, u64::from(header_bad));
            }
            (&p[12..20], p[9], &p[ihl..total], u64::from(header_bad))
        }
        Some(6) if p.len() >= 40 => {
            let end = 40 + usize::from(u16::from_be_bytes([p[4], p[5]]));
            if end > p.len() {
                return (0, 0);
            }
            (&p[8..40], p[6], &p[40..end], 0)
        }
        _ => return (0, 0),
    };
    if proto == 6 || (proto == 17 && l4.len() >= 8 && l4[6..8] != [0, 0]) {
        let mut pseudo = addrs.to_vec();
        pseudo.extend_from_slice(&[0, proto]);
        pseudo.extend_from_slice(&(l4.len() as u16).to_be_bytes());
        let s = ones(&pseudo) + ones(l4);
        errors += u64::from(ones(&s.to_be_bytes()) != 0xffff);
        return (1, errors);
    }
    (0, errors)
}

#[test]
fn junk_and_truncated_frames_are_left_alone_without_a_panic() {
    let mut r = remap::Remap::new(1);
    r.set_copy(1);
    let mut dns = 0;
    // Every prefix of every frame of the inputs, under every link type understood.
    let mut frames = Vec::new();
    for p in INPUTS {
        let data = std::fs::read(root(p)).expect("read");
        // Whole files as frames are junk enough for the parsers, and their packets are in them.
        frames.push(data);
    }
    let mut x: u64 = 0x1234_5678;
    for _ in 0..200 {
        let frame: Vec<u8> = (0..300)
            .map(|_| {
                x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                (x >> 56) as u8
            })
            .collect();
        frames.push(frame);
    }
    for f in &frames {
        for link in [0, 1, 9, 12, 101, 108, 113, 228, 229, 276, 147] {
            for len in (0..f.len().min(400)).step_by(7) {
                let mut b = f[..len].to_vec();
                rewrite::rewrite_frame(link, &mut b, &mut r, &mut dns);
                // Starting at every offset, so that some cut lands on a real header.
                let mut c = f[len..f.len().min(len + 200)].to_vec();
                rewrite::rewrite_frame(link, &mut c, &mut r, &mut dns);
            }
        }
    }
}
