//! Byte helpers: big-endian integers, checked lengths, filler, hex, address literals.

use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};

pub fn be16(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_be_bytes());
}

pub fn be32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_be_bytes());
}

pub fn len16(n: usize) -> u16 {
    u16::try_from(n).expect("length fits in 16 bits")
}

pub fn len32(n: usize) -> u32 {
    u32::try_from(n).expect("length fits in 32 bits")
}

/// Deterministic filler bytes (xorshift32 with a fixed seed).
pub fn filler(len: usize, seed: u32) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x.to_be_bytes()[0]
        })
        .collect()
}

/// Parses hex text, ignoring whitespace.
pub fn hex(text: &str) -> Vec<u8> {
    let digits: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    assert_eq!(digits.len() % 2, 0, "odd number of hex digits");
    digits
        .chunks(2)
        .map(|pair| {
            let s = std::str::from_utf8(pair).expect("ASCII hex");
            u8::from_str_radix(s, 16).expect("valid hex digit")
        })
        .collect()
}

pub fn v4(s: &str) -> Ipv4Addr {
    s.parse().expect("valid IPv4 literal")
}

pub fn v6(s: &str) -> Ipv6Addr {
    s.parse().expect("valid IPv6 literal")
}

pub fn sock(s: &str) -> SocketAddr {
    s.parse().expect("valid socket address literal")
}
