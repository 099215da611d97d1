//! Link layers: each function checks its header length, then names the next layer.

use super::{Layer, Skip};
use crate::source::LinkType;
use crate::wire::be16_or_zero;

const ETHERTYPE_IPV4: u16 = 0x0800;
const ETHERTYPE_IPV6: u16 = 0x86DD;
const ETHERTYPE_VLAN: u16 = 0x8100;
const ETHERTYPE_QINQ: u16 = 0x88A8;
const ETHERTYPE_QINQ_OLD1: u16 = 0x9100;
const ETHERTYPE_QINQ_OLD2: u16 = 0x9200;
const ETHERTYPE_PPPOE_SESSION: u16 = 0x8864;
const ETHERTYPE_MPLS: u16 = 0x8847;
const ETHERTYPE_MPLS_MULTICAST: u16 = 0x8848;
/// Transparent Ethernet bridging (GRE carrying Ethernet).
pub const ETHERTYPE_TEB: u16 = 0x6558;
const PPP_IPV4: u16 = 0x0021;
const PPP_IPV6: u16 = 0x0057;
/// VLAN tags followed in one frame. 802.1ad stacks two; a few carriers stack three.
const MAX_VLAN_TAGS: usize = 8;
/// MPLS labels followed before the payload.
const MAX_MPLS_LABELS: usize = 16;

/// The first layer of a frame of this link type.
pub(super) fn first_layer(link: LinkType, data: &[u8]) -> Result<Layer<'_>, Skip> {
    match link {
        LinkType::ETHERNET => Ok(Layer::Ethernet(data)),
        LinkType::RAW | LinkType::RAW_12 | LinkType::RAW_14 | LinkType::IPV4 | LinkType::IPV6 => {
            Ok(Layer::Ip(data))
        }
        LinkType::NULL | LinkType::LOOP => null(link, data),
        LinkType::LINUX_SLL => {
            let (header, rest) = data
                .split_at_checked(16)
                .ok_or(Skip::Malformed("short Linux cooked header"))?;
            Ok(Layer::Ether(be16_or_zero(header, 14), rest))
        }
        LinkType::LINUX_SLL2 => {
            let (header, rest) = data
                .split_at_checked(20)
                .ok_or(Skip::Malformed("short Linux cooked v2 header"))?;
            Ok(Layer::Ether(be16_or_zero(header, 0), rest))
        }
        LinkType::PPP | LinkType::PPP_HDLC => Ok(Layer::Ppp(data)),
        LinkType::PPP_ETHER => pppoe(data),
        LinkType::C_HDLC => {
            let (header, rest) = data
                .split_at_checked(4)
                .ok_or(Skip::Malformed("short Cisco HDLC header"))?;
            Ok(Layer::Ether(be16_or_zero(header, 2), rest))
        }
        _ => Err(Skip::UnsupportedLink),
    }
}

/// BSD loopback: a 4-byte address family, in the capturing host's byte order for DLT_NULL and
/// in network order for DLT_LOOP. IPv6 has a different number on each BSD.
fn null(link: LinkType, data: &[u8]) -> Result<Layer<'_>, Skip> {
    let (raw, rest) = data
        .split_first_chunk::<4>()
        .ok_or(Skip::Malformed("short loopback header"))?;
    let raw = *raw;
    let family = if link == LinkType::LOOP || u32::from_le_bytes(raw) > 0xffff {
        u32::from_be_bytes(raw)
    } else {
        u32::from_le_bytes(raw)
    };
    match family {
        // AF_INET everywhere; AF_INET6 on Linux (10), NetBSD/OpenBSD/BSD/OS (24),
        // FreeBSD/DragonFly (28), macOS/iOS (30).
        2 | 10 | 24 | 28 | 30 => Ok(Layer::Ip(rest)),
        _ => Err(Skip::NotIp),
    }
}

/// Ethernet II with any stack of 802.1Q / 802.1ad tags.
pub(super) fn ethernet(data: &[u8]) -> Result<Layer<'_>, Skip> {
    let (header, rest) = data
        .split_at_checked(14)
        .ok_or(Skip::Malformed("short Ethernet header"))?;
    Ok(Layer::Ether(be16_or_zero(header, 12), rest))
}

/// Dispatch on an ethertype, removing VLAN tags, PPPoE and MPLS on the way.
pub(super) fn by_ethertype(ethertype: u16, data: &[u8]) -> Result<Layer<'_>, Skip> {
    let (mut ethertype, mut data) = (ethertype, data);
    // One step per tag, and one more for the ethertype after the last tag.
    for _ in 0..=MAX_VLAN_TAGS {
        match ethertype {
            ETHERTYPE_VLAN | ETHERTYPE_QINQ | ETHERTYPE_QINQ_OLD1 | ETHERTYPE_QINQ_OLD2 => {
                let (tag, rest) = data
                    .split_at_checked(4)
                    .ok_or(Skip::Malformed("short VLAN tag"))?;
                ethertype = be16_or_zero(tag, 2);
                data = rest;
            }
            ETHERTYPE_IPV4 | ETHERTYPE_IPV6 => return Ok(Layer::Ip(data)),
            ETHERTYPE_TEB => return Ok(Layer::Ethernet(data)),
            ETHERTYPE_PPPOE_SESSION => return pppoe(data),
            ETHERTYPE_MPLS | ETHERTYPE_MPLS_MULTICAST => return mpls(data),
            _ => return Err(Skip::NotIp),
        }
    }
    Err(Skip::Malformed("too many VLAN tags"))
}

/// PPPoE session header (6 bytes), then PPP.
fn pppoe(data: &[u8]) -> Result<Layer<'_>, Skip> {
    let rest = data.get(6..).ok_or(Skip::Malformed("short PPPoE header"))?;
    Ok(Layer::Ppp(rest))
}

/// PPP in HDLC-like framing: optional address/control (ff 03), then a 1- or 2-byte protocol.
pub(super) fn ppp(data: &[u8]) -> Result<Layer<'_>, Skip> {
    let data = match data {
        [0xff, 0x03, rest @ ..] => rest,
        _ => data,
    };
    // Protocol field compression: an odd first byte is a one-byte protocol.
    let (protocol, rest) = match data {
        [first, rest @ ..] if first & 1 == 1 => (u16::from(*first), rest),
        [hi, lo, rest @ ..] => (u16::from_be_bytes([*hi, *lo]), rest),
        _ => return Err(Skip::Malformed("short PPP header")),
    };
    match protocol {
        PPP_IPV4 | PPP_IPV6 => Ok(Layer::Ip(rest)),
        _ => Err(Skip::NotIp),
    }
}

/// MPLS label stack: labels until bottom-of-stack, then IP told apart by its version nibble
/// (pseudowires carrying Ethernet are not followed).
fn mpls(data: &[u8]) -> Result<Layer<'_>, Skip> {
    let mut data = data;
    for _ in 0..MAX_MPLS_LABELS {
        let ([_, _, bottom, _], rest) = data
            .split_first_chunk::<4>()
            .ok_or(Skip::Malformed("short MPLS label"))?;
        data = rest;
        if bottom & 1 == 1 {
            return match data.first().map(|b| b >> 4) {
                Some(4) | Some(6) => Ok(Layer::Ip(data)),
                _ => Err(Skip::NotIp),
            };
        }
    }
    Err(Skip::Malformed("MPLS label stack too deep"))
}
