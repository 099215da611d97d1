//! The names stage on hostile input, end to end: real handshakes (the TLS, DNS, QUIC and STUN
//! payloads of the shipped Teams-like capture) cut, bit-flipped, reordered, duplicated and
//! given random sequence numbers, then run through the whole pipeline and the report. It must
//! never panic, every packet must be accounted for, and the report must be the same twice.

use proptest::prelude::*;
use residency::analyze::collect::collect_capture;
use residency::analyze::{Context, Options};
use residency::decode::{self, Transport};
use residency::services::Catalog;
use residency::source::{self, Capture};
use std::path::Path;
use std::sync::OnceLock;

/// A transport payload seen in the shipped capture: protocol, server port, bytes.
type Seed = (u8, u16, Vec<u8>);

/// Every non-empty TCP/UDP payload of captures/teams-like.pcap (ClientHello segments, DNS
/// query and response, QUIC Initials, STUN): the starting points for mutation.
fn seeds() -> &'static [Seed] {
    static SEEDS: OnceLock<Vec<Seed>> = OnceLock::new();
    SEEDS.get_or_init(|| {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("captures/teams-like.pcap");
        let mut capture = source::open(&path).expect("shipped capture");
        let mut seeds = Vec::new();
        while let Some(p) = capture.next_packet() {
            let Ok(d) = decode::decode(p.link_type, p.data, 0) else {
                continue;
            };
            match d.transport {
                Transport::Tcp {
                    src_port,
                    dst_port,
                    payload,
                    ..
                } if !payload.is_empty() => {
                    seeds.push((6, src_port.min(dst_port), payload.to_vec()));
                }
                Transport::Udp {
                    src_port,
                    dst_port,
                    payload,
                } if !payload.is_empty() => {
                    seeds.push((17, src_port.min(dst_port), payload.to_vec()));
                }
                _ => {}
            }
        }
        assert!(
            seeds.len() >= 6,
            "the capture's handshakes: {}",
            seeds.len()
        );
        seeds
    })
}

/// A raw IPv4 packet (link type 228) carrying `payload` over TCP or UDP.
fn ipv4(
    proto: u8,
    from_client: bool,
    client_port: u16,
    port: u16,
    seq: u32,
    flags: u8,
    payload: &[u8],
) -> Vec<u8> {
    let (src, dst) = ([10, 0, 0, 1], [52, 114, 77, 33]);
    let (src, dst, sport, dport) = if from_client {
        (src, dst, client_port, port)
    } else {
        (dst, src, port, client_port)
    };
    let mut l4 = Vec::new();
    l4.extend_from_slice(&sport.to_be_bytes());
    l4.extend_from_slice(&dport.to_be_bytes());
    if proto == 6 {
        l4.extend_from_slice(&seq.to_be_bytes());
        l4.extend_from_slice(&0u32.to_be_bytes());
        l4.extend_from_slice(&[0x50, flags, 0xff, 0xff, 0, 0, 0, 0]);
    } else {
        l4.extend_from_slice(&((8 + payload.len()) as u16).to_be_bytes());
        l4.extend_from_slice(&[0, 0]);
    }
    l4.extend_from_slice(payload);
    let total = (20 + l4.len()) as u16;
    let mut ip = vec![0x45, 0, 0, 0, 0, 0, 0x40, 0, 64, proto, 0, 0];
    ip[2..4].copy_from_slice(&total.to_be_bytes());
    ip.extend_from_slice(&src);
    ip.extend_from_slice(&dst);
    ip.extend_from_slice(&l4);
    ip
}

fn pcap(frames: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::new();
    for v in [0xa1b2_c3d4u32, 0x0004_0002, 0, 0, 65535, 228] {
        out.extend_from_slice(&v.to_le_bytes());
    }
    for (i, data) in frames.iter().enumerate() {
        for v in [i as u32, 0, data.len() as u32, data.len() as u32] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out.extend_from_slice(data);
    }
    out
}

/// One mutated packet: which seed, how it is damaged, and how it is sent.
#[derive(Debug, Clone)]
struct Mutation {
    seed: usize,
    cut_at: Option<usize>,
    flips: Vec<(usize, u8)>,
    split: usize,
    from_client: bool,
    client_port: u16,
    seq: u32,
    flags: u8,
}

