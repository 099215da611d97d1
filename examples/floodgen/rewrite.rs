//! Rewriting one captured frame for a copy of `expand`: every IPv4 and IPv6 address (headers,
//! ARP, tunnels' inner packets, the packet an ICMP error quotes, DNS A/AAAA answers and
//! SVCB/HTTPS address hints) through [`Remap`], every checksum that covers a changed byte
//! updated incrementally (RFC 1624), so a correct checksum stays correct and a wrong one (a
//! capture behind checksum offload) stays wrong by the same amount, truncated packets
//! included.
//!
//! Every read is bounds-checked: a frame too short or of a kind not understood is left as it
//! is (the caller counts it); nothing here panics on junk.

use super::remap::Remap;

/// What became of a frame.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Outcome {
    /// At least one address was read (and, but in copy 0, rewritten).
    Rewritten,
    /// Understood, but it holds no IP address (e.g. LLDP, a spanning-tree frame).
    NoAddress,
    /// The link layer or the IP header could not be parsed: copied unchanged.
    Unparsed,
}

/// Link types understood (LINKTYPE_* numbers).
pub fn rewrite_frame(link: u32, f: &mut [u8], m: &mut Remap, dns: &mut u64) -> Outcome {
    match link {
        1 => ethernet(f, m, dns, 0),
        0 | 108 => {
            let Some(h) = f.get(..4) else {
                return Outcome::Unparsed;
            };
            let family = if link == 0 {
                u32::from_le_bytes([h[0], h[1], h[2], h[3]])
                    .min(u32::from_be_bytes([h[0], h[1], h[2], h[3]]))
            } else {
                u32::from_be_bytes([h[0], h[1], h[2], h[3]])
            };
            match family {
                2 | 24 | 28 | 30 => ip(&mut f[4..], m, dns, 0),
                _ => Outcome::Unparsed,
            }
        }
        9 | 50 => {
            let at = if f.starts_with(&[0xff, 0x03]) { 2 } else { 0 };
            let Some(&p0) = f.get(at) else {
                return Outcome::Unparsed;
            };
            let (proto, len) = if p0 & 1 == 1 {
                (u16::from(p0), 1)
            } else {
                match f.get(at..at + 2) {
                    Some(p) => (u16::from_be_bytes([p[0], p[1]]), 2),
                    None => return Outcome::Unparsed,
                }
            };
            match proto {
                0x21 | 0x57 => ip(&mut f[at + len..], m, dns, 0),
                _ => Outcome::NoAddress,
            }
        }
        12 | 14 | 101 | 228 | 229 => ip(f, m, dns, 0),
        113 => match f.get(14..16) {
            Some(t) => ethertype(u16::from_be_bytes([t[0], t[1]]), &mut f[16..], m, dns, 0),
            None => Outcome::Unparsed,
        },
        276 => match f.get(..2) {
            Some(t) if f.len() >= 20 => {
                ethertype(u16::from_be_bytes([t[0], t[1]]), &mut f[20..], m, dns, 0)
            }
            _ => Outcome::Unparsed,
        },
        _ => Outcome::Unparsed,
    }
}

/// Tunnels inside tunnels deeper than this are left alone.
const MAX_DEPTH: u8 = 4;

fn ethernet(f: &mut [u8], m: &mut Remap, dns: &mut u64, depth: u8) -> Outcome {
    let mut at = 12;
    loop {
        let Some(t) = f.get(at..at + 2) else {
            return Outcome::Unparsed;
        };
        let t = u16::from_be_bytes([t[0], t[1]]);
        if matches!(t, 0x8100 | 0x88a8 | 0x9100) {
            at += 4;
            continue;
        }
        return ethertype(t, &mut f[at + 2..], m, dns, depth);
    }
}

fn ethertype(t: u16, f: &mut [u8], m: &mut Remap, dns: &mut u64, depth: u8) -> Outcome {
    match t {
        0x0800 | 0x86dd => ip(f, m, dns, depth),
        0x0806 => arp(f, m),
        // PPPoE session: 6-byte header, then the PPP protocol.
        0x8864 => match f.get(6..8) {
            Some([0x00, 0x21]) | Some([0x00, 0x57]) => ip(&mut f[8..], m, dns, depth),
            Some(_) => Outcome::NoAddress,
            None => Outcome::Unparsed,
        },
        _ => Outcome::NoAddress,
    }
}

