//! Cost of the physics check: loading the country shapes, preparing a vantage (its distance to
//! every country, once per run), and judging an address (once per address and vantage, never
//! per packet). Addresses: 10,000 pseudo-random public IPv4 addresses (fixed seed), placed
//! through the embedded databases, with pseudo-random round trips of 1–200 ms.

use criterion::{Criterion, criterion_group};
use hdrhistogram::Histogram;
use residency::place::Placer;
use residency::place::geo::GeoSet;
use residency::place::physics::geometry::Geometry;
use residency::place::physics::judge::Judge;
use residency::place::physics::vantage;
use std::hint::black_box;
use std::net::{IpAddr, Ipv4Addr};
use std::time::Instant;

const ADDRESSES: usize = 10_000;
const BOUNDARIES: &[u8] = include_bytes!("../geo/boundaries.bin");

fn xorshift() -> impl FnMut() -> u64 {
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    }
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("physics");
    group.sample_size(10);
    group.bench_function("load country shapes", |b| {
        b.iter(|| black_box(Geometry::from_bytes(BOUNDARIES).map(|g| g.codes().count())))
    });
    for v in ["Stockholm", "SE", "IT", "US"] {
        let vantage = vantage::parse(v).expect("vantage");
        group.bench_function(format!("prepare vantage {v}"), |b| {
            b.iter(|| black_box(Judge::new(vantage.clone())))
        });
    }
    group.finish();

    let placer = Placer::new(GeoSet::open(&[], true).expect("embedded geo"), None).expect("tables");
    let mut next = xorshift();
    let work: Vec<(IpAddr, u64)> = (0..ADDRESSES)
        .map(|_| {
            let r = next();
            (
                IpAddr::V4(Ipv4Addr::from(r as u32)),
                1_000_000 + (r >> 32) % 199_000_000,
            )
        })
        .collect();
    let places: Vec<_> = work.iter().map(|(ip, _)| placer.place(*ip)).collect();
    for v in ["Stockholm", "SE"] {
        let judge = Judge::new(vantage::parse(v).expect("vantage"));
        let mut hist = Histogram::<u64>::new_with_bounds(1, 1_000_000_000, 3).unwrap();
        for ((_, rtt), pl) in work.iter().zip(&places) {
            let claims: Vec<(String, String)> = pl
                .answers
                .iter()
                .filter_map(|a| Some((a.db.to_string(), a.country.clone()?)))
                .collect();
            let start = Instant::now();
            black_box(judge.judge(
                Some(*rtt),
                pl.country.as_deref(),
                &claims,
                &placer.tables.legal,
            ));
            hist.record((start.elapsed().as_nanos() as u64).max(1))
                .unwrap();
        }
        eprintln!(
            "judge one address from {v}: p50 {} ns, p99 {} ns, max {} ns",
            hist.value_at_quantile(0.5),
            hist.value_at_quantile(0.99),
            hist.max()
        );
    }
}

criterion_group!(benches, bench);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
}
