//! `mix`: a large realistic capture for throughput measurements, like an office's Internet link.
//!
//! Work is spread over *slots* (N / 25 of them, at most 20,000): each slot runs one flow after
//! another, so about that many flows are open at any time once every slot has started (the
//! slots' first flows start over the first 10 s). A slot is either a web slot or (one in 650,
//! at least one) a media slot:
//!
//! * web: a DNS lookup half the time (an own UDP flow to the inside resolver: A or AAAA, one
//!   in four through a CNAME, answering the very server address the connection then uses),
//!   then a connection to one of [`SERVICES`]: TLS over TCP (handshake, ClientHello with the
//!   service's name, server flight with a certificate-sized record, request, response of 1 to
//!   400 segments, 1 to 6 idle exchanges 5 to 30 s apart, FIN both ways), or for services that
//!   speak it, six in ten QUIC v1 (a real protected client Initial with the name, server
//!   Initial and Handshake, then short-header packets both ways, ACKs every second packet).
//! * media: a STUN binding request and response, then RTP-like media both ways, 50 packets/s
//!   each way of 170 to 250 bytes of payload, for 30 to 180 s.
//!
//! One inside host in five is IPv6 only (unique local addresses, AAAA lookups, the service's
//! IPv6 range); three in ten hosts are on a tagged 802.1Q VLAN (every frame of their flows).
//! Full-sized segments make 1,514-byte frames. Sizes, times, addresses and ports come from a
//! fixed-seed SplitMix64, so the same N writes the same bytes.

use super::hostile::{crypto_frame, dns_name, sealed_initial};
use super::{
    ACK, FIN, PSH, Pcap, SYN, Segment, Tcp, client_hello, ip_packet, noise, server_flight,
    stun_request, stun_success,
};
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::io::{self, Write};

/// What a mix capture holds besides [`super::Written`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MixStats {
    /// Flows open (first packet written, last not yet) at the end of the busiest packet.
    pub open_peak: u64,
    /// Flows open when the last packet was written.
    pub open_at_end: u64,
    /// Packets of each family: TLS/TCP, QUIC, DNS, STUN and media.
    pub tcp: u64,
    pub quic: u64,
    pub dns: u64,
    pub media: u64,
    pub ipv6: u64,
    pub vlan: u64,
    /// Flows (DNS lookups included) that were given a service name in their ClientHello.
    pub named_tls: u64,
    pub named_quic: u64,
}

/// Slots at most (flows open at once).
pub const MIX_SLOTS: u64 = 20_000;
/// Packets per slot when N is small.
const PACKETS_PER_SLOT: u64 = 25;
/// Web slots per media slot.
const WEB_PER_MEDIA: u64 = 650;
/// The capture starts this long (µs) after the slots' first flows may start: most of those are
/// under way at its first packet (as when a capture is started on a busy link, their earlier
/// packets, handshakes included, are not in it), so the capture begins with about as many
/// flows open as it keeps.
const WARM_US: u64 = 60_000_000;
/// The slots' first flows start within this many microseconds of the schedule's start.
const RAMP_US: u64 = 62_000_000;

/// A service the web slots connect to: its name, what its DNS answer goes through, its ranges,
/// whether it speaks QUIC, and how often it is chosen.
struct Service {
    name: &'static str,
    cname: &'static str,
    v4: [u8; 3],
    /// A /64 of the provider.
    v6: [u16; 4],
    quic: bool,
    weight: u64,
}

