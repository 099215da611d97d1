//! Cost of a running report (`residency live --report-every`): `Analyzer::snapshot` judges
//! every address the per-address table holds (as if written out, but kept) and clones the
//! summary. The capture loop waits while it runs (packets wait in the kernel buffer), so this
//! says how often a busy sensor can afford one.
//!
//! Input: for N distinct public IPv4 destinations, a TCP handshake from one inside host and a
//! RST, 1 ms apart, built in memory (no capture file); with 1-second timeouts the flows end as
//! capture time moves on, so their addresses are held when the snapshot is taken.
//!
//! `cargo bench --bench snapshot`; in test mode (`cargo test --benches`) one small size, once.

use criterion::{Criterion, criterion_group};
use etherparse::{PacketBuilder, PacketBuilderStep, TcpHeader};
use residency::analyze::collect::{Collect, Embedded};
use residency::analyze::{Analyzer, Options};
use residency::source::{LinkType, Packet};
use residency::timestamp::Timestamp;
use std::hint::black_box;
use std::net::Ipv4Addr;
use std::time::Instant;

/// A public address per index (fixed sequence, no dependency): 20.0.0.0 onwards, skipping
/// nothing special in that range.
fn destination(i: u32) -> [u8; 4] {
    Ipv4Addr::from(0x1400_0000u32 + i * 7).octets()
}

/// SYN, SYN-ACK, RST for destination `i`, starting at `ms` milliseconds.
fn handshake(i: u32) -> Vec<Vec<u8>> {
    let client = [192, 168, 1, 10];
    let server = destination(i);
    let port = 40_000 + (i % 20_000) as u16;
    let mut out = Vec::new();
    let mut push = |b: PacketBuilderStep<TcpHeader>, payload: &[u8]| {
        let mut buf = Vec::new();
        if b.write(&mut buf, payload).is_ok() {
            out.push(buf);
        }
    };
    let eth = || PacketBuilder::ethernet2([2, 0, 0, 0, 0, 1], [2, 0, 0, 0, 0, 2]);
    push(
        eth()
            .ipv4(client, server, 64)
            .tcp(port, 443, 1000, 64_000)
            .syn(),
        &[],
    );
    push(
        eth()
            .ipv4(server, client, 56)
            .tcp(443, port, 5000, 64_000)
            .syn()
            .ack(1001),
        &[],
    );
    push(
        eth()
            .ipv4(client, server, 64)
            .tcp(port, 443, 1001, 64_000)
            .rst()
            .ack(5001),
        &[],
    );
    out
}

/// An analyzer that has seen `n` destinations, their flows ended and their addresses held.
fn fed<'c>(tables: &'c Embedded, options: &'c Options, n: u32) -> (Analyzer<'c>, Collect) {
    let mut analyzer = Analyzer::new(tables.context(options), 10);
    let mut sink = Collect::default();
    let path = std::path::Path::new("bench");
    let mut feed = analyzer.begin(path, None, 9);
    let mut number = 0;
    // 1 ms per destination, then 5 s more so the last flows end too.
    for i in 0..=n + 5_000 {
        let ts = Timestamp(1_700_000_000_000_000_000 + i64::from(i) * 1_000_000);
        let frames = if i < n { handshake(i) } else { Vec::new() };
        let frames = if frames.is_empty() && i % 1000 == 0 {
            // Keep capture time moving (and the expiry sweeps going) after the last handshake.
            handshake(n + i)
        } else {
            frames
        };
        for data in &frames {
            number += 1;
            let packet = Packet {
                ts,
                link_type: LinkType::ETHERNET,
                data,
                wire_len: data.len() as u32,
                number,
            };
            analyzer.feed(&mut feed, &packet);
            analyzer.flush(&feed, &mut sink).expect("flush");
        }
    }
    sink.flows.clear();
    (analyzer, sink)
}

fn bench(c: &mut Criterion) {
    let full = std::env::args().any(|a| a == "--bench");
    let sizes: &[u32] = if full {
        &[1_000, 16_000, 60_000]
    } else {
        &[200]
    };
    let tables = Embedded::load(Some("SE")).expect("embedded tables");
    let mut options = Options::default();
    options.timeouts.tcp_close = 1;
    options.timeouts.tcp_idle = 1;
    let mut group = c.benchmark_group("snapshot");
    group.sample_size(10);
    for &n in sizes {
        let (mut analyzer, _sink) = fed(&tables, &options, n);
        let start = Instant::now();
        let first = analyzer.snapshot(None);
        let cold = start.elapsed();
        let held = first.summary.destinations;
        assert!(held >= u64::from(n), "{held} addresses held for {n}");
        eprintln!(
            "snapshot with {held} addresses held: first {:.1} ms (judges every address), flows ended {}",
            cold.as_secs_f64() * 1e3,
            first.summary.flows.total
        );
        group.bench_function(format!("{n} addresses held, again"), |b| {
            b.iter(|| black_box(analyzer.snapshot(None).summary.destinations))
        });
    }
    group.finish();
}

criterion_group!(benches, bench);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
}
