//! Cost of the service catalog: loading geo/services.toml, and classifying a flow (name, then
//! address, then port). Classification runs once per flow; this says what thousands of flows pay.
//!
//! Queries: 10,000 flows (fixed seed) mixing names from nDPI's Teams capture, unknown names,
//! and nameless flows to Teams, Zoom and random IPv4/IPv6 addresses.

use criterion::{Criterion, Throughput, criterion_group};
use hdrhistogram::Histogram;
use residency::services::{Catalog, Query};
use std::hint::black_box;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::Instant;

const FLOWS: usize = 10_000;

const NAMES: [&str; 8] = [
    "mobile.pipe.aria.microsoft.com",
    "trouter2-asse-a.trouter.teams.microsoft.com",
    "eu-mobile.events.data.microsoft.com",
    "login.microsoftonline.com",
    "skypedataprdcolneu04.cloudapp.net",
    "a.very.long.unknown.name.example.org",
    "www.facebook.com",
    "plus-talk.kakao.com",
];

struct Flow {
    name: Option<&'static str>,
    server: IpAddr,
    protocol: u8,
    port: u16,
}

fn flows() -> Vec<Flow> {
    // xorshift64: deterministic, no dependency.
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    (0..FLOWS)
        .map(|i| {
            let r = next();
            let (name, server) = match i % 4 {
                0 => (
                    NAMES.get(r as usize % NAMES.len()).copied(),
                    IpAddr::V4(Ipv4Addr::new(52, 114, 77, 33)),
                ),
                1 => (
                    None,
                    IpAddr::V4(Ipv4Addr::new(52, 112, (r >> 8) as u8, r as u8)),
                ),
                2 => (None, IpAddr::V4(Ipv4Addr::from(r as u32))),
                _ => (
                    None,
                    IpAddr::V6(Ipv6Addr::from(u128::from(r) << 64 | 0x2603_1063u128 << 96)),
                ),
            };
            let (protocol, port) = if r & 1 == 0 {
                (17, 3478 + (r >> 1) as u16 % 4)
            } else {
                (6, 443)
            };
            Flow {
                name,
                server,
                protocol,
                port,
            }
        })
        .collect()
}

fn classify(c: &Catalog, f: &Flow) -> bool {
    c.classify(&Query {
        name: f.name,
        server: f.server,
        protocol: f.protocol,
        server_port: Some(f.port),
    })
    .is_some()
}

fn bench(c: &mut Criterion) {
    let flows = flows();
    let catalog = Catalog::embedded().expect("geo/services.toml");
    let mut group = c.benchmark_group("services");
    group.sample_size(20);
    group.bench_function("load geo/services.toml", |b| {
        b.iter(|| black_box(Catalog::embedded().map(|c| c.info().range_rules)))
    });
    group.throughput(Throughput::Elements(FLOWS as u64));
    group.bench_function("classify 10k flows", |b| {
        b.iter(|| black_box(flows.iter().filter(|f| classify(&catalog, f)).count()))
    });
    group.finish();

    let mut hist = Histogram::<u64>::new_with_bounds(1, 100_000_000, 3).expect("histogram");
    let mut matched = 0usize;
    for f in &flows {
        let start = Instant::now();
        matched += usize::from(black_box(classify(&catalog, f)));
        let _ = hist.record((start.elapsed().as_nanos() as u64).max(1));
    }
    eprintln!(
        "per flow: p50 {} ns, p99 {} ns, max {} ns; {matched} of {FLOWS} flows matched",
        hist.value_at_quantile(0.5),
        hist.value_at_quantile(0.99),
        hist.max()
    );
}

criterion_group!(benches, bench);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
}