const SERVICES: [Service; 14] = [
    svc(
        "teams.microsoft.com",
        "s-0005.s-msedge.net",
        [52, 113, 194],
        [0x2603, 0x1063, 0x2, 0],
        false,
        14,
    ),
    svc(
        "outlook.office365.com",
        "outlook.ms-acdc.office.com",
        [52, 97, 146],
        [0x2603, 0x1026, 0xc0a, 0],
        false,
        10,
    ),
    svc(
        "login.microsoftonline.com",
        "",
        [20, 190, 151],
        [0x2603, 0x1006, 0x2000, 0],
        false,
        5,
    ),
    svc(
        "graph.microsoft.com",
        "",
        [20, 190, 160],
        [0x2603, 0x1006, 0x2400, 0],
        false,
        4,
    ),
    svc(
        "www.office.com",
        "",
        [13, 107, 6],
        [0x2620, 0x1ec, 0x4, 0],
        false,
        4,
    ),
    svc(
        "zoom.us",
        "",
        [170, 114, 52],
        [0x2407, 0x30c0, 0x180, 0],
        false,
        6,
    ),
    svc(
        "webex.com",
        "",
        [170, 72, 245],
        [0x2a0a, 0x9680, 0x1, 0],
        false,
        3,
    ),
    svc(
        "meet.google.com",
        "",
        [142, 250, 74],
        [0x2a00, 0x1450, 0x4001, 0x800],
        true,
        6,
    ),
    svc(
        "www.google.com",
        "",
        [142, 250, 185],
        [0x2a00, 0x1450, 0x4001, 0x82a],
        true,
        6,
    ),
    svc(
        "www.youtube.com",
        "youtube-ui.l.google.com",
        [142, 250, 186],
        [0x2a00, 0x1450, 0x4001, 0x82b],
        true,
        4,
    ),
    svc(
        "slack.com",
        "",
        [3, 120, 24],
        [0x2600, 0x1f18, 0x4c12, 0x9a00],
        false,
        4,
    ),
    svc(
        "www.cloudflare.com",
        "",
        [104, 16, 132],
        [0x2606, 0x4700, 0, 0],
        true,
        3,
    ),
    svc(
        "s3.amazonaws.com",
        "s3-1-w.amazonaws.com",
        [52, 216, 8],
        [0x2600, 0x1fa0, 0x8000, 0],
        false,
        3,
    ),
    svc(
        "github.com",
        "",
        [140, 82, 121],
        [0x2a0a, 0xa440, 0, 0],
        false,
        2,
    ),
];

const fn svc(
    name: &'static str,
    cname: &'static str,
    v4: [u8; 3],
    v6: [u16; 4],
    quic: bool,
    weight: u64,
) -> Service {
    Service {
        name,
        cname,
        v4,
        v6,
        quic,
        weight,
    }
}

/// Media relays of the media slots: range and UDP port (Teams, Zoom, Webex, Meet).
const MEDIA: [([u8; 3], u16); 4] = [
    ([52, 115, 114], 3478),
    ([170, 114, 105], 8801),
    ([170, 72, 232], 9000),
    ([142, 250, 82], 19302),
];

const RESOLVER4: [u8; 4] = [10, 1, 255, 53];
const RESOLVER6: [u8; 16] = [0xfd, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x53];
const ROUTER_MAC: [u8; 6] = [2, 0xaa, 0, 0, 0, 1];

/// SplitMix64 (Steele, Lea, Flood 2014): tiny, fast, and fixed here for good, so the bytes
/// depend on nothing outside this file (a crate's generator may change between versions).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `lo..hi` (`hi > lo`; the modulo bias is irrelevant here).
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo)
    }

    /// True `num` times in `den`.
    fn chance(&mut self, num: u64, den: u64) -> bool {
        self.next() % den < num
    }
}

#[derive(Clone, Copy)]
enum Addr {
    V4([u8; 4]),
    V6([u8; 16]),
}

impl Addr {
    fn bytes(&self) -> &[u8] {
        match self {
            Addr::V4(a) => a,
            Addr::V6(a) => a,
        }
    }
}

/// One conversation's endpoints as seen on the link.
#[derive(Clone, Copy)]
struct Conv {
    client: Addr,
    cport: u16,
    server: Addr,
    sport: u16,
    vlan: Option<u16>,
    host: u32,
}