fn arp(f: &mut [u8], m: &mut Remap) -> Outcome {
    // Ethernet hardware (6-byte) and IPv4 protocol (4-byte) addresses only.
    if f.len() < 28 || f[..6] != [0, 1, 8, 0, 6, 4] {
        return Outcome::NoAddress;
    }
    for at in [14, 24] {
        let a = m.v4([f[at], f[at + 1], f[at + 2], f[at + 3]]);
        f[at..at + 4].copy_from_slice(&a);
    }
    Outcome::Rewritten
}

/// One's complement sum of `b` as 16-bit big-endian words (the last odd byte padded).
fn sum(mut acc: u64, b: &[u8]) -> u64 {
    let mut chunks = b.chunks_exact(2);
    for c in &mut chunks {
        acc += u64::from(u16::from_be_bytes([c[0], c[1]]));
    }
    if let [last] = chunks.remainder() {
        acc += u64::from(*last) << 8;
    }
    acc
}

fn fold(mut s: u64) -> u16 {
    while s > 0xffff {
        s = (s & 0xffff) + (s >> 16);
    }
    s as u16
}

/// RFC 1624 eqn. 3: the checksum `c` after the covered words summing to `old` became `new`.
fn update(c: u16, old: u64, new: u64) -> u16 {
    !fold(u64::from(!c) + u64::from(!fold(old)) + u64::from(fold(new)))
}

/// Rewrites the 16-bit checksum at `at` of `f` by the change from `old` to `new`, if captured
/// (`zero_means_none`: UDP's 0, "no checksum", stays 0, and a computed 0 is sent as 0xffff).
fn patch(f: &mut [u8], at: usize, old: u64, new: u64, zero_means_none: bool) {
    let Some(b) = f.get(at..at + 2) else {
        return;
    };
    let c = u16::from_be_bytes([b[0], b[1]]);
    if zero_means_none && c == 0 {
        return;
    }
    let mut n = update(c, old, new);
    if zero_means_none && n == 0 {
        n = 0xffff;
    }
    f[at..at + 2].copy_from_slice(&n.to_be_bytes());
}

/// An IPv4 or IPv6 packet at the start of `f` (by its version).
fn ip(f: &mut [u8], m: &mut Remap, dns: &mut u64, depth: u8) -> Outcome {
    if depth > MAX_DEPTH {
        return Outcome::NoAddress;
    }
    match f.first().map(|b| b >> 4) {
        Some(4) => ipv4(f, m, dns, depth),
        Some(6) => ipv6(f, m, dns, depth),
        _ => Outcome::Unparsed,
    }
}

fn ipv4(f: &mut [u8], m: &mut Remap, dns: &mut u64, depth: u8) -> Outcome {
    let ihl = usize::from(f[0] & 0x0f) * 4;
    if ihl < 20 || f.len() < ihl {
        return Outcome::Unparsed;
    }
    let total = usize::from(u16::from_be_bytes([f[2], f[3]]));
    let end = if total < ihl {
        f.len()
    } else {
        total.min(f.len())
    };
    let proto = f[9];
    let frag = u16::from_be_bytes([f[6], f[7]]) & 0x1fff;
    let old_addrs = sum(0, &f[12..20]);
    let before = l4_sum(proto, frag == 0, old_addrs, &f[ihl..end]);
    let src = m.v4([f[12], f[13], f[14], f[15]]);
    let dst = m.v4([f[16], f[17], f[18], f[19]]);
    f[12..16].copy_from_slice(&src);
    f[16..20].copy_from_slice(&dst);
    let new_addrs = sum(0, &f[12..20]);
    patch(f, 10, old_addrs, new_addrs, false);
    if frag == 0 {
        payload(proto, &mut f[ihl..end], m, dns, depth);
    }
    if let Some((at, zero)) = before.and_then(|_| checksum_at(proto)) {
        let after = l4_sum(proto, true, new_addrs, &f[ihl..end]).unwrap_or(0);
        patch(&mut f[ihl..end], at, before.unwrap_or(0), after, zero);
    }
    Outcome::Rewritten
}

