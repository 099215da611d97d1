//! Cost of placement: opening the embedded geo data and tables, and placing a remote address
//! (three database lookups, provider and legal tables). Placement runs once per distinct
//! remote address, never per packet; this says what a capture with many destinations pays.
//!
//! Addresses are 10,000 pseudo-random public IPv4 addresses (fixed seed) plus IPv6 ones.

use criterion::{Criterion, Throughput, criterion_group};
use hdrhistogram::Histogram;
use residency::place::Placer;
use residency::place::geo::GeoSet;
use std::hint::black_box;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::Instant;

const ADDRESSES: usize = 10_000;

fn addresses() -> Vec<IpAddr> {
    // xorshift64: deterministic, no dependency.
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    (0..ADDRESSES)
        .map(|i| {
            let r = next();
            if i % 10 == 0 {
                // 2000::/4 global unicast
                let hi = 0x2000_0000_0000_0000u64 | (r >> 4);
                IpAddr::V6(Ipv6Addr::from((u128::from(hi) << 64) | 1))
            } else {
                IpAddr::V4(Ipv4Addr::from(r as u32))
            }
        })
        .collect()
}

fn placer() -> Placer {
    Placer::new(GeoSet::open(&[], true).expect("embedded geo"), Some("SE")).expect("tables")
}

fn bench(c: &mut Criterion) {
    let ips = addresses();
    let mut group = c.benchmark_group("place");
    group.sample_size(20);
    group.bench_function("open embedded geo + tables", |b| {
        b.iter(|| black_box(placer().tables.providers.providers.len()))
    });
    group.throughput(Throughput::Elements(ADDRESSES as u64));
    group.bench_function("place 10k distinct addresses", |b| {
        b.iter(|| {
            let p = placer();
            let mut n = 0usize;
            for &ip in &ips {
                n += p.place(ip).answers.len();
            }
            black_box(n)
        })
    });
    group.finish();

    let p = placer();
    let mut hist = Histogram::<u64>::new_with_bounds(1, 100_000_000, 3).unwrap();
    for &ip in &ips {
        let start = Instant::now();
        black_box(p.place(ip));
        hist.record((start.elapsed().as_nanos() as u64).max(1))
            .unwrap();
    }
    let start = Instant::now();
    let hashes: usize = p.geo.dbs.iter().map(|d| d.sha256().len()).sum();
    let hash_ms = start.elapsed().as_secs_f64() * 1e3;
    black_box(hashes);
    eprintln!(
        "per address (uncached): p50 {} ns, p99 {} ns, p99.9 {} ns, max {} ns; SHA-256 of the embedded databases for the report: {hash_ms:.1} ms",
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