/// What a step sends.
enum Payload {
    Empty,
    Bytes(Vec<u8>),
    /// A shared payload (`Mix::shared`).
    Shared(usize),
    /// Filler from the noise pool, starting with a TLS application-data record header when
    /// `tls` (the record spans `record` bytes).
    Noise {
        len: u16,
        tls: Option<u16>,
    },
    /// A QUIC short-header packet to `dcid`.
    QuicShort {
        dcid: [u8; 8],
        len: u16,
    },
    /// A QUIC long-header packet (`kind`: 0 Initial, 2 Handshake) from the server.
    QuicLong {
        kind: u8,
        dcid: [u8; 8],
        scid: [u8; 8],
        len: u16,
    },
    Rtp {
        seq: u16,
        ssrc: u32,
        len: u16,
    },
}

/// Which packet family a step counts under.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Family {
    Tcp,
    Quic,
    Dns,
    Media,
}

struct Step {
    at: u64,
    /// Index into the slot's conversations.
    conv: u8,
    from_client: bool,
    tcp: Option<Tcp>,
    payload: Payload,
    family: Family,
    /// The first and last packet of its conversation.
    first: bool,
    last: bool,
}

struct Slot {
    steps: Vec<Step>,
    next: usize,
    convs: Vec<Conv>,
    /// Which conversations have a packet in the capture.
    seen: Vec<bool>,
}

/// State shared by all slots.
struct Mix {
    rng: Rng,
    /// Next ephemeral port of each host.
    ports: Vec<u16>,
    /// ClientHello records, one per service; then server flights.
    shared: Vec<Vec<u8>>,
    pool: Vec<u8>,
    weight_total: u64,
    hosts: u64,
}

fn host_addr(h: u64) -> Addr {
    if h.is_multiple_of(5) {
        let mut a = RESOLVER6;
        a[14..].copy_from_slice(&((h + 0x100) as u16).to_be_bytes());
        Addr::V6(a)
    } else {
        Addr::V4([10, 1, (h >> 8) as u8, h as u8])
    }
}

fn host_vlan(h: u64) -> Option<u16> {
    matches!(h % 10, 1 | 4 | 7).then_some(100 + (h % 4) as u16)
}

/// Appends steps of a TCP or QUIC conversation, keeping time and sequence numbers.
struct Script<'a> {
    steps: &'a mut Vec<Step>,
    t: u64,
    conv: u8,
    family: Family,
    /// Next sequence number of the client and of the server.
    seq: [u32; 2],
    started: bool,
}

impl Script<'_> {
    fn push(&mut self, dt: u64, from_client: bool, flags: u8, payload: Payload, len: u32) {
        self.t += dt;
        let tcp = (self.family == Family::Tcp).then(|| {
            let (me, peer) = if from_client { (0, 1) } else { (1, 0) };
            let t = Tcp {
                seq: self.seq[me],
                ack: if flags & ACK != 0 { self.seq[peer] } else { 0 },
                flags,
            };
            self.seq[me] = self.seq[me].wrapping_add(len + u32::from(flags & (SYN | FIN) != 0));
            t
        });
        self.steps.push(Step {
            at: self.t,
            conv: self.conv,
            from_client,
            tcp,
            payload,
            family: self.family,
            first: !self.started,
            last: false,
        });
        self.started = true;
    }

    /// `bytes` of application data from one side in full-sized segments `gap` µs apart, the
    /// other side acknowledging every second one and the last (after `ack_delay`).
    fn send(&mut self, from_client: bool, bytes: u64, mss: u64, gap: u64, quic_cid: [u8; 8]) {
        let mut left = bytes;
        let mut n = 0;
        let mut record_left = 0u64;
        while left > 0 {
            let len = left.min(mss);
            left -= len;
            // A TLS record of up to 16 KiB starts where the previous one ended.
            let tls = (record_left == 0 && len >= 5).then(|| {
                record_left = left.min(16_384 - 5 - len) + len;
                record_left as u16
            });
            record_left = record_left.saturating_sub(len);
            let payload = if self.family == Family::Tcp {
                Payload::Noise {
                    len: len as u16,
                    tls,
                }
            } else {
                Payload::QuicShort {
                    dcid: quic_cid,
                    len: len as u16,
                }
            };
            let flags = if left == 0 { PSH | ACK } else { ACK };
            self.push(
                if n == 0 { 0 } else { gap },
                from_client,
                flags,
                payload,
                len as u32,
            );
            n += 1;
            if n % 2 == 0 || left == 0 {
                let ack = if self.family == Family::Tcp {
                    Payload::Empty
                } else {
                    Payload::QuicShort {
                        dcid: quic_cid,
                        len: 24,
                    }
                };
                self.push(40, !from_client, ACK, ack, 0);
            }
        }
    }
}

