//! Deterministic generator of large captures for the memory benchmark (`benches/memory.rs`
//! includes this file as a module, so it names nothing through `crate::`).
//!
//! Every capture is a little-endian microsecond pcap (Ethernet; IPv4, and IPv6 in `mix`) written
//! straight through the project's buffered `AtomicFile`: no packet is kept in memory, so tens of millions of packets cost nothing but
//! disk. No clock, no randomness: addresses, ports, sequence numbers and payload filler come
//! from fixed bijections and a fixed-seed xorshift, so two runs write the same bytes.
//!
//! * `flood`: N distinct TCP flows, one SYN each, 10 µs apart, from inside hosts (10.1.0.0/16)
//!   to N distinct remote public addresses on distinct-looking ports: the worst case for any
//!   per-flow or per-address table.
//! * `flood-few-remotes`: the same N SYNs to 16 remote addresses on port 443; the flows differ
//!   only by client address and port.
//! * `long`: a long capture with few concurrent flows: 2,000 slots each run one flow after
//!   another (60 % TCP to 443 with a TLS ClientHello naming the server, 40 % UDP to 3478 with a
//!   STUN binding exchange and RTP-like media), 10 packets a flow, 5,000 packets/s. Total flows
//!   grow with the length (one per 10 packets) while the concurrency stays at 2,000; 1 M
//!   packets span 200 s of capture time, longer than every default timeout but TCP idle.
//! * `mix`: a realistic office link for throughput (`mix.rs`): TLS, QUIC, DNS, STUN and media,
//!   IPv6 and VLANs, about 20,000 flows open at any time.
//! * `fragments`, `dns-names`, `clienthello`, `quic-cids`: hostile floods, each aimed at one
//!   bounded table (see `hostile.rs`).

use residency::output::AtomicFile;
use std::io::{self, Write};
use std::path::Path;

// Relative to this file's folder whichever crate includes it (the example or the benchmark).
#[path = "hostile.rs"]
mod hostile;
#[path = "mix.rs"]
pub mod mix;

/// What to generate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Flood,
    FloodFewRemotes,
    Long,
    Fragments,
    DnsNames,
    ClientHello,
    QuicCids,
    Mix,
}

impl Kind {
    pub fn parse(name: &str) -> Option<Kind> {
        match name {
            "flood" => Some(Kind::Flood),
            "flood-few-remotes" => Some(Kind::FloodFewRemotes),
            "long" => Some(Kind::Long),
            "fragments" => Some(Kind::Fragments),
            "dns-names" => Some(Kind::DnsNames),
            "clienthello" => Some(Kind::ClientHello),
            "quic-cids" => Some(Kind::QuicCids),
            "mix" => Some(Kind::Mix),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Kind::Flood => "flood",
            Kind::FloodFewRemotes => "flood-few-remotes",
            Kind::Long => "long",
            Kind::Fragments => "fragments",
            Kind::DnsNames => "dns-names",
            Kind::ClientHello => "clienthello",
            Kind::QuicCids => "quic-cids",
            Kind::Mix => "mix",
        }
    }
}

/// Bump when the bytes written for a given `Kind` and size change (the benchmark reuses a
/// capture only when it was written by the same version).
pub const VERSION: u32 = 3;

/// Microseconds between two SYNs of a flood.
pub const FLOOD_GAP_US: u64 = 10;
/// Microseconds between two packets of a long capture (5,000 packets/s).
pub const LONG_GAP_US: u64 = 200;
/// Flows open at once in a long capture.
pub const LONG_SLOTS: u64 = 2_000;
/// Packets of each flow in a long capture.
pub const LONG_FLOW_PACKETS: u8 = 10;

/// 2026-03-02T09:00:00Z, the first packet's time.
const START_SECS: u64 = 1_772_442_000;

/// What was written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Written {
    pub packets: u64,
    /// Distinct flows (a flow whose last packets the capture cut off still counts).
    pub flows: u64,
    pub bytes: u64,
    /// From the first packet to the last, in microseconds.
    pub span_us: u64,
}

/// Write a capture of `kind`: `size` is the number of flows for a flood, of packets for `long`
/// and `mix`, and the count N of a hostile kind (datagrams, names, connections, connection ids).
// The benchmarks' entry; the example's `main` calls `write_stats`.
#[allow(dead_code)]
pub fn write(kind: Kind, size: u64, path: &Path) -> io::Result<Written> {
    write_stats(kind, size, path).map(|(w, _)| w)
}

