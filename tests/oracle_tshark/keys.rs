//! Keys and counters shared by both sides: direction-free 5-tuples, address pairs and
//! per-direction packet/byte counts.

use std::fmt;
use std::net::IpAddr;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Endpoint {
    pub ip: IpAddr,
    pub port: Option<u16>,
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.ip, self.port) {
            (IpAddr::V4(ip), Some(p)) => write!(f, "{ip}:{p}"),
            (IpAddr::V6(ip), Some(p)) => write!(f, "[{ip}]:{p}"),
            (ip, None) => write!(f, "{ip}"),
        }
    }
}

/// A bidirectional 5-tuple with canonically ordered endpoints (`a <= b`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TupleKey {
    pub proto: u8,
    pub a: Endpoint,
    pub b: Endpoint,
}

impl TupleKey {
    /// The key for traffic from `src` to `dst`, and whether that direction is A→B.
    pub fn new(proto: u8, src: Endpoint, dst: Endpoint) -> (TupleKey, bool) {
        if src <= dst {
            (
                TupleKey {
                    proto,
                    a: src,
                    b: dst,
                },
                true,
            )
        } else {
            (
                TupleKey {
                    proto,
                    a: dst,
                    b: src,
                },
                false,
            )
        }
    }

    pub fn addresses(&self) -> AddrPair {
        AddrPair::new(self.proto, self.a.ip, self.b.ip)
    }
}

impl fmt::Display for TupleKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let transport = transport_name(self.proto);
        if transport == "other" {
            write!(f, "other/{} {} <-> {}", self.proto, self.a, self.b)
        } else {
            write!(f, "{transport} {} <-> {}", self.a, self.b)
        }
    }
}

/// Protocol and unordered address pair: what is known of a frame whose ports are not.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct AddrPair {
    proto: u8,
    lo: IpAddr,
    hi: IpAddr,
}

impl AddrPair {
    pub fn new(proto: u8, x: IpAddr, y: IpAddr) -> AddrPair {
        AddrPair {
            proto,
            lo: x.min(y),
            hi: x.max(y),
        }
    }
}

pub fn transport_name(proto: u8) -> &'static str {
    match proto {
        6 => "tcp",
        17 => "udp",
        1 => "icmp",
        58 => "icmpv6",
        _ => "other",
    }
}

/// The IP protocol number of a transport name `transport_name` gives, other than "other".
pub fn transport_number(name: &str) -> Option<u8> {
    [6, 17, 1, 58]
        .into_iter()
        .find(|&p| transport_name(p) == name)
}

pub fn has_ports(proto: u8) -> bool {
    proto == 6 || proto == 17
}

/// Packets and bytes, index 0 = A→B, index 1 = B→A.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    packets: [u64; 2],
    bytes: [u64; 2],
}

impl Counts {
    pub fn add(&mut self, a_to_b: bool, packets: u64, bytes: u64) {
        let i = usize::from(!a_to_b);
        self.packets[i] += packets;
        self.bytes[i] += bytes;
    }
}

impl fmt::Display for Counts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}p/{}B > {}p/{}B",
            self.packets[0], self.bytes[0], self.packets[1], self.bytes[1]
        )
    }
}
