//! Tunnels: GRE, ERSPAN II and III, VXLAN, and IP-in-IP in all four combinations.

use std::net::{IpAddr, SocketAddr};

use super::bytes::{be16, be32};
use super::flow::Dir;
use super::link::{ETH_IPV4, ethernet, ethertype_of, mac};
use super::packet::{PROTO_GRE, PROTO_IPIP, PROTO_IPV6, PROTO_UDP, ip_packet, udp_segment};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tunnel {
    Gre,
    ErspanII,
    ErspanIII,
    Vxlan,
    Ipv4InIpv4,
    Ipv6InIpv4,
    Ipv4InIpv6,
    Ipv6InIpv6,
}

impl Tunnel {
    pub const ALL: [Tunnel; 8] = [
        Tunnel::Gre,
        Tunnel::ErspanII,
        Tunnel::ErspanIII,
        Tunnel::Vxlan,
        Tunnel::Ipv4InIpv4,
        Tunnel::Ipv6InIpv4,
        Tunnel::Ipv4InIpv6,
        Tunnel::Ipv6InIpv6,
    ];

    pub fn inner_is_v6(self) -> bool {
        matches!(self, Tunnel::Ipv6InIpv4 | Tunnel::Ipv6InIpv6)
    }

    pub fn describe(self) -> &'static str {
        match self {
            Tunnel::Gre => "GRE (protocol 0x0800) over IPv4 10.9.0.1 <-> 10.9.0.2",
            Tunnel::ErspanII => {
                "ERSPAN type II (GRE 0x88BE, sequence numbers, session 7) 10.9.0.11 -> 10.9.0.12, \
                 inner Ethernet"
            }
            Tunnel::ErspanIII => {
                "ERSPAN type III (GRE 0x22EB, sequence numbers, session 8) 10.9.0.21 -> \
                 10.9.0.22, inner Ethernet"
            }
            Tunnel::Vxlan => "VXLAN VNI 42 over UDP 10.9.0.31 <-> 10.9.0.32:4789, inner Ethernet",
            Tunnel::Ipv4InIpv4 => "IPv4-in-IPv4 (protocol 4) 10.9.0.41 <-> 10.9.0.42",
            Tunnel::Ipv6InIpv4 => "IPv6-in-IPv4 (protocol 41) 10.9.0.51 <-> 10.9.0.52",
            Tunnel::Ipv4InIpv6 => "IPv4-in-IPv6 (next header 4) 2001:db8:9::61 <-> 2001:db8:9::62",
            Tunnel::Ipv6InIpv6 => "IPv6-in-IPv6 (next header 41) 2001:db8:9::71 <-> 2001:db8:9::72",
        }
    }

    /// Wraps an inner IP packet into the tunnel's outer IP packet. `seq` is the GRE sequence
    /// number (used by ERSPAN).
    pub fn encapsulate(self, inner: &[u8], dir: Dir, seq: u32) -> Vec<u8> {
        let (src, dst) = self.outer_ends(dir);
        let (proto, payload) = match self {
            Tunnel::Gre => {
                let mut gre = vec![0, 0];
                be16(&mut gre, ETH_IPV4);
                gre.extend_from_slice(inner);
                (PROTO_GRE, gre)
            }
            Tunnel::ErspanII => {
                // Version 1, VLAN 0, COS 0, En 0, T 0, session 7; reserved, index 0.
                let header = [(1 << 28) | 7, 0];
                let gre = erspan(0x88be, seq, &header, &inner_frame(inner, dir));
                (PROTO_GRE, gre)
            }
            Tunnel::ErspanIII => {
                // Version 2, VLAN 0, COS 0, BSO 0, T 0, session 8; a timestamp (granularity 0:
                // 100 µs); SGT 0, P 0, FT 0 (Ethernet), HW ID 0, D 0, Gra 0, O 0.
                let header = [(2 << 28) | 8, 0x0001_0000 + seq * 1000, 0];
                let gre = erspan(0x22eb, seq, &header, &inner_frame(inner, dir));
                (PROTO_GRE, gre)
            }
            Tunnel::Vxlan => {
                let mut vx = vec![0x08, 0, 0, 0]; // I flag: VNI valid
                be32(&mut vx, 42 << 8);
                vx.extend_from_slice(&inner_frame(inner, dir));
                let sport = match dir {
                    Dir::ToServer => 49153,
                    Dir::ToClient => 49154,
                };
                let udp = udp_segment(SocketAddr::new(src, sport), SocketAddr::new(dst, 4789), &vx);
                (PROTO_UDP, udp)
            }
            Tunnel::Ipv4InIpv4 | Tunnel::Ipv4InIpv6 => (PROTO_IPIP, inner.to_vec()),
            Tunnel::Ipv6InIpv4 | Tunnel::Ipv6InIpv6 => (PROTO_IPV6, inner.to_vec()),
        };
        ip_packet(src, dst, proto, &payload)
    }

    /// Outer (source, destination) of a packet travelling in `dir`: client-side endpoint first
    /// for a client-to-server packet, swapped for the other direction, except for ERSPAN, where
    /// the mirror always sends to the collector.
    fn outer_ends(self, dir: Dir) -> (IpAddr, IpAddr) {
        let (a, b) = match self {
            Tunnel::Gre => ("10.9.0.1", "10.9.0.2"),
            Tunnel::ErspanII => ("10.9.0.11", "10.9.0.12"),
            Tunnel::ErspanIII => ("10.9.0.21", "10.9.0.22"),
            Tunnel::Vxlan => ("10.9.0.31", "10.9.0.32"),
            Tunnel::Ipv4InIpv4 => ("10.9.0.41", "10.9.0.42"),
            Tunnel::Ipv6InIpv4 => ("10.9.0.51", "10.9.0.52"),
            Tunnel::Ipv4InIpv6 => ("2001:db8:9::61", "2001:db8:9::62"),
            Tunnel::Ipv6InIpv6 => ("2001:db8:9::71", "2001:db8:9::72"),
        };
        let (a, b): (IpAddr, IpAddr) = (
            a.parse().expect("valid IP literal"),
            b.parse().expect("valid IP literal"),
        );
        match (self, dir) {
            (Tunnel::ErspanII | Tunnel::ErspanIII, _) | (_, Dir::ToServer) => (a, b),
            (_, Dir::ToClient) => (b, a),
        }
    }
}

/// The inner IP packet as a whole Ethernet frame, as ERSPAN and VXLAN carry it.
fn inner_frame(inner: &[u8], dir: Dir) -> Vec<u8> {
    let (client, server) = (mac(0x0505), mac(0x0580));
    let (dst, src) = match dir {
        Dir::ToServer => (server, client),
        Dir::ToClient => (client, server),
    };
    ethernet(dst, src, &[], ethertype_of(inner), inner)
}

/// A GRE header with a sequence number (S bit) for `protocol`, then the ERSPAN header words
/// and the mirrored frame.
fn erspan(protocol: u16, seq: u32, header: &[u32], frame: &[u8]) -> Vec<u8> {
    let mut gre = Vec::new();
    be16(&mut gre, 0x1000); // S bit: sequence number present
    be16(&mut gre, protocol);
    be32(&mut gre, seq);
    for &word in header {
        be32(&mut gre, word);
    }
    gre.extend_from_slice(frame);
    gre
}
