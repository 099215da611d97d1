//! TCP, UDP and ICMP headers: just what flows and names need.
//!
//! Read by hand rather than with etherparse's TcpSlice: that rejects a TCP header whose options
//! the snap length cut off, but the ports and flags in its first 14 bytes are still evidence.

use super::ip::IpPacket;
use crate::wire::{be16_or_zero, be32_or_zero};

const PROTO_TCP: u8 = 6;
const PROTO_UDP: u8 = 17;
const PROTO_ICMP: u8 = 1;
const PROTO_ICMPV6: u8 = 58;

/// TCP flags byte (FIN = 0x01 ... CWR = 0x80).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct TcpFlags(pub u8);

impl TcpFlags {
    pub const FIN: u8 = 0x01;
    pub const SYN: u8 = 0x02;
    pub const RST: u8 = 0x04;
    pub const PSH: u8 = 0x08;
    pub const ACK: u8 = 0x10;
    pub const URG: u8 = 0x20;
    pub const ECE: u8 = 0x40;
    pub const CWR: u8 = 0x80;
    /// Flag names in bit order, as reports list them.
    pub const NAMES: [&'static str; 8] = ["FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR"];

    pub fn has(self, flag: u8) -> bool {
        self.0 & flag == flag
    }
}

/// What the innermost IP header carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transport<'a> {
    Tcp {
        src_port: u16,
        dst_port: u16,
        seq: u32,
        ack: u32,
        flags: TcpFlags,
        /// Segment data as captured.
        payload: &'a [u8],
    },
    Udp {
        src_port: u16,
        dst_port: u16,
        payload: &'a [u8],
    },
    Icmp {
        icmp_type: u8,
        code: u8,
    },
    /// A non-first fragment, a transport header cut short, or another protocol.
    Other,
}

/// The transport header and, with it, its length in bytes before the payload as the packet's
/// header says: the TCP data offset (at least 20), 8 for UDP and ICMP, 0 for anything else (a
/// non-first fragment is all payload).
pub(super) fn parse<'a>(packet: &IpPacket<'a>) -> (Transport<'a>, u32) {
    if packet.fragment.is_some_and(|f| !f.is_first()) {
        return (Transport::Other, 0);
    }
    let data = packet.payload;
    match packet.protocol {
        PROTO_TCP if data.len() >= 14 => {
            let [offset, flags] = be16_or_zero(data, 12).to_be_bytes();
            // The data offset in 32-bit words, at least the 5 of the fixed header: at most 60.
            let header_len = (offset >> 4).max(5) * 4;
            let tcp = Transport::Tcp {
                src_port: be16_or_zero(data, 0),
                dst_port: be16_or_zero(data, 2),
                seq: be32_or_zero(data, 4),
                ack: be32_or_zero(data, 8),
                flags: TcpFlags(flags),
                payload: data.get(usize::from(header_len)..).unwrap_or(&[]),
            };
            (tcp, u32::from(header_len))
        }
        PROTO_UDP if data.len() >= 8 => {
            // The UDP length bounds the payload (Ethernet padding follows short datagrams).
            let udp_len = usize::from(be16_or_zero(data, 4)).clamp(8, data.len());
            let udp = Transport::Udp {
                src_port: be16_or_zero(data, 0),
                dst_port: be16_or_zero(data, 2),
                payload: data.get(8..udp_len).unwrap_or_default(),
            };
            (udp, 8)
        }
        PROTO_ICMP | PROTO_ICMPV6 if data.len() >= 2 => {
            let [icmp_type, code] = be16_or_zero(data, 0).to_be_bytes();
            let icmp = Transport::Icmp { icmp_type, code };
            (icmp, 8)
        }
        _ => (Transport::Other, 0),
    }
}