fn ipv6(f: &mut [u8], m: &mut Remap, dns: &mut u64, depth: u8) -> Outcome {
    if f.len() < 40 {
        return Outcome::Unparsed;
    }
    let plen = usize::from(u16::from_be_bytes([f[4], f[5]]));
    let end = if plen == 0 {
        f.len()
    } else {
        (40 + plen).min(f.len())
    };
    // Skip extension headers to the upper layer (a later fragment has none).
    let (mut next, mut at, mut first) = (f[6], 40, true);
    loop {
        match next {
            0 | 43 | 60 | 51 => {
                let Some(h) = f.get(at..at + 2) else { break };
                let len = if next == 51 {
                    (usize::from(h[1]) + 2) * 4
                } else {
                    (usize::from(h[1]) + 1) * 8
                };
                next = h[0];
                at += len;
            }
            44 => {
                let Some(h) = f.get(at..at + 8) else { break };
                first = u16::from_be_bytes([h[2], h[3]]) >> 3 == 0;
                next = h[0];
                at += 8;
            }
            _ => break,
        }
    }
    let at = at.min(end);
    let old_addrs = sum(0, &f[8..40]);
    let before = l4_sum(next, first, old_addrs, &f[at..end]);
    let mut a = [0u8; 16];
    for off in [8, 24] {
        a.copy_from_slice(&f[off..off + 16]);
        let n = m.v6(a);
        f[off..off + 16].copy_from_slice(&n);
    }
    let new_addrs = sum(0, &f[8..40]);
    if first {
        payload(next, &mut f[at..end], m, dns, depth);
    }
    if let Some((off, zero)) = before.and_then(|_| checksum_at(next)) {
        let after = l4_sum(next, true, new_addrs, &f[at..end]).unwrap_or(0);
        patch(&mut f[at..end], off, before.unwrap_or(0), after, zero);
    }
    Outcome::Rewritten
}

/// Where the checksum of an upper-layer protocol sits, and whether 0 means "none".
fn checksum_at(proto: u8) -> Option<(usize, bool)> {
    match proto {
        6 => Some((16, false)),
        17 => Some((6, true)),
        1 | 58 => Some((2, false)),
        _ => None,
    }
}

/// The sum a protocol's checksum covers, over what was captured: the pseudo-header's addresses
/// (TCP, UDP, ICMPv6) and the whole segment. `None` when there is no checksum to keep.
fn l4_sum(proto: u8, first: bool, addrs: u64, seg: &[u8]) -> Option<u64> {
    if !first {
        return None;
    }
    match proto {
        6 | 17 | 58 => Some(sum(addrs, seg)),
        1 => Some(sum(0, seg)),
        _ => None,
    }
}

/// What an upper layer carries that holds addresses: tunnelled packets, quoted packets of ICMP
/// errors, DNS answers.
fn payload(proto: u8, seg: &mut [u8], m: &mut Remap, dns: &mut u64, depth: u8) {
    match proto {
        4 | 41 => {
            ip(seg, m, dns, depth + 1);
        }
        47 => gre(seg, m, dns, depth),
        1 if seg.len() > 8 && matches!(seg[0], 3 | 4 | 5 | 11 | 12) => {
            ip(&mut seg[8..], m, dns, depth + 1);
        }
        58 if seg.len() > 8 && matches!(seg[0], 1..=4) => {
            ip(&mut seg[8..], m, dns, depth + 1);
        }
        17 if seg.len() >= 8 => {
            let sport = u16::from_be_bytes([seg[0], seg[1]]);
            let dport = u16::from_be_bytes([seg[2], seg[3]]);
            let body = &mut seg[8..];
            if [sport, dport].iter().any(|p| matches!(p, 53 | 5353 | 5355)) {
                *dns += dns_message(body, m);
            } else if dport == 4789 && body.len() > 8 {
                ethernet(&mut body[8..], m, dns, depth + 1);
            }
        }
        6 if seg.len() >= 20 => {
            let sport = u16::from_be_bytes([seg[0], seg[1]]);
            let dport = u16::from_be_bytes([seg[2], seg[3]]);
            let off = usize::from(seg[12] >> 4) * 4;
            if (sport == 53 || dport == 53) && off >= 20 && seg.len() > off + 2 {
                // DNS over TCP: a message whose 2-byte length prefix starts the segment.
                let body = &mut seg[off..];
                let len = usize::from(u16::from_be_bytes([body[0], body[1]]));
                if let Some(msg) = body.get_mut(2..2 + len) {
                    *dns += dns_message(msg, m);
                }
            }
        }
        _ => {}
    }
}