impl Mix {
    fn new(hosts: u64) -> Self {
        let mut shared: Vec<Vec<u8>> = SERVICES
            .iter()
            .enumerate()
            .map(|(i, s)| client_hello(s.name, 1_000 + 10 * i as u64))
            .collect();
        // Server flights: ServerHello, ChangeCipherSpec, then the encrypted extensions,
        // certificate chain, verify and Finished as one record (TLS 1.3).
        for (i, size) in [2_900usize, 3_600, 4_300, 5_200].into_iter().enumerate() {
            shared.push(server_flight(2_000 + i as u64, size));
        }
        Mix {
            rng: Rng(0x005e_ed0f_f1ce_11f7),
            ports: vec![49_152; hosts as usize + 1],
            shared,
            pool: noise(1 << 16, 99),
            weight_total: SERVICES.iter().map(|s| s.weight).sum(),
            hosts,
        }
    }

    fn port(&mut self, h: u64) -> u16 {
        let p = &mut self.ports[h as usize];
        *p = if *p == u16::MAX { 49_152 } else { *p + 1 };
        *p
    }

    fn service(&mut self) -> usize {
        let mut w = self.rng.range(0, self.weight_total);
        for (i, s) in SERVICES.iter().enumerate() {
            if w < s.weight {
                return i;
            }
            w -= s.weight;
        }
        0
    }

