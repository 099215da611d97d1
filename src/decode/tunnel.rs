//! Tunnels a mirror port carries: GRE (with ERSPAN II and III), VXLAN, and IP-in-IP; and the
//! CAPWAP data channel between wireless access points and their controller.

use super::Layer;
use super::ip::IpPacket;
use super::link::ETHERTYPE_TEB;
use crate::wire::{be16_or_zero, be32};

const PROTO_IPIP: u8 = 4;
const PROTO_IPV6: u8 = 41;
const PROTO_GRE: u8 = 47;
const PROTO_UDP: u8 = 17;
const VXLAN_PORT: u16 = 4789;
/// The controller's CAPWAP data channel port (RFC 5415 §15.7); 5246, the DTLS control channel,
/// stays an ordinary flow.
const CAPWAP_DATA_PORT: u16 = 5247;
/// RFC 5415 §4.3 header flags, in the first 32-bit word.
const CAPWAP_T: u32 = 0x100;
const CAPWAP_F: u32 = 0x80;
const CAPWAP_W: u32 = 0x20;
const CAPWAP_M: u32 = 0x10;
const CAPWAP_K: u32 = 0x08;
/// Wireless binding ID of IEEE 802.11 (RFC 5416 §3).
const CAPWAP_WBID_IEEE80211: u32 = 1;
const GRE_ERSPAN_II: u16 = 0x88BE;
const GRE_ERSPAN_III: u16 = 0x22EB;
const GRE_PPP: u16 = 0x880B;

/// The layer inside `packet` if it is a tunnel we follow. A fragmented outer packet is not
/// followed: its inner header is incomplete, so the outer header is the flow.
pub(super) fn inner<'a>(packet: &IpPacket<'a>) -> Option<Layer<'a>> {
    if packet.fragment.is_some() {
        return None;
    }
    match packet.protocol {
        PROTO_IPIP | PROTO_IPV6 => Some(Layer::Ip(packet.payload)),
        PROTO_GRE => gre(packet.payload),
        PROTO_UDP => vxlan(packet.payload).or_else(|| capwap(packet.payload)),
        _ => None,
    }
}

/// GRE (RFC 2784/2890, and PPTP's enhanced GRE version 1). A header we cannot read leaves the
/// packet as a GRE flow rather than dropping it.
fn gre(data: &[u8]) -> Option<Layer<'_>> {
    let header = data.get(..4)?;
    let flags = be16_or_zero(header, 0);
    let version = flags & 0x7;
    let protocol = be16_or_zero(header, 2);
    let has_checksum = flags & 0x8000 != 0;
    let has_key = flags & 0x2000 != 0;
    let has_seq = flags & 0x1000 != 0;
    let has_ack = version == 1 && flags & 0x0080 != 0;
    let len = 4 + 4
        * (usize::from(has_checksum)
            + usize::from(has_key)
            + usize::from(has_seq)
            + usize::from(has_ack));
    let payload = data.get(len..)?;
    match (version, protocol) {
        (0, GRE_ERSPAN_II) if has_seq => Some(Layer::Ethernet(payload.get(8..)?)),
        // ERSPAN type I: no header of its own, Ethernet follows GRE directly.
        (0, GRE_ERSPAN_II) => Some(Layer::Ethernet(payload)),
        (0, GRE_ERSPAN_III) => {
            // The header is 12 bytes; the O flag (last bit of its last byte) announces an 8-byte
            // platform-specific subheader.
            let platform = if payload.get(11)? & 1 == 1 { 8 } else { 0 };
            Some(Layer::Ethernet(payload.get(12 + platform..)?))
        }
        (0, ETHERTYPE_TEB) => Some(Layer::Ethernet(payload)),
        (0, ethertype) => Some(Layer::Ether(ethertype, payload)),
        (1, GRE_PPP) => Some(Layer::Ppp(payload)),
        _ => None,
    }
}

/// VXLAN (RFC 7348) on its IANA port, with the I flag set.
fn vxlan(udp: &[u8]) -> Option<Layer<'_>> {
    let header = udp.get(..8)?;
    if be16_or_zero(header, 2) != VXLAN_PORT {
        return None;
    }
    let ([flags, ..], inner) = udp.get(8..)?.split_first_chunk::<8>()?;
    if flags & 0x08 == 0 {
        return None;
    }
    Some(Layer::Ethernet(inner))
}

/// A CAPWAP data channel packet (RFC 5415 §4.3) to or from the controller's port 5247, with a
/// plain (not DTLS) CAPWAP header. The payload is an IEEE 802.3 frame (T = 0) or, with T = 1
/// and wireless binding 1, a native IEEE 802.11 frame (RFC 5416). Not followed: fragments
/// (F; the frame is incomplete), keep-alives (K; they carry a session ID, not a frame), other
/// bindings, and a header whose optional radio MAC / wireless fields overrun its length.
fn capwap(udp: &[u8]) -> Option<Layer<'_>> {
    let (ports, capwap) = udp.split_at_checked(8)?;
    if be16_or_zero(ports, 0) != CAPWAP_DATA_PORT && be16_or_zero(ports, 2) != CAPWAP_DATA_PORT {
        return None;
    }
    let word = be32(capwap, 0)?;
    // Preamble: version 0, type 0 (type 1 is a DTLS record: encrypted).
    if word >> 24 != 0 || word & (CAPWAP_F | CAPWAP_K) != 0 {
        return None;
    }
    let hlen = usize::try_from((word >> 19) & 0x1f).ok()? * 4;
    let (header, payload) = capwap
        .split_at_checked(hlen)
        .filter(|(h, _)| h.len() >= 8)?;
    // Optional fields, each a length byte and that many bytes, must fit in the header.
    let mut end = 8usize;
    for flag in [CAPWAP_M, CAPWAP_W] {
        if word & flag != 0 {
            end += 1 + usize::from(*header.get(end)?);
        }
    }
    if end > hlen {
        return None;
    }
    let wbid = (word >> 9) & 0x1f;
    match (word & CAPWAP_T != 0, wbid) {
        (false, _) => Some(Layer::Ethernet(payload)),
        (true, CAPWAP_WBID_IEEE80211) => Some(Layer::Wlan(payload)),
        (true, _) => None,
    }
}
