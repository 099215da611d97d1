//! IPv4, IPv6, UDP and TCP headers, with their checksums.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use super::bytes::{be16, be32, len16, len32};

/// RFC 1071 Internet checksum over the concatenation of `parts`.
fn internet_checksum(parts: &[&[u8]]) -> u16 {
    let mut sum: u64 = 0;
    let mut pending: Option<u8> = None;
    for &byte in parts.iter().flat_map(|p| p.iter()) {
        match pending.take() {
            Some(hi) => sum += u64::from(u16::from_be_bytes([hi, byte])),
            None => pending = Some(byte),
        }
    }
    if let Some(hi) = pending {
        sum += u64::from(u16::from_be_bytes([hi, 0]));
    }
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !u16::try_from(sum).expect("folded to 16 bits")
}

pub const PROTO_IPIP: u8 = 4;
pub const PROTO_TCP: u8 = 6;
pub const PROTO_UDP: u8 = 17;
pub const PROTO_IPV6: u8 = 41;
pub const PROTO_IPV6_FRAG: u8 = 44;
pub const PROTO_GRE: u8 = 47;

const IPV4_DF: u16 = 0x4000;
pub const IPV4_MF: u16 = 0x2000;

pub fn ipv4_header(
    src: Ipv4Addr,
    dst: Ipv4Addr,
    proto: u8,
    ident: u16,
    flags_frag: u16,
    payload_len: usize,
) -> Vec<u8> {
    let mut h = Vec::with_capacity(20);
    h.push(0x45); // version 4, IHL 5
    h.push(0); // DSCP/ECN
    be16(&mut h, len16(20 + payload_len));
    be16(&mut h, ident);
    be16(&mut h, flags_frag);
    h.push(64); // TTL
    h.push(proto);
    be16(&mut h, 0); // checksum, filled below
    h.extend_from_slice(&src.octets());
    h.extend_from_slice(&dst.octets());
    let sum = internet_checksum(&[&h]);
    h[10..12].copy_from_slice(&sum.to_be_bytes());
    h
}

pub fn ipv6_header(src: Ipv6Addr, dst: Ipv6Addr, next: u8, payload_len: usize) -> Vec<u8> {
    let mut h = Vec::with_capacity(40);
    be32(&mut h, 0x6000_0000); // version 6, traffic class 0, flow label 0
    be16(&mut h, len16(payload_len));
    h.push(next);
    h.push(64); // hop limit
    h.extend_from_slice(&src.octets());
    h.extend_from_slice(&dst.octets());
    h
}

/// An unfragmented IP packet (IPv4 with DF set and identification 0).
pub fn ip_packet(src: IpAddr, dst: IpAddr, proto: u8, payload: &[u8]) -> Vec<u8> {
    let mut p = match (src, dst) {
        (IpAddr::V4(s), IpAddr::V4(d)) => ipv4_header(s, d, proto, 0, IPV4_DF, payload.len()),
        (IpAddr::V6(s), IpAddr::V6(d)) => ipv6_header(s, d, proto, payload.len()),
        _ => panic!("mixed address families {src} / {dst}"),
    };
    p.extend_from_slice(payload);
    p
}

/// The pseudo-header that TCP and UDP checksums cover.
fn pseudo_header(src: IpAddr, dst: IpAddr, proto: u8, len: usize) -> Vec<u8> {
    let mut h = Vec::new();
    match (src, dst) {
        (IpAddr::V4(s), IpAddr::V4(d)) => {
            h.extend_from_slice(&s.octets());
            h.extend_from_slice(&d.octets());
            h.push(0);
            h.push(proto);
            be16(&mut h, len16(len));
        }
        (IpAddr::V6(s), IpAddr::V6(d)) => {
            h.extend_from_slice(&s.octets());
            h.extend_from_slice(&d.octets());
            be32(&mut h, len32(len));
            h.extend_from_slice(&[0, 0, 0, proto]);
        }
        _ => panic!("mixed address families {src} / {dst}"),
    }
    h
}

pub fn udp_segment(src: SocketAddr, dst: SocketAddr, payload: &[u8]) -> Vec<u8> {
    let mut s = Vec::with_capacity(8 + payload.len());
    be16(&mut s, src.port());
    be16(&mut s, dst.port());
    be16(&mut s, len16(8 + payload.len()));
    be16(&mut s, 0);
    s.extend_from_slice(payload);
    let pseudo = pseudo_header(src.ip(), dst.ip(), PROTO_UDP, s.len());
    let sum = match internet_checksum(&[&pseudo, &s]) {
        0 => 0xffff,
        sum => sum,
    };
    s[6..8].copy_from_slice(&sum.to_be_bytes());
    s
}

pub const FIN: u8 = 0x01;
pub const SYN: u8 = 0x02;
pub const RST: u8 = 0x04;
pub const PSH: u8 = 0x08;
pub const ACK: u8 = 0x10;

pub struct TcpFields<'a> {
    pub seq: u32,
    pub ack: u32,
    pub flags: u8,
    pub window: u16,
    pub options: &'a [u8],
    pub payload: &'a [u8],
}

pub fn tcp_segment(src: SocketAddr, dst: SocketAddr, f: &TcpFields<'_>) -> Vec<u8> {
    assert_eq!(
        f.options.len() % 4,
        0,
        "TCP options must be padded to 32 bits"
    );
    let header_len = 20 + f.options.len();
    let mut s = Vec::with_capacity(header_len + f.payload.len());
    be16(&mut s, src.port());
    be16(&mut s, dst.port());
    be32(&mut s, f.seq);
    be32(&mut s, f.ack);
    s.push(u8::try_from(header_len / 4).expect("data offset fits") << 4);
    s.push(f.flags);
    be16(&mut s, f.window);
    be16(&mut s, 0); // checksum, filled below
    be16(&mut s, 0); // urgent pointer
    s.extend_from_slice(f.options);
    s.extend_from_slice(f.payload);
    let pseudo = pseudo_header(src.ip(), dst.ip(), PROTO_TCP, s.len());
    let sum = internet_checksum(&[&pseudo, &s]);
    s[16..18].copy_from_slice(&sum.to_be_bytes());
    s
}

/// SYN options: MSS, NOP, window scale 8, NOP, NOP, SACK permitted (12 bytes).
pub fn syn_options(mss: u16) -> Vec<u8> {
    let mut o = vec![2, 4];
    be16(&mut o, mss);
    o.extend_from_slice(&[1, 3, 3, 8, 1, 1, 4, 2]);
    o
}