/// [`write`], with what a `mix` capture holds besides (`None` for the other kinds).
pub fn write_stats(
    kind: Kind,
    size: u64,
    path: &Path,
) -> io::Result<(Written, Option<mix::MixStats>)> {
    // Written to a temporary file renamed into place when complete (the project's outputs).
    let file = AtomicFile::create(path).map_err(io::Error::other)?;
    let mut out = Pcap::new(file)?;
    let mut stats = None;
    let flows = match kind {
        Kind::Flood => flood(&mut out, size, true)?,
        Kind::FloodFewRemotes => flood(&mut out, size, false)?,
        Kind::Long => long(&mut out, size)?,
        Kind::Fragments => hostile::fragments(&mut out, size)?,
        Kind::DnsNames => hostile::dns_names(&mut out, size)?,
        Kind::ClientHello => hostile::clienthello(&mut out, size)?,
        Kind::QuicCids => hostile::quic_cids(&mut out, size)?,
        Kind::Mix => {
            let (flows, s) = mix::mix(&mut out, size)?;
            stats = Some(s);
            flows
        }
    };
    let (packets, bytes, last) = (out.packets, out.bytes, out.last_us);
    out.out.commit().map_err(io::Error::other)?;
    let written = Written {
        packets,
        flows,
        bytes,
        span_us: last,
    };
    Ok((written, stats))
}

/// A pcap file being written.
struct Pcap<W: Write> {
    out: W,
    frame: Vec<u8>,
    packets: u64,
    bytes: u64,
    last_us: u64,
    ip_id: u16,
}

impl<W: Write> Pcap<W> {
    fn new(mut out: W) -> io::Result<Self> {
        let mut h = Vec::with_capacity(24);
        h.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
        h.extend_from_slice(&2u16.to_le_bytes());
        h.extend_from_slice(&4u16.to_le_bytes());
        h.extend_from_slice(&0i32.to_le_bytes()); // thiszone
        h.extend_from_slice(&0u32.to_le_bytes()); // sigfigs
        h.extend_from_slice(&65_535u32.to_le_bytes()); // snaplen
        h.extend_from_slice(&1u32.to_le_bytes()); // LINKTYPE_ETHERNET
        out.write_all(&h)?;
        Ok(Pcap {
            out,
            frame: Vec::with_capacity(2048),
            packets: 0,
            bytes: 24,
            last_us: 0,
            ip_id: 0,
        })
    }

    /// Write one Ethernet/IPv4 packet at `us` microseconds after the start.
    fn packet(&mut self, us: u64, seg: &Segment<'_>) -> io::Result<()> {
        self.ip_id = self.ip_id.wrapping_add(1);
        build_frame(&mut self.frame, seg, self.ip_id);
        self.write_frame(us)
    }

    /// Write one Ethernet frame that `build` puts together (it receives the cleared buffer).
    fn raw(&mut self, us: u64, build: impl FnOnce(&mut Vec<u8>)) -> io::Result<()> {
        self.frame.clear();
        build(&mut self.frame);
        self.write_frame(us)
    }

    fn write_frame(&mut self, us: u64) -> io::Result<()> {
        let len = u32::try_from(self.frame.len()).expect("frame fits a pcap record");
        let at = START_SECS * 1_000_000 + us;
        let secs = u32::try_from(at / 1_000_000).expect("timestamp before 2106");
        let mut rec = [0u8; 16];
        rec[..4].copy_from_slice(&secs.to_le_bytes());
        rec[4..8].copy_from_slice(&((at % 1_000_000) as u32).to_le_bytes());
        rec[8..12].copy_from_slice(&len.to_le_bytes());
        rec[12..].copy_from_slice(&len.to_le_bytes());
        self.out.write_all(&rec)?;
        self.out.write_all(&self.frame)?;
        self.packets += 1;
        self.bytes += 16 + u64::from(len);
        self.last_us = us;
        Ok(())
    }
}

/// One TCP or UDP segment to frame.
struct Segment<'a> {
    src: [u8; 4],
    dst: [u8; 4],
    sport: u16,
    dport: u16,
    /// `None` for UDP.
    tcp: Option<Tcp>,
    payload: &'a [u8],
}

