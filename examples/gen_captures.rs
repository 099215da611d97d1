//! Deterministic generator for the small test captures shipped in `captures/`.
//!
//! ```text
//! cargo run --example gen_captures -- captures/
//! ```
//!
//! Every packet is built by hand below: fixed addresses, fixed timestamps, payload filler from a
//! fixed-seed xorshift, no clock and no randomness, so two runs write the same bytes.
//! `tests/captures_generated.rs` includes this file as a module and checks that the shipped
//! files still equal what [`generate`] produces.
//!
//! Besides the captures, the generator writes `expected.json` and `README.md`, with the flows
//! each capture contains and the values an analyser must report for them. These are computed
//! from the packets as they are written, never typed in by hand.
//!
//! Layout: byte helpers, IP/UDP/TCP builders, application payloads (DNS, TLS, STUN, NTP, HTTP,
//! ESP), link-layer framing, file writers (pcap, pcapng), flow accounting, one function per
//! capture, and finally the README/JSON writers.

use std::collections::BTreeMap;
use std::fs;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::Path;

use anyhow::{Context, Result};
use serde::Serialize;

fn main() -> Result<()> {
    let dir = std::env::args_os()
        .nth(1)
        .context("usage: cargo run --example gen_captures -- OUT_DIR")?;
    let dir = Path::new(&dir);
    let files = generate();
    write_files(dir, &files)?;
    for file in &files {
        let packets = file
            .readable_packets
            .map_or_else(String::new, |n| format!("{n:>3} packets"));
        println!(
            "{:>7} bytes  {packets:<11}  {}",
            file.bytes.len(),
            dir.join(&file.name).display()
        );
    }
    Ok(())
}

/// One generated file.
pub struct Generated {
    pub name: String,
    pub bytes: Vec<u8>,
    /// For captures: how many packet records a reader can read completely.
    pub readable_packets: Option<usize>,
}

/// Every file the generator produces, in a fixed order: the captures, `not-a-capture.txt`,
/// `expected.json` and `README.md`.
pub fn generate() -> Vec<Generated> {
    let captures = all_captures();
    let mut files: Vec<Generated> = captures
        .iter()
        .map(|c| Generated {
            name: c.file.to_string(),
            bytes: c.bytes.clone(),
            readable_packets: Some(c.readable),
        })
        .collect();
    let other = [
        ("not-a-capture.txt", NOT_A_CAPTURE.as_bytes().to_vec()),
        ("expected.json", expected_json(&captures)),
        ("README.md", readme(&captures).into_bytes()),
    ];
    files.extend(other.into_iter().map(|(name, bytes)| Generated {
        name: name.to_string(),
        bytes,
        readable_packets: None,
    }));
    files
}

/// Writes `files` into `dir` (created if missing).
pub fn write_files(dir: &Path, files: &[Generated]) -> Result<()> {
    fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    for file in files {
        let path = dir.join(&file.name);
        fs::write(&path, &file.bytes).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}

const NOT_A_CAPTURE: &str = "This is not a packet capture.\n\
It is a plain text file: a reader must reject it as neither pcap nor pcapng.\n";

// ---------------------------------------------------------------------------------------------
// Time
// ---------------------------------------------------------------------------------------------

const NS_PER_US: u64 = 1_000;
const NS_PER_MS: u64 = 1_000_000;
const NS_PER_S: u64 = 1_000_000_000;

/// 2026-03-02T09:00:00Z in nanoseconds since the Unix epoch; every capture starts near it.
const T0: u64 = 1_772_442_000 * NS_PER_S;

const fn us(n: u64) -> u64 {
    n * NS_PER_US
}

const fn ms(n: u64) -> u64 {
    n * NS_PER_MS
}

/// Timestamp resolution of a file (or of a pcapng interface).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Precision {
    Micro,
    Nano,
}

impl Precision {
    /// Sub-second units of a nanosecond timestamp, checking that no precision is lost.
    fn subsec_units(self, ts: u64) -> u64 {
        let nanos = ts % NS_PER_S;
        match self {
            Precision::Nano => nanos,
            Precision::Micro => {
                assert_eq!(nanos % NS_PER_US, 0, "µs capture given a ns timestamp");
                nanos / NS_PER_US
            }
        }
    }

    /// Whole timestamp in this resolution's units (pcapng's 64-bit timestamp).
    fn units(self, ts: u64) -> u64 {
        (ts / NS_PER_S)
            * match self {
                Precision::Micro => 1_000_000,
                Precision::Nano => NS_PER_S,
            }
            + self.subsec_units(ts)
    }

    fn label(self) -> &'static str {
        match self {
            Precision::Micro => "µs",
            Precision::Nano => "ns",
        }
    }
}

/// RFC 3339 UTC with as many fraction digits as the precision has (6 or 9).
fn rfc3339(ts: u64, precision: Precision) -> String {
    let secs = i64::try_from(ts / NS_PER_S).expect("timestamp fits in i64");
    let dt = time::OffsetDateTime::from_unix_timestamp(secs).expect("timestamp in range");
    let frac = match precision {
        Precision::Micro => format!("{:06}", precision.subsec_units(ts)),
        Precision::Nano => format!("{:09}", precision.subsec_units(ts)),
    };
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{frac}Z",
        dt.year(),
        u8::from(dt.month()),
        dt.day(),
        dt.hour(),
        dt.minute(),
        dt.second()
    )
}

// ---------------------------------------------------------------------------------------------
// Byte helpers
// ---------------------------------------------------------------------------------------------

fn be16(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_be_bytes());
}

fn be32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_be_bytes());
}

fn len16(n: usize) -> u16 {
    u16::try_from(n).expect("length fits in 16 bits")
}

fn len32(n: usize) -> u32 {
    u32::try_from(n).expect("length fits in 32 bits")
}

/// Deterministic filler bytes (xorshift32 with a fixed seed).
fn filler(len: usize, seed: u32) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x.to_be_bytes()[0]
        })
        .collect()
}

/// Parses hex text, ignoring whitespace.
fn hex(text: &str) -> Vec<u8> {
    let digits: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    assert_eq!(digits.len() % 2, 0, "odd number of hex digits");
    digits
        .chunks(2)
        .map(|pair| {
            let s = std::str::from_utf8(pair).expect("ASCII hex");
            u8::from_str_radix(s, 16).expect("valid hex digit")
        })
        .collect()
}

/// RFC 1071 Internet checksum over the concatenation of `parts`.
fn internet_checksum(parts: &[&[u8]]) -> u16 {
    let mut sum: u64 = 0;
    let mut pending: Option<u8> = None;
    for &byte in parts.iter().flat_map(|p| p.iter()) {
        match pending.take() {
            Some(hi) => sum += u64::from(u16::from_be_bytes([hi, byte])),
            None => pending = Some(byte),
        }
    }
    if let Some(hi) = pending {
        sum += u64::from(u16::from_be_bytes([hi, 0]));
    }
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !u16::try_from(sum).expect("folded to 16 bits")
}

fn v4(s: &str) -> Ipv4Addr {
    s.parse().expect("valid IPv4 literal")
}

fn v6(s: &str) -> Ipv6Addr {
    s.parse().expect("valid IPv6 literal")
}

fn sock(s: &str) -> SocketAddr {
    s.parse().expect("valid socket address literal")
}

// ---------------------------------------------------------------------------------------------
// IP, UDP, TCP
// ---------------------------------------------------------------------------------------------

const PROTO_IPIP: u8 = 4;
const PROTO_TCP: u8 = 6;
const PROTO_UDP: u8 = 17;
const PROTO_IPV6: u8 = 41;
const PROTO_IPV6_FRAG: u8 = 44;
const PROTO_GRE: u8 = 47;

const IPV4_DF: u16 = 0x4000;
const IPV4_MF: u16 = 0x2000;

fn ipv4_header(
    src: Ipv4Addr,
    dst: Ipv4Addr,
    proto: u8,
    ident: u16,
    flags_frag: u16,
    payload_len: usize,
) -> Vec<u8> {
    let mut h = Vec::with_capacity(20);
    h.push(0x45); // version 4, IHL 5
    h.push(0); // DSCP/ECN
    be16(&mut h, len16(20 + payload_len));
    be16(&mut h, ident);
    be16(&mut h, flags_frag);
    h.push(64); // TTL
    h.push(proto);
    be16(&mut h, 0); // checksum, filled below
    h.extend_from_slice(&src.octets());
    h.extend_from_slice(&dst.octets());
    let sum = internet_checksum(&[&h]);
    h[10..12].copy_from_slice(&sum.to_be_bytes());
    h
}

fn ipv6_header(src: Ipv6Addr, dst: Ipv6Addr, next: u8, payload_len: usize) -> Vec<u8> {
    let mut h = Vec::with_capacity(40);
    be32(&mut h, 0x6000_0000); // version 6, traffic class 0, flow label 0
    be16(&mut h, len16(payload_len));
    h.push(next);
    h.push(64); // hop limit
    h.extend_from_slice(&src.octets());
    h.extend_from_slice(&dst.octets());
    h
}

/// An unfragmented IP packet (IPv4 with DF set and identification 0).
fn ip_packet(src: IpAddr, dst: IpAddr, proto: u8, payload: &[u8]) -> Vec<u8> {
    let mut p = match (src, dst) {
        (IpAddr::V4(s), IpAddr::V4(d)) => ipv4_header(s, d, proto, 0, IPV4_DF, payload.len()),
        (IpAddr::V6(s), IpAddr::V6(d)) => ipv6_header(s, d, proto, payload.len()),
        _ => panic!("mixed address families {src} / {dst}"),
    };
    p.extend_from_slice(payload);
    p
}

/// The pseudo-header that TCP and UDP checksums cover.
fn pseudo_header(src: IpAddr, dst: IpAddr, proto: u8, len: usize) -> Vec<u8> {
    let mut h = Vec::new();
    match (src, dst) {
        (IpAddr::V4(s), IpAddr::V4(d)) => {
            h.extend_from_slice(&s.octets());
            h.extend_from_slice(&d.octets());
            h.push(0);
            h.push(proto);
            be16(&mut h, len16(len));
        }
        (IpAddr::V6(s), IpAddr::V6(d)) => {
            h.extend_from_slice(&s.octets());
            h.extend_from_slice(&d.octets());
            be32(&mut h, len32(len));
            h.extend_from_slice(&[0, 0, 0, proto]);
        }
        _ => panic!("mixed address families {src} / {dst}"),
    }
    h
}

fn udp_segment(src: SocketAddr, dst: SocketAddr, payload: &[u8]) -> Vec<u8> {
    let mut s = Vec::with_capacity(8 + payload.len());
    be16(&mut s, src.port());
    be16(&mut s, dst.port());
    be16(&mut s, len16(8 + payload.len()));
    be16(&mut s, 0);
    s.extend_from_slice(payload);
    let pseudo = pseudo_header(src.ip(), dst.ip(), PROTO_UDP, s.len());
    let sum = match internet_checksum(&[&pseudo, &s]) {
        0 => 0xffff,
        sum => sum,
    };
    s[6..8].copy_from_slice(&sum.to_be_bytes());
    s
}

const FIN: u8 = 0x01;
const SYN: u8 = 0x02;
const PSH: u8 = 0x08;
const ACK: u8 = 0x10;

struct TcpFields<'a> {
    seq: u32,
    ack: u32,
    flags: u8,
    window: u16,
    options: &'a [u8],
    payload: &'a [u8],
}

fn tcp_segment(src: SocketAddr, dst: SocketAddr, f: &TcpFields<'_>) -> Vec<u8> {
    assert_eq!(
        f.options.len() % 4,
        0,
        "TCP options must be padded to 32 bits"
    );
    let header_len = 20 + f.options.len();
    let mut s = Vec::with_capacity(header_len + f.payload.len());
    be16(&mut s, src.port());
    be16(&mut s, dst.port());
    be32(&mut s, f.seq);
    be32(&mut s, f.ack);
    s.push(u8::try_from(header_len / 4).expect("data offset fits") << 4);
    s.push(f.flags);
    be16(&mut s, f.window);
    be16(&mut s, 0); // checksum, filled below
    be16(&mut s, 0); // urgent pointer
    s.extend_from_slice(f.options);
    s.extend_from_slice(f.payload);
    let pseudo = pseudo_header(src.ip(), dst.ip(), PROTO_TCP, s.len());
    let sum = internet_checksum(&[&pseudo, &s]);
    s[16..18].copy_from_slice(&sum.to_be_bytes());
    s
}

