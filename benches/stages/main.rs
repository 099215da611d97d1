//! Each stage of the pipeline alone, on inputs cut from the shipped captures: decode, the flow
//! table (and the whole per-packet count), DNS, TLS, QUIC, geo lookups and placement, and the
//! report writers. `benches/pipeline.rs` measures them end to end.
//!
//! ```text
//! cargo bench --bench stages              # every group
//! cargo bench --bench stages -- tls       # only the benchmarks whose id contains "tls"
//! ```
//!
//! The corpus is every `.pcap`/`.pcapng` in `captures/`, plus `../shared/captures/` where
//! present (`RESIDENCY_SHARED_CAPTURES` names another directory); it prints which. Each group
//! prints what it was handed (counts, bytes) before criterion's figures; decode, geo lookups
//! and placement also print a per-item latency distribution (HdrHistogram, with the cost of
//! reading the clock twice measured beside it). Without `--bench` (`cargo test --benches`)
//! criterion runs each benchmark once and the histograms take one pass.

mod corpus;
mod report;

use corpus::{Corpus, Packet, Payloads, meta};
use criterion::{BenchmarkGroup, Criterion, Throughput, measurement::WallTime};
use hdrhistogram::Histogram;
use residency::analyze::collect::Embedded;
use residency::analyze::{self, Options, Stages};
use residency::decode;
use residency::flow::FlowTable;
use residency::names::dns::{parse_message, tcp_messages};
use residency::names::quic::{QuicConnection, QuicEvent};
use residency::names::tls::{parse_client_hello, scan};
use residency::report::ecs::record_line;
use residency::report::json::JsonReport;
use std::hint::black_box;
use std::time::{Duration, Instant};

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let corpus = Corpus::load();
    let dirs: Vec<String> = corpus
        .dirs
        .iter()
        .map(|d| d.display().to_string())
        .collect();
    eprintln!(
        "stages: corpus {}: {} captures, {} frames, {} bytes",
        dirs.join(" + "),
        corpus.sources.len(),
        corpus.frame_count(),
        corpus.frame_bytes()
    );
    let mut c = Criterion::default().configure_from_args();
    let passes = if full { 20 } else { 1 };
    let overhead = clock_overhead();
    eprintln!("stages: reading the clock twice costs {overhead} ns (p50); latencies include it");

    decode_stage(&mut c, &corpus, passes);
    let decoded = corpus.decoded();
    flow_stage(&mut c, &decoded, if full { 100 } else { 4 });
    let payloads = Payloads::cut(&decoded);
    dns_stage(&mut c, &payloads);
    tls_stage(&mut c, &payloads);
    quic_stage(&mut c, &payloads);
    let tables = Embedded::load(Some("SE")).expect("embedded tables");
    geo_stage(&mut c, &payloads, &tables, passes);
    report_stage(&mut c, &corpus, &tables);
    c.final_summary();
}

/// A group with the settings of every group here: 20 samples of 3 s.
fn group<'c>(c: &'c mut Criterion, name: &str) -> BenchmarkGroup<'c, WallTime> {
    let mut g = c.benchmark_group(name);
    g.sample_size(20);
    g.measurement_time(Duration::from_secs(3));
    g.warm_up_time(Duration::from_secs(1));
    g
}

fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 10_000_000_000, 3).expect("histogram bounds are valid")
}

/// Time one call, into `h` (ns; at least 1).
fn timed<T>(h: &mut Histogram<u64>, f: impl FnOnce() -> T) -> T {
    let start = Instant::now();
    let out = black_box(f());
    h.saturating_record((start.elapsed().as_nanos() as u64).max(1));
    out
}

fn print_latency(what: &str, h: &Histogram<u64>) {
    eprintln!(
        "{what}: {} samples, p50 {} ns, p99 {} ns, p99.9 {} ns, max {} ns",
        h.len(),
        h.value_at_quantile(0.5),
        h.value_at_quantile(0.99),
        h.value_at_quantile(0.999),
        h.max()
    );
}

/// The median of reading the clock twice with nothing between: the floor under every
/// per-item latency printed.
fn clock_overhead() -> u64 {
    let mut h = histogram();
    for _ in 0..100_000 {
        timed(&mut h, || ());
    }
    h.value_at_quantile(0.5)
}