#[derive(Clone, Copy)]
struct Tcp {
    seq: u32,
    ack: u32,
    flags: u8,
}

const FIN: u8 = 0x01;
const SYN: u8 = 0x02;
const PSH: u8 = 0x08;
const ACK: u8 = 0x10;

fn checksum_add(mut sum: u32, bytes: &[u8]) -> u32 {
    let mut chunks = bytes.chunks_exact(2);
    for c in &mut chunks {
        sum += u32::from(u16::from_be_bytes([c[0], c[1]]));
    }
    if let [last] = chunks.remainder() {
        sum += u32::from(*last) << 8;
    }
    sum
}

fn checksum_fold(mut sum: u32) -> u16 {
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// Ethernet + IPv4 (with checksum) + TCP or UDP (with checksum) + payload, into `f`.
fn build_frame(f: &mut Vec<u8>, s: &Segment<'_>, ip_id: u16) {
    f.clear();
    // Ethernet: the inside host's side has one MAC, the router the other.
    let inside = s.src[0] == 10;
    let (host, router) = ([2, 0, 0, 0, 0, 1], [2, 0, 0, 0, 0, 0xfe]);
    let (dst_mac, src_mac) = if inside {
        (router, host)
    } else {
        (host, router)
    };
    f.extend_from_slice(&dst_mac);
    f.extend_from_slice(&src_mac);
    f.extend_from_slice(&[0x08, 0x00]);
    let ttl = if inside { 64 } else { 52 };
    ip_packet(f, &s.src, &s.dst, s, ip_id, ttl);
}

/// An IPv4 (`src` and `dst` of 4 bytes, header checksum) or IPv6 (16 bytes) header, then the
/// TCP or UDP header of `s` (its addresses are not read; checksum over the pseudo-header) and
/// its payload, appended to `f` after the link header the caller wrote.
fn ip_packet(f: &mut Vec<u8>, src: &[u8], dst: &[u8], s: &Segment<'_>, ip_id: u16, ttl: u8) {
    let l4_len = if s.tcp.is_some() { 20 } else { 8 } + s.payload.len();
    let proto = if s.tcp.is_some() { 6 } else { 17 };
    let v6 = src.len() == 16;
    let ip_at = f.len();
    if v6 {
        let payload_len = u16::try_from(l4_len).expect("packet fits IPv6");
        f.extend_from_slice(&[0x60, 0, 0, 0]);
        f.extend_from_slice(&payload_len.to_be_bytes());
        f.extend_from_slice(&[proto, ttl]);
        f.extend_from_slice(src);
        f.extend_from_slice(dst);
    } else {
        let total = u16::try_from(20 + l4_len).expect("packet fits IPv4");
        f.extend_from_slice(&[0x45, 0]);
        f.extend_from_slice(&total.to_be_bytes());
        f.extend_from_slice(&ip_id.to_be_bytes());
        f.extend_from_slice(&[0x40, 0, ttl, proto, 0, 0]);
        f.extend_from_slice(src);
        f.extend_from_slice(dst);
        let ip_sum = checksum_fold(checksum_add(0, &f[ip_at..ip_at + 20]));
        f[ip_at + 10..ip_at + 12].copy_from_slice(&ip_sum.to_be_bytes());
    }

    let l4_at = f.len();
    f.extend_from_slice(&s.sport.to_be_bytes());
    f.extend_from_slice(&s.dport.to_be_bytes());
    let sum_at = match s.tcp {
        Some(t) => {
            f.extend_from_slice(&t.seq.to_be_bytes());
            f.extend_from_slice(&t.ack.to_be_bytes());
            f.extend_from_slice(&[5 << 4, t.flags, 0xff, 0xff, 0, 0, 0, 0]);
            l4_at + 16
        }
        None => {
            let len = u16::try_from(l4_len).expect("UDP length");
            f.extend_from_slice(&len.to_be_bytes());
            f.extend_from_slice(&[0, 0]);
            l4_at + 6
        }
    };
    f.extend_from_slice(s.payload);
    // Pseudo-header: the addresses, then protocol and length (the same sum for IPv4's 12
    // bytes and IPv6's 40: only where the zeros sit differs).
    let mut sum = checksum_add(checksum_add(0, src), dst);
    sum += u32::from(proto) + l4_len as u32;
    let mut sum = checksum_fold(checksum_add(sum, &f[l4_at..]));
    if sum == 0 && s.tcp.is_none() {
        sum = 0xffff;
    }
    f[sum_at..sum_at + 2].copy_from_slice(&sum.to_be_bytes());
}

/// A bijection on 24-bit numbers that scatters consecutive inputs.
fn mix24(mut x: u32) -> u32 {
    const MASK: u32 = 0x00ff_ffff;
    x = x.wrapping_mul(0x009e_3779 | 1) & MASK;
    x ^= x >> 12;
    x = x.wrapping_mul(0x005b_d1e9) & MASK;
    x ^= x >> 11;
    x
}

/// First octets of public unicast /8s (none of them holds a private, shared, documentation,
/// benchmarking or multicast range).
const PUBLIC_SLASH8: [u8; 32] = [
    3, 4, 8, 13, 18, 20, 23, 34, 35, 40, 45, 51, 52, 54, 62, 77, 80, 81, 85, 88, 91, 94, 104, 142,
    151, 157, 176, 185, 193, 195, 212, 217,
];

/// The `i`-th of up to 32 × (2^24 - 1) distinct public IPv4 addresses (none is x.0.0.0).
fn public_addr(i: u64) -> [u8; 4] {
    let n = PUBLIC_SLASH8.len() as u64;
    assert!(i / n + 1 < 1 << 24, "at most 32 × (2^24 - 1) addresses");
    let low = mix24((i / n + 1) as u32);
    let [_, b, c, d] = low.to_be_bytes();
    [PUBLIC_SLASH8[(i % n) as usize], b, c, d]
}

/// Servers the floods with few remotes go to (port 443): Microsoft, Google, Cloudflare, Zoom,
/// Amazon, Fastly, Akamai, GitHub.
const FLOOD_SERVERS: [[u8; 4]; 16] = [
    [52, 112, 1, 10],
    [52, 113, 194, 132],
    [52, 114, 77, 33],
    [13, 107, 42, 14],
    [13, 107, 64, 2],
    [20, 190, 151, 6],
    [40, 99, 10, 34],
    [142, 250, 74, 46],
    [142, 250, 185, 14],
    [104, 16, 132, 229],
    [170, 114, 52, 2],
    [3, 7, 35, 6],
    [54, 239, 28, 85],
    [151, 101, 1, 69],
    [23, 35, 224, 7],
    [185, 199, 108, 153],
];

/// Inside clients of the floods: 65,000 hosts, each on successive ports from 1024.
const FLOOD_HOSTS: u64 = 65_000;

/// The inside address and port of a flood's `i`-th connection.
fn flood_client(i: u64) -> ([u8; 4], u16) {
    assert!(
        i < FLOOD_HOSTS * 64_000,
        "at most 4,160,000,000 connections"
    );
    (
        inside_addr(1 + i % FLOOD_HOSTS),
        1024 + (i / FLOOD_HOSTS) as u16,
    )
}

/// Inside host `h` (1..65535) in 10.1.0.0/16.
fn inside_addr(h: u64) -> [u8; 4] {
    [10, 1, (h >> 8) as u8, h as u8]
}

fn flood<W: Write>(out: &mut Pcap<W>, flows: u64, distinct_remotes: bool) -> io::Result<u64> {
    assert!(
        flows <= FLOOD_HOSTS * 64_000,
        "at most 4,160,000,000 flood flows"
    );
    for i in 0..flows {
        let (src, sport) = flood_client(i);
        let (dst, dport) = if distinct_remotes {
            let port = 1 + (mix24(((i + 1) & 0x00ff_ffff) as u32) % 65_535) as u16;
            (public_addr(i), port)
        } else {
            (FLOOD_SERVERS[(i % 16) as usize], 443)
        };
        let isn = mix24(((i + 7) & 0x00ff_ffff) as u32) << 8;
        let seg = Segment {
            src,
            dst,
            sport,
            dport,
            tcp: Some(Tcp {
                seq: isn,
                ack: 0,
                flags: SYN,
            }),
            payload: &[],
        };
        out.packet(i * FLOOD_GAP_US, &seg)?;
    }
    Ok(flows)
}

/// Servers of the long capture: an address range and the name its clients ask for.
const SERVERS: [([u8; 3], &str); 12] = [
    ([52, 112, 64], "teams.microsoft.com"),
    ([52, 113, 194], "teams.microsoft.com"),
    ([13, 107, 42], "outlook.office365.com"),
    ([20, 190, 151], "login.microsoftonline.com"),
    ([142, 250, 74], "meet.google.com"),
    ([142, 250, 185], "www.google.com"),
    ([104, 16, 132], "www.cloudflare.com"),
    ([170, 114, 52], "zoom.us"),
    ([3, 7, 35], "s3.amazonaws.com"),
    ([54, 239, 28], "www.amazon.com"),
    ([151, 101, 1], "slack.com"),
    ([23, 35, 224], "www.akamai.com"),
];

/// Deterministic filler.
fn noise(len: usize, mut seed: u64) -> Vec<u8> {
    seed |= 1;
    (0..len)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed as u8
        })
        .collect()
}

