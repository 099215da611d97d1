//! IP fragments in any order, repeated, never completed, across time: the fragment tracker
//! (`flow::FragmentTracker`). Each 8-byte record is one fragment: source and destination
//! (one byte each, picking from a few addresses), IP id (2), whether it is a first fragment
//! (1), the time step in milliseconds (2), the first fragment's port (1). Beyond not
//! panicking, the target checks the tracker's promise: every fragment is handed on exactly
//! once (now, when its first fragment comes, or port-less when it times out or at the end),
//! and the counts add up.
#![no_main]

use libfuzzer_sys::fuzz_target;
use residency::flow::{Endpoint, FragmentTracker, PacketMeta, PacketRef};
use residency::timestamp::Timestamp;
use std::collections::BTreeSet;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

fn address(b: u8) -> IpAddr {
    if b & 0x80 == 0 {
        IpAddr::V4(Ipv4Addr::new(10, 0, 0, b & 7))
    } else {
        IpAddr::V6(Ipv6Addr::new(
            0x2001,
            0xdb8,
            0,
            0,
            0,
            0,
            0,
            u16::from(b & 7),
        ))
    }
}

fuzz_target!(|data: &[u8]| {
    let mut tracker = FragmentTracker::new();
    let mut ts: i64 = 1_700_000_000_000_000_000;
    let mut given = 0u64;
    let mut firsts = 0u64;
    let mut seen: BTreeSet<u64> = BTreeSet::new();
    let mut emitted = 0u64;
    let mut check = |p: &PacketMeta| {
        emitted += 1;
        assert!(
            seen.insert(p.at.number),
            "fragment {} handed on twice",
            p.at.number
        );
    };
    for (n, r) in data.chunks_exact(8).enumerate() {
        ts += i64::from(u16::from_be_bytes([r[5], r[6]])) * 1_000_000;
        let first = r[4] & 1 == 1;
        let p = PacketMeta {
            ts: Timestamp::from_nanos(ts),
            protocol: 17,
            src: Endpoint {
                ip: address(r[0]),
                port: if first { u16::from(r[7]) } else { 0 },
            },
            dst: Endpoint {
                ip: address(r[1]),
                port: if first { 443 } else { 0 },
            },
            has_ports: first,
            ip_len: 1500,
            payload_len: 1480,
            tcp_flags: None,
            seq: 0,
            ack: 0,
            fragment: true,
            at: PacketRef {
                input: 0,
                number: n as u64 + 1,
            },
        };
        given += 1;
        firsts += u64::from(first);
        tracker.fragment(
            p,
            u32::from(u16::from_be_bytes([r[2], r[3]])),
            first,
            &mut check,
        );
    }
    tracker.flush(&mut check);
    assert_eq!(emitted, given, "every fragment handed on once");
    let stats = tracker.stats();
    assert_eq!(
        stats.attributed + stats.unattributed + firsts,
        given,
        "{stats:?}"
    );
});