    /// A new web flow (and its DNS lookup) starting at `t`.
    fn web(&mut self, t: u64, slot: &mut Slot) {
        slot.steps.clear();
        slot.next = 0;
        slot.convs.clear();
        let h = self.rng.range(1, self.hosts + 1);
        let si = self.service();
        let s = &SERVICES[si];
        let (client, server) = match host_addr(h) {
            Addr::V6(c) => {
                let mut a = [0u8; 16];
                for (k, w) in s.v6.iter().enumerate() {
                    a[2 * k..2 * k + 2].copy_from_slice(&w.to_be_bytes());
                }
                a[8..].copy_from_slice(&self.rng.range(1, 1 << 20).to_be_bytes());
                (Addr::V6(c), Addr::V6(a))
            }
            Addr::V4(c) => {
                let [a, b, cc] = s.v4;
                (
                    Addr::V4(c),
                    Addr::V4([a, b, cc, self.rng.range(1, 255) as u8]),
                )
            }
        };
        let v6 = matches!(client, Addr::V6(_));
        let vlan = host_vlan(h);
        let quic = s.quic && self.rng.chance(6, 10);
        let mut t = t;
        if self.rng.chance(1, 2) {
            let resolver = if v6 {
                Addr::V6(RESOLVER6)
            } else {
                Addr::V4(RESOLVER4)
            };
            let cport = self.port(h);
            slot.convs.push(Conv {
                client,
                cport,
                server: resolver,
                sport: 53,
                vlan,
                host: h as u32,
            });
            let id = self.rng.next() as u16;
            let cname = (!s.cname.is_empty()).then_some(s.cname);
            let (query, answer) = dns_exchange(id, s.name, cname, server);
            let dt = self.rng.range(300, 3_000);
            for (k, (from_client, p)) in [(true, query), (false, answer)].into_iter().enumerate() {
                slot.steps.push(Step {
                    at: t + k as u64 * dt,
                    conv: 0,
                    from_client,
                    tcp: None,
                    payload: Payload::Bytes(p),
                    family: Family::Dns,
                    first: k == 0,
                    last: k == 1,
                });
            }
            t += dt + 200;
        }
        let conv = slot.convs.len() as u8;
        slot.convs.push(Conv {
            client,
            cport: self.port(h),
            server,
            sport: 443,
            vlan,
            host: h as u32,
        });
        let rtt = self.rng.range(6_000, 60_000);
        let mss = if v6 { 1_440 } else { 1_460 };
        let mut sc = Script {
            steps: &mut slot.steps,
            t,
            conv,
            family: if quic { Family::Quic } else { Family::Tcp },
            seq: [self.rng.next() as u32, self.rng.next() as u32],
            started: false,
        };
        let mut scid = [0u8; 8];
        scid.copy_from_slice(&self.rng.next().to_be_bytes());
        let mut server_cid = [0u8; 8];
        server_cid.copy_from_slice(&self.rng.next().to_be_bytes());
        if quic {
            let mut dcid = [0u8; 8];
            dcid.copy_from_slice(&self.rng.next().to_be_bytes());
            let hello = &self.shared[si];
            let initial = sealed_initial(&dcid, &scid, &crypto_frame(0, &hello[5..]));
            sc.push(0, true, 0, Payload::Bytes(initial), 0);
            for (k, (kind, len)) in [(0u8, 1_200u16), (2, 1_200), (2, 640)]
                .into_iter()
                .enumerate()
            {
                let dt = if k == 0 { rtt } else { 90 };
                let p = Payload::QuicLong {
                    kind,
                    dcid: scid,
                    scid: server_cid,
                    len,
                };
                sc.push(dt, false, 0, p, 0);
            }
            let p = Payload::QuicLong {
                kind: 2,
                dcid: server_cid,
                scid,
                len: 90,
            };
            sc.push(200, true, 0, p, 0);
        } else {
            sc.push(0, true, SYN, Payload::Empty, 0);
            sc.push(rtt, false, SYN | ACK, Payload::Empty, 0);
            sc.push(60, true, ACK, Payload::Empty, 0);
            let hello_len = self.shared[si].len() as u32;
            sc.push(120, true, PSH | ACK, Payload::Shared(si), hello_len);
            // The server flight in full-sized segments (TLS records span segments).
            let fi = SERVICES.len() + self.rng.range(0, 4) as usize;
            let flight_len = self.shared[fi].len();
            let mut off = 0;
            let mut dt = rtt;
            while off < flight_len {
                let len = (flight_len - off).min(mss as usize);
                let flags = if off + len == flight_len {
                    PSH | ACK
                } else {
                    ACK
                };
                let p = Payload::Bytes(self.shared[fi][off..off + len].to_vec());
                sc.push(dt, false, flags, p, len as u32);
                off += len;
                dt = 30;
            }
            sc.push(50, true, ACK, Payload::Empty, 0);
        }
        // The first request and its response: mostly small, some pages, a few downloads.
        let request = self.rng.range(180, 1_200);
        let response = match self.rng.next() % 100 {
            0..=79 => self.rng.range(300, 4_000),
            80..=97 => self.rng.range(4_000, 40_000),
            _ => self.rng.range(40_000, 300_000),
        };
        sc.send(true, request, mss, 40, server_cid);
        let think = rtt + self.rng.range(2_000, 40_000);
        sc.t += think;
        // 100 Mbit/s: 120 µs per full segment.
        sc.send(false, response, mss, 120, scid);
        for _ in 0..self.rng.range(1, 7) {
            sc.t += self.rng.range(5_000_000, 30_000_000);
            let req = self.rng.range(90, 900);
            sc.send(true, req, mss, 40, server_cid);
            sc.t += rtt + self.rng.range(500, 10_000);
            let resp = self.rng.range(90, 9_000);
            sc.send(false, resp, mss, 120, scid);
        }
        if quic {
            // CONNECTION_CLOSE in a short-header packet; the flow then idles out.
            let p = Payload::QuicShort {
                dcid: server_cid,
                len: 30,
            };
            sc.push(self.rng.range(1_000_000, 5_000_000), true, 0, p, 0);
        } else {
            sc.push(
                self.rng.range(1_000_000, 5_000_000),
                true,
                FIN | ACK,
                Payload::Empty,
                0,
            );
            sc.push(rtt, false, FIN | ACK, Payload::Empty, 0);
            sc.push(60, true, ACK, Payload::Empty, 0);
        }
        // Steps were appended in time order.
        if let Some(s) = slot.steps.last_mut() {
            s.last = true;
        }
    }

