//! The per-address table: one entry per address, bounded, parts when it overflows.

use super::*;
use crate::flow::PacketRef;
use crate::place::geo::GeoSet;
use crate::rtt::Source;

fn placer() -> Placer {
    Placer::new(GeoSet::open(&[], true).unwrap(), Some("SE")).unwrap()
}

fn physics() -> Physics {
    Physics::new(Vec::new(), 1, Some("SE")).unwrap()
}

fn visit(
    ip: &str,
    flow: u64,
    sent: u64,
    rtt_us: Option<u64>,
) -> (IpAddr, Option<(Sample, u32, u64)>, u64, u64) {
    let sample = rtt_us.map(|us| {
        (
            Sample {
                nanos: us * 1000,
                source: Source::TcpHandshake,
                request: PacketRef {
                    input: 0,
                    number: flow * 10,
                },
                response: PacketRef {
                    input: 0,
                    number: flow * 10 + 1,
                },
                at: Timestamp(0),
            },
            1,
            1000,
        )
    });
    (ip.parse().unwrap(), sample, flow, sent)
}

fn go(
    book: &mut AddressBook,
    p: &Placer,
    ph: &Physics,
    v: (IpAddr, Option<(Sample, u32, u64)>, u64, u64),
    host: Option<&str>,
) {
    book.visit(
        &Visit {
            ip: v.0,
            vantage: Some(0),
            flow: FlowId(v.2),
            packets: 2,
            sent: v.3,
            received: 10,
            payload_sent: v.3.saturating_sub(40),
            answered: true,
            first_seen: Timestamp(v.2 as i64),
            last_seen: Timestamp(v.2 as i64 + 5),
            answer: v.1,
            hostname: host,
            service: None,
        },
        p,
        ph,
    );
}

#[test]
fn one_entry_per_address_with_its_fastest_answer() {
    let (p, ph) = (placer(), physics());
    let mut book = AddressBook::new(16);
    go(
        &mut book,
        &p,
        &ph,
        visit("52.113.194.132", 1, 100, Some(30_000)),
        Some("teams.microsoft.com"),
    );
    go(
        &mut book,
        &p,
        &ph,
        visit("52.113.194.132", 2, 50, Some(11_400)),
        Some("teams.microsoft.com"),
    );
    go(
        &mut book,
        &p,
        &ph,
        visit("52.113.194.132", 3, 7, None),
        Some("other.example"),
    );
    go(&mut book, &p, &ph, visit("52.114.77.33", 4, 1, None), None);
    assert_eq!(book.take_done().count(), 0);
    book.close_all(&p, &ph);
    let done: Vec<AddressReport> = book.take_done().collect();
    assert_eq!(done.len(), 2);
    let a = &done[0];
    assert_eq!(a.ip, "52.113.194.132");
    assert_eq!(
        (a.flows, a.packets, a.bytes_to, a.bytes_from, a.part),
        (3, 6, 157, 30, 1)
    );
    assert_eq!(a.hostnames, vec!["teams.microsoft.com", "other.example"]);
    assert_eq!(a.physics.len(), 1);
    let ph0 = &a.physics[0];
    assert_eq!(ph0.rtt_ms, Some(11.4));
    assert_eq!(ph0.rtt_flow, Some(FlowId(2)));
    assert_eq!(ph0.samples, 2);
    assert_eq!(
        ph0.verdict,
        crate::place::physics::judge::Verdict::ContradictsDatabase
    );
    assert_eq!(a.geo.country.as_deref(), Some("CA"));
    assert_eq!(done[1].ip, "52.114.77.33");
    assert_eq!(
        done[1].physics[0].verdict,
        crate::place::physics::judge::Verdict::NoRtt
    );
}

#[test]
fn a_full_table_writes_out_the_least_recently_visited_sixteenth() {
    let (p, ph) = (placer(), physics());
    let mut book = AddressBook::new(32);
    for i in 0..32u64 {
        go(
            &mut book,
            &p,
            &ph,
            visit(&format!("198.51.100.{i}"), i + 1, 1, None),
            None,
        );
    }
    // Visit the first again: it is now the most recent.
    go(
        &mut book,
        &p,
        &ph,
        visit("198.51.100.0", 100, 1, None),
        None,
    );
    go(&mut book, &p, &ph, visit("203.0.113.1", 101, 1, None), None);
    let out: Vec<String> = book.take_done().map(|a| a.ip).collect();
    // 32 / 16 = 2 go: the two least recently visited (.1 and .2).
    assert_eq!(out, vec!["198.51.100.1", "198.51.100.2"]);
    assert_eq!(book.stats().evicted, 2);
    // .1 comes back: a second part.
    go(
        &mut book,
        &p,
        &ph,
        visit("198.51.100.1", 102, 1, None),
        None,
    );
    book.close_all(&p, &ph);
    let parts: Vec<(String, u32)> = book
        .take_done()
        .filter(|a| a.ip == "198.51.100.1")
        .map(|a| (a.ip, a.part))
        .collect();
    assert_eq!(parts, vec![("198.51.100.1".to_string(), 2)]);
    assert!(book.stats().peak <= 32);
}
