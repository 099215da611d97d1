//! CAPWAP data channel packets (RFC 5415 §4.3) between an access point (the WTP) and its
//! controller (the AC), carrying IEEE 802.3 frames or native IEEE 802.11 frames (RFC 5416).

use std::net::SocketAddr;

use super::bytes::{be16, be32, sock};
use super::flow::{Dir, Flow};
use super::link::{Mac, ethernet, ethertype_of};
use super::packet::{PROTO_UDP, ip_packet, udp_segment};

/// The access point's data channel source port and the controller's data port.
pub const WTP_DATA: &str = "10.30.0.10:12223";
pub const AC_DATA: &str = "10.30.0.1:5247";
/// The access point's control channel (DTLS) and the controller's control port.
pub const WTP_CONTROL: &str = "10.30.0.10:12222";
pub const AC_CONTROL: &str = "10.30.0.1:5246";

/// The outer flow of the data channel (keep-alives and what is not followed).
pub fn data_channel() -> Flow {
    Flow::udp(WTP_DATA, AC_DATA)
}

const T_BIT: u32 = 0x100;
const F_BIT: u32 = 0x80;
const L_BIT: u32 = 0x40;
const W_BIT: u32 = 0x20;
const M_BIT: u32 = 0x10;
const K_BIT: u32 = 0x08;
const WBID_IEEE80211: u32 = 1;
const RADIO_ID: u32 = 1;

/// What the CAPWAP header says about its payload and optional fields.
#[derive(Clone, Copy, Debug, Default)]
pub struct Header {
    /// T: a native 802.11 frame (else an 802.3 frame).
    pub native: bool,
    /// M: the radio's MAC address.
    pub radio_mac: Option<Mac>,
    /// W: IEEE 802.11 Frame Info (RFC 5416 §3.1): RSSI, SNR, data rate.
    pub frame_info: Option<(i8, i8, u16)>,
    /// K: a data channel keep-alive.
    pub keep_alive: bool,
    /// F: (fragment ID, offset in 8-byte units, last).
    pub fragment: Option<(u16, u16, bool)>,
}

impl Header {
    pub fn bytes(&self) -> Vec<u8> {
        let mut optional = Vec::new();
        let mut flags = 0;
        if let Some(mac) = self.radio_mac {
            flags |= M_BIT;
            optional.push(6);
            optional.extend_from_slice(&mac);
            optional.resize(optional.len().next_multiple_of(4), 0);
        }
        if let Some((rssi, snr, rate)) = self.frame_info {
            flags |= W_BIT;
            optional.push(4);
            optional.extend_from_slice(&[rssi.to_be_bytes()[0], snr.to_be_bytes()[0]]);
            be16(&mut optional, rate);
            optional.resize(optional.len().next_multiple_of(4), 0);
        }
        if self.native {
            flags |= T_BIT;
        }
        if self.keep_alive {
            flags |= K_BIT;
        }
        let (frag_id, frag_word) = match self.fragment {
            Some((id, offset, last)) => {
                flags |= F_BIT | if last { L_BIT } else { 0 };
                (id, offset << 3)
            }
            None => (0, 0),
        };
        let hlen = 2 + u32::try_from(optional.len() / 4).expect("small");
        // Preamble 0 (version 0, type 0: clear CAPWAP header).
        let word = (hlen << 19) | (RADIO_ID << 14) | (WBID_IEEE80211 << 9) | flags;
        let mut h = Vec::new();
        be32(&mut h, word);
        be16(&mut h, frag_id);
        be16(&mut h, frag_word);
        h.extend_from_slice(&optional);
        h
    }
}

/// The outer IP/UDP packet of the data channel travelling in `dir` (to the controller for
/// `Dir::ToServer`).
pub fn data_packet(dir: Dir, capwap: &[u8]) -> Vec<u8> {
    let (wtp, ac) = (sock(WTP_DATA), sock(AC_DATA));
    let (src, dst): (SocketAddr, SocketAddr) = match dir {
        Dir::ToServer => (wtp, ac),
        Dir::ToClient => (ac, wtp),
    };
    ip_packet(
        src.ip(),
        dst.ip(),
        PROTO_UDP,
        &udp_segment(src, dst, capwap),
    )
}

/// A keep-alive (RFC 5415 §4.4.1): K set, then the message elements: Session ID (type 35).
pub fn keep_alive(session: [u8; 16]) -> Vec<u8> {
    let mut p = Header {
        keep_alive: true,
        ..Header::default()
    }
    .bytes();
    be16(&mut p, 4 + 16); // message element length
    be16(&mut p, 35);
    be16(&mut p, 16);
    p.extend_from_slice(&session);
    p
}

/// The station, its access point's BSSID and the router behind the controller.
#[derive(Clone, Copy, Debug)]
pub struct Wireless {
    pub station: Mac,
    pub bssid: Mac,
    pub router: Mac,
}

impl Wireless {
    /// A QoS data frame of the station's traffic: To DS with the station's packets, From DS
    /// (with an HT Control field, +HTC) with the packets to it; LLC/SNAP, then the packet.
    pub fn frame(&self, dir: Dir, seq: u16, ip: &[u8]) -> Vec<u8> {
        let (fc, addresses) = match dir {
            // QoS data, To DS: BSSID, source (the station), destination (the router).
            Dir::ToServer => ([0x88, 0x01], [self.bssid, self.station, self.router]),
            // QoS data, From DS, Order (+HTC): destination, BSSID, source.
            Dir::ToClient => ([0x88, 0x82], [self.station, self.bssid, self.router]),
        };
        let mut f = fc.to_vec();
        f.extend_from_slice(&44u16.to_le_bytes()); // duration, µs
        for a in addresses {
            f.extend_from_slice(&a);
        }
        f.extend_from_slice(&(seq << 4).to_le_bytes()); // fragment 0
        f.extend_from_slice(&[0x00, 0x00]); // QoS control: TID 0
        if dir == Dir::ToClient {
            f.extend_from_slice(&[0x00, 0x00, 0x00, 0x00]); // HT control
        }
        f.extend_from_slice(&[0xaa, 0xaa, 0x03, 0, 0, 0]);
        be16(&mut f, ethertype_of(ip));
        f.extend_from_slice(ip);
        f
    }

    /// A protected (CCMP) QoS data frame from the station: its body cannot be read.
    pub fn protected_frame(&self, seq: u16, body: &[u8]) -> Vec<u8> {
        let mut f = vec![0x88, 0x41];
        f.extend_from_slice(&44u16.to_le_bytes());
        for a in [self.bssid, self.station, self.router] {
            f.extend_from_slice(&a);
        }
        f.extend_from_slice(&(seq << 4).to_le_bytes());
        f.extend_from_slice(&[0x00, 0x00]);
        // CCMP header: PN0, PN1, reserved, key ID 0 with Ext IV, PN2..PN5.
        f.extend_from_slice(&[0x01, 0x00, 0x00, 0x20, 0, 0, 0, 0]);
        f.extend_from_slice(body);
        f
    }
}

/// An 802.3 frame of a wired client behind the access point.
pub fn wired_frame(dir: Dir, client: Mac, router: Mac, ip: &[u8]) -> Vec<u8> {
    let (dst, src) = match dir {
        Dir::ToServer => (router, client),
        Dir::ToClient => (client, router),
    };
    let mut f = ethernet(dst, src, &[], ethertype_of(ip), ip);
    // No padding inside the tunnel: the frame is as long as its packet.
    f.truncate(14 + ip.len());
    f
}