fn mutation() -> impl Strategy<Value = Mutation> {
    (
        any::<usize>(),
        prop::option::of(any::<usize>()),
        prop::collection::vec((any::<usize>(), 1u8..=255), 0..4),
        0usize..4,
        any::<bool>(),
        prop::sample::select(vec![40000u16, 40001, 40002]),
        prop::sample::select(vec![0u32, 1, 1000, u32::MAX - 100, 7]),
        prop::sample::select(vec![0x18u8, 0x02, 0x12, 0x10, 0x11, 0x04]),
    )
        .prop_map(
            |(seed, cut_at, flips, split, from_client, client_port, seq, flags)| Mutation {
                seed,
                cut_at,
                flips,
                split,
                from_client,
                client_port,
                seq,
                flags,
            },
        )
}

/// The frames of one case: each mutation becomes one or more segments (split payloads, with
/// sequence numbers that follow on), in the order given.
fn frames(mutations: &[Mutation]) -> Vec<Vec<u8>> {
    let seeds = seeds();
    let mut out = Vec::new();
    for m in mutations {
        let (proto, port, bytes) = &seeds[m.seed % seeds.len()];
        let mut payload = bytes.clone();
        for (at, x) in &m.flips {
            let len = payload.len().max(1);
            if let Some(b) = payload.get_mut(at % len) {
                *b ^= x;
            }
        }
        if let Some(cut) = m.cut_at {
            payload.truncate(cut % (payload.len() + 1));
        }
        let pieces = m.split + 1;
        let size = payload.len().div_ceil(pieces).max(1);
        let mut seq = m.seq;
        for chunk in payload.chunks(size) {
            out.push(ipv4(
                *proto,
                m.from_client,
                m.client_port,
                *port,
                seq,
                m.flags,
                chunk,
            ));
            seq = seq.wrapping_add(chunk.len() as u32);
        }
    }
    out
}

thread_local! {
    // Judged from a country vantage (its distances to every country are computed once).
    static PHYSICS: residency::place::physics::Physics =
        residency::place::physics::Physics::new(Vec::new(), 1, Some("IT")).expect("physics");
}

fn run(file: &[u8], catalog: &Catalog) -> (u64, u64, String) {
    let options = Options::default();
    let placer = residency::place::Placer::new(
        residency::place::geo::GeoSet::open(&[], false).unwrap(),
        None,
    )
    .unwrap();
    let r = PHYSICS.with(|physics| {
        let ctx = Context {
            options: &options,
            placer: &placer,
            physics,
            catalog,
            judge_per_flow: true,
            resolve: None,
        };
        collect_capture(
            Path::new("names-fuzz.pcap"),
            Capture::new(file).unwrap(),
            ctx,
        )
        .unwrap()
    });
    let json = r.to_json().unwrap();
    let p = &r.report.summary.packets;
    (p.read, p.in_flows, json)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]
    #[test]
    fn mangled_handshakes_never_break_the_names_stage(
        mutations in prop::collection::vec(mutation(), 1..24),
    ) {
        let catalog = Catalog::embedded().unwrap();
        let frames = frames(&mutations);
        let file = pcap(&frames);
        let (read, in_flows, json) = run(&file, &catalog);
        prop_assert_eq!(read, frames.len() as u64);
        prop_assert_eq!(in_flows, read);
        let (_, _, again) = run(&file, &catalog);
        prop_assert_eq!(json, again);
    }
}

/// The unmutated seeds, sent in order, are named as in the shipped capture: a check that the
/// fuzz harness feeds the names stage real handshakes (and not only noise).
#[test]
fn unmutated_seeds_are_named() {
    let seeds = seeds();
    let mutations: Vec<Mutation> = seeds
        .iter()
        .enumerate()
        .filter(|(_, (proto, port, _))| *proto == 6 && *port == 443)
        .scan(1u32, |seq, (i, (_, _, bytes))| {
            let m = Mutation {
                seed: i,
                cut_at: None,
                flips: Vec::new(),
                split: 0,
                from_client: true,
                client_port: 40000,
                seq: *seq,
                flags: 0x18,
            };
            *seq = seq.wrapping_add(bytes.len() as u32);
            Some(m)
        })
        .collect();
    let catalog = Catalog::embedded().unwrap();
    let (_, _, json) = run(&pcap(&frames(&mutations)), &catalog);
    let report: serde_json::Value = serde_json::from_str(&json).unwrap();
    let names: Vec<&str> = report["flows"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["hostname"]["name"].as_str())
        .collect();
    assert_eq!(names, ["teams.microsoft.com"]);
}
