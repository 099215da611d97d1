//! From link-layer bytes to the innermost IP header and its transport.
//!
//! `decode` peels the link layer (Ethernet with VLAN stacks, Linux cooked SLL/SLL2, BSD
//! null/loopback, raw IP, PPP, PPPoE, MPLS), then IP, descending into tunnels a mirror port
//! carries (GRE incl. ERSPAN II/III, VXLAN, IP-in-IP) and CAPWAP data tunnels (IEEE 802.3 or
//! 802.11 frames) until it reaches the innermost IP header.
//! Everything is a borrowed view of the packet: no allocation, no copy, and every length is
//! checked before it is used.
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::unreachable,
    clippy::todo,
    clippy::unimplemented
)]

mod ip;
mod link;
mod transport;
mod tunnel;
mod wlan;

pub use transport::{TcpFlags, Transport};

use crate::source::LinkType;
use std::net::IpAddr;

/// Tunnels followed before giving up. Real mirror traffic has two or three (ERSPAN around a
/// VXLAN overlay around IP); the bound keeps a crafted packet of nested headers cheap.
pub const MAX_ENCAPSULATION: usize = 8;
/// Header steps (link, ethertype, PPP, IP) per tunnel level: each level takes at most four.
const STEPS_PER_LEVEL: usize = 4;

/// The innermost IP header of a packet and what it carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Decoded<'a> {
    pub src: IpAddr,
    pub dst: IpAddr,
    /// IP protocol / IPv6 next header after extension headers.
    pub protocol: u8,
    /// The packet's IP length as sent: IPv4 total length, IPv6 40 + payload length. Taken from
    /// the header, so it is right when the capture kept only the first bytes.
    pub ip_len: u32,
    /// Transport payload bytes as sent: the IP length less the IP, extension and transport
    /// headers (TCP data offset, 8 for UDP and ICMP). A non-first fragment is all payload.
    pub payload_len: u32,
    pub fragment: Option<Fragment>,
    pub transport: Transport<'a>,
    /// The capture kept less of this IP packet than its header says was sent (snap length):
    /// the transport payload is partial.
    pub cut: bool,
    /// Tunnel headers removed to reach this IP header.
    pub tunnels: u8,
}

/// Fragmentation fields of a fragment's IP header.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Fragment {
    /// IPv4 identification or IPv6 fragment identification.
    pub id: u32,
    /// Offset of this fragment's data in bytes.
    pub offset: u32,
    pub more: bool,
}

impl Fragment {
    pub fn is_first(&self) -> bool {
        self.offset == 0
    }
}

/// Why a packet yielded no IP header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Skip {
    /// A frame that carries no IP (ARP, LLDP, STP, ...).
    NotIp,
    /// The link type is not one this tool reads.
    UnsupportedLink,
    /// Headers that contradict their own lengths, or are cut before the IP header ends.
    Malformed(&'static str),
}

/// What to look at next while peeling headers.
#[derive(Clone, Copy, Debug)]
enum Layer<'a> {
    Ethernet(&'a [u8]),
    /// An ethertype-labelled payload (after VLAN tags, SLL, GRE, ...).
    Ether(u16, &'a [u8]),
    Ppp(&'a [u8]),
    /// An IEEE 802.11 frame (inside CAPWAP).
    Wlan(&'a [u8]),
    /// IP of either version, told apart by the first nibble.
    Ip(&'a [u8]),
}

/// Decode a captured frame. `missing` is how many bytes of the packet the capture did not keep
/// (wire length − captured length); it lets the IP length fall back correctly when a header's
/// length field is zero (segmentation offload).
pub fn decode(link: LinkType, data: &[u8], missing: u32) -> Result<Decoded<'_>, Skip> {
    let mut layer = link::first_layer(link, data)?;
    // The innermost IP header that carried a tunnel. When what the tunnel carries cannot be
    // read as IP (ARP over VXLAN, a damaged inner header), that header is the flow: its bytes
    // still went to the tunnel's endpoint.
    let mut carrier: Option<(ip::IpPacket<'_>, u8)> = None;
    let mut tunnels = 0u8;
    for _ in 0..(MAX_ENCAPSULATION + 1) * STEPS_PER_LEVEL {
        let next = match layer {
            Layer::Ethernet(bytes) => link::ethernet(bytes),
            Layer::Ether(ethertype, bytes) => link::by_ethertype(ethertype, bytes),
            Layer::Ppp(bytes) => link::ppp(bytes),
            Layer::Wlan(bytes) => wlan::data_frame(bytes),
            Layer::Ip(bytes) => match ip::parse(bytes, missing) {
                Ok(packet) => match tunnel::inner(&packet) {
                    Some(inner) if usize::from(tunnels) < MAX_ENCAPSULATION => {
                        carrier = Some((packet, tunnels));
                        tunnels += 1;
                        Ok(inner)
                    }
                    Some(_) => Err(Skip::Malformed("too many nested tunnels")),
                    None => return Ok(decoded(&packet, tunnels)),
                },
                Err(skip) => Err(skip),
            },
        };
        layer = match (next, &carrier) {
            (Ok(next), _) => next,
            (Err(_), Some((outer, depth))) => return Ok(decoded(outer, *depth)),
            (Err(skip), None) => return Err(skip),
        };
    }
    match carrier {
        Some((outer, depth)) => Ok(decoded(&outer, depth)),
        None => Err(Skip::Malformed("too many nested encapsulations")),
    }
}

fn decoded<'a>(packet: &ip::IpPacket<'a>, tunnels: u8) -> Decoded<'a> {
    let (transport, transport_header_len) = transport::parse(packet);
    Decoded {
        src: packet.src,
        dst: packet.dst,
        protocol: packet.protocol,
        ip_len: packet.ip_len,
        payload_len: packet
            .ip_len
            .saturating_sub(packet.header_len)
            .saturating_sub(transport_header_len),
        fragment: packet.fragment,
        transport,
        cut: packet.cut,
        tunnels,
    }
}

#[cfg(test)]
mod capwap_tests;
#[cfg(test)]
mod tests;
