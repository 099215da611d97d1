//! Link layers: Ethernet (with VLAN tags) and ARP, Linux cooked v1 and v2, BSD loopback, PPP.

use std::net::Ipv4Addr;

use super::bytes::{be16, be32};
use super::flow::{Dir, Pkt};
use super::write::Endian;

pub type Mac = [u8; 6];

pub const ETH_IPV4: u16 = 0x0800;
const ETH_ARP: u16 = 0x0806;
const ETH_IPV6: u16 = 0x86dd;
pub const ETH_8021Q: u16 = 0x8100;
pub const ETH_8021AD: u16 = 0x88a8;

pub const fn mac(last: u16) -> Mac {
    let [hi, lo] = last.to_be_bytes();
    [0x02, 0x00, 0x5e, 0x10, hi, lo]
}

pub fn ethertype_of(ip: &[u8]) -> u16 {
    match ip.first().map(|b| b >> 4) {
        Some(4) => ETH_IPV4,
        Some(6) => ETH_IPV6,
        _ => panic!("not an IP packet"),
    }
}

/// An Ethernet II frame with optional VLAN tags `(TPID, VID)`, padded to the 60-byte minimum
/// (no FCS).
pub fn ethernet(
    dst: Mac,
    src: Mac,
    tags: &[(u16, u16)],
    ethertype: u16,
    payload: &[u8],
) -> Vec<u8> {
    let mut f = Vec::with_capacity(14 + 4 * tags.len() + payload.len());
    f.extend_from_slice(&dst);
    f.extend_from_slice(&src);
    for &(tpid, vid) in tags {
        be16(&mut f, tpid);
        be16(&mut f, vid); // PCP 0, DEI 0
    }
    be16(&mut f, ethertype);
    f.extend_from_slice(payload);
    if f.len() < 60 {
        f.resize(60, 0);
    }
    f
}

/// Ethernet addressing (and VLAN tags) of the client and server side of a capture.
pub struct Link {
    pub client: Mac,
    pub server: Mac,
    pub client_tags: Vec<(u16, u16)>,
    pub server_tags: Vec<(u16, u16)>,
}

impl Link {
    pub fn new(client: Mac, server: Mac) -> Link {
        Link {
            client,
            server,
            client_tags: Vec::new(),
            server_tags: Vec::new(),
        }
    }

    /// Frames a packet; frames the client sends carry `client_tags`, the server's
    /// `server_tags`.
    pub fn frame(&self, pkt: Pkt) -> Pkt {
        let (dst, src, tags) = match pkt.dir() {
            Dir::ToServer => (self.server, self.client, &self.client_tags),
            Dir::ToClient => (self.client, self.server, &self.server_tags),
        };
        pkt.wrap(|ip| ethernet(dst, src, tags, ethertype_of(ip), ip))
    }
}

pub fn arp_request(sender_mac: Mac, sender: Ipv4Addr, target: Ipv4Addr) -> Vec<u8> {
    let mut a = Vec::new();
    be16(&mut a, 1); // Ethernet
    be16(&mut a, ETH_IPV4);
    a.extend_from_slice(&[6, 4]);
    be16(&mut a, 1); // request
    a.extend_from_slice(&sender_mac);
    a.extend_from_slice(&sender.octets());
    a.extend_from_slice(&[0; 6]);
    a.extend_from_slice(&target.octets());
    ethernet([0xff; 6], sender_mac, &[], ETH_ARP, &a)
}

const PACKET_HOST: u8 = 0;
const PACKET_OUTGOING: u8 = 4;

/// The Linux packet type and the link-layer source of `pkt` as a cooked capture on the client
/// records them.
fn cooked_sender(pkt: &Pkt, client: Mac, server: Mac) -> (u8, Mac) {
    match pkt.dir() {
        Dir::ToServer => (PACKET_OUTGOING, client),
        Dir::ToClient => (PACKET_HOST, server),
    }
}

/// Linux "cooked" v1 header (LINKTYPE_LINUX_SLL, 16 bytes). The capturing host is the client.
pub fn sll(pkt: Pkt, client: Mac, server: Mac) -> Pkt {
    let (pkt_type, addr) = cooked_sender(&pkt, client, server);
    pkt.wrap(|ip| {
        let mut f = Vec::new();
        be16(&mut f, u16::from(pkt_type));
        be16(&mut f, 1); // ARPHRD_ETHER
        be16(&mut f, 6);
        f.extend_from_slice(&addr);
        f.extend_from_slice(&[0, 0]);
        be16(&mut f, ethertype_of(ip));
        f.extend_from_slice(ip);
        f
    })
}

/// Linux "cooked" v2 header (LINKTYPE_LINUX_SLL2, 20 bytes). The capturing host is the client.
pub fn sll2(pkt: Pkt, client: Mac, server: Mac) -> Pkt {
    let (pkt_type, addr) = cooked_sender(&pkt, client, server);
    pkt.wrap(|ip| {
        let mut f = Vec::new();
        be16(&mut f, ethertype_of(ip));
        be16(&mut f, 0); // reserved
        be32(&mut f, 2); // interface index
        be16(&mut f, 1); // ARPHRD_ETHER
        f.push(pkt_type);
        f.push(6);
        f.extend_from_slice(&addr);
        f.extend_from_slice(&[0, 0]);
        f.extend_from_slice(ip);
        f
    })
}

const AF_INET: u32 = 2;
/// AF_INET6 as macOS numbers it (FreeBSD uses 28, OpenBSD and NetBSD 24, Linux 10).
const AF_INET6_DARWIN: u32 = 30;

/// BSD loopback (LINKTYPE_NULL): a 4-byte address family in the writer's byte order.
pub fn null_loopback(pkt: Pkt, endian: Endian) -> Pkt {
    pkt.wrap(|ip| {
        let family = match ethertype_of(ip) {
            ETH_IPV4 => AF_INET,
            _ => AF_INET6_DARWIN,
        };
        let mut f = match endian {
            Endian::Little => family.to_le_bytes().to_vec(),
            Endian::Big => family.to_be_bytes().to_vec(),
        };
        f.extend_from_slice(ip);
        f
    })
}

/// PPP in HDLC-like framing (LINKTYPE_PPP): address 0xff, control 0x03, protocol.
pub fn ppp(pkt: Pkt) -> Pkt {
    pkt.wrap(|ip| {
        let proto: u16 = match ethertype_of(ip) {
            ETH_IPV4 => 0x0021,
            _ => 0x0057,
        };
        let mut f = vec![0xff, 0x03];
        be16(&mut f, proto);
        f.extend_from_slice(ip);
        f
    })
}