    /// A new media stream starting at `t`.
    fn media(&mut self, t: u64, slot: &mut Slot) {
        slot.steps.clear();
        slot.next = 0;
        slot.convs.clear();
        // Media clients are IPv4 (relays are reached over IPv4 in most offices).
        let mut h = self.rng.range(1, self.hosts + 1);
        if h.is_multiple_of(5) {
            h += 1;
        }
        let (range, port) = MEDIA[self.rng.range(0, MEDIA.len() as u64) as usize];
        let [a, b, c] = range;
        let server = [a, b, c, self.rng.range(1, 255) as u8];
        let Addr::V4(client) = host_addr(h) else {
            unreachable!("media hosts are IPv4")
        };
        let cport = self.port(h);
        slot.convs.push(Conv {
            client: Addr::V4(client),
            cport,
            server: Addr::V4(server),
            sport: port,
            vlan: host_vlan(h),
            host: h as u32,
        });
        let mut txid = [0u8; 12];
        txid[..8].copy_from_slice(&self.rng.next().to_be_bytes());
        txid[8..].copy_from_slice(&(self.rng.next() as u32).to_be_bytes());
        let rtt = self.rng.range(8_000, 40_000);
        let step = |at, from_client, payload, first| Step {
            at,
            conv: 0,
            from_client,
            tcp: None,
            payload,
            family: Family::Media,
            first,
            last: false,
        };
        slot.steps
            .push(step(t, true, Payload::Bytes(stun_request(&txid)), true));
        let resp = stun_success(&txid, [198, 51, 100, (h % 250) as u8 + 1], cport);
        slot.steps
            .push(step(t + rtt, false, Payload::Bytes(resp), false));
        let frames = self.rng.range(1_500, 9_000);
        let ssrc = self.rng.next() as u32;
        let start = t + rtt + 5_000;
        for i in 0..frames {
            for from_client in [true, false] {
                let at = start
                    + i * 20_000
                    + if from_client { 0 } else { 10_000 }
                    + self.rng.range(0, 3_000);
                let p = Payload::Rtp {
                    seq: i as u16,
                    ssrc: ssrc ^ u32::from(from_client),
                    len: self.rng.range(170, 250) as u16,
                };
                slot.steps.push(step(at, from_client, p, false));
            }
        }
        slot.steps.sort_by_key(|s| s.at);
        if let Some(s) = slot.steps.last_mut() {
            s.last = true;
        }
    }
}

/// A DNS query for `name` (A for an IPv4 `server`, else AAAA) and its answer binding the name,
/// through `cname` when given, to `server`.
fn dns_exchange(id: u16, name: &str, cname: Option<&str>, server: Addr) -> (Vec<u8>, Vec<u8>) {
    let rtype: u16 = if matches!(server, Addr::V4(_)) { 1 } else { 28 };
    let mut q = Vec::with_capacity(64);
    q.extend_from_slice(&id.to_be_bytes());
    q.extend_from_slice(&[0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]);
    dns_name(&mut q, name);
    q.extend_from_slice(&rtype.to_be_bytes());
    q.extend_from_slice(&[0, 1]);
    let mut a = q.clone();
    a[2..8].copy_from_slice(&[0x81, 0x80, 0, 1, 0, if cname.is_some() { 2 } else { 1 }]);
    let mut owner = [0xc0, 12];
    if let Some(target) = cname {
        a.extend_from_slice(&[0xc0, 12, 0, 5, 0, 1, 0, 0, 0x0e, 0x10]);
        let mut t = Vec::new();
        dns_name(&mut t, target);
        a.extend_from_slice(&(t.len() as u16).to_be_bytes());
        owner = (0xc000 | a.len() as u16).to_be_bytes();
        a.extend_from_slice(&t);
    }
    a.extend_from_slice(&owner);
    a.extend_from_slice(&rtype.to_be_bytes());
    a.extend_from_slice(&[0, 1, 0, 0, 0, 60]);
    let addr = server.bytes();
    a.extend_from_slice(&(addr.len() as u16).to_be_bytes());
    a.extend_from_slice(addr);
    (q, a)
}