fn be16(v: &mut Vec<u8>, x: usize) {
    v.extend_from_slice(&u16::try_from(x).expect("16-bit length").to_be_bytes());
}

fn tls_record(content_type: u8, body: &[u8]) -> Vec<u8> {
    let mut r = vec![content_type, 3, if content_type == 0x16 { 1 } else { 3 }];
    be16(&mut r, body.len());
    r.extend_from_slice(body);
    r
}

fn tls_handshake(msg_type: u8, body: &[u8]) -> Vec<u8> {
    let mut h = vec![msg_type];
    h.extend_from_slice(&u32::try_from(body.len()).unwrap().to_be_bytes()[1..]);
    h.extend_from_slice(body);
    h
}

fn tls_extension(out: &mut Vec<u8>, ext_type: u16, data: &[u8]) {
    out.extend_from_slice(&ext_type.to_be_bytes());
    be16(out, data.len());
    out.extend_from_slice(data);
}

/// A TLS 1.3 ClientHello record naming `sni`.
fn client_hello(sni: &str, seed: u64) -> Vec<u8> {
    client_hello_padded(sni, seed, None)
}

/// A TLS 1.3 ClientHello record naming `sni`, with a padding extension (RFC 7685) of `pad`
/// zero bytes when given (as browsers pad to a size, or a post-quantum key share grows it).
fn client_hello_padded(sni: &str, seed: u64, pad: Option<usize>) -> Vec<u8> {
    let mut ext = Vec::new();
    let mut name = vec![0];
    be16(&mut name, sni.len());
    name.extend_from_slice(sni.as_bytes());
    let mut list = Vec::new();
    be16(&mut list, name.len());
    list.extend_from_slice(&name);
    tls_extension(&mut ext, 0x0000, &list);
    tls_extension(&mut ext, 0x000a, &[0, 4, 0x00, 0x1d, 0x00, 0x17]);
    tls_extension(&mut ext, 0x000d, &[0, 4, 0x04, 0x03, 0x08, 0x04]);
    tls_extension(&mut ext, 0x0010, &[0, 3, 2, b'h', b'2']);
    tls_extension(&mut ext, 0x002b, &[2, 0x03, 0x04]);
    let mut key_share = vec![0, 36, 0x00, 0x1d, 0, 32];
    key_share.extend_from_slice(&noise(32, seed + 1));
    tls_extension(&mut ext, 0x0033, &key_share);
    if let Some(pad) = pad {
        tls_extension(&mut ext, 0x0015, &vec![0; pad]);
    }
    let mut body = vec![3, 3];
    body.extend_from_slice(&noise(32, seed + 2));
    body.push(32);
    body.extend_from_slice(&noise(32, seed + 3));
    body.extend_from_slice(&[0, 6, 0x13, 0x01, 0x13, 0x02, 0x13, 0x03, 1, 0]);
    be16(&mut body, ext.len());
    body.extend_from_slice(&ext);
    tls_record(0x16, &tls_handshake(1, &body))
}