/// GRE (RFC 2784/2890) carrying IPv4, IPv6 or Ethernet; its optional checksum kept.
fn gre(seg: &mut [u8], m: &mut Remap, dns: &mut u64, depth: u8) {
    let Some(h) = seg.get(..4) else { return };
    let (flags, proto) = (
        u16::from_be_bytes([h[0], h[1]]),
        u16::from_be_bytes([h[2], h[3]]),
    );
    if flags & 0x7 != 0 {
        return; // not version 0 (PPTP's enhanced GRE carries PPP)
    }
    let has_sum = flags & 0x8000 != 0;
    let at = 4 + 4 * [0x8000, 0x2000, 0x1000]
        .iter()
        .filter(|&&b| flags & b != 0)
        .count();
    if seg.len() < at {
        return;
    }
    let before = sum(0, seg);
    match proto {
        0x0800 | 0x86dd => {
            ip(&mut seg[at..], m, dns, depth + 1);
        }
        0x6558 => {
            ethernet(&mut seg[at..], m, dns, depth + 1);
        }
        _ => return,
    }
    if has_sum {
        let after = sum(0, seg);
        patch(seg, 4, before, after, false);
    }
}

/// Rewrites the addresses of a DNS message's A and AAAA records and SVCB/HTTPS address hints;
/// returns how many. Stops at the first thing it cannot parse.
fn dns_message(msg: &mut [u8], m: &mut Remap) -> u64 {
    let Some(h) = msg.get(..12) else { return 0 };
    let count = |i: usize| usize::from(u16::from_be_bytes([h[i], h[i + 1]]));
    let (qd, rr) = (count(4), count(6) + count(8) + count(10));
    let mut at = 12;
    for _ in 0..qd {
        let Some(next) = skip_name(msg, at) else {
            return 0;
        };
        at = next + 4;
    }
    let mut n = 0;
    for _ in 0..rr {
        let Some(next) = skip_name(msg, at) else {
            return n;
        };
        let Some(fixed) = msg.get(next..next + 10) else {
            return n;
        };
        let rtype = u16::from_be_bytes([fixed[0], fixed[1]]);
        let class = u16::from_be_bytes([fixed[2], fixed[3]]) & 0x7fff;
        let rdlen = usize::from(u16::from_be_bytes([fixed[8], fixed[9]]));
        let start = next + 10;
        let Some(rdata) = msg.get_mut(start..start + rdlen) else {
            return n;
        };
        if class == 1 {
            n += match (rtype, rdlen) {
                (1, 4) => address(rdata, m),
                (28, 16) => address(rdata, m),
                (64 | 65, _) => svcb_hints(rdata, m),
                _ => 0,
            };
        }
        at = start + rdlen;
    }
    n
}

fn address(b: &mut [u8], m: &mut Remap) -> u64 {
    if let Ok(a) = <[u8; 4]>::try_from(&*b) {
        b.copy_from_slice(&m.v4(a));
    } else if let Ok(a) = <[u8; 16]>::try_from(&*b) {
        b.copy_from_slice(&m.v6(a));
    } else {
        return 0;
    }
    1
}

/// The ipv4hint (4) and ipv6hint (6) parameters of an SVCB or HTTPS record (RFC 9460).
fn svcb_hints(rdata: &mut [u8], m: &mut Remap) -> u64 {
    let Some(mut at) = skip_name(rdata, 2) else {
        return 0;
    };
    let mut n = 0;
    while let Some(p) = rdata.get(at..at + 4) {
        let key = u16::from_be_bytes([p[0], p[1]]);
        let len = usize::from(u16::from_be_bytes([p[2], p[3]]));
        let Some(value) = rdata.get_mut(at + 4..at + 4 + len) else {
            return n;
        };
        let width = match key {
            4 => 4,
            6 => 16,
            _ => 0,
        };
        if width > 0 && len % width == 0 {
            for a in value.chunks_exact_mut(width) {
                n += address(a, m);
            }
        }
        at += 4 + len;
    }
    n
}

/// The offset after the (possibly compressed) name at `at`, or `None` when it runs off the
/// message or is not a name.
fn skip_name(msg: &[u8], mut at: usize) -> Option<usize> {
    for _ in 0..128 {
        let l = *msg.get(at)?;
        match l & 0xc0 {
            0 if l == 0 => return Some(at + 1),
            0 => at += 1 + usize::from(l),
            0xc0 => return (at + 2 <= msg.len()).then_some(at + 2),
            _ => return None,
        }
    }
    None
}
