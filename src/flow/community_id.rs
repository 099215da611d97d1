//! Community ID v1 flow hashes, so a flow residency reports can be joined with the same flow in
//! Zeek, Suricata or Elastic records.
//!
//! Written from the specification, corelight/community-id-spec `README.md` (commit
//! b1fe530faa0c6edc56fad01abf0bfe71f01134ed, 2024-09-23; read 2026-12-05), and checked against
//! that repository's `baseline/` vectors in `tests/community_id.rs`:
//!
//! - the hash input is `seed (2 bytes, big-endian) · address A · address B · protocol (1 byte) ·
//!   0 (1 pad byte) · port A (2 bytes, BE) · port B (2 bytes, BE)`, addresses in network order
//!   (4 or 16 bytes); protocols without ports end after the pad byte;
//! - the endpoints are ordered so that the smaller (address, port) pair comes first (addresses
//!   decide, ports break a tie), which gives both directions of a flow one ID;
//! - ICMP and ICMPv6 use the type as the source "port" and, for types that have a counterpart
//!   (echo request/reply, ...), the counterpart type as the destination "port"; other types use
//!   the code and are one-way: their endpoints are never reordered. The pairs follow Zeek, as
//!   the spec says, and are the ones of the spec's reference script `community-id.py`;
//! - the ID is `1:` followed by the standard base64 (with padding) of the 20-byte SHA-1 digest.
//!
//! What residency's flows give it: `Flow` keeps no ICMP type or code (the flow key has port 0
//! and `has_ports == false` for ICMP, see `analyze` and `decode::Transport::Icmp`), so
//! [`flow_community_id`] hashes an ICMP flow without ports, like a port-less protocol. Those IDs
//! do not match the ones Zeek or Suricata give the same ICMP exchange; matching them needs the
//! type and code of the flow's first packet in the flow record. SCTP has the same gap: the
//! decoder reads no SCTP ports, so SCTP flows are hashed without them too.

use std::net::IpAddr;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use sha1::{Digest, Sha1};

use super::record::Flow;

const PROTO_ICMP: u8 = 1;
const PROTO_ICMPV6: u8 = 58;

/// ICMPv4 types with a counterpart (request ↔ reply), by RFC 792 / RFC 950 / RFC 1256 number:
/// echo, timestamp, information, router solicitation/advertisement, address mask.
const ICMP_PAIRS: [(u16, u16); 5] = [(8, 0), (13, 14), (15, 16), (10, 9), (17, 18)];

/// ICMPv6 types with a counterpart: echo, multicast listener query/report, router and
/// neighbour solicitation/advertisement, who-are-you, home agent address discovery.
const ICMPV6_PAIRS: [(u16, u16); 6] = [
    (128, 129),
    (130, 131),
    (133, 134),
    (135, 136),
    (139, 140),
    (144, 145),
];

/// The Community ID v1 of a flow tuple, `1:` and base64.
///
/// `src_port`/`dst_port` are the transport ports; for ICMP (protocol 1) and ICMPv6 (58) they
/// are the ICMP type and code. Ports are hashed only when both are given: pass `None` for
/// protocols without ports. Addresses of different families (no real packet has them) are
/// ordered by their bytes and hashed as given, so the function never fails.
pub fn community_id(
    seed: u16,
    protocol: u8,
    src: IpAddr,
    src_port: Option<u16>,
    dst: IpAddr,
    dst_port: Option<u16>,
) -> String {
    let ports = src_port.zip(dst_port);
    let (ports, one_way) = match (protocol, ports) {
        (PROTO_ICMP, Some((kind, code))) => icmp_ports(&ICMP_PAIRS, kind, code),
        (PROTO_ICMPV6, Some((kind, code))) => icmp_ports(&ICMPV6_PAIRS, kind, code),
        (_, ports) => (ports, false),
    };
    let mut a = (octets(src), ports.map(|p| p.0));
    let mut b = (octets(dst), ports.map(|p| p.1));
    if !one_way && b < a {
        std::mem::swap(&mut a, &mut b);
    }

    let mut hasher = Sha1::new();
    hasher.update(seed.to_be_bytes());
    hasher.update(a.0.as_slice());
    hasher.update(b.0.as_slice());
    hasher.update([protocol, 0]);
    if let (Some(port_a), Some(port_b)) = (a.1, b.1) {
        hasher.update(port_a.to_be_bytes());
        hasher.update(port_b.to_be_bytes());
    }
    format!("1:{}", STANDARD.encode(hasher.finalize()))
}

/// The Community ID of one of residency's flows, client as source. Flows without ports (ICMP
/// today, see the module notes) are hashed without ports.
pub fn flow_community_id(seed: u16, flow: &Flow) -> String {
    let port = |p: u16| flow.has_ports.then_some(p);
    community_id(
        seed,
        flow.protocol,
        flow.client.ip,
        port(flow.client.port),
        flow.server.ip,
        port(flow.server.port),
    )
}

/// Ports standing for an ICMP type and code, and whether the message is one-way.
fn icmp_ports(pairs: &[(u16, u16)], kind: u16, code: u16) -> (Option<(u16, u16)>, bool) {
    let counterpart = pairs.iter().find_map(|&(x, y)| {
        if x == kind {
            Some(y)
        } else if y == kind {
            Some(x)
        } else {
            None
        }
    });
    match counterpart {
        Some(other) => (Some((kind, other)), false),
        None => (Some((kind, code)), true),
    }
}