/// ServerHello, ChangeCipherSpec and an application-data record: `total` bytes.
fn server_flight(seed: u64, total: usize) -> Vec<u8> {
    let mut ext = Vec::new();
    tls_extension(&mut ext, 0x002b, &[0x03, 0x04]);
    let mut key_share = vec![0x00, 0x1d, 0, 32];
    key_share.extend_from_slice(&noise(32, seed + 4));
    tls_extension(&mut ext, 0x0033, &key_share);
    let mut body = vec![3, 3];
    body.extend_from_slice(&noise(32, seed + 5));
    body.push(32);
    body.extend_from_slice(&noise(32, seed + 3));
    body.extend_from_slice(&[0x13, 0x01, 0]);
    be16(&mut body, ext.len());
    body.extend_from_slice(&ext);
    let mut stream = tls_record(0x16, &tls_handshake(2, &body));
    stream.extend_from_slice(&tls_record(0x14, &[1]));
    let rest = total - stream.len() - 5;
    stream.extend_from_slice(&tls_record(0x17, &noise(rest, seed + 6)));
    stream
}

fn app_data(len: usize, seed: u64) -> Vec<u8> {
    tls_record(0x17, &noise(len - 5, seed))
}

const STUN_MAGIC: [u8; 4] = [0x21, 0x12, 0xa4, 0x42];