/// SYN options: MSS, NOP, window scale 8, NOP, NOP, SACK permitted (12 bytes).
fn syn_options(mss: u16) -> Vec<u8> {
    let mut o = vec![2, 4];
    be16(&mut o, mss);
    o.extend_from_slice(&[1, 3, 3, 8, 1, 1, 4, 2]);
    o
}

// ---------------------------------------------------------------------------------------------
// Flows, directions and attributed packets
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Transport {
    Tcp,
    Udp,
}

impl Transport {
    fn name(self) -> &'static str {
        match self {
            Transport::Tcp => "tcp",
            Transport::Udp => "udp",
        }
    }
}

/// A bidirectional flow as an analyser must report it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Flow {
    transport: Transport,
    client: SocketAddr,
    server: SocketAddr,
}

impl Flow {
    fn tcp(client: &str, server: &str) -> Flow {
        Flow {
            transport: Transport::Tcp,
            client: sock(client),
            server: sock(server),
        }
    }

    fn udp(client: &str, server: &str) -> Flow {
        Flow {
            transport: Transport::Udp,
            client: sock(client),
            server: sock(server),
        }
    }

    /// (source, destination) of a packet travelling in `dir`.
    fn ends(self, dir: Dir) -> (SocketAddr, SocketAddr) {
        match dir {
            Dir::ToServer => (self.client, self.server),
            Dir::ToClient => (self.server, self.client),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Dir {
    ToServer,
    ToClient,
}

impl Dir {
    fn index(self) -> usize {
        match self {
            Dir::ToServer => 0,
            Dir::ToClient => 1,
        }
    }

    fn other(self) -> Dir {
        match self {
            Dir::ToServer => Dir::ToClient,
            Dir::ToClient => Dir::ToServer,
        }
    }
}

/// Which flow a packet belongs to, its direction, and the length of its innermost IP packet.
#[derive(Clone, Copy, Debug)]
struct Acct {
    flow: Flow,
    dir: Dir,
    ip_len: u64,
}

/// Packet bytes at some layer (IP, then wrapped in tunnels and link headers) plus accounting.
#[derive(Clone, Debug)]
struct Pkt {
    data: Vec<u8>,
    acct: Option<Acct>,
}

impl Pkt {
    /// An IP packet of `flow`; its IP length is what it counts for.
    fn ip(flow: Flow, dir: Dir, ip: Vec<u8>) -> Pkt {
        let ip_len = u64::try_from(ip.len()).expect("length fits in u64");
        Pkt {
            data: ip,
            acct: Some(Acct { flow, dir, ip_len }),
        }
    }

    /// A frame that belongs to no flow (ARP).
    fn unattributed(data: Vec<u8>) -> Pkt {
        Pkt { data, acct: None }
    }

    fn dir(&self) -> Dir {
        self.acct.expect("packet belongs to a flow").dir
    }

    /// Encapsulates the bytes; the accounting (innermost IP) stays.
    fn wrap(self, f: impl FnOnce(&[u8]) -> Vec<u8>) -> Pkt {
        Pkt {
            data: f(&self.data),
            acct: self.acct,
        }
    }
}

fn udp(flow: Flow, dir: Dir, payload: &[u8]) -> Pkt {
    assert_eq!(flow.transport, Transport::Udp);
    let (src, dst) = flow.ends(dir);
    let segment = udp_segment(src, dst, payload);
    Pkt::ip(
        flow,
        dir,
        ip_packet(src.ip(), dst.ip(), PROTO_UDP, &segment),
    )
}

/// One TCP connection; tracks sequence numbers so that every segment acknowledges all the
/// peer has sent so far.
struct TcpConn {
    flow: Flow,
    next_seq: [u32; 2],
}

impl TcpConn {
    fn new(flow: Flow, client_isn: u32, server_isn: u32) -> TcpConn {
        assert_eq!(flow.transport, Transport::Tcp);
        TcpConn {
            flow,
            next_seq: [client_isn, server_isn],
        }
    }

    fn syn(&mut self) -> Pkt {
        self.segment(Dir::ToServer, SYN, &[])
    }

    fn syn_ack(&mut self) -> Pkt {
        self.segment(Dir::ToClient, SYN | ACK, &[])
    }

    fn ack(&mut self, dir: Dir) -> Pkt {
        self.segment(dir, ACK, &[])
    }

    fn push(&mut self, dir: Dir, payload: &[u8]) -> Pkt {
        self.segment(dir, PSH | ACK, payload)
    }

    fn fin(&mut self, dir: Dir) -> Pkt {
        self.segment(dir, FIN | ACK, &[])
    }

    fn segment(&mut self, dir: Dir, flags: u8, payload: &[u8]) -> Pkt {
        let (src, dst) = self.flow.ends(dir);
        let me = dir.index();
        let seq = self.next_seq[me];
        let ack = if flags & ACK != 0 {
            self.next_seq[dir.other().index()]
        } else {
            0
        };
        let mss = if src.is_ipv4() { 1460 } else { 1440 };
        let options = if flags & SYN != 0 {
            syn_options(mss)
        } else {
            Vec::new()
        };
        let window = match (dir, flags & SYN != 0) {
            (Dir::ToServer, true) => 64240,
            (Dir::ToClient, true) => 65535,
            (Dir::ToServer, false) => 502,
            (Dir::ToClient, false) => 1026,
        };
        let consumed = len32(payload.len()) + u32::from(flags & (SYN | FIN) != 0);
        self.next_seq[me] = seq.wrapping_add(consumed);
        let segment = tcp_segment(
            src,
            dst,
            &TcpFields {
                seq,
                ack,
                flags,
                window,
                options: &options,
                payload,
            },
        );
        Pkt::ip(
            self.flow,
            dir,
            ip_packet(src.ip(), dst.ip(), PROTO_TCP, &segment),
        )
    }
}

/// Splits one UDP datagram into IPv4 fragments of at most `chunk` payload bytes each
/// (returned in offset order).
fn ipv4_fragments(flow: Flow, dir: Dir, payload: &[u8], ident: u16, chunk: usize) -> Vec<Pkt> {
    assert_eq!(chunk % 8, 0, "fragment size must be a multiple of 8");
    let (src, dst) = flow.ends(dir);
    let (IpAddr::V4(s), IpAddr::V4(d)) = (src.ip(), dst.ip()) else {
        panic!("IPv4 fragments need IPv4 addresses");
    };
    let datagram = udp_segment(src, dst, payload);
    datagram
        .chunks(chunk)
        .enumerate()
        .map(|(i, piece)| {
            let offset = i * chunk;
            let more = offset + piece.len() < datagram.len();
            let flags_frag =
                if more { IPV4_MF } else { 0 } | u16::try_from(offset / 8).expect("offset fits");
            let mut p = ipv4_header(s, d, PROTO_UDP, ident, flags_frag, piece.len());
            p.extend_from_slice(piece);
            Pkt::ip(flow, dir, p)
        })
        .collect()
}

/// Splits one UDP datagram into IPv6 fragments (Fragment extension header) of at most `chunk`
/// fragmentable bytes each.
fn ipv6_fragments(flow: Flow, dir: Dir, payload: &[u8], ident: u32, chunk: usize) -> Vec<Pkt> {
    assert_eq!(chunk % 8, 0, "fragment size must be a multiple of 8");
    let (src, dst) = flow.ends(dir);
    let (IpAddr::V6(s), IpAddr::V6(d)) = (src.ip(), dst.ip()) else {
        panic!("IPv6 fragments need IPv6 addresses");
    };
    let datagram = udp_segment(src, dst, payload);
    datagram
        .chunks(chunk)
        .enumerate()
        .map(|(i, piece)| {
            let offset = i * chunk;
            let more = offset + piece.len() < datagram.len();
            let mut p = ipv6_header(s, d, PROTO_IPV6_FRAG, 8 + piece.len());
            p.push(PROTO_UDP);
            p.push(0);
            be16(
                &mut p,
                (u16::try_from(offset / 8).expect("offset fits") << 3) | u16::from(more),
            );
            be32(&mut p, ident);
            p.extend_from_slice(piece);
            Pkt::ip(flow, dir, p)
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Application payloads
// ---------------------------------------------------------------------------------------------

const DNS_A: u16 = 1;
const DNS_CNAME: u16 = 5;
const DNS_PTR: u16 = 12;
const DNS_AAAA: u16 = 28;

enum Rdata<'a> {
    A(Ipv4Addr),
    Aaaa(Ipv6Addr),
    Name(&'a str),
}

/// A DNS message writer with real name compression (RFC 1035 §4.1.4).
struct Dns {
    buf: Vec<u8>,
    /// Name suffixes already written, with their offsets.
    suffixes: Vec<(String, u16)>,
}

impl Dns {
    /// `counts` = QDCOUNT, ANCOUNT, NSCOUNT, ARCOUNT.
    fn new(id: u16, flags: u16, counts: [u16; 4]) -> Dns {
        let mut buf = Vec::new();
        be16(&mut buf, id);
        be16(&mut buf, flags);
        for c in counts {
            be16(&mut buf, c);
        }
        Dns {
            buf,
            suffixes: Vec::new(),
        }
    }

    fn name(&mut self, name: &str) {
        let labels: Vec<&str> = name.split('.').collect();
        for i in 0..labels.len() {
            let suffix = labels[i..].join(".");
            if let Some((_, offset)) = self.suffixes.iter().find(|(s, _)| *s == suffix) {
                be16(&mut self.buf, 0xc000 | offset);
                return;
            }
            if let Ok(offset) = u16::try_from(self.buf.len())
                && offset < 0x4000
            {
                self.suffixes.push((suffix, offset));
            }
            let label = labels[i].as_bytes();
            assert!(!label.is_empty() && label.len() < 64, "bad DNS label");
            self.buf
                .push(u8::try_from(label.len()).expect("label length fits"));
            self.buf.extend_from_slice(label);
        }
        self.buf.push(0);
    }

    fn question(&mut self, name: &str, qtype: u16) -> &mut Dns {
        self.name(name);
        be16(&mut self.buf, qtype);
        be16(&mut self.buf, 1); // class IN
        self
    }

    fn record(&mut self, name: &str, rtype: u16, ttl: u32, rdata: Rdata<'_>) -> &mut Dns {
        self.name(name);
        be16(&mut self.buf, rtype);
        be16(&mut self.buf, 1); // class IN
        be32(&mut self.buf, ttl);
        let len_at = self.buf.len();
        be16(&mut self.buf, 0);
        match rdata {
            Rdata::A(a) => self.buf.extend_from_slice(&a.octets()),
            Rdata::Aaaa(a) => self.buf.extend_from_slice(&a.octets()),
            Rdata::Name(n) => self.name(n),
        }
        let rdlen = len16(self.buf.len() - len_at - 2);
        self.buf[len_at..len_at + 2].copy_from_slice(&rdlen.to_be_bytes());
        self
    }

    fn bytes(&self) -> Vec<u8> {
        self.buf.clone()
    }
}

/// A recursive query (RD set) for one name.
fn dns_query(id: u16, name: &str, qtype: u16) -> Vec<u8> {
    Dns::new(id, 0x0100, [1, 0, 0, 0])
        .question(name, qtype)
        .bytes()
}

/// A response (QR, RD, RA) with a single A or AAAA answer.
fn dns_answer(id: u16, name: &str, addr: IpAddr, ttl: u32) -> Vec<u8> {
    let (qtype, rdata) = match addr {
        IpAddr::V4(a) => (DNS_A, Rdata::A(a)),
        IpAddr::V6(a) => (DNS_AAAA, Rdata::Aaaa(a)),
    };
    Dns::new(id, 0x8180, [1, 1, 0, 0])
        .question(name, qtype)
        .record(name, qtype, ttl, rdata)
        .bytes()
}

fn tls_record(content_type: u8, version: u16, body: &[u8]) -> Vec<u8> {
    let mut r = vec![content_type];
    be16(&mut r, version);
    be16(&mut r, len16(body.len()));
    r.extend_from_slice(body);
    r
}

fn tls_handshake(msg_type: u8, body: &[u8]) -> Vec<u8> {
    let mut h = vec![msg_type];
    h.extend_from_slice(&len32(body.len()).to_be_bytes()[1..]);
    h.extend_from_slice(body);
    h
}

fn tls_extension(out: &mut Vec<u8>, ext_type: u16, data: &[u8]) {
    be16(out, ext_type);
    be16(out, len16(data.len()));
    out.extend_from_slice(data);
}

/// A TLS 1.3 ClientHello record offering `sni` and ALPN h2 / http/1.1.
fn tls_client_hello(sni: &str, seed: u32) -> Vec<u8> {
    let mut ext = Vec::new();

    let mut server_name = vec![0]; // host_name
    be16(&mut server_name, len16(sni.len()));
    server_name.extend_from_slice(sni.as_bytes());
    let mut list = Vec::new();
    be16(&mut list, len16(server_name.len()));
    list.extend_from_slice(&server_name);
    tls_extension(&mut ext, 0x0000, &list); // server_name

    tls_extension(&mut ext, 0x000a, &[0, 4, 0x00, 0x1d, 0x00, 0x17]); // groups: x25519, P-256
    let sigs = [0, 8, 0x04, 0x03, 0x08, 0x04, 0x04, 0x01, 0x05, 0x03];
    tls_extension(&mut ext, 0x000d, &sigs); // signature_algorithms

    let mut alpn = Vec::new();
    for proto in ["h2", "http/1.1"] {
        alpn.push(u8::try_from(proto.len()).expect("short ALPN id"));
        alpn.extend_from_slice(proto.as_bytes());
    }
    let mut alpn_ext = Vec::new();
    be16(&mut alpn_ext, len16(alpn.len()));
    alpn_ext.extend_from_slice(&alpn);
    tls_extension(&mut ext, 0x0010, &alpn_ext); // ALPN

    tls_extension(&mut ext, 0x002b, &[4, 0x03, 0x04, 0x03, 0x03]); // supported_versions
    tls_extension(&mut ext, 0x002d, &[1, 1]); // psk_key_exchange_modes: psk_dhe_ke
    let mut key_share = Vec::new();
    be16(&mut key_share, 36);
    be16(&mut key_share, 0x001d);
    be16(&mut key_share, 32);
    key_share.extend_from_slice(&filler(32, seed + 1));
    tls_extension(&mut ext, 0x0033, &key_share); // key_share

    let mut body = Vec::new();
    be16(&mut body, 0x0303); // legacy_version
    body.extend_from_slice(&filler(32, seed + 2)); // random
    body.push(32);
    body.extend_from_slice(&filler(32, seed + 3)); // legacy_session_id
    be16(&mut body, 6);
    body.extend_from_slice(&[0x13, 0x01, 0x13, 0x02, 0x13, 0x03]); // cipher suites
    body.extend_from_slice(&[1, 0]); // compression methods: null
    be16(&mut body, len16(ext.len()));
    body.extend_from_slice(&ext);
    tls_record(0x16, 0x0301, &tls_handshake(1, &body))
}

/// A TLS 1.3 ServerHello record answering [`tls_client_hello`] with the same `seed`.
fn tls_server_hello(seed: u32) -> Vec<u8> {
    let mut ext = Vec::new();
    tls_extension(&mut ext, 0x002b, &[0x03, 0x04]); // supported_versions: TLS 1.3
    let mut key_share = Vec::new();
    be16(&mut key_share, 0x001d);
    be16(&mut key_share, 32);
    key_share.extend_from_slice(&filler(32, seed + 4));
    tls_extension(&mut ext, 0x0033, &key_share);

    let mut body = Vec::new();
    be16(&mut body, 0x0303);
    body.extend_from_slice(&filler(32, seed + 5)); // random
    body.push(32);
    body.extend_from_slice(&filler(32, seed + 3)); // echoed legacy_session_id
    body.extend_from_slice(&[0x13, 0x01, 0]); // TLS_AES_128_GCM_SHA256, null compression
    be16(&mut body, len16(ext.len()));
    body.extend_from_slice(&ext);
    tls_record(0x16, 0x0303, &tls_handshake(2, &body))
}

fn tls_change_cipher_spec() -> Vec<u8> {
    tls_record(0x14, 0x0303, &[1])
}

fn tls_app_data(len: usize, seed: u32) -> Vec<u8> {
    tls_record(0x17, 0x0303, &filler(len, seed))
}

/// The server's first flight: ServerHello, ChangeCipherSpec, then application-data records
/// (encrypted extensions, certificate, ... as opaque bytes) up to exactly `total` bytes.
fn tls_server_flight(seed: u32, total: usize) -> Vec<u8> {
    let mut stream = tls_server_hello(seed);
    stream.extend_from_slice(&tls_change_cipher_spec());
    let rest = total - stream.len();
    let first = rest / 2;
    stream.extend_from_slice(&tls_app_data(first - 5, seed + 6));
    stream.extend_from_slice(&tls_app_data(rest - first - 5, seed + 7));
    assert_eq!(stream.len(), total);
    stream
}

/// RFC 9001 Appendix A.2: the protected client Initial packet (1200 bytes, QUIC v1, DCID
/// 8394c8f03e515708, a ClientHello for example.com). Published test vector, copied from the
/// hex listing "The resulting protected packet is:" in RFC 9001 (May 2021).
const RFC9001_A2_CLIENT_INITIAL: &str = "
    c000000001088394c8f03e5157080000 449e7b9aec34d1b1c98dd7689fb8ec11
    d242b123dc9bd8bab936b47d92ec356c 0bab7df5976d27cd449f63300099f399
    1c260ec4c60d17b31f8429157bb35a12 82a643a8d2262cad67500cadb8e7378c
    8eb7539ec4d4905fed1bee1fc8aafba1 7c750e2c7ace01e6005f80fcb7df6212
    30c83711b39343fa028cea7f7fb5ff89 eac2308249a02252155e2347b63d58c5
    457afd84d05dfffdb20392844ae81215 4682e9cf012f9021a6f0be17ddd0c208
    4dce25ff9b06cde535d0f920a2db1bf3 62c23e596d11a4f5a6cf3948838a3aec
    4e15daf8500a6ef69ec4e3feb6b1d98e 610ac8b7ec3faf6ad760b7bad1db4ba3
    485e8a94dc250ae3fdb41ed15fb6a8e5 eba0fc3dd60bc8e30c5c4287e53805db
    059ae0648db2f64264ed5e39be2e20d8 2df566da8dd5998ccabdae053060ae6c
    7b4378e846d29f37ed7b4ea9ec5d82e7 961b7f25a9323851f681d582363aa5f8
    9937f5a67258bf63ad6f1a0b1d96dbd4 faddfcefc5266ba6611722395c906556
    be52afe3f565636ad1b17d508b73d874 3eeb524be22b3dcbc2c7468d54119c74
    68449a13d8e3b95811a198f3491de3e7 fe942b330407abf82a4ed7c1b311663a
    c69890f4157015853d91e923037c227a 33cdd5ec281ca3f79c44546b9d90ca00
    f064c99e3dd97911d39fe9c5d0b23a22 9a234cb36186c4819e8b9c5927726632
    291d6a418211cc2962e20fe47feb3edf 330f2c603a9d48c0fcb5699dbfe58964
    25c5bac4aee82e57a85aaf4e2513e4f0 5796b07ba2ee47d80506f8d2c25e50fd
    14de71e6c418559302f939b0e1abd576 f279c4b2e0feb85c1f28ff18f58891ff
    ef132eef2fa09346aee33c28eb130ff2 8f5b766953334113211996d20011a198
    e3fc433f9f2541010ae17c1bf202580f 6047472fb36857fe843b19f5984009dd
    c324044e847a4f4a0ab34f719595de37 252d6235365e9b84392b061085349d73
    203a4a13e96f5432ec0fd4a1ee65accd d5e3904df54c1da510b0ff20dcc0c77f
    cb2c0e0eb605cb0504db87632cf3d8b4 dae6e705769d1de354270123cb11450e
    fc60ac47683d7b8d0f811365565fd98c 4c8eb936bcab8d069fc33bd801b03ade
    a2e1fbc5aa463d08ca19896d2bf59a07 1b851e6c239052172f296bfb5e724047
    90a2181014f3b94a4e97d117b4381303 68cc39dbb2d198065ae3986547926cd2
    162f40a29f0c3c8745c0f50fba3852e5 66d44575c29d39a03f0cda721984b6f4
    40591f355e12d439ff150aab7613499d bd49adabc8676eef023b15b65bfc5ca0
    6948109f23f350db82123535eb8a7433 bdabcb909271a6ecbcb58b936a88cd4e
    8f2e6ff5800175f113253d8fa9ca8885 c2f552e657dc603f252e1a8e308f76f0
    be79e2fb8f5d5fbbe2e30ecadd220723 c8c0aea8078cdfcb3868263ff8f09400
    54da48781893a7e49ad5aff4af300cd8 04a6b6279ab3ff3afb64491c85194aab
    760d58a606654f9f4400e8b38591356f bf6425aca26dc85244259ff2b19c41b9
    f96f3ca9ec1dde434da7d2d392b905dd f3d1f9af93d1af5950bd493f5aa731b4
    056df31bd267b6b90a079831aaf579be 0a39013137aac6d404f518cfd4684064
    7e78bfe706ca4cf5e9c5453e9f7cfd2b 8b4c8d169a44e55c88d4a9a7f9474241
    e221af44860018ab0856972e194cd934";

/// RFC 9001 Appendix A.3: the protected server Initial packet (135 bytes) that answers A.2.
/// Published test vector, copied from RFC 9001's hex listing like the one above.
const RFC9001_A3_SERVER_INITIAL: &str = "
    cf000000010008f067a5502a4262b500 4075c0d95a482cd0991cd25b0aac406a
    5816b6394100f37a1c69797554780bb3 8cc5a99f5ede4cf73c3ec2493a1839b3
    dbcba3f6ea46c5b7684df3548e7ddeb9 c3bf9c73cc3f3bded74b562bfb19fb84
    022f8ef4cdd93795d77d06edbb7aaf2f 58891850abbdca3d20398c276456cbc4
    2158407dd074ee";

const STUN_MAGIC: u32 = 0x2112_A442;

fn stun_binding_request(txid: &[u8; 12]) -> Vec<u8> {
    let mut m = Vec::new();
    be16(&mut m, 0x0001); // Binding Request
    be16(&mut m, 0); // no attributes
    be32(&mut m, STUN_MAGIC);
    m.extend_from_slice(txid);
    m
}

/// Binding Success Response with XOR-MAPPED-ADDRESS (RFC 5389 §15.2) for an IPv4 address.
fn stun_binding_success(txid: &[u8; 12], mapped: SocketAddr) -> Vec<u8> {
    let IpAddr::V4(addr) = mapped.ip() else {
        panic!("IPv4 mapped address expected");
    };
    let mut attr = vec![0, 0x01]; // reserved, family IPv4
    let magic_hi = u16::try_from(STUN_MAGIC >> 16).expect("16 bits");
    be16(&mut attr, mapped.port() ^ magic_hi);
    be32(&mut attr, u32::from(addr) ^ STUN_MAGIC);
    let mut m = Vec::new();
    be16(&mut m, 0x0101); // Binding Success Response
    be16(&mut m, len16(4 + attr.len()));
    be32(&mut m, STUN_MAGIC);
    m.extend_from_slice(txid);
    be16(&mut m, 0x0020); // XOR-MAPPED-ADDRESS
    be16(&mut m, len16(attr.len()));
    m.extend_from_slice(&attr);
    m
}

/// A 48-byte NTPv4 packet (mode 3 = client, 4 = server). `unix_secs` fills the transmit
/// timestamp.
fn ntp(mode: u8, unix_secs: u64) -> Vec<u8> {
    let mut p = vec![0u8; 48];
    p[0] = (4 << 3) | mode; // LI 0, VN 4
    p[2] = 6; // poll interval 2^6 s
    p[3] = 0xe9; // precision 2^-23 s
    if mode == 4 {
        p[1] = 1; // stratum 1
        p[12..16].copy_from_slice(b"GPS\0"); // reference id
    }
    let ntp_secs = u32::try_from(unix_secs + 2_208_988_800).expect("NTP era 0");
    p[40..44].copy_from_slice(&ntp_secs.to_be_bytes());
    p[44..48].copy_from_slice(&[0x80, 0, 0, 0]);
    p
}

/// An ESP packet body (SPI, sequence number, opaque ciphertext) as carried on UDP 4500.
fn esp(spi: u32, seq: u32, len: usize, seed: u32) -> Vec<u8> {
    let mut p = Vec::with_capacity(len);
    be32(&mut p, spi);
    be32(&mut p, seq);
    p.extend_from_slice(&filler(len - 8, seed));
    p
}

const HTTP_REQUEST: &str = "GET / HTTP/1.1\r\nHost: example.com\r\n\
User-Agent: residency-test/1.0\r\nAccept: */*\r\n\r\n";

fn http_response() -> Vec<u8> {
    let body = "<!doctype html>\n<html><head><title>Example Domain</title></head>\
<body><p>residency test page</p></body></html>\n";
    format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=UTF-8\r\n\
Content-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

// ---------------------------------------------------------------------------------------------
// Link layers
// ---------------------------------------------------------------------------------------------

type Mac = [u8; 6];

const ETH_IPV4: u16 = 0x0800;
const ETH_ARP: u16 = 0x0806;
const ETH_IPV6: u16 = 0x86dd;
const ETH_8021Q: u16 = 0x8100;
const ETH_8021AD: u16 = 0x88a8;

const fn mac(last: u16) -> Mac {
    let [hi, lo] = last.to_be_bytes();
    [0x02, 0x00, 0x5e, 0x10, hi, lo]
}

fn ethertype_of(ip: &[u8]) -> u16 {
    match ip.first().map(|b| b >> 4) {
        Some(4) => ETH_IPV4,
        Some(6) => ETH_IPV6,
        _ => panic!("not an IP packet"),
    }
}

/// An Ethernet II frame with optional VLAN tags `(TPID, VID)`, padded to the 60-byte minimum
/// (no FCS).
fn ethernet(dst: Mac, src: Mac, tags: &[(u16, u16)], ethertype: u16, payload: &[u8]) -> Vec<u8> {
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
struct Link {
    client: Mac,
    server: Mac,
    client_tags: Vec<(u16, u16)>,
    server_tags: Vec<(u16, u16)>,
}

impl Link {
    fn new(client: Mac, server: Mac) -> Link {
        Link {
            client,
            server,
            client_tags: Vec::new(),
            server_tags: Vec::new(),
        }
    }

    /// Frames a packet; frames the client sends carry `client_tags`, the server's
    /// `server_tags`.
    fn frame(&self, pkt: Pkt) -> Pkt {
        let (dst, src, tags) = match pkt.dir() {
            Dir::ToServer => (self.server, self.client, &self.client_tags),
            Dir::ToClient => (self.client, self.server, &self.server_tags),
        };
        pkt.wrap(|ip| ethernet(dst, src, tags, ethertype_of(ip), ip))
    }
}

fn arp_request(sender_mac: Mac, sender: Ipv4Addr, target: Ipv4Addr) -> Vec<u8> {
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

/// Linux "cooked" v1 header (LINKTYPE_LINUX_SLL, 16 bytes). The capturing host is the client.
fn sll(pkt: Pkt, client: Mac, server: Mac) -> Pkt {
    let (pkt_type, addr) = match pkt.dir() {
        Dir::ToServer => (PACKET_OUTGOING, client),
        Dir::ToClient => (PACKET_HOST, server),
    };
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
fn sll2(pkt: Pkt, client: Mac, server: Mac) -> Pkt {
    let (pkt_type, addr) = match pkt.dir() {
        Dir::ToServer => (PACKET_OUTGOING, client),
        Dir::ToClient => (PACKET_HOST, server),
    };
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
fn null_loopback(pkt: Pkt, endian: Endian) -> Pkt {
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
fn ppp(pkt: Pkt) -> Pkt {
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

// ---------------------------------------------------------------------------------------------
// Tunnels
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tunnel {
    Gre,
    ErspanII,
    ErspanIII,
    Vxlan,
    Ipv4InIpv4,
    Ipv6InIpv4,
    Ipv4InIpv6,
    Ipv6InIpv6,
}

impl Tunnel {
    const ALL: [Tunnel; 8] = [
        Tunnel::Gre,
        Tunnel::ErspanII,
        Tunnel::ErspanIII,
        Tunnel::Vxlan,
        Tunnel::Ipv4InIpv4,
        Tunnel::Ipv6InIpv4,
        Tunnel::Ipv4InIpv6,
        Tunnel::Ipv6InIpv6,
    ];

    fn inner_is_v6(self) -> bool {
        matches!(self, Tunnel::Ipv6InIpv4 | Tunnel::Ipv6InIpv6)
    }

    fn describe(self) -> &'static str {
        match self {
            Tunnel::Gre => "GRE (protocol 0x0800) over IPv4 10.9.0.1 <-> 10.9.0.2",
            Tunnel::ErspanII => {
                "ERSPAN type II (GRE 0x88BE, sequence numbers, session 7) 10.9.0.11 -> 10.9.0.12, \
                 inner Ethernet"
            }
            Tunnel::ErspanIII => {
                "ERSPAN type III (GRE 0x22EB, sequence numbers, session 8) 10.9.0.21 -> \
                 10.9.0.22, inner Ethernet"
            }
            Tunnel::Vxlan => "VXLAN VNI 42 over UDP 10.9.0.31 <-> 10.9.0.32:4789, inner Ethernet",
            Tunnel::Ipv4InIpv4 => "IPv4-in-IPv4 (protocol 4) 10.9.0.41 <-> 10.9.0.42",
            Tunnel::Ipv6InIpv4 => "IPv6-in-IPv4 (protocol 41) 10.9.0.51 <-> 10.9.0.52",
            Tunnel::Ipv4InIpv6 => "IPv4-in-IPv6 (next header 4) 2001:db8:9::61 <-> 2001:db8:9::62",
            Tunnel::Ipv6InIpv6 => "IPv6-in-IPv6 (next header 41) 2001:db8:9::71 <-> 2001:db8:9::72",
        }
    }

    /// Wraps an inner IP packet into the tunnel's outer IP packet. `seq` is the GRE sequence
    /// number (used by ERSPAN).
    fn encapsulate(self, inner: &[u8], dir: Dir, seq: u32) -> Vec<u8> {
        // ERSPAN and VXLAN carry whole Ethernet frames.
        let inner_frame = || {
            let (client, server) = (mac(0x0505), mac(0x0580));
            let (dst, src) = match dir {
                Dir::ToServer => (server, client),
                Dir::ToClient => (client, server),
            };
            ethernet(dst, src, &[], ethertype_of(inner), inner)
        };
        // Outer endpoints for a client-to-server packet; swapped for the other direction,
        // except for ERSPAN, where the mirror always sends to the collector.
        let pair = |a: &str, b: &str| -> (IpAddr, IpAddr) {
            let (a, b): (IpAddr, IpAddr) = (
                a.parse().expect("valid IP literal"),
                b.parse().expect("valid IP literal"),
            );
            match (self, dir) {
                (Tunnel::ErspanII | Tunnel::ErspanIII, _) | (_, Dir::ToServer) => (a, b),
                (_, Dir::ToClient) => (b, a),
            }
        };
        match self {
            Tunnel::Gre => {
                let mut gre = vec![0, 0];
                be16(&mut gre, ETH_IPV4);
                gre.extend_from_slice(inner);
                let (s, d) = pair("10.9.0.1", "10.9.0.2");
                ip_packet(s, d, PROTO_GRE, &gre)
            }
            Tunnel::ErspanII => {
                let mut gre = Vec::new();
                be16(&mut gre, 0x1000); // S bit: sequence number present
                be16(&mut gre, 0x88be);
                be32(&mut gre, seq);
                be32(&mut gre, (1 << 28) | 7); // version 1, VLAN 0, COS 0, En 0, T 0, session 7
                be32(&mut gre, 0); // reserved, index 0
                gre.extend_from_slice(&inner_frame());
                let (s, d) = pair("10.9.0.11", "10.9.0.12");
                ip_packet(s, d, PROTO_GRE, &gre)
            }
            Tunnel::ErspanIII => {
                let mut gre = Vec::new();
                be16(&mut gre, 0x1000);
                be16(&mut gre, 0x22eb);
                be32(&mut gre, seq);
                be32(&mut gre, (2 << 28) | 8); // version 2, VLAN 0, COS 0, BSO 0, T 0, session 8
                be32(&mut gre, 0x0001_0000 + seq * 1000); // timestamp (granularity 0: 100 µs)
                be32(&mut gre, 0); // SGT 0, P 0, FT 0 (Ethernet), HW ID 0, D 0, Gra 0, O 0
                gre.extend_from_slice(&inner_frame());
                let (s, d) = pair("10.9.0.21", "10.9.0.22");
                ip_packet(s, d, PROTO_GRE, &gre)
            }
            Tunnel::Vxlan => {
                let mut vx = vec![0x08, 0, 0, 0]; // I flag: VNI valid
                be32(&mut vx, 42 << 8);
                vx.extend_from_slice(&inner_frame());
                let (s, d) = pair("10.9.0.31", "10.9.0.32");
                let sport = match dir {
                    Dir::ToServer => 49153,
                    Dir::ToClient => 49154,
                };
                let udp = udp_segment(SocketAddr::new(s, sport), SocketAddr::new(d, 4789), &vx);
                ip_packet(s, d, PROTO_UDP, &udp)
            }
            Tunnel::Ipv4InIpv4 => {
                let (s, d) = pair("10.9.0.41", "10.9.0.42");
                ip_packet(s, d, PROTO_IPIP, inner)
            }
            Tunnel::Ipv6InIpv4 => {
                let (s, d) = pair("10.9.0.51", "10.9.0.52");
                ip_packet(s, d, PROTO_IPV6, inner)
            }
            Tunnel::Ipv4InIpv6 => {
                let (s, d) = pair("2001:db8:9::61", "2001:db8:9::62");
                ip_packet(s, d, PROTO_IPIP, inner)
            }
            Tunnel::Ipv6InIpv6 => {
                let (s, d) = pair("2001:db8:9::71", "2001:db8:9::72");
                ip_packet(s, d, PROTO_IPV6, inner)
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Records and file writers
// ---------------------------------------------------------------------------------------------

/// One packet record: where (pcapng section/interface), when, and what.
struct Rec {
    section: usize,
    iface: usize,
    ts: u64,
    pkt: Pkt,
}

/// Collects records; [`Recs::sorted`] orders them by (section, timestamp), stably.
#[derive(Default)]
struct Recs(Vec<Rec>);

impl Recs {
    fn at(&mut self, ts: u64, pkt: Pkt) {
        self.on(0, 0, ts, pkt);
    }

    fn on(&mut self, section: usize, iface: usize, ts: u64, pkt: Pkt) {
        self.0.push(Rec {
            section,
            iface,
            ts,
            pkt,
        });
    }

    fn sorted(mut self) -> Vec<Rec> {
        self.0.sort_by_key(|r| (r.section, r.ts));
        self.0
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Endian {
    Little,
    Big,
}

/// Appends integers in a fixed byte order.
struct Out {
    buf: Vec<u8>,
    endian: Endian,
}

impl Out {
    fn new(endian: Endian) -> Out {
        Out {
            buf: Vec::new(),
            endian,
        }
    }

    fn u16(&mut self, v: u16) {
        match self.endian {
            Endian::Little => self.buf.extend_from_slice(&v.to_le_bytes()),
            Endian::Big => self.buf.extend_from_slice(&v.to_be_bytes()),
        }
    }

    fn u32(&mut self, v: u32) {
        match self.endian {
            Endian::Little => self.buf.extend_from_slice(&v.to_le_bytes()),
            Endian::Big => self.buf.extend_from_slice(&v.to_be_bytes()),
        }
    }
}

const LINKTYPE_NULL: u32 = 0;
const LINKTYPE_ETHERNET: u32 = 1;
const LINKTYPE_PPP: u32 = 9;
const LINKTYPE_RAW_OPENBSD: u32 = 12;
const LINKTYPE_RAW: u32 = 101;
const LINKTYPE_LINUX_SLL: u32 = 113;
const LINKTYPE_IPV4: u32 = 228;
const LINKTYPE_IPV6: u32 = 229;
const LINKTYPE_LINUX_SLL2: u32 = 276;

const PCAP_SNAPLEN: u32 = 262_144;

/// Classic pcap file layout.
#[derive(Clone, Copy, Debug)]
struct PcapFormat {
    link: u32,
    endian: Endian,
    precision: Precision,
}

impl PcapFormat {
    fn new(link: u32) -> PcapFormat {
        PcapFormat {
            link,
            endian: Endian::Little,
            precision: Precision::Micro,
        }
    }

    fn describe(self) -> String {
        let endian = match self.endian {
            Endian::Little => "little-endian",
            Endian::Big => "big-endian",
        };
        format!(
            "pcap, link type {} ({}), {} timestamps, {endian}",
            self.link,
            link_name(self.link),
            self.precision.label()
        )
    }

    fn header(self) -> Vec<u8> {
        let mut o = Out::new(self.endian);
        o.u32(match self.precision {
            Precision::Micro => 0xa1b2_c3d4,
            Precision::Nano => 0xa1b2_3c4d,
        });
        o.u16(2);
        o.u16(4);
        o.u32(0); // thiszone
        o.u32(0); // sigfigs
        o.u32(PCAP_SNAPLEN);
        o.u32(self.link);
        o.buf
    }

    fn record_header(self, ts: u64, captured: u32, original: u32) -> Vec<u8> {
        let mut o = Out::new(self.endian);
        o.u32(u32::try_from(ts / NS_PER_S).expect("seconds fit in 32 bits"));
        o.u32(u32::try_from(self.precision.subsec_units(ts)).expect("fraction fits"));
        o.u32(captured);
        o.u32(original);
        o.buf
    }

    fn record(self, rec: &Rec) -> Vec<u8> {
        let len = len32(rec.pkt.data.len());
        let mut r = self.record_header(rec.ts, len, len);
        r.extend_from_slice(&rec.pkt.data);
        r
    }

    fn file(self, recs: &[Rec]) -> Vec<u8> {
        let mut f = self.header();
        for rec in recs {
            f.extend_from_slice(&self.record(rec));
        }
        f
    }
}

fn link_name(link: u32) -> &'static str {
    match link {
        LINKTYPE_NULL => "NULL/loopback",
        LINKTYPE_ETHERNET => "Ethernet",
        LINKTYPE_PPP => "PPP",
        LINKTYPE_RAW_OPENBSD => "raw IP, OpenBSD DLT_RAW number",
        LINKTYPE_RAW => "raw IP",
        LINKTYPE_LINUX_SLL => "Linux cooked v1",
        LINKTYPE_IPV4 => "raw IPv4",
        LINKTYPE_IPV6 => "raw IPv6",
        LINKTYPE_LINUX_SLL2 => "Linux cooked v2",
        _ => "other",
    }
}

/// One pcapng interface (Interface Description Block).
struct NgIface {
    link: u16,
    snaplen: u32,
    precision: Precision,
    name: &'static str,
}

/// Appends a pcapng option (code, length, value padded to 32 bits).
fn ng_option(out: &mut Vec<u8>, code: u16, value: &[u8]) {
    out.extend_from_slice(&code.to_le_bytes());
    out.extend_from_slice(&len16(value.len()).to_le_bytes());
    out.extend_from_slice(value);
    out.resize(out.len().next_multiple_of(4), 0);
}

fn ng_end_of_options(out: &mut Vec<u8>) {
    out.extend_from_slice(&[0, 0, 0, 0]);
}

/// A pcapng block: type, total length, body (padded), total length.
fn ng_block(block_type: u32, body: &[u8]) -> Vec<u8> {
    let padded = body.len().next_multiple_of(4);
    let total = len32(12 + padded);
    let mut b = Vec::with_capacity(12 + padded);
    b.extend_from_slice(&block_type.to_le_bytes());
    b.extend_from_slice(&total.to_le_bytes());
    b.extend_from_slice(body);
    b.resize(8 + padded, 0);
    b.extend_from_slice(&total.to_le_bytes());
    b
}

/// A little-endian pcapng file; `sections[i]` lists the interfaces of section `i`, and each
/// record names its section and interface.
fn pcapng_file(sections: &[Vec<NgIface>], recs: &[Rec]) -> Vec<u8> {
    let mut f = Vec::new();
    for (si, ifaces) in sections.iter().enumerate() {
        let mut shb = Vec::new();
        shb.extend_from_slice(&0x1A2B_3C4Du32.to_le_bytes()); // byte-order magic
        shb.extend_from_slice(&1u16.to_le_bytes());
        shb.extend_from_slice(&0u16.to_le_bytes());
        shb.extend_from_slice(&u64::MAX.to_le_bytes()); // section length: not given
        ng_option(&mut shb, 4, b"residency gen_captures"); // shb_userappl
        ng_end_of_options(&mut shb);
        f.extend_from_slice(&ng_block(0x0A0D_0D0A, &shb));

        for iface in ifaces {
            let mut idb = Vec::new();
            idb.extend_from_slice(&iface.link.to_le_bytes());
            idb.extend_from_slice(&0u16.to_le_bytes());
            idb.extend_from_slice(&iface.snaplen.to_le_bytes());
            ng_option(&mut idb, 2, iface.name.as_bytes()); // if_name
            if iface.precision == Precision::Nano {
                ng_option(&mut idb, 9, &[9]); // if_tsresol: 10^-9
            }
            ng_end_of_options(&mut idb);
            f.extend_from_slice(&ng_block(1, &idb));
        }

        for rec in recs.iter().filter(|r| r.section == si) {
            let iface = &ifaces[rec.iface];
            let units = iface.precision.units(rec.ts);
            let data = &rec.pkt.data;
            let captured = match iface.snaplen {
                0 => data.len(),
                snap => data.len().min(usize::try_from(snap).expect("snaplen fits")),
            };
            let mut epb = Vec::new();
            epb.extend_from_slice(&len32(rec.iface).to_le_bytes());
            epb.extend_from_slice(&u32::try_from(units >> 32).expect("high").to_le_bytes());
            epb.extend_from_slice(
                &u32::try_from(units & 0xffff_ffff)
                    .expect("low")
                    .to_le_bytes(),
            );
            epb.extend_from_slice(&len32(captured).to_le_bytes());
            epb.extend_from_slice(&len32(data.len()).to_le_bytes());
            epb.extend_from_slice(&data[..captured]);
            epb.resize(epb.len().next_multiple_of(4), 0);
            f.extend_from_slice(&ng_block(6, &epb));
        }
    }
    f
}

// ---------------------------------------------------------------------------------------------
// Expected flows
// ---------------------------------------------------------------------------------------------

/// One flow as `expected.json` lists it.
#[derive(Clone, Debug, Serialize)]
struct ExpectedFlow {
    transport: &'static str,
    client: String,
    server: String,
    packets_to_server: u64,
    packets_to_client: u64,
    bytes_to_server: u64,
    bytes_to_client: u64,
    first_packet: usize,
    last_packet: usize,
    first_seen: String,
    last_seen: String,
    /// Every 1-based packet number of the flow, in file order (README only).
    #[serde(skip)]
    packet_numbers: Vec<usize>,
}

/// Flows of the readable records, in order of each flow's first packet. Packet numbers are
/// positions in `recs` (1-based).
fn expected_flows(recs: &[Rec], precision: Precision) -> Vec<ExpectedFlow> {
    let mut flows: Vec<(Flow, ExpectedFlow, u64)> = Vec::new();
    for (i, rec) in recs.iter().enumerate() {
        let Some(acct) = rec.pkt.acct else { continue };
        let number = i + 1;
        let at = match flows.iter().position(|(f, _, _)| *f == acct.flow) {
            Some(at) => at,
            None => {
                flows.push((
                    acct.flow,
                    ExpectedFlow {
                        transport: acct.flow.transport.name(),
                        client: acct.flow.client.to_string(),
                        server: acct.flow.server.to_string(),
                        packets_to_server: 0,
                        packets_to_client: 0,
                        bytes_to_server: 0,
                        bytes_to_client: 0,
                        first_packet: number,
                        last_packet: number,
                        first_seen: rfc3339(rec.ts, precision),
                        last_seen: String::new(),
                        packet_numbers: Vec::new(),
                    },
                    rec.ts,
                ));
                flows.len() - 1
            }
        };
        let (_, e, last_ts) = &mut flows[at];
        match acct.dir {
            Dir::ToServer => {
                e.packets_to_server += 1;
                e.bytes_to_server += acct.ip_len;
            }
            Dir::ToClient => {
                e.packets_to_client += 1;
                e.bytes_to_client += acct.ip_len;
            }
        }
        e.last_packet = number;
        e.packet_numbers.push(number);
        *last_ts = rec.ts;
    }
    flows
        .into_iter()
        .map(|(_, mut e, last_ts)| {
            e.last_seen = rfc3339(last_ts, precision);
            e
        })
        .collect()
}

/// One generated capture and what the README says about it.
struct Capture {
    file: &'static str,
    format: String,
    about: String,
    bytes: Vec<u8>,
    /// Records a reader can read completely.
    readable: usize,
    /// Readable records that are not IP (ARP).
    non_ip: usize,
    flows: Vec<ExpectedFlow>,
}

impl Capture {
    fn new(
        file: &'static str,
        format: String,
        about: &str,
        bytes: Vec<u8>,
        readable: &[Rec],
        precision: Precision,
    ) -> Capture {
        Capture {
            file,
            format,
            about: about.to_string(),
            bytes,
            readable: readable.len(),
            non_ip: readable.iter().filter(|r| r.pkt.acct.is_none()).count(),
            flows: expected_flows(readable, precision),
        }
    }

    fn pcap(file: &'static str, format: PcapFormat, about: &str, recs: &[Rec]) -> Capture {
        Capture::new(
            file,
            format.describe(),
            about,
            format.file(recs),
            recs,
            format.precision,
        )
    }
}

// ---------------------------------------------------------------------------------------------
// The captures
// ---------------------------------------------------------------------------------------------

fn all_captures() -> Vec<Capture> {
    let mut all = vec![teams_like(), vlan()];
    all.extend(cooked());
    all.push(ipv6_pcapng());
    all.push(fragments());
    all.push(tunnels());
    all.extend(null_loopback_captures());
    all.extend([raw_ip(), raw_ipv4(), raw_ipv6(), raw12(), ppp_capture()]);
    all.push(nanoseconds());
    all.extend(damaged());
    all
}

/// teams-like.pcap: DNS, TLS over TCP, QUIC and STUN from one client, plus one ARP request.
fn teams_like() -> Capture {
    let client_mac = mac(0x0106);
    let link = Link::new(client_mac, mac(0x0101));
    let mut recs = Recs::default();

    recs.at(
        T0,
        Pkt::unattributed(arp_request(
            client_mac,
            v4("192.168.1.6"),
            v4("192.168.1.1"),
        )),
    );

    // DNS: teams.microsoft.com -> teams.office.com -> s-0005.s-msedge.net -> 52.113.194.132.
    let dns = Flow::udp("192.168.1.6:53001", "192.168.1.1:53");
    let t = T0 + ms(1);
    let query = dns_query(0x5a1e, "teams.microsoft.com", DNS_A);
    let response = Dns::new(0x5a1e, 0x8180, [1, 3, 0, 0])
        .question("teams.microsoft.com", DNS_A)
        .record(
            "teams.microsoft.com",
            DNS_CNAME,
            2845,
            Rdata::Name("teams.office.com"),
        )
        .record(
            "teams.office.com",
            DNS_CNAME,
            126,
            Rdata::Name("s-0005.s-msedge.net"),
        )
        .record(
            "s-0005.s-msedge.net",
            DNS_A,
            60,
            Rdata::A(v4("52.113.194.132")),
        )
        .bytes();
    recs.at(t, link.frame(udp(dns, Dir::ToServer, &query)));
    recs.at(
        t + us(8_200),
        link.frame(udp(dns, Dir::ToClient, &response)),
    );

    // TLS 1.3 over TCP to 52.113.194.132:443.
    let tcp = Flow::tcp("192.168.1.6:50001", "52.113.194.132:443");
    let mut c = TcpConn::new(tcp, 0x1a2b_3c4d, 0x9e8d_7c6b);
    let t = T0 + ms(10);
    let hello = tls_client_hello("teams.microsoft.com", 100);
    let (hello_a, hello_b) = hello.split_at(100);
    recs.at(t, link.frame(c.syn()));
    recs.at(t + us(11_400), link.frame(c.syn_ack()));
    recs.at(t + us(11_500), link.frame(c.ack(Dir::ToServer)));
    recs.at(
        t + us(11_700),
        link.frame(c.segment(Dir::ToServer, ACK, hello_a)),
    );
    recs.at(t + us(11_710), link.frame(c.push(Dir::ToServer, hello_b)));
    recs.at(t + us(23_000), link.frame(c.ack(Dir::ToClient)));
    let flight = tls_server_flight(100, 3 * 1400);
    for (i, chunk) in flight.chunks(1400).enumerate() {
        let flags = if i == 2 { PSH | ACK } else { ACK };
        let at = t + us(23_100 + 10 * u64::try_from(i).expect("small"));
        recs.at(at, link.frame(c.segment(Dir::ToClient, flags, chunk)));
    }
    recs.at(t + us(23_300), link.frame(c.ack(Dir::ToServer)));
    let client_data = [
        tls_change_cipher_spec(),
        tls_app_data(53, 120),
        tls_app_data(240, 121),
    ]
    .concat();
    recs.at(
        t + us(30_000),
        link.frame(c.push(Dir::ToServer, &client_data)),
    );
    recs.at(t + us(41_000), link.frame(c.ack(Dir::ToClient)));
    recs.at(t + us(50_000), link.frame(c.fin(Dir::ToServer)));
    recs.at(t + us(61_000), link.frame(c.fin(Dir::ToClient)));
    recs.at(t + us(61_100), link.frame(c.ack(Dir::ToServer)));

    // QUIC v1: RFC 9001's client Initial, answered 43 ms later by RFC 9001's server Initial.
    let quic = Flow::udp("192.168.1.6:50002", "52.114.77.33:443");
    let t = T0 + ms(25);
    let initial = hex(RFC9001_A2_CLIENT_INITIAL);
    assert_eq!(initial.len(), 1200);
    recs.at(t, link.frame(udp(quic, Dir::ToServer, &initial)));
    recs.at(
        t + ms(43),
        link.frame(udp(quic, Dir::ToClient, &hex(RFC9001_A3_SERVER_INITIAL))),
    );

    // STUN Binding to 52.112.1.10:3478; the client's public address is 203.0.113.7:50010.
    let stun = Flow::udp("192.168.1.6:50010", "52.112.1.10:3478");
    let txid = *b"\x5e\x51\xde\x0c\xa1\x10\x7e\xa5\x00\x01\x02\x03";
    let t = T0 + ms(80);
    recs.at(
        t,
        link.frame(udp(stun, Dir::ToServer, &stun_binding_request(&txid))),
    );
    recs.at(
        t + ms(20),
        link.frame(udp(
            stun,
            Dir::ToClient,
            &stun_binding_success(&txid, sock("203.0.113.7:50010")),
        )),
    );

    Capture::pcap(
        "teams-like.pcap",
        PcapFormat::new(LINKTYPE_ETHERNET),
        "Client 192.168.1.6 behind gateway 192.168.1.1. Packet 1 is an ARP request (not IP: \
         skipped, no flow). DNS query for teams.microsoft.com A and its answer 8.2 ms later \
         (CNAME teams.office.com -> CNAME s-0005.s-msedge.net -> A 52.113.194.132, TTL 60, \
         compressed names). A TCP connection to 52.113.194.132:443: SYN, SYN/ACK exactly \
         11.400 ms later, ACK, a TLS 1.3 ClientHello (SNI teams.microsoft.com, ALPN h2, \
         supported_versions) split over two segments, server ACK, three 1400-byte server \
         segments (ServerHello, ChangeCipherSpec, application data records), client data, and \
         FIN/ACK both ways. The RFC 9001 A.2 QUIC v1 client Initial (1200 bytes) to \
         52.114.77.33:443 and 43 ms later the RFC 9001 A.3 server Initial. A STUN Binding \
         Request to 52.112.1.10:3478 and 20 ms later the success response with \
         XOR-MAPPED-ADDRESS 203.0.113.7:50010.",
        &recs.sorted(),
    )
}

/// vlan.pcap: a TCP flow whose client frames carry one 802.1Q tag and whose server frames
/// carry a QinQ stack, plus one UDP packet with three tags.
fn vlan() -> Capture {
    let link = Link {
        client_tags: vec![(ETH_8021Q, 100)],
        server_tags: vec![(ETH_8021AD, 200), (ETH_8021Q, 100)],
        ..Link::new(mac(0x0202), mac(0x0280))
    };
    let mut recs = Recs::default();
    let flow = Flow::tcp("10.1.1.2:40000", "93.184.215.14:80");
    let mut c = TcpConn::new(flow, 0x0bad_f00d, 0x5eed_1234);
    let t = T0;
    recs.at(t, link.frame(c.syn()));
    recs.at(t + us(24_000), link.frame(c.syn_ack()));
    recs.at(t + us(24_100), link.frame(c.ack(Dir::ToServer)));
    recs.at(
        t + us(24_300),
        link.frame(c.push(Dir::ToServer, HTTP_REQUEST.as_bytes())),
    );
    recs.at(
        t + us(49_000),
        link.frame(c.push(Dir::ToClient, &http_response())),
    );
    recs.at(t + us(49_100), link.frame(c.ack(Dir::ToServer)));
    recs.at(t + us(50_000), link.frame(c.fin(Dir::ToServer)));
    recs.at(t + us(74_000), link.frame(c.fin(Dir::ToClient)));
    recs.at(t + us(74_100), link.frame(c.ack(Dir::ToServer)));

    let dns = Flow::udp("10.1.1.2:40001", "10.1.1.53:53");
    let triple = [(ETH_8021AD, 300), (ETH_8021Q, 200), (ETH_8021Q, 100)];
    let query = udp(dns, Dir::ToServer, &dns_query(0x0042, "example.com", DNS_A));
    recs.at(
        t + ms(100),
        query.wrap(|ip| ethernet(mac(0x0253), mac(0x0202), &triple, ETH_IPV4, ip)),
    );

    Capture::pcap(
        "vlan.pcap",
        PcapFormat::new(LINKTYPE_ETHERNET),
        "HTTP over TCP 10.1.1.2:40000 -> 93.184.215.14:80: SYN, SYN/ACK, ACK, GET / with \
         Host: example.com, 200 response, ACK, FIN/ACK both ways, final ACK. Client frames \
         carry one 802.1Q tag (0x8100, VID 100); server frames carry QinQ (0x88A8 VID 200 \
         outer, 0x8100 VID 100 inner). Packet 10 is a DNS query 10.1.1.2:40001 -> \
         10.1.1.53:53 with three tags (0x88A8 VID 300, 0x8100 VID 200, 0x8100 VID 100).",
        &recs.sorted(),
    )
}

/// The same DNS exchange and TCP handshake, as seen on a Linux "any" capture.
fn cooked_packets() -> Vec<(u64, Pkt)> {
    let dns = Flow::udp("10.0.2.15:45000", "10.0.2.3:53");
    let tcp = Flow::tcp("10.0.2.15:41000", "93.184.215.14:443");
    let mut c = TcpConn::new(tcp, 0x0102_0304, 0xa0b0_c0d0);
    vec![
        (
            T0,
            udp(dns, Dir::ToServer, &dns_query(0x1d1d, "example.org", DNS_A)),
        ),
        (
            T0 + us(3_250),
            udp(
                dns,
                Dir::ToClient,
                &dns_answer(0x1d1d, "example.org", IpAddr::V4(v4("93.184.215.14")), 300),
            ),
        ),
        (T0 + ms(5), c.syn()),
        (T0 + us(27_500), c.syn_ack()),
        (T0 + us(27_600), c.ack(Dir::ToServer)),
    ]
}

/// sll2.pcap and sll.pcap: the same five packets with the two Linux cooked headers.
fn cooked() -> Vec<Capture> {
    let (client, server) = (mac(0x0315), mac(0x0302));
    let about = "Linux cooked capture of host 10.0.2.15: DNS query for example.org A to \
                 10.0.2.3:53 and its answer (93.184.215.14), then a TCP handshake (SYN, \
                 SYN/ACK, ACK) 10.0.2.15:41000 -> 93.184.215.14:443. Outgoing packets have \
                 packet type 4 (outgoing), incoming ones 0 (to us).";
    let mut v2 = Recs::default();
    let mut v1 = Recs::default();
    for (ts, pkt) in cooked_packets() {
        v2.at(ts, sll2(pkt.clone(), client, server));
        v1.at(ts, sll(pkt, client, server));
    }
    vec![
        Capture::pcap(
            "sll2.pcap",
            PcapFormat::new(LINKTYPE_LINUX_SLL2),
            about,
            &v2.sorted(),
        ),
        Capture::pcap(
            "sll.pcap",
            PcapFormat::new(LINKTYPE_LINUX_SLL),
            about,
            &v1.sorted(),
        ),
    ]
}

/// ipv6.pcapng: two interfaces with different link types and resolutions, a snap length that
/// truncates one packet, and a second section.
fn ipv6_pcapng() -> Capture {
    let mut recs = Recs::default();

    // First section (index 0), interface 0: Ethernet, ns timestamps, IPv6 TCP.
    let link = Link::new(mac(0x0610), mac(0x0601));
    let tcp = Flow::tcp("[2001:db8:1::10]:51000", "[2603:1063:2::5]:443");
    let mut c = TcpConn::new(tcp, 0x6666_0001, 0x7777_0001);
    let t = T0 + NS_PER_S + 123;
    let hello = tls_client_hello("outlook.office365.com", 200);
    let flight = tls_server_flight(200, 900);
    let packets = [
        (0, c.syn()),
        (21_345_678, c.syn_ack()),
        (21_401_001, c.ack(Dir::ToServer)),
        (21_402_002, c.push(Dir::ToServer, &hello)),
        (43_210_987, c.push(Dir::ToClient, &flight)),
        (43_300_004, c.ack(Dir::ToServer)),
        (50_000_005, c.fin(Dir::ToServer)),
        (71_000_006, c.fin(Dir::ToClient)),
        (71_100_007, c.ack(Dir::ToServer)),
    ];
    for (offset_ns, pkt) in packets {
        recs.on(0, 0, t + offset_ns, link.frame(pkt));
    }

    // First section, interface 1: raw IP, µs timestamps, snap length 128.
    let mdns = Flow::udp("10.0.0.5:5353", "10.0.0.255:5353");
    let mdns_query = Dns::new(0, 0, [1, 0, 0, 0])
        .question("_services._dns-sd._udp.local", DNS_PTR)
        .bytes();
    recs.on(
        0,
        1,
        T0 + NS_PER_S + us(500_000),
        udp(mdns, Dir::ToServer, &mdns_query),
    );
    let dns = Flow::udp("[fd00::1]:40000", "[2001:4860:4860::8888]:53");
    let t = T0 + 2 * NS_PER_S;
    recs.on(
        0,
        1,
        t,
        udp(
            dns,
            Dir::ToServer,
            &dns_query(0x6e6e, "www.google.com", DNS_AAAA),
        ),
    );
    let answer = Dns::new(0x6e6e, 0x8180, [1, 3, 0, 0])
        .question("www.google.com", DNS_AAAA)
        .record(
            "www.google.com",
            DNS_AAAA,
            300,
            Rdata::Aaaa(v6("2a00:1450:4001:80b::2004")),
        )
        .record(
            "www.google.com",
            DNS_AAAA,
            300,
            Rdata::Aaaa(v6("2a00:1450:4001:80e::2004")),
        )
        .record(
            "www.google.com",
            DNS_AAAA,
            300,
            Rdata::Aaaa(v6("2a00:1450:4001:827::2004")),
        )
        .bytes();
    let response = udp(dns, Dir::ToClient, &answer);
    assert!(response.data.len() > 128, "the response must be truncated");
    recs.on(0, 1, t + us(12_345), response);

    // Second section (index 1), interface 0: Ethernet, µs timestamps, one NTP request.
    let ntp_flow = Flow::udp("10.0.0.5:40123", "10.0.0.1:123");
    let ntp_link = Link::new(mac(0x0005), mac(0x0001));
    let t = T0 + 5 * NS_PER_S;
    recs.on(
        1,
        0,
        t,
        ntp_link.frame(udp(ntp_flow, Dir::ToServer, &ntp(3, t / NS_PER_S))),
    );

    let sections = vec![
        vec![
            NgIface {
                link: 1,
                snaplen: 0,
                precision: Precision::Nano,
                name: "eth0",
            },
            NgIface {
                link: 101,
                snaplen: 128,
                precision: Precision::Micro,
                name: "tun0",
            },
        ],
        vec![NgIface {
            link: 1,
            snaplen: 0,
            precision: Precision::Micro,
            name: "eth1",
        }],
    ];
    let recs = recs.sorted();
    Capture::new(
        "ipv6.pcapng",
        "pcapng, little-endian, two sections. Section 1: interface 0 Ethernet (link type 1, \
         if_tsresol 9 = ns, no snap length), interface 1 raw IP (link type 101, default µs, \
         snap length 128). Section 2: interface 0 Ethernet (µs). Timestamps below are given \
         with 9 digits (the file's finest resolution)"
            .to_string(),
        "Section 1, interface 0: IPv6 TCP \
         [2001:db8:1::10]:51000 -> [2603:1063:2::5]:443 with handshake, a TLS ClientHello, a \
         900-byte server flight, ACK and FIN/ACK both ways, timestamps with non-zero ns digits. \
         Interface 1: an mDNS query 10.0.0.5:5353 -> 10.0.0.255:5353 (one packet, one \
         direction), and a DNS AAAA query [fd00::1]:40000 -> [2001:4860:4860::8888]:53 whose \
         164-byte answer is stored truncated (captured 128 bytes, original 164; the IPv6 \
         payload length field still says 124). Section 2 (new SHB and IDB): one NTP request \
         10.0.0.5:40123 -> 10.0.0.1:123.",
        pcapng_file(&sections, &recs),
        &recs,
        Precision::Nano,
    )
}

/// fragments.pcap: an IPv4 UDP datagram in three fragments, the second written first, a reply,
/// and an IPv6 UDP datagram in two fragments.
fn fragments() -> Capture {
    let link = Link::new(mac(0x0505), mac(0x0520));
    let mut recs = Recs::default();
    let flow = Flow::udp("10.0.0.5:40001", "198.51.100.20:4500");
    let frags = ipv4_fragments(
        flow,
        Dir::ToServer,
        &esp(0x0102_0304, 1, 3000, 501),
        0x1234,
        1480,
    );
    assert_eq!(frags.len(), 3);
    for (i, k) in [1, 0, 2].into_iter().enumerate() {
        let at = T0 + us(10 * u64::try_from(i).expect("small"));
        recs.at(at, link.frame(frags[k].clone()));
    }
    recs.at(
        T0 + ms(30),
        link.frame(udp(flow, Dir::ToClient, &esp(0x0a0b_0c0d, 1, 100, 502))),
    );

    let flow6 = Flow::udp("[2001:db8:10::5]:40002", "[2001:db8:20::20]:4500");
    let frags6 = ipv6_fragments(
        flow6,
        Dir::ToServer,
        &esp(0x0506_0708, 1, 2000, 503),
        0x00ab_cdef,
        1448,
    );
    assert_eq!(frags6.len(), 2);
    for (i, frag) in frags6.into_iter().enumerate() {
        let at = T0 + ms(50) + us(10 * u64::try_from(i).expect("small"));
        recs.at(at, link.frame(frag));
    }

    Capture::pcap(
        "fragments.pcap",
        PcapFormat::new(LINKTYPE_ETHERNET),
        "A 3000-byte UDP payload (ESP-in-UDP look) 10.0.0.5:40001 -> 198.51.100.20:4500 in three \
         IPv4 fragments, IP id 0x1234: offset 1480 (written first, packet 1), offset 0 with \
         the UDP header (packet 2), offset 2960, last (packet 3); IP lengths 1500, 1500, 68. \
         Then an unfragmented 100-byte reply 198.51.100.20:4500 -> 10.0.0.5:40001. Then a \
         2000-byte UDP payload [2001:db8:10::5]:40002 -> [2001:db8:20::20]:4500 in two IPv6 \
         fragments (Fragment header, id 0x00abcdef), in order. Every fragment counts towards \
         its flow's packets and bytes; the flow's first packet is packet 1 (the non-first \
         fragment that arrived before the fragment with the ports).",
        &recs.sorted(),
    )
}

/// tunnels.pcap: a TCP SYN and SYN/ACK inside each of eight encapsulations.
fn tunnels() -> Capture {
    let outer = Link::new(mac(0x0901), mac(0x0902));
    let mut recs = Recs::default();
    for (i, tunnel) in Tunnel::ALL.into_iter().enumerate() {
        let i = u64::try_from(i).expect("small");
        let port = 33330 + i;
        let flow = if tunnel.inner_is_v6() {
            Flow::tcp(
                &format!("[2001:db8:172:16::5]:{port}"),
                "[2001:db8:203:113::80]:443",
            )
        } else {
            Flow::tcp(&format!("172.16.5.5:{port}"), "203.0.113.80:443")
        };
        let isn = 0x3333_0000 + u32::try_from(port).expect("port fits");
        let mut c = TcpConn::new(flow, isn, 0x4444_0000);
        let t = T0 + ms(100 * i);
        let seq = 1 + 2 * u32::try_from(i).expect("small");
        for (at, inner, seq) in [(t, c.syn(), seq), (t + ms(3), c.syn_ack(), seq + 1)] {
            let dir = inner.dir();
            let pkt = inner.wrap(|ip| tunnel.encapsulate(ip, dir, seq));
            recs.at(at, outer.frame(pkt));
        }
    }
    let mut about = String::from(
        "Each tunnel carries a TCP SYN (client -> server) and SYN/ACK of its own inner flow; \
         only the innermost IP/TCP headers define flows and bytes, the outer headers make no \
         flow. Inner IPv4 flows are 172.16.5.5:PORT -> 203.0.113.80:443, inner IPv6 flows \
         [2001:db8:172:16::5]:PORT -> [2001:db8:203:113::80]:443. Outer Ethernet \
         02:00:5e:10:09:01 / 02:00:5e:10:09:02.",
    );
    for (i, tunnel) in Tunnel::ALL.into_iter().enumerate() {
        about.push_str(&format!(
            "\n- inner client port {}: {}",
            33330 + i,
            tunnel.describe()
        ));
    }
    Capture::pcap(
        "tunnels.pcap",
        PcapFormat::new(LINKTYPE_ETHERNET),
        &about,
        &recs.sorted(),
    )
}

/// null-le.pcap and null-be.pcap: BSD loopback (LINKTYPE_NULL) in both byte orders.
fn null_loopback_captures() -> Vec<Capture> {
    let mut out = Vec::new();
    for (file, endian) in [
        ("null-le.pcap", Endian::Little),
        ("null-be.pcap", Endian::Big),
    ] {
        let dns4 = Flow::udp("127.0.0.1:50100", "127.0.0.1:53");
        let dns6 = Flow::udp("[::1]:50101", "[::1]:53");
        let answer4 = dns_answer(0x0100, "localhost", IpAddr::V4(v4("127.0.0.1")), 0);
        let answer6 = dns_answer(0x0101, "localhost", IpAddr::V6(v6("::1")), 0);
        let mut recs = Recs::default();
        let pkts = [
            (
                T0,
                udp(dns4, Dir::ToServer, &dns_query(0x0100, "localhost", DNS_A)),
            ),
            (T0 + us(120), udp(dns4, Dir::ToClient, &answer4)),
            (
                T0 + ms(1),
                udp(
                    dns6,
                    Dir::ToServer,
                    &dns_query(0x0101, "localhost", DNS_AAAA),
                ),
            ),
            (T0 + ms(1) + us(95), udp(dns6, Dir::ToClient, &answer6)),
        ];
        for (ts, pkt) in pkts {
            recs.at(ts, null_loopback(pkt, endian));
        }
        let format = PcapFormat {
            endian,
            ..PcapFormat::new(LINKTYPE_NULL)
        };
        out.push(Capture::pcap(
            file,
            format,
            "Loopback DNS: 127.0.0.1:50100 -> 127.0.0.1:53 (family 2 = AF_INET) and \
             [::1]:50101 -> [::1]:53 (family 30 = AF_INET6 as macOS numbers it), one query and \
             one answer each. The family word is in the file's byte order.",
            &recs.sorted(),
        ));
    }
    out
}

/// raw.pcap: LINKTYPE_RAW with both IP versions.
fn raw_ip() -> Capture {
    let dns = Flow::udp("10.8.0.2:50200", "10.8.0.1:53");
    let tcp6 = Flow::tcp("[2001:db8:8::2]:50201", "[2001:db8:8::1]:443");
    let mut c = TcpConn::new(tcp6, 0x0000_1000, 0x0000_2000);
    let mut recs = Recs::default();
    recs.at(
        T0,
        udp(dns, Dir::ToServer, &dns_query(0x0200, "vpn.example", DNS_A)),
    );
    recs.at(
        T0 + us(900),
        udp(
            dns,
            Dir::ToClient,
            &dns_answer(0x0200, "vpn.example", IpAddr::V4(v4("10.8.0.1")), 60),
        ),
    );
    recs.at(T0 + ms(2), c.syn());
    recs.at(T0 + ms(3), c.syn_ack());
    recs.at(T0 + us(3_100), c.ack(Dir::ToServer));
    Capture::pcap(
        "raw.pcap",
        PcapFormat::new(LINKTYPE_RAW),
        "Raw IP (no link header; version from the first nibble): DNS 10.8.0.2:50200 -> \
         10.8.0.1:53 query and answer (IPv4), and a TCP handshake [2001:db8:8::2]:50201 -> \
         [2001:db8:8::1]:443 (IPv6).",
        &recs.sorted(),
    )
}

/// raw-ipv4.pcap: LINKTYPE_IPV4.
fn raw_ipv4() -> Capture {
    let tcp = Flow::tcp("10.8.0.2:50300", "93.184.215.14:80");
    let mut c = TcpConn::new(tcp, 0x0000_3000, 0x0000_4000);
    let mut recs = Recs::default();
    recs.at(T0, c.syn());
    recs.at(T0 + us(25_000), c.syn_ack());
    recs.at(T0 + us(25_100), c.ack(Dir::ToServer));
    Capture::pcap(
        "raw-ipv4.pcap",
        PcapFormat::new(LINKTYPE_IPV4),
        "Raw IPv4 link type: a TCP handshake 10.8.0.2:50300 -> 93.184.215.14:80.",
        &recs.sorted(),
    )
}

/// raw-ipv6.pcap: LINKTYPE_IPV6.
fn raw_ipv6() -> Capture {
    let dns = Flow::udp("[2001:db8:8::2]:50400", "[2001:4860:4860::8888]:53");
    let mut recs = Recs::default();
    recs.at(
        T0,
        udp(
            dns,
            Dir::ToServer,
            &dns_query(0x0400, "example.net", DNS_AAAA),
        ),
    );
    recs.at(
        T0 + us(14_000),
        udp(
            dns,
            Dir::ToClient,
            &dns_answer(
                0x0400,
                "example.net",
                IpAddr::V6(v6("2600:1406:bc00:53::b81e:94ce")),
                300,
            ),
        ),
    );
    Capture::pcap(
        "raw-ipv6.pcap",
        PcapFormat::new(LINKTYPE_IPV6),
        "Raw IPv6 link type: a DNS AAAA query [2001:db8:8::2]:50400 -> \
         [2001:4860:4860::8888]:53 and its answer.",
        &recs.sorted(),
    )
}

/// raw12.pcap: link type 12 (DLT_RAW as OpenBSD numbers it), both IP versions.
fn raw12() -> Capture {
    let dns4 = Flow::udp("10.8.0.2:50500", "10.8.0.1:53");
    let dns6 = Flow::udp("[2001:db8:8::2]:50501", "[2001:db8:8::1]:53");
    let mut recs = Recs::default();
    recs.at(
        T0,
        udp(
            dns4,
            Dir::ToServer,
            &dns_query(0x0500, "raw12.example", DNS_A),
        ),
    );
    recs.at(
        T0 + us(700),
        udp(
            dns4,
            Dir::ToClient,
            &dns_answer(0x0500, "raw12.example", IpAddr::V4(v4("192.0.2.12")), 60),
        ),
    );
    recs.at(
        T0 + ms(1),
        udp(
            dns6,
            Dir::ToServer,
            &dns_query(0x0501, "raw12.example", DNS_AAAA),
        ),
    );
    recs.at(
        T0 + us(1_650),
        udp(
            dns6,
            Dir::ToClient,
            &dns_answer(0x0501, "raw12.example", IpAddr::V6(v6("2001:db8::12")), 60),
        ),
    );
    Capture::pcap(
        "raw12.pcap",
        PcapFormat::new(LINKTYPE_RAW_OPENBSD),
        "Link type 12 (raw IP): DNS 10.8.0.2:50500 -> 10.8.0.1:53 over IPv4 and \
         [2001:db8:8::2]:50501 -> [2001:db8:8::1]:53 over IPv6, query and answer each.",
        &recs.sorted(),
    )
}

/// ppp.pcap: PPP in HDLC-like framing, IPv4 and IPv6.
fn ppp_capture() -> Capture {
    let tcp = Flow::tcp("10.64.0.2:50600", "93.184.215.14:443");
    let dns6 = Flow::udp("[2001:db8:64::2]:50601", "[2001:4860:4860::8888]:53");
    let mut c = TcpConn::new(tcp, 0x0000_5000, 0x0000_6000);
    let mut recs = Recs::default();
    recs.at(T0, ppp(c.syn()));
    recs.at(T0 + us(40_000), ppp(c.syn_ack()));
    recs.at(
        T0 + ms(50),
        ppp(udp(
            dns6,
            Dir::ToServer,
            &dns_query(0x0601, "example.com", DNS_AAAA),
        )),
    );
    recs.at(
        T0 + us(71_000),
        ppp(udp(
            dns6,
            Dir::ToClient,
            &dns_answer(
                0x0601,
                "example.com",
                IpAddr::V6(v6("2600:1406:3a00:21::173e:2e65")),
                300,
            ),
        )),
    );
    Capture::pcap(
        "ppp.pcap",
        PcapFormat::new(LINKTYPE_PPP),
        "PPP (address 0xff, control 0x03; protocol 0x0021 IPv4, 0x0057 IPv6): TCP SYN and \
         SYN/ACK 10.64.0.2:50600 -> 93.184.215.14:443, then a DNS AAAA query \
         [2001:db8:64::2]:50601 -> [2001:4860:4860::8888]:53 and its answer.",
        &recs.sorted(),
    )
}

/// ns.pcap: a big-endian nanosecond pcap with NTP packets.
fn nanoseconds() -> Capture {
    let link = Link::new(mac(0x0805), mac(0x0801));
    let flow = Flow::udp("10.0.0.5:40123", "10.0.0.1:123");
    let mut recs = Recs::default();
    let t1 = T0 + 123_456_789;
    let t2 = t1 + 17_654_321;
    let t3 = T0 + 64 * NS_PER_S + 5;
    let t4 = t3 + 16_999_999;
    for (ts, mode, dir) in [
        (t1, 3, Dir::ToServer),
        (t2, 4, Dir::ToClient),
        (t3, 3, Dir::ToServer),
        (t4, 4, Dir::ToClient),
    ] {
        recs.at(ts, link.frame(udp(flow, dir, &ntp(mode, ts / NS_PER_S))));
    }
    let format = PcapFormat {
        endian: Endian::Big,
        precision: Precision::Nano,
        ..PcapFormat::new(LINKTYPE_ETHERNET)
    };
    Capture::pcap(
        "ns.pcap",
        format,
        "Nanosecond pcap (magic 0xa1b23c4d) written big-endian: two NTP request/response \
         pairs 10.0.0.5:40123 <-> 10.0.0.1:123 at 09:00:00.123456789, 09:00:00.141111110, \
         09:01:04.000000005 and 09:01:04.017000004.",
        &recs.sorted(),
    )
}

/// The ten-packet DNS series that truncated.pcap and corrupt.pcap are cut from.
fn damaged_source() -> Vec<Rec> {
    let link = Link::new(mac(0x0a05), mac(0x0a01));
    let flow = Flow::udp("10.0.0.5:40700", "10.0.0.1:53");
    let mut recs = Recs::default();
    let names = ["one", "two", "three", "four", "five"];
    for (i, name) in (0u8..).zip(names) {
        let id = 0x7000 + u16::from(i);
        let name = format!("{name}.example.com");
        let t = T0 + ms(100 * u64::from(i));
        let addr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1 + i));
        let answer = dns_answer(id, &name, addr, 60);
        recs.at(
            t,
            link.frame(udp(flow, Dir::ToServer, &dns_query(id, &name, DNS_A))),
        );
        recs.at(t + us(2_500), link.frame(udp(flow, Dir::ToClient, &answer)));
    }
    recs.sorted()
}

/// truncated.pcap (ends inside packet 8's data) and corrupt.pcap (5 good records, then a
/// record header claiming 0x7fffffff captured bytes).
fn damaged() -> Vec<Capture> {
    let format = PcapFormat::new(LINKTYPE_ETHERNET);
    let recs = damaged_source();
    assert_eq!(recs.len(), 10);

    let mut truncated = format.header();
    for rec in &recs[..7] {
        truncated.extend_from_slice(&format.record(rec));
    }
    let eighth = format.record(&recs[7]);
    truncated.extend_from_slice(&eighth[..16 + (eighth.len() - 16) / 2]);

    let mut corrupt = format.header();
    for rec in &recs[..5] {
        corrupt.extend_from_slice(&format.record(rec));
    }
    let sixth = &recs[5];
    let sixth_len = sixth.pkt.data.len();
    corrupt.extend_from_slice(&format.record_header(sixth.ts, 0x7fff_ffff, len32(sixth_len)));
    corrupt.extend_from_slice(&sixth.pkt.data);

    vec![
        Capture::new(
            "truncated.pcap",
            format.describe(),
            "Cut from a valid 10-packet capture (five DNS queries from 10.0.0.5:40700 to \
             10.0.0.1:53, each answered 2.5 ms later): the file ends in the middle of the 8th \
             record's packet data. A reader yields packets 1-7 and reports the file as \
             truncated at the 8th record; the flows below count those 7 packets.",
            truncated,
            &recs[..7],
            format.precision,
        ),
        Capture::new(
            "corrupt.pcap",
            format.describe(),
            &format!(
                "The first 5 records of the same DNS series, then a record header whose \
                 captured length is 0x7fffffff (original length {sixth_len}), followed by the \
                 {sixth_len} bytes of the 6th packet. A reader yields packets 1-5 and reports the \
                 6th record as corrupt; the flows below count those 5 packets."
            ),
            corrupt,
            &recs[..5],
            format.precision,
        ),
    ]
}

// ---------------------------------------------------------------------------------------------
// expected.json and README.md
// ---------------------------------------------------------------------------------------------

fn expected_json(captures: &[Capture]) -> Vec<u8> {
    let map: BTreeMap<&str, &Vec<ExpectedFlow>> =
        captures.iter().map(|c| (c.file, &c.flows)).collect();
    let mut json = serde_json::to_string_pretty(&map).expect("serialising expected flows");
    json.push('\n');
    json.into_bytes()
}

/// "1-3, 5, 7-9".
fn ranges(numbers: &[usize]) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut i = 0;
    while i < numbers.len() {
        let start = numbers[i];
        let mut end = start;
        while i + 1 < numbers.len() && numbers[i + 1] == end + 1 {
            i += 1;
            end = numbers[i];
        }
        parts.push(if start == end {
            start.to_string()
        } else {
            format!("{start}-{end}")
        });
        i += 1;
    }
    parts.join(", ")
}

fn readme(captures: &[Capture]) -> String {
    let mut s = String::from(README_INTRO);
    s.push_str("\n| file | bytes | readable packets | flows |\n|---|---:|---:|---:|\n");
    for c in captures {
        s.push_str(&format!(
            "| `{}` | {} | {} | {} |\n",
            c.file,
            c.bytes.len(),
            c.readable,
            c.flows.len()
        ));
    }
    s.push_str(&format!(
        "| `not-a-capture.txt` | {} | - | - |\n",
        NOT_A_CAPTURE.len()
    ));
    for c in captures {
        s.push_str(&format!("\n## {}\n\n", c.file));
        s.push_str(&format!("Format: {}.\n\n", c.format));
        s.push_str(&c.about);
        s.push_str("\n\n");
        s.push_str(&format!(
            "Readable packets: {}; not IP (skipped, no flow): {}.\n\n",
            c.readable, c.non_ip
        ));
        s.push_str(
            "| transport | client | server | packets c→s | packets s→c | bytes c→s | \
             bytes s→c | first seen | last seen | packet numbers |\n\
             |---|---|---|---:|---:|---:|---:|---|---|---|\n",
        );
        for f in &c.flows {
            s.push_str(&format!(
                "| {} | `{}` | `{}` | {} | {} | {} | {} | {} | {} | {} |\n",
                f.transport,
                f.client,
                f.server,
                f.packets_to_server,
                f.packets_to_client,
                f.bytes_to_server,
                f.bytes_to_client,
                f.first_seen,
                f.last_seen,
                ranges(&f.packet_numbers)
            ));
        }
    }
    s.push_str(&format!(
        "\n## not-a-capture.txt\n\n{README_NOT_A_CAPTURE}\n"
    ));
    s
}

const README_INTRO: &str = "# Test captures

Generated by `cargo run --example gen_captures -- captures/` from `examples/gen_captures.rs`;
do not edit by hand. The generator uses fixed addresses, fixed timestamps (around
2026-03-02T09:00:00Z) and fixed-seed filler bytes, so it always writes the same bytes;
`tests/captures_generated.rs` fails if a file here differs from what it produces now. This
README and `expected.json` are written by the same run, from the packets as they were built.

Conventions for the expected values (here and in `expected.json`):

* A flow is a transport 5-tuple in both directions. The client is the side that sent the TCP
  SYN; for UDP it is the side with the ephemeral port (the first sender where both ports are
  equal, as with mDNS 5353 -> 5353).
* `bytes` = IP length as sent: the IPv4 total-length field, or 40 + the IPv6 payload-length
  field, of the innermost IP header (tunnels). It is not the frame length (Ethernet frames
  under 60 bytes are padded) nor the captured length (one pcapng packet is truncated).
* Every IP fragment counts as one packet of its datagram's flow, with its own IP length.
* Packet numbers are 1-based positions in the file (across pcapng sections); `first_packet`
  is the first packet attributed to the flow, which for `fragments.pcap` is a non-first
  fragment that precedes the fragment carrying the ports.
* Timestamps are RFC 3339 UTC with the capture's precision: 6 digits for µs files, 9 for ns
  files (`ns.pcap`, and `ipv6.pcapng`, whose finest interface resolution is ns).
* Non-IP frames (ARP) belong to no flow.

`expected.json` maps each capture file to its flows, in order of first packet:
`transport`, `client`/`server` (`ip:port`, IPv6 as `[addr]:port`), `packets_to_server`,
`packets_to_client`, `bytes_to_server`, `bytes_to_client`, `first_packet`, `last_packet`,
`first_seen`, `last_seen`. The tables below also list every packet number of each flow.
";

const README_NOT_A_CAPTURE: &str = "A short plain-text file: an analyser must reject it with a \
clear \"not a pcap/pcapng file\" error and report no flows.";
