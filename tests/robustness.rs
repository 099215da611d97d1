//! The whole pipeline on hostile input: captures of random frames under every link type.
//! It must never panic, and every packet read must be accounted for exactly once: counted
//! into a flow, or skipped with a reason.

use proptest::prelude::*;
use residency::analyze::collect::collect_capture;
use residency::analyze::{Analyzer, Context, Options};
use residency::source::Capture;
use std::path::Path;

/// A little-endian µs pcap of `frames` under link type `link`.
fn pcap(link: u32, frames: &[(u32, Vec<u8>)]) -> Vec<u8> {
    let mut out = Vec::new();
    for v in [0xa1b2_c3d4u32, 0x0004_0002, 0, 0, 65535, link] {
        out.extend_from_slice(&v.to_le_bytes());
    }
    for (i, (extra, data)) in frames.iter().enumerate() {
        for v in [i as u32, 0, data.len() as u32, data.len() as u32 + extra] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out.extend_from_slice(data);
    }
    out
}

/// Frames that start like real ones (so decoding gets deep) and end in random bytes.
fn frame() -> impl Strategy<Value = Vec<u8>> {
    let prefixes: Vec<Vec<u8>> = vec![
        vec![],
        // Ethernet, IPv4.
        [vec![0; 12], vec![0x08, 0x00, 0x45, 0x00]].concat(),
        // Ethernet, VLAN, IPv6.
        [
            vec![0; 12],
            vec![0x81, 0x00, 0, 1, 0x86, 0xdd, 0x60, 0, 0, 0],
        ]
        .concat(),
        // IPv4 GRE header start.
        vec![
            0x45, 0, 0, 60, 0, 0, 0, 0, 64, 47, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2, 0, 0, 0x88, 0xbe,
        ],
        // IPv4 UDP to the VXLAN port.
        vec![
            0x45, 0, 0, 80, 0, 0, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2, 0x30, 0x39, 0x12,
            0xb5, 0, 60, 0, 0, 0x08,
        ],
        // IPv4 fragment (offset 8, more fragments), UDP.
        vec![
            0x45, 0, 0, 40, 0x12, 0x34, 0x20, 0x01, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
        ],
    ];
    (
        prop::sample::select(prefixes),
        prop::collection::vec(any::<u8>(), 0..120),
    )
        .prop_map(|(p, tail)| [p, tail].concat())
}

thread_local! {
    static PLACER: residency::place::Placer = residency::place::Placer::new(
        residency::place::geo::GeoSet::open(&[], true).expect("embedded geo data"),
        Some("SE"),
    )
    .expect("embedded tables");
    // Random addresses with random round trips are judged from a vantage too.
    static PHYSICS: residency::place::physics::Physics =
        residency::place::physics::Physics::new(Vec::new(), 1, Some("SE")).expect("physics");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]
    #[test]
    fn every_packet_is_accounted_for(
        link in prop::sample::select(vec![0u32, 1, 9, 12, 101, 108, 113, 228, 229, 276, 147]),
        frames in prop::collection::vec((0u32..3000, frame()), 0..30),
    ) {
        let file = pcap(link, &frames);
        let options = Options { max_flows: 4, ..Options::default() };
        // Random addresses go through the embedded geo data too; one placer per thread, so
        // the databases are hashed once.
        let catalog = residency::services::Catalog::embedded().unwrap();
        let r = PLACER.with(|p| {
            PHYSICS.with(|physics| {
                let ctx = Context {
                    options: &options,
                    placer: p,
                    physics,
                    catalog: &catalog,
                    judge_per_flow: true,
                    resolve: None,
                };
                collect_capture(Path::new("fuzz.pcap"), Capture::new(&file[..]).unwrap(), ctx)
                    .unwrap()
            })
        });
        let p = &r.report.summary.packets;
        prop_assert_eq!(p.read, frames.len() as u64);
        prop_assert_eq!(
            p.read,
            p.in_flows + p.skipped.non_ip + p.skipped.unsupported_link + p.skipped.malformed
        );
        let json = r.to_json().unwrap();
        let parsed: serde_json::Value = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(&parsed["schema"], "residency.report/2");
    }
}

/// A reader that fails with an I/O error after `ok` bytes.
struct FailingReader {
    data: Vec<u8>,
    at: usize,
    ok: usize,
}

impl std::io::Read for FailingReader {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        if self.at >= self.ok {
            return Err(std::io::Error::other("device gone"));
        }
        let n = out
            .len()
            .min(self.ok - self.at)
            .min(self.data.len() - self.at);
        out[..n].copy_from_slice(&self.data[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

#[test]
fn an_io_error_is_reported_as_damage_with_what_came_before() {
    let frames: Vec<(u32, Vec<u8>)> = (0..10).map(|_| (0, vec![0u8; 60])).collect();
    let data = pcap(1, &frames);
    // Fail inside the 6th record: five packets are read, then the error.
    let ok = 24 + 5 * 76 + 10;
    let reader = FailingReader { data, at: 0, ok };
    let options = Options::default();
    let mut analyzer = Analyzer::new(context(&options), 10);
    let mut sink = residency::analyze::collect::Collect::default();
    analyzer
        .read(
            Path::new("failing.pcap"),
            None,
            Capture::new(reader).unwrap(),
            &mut sink,
            &mut |_| None,
        )
        .unwrap();
    let input = analyzer.inputs()[0].clone();
    assert_eq!(input.packets, 5);
    assert_eq!(input.sha256, None);
    let damage = input.damage.as_ref().unwrap();
    assert_eq!((damage.kind.name(), damage.packet), ("io", 6));
    assert!(damage.message.contains("device gone"));
}

/// A context on the embedded data (the tables are leaked: one per test process).
fn context(options: &Options) -> Context<'_> {
    let tables = Box::leak(Box::new(
        residency::analyze::collect::Embedded::load(Some("SE")).expect("embedded tables"),
    ));
    Context {
        judge_per_flow: false,
        ..tables.context(options)
    }
}