/// Writes a mix capture of `packets` packets; returns the flows written and the statistics.
pub(super) fn mix<W: Write>(out: &mut Pcap<W>, packets: u64) -> io::Result<(u64, MixStats)> {
    let slots_n = (packets / PACKETS_PER_SLOT).clamp(1, MIX_SLOTS);
    let media_n = (slots_n / WEB_PER_MEDIA).max(1);
    let hosts = (slots_n / 5).max(10);
    let mut mix = Mix::new(hosts);
    let mut slots: Vec<Slot> = Vec::with_capacity(slots_n as usize);
    let mut queue = BinaryHeap::with_capacity(slots_n as usize);
    for s in 0..slots_n {
        let mut slot = Slot {
            steps: Vec::new(),
            next: 0,
            convs: Vec::new(),
            seen: Vec::new(),
        };
        let start = mix.rng.range(0, RAMP_US);
        new_flow(&mut mix, s, media_n, start, &mut slot);
        queue.push(Reverse((slot.steps[0].at, s as u32)));
        slots.push(slot);
    }
    let mut stats = MixStats::default();
    let (mut written, mut flows, mut open, mut last_us, mut ip_id) = (0u64, 0u64, 0u64, 0u64, 0u16);
    let mut pay = Vec::with_capacity(2048);
    while written < packets {
        let Some(Reverse((at, s))) = queue.pop() else {
            break;
        };
        let slot = &mut slots[s as usize];
        if at < WARM_US {
            // Before the capture started.
            slot.next += 1;
            if slot.next == slot.steps.len() {
                let start = at + mix.rng.range(100_000, 3_000_000);
                new_flow(&mut mix, u64::from(s), media_n, start, slot);
            }
            queue.push(Reverse((slot.steps[slot.next].at, s)));
            continue;
        }
        let step = &slot.steps[slot.next];
        let ci = usize::from(step.conv);
        let conv = slot.convs[ci];
        // Strictly increasing times (µs): a packet due at the same time waits 1 µs.
        let at = at - WARM_US;
        let us = if written == 0 {
            at
        } else {
            at.max(last_us + 1)
        };
        pay.clear();
        fill(&mut pay, &step.payload, &mix, written);
        ip_id = ip_id.wrapping_add(1);
        let ((src, sport), (dst, dport)) = if step.from_client {
            ((conv.client, conv.cport), (conv.server, conv.sport))
        } else {
            ((conv.server, conv.sport), (conv.client, conv.cport))
        };
        let seg = Segment {
            src: [0; 4],
            dst: [0; 4],
            sport,
            dport,
            tcp: step.tcp,
            payload: &pay,
        };
        let host_mac = {
            let [_, a, b, c] = conv.host.to_be_bytes();
            [2, 0, 0, a, b, c]
        };
        out.raw(us, |f| {
            let (dmac, smac) = if step.from_client {
                (ROUTER_MAC, host_mac)
            } else {
                (host_mac, ROUTER_MAC)
            };
            f.extend_from_slice(&dmac);
            f.extend_from_slice(&smac);
            if let Some(v) = conv.vlan {
                f.extend_from_slice(&[0x81, 0x00]);
                f.extend_from_slice(&v.to_be_bytes());
            }
            let ethertype: u16 = if matches!(src, Addr::V6(_)) {
                0x86dd
            } else {
                0x0800
            };
            f.extend_from_slice(&ethertype.to_be_bytes());
            let ttl = if step.from_client { 64 } else { 52 };
            ip_packet(f, src.bytes(), dst.bytes(), &seg, ip_id, ttl);
        })?;
        written += 1;
        last_us = us;
        match step.family {
            Family::Tcp => stats.tcp += 1,
            Family::Quic => stats.quic += 1,
            Family::Dns => stats.dns += 1,
            Family::Media => stats.media += 1,
        }
        stats.ipv6 += u64::from(matches!(src, Addr::V6(_)));
        stats.vlan += u64::from(conv.vlan.is_some());
        slot.seen.resize(slot.convs.len(), false);
        if !slot.seen[ci] {
            slot.seen[ci] = true;
            flows += 1;
            open += 1;
        }
        if let Payload::Shared(_) = step.payload {
            stats.named_tls += 1;
        }
        if step.family == Family::Quic && step.first {
            stats.named_quic += 1;
        }
        if step.last {
            open -= 1;
            slot.seen[ci] = false;
        }
        stats.open_peak = stats.open_peak.max(open);
        slot.next += 1;
        if slot.next == slot.steps.len() {
            let start = us + WARM_US + mix.rng.range(100_000, 3_000_000);
            new_flow(&mut mix, s as u64, media_n, start, slot);
        }
        queue.push(Reverse((slot.steps[slot.next].at, s)));
    }
    stats.open_at_end = open;
    Ok((flows, stats))
}

