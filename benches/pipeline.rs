//! Throughput of the per-packet path: read → decode → flow table → names and round trips.
//!
//! The workload is a large capture built in memory by repeating a real one back to back with
//! its timestamps shifted (so flows end and new ones open as in a long capture):
//! `../shared/captures/teams.pcap` where present, else the shipped `captures/teams-like.pcap`.
//! Criterion reports packets/s; an HdrHistogram then gives the per-packet latency
//! distribution of decode + count (flow table, names inspection, round-trip samples).

use criterion::{Criterion, Throughput, criterion_group};
use hdrhistogram::Histogram;
use residency::analyze::collect::Embedded;
use residency::analyze::{self, Analyzer, Context, Ended, Options, Sink};
use residency::decode;
use residency::flow::PacketRef;
use residency::report::AddressReport;
use residency::report::json::JsonReport;
use residency::source::Capture;
use std::hint::black_box;
use std::path::Path;
use std::time::Instant;

/// Copies of the source capture in the workload.
const REPEAT: u32 = 100;

/// The source capture: its pcap header and its records (header + data), as (secs, rest).
fn workload() -> (String, Vec<u8>, u64) {
    let candidates = ["../shared/captures/teams.pcap", "captures/teams-like.pcap"];
    let path = candidates
        .iter()
        .find(|p| Path::new(p).exists())
        .expect("no capture to benchmark: generate captures/ first");
    let bytes = std::fs::read(path).expect("read capture");
    assert_eq!(
        &bytes[..4],
        &[0xd4, 0xc3, 0xb2, 0xa1],
        "bench expects a little-endian µs pcap"
    );
    let header = &bytes[..24];
    let mut records = Vec::new();
    let mut at = 24;
    while at + 16 <= bytes.len() {
        let caplen = u32::from_le_bytes(bytes[at + 8..at + 12].try_into().unwrap()) as usize;
        records.push(&bytes[at..at + 16 + caplen]);
        at += 16 + caplen;
    }
    let secs = |r: &[u8]| u32::from_le_bytes(r[..4].try_into().unwrap());
    let span = secs(records.last().unwrap()) - secs(records[0]) + 1;
    let mut out = header.to_vec();
    for copy in 0..REPEAT {
        for r in &records {
            out.extend_from_slice(&(secs(r) + copy * span).to_le_bytes());
            out.extend_from_slice(&r[4..]);
        }
    }
    let packets = records.len() as u64 * u64::from(REPEAT);
    (path.to_string(), out, packets)
}

/// Counts what the pipeline hands over.
#[derive(Default)]
struct Count {
    flows: u64,
    addresses: u64,
}

impl Sink for Count {
    fn flow(&mut self, _: &Ended<'_>) -> std::io::Result<()> {
        self.flows += 1;
        Ok(())
    }

    fn address(&mut self, _: &AddressReport) -> std::io::Result<()> {
        self.addresses += 1;
        Ok(())
    }
}

fn bench(c: &mut Criterion) {
    let (name, file, packets) = workload();
    eprintln!(
        "workload: {name} × {REPEAT} = {packets} packets, {} bytes",
        file.len()
    );
    let options = Options::default();
    let tables = Embedded::load(Some("SE")).unwrap();
    let ctx = || Context {
        judge_per_flow: false,
        ..tables.context(&options)
    };
    let mut group = c.benchmark_group("pipeline");
    group.throughput(Throughput::Elements(packets));
    group.sample_size(20);
    // Everything but writing: flows, names, services, placement and physics per address.
    group.bench_function("read+decode+flows+names+places", |b| {
        b.iter(|| {
            let mut analyzer = Analyzer::new(ctx(), 10);
            let mut sink = Count::default();
            let capture = Capture::new(&file[..]).unwrap();
            analyzer
                .read(Path::new("bench"), None, capture, &mut sink, &mut |_| None)
                .unwrap();
            analyzer.finish(&mut sink, None).unwrap();
            black_box(sink.flows)
        })
    });
    // The same, with the JSON report written (to nowhere).
    group.bench_function("end to end with the JSON report", |b| {
        b.iter(|| {
            let head = residency::report::record::head(&options, &tables.placer, &tables.catalog);
            let mut report = JsonReport::start(std::io::sink(), &head).unwrap();
            let mut analyzer = Analyzer::new(ctx(), 10);
            let capture = Capture::new(&file[..]).unwrap();
            analyzer
                .read(Path::new("bench"), None, capture, &mut report, &mut |_| {
                    None
                })
                .unwrap();
            let tail = analyzer.finish(&mut report, None).unwrap();
            black_box(report.finish(&tail).unwrap())
        })
    });
    group.bench_function("read only", |b| {
        b.iter(|| {
            let mut capture = Capture::new(&file[..]).unwrap();
            let mut n = 0u64;
            while let Some(p) = capture.next_packet() {
                n += p.data.len() as u64;
            }
            black_box(n)
        })
    });
    group.finish();
    latency_histogram(&file, packets);
}

/// Per-packet time of decode + count, as a distribution.
fn latency_histogram(file: &[u8], packets: u64) {
    let mut hist = Histogram::<u64>::new_with_bounds(1, 10_000_000, 3).unwrap();
    let mut stages = analyze::Stages::new(&Options::default());
    let mut capture = Capture::new(file).unwrap();
    while let Some(p) = capture.next_packet() {
        let start = Instant::now();
        let missing = p.wire_len.saturating_sub(p.data.len() as u32);
        if let Ok(d) = decode::decode(p.link_type, p.data, missing) {
            let at = PacketRef {
                input: 0,
                number: p.number,
            };
            analyze::count(&d, p.ts, at, &mut stages);
        }
        let ns = start.elapsed().as_nanos() as u64;
        hist.record(ns.max(1)).unwrap();
    }
    eprintln!(
        "per-packet decode+count over {packets} packets: p50 {} ns, p99 {} ns, p99.9 {} ns, max {} ns (includes ~20 ns timer overhead)",
        hist.value_at_quantile(0.5),
        hist.value_at_quantile(0.99),
        hist.value_at_quantile(0.999),
        hist.max()
    );
}

criterion_group!(benches, bench);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
}