fn stun_request(txid: &[u8; 12]) -> Vec<u8> {
    let mut m = vec![0x00, 0x01, 0, 0];
    m.extend_from_slice(&STUN_MAGIC);
    m.extend_from_slice(txid);
    m
}

/// Binding Success Response with XOR-MAPPED-ADDRESS.
fn stun_success(txid: &[u8; 12], addr: [u8; 4], port: u16) -> Vec<u8> {
    let mut m = vec![0x01, 0x01, 0, 12];
    m.extend_from_slice(&STUN_MAGIC);
    m.extend_from_slice(txid);
    m.extend_from_slice(&[0x00, 0x20, 0, 8, 0, 1]);
    m.extend_from_slice(&(port ^ 0x2112).to_be_bytes());
    for (a, k) in addr.iter().zip(STUN_MAGIC) {
        m.push(a ^ k);
    }
    m
}

/// An RTP-like media packet (Opus, 20 ms frames).
fn rtp(seq: u16, ssrc: u32, body: &[u8]) -> Vec<u8> {
    let mut p = vec![0x80, 111];
    p.extend_from_slice(&seq.to_be_bytes());
    p.extend_from_slice(&(u32::from(seq) * 960).to_be_bytes());
    p.extend_from_slice(&ssrc.to_be_bytes());
    p.extend_from_slice(body);
    p
}

/// Payloads shared by every flow of the long capture (a flow differs by addresses, ports,
/// sequence numbers and STUN transaction).
struct Payloads {
    hellos: Vec<Vec<u8>>,
    server_flight: Vec<u8>,
    client_data: Vec<u8>,
    server_data: Vec<u8>,
    media: Vec<u8>,
}

impl Payloads {
    fn new() -> Self {
        Payloads {
            hellos: SERVERS
                .iter()
                .enumerate()
                .map(|(i, (_, sni))| client_hello(sni, 100 * i as u64))
                .collect(),
            server_flight: server_flight(7, 1_200),
            client_data: app_data(120, 8),
            server_data: app_data(700, 9),
            media: noise(148, 10),
        }
    }
}

/// One flow of the long capture.
struct LongFlow {
    client: [u8; 4],
    cport: u16,
    server: [u8; 4],
    /// Index into `SERVERS`.
    service: usize,
    tcp: bool,
    isn_c: u32,
    isn_s: u32,
    txid: [u8; 12],
    step: u8,
}

impl LongFlow {
    /// The `n`-th flow (0-based) of slot `slot`.
    fn new(slot: u64, n: u64) -> Self {
        let client_host = slot % 400;
        let seq_no = slot + n * LONG_SLOTS;
        let h = mix24((seq_no & 0x00ff_ffff) as u32);
        let service = (h as usize) % SERVERS.len();
        let ([a, b, c], _) = SERVERS[service];
        let mut txid = [0u8; 12];
        txid[..8].copy_from_slice(&seq_no.to_be_bytes());
        txid[8..].copy_from_slice(&h.to_be_bytes());
        LongFlow {
            client: inside_addr(256 + client_host),
            // Five slots per client, each walking the ephemeral range: a port comes back
            // after 3,277 flows of its slot (hours of capture time).
            cport: 49_152 + ((n * 5 + slot / 400) % 16_384) as u16,
            server: [a, b, c, 1 + (h >> 16) as u8 % 250],
            service,
            tcp: slot % 5 < 3,
            isn_c: h.wrapping_mul(2_654_435_761),
            isn_s: h.wrapping_mul(40_503).rotate_left(7),
            txid,
            step: 0,
        }
    }