/// The next flow of slot `s` (the first `media_n` slots are media slots).
fn new_flow(mix: &mut Mix, s: u64, media_n: u64, start: u64, slot: &mut Slot) {
    slot.seen.clear();
    if s < media_n {
        mix.media(start, slot);
    } else {
        mix.web(start, slot);
    }
}

/// The bytes of `p` into `pay` (`n` varies the filler's place in the pool).
fn fill(pay: &mut Vec<u8>, p: &Payload, mix: &Mix, n: u64) {
    let pool = &mix.pool;
    let noise_at = |len: usize| {
        let at = (n.wrapping_mul(0x9e37_79b9) as usize) % (pool.len() - len);
        &pool[at..at + len]
    };
    match p {
        Payload::Empty => {}
        Payload::Bytes(b) => pay.extend_from_slice(b),
        Payload::Shared(i) => pay.extend_from_slice(&mix.shared[*i]),
        Payload::Noise { len, tls } => {
            let len = usize::from(*len);
            match tls {
                Some(record) => {
                    pay.extend_from_slice(&[0x17, 3, 3]);
                    pay.extend_from_slice(&(record - 5).to_be_bytes());
                    pay.extend_from_slice(noise_at(len.saturating_sub(5)));
                    pay.truncate(len);
                }
                None => pay.extend_from_slice(noise_at(len)),
            }
        }
        Payload::QuicShort { dcid, len } => {
            pay.push(0x41 | (n as u8 & 0x1e));
            pay.extend_from_slice(dcid);
            // At least a packet number, a byte of frames and the 16-byte AEAD tag.
            pay.extend_from_slice(noise_at(usize::from(*len).max(27) - 9));
        }
        Payload::QuicLong {
            kind,
            dcid,
            scid,
            len,
        } => {
            pay.push(0xc1 | (kind << 4));
            pay.extend_from_slice(&1u32.to_be_bytes());
            pay.push(8);
            pay.extend_from_slice(dcid);
            pay.push(8);
            pay.extend_from_slice(scid);
            if *kind == 0 {
                pay.push(0); // no token
            }
            let rest = usize::from(*len).saturating_sub(pay.len() + 2);
            pay.extend_from_slice(&(0x4000 | rest as u16).to_be_bytes());
            pay.extend_from_slice(noise_at(rest));
        }
        Payload::Rtp { seq, ssrc, len } => {
            pay.extend_from_slice(&[0x80, 111]);
            pay.extend_from_slice(&seq.to_be_bytes());
            pay.extend_from_slice(&(u32::from(*seq) * 960).to_be_bytes());
            pay.extend_from_slice(&ssrc.to_be_bytes());
            pay.extend_from_slice(noise_at(usize::from(*len)));
        }
    }
}
