//! Per-copy address mapping of `expand`: a keyed permutation inside each address's class, so
//! that a copy's addresses are new, distinct (a bijection: flows stay apart and stay flows) and
//! of the same kind as the originals.
//!
//! IPv4: 10/8, 172.16/12, 192.168/16, 100.64/10, 169.254/16 and 127/8 are permuted inside
//! their block; public addresses inside their /8, walking the permutation's cycle until the
//! result is public again (cycle walking keeps it a bijection of the public addresses of that
//! /8), so none lands in a private, shared, documentation, benchmarking or other
//! special-purpose range. Multicast, broadcast, 0/8, 240/4 and the special-purpose /24s and
//! /15 are kept: their addresses mean something (mDNS's 224.0.0.251) rather than name a host.
//!
//! IPv6: unique local (fc00::/7) keeps its first byte, link-local (fe80::/10) its /64, global
//! unicast (2000::/3) its /32 (a provider's allocation); the rest of each is permuted.
//! IPv4-mapped (::ffff:0:0/96) and NAT64 (64:ff9b::/96) addresses map their IPv4 address as
//! IPv4 does. Unspecified, loopback, multicast, 2001::/23, documentation (2001:db8::/32),
//! 6to4 (2002::/16) and everything outside 2000::/3 are kept.
//!
//! Copy 0 is the identity. The permutation is a 6-round Feistel network keyed by (seed,
//! copy), written here because it must permute exactly n bits (20 for 172.16/12) and give
//! the same answer on every machine and Rust version (the standard library's hasher does not
//! promise that).

use std::collections::HashMap;

pub struct Remap {
    seed: u64,
    copy: u64,
    v4: HashMap<u32, u32>,
    v6: HashMap<u128, u128>,
}

/// What a class does with an IPv4 address: keep it, or permute its low `bits` bits, walking
/// until the result is public again when `public`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Class4 {
    Keep,
    Block { bits: u32 },
    Public,
}

pub fn class4(a: u32) -> Class4 {
    let in_net = |net: u32, len: u32| a >> (32 - len) == net >> (32 - len);
    if in_net(0x0a00_0000, 8) || in_net(0x7f00_0000, 8) {
        Class4::Block { bits: 24 }
    } else if in_net(0xac10_0000, 12) {
        Class4::Block { bits: 20 }
    } else if in_net(0xc0a8_0000, 16) || in_net(0xa9fe_0000, 16) {
        Class4::Block { bits: 16 }
    } else if in_net(0x6440_0000, 10) {
        Class4::Block { bits: 22 }
    } else if in_net(0, 8)
        || a >= 0xe000_0000 // multicast, 240/4, broadcast
        || in_net(0xc000_0000, 24) // IETF protocol assignments
        || in_net(0xc000_0200, 24) // TEST-NET-1
        || in_net(0xc058_6300, 24) // 6to4 relay anycast
        || in_net(0xc612_0000, 15) // benchmarking
        || in_net(0xc633_6400, 24) // TEST-NET-2
        || in_net(0xcb00_7100, 24)
    // TEST-NET-3
    {
        Class4::Keep
    } else {
        Class4::Public
    }
}

impl Remap {
    pub fn new(seed: u64) -> Self {
        Remap {
            seed,
            copy: 0,
            v4: HashMap::new(),
            v6: HashMap::new(),
        }
    }

    /// Starts copy `copy` (0: the identity).
    pub fn set_copy(&mut self, copy: u64) {
        self.copy = copy;
        self.v4.clear();
        self.v6.clear();
    }

    pub fn v4(&mut self, a: [u8; 4]) -> [u8; 4] {
        if self.copy == 0 {
            return a;
        }
        let x = u32::from_be_bytes(a);
        if let Some(y) = self.v4.get(&x) {
            return y.to_be_bytes();
        }
        let y = match class4(x) {
            Class4::Keep => x,
            Class4::Block { bits } => {
                let mask = (1u32 << bits) - 1;
                (x & !mask) | self.permute(u128::from(x & mask), bits, 4) as u32
            }
            Class4::Public => {
                let mask = 0x00ff_ffff;
                let mut y = x;
                loop {
                    y = (x & !mask) | self.permute(u128::from(y & mask), 24, 4) as u32;
                    if class4(y) == Class4::Public {
                        break y;
                    }
                }
            }
        };
        self.v4.insert(x, y);
        y.to_be_bytes()
    }

    pub fn v6(&mut self, a: [u8; 16]) -> [u8; 16] {
        if self.copy == 0 {
            return a;
        }
        let x = u128::from_be_bytes(a);
        if let Some(y) = self.v6.get(&x) {
            return y.to_be_bytes();
        }
        let top = |len: u32| x >> (128 - len);
        let keep_low = |bits: u32, r: &Remap| {
            let mask = (1u128 << bits) - 1;
            (x & !mask) | r.permute(x & mask, bits, 6)
        };
        let embedded4 = |r: &mut Remap| {
            let v4 = r.v4((x as u32).to_be_bytes());
            (x & !0xffff_ffff) | u128::from(u32::from_be_bytes(v4))
        };
        let y = if x >> 32 == 0xffff || x >> 32 == 0x0064_ff9b_0000_0000_0000_0000 {
            embedded4(self)
        } else if top(8) == 0xff
            || top(23) == 0x2001 << 7
            || top(16) == 0x2002
            || top(32) == 0x2001_0db8
        {
            x
        } else if top(7) == 0xfc >> 1 {
            keep_low(120, self)
        } else if top(10) == 0xfe80 >> 6 {
            keep_low(64, self)
        } else if top(3) == 1 {
            keep_low(96, self)
        } else {
            x
        };
        self.v6.insert(x, y);
        y.to_be_bytes()
    }

    /// A keyed permutation of `bits`-bit numbers (`bits` even, at most 128).
    fn permute(&self, x: u128, bits: u32, domain: u64) -> u128 {
        let half = bits / 2;
        let mask = if half == 64 {
            u64::MAX
        } else {
            (1u64 << half) - 1
        };
        let (mut l, mut r) = (((x >> half) as u64) & mask, (x as u64) & mask);
        for round in 0..6u64 {
            let f = mix64(
                self.seed ^ mix64(self.copy ^ (round << 56) ^ (domain << 48) ^ u64::from(bits)) ^ r,
            );
            (l, r) = (r, (l ^ f) & mask);
        }
        (u128::from(l) << half) | u128::from(r)
    }
}

/// The finaliser of SplitMix64: a fixed bijection of 64-bit numbers that mixes every bit.
fn mix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}
