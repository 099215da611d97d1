//! Addresses that have no place on the Internet (RFC 6890 special-purpose ranges that are not
//! globally reachable, multicast): they are put in zone `private`, never looked up.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Why `ip` is not a routable destination, or `None` when it is.
pub fn special(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => special_v4(v4),
        IpAddr::V6(v6) => special_v6(v6),
    }
}

fn special_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let o = ip.octets();
    Some(match o {
        [0, ..] => "this-network",
        [10, ..] | [172, 16..=31, ..] | [192, 168, ..] => "private",
        [100, 64..=127, ..] => "shared-cgnat",
        [127, ..] => "loopback",
        [169, 254, ..] => "link-local",
        [192, 0, 0, _] => "ietf-protocol",
        [192, 0, 2, _] | [198, 51, 100, _] | [203, 0, 113, _] => "documentation",
        [198, 18..=19, ..] => "benchmarking",
        [224..=239, ..] => "multicast",
        [255, 255, 255, 255] => "broadcast",
        [240..=255, ..] => "reserved",
        _ => return None,
    })
}

fn special_v6(ip: Ipv6Addr) -> Option<&'static str> {
    let s = ip.segments();
    Some(match s {
        [0, 0, 0, 0, 0, 0, 0, 0] => "unspecified",
        [0, 0, 0, 0, 0, 0, 0, 1] => "loopback",
        [0xfc00..=0xfdff, ..] => "unique-local",
        [0xfe80..=0xfebf, ..] => "link-local",
        [0xfec0..=0xfeff, ..] => "site-local",
        [0xff00..=0xffff, ..] => "multicast",
        [0x2001, 0x0db8, ..] => "documentation",
        // RFC 8215 local-use NAT64: where the IPv4 address sits depends on the local prefix.
        [0x0064, 0xff9b, 0x0001, ..] => "nat64-local",
        [0x0100, 0, 0, 0, ..] => "discard-only",
        _ => return None,
    })
}

/// The IPv4 address to look up for an IPv6 address that carries one, whose real destination
/// is that IPv4 host: IPv4-mapped (`::ffff:a.b.c.d`), the NAT64 well-known prefix
/// (`64:ff9b::/96`, RFC 6052), 6to4 (`2002:aabb:ccdd::/48`, RFC 3056) and the deprecated
/// IPv4-compatible form (`::a.b.c.d`, not `::` or `::1`).
pub fn embedded_v4(ip: IpAddr) -> Option<(Ipv4Addr, &'static str)> {
    let IpAddr::V6(v6) = ip else { return None };
    let s = v6.segments();
    let o = v6.octets();
    let low = Ipv4Addr::new(o[12], o[13], o[14], o[15]);
    if let Some(v4) = v6.to_ipv4_mapped() {
        Some((v4, "ipv4-mapped"))
    } else if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        Some((low, "nat64"))
    } else if s[0] == 0x2002 {
        Some((Ipv4Addr::new(o[2], o[3], o[4], o[5]), "6to4"))
    } else if s[..6] == [0; 6] && u32::from(low) > 1 {
        Some((low, "ipv4-compatible"))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies() {
        let s = |a: &str| special(a.parse().unwrap());
        assert_eq!(s("10.1.2.3"), Some("private"));
        assert_eq!(s("172.31.0.1"), Some("private"));
        assert_eq!(s("172.32.0.1"), None);
        assert_eq!(s("100.64.0.1"), Some("shared-cgnat"));
        assert_eq!(s("224.0.0.251"), Some("multicast"));
        assert_eq!(s("255.255.255.255"), Some("broadcast"));
        assert_eq!(s("52.114.77.33"), None);
        assert_eq!(s("fe80::1"), Some("link-local"));
        assert_eq!(s("fd00::1"), Some("unique-local"));
        assert_eq!(s("ff02::fb"), Some("multicast"));
        assert_eq!(s("2603:1063::1"), None);
        let e = |a: &str| embedded_v4(a.parse().unwrap());
        assert_eq!(
            e("64:ff9b::3472:4d21"),
            Some(("52.114.77.33".parse().unwrap(), "nat64"))
        );
        assert_eq!(
            e("::ffff:62.115.0.1"),
            Some(("62.115.0.1".parse().unwrap(), "ipv4-mapped"))
        );
        assert_eq!(
            e("2002:3472:4d21::1"),
            Some(("52.114.77.33".parse().unwrap(), "6to4"))
        );
        assert_eq!(
            e("::3472:4d21"),
            Some(("52.114.77.33".parse().unwrap(), "ipv4-compatible"))
        );
        assert_eq!(e("::1"), None);
        assert_eq!(e("::"), None);
        assert_eq!(e("2603:1063::1"), None);
        assert_eq!(s("64:ff9b:1::3472:4d21"), Some("nat64-local"));
    }
}