fn decode_stage(c: &mut Criterion, corpus: &Corpus, passes: u32) {
    let frames: Vec<_> = corpus.frames().collect();
    let decoded = frames
        .iter()
        .filter(|f| decode::decode(f.link, &f.data, f.missing).is_ok())
        .count();
    eprintln!(
        "decode: {} frames ({} bytes), {decoded} decode to an IP packet, the rest are skipped",
        frames.len(),
        corpus.frame_bytes()
    );
    let mut g = group(c, "decode");
    g.throughput(Throughput::ElementsAndBytes {
        elements: frames.len() as u64,
        bytes: corpus.frame_bytes(),
    });
    g.bench_function("every frame", |b| {
        b.iter(|| {
            frames
                .iter()
                .filter(|f| black_box(decode::decode(f.link, &f.data, f.missing)).is_ok())
                .count()
        })
    });
    g.finish();
    let mut h = histogram();
    for _ in 0..passes {
        for f in &frames {
            let _ = timed(&mut h, || decode::decode(f.link, &f.data, f.missing));
        }
    }
    print_latency(&format!("decode per frame ({passes} passes)"), &h);
}

fn flow_stage(c: &mut Criterion, decoded: &[Vec<Packet<'_>>], copies: u8) {
    let options = Options::default();
    // Fragments reach the table through the fragment tracker (`count` below); left out here.
    let metas: Vec<Vec<_>> = decoded
        .iter()
        .map(|packets| {
            packets
                .iter()
                .filter(|(d, _, _)| d.fragment.is_none())
                .map(|(d, ts, at)| meta(d, *ts, *at))
                .collect()
        })
        .collect();
    let table = |metas: &[Vec<_>]| {
        let mut flows = 0;
        for capture in metas {
            let mut t = FlowTable::new(options.max_flows, options.timeouts);
            for m in capture {
                black_box(t.add(m));
            }
            flows += t.finish().0.len();
        }
        flows
    };
    let packets: usize = metas.iter().map(Vec::len).sum();
    let all: usize = decoded.iter().map(Vec::len).sum();
    eprintln!(
        "flow table: {packets} decoded packets of {} captures ({} fragments left out), a table per capture: {} flows",
        metas.len(),
        all - packets,
        table(&metas)
    );
    // Many flows open at once: each packet `copies` times, the copies' addresses apart.
    let many: Vec<Vec<_>> = metas
        .iter()
        .map(|capture| {
            capture
                .iter()
                .flat_map(|m| {
                    (0..copies).map(move |k| {
                        let mut m = *m;
                        m.src.ip = corpus::copy_ip(m.src.ip, k);
                        m.dst.ip = corpus::copy_ip(m.dst.ip, k);
                        m
                    })
                })
                .collect()
        })
        .collect();
    let many_packets: usize = many.iter().map(Vec::len).sum();
    let most_open = many
        .iter()
        .map(|capture| {
            let mut t = FlowTable::new(options.max_flows, options.timeouts);
            let mut most = 0;
            for m in capture {
                t.add(m);
                most = most.max(t.active_len());
            }
            most
        })
        .max()
        .unwrap_or(0);
    eprintln!(
        "flow table, {copies} copies interleaved (third IPv4 octet, fourth IPv6 group XOR the copy): {many_packets} packets, {} flows, at most {most_open} open in one table",
        table(&many)
    );
    let mut g = group(c, "flow");
    g.throughput(Throughput::Elements(packets as u64));
    g.bench_function("FlowTable::add, then finish", |b| b.iter(|| table(&metas)));
    g.throughput(Throughput::Elements(many_packets as u64));
    g.bench_function(
        format!("FlowTable::add, then finish, {copies} copies"),
        |b| b.iter(|| table(&many)),
    );
    g.throughput(Throughput::Elements(all as u64));
    g.bench_function("count (table, fragments, names, round trips)", |b| {
        b.iter(|| {
            let mut open = 0;
            for capture in decoded {
                let mut stages = Stages::new(&options);
                for (d, ts, at) in capture {
                    analyze::count(d, *ts, *at, &mut stages);
                }
                open += stages.table.active_len();
            }
            open
        })
    });
    g.finish();
}

fn dns_stage(c: &mut Criterion, p: &Payloads) {
    let parse_all = || {
        let mut ok = 0usize;
        let mut bindings = 0usize;
        for payload in &p.dns_udp {
            if let Ok(m) = parse_message(payload) {
                ok += 1;
                bindings += m.bindings.len();
            }
        }
        for stream in &p.dns_tcp {
            for message in tcp_messages(stream) {
                if let Ok(m) = parse_message(message) {
                    ok += 1;
                    bindings += m.bindings.len();
                }
            }
        }
        (ok, bindings)
    };
    let (ok, bindings) = parse_all();
    let bytes: usize = p.dns_udp.iter().chain(&p.dns_tcp).map(Vec::len).sum();
    eprintln!(
        "dns: {} UDP payloads and {} TCP stream prefixes on port 53 ({bytes} bytes): {ok} messages parsed, {bindings} address bindings",
        p.dns_udp.len(),
        p.dns_tcp.len()
    );
    let mut g = group(c, "dns");
    g.throughput(Throughput::ElementsAndBytes {
        elements: (p.dns_udp.len() + p.dns_tcp.len()) as u64,
        bytes: bytes as u64,
    });
    g.bench_function("parse_message", |b| b.iter(parse_all));
    g.finish();
}

fn tls_stage(c: &mut Criterion, p: &Payloads) {
    // ClientHello handshake messages that fit their first record (5-byte record header, then
    // the 4-byte handshake header and body).
    let hellos: Vec<&[u8]> = p
        .tls_client
        .iter()
        .filter_map(|s| {
            let record = usize::from(u16::from_be_bytes([*s.get(3)?, *s.get(4)?]));
            let body = usize::from(*s.get(6)?) << 16
                | usize::from(*s.get(7)?) << 8
                | usize::from(*s.get(8)?);
            (4 + body <= record).then(|| s.get(5..9 + body)).flatten()
        })
        .collect();
    let client_bytes: usize = p.tls_client.iter().map(Vec::len).sum();
    let server_bytes: usize = p.tls_server.iter().map(Vec::len).sum();
    let snis = p
        .tls_client
        .iter()
        .filter(|s| scan(s).client_hello.is_some_and(|h| h.sni.is_some()))
        .count();
    let certs = p
        .tls_server
        .iter()
        .filter(|s| scan(s).certificate.is_some())
        .count();
    eprintln!(
        "tls: {} client prefixes opening with a ClientHello ({client_bytes} bytes, {snis} with an SNI), {} server prefixes ({server_bytes} bytes, {certs} with a readable certificate), {} ClientHellos in one record",
        p.tls_client.len(),
        p.tls_server.len(),
        hellos.len()
    );
    let mut g = group(c, "tls");
    let scan_all = |streams: &[Vec<u8>]| {
        streams
            .iter()
            .map(|s| black_box(scan(s)).finished as usize)
            .sum::<usize>()
    };
    g.throughput(Throughput::ElementsAndBytes {
        elements: p.tls_client.len() as u64,
        bytes: client_bytes as u64,
    });
    g.bench_function("scan client prefix (ClientHello)", |b| {
        b.iter(|| scan_all(&p.tls_client))
    });
    g.throughput(Throughput::ElementsAndBytes {
        elements: p.tls_server.len() as u64,
        bytes: server_bytes as u64,
    });
    g.bench_function("scan server prefix (ServerHello, Certificate)", |b| {
        b.iter(|| scan_all(&p.tls_server))
    });
    // One kind of throughput per group: criterion's summary plots need it.
    g.throughput(Throughput::ElementsAndBytes {
        elements: hellos.len() as u64,
        bytes: hellos.iter().map(|m| m.len() as u64).sum(),
    });
    g.bench_function("parse_client_hello", |b| {
        b.iter(|| {
            hellos
                .iter()
                .filter(|m| black_box(parse_client_hello(m)).is_ok())
                .count()
        })
    });
    g.finish();
}

fn quic_stage(c: &mut Criterion, p: &Payloads) {
    let datagrams: usize = p.quic.iter().map(Vec::len).sum();
    let bytes: usize = p.quic.iter().flatten().map(Vec::len).sum();
    let [hello, gquic, failed, partial] = p.quic_outcomes;
    eprintln!(
        "quic: {} client flights ({datagrams} datagrams, {bytes} bytes): {hello} ClientHellos, {gquic} Google CHLOs, {failed} failed, {partial} incomplete",
        p.quic.len()
    );
    let mut g = group(c, "quic");
    g.throughput(Throughput::ElementsAndBytes {
        elements: p.quic.len() as u64,
        bytes: bytes as u64,
    });
    g.bench_function(
        "client Initials to ClientHello (decrypt, reassemble, parse)",
        |b| {
            b.iter(|| {
                let mut named = 0usize;
                for flight in &p.quic {
                    let mut connection = QuicConnection::new();
                    for datagram in flight {
                        if let QuicEvent::ClientHello(message) = connection.datagram(datagram) {
                            named += parse_client_hello(&message).is_ok_and(|h| h.sni.is_some())
                                as usize;
                        }
                    }
                }
                named
            })
        },
    );
    g.finish();
}

fn geo_stage(c: &mut Criterion, p: &Payloads, tables: &Embedded, passes: u32) {
    let placer = &tables.placer;
    let ips = &p.addresses;
    eprintln!(
        "geo: {} distinct public addresses of the corpus ({} IPv6), {} embedded databases; benches/place.rs places 10,000 random ones",
        ips.len(),
        ips.iter().filter(|ip| ip.is_ipv6()).count(),
        placer.geo.dbs.len()
    );
    let mut g = group(c, "geo");
    g.throughput(Throughput::Elements(ips.len() as u64));
    for (i, db) in placer.geo.dbs.iter().enumerate() {
        g.bench_function(format!("lookup {}", db.name), |b| {
            b.iter(|| {
                ips.iter()
                    .filter(|ip| matches!(db.lookup(i, **ip), Ok(Some(_))))
                    .count()
            })
        });
    }
    g.bench_function("Placer::place", |b| {
        b.iter(|| {
            ips.iter()
                .map(|ip| placer.place(*ip).answers.len())
                .sum::<usize>()
        })
    });
    g.finish();
    for (i, db) in placer.geo.dbs.iter().enumerate() {
        let mut h = histogram();
        let mut found = 0;
        for _ in 0..passes {
            for ip in ips {
                found += usize::from(matches!(timed(&mut h, || db.lookup(i, *ip)), Ok(Some(_))));
            }
        }
        print_latency(
            &format!(
                "lookup {} ({} found per pass)",
                db.name,
                found / passes as usize
            ),
            &h,
        );
    }
    let mut h = histogram();
    for _ in 0..passes {
        for ip in ips {
            timed(&mut h, || placer.place(*ip));
        }
    }
    print_latency("Placer::place per address", &h);
}

fn report_stage(c: &mut Criterion, corpus: &Corpus, tables: &Embedded) {
    let options = Options::default();
    let records = report::records(corpus, tables, &options);
    let json = || {
        let mut out = JsonReport::start(report::Counted::default(), &records.report.head)
            .expect("counting writer");
        for f in &records.flows {
            out.flow(f.report()).expect("counting writer");
        }
        for a in &records.addresses {
            out.address(a).expect("counting writer");
        }
        out.finish(&records.report).expect("counting writer").0
    };
    let mut line = Vec::new();
    let mut ecs = || {
        let mut bytes = 0;
        for f in &records.flows {
            record_line(&mut line, &f.ended()).expect("a Vec takes any line");
            bytes += line.len() as u64;
        }
        bytes
    };
    let (json_bytes, ecs_bytes) = (json(), ecs());
    let flows = records.flows.len() as u64;
    let addresses = records.addresses.len() as u64;
    eprintln!(
        "report: {flows} flow records and {addresses} address records of the corpus analysed as one run: JSON report {json_bytes} bytes, NDJSON/ECS {ecs_bytes} bytes"
    );
    let mut g = group(c, "report");
    g.throughput(Throughput::ElementsAndBytes {
        elements: flows + addresses,
        bytes: json_bytes,
    });
    g.bench_function("JSON report (flows, addresses, tail)", |b| b.iter(json));
    g.throughput(Throughput::ElementsAndBytes {
        elements: flows,
        bytes: ecs_bytes,
    });
    g.bench_function("NDJSON/ECS flow records", |b| b.iter(&mut ecs));
    g.finish();
}