    /// Write this flow's next packet.
    fn write_next<W: Write>(&mut self, out: &mut Pcap<W>, us: u64, p: &Payloads) -> io::Result<()> {
        let step = self.step;
        self.step += 1;
        if self.tcp {
            self.write_tcp(out, us, p, step)
        } else {
            self.write_udp(out, us, p, step)
        }
    }

    fn write_tcp<W: Write>(
        &self,
        out: &mut Pcap<W>,
        us: u64,
        p: &Payloads,
        step: u8,
    ) -> io::Result<()> {
        let hello = &p.hellos[self.service];
        let (ch, sf) = (hello.len() as u32, p.server_flight.len() as u32);
        let (cd, sd) = (p.client_data.len() as u32, p.server_data.len() as u32);
        let (c0, s0) = (self.isn_c.wrapping_add(1), self.isn_s.wrapping_add(1));
        // (from client, flags, seq, ack, payload)
        let (from_client, flags, seq, ack, payload): (bool, u8, u32, u32, &[u8]) = match step {
            0 => (true, SYN, self.isn_c, 0, &[]),
            1 => (false, SYN | ACK, self.isn_s, c0, &[]),
            2 => (true, ACK, c0, s0, &[]),
            3 => (true, PSH | ACK, c0, s0, hello),
            4 => (false, PSH | ACK, s0, c0 + ch, &p.server_flight),
            5 => (true, PSH | ACK, c0 + ch, s0 + sf, &p.client_data),
            6 => (false, PSH | ACK, s0 + sf, c0 + ch + cd, &p.server_data),
            7 => (true, FIN | ACK, c0 + ch + cd, s0 + sf + sd, &[]),
            8 => (false, FIN | ACK, s0 + sf + sd, c0 + ch + cd + 1, &[]),
            _ => (true, ACK, c0 + ch + cd + 1, s0 + sf + sd + 1, &[]),
        };
        let tcp = Some(Tcp { seq, ack, flags });
        out.packet(us, &self.segment(from_client, 443, tcp, payload))
    }

    fn write_udp<W: Write>(
        &self,
        out: &mut Pcap<W>,
        us: u64,
        p: &Payloads,
        step: u8,
    ) -> io::Result<()> {
        let ssrc = u32::from_be_bytes([self.txid[8], self.txid[9], self.txid[10], self.txid[11]]);
        let (from_client, payload) = match step {
            0 => (true, stun_request(&self.txid)),
            1 => (
                false,
                stun_success(&self.txid, [198, 51, 100, 7], self.cport),
            ),
            n => (
                n % 2 == 0,
                rtp(u16::from(n), ssrc ^ u32::from(n % 2), &p.media),
            ),
        };
        out.packet(us, &self.segment(from_client, 3478, None, &payload))
    }

    fn segment<'a>(
        &self,
        from_client: bool,
        sport_server: u16,
        tcp: Option<Tcp>,
        payload: &'a [u8],
    ) -> Segment<'a> {
        let (client, server) = ((self.client, self.cport), (self.server, sport_server));
        let ((src, sport), (dst, dport)) = if from_client {
            (client, server)
        } else {
            (server, client)
        };
        Segment {
            src,
            dst,
            sport,
            dport,
            tcp,
            payload,
        }
    }
}

fn long<W: Write>(out: &mut Pcap<W>, packets: u64) -> io::Result<u64> {
    let payloads = Payloads::new();
    let mut slots: Vec<(LongFlow, u64)> =
        (0..LONG_SLOTS).map(|s| (LongFlow::new(s, 0), 0)).collect();
    let mut flows = 0u64;
    let mut written = 0u64;
    // Round-robin over the slots; slot s starts in round s % 10, so flows open and close
    // evenly over time rather than in waves.
    let mut round = 0u64;
    'rounds: loop {
        for (s, (flow, n)) in slots.iter_mut().enumerate() {
            if written == packets {
                break 'rounds;
            }
            if round < s as u64 % u64::from(LONG_FLOW_PACKETS) {
                continue;
            }
            if flow.step == LONG_FLOW_PACKETS {
                *n += 1;
                *flow = LongFlow::new(s as u64, *n);
            }
            if flow.step == 0 {
                flows += 1;
            }
            flow.write_next(out, written * LONG_GAP_US, &payloads)?;
            written += 1;
        }
        round += 1;
    }
    Ok(flows)
}