/// An address's bytes in network order; the comparison of these orders the endpoints.
fn octets(ip: IpAddr) -> Vec<u8> {
    match ip {
        IpAddr::V4(v4) => v4.octets().to_vec(),
        IpAddr::V6(v6) => v6.octets().to_vec(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn spec_example_both_directions_match() {
        // The README's example: both directions order into 10.0.0.1, 127.0.0.1, 1234, 80.
        let out = community_id(0, 6, ip("10.0.0.1"), Some(1234), ip("127.0.0.1"), Some(80));
        let back = community_id(0, 6, ip("127.0.0.1"), Some(80), ip("10.0.0.1"), Some(1234));
        assert_eq!(out, back);
        assert!(out.starts_with("1:"));
        assert_eq!(out.len(), 2 + 28);
    }

    #[test]
    fn equal_addresses_ordered_by_port() {
        let a = community_id(0, 17, ip("10.0.0.1"), Some(5000), ip("10.0.0.1"), Some(53));
        let b = community_id(0, 17, ip("10.0.0.1"), Some(53), ip("10.0.0.1"), Some(5000));
        assert_eq!(a, b);
    }

    #[test]
    fn seed_protocol_and_ports_change_the_id() {
        let base = community_id(0, 6, ip("1.2.3.4"), Some(1), ip("5.6.7.8"), Some(2));
        assert_ne!(
            base,
            community_id(1, 6, ip("1.2.3.4"), Some(1), ip("5.6.7.8"), Some(2))
        );
        assert_ne!(
            base,
            community_id(0, 17, ip("1.2.3.4"), Some(1), ip("5.6.7.8"), Some(2))
        );
        assert_ne!(
            base,
            community_id(0, 6, ip("1.2.3.4"), Some(1), ip("5.6.7.8"), Some(3))
        );
        assert_ne!(
            base,
            community_id(0, 6, ip("1.2.3.4"), None, ip("5.6.7.8"), None)
        );
    }

    #[test]
    fn one_port_missing_hashes_without_ports() {
        let none = community_id(0, 46, ip("1.2.3.4"), None, ip("5.6.7.8"), None);
        assert_eq!(
            none,
            community_id(0, 46, ip("1.2.3.4"), Some(9), ip("5.6.7.8"), None)
        );
    }

    #[test]
    fn icmp_one_way_types_keep_their_direction() {
        // Time exceeded (11) has no counterpart: the two directions differ.
        let out = community_id(0, 1, ip("1.2.3.4"), Some(11), ip("5.6.7.8"), Some(0));
        let back = community_id(0, 1, ip("5.6.7.8"), Some(11), ip("1.2.3.4"), Some(0));
        assert_ne!(out, back);
        // Echo request and reply meet, whatever their codes.
        let request = community_id(0, 1, ip("5.6.7.8"), Some(8), ip("1.2.3.4"), Some(0));
        let reply = community_id(0, 1, ip("1.2.3.4"), Some(0), ip("5.6.7.8"), Some(7));
        assert_eq!(request, reply);
    }

    fn flow(protocol: u8, has_ports: bool, client: (&str, u16), server: (&str, u16)) -> Flow {
        use super::super::key::Endpoint;
        use super::super::record::ClientBy;
        use crate::timestamp::Timestamp;
        Flow {
            id: super::super::record::FlowId(1),
            protocol,
            has_ports,
            client: Endpoint {
                ip: ip(client.0),
                port: client.1,
            },
            server: Endpoint {
                ip: ip(server.0),
                port: server.1,
            },
            client_by: ClientBy::FirstPacket,
            packets: [1, 0],
            bytes: [60, 0],
            payload: [20, 0],
            tcp_flags: [0; 2],
            capture_gaps: [0; 2],
            fragments: 0,
            first_seen: Timestamp::default(),
            last_seen: Timestamp::default(),
            first_packet: Default::default(),
            last_packet: Default::default(),
            end: None,
        }
    }

    #[test]
    fn flows_hash_with_ports_only_when_they_have_them() {
        // The spec's baseline TCP tuple (baseline/README.md, default seed).
        let tcp = flow(6, true, ("5.6.7.8", 3344), ("1.2.3.4", 1122));
        assert_eq!(flow_community_id(0, &tcp), "1:wCb3OG7yAFWelaUydu0D+125CLM=");
        // ICMP flows carry port 0 and no ports: hashed like a port-less protocol.
        let icmp = flow(1, false, ("1.2.3.4", 0), ("5.6.7.8", 0));
        assert_eq!(
            flow_community_id(0, &icmp),
            community_id(0, 1, ip("1.2.3.4"), None, ip("5.6.7.8"), None)
        );
        assert_ne!(
            flow_community_id(0, &icmp),
            community_id(0, 1, ip("1.2.3.4"), Some(0), ip("5.6.7.8"), Some(0))
        );
    }

    #[test]
    fn mixed_families_do_not_panic() {
        let id = community_id(0, 6, ip("1.2.3.4"), Some(1), ip("::1"), Some(2));
        assert_eq!(
            id,
            community_id(0, 6, ip("::1"), Some(2), ip("1.2.3.4"), Some(1))
        );
    }
}
