//! The inputs of the per-stage benchmarks, cut once from real captures: every frame of every
//! capture in `captures/` (and `../shared/captures/` where present), and from them what each
//! stage is handed in the pipeline (packet metadata, DNS payloads, TCP stream prefixes, QUIC
//! client datagrams, remote addresses).

use residency::decode::{self, Decoded, TcpFlags, Transport};
use residency::flow::{PacketMeta, PacketRef};
use residency::names::quic::{QuicConnection, QuicEvent, long_header_ids};
use residency::names::stream::{CLIENT_PREFIX_LIMIT, SERVER_PREFIX_LIMIT, StreamPrefix};
use residency::names::tls::opens_client_hello;
use residency::source::{Capture, LinkType};
use residency::timestamp::Timestamp;
use std::collections::{BTreeSet, HashMap};
use std::net::IpAddr;
use std::path::{Path, PathBuf};

/// The shared corpus, used where present (never required): `RESIDENCY_SHARED_CAPTURES`
/// overrides the path (a worktree elsewhere than beside `../shared`).
const SHARED: &str = "../shared/captures";

/// A decoded packet, its time and where it came from: what `analyze::count` takes.
pub type Packet<'a> = (Decoded<'a>, Timestamp, PacketRef);

/// One captured frame, owned.
pub struct Frame {
    pub link: LinkType,
    pub data: Vec<u8>,
    /// Bytes the capture cut off (wire length less captured length).
    pub missing: u32,
    pub ts: Timestamp,
    pub number: u64,
}

/// One capture file's frames.
pub struct Source {
    pub path: PathBuf,
    pub frames: Vec<Frame>,
}

pub struct Corpus {
    /// The directories read, for the printout.
    pub dirs: Vec<PathBuf>,
    pub sources: Vec<Source>,
}

impl Corpus {
    /// Every `.pcap`/`.pcapng` file of the capture directories, in name order; files that do
    /// not open as captures are left out (named on stderr), damaged ones give what they hold.
    pub fn load() -> Corpus {
        let shared = std::env::var_os("RESIDENCY_SHARED_CAPTURES")
            .map_or_else(|| PathBuf::from(SHARED), PathBuf::from);
        let mut dirs = vec![PathBuf::from("captures")];
        if shared.is_dir() {
            dirs.push(shared);
        }
        let mut sources = Vec::new();
        for dir in &dirs {
            let Ok(entries) = std::fs::read_dir(dir) else {
                continue;
            };
            let mut paths: Vec<PathBuf> = entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|e| e == "pcap" || e == "pcapng"))
                .collect();
            paths.sort();
            for path in paths {
                match read(&path) {
                    Some(frames) => sources.push(Source { path, frames }),
                    None => eprintln!("stages: {} is not a capture, left out", path.display()),
                }
            }
        }
        Corpus { dirs, sources }
    }

    pub fn frames(&self) -> impl Iterator<Item = &Frame> {
        self.sources.iter().flat_map(|s| s.frames.iter())
    }

    pub fn frame_count(&self) -> u64 {
        self.frames().count() as u64
    }

    pub fn frame_bytes(&self) -> u64 {
        self.frames().map(|f| f.data.len() as u64).sum()
    }

    /// Each capture's decoded packets, in capture order (frames that do not decode are left
    /// out), with where each came from.
    pub fn decoded(&self) -> Vec<Vec<Packet<'_>>> {
        self.sources
            .iter()
            .map(|s| {
                s.frames
                    .iter()
                    .filter_map(|f| {
                        let d = decode::decode(f.link, &f.data, f.missing).ok()?;
                        let at = PacketRef {
                            input: 0,
                            number: f.number,
                        };
                        Some((d, f.ts, at))
                    })
                    .collect()
            })
            .collect()
    }
}

fn read(path: &Path) -> Option<Vec<Frame>> {
    let bytes = std::fs::read(path).ok()?;
    let mut capture = Capture::new(&bytes[..]).ok()?;
    let mut frames = Vec::new();
    while let Some(p) = capture.next_packet() {
        frames.push(Frame {
            link: p.link_type,
            data: p.data.to_vec(),
            missing: p.wire_len.saturating_sub(p.data.len() as u32),
            ts: p.ts,
            number: p.number,
        });
    }
    Some(frames)
}

/// What the flow table is handed for a decoded packet (as `analyze::count` builds it).
pub fn meta(d: &Decoded<'_>, ts: Timestamp, at: PacketRef) -> PacketMeta {
    residency::analyze::packet_meta(d, ts, at)
}

/// One direction of a transport conversation within one capture.
type Direction = (usize, IpAddr, u16, IpAddr, u16);

/// The payloads the names stage parses, cut from the decoded packets.
#[derive(Default)]
pub struct Payloads {
    /// UDP payloads to or from port 53.
    pub dns_udp: Vec<Vec<u8>>,
    /// TCP port-53 stream prefixes (length-prefixed messages).
    pub dns_tcp: Vec<Vec<u8>>,
    /// Client → server stream prefixes that open with a ClientHello (at most
    /// `CLIENT_PREFIX_LIMIT` bytes).
    pub tls_client: Vec<Vec<u8>>,
    /// The reverse directions of those (ServerHello, and in TLS 1.2 the Certificate; at most
    /// `SERVER_PREFIX_LIMIT` bytes).
    pub tls_server: Vec<Vec<u8>>,
    /// Client datagrams of UDP conversations that open with a QUIC long-header Initial, up to
    /// the one that completed the ClientHello (or failed), for connections where the QUIC
    /// reader did something (decrypted, or failed to).
    pub quic: Vec<Vec<Vec<u8>>>,
    /// What the QUIC reader made of them: ClientHello, Google CHLO, failed, still partial.
    pub quic_outcomes: [usize; 4],
    /// Distinct public-looking addresses seen (sorted).
    pub addresses: Vec<IpAddr>,
}

impl Payloads {
    pub fn cut(decoded: &[Vec<Packet<'_>>]) -> Payloads {
        let mut out = Payloads::default();
        // Ordered maps of directions, in order of first appearance (deterministic).
        let mut tcp: HashMap<Direction, usize> = HashMap::new();
        let mut streams: Vec<(Direction, StreamPrefix)> = Vec::new();
        let mut udp: HashMap<Direction, usize> = HashMap::new();
        let mut datagrams: Vec<Vec<Vec<u8>>> = Vec::new();
        let mut addresses = BTreeSet::new();
        for (capture, packets) in decoded.iter().enumerate() {
            for (d, _, _) in packets {
                for ip in [d.src, d.dst] {
                    if is_public(ip) {
                        addresses.insert(ip);
                    }
                }
                match d.transport {
                    Transport::Udp {
                        src_port,
                        dst_port,
                        payload,
                    } => {
                        if src_port == 53 || dst_port == 53 {
                            out.dns_udp.push(payload.to_vec());
                        }
                        let key = (capture, d.src, src_port, d.dst, dst_port);
                        let at = *udp.entry(key).or_insert_with(|| {
                            datagrams.push(Vec::new());
                            datagrams.len() - 1
                        });
                        datagrams[at].push(payload.to_vec());
                    }
                    Transport::Tcp {
                        src_port,
                        dst_port,
                        seq,
                        flags,
                        payload,
                        ..
                    } => {
                        let key = (capture, d.src, src_port, d.dst, dst_port);
                        let at = *tcp.entry(key).or_insert_with(|| {
                            streams.push((key, StreamPrefix::new(SERVER_PREFIX_LIMIT)));
                            streams.len() - 1
                        });
                        streams[at]
                            .1
                            .segment(seq, flags.has(TcpFlags::SYN), payload);
                    }
                    _ => {}
                }
            }
        }
        out.addresses = addresses.into_iter().collect();
        for ((_, _, src_port, _, dst_port), s) in &streams {
            if (*src_port == 53 || *dst_port == 53) && !s.contiguous().is_empty() {
                out.dns_tcp.push(s.contiguous().to_vec());
            }
        }
        for ((capture, src, sport, dst, dport), s) in &streams {
            if opens_client_hello(s.contiguous()) != Some(true) {
                continue;
            }
            let bytes = s.contiguous();
            out.tls_client
                .push(bytes[..bytes.len().min(CLIENT_PREFIX_LIMIT)].to_vec());
            if let Some(&back) = tcp.get(&(*capture, *dst, *dport, *src, *sport))
                && !streams[back].1.contiguous().is_empty()
            {
                out.tls_server.push(streams[back].1.contiguous().to_vec());
            }
        }
        for flight in datagrams {
            out.quic_client(flight);
        }
        out
    }

    /// Keep a UDP direction's datagrams if it opens with a QUIC client Initial the reader
    /// takes up, up to the datagram that ended its work.
    fn quic_client(&mut self, flight: Vec<Vec<u8>>) {
        let opens = flight
            .first()
            .and_then(|d| long_header_ids(d))
            .is_some_and(|ids| ids.initial);
        if !opens {
            return;
        }
        let mut connection = QuicConnection::new();
        let mut kept = Vec::new();
        let mut outcome = None;
        let mut read_any = false;
        for datagram in flight {
            let event = connection.datagram(&datagram);
            kept.push(datagram);
            read_any |= event != QuicEvent::Ignored;
            outcome = match event {
                QuicEvent::ClientHello(_) => Some(0),
                QuicEvent::GoogleChlo { .. } => Some(1),
                QuicEvent::Failed(_) => Some(2),
                QuicEvent::Ignored | QuicEvent::Partial => None,
            };
            if outcome.is_some() {
                break;
            }
        }
        if read_any {
            self.quic_outcomes[outcome.unwrap_or(3)] += 1;
            self.quic.push(kept);
        }
    }
}

/// Not private, loopback, link-local, multicast or unspecified: an address the pipeline
/// would place.
fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            !(v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_multicast()
                || v4.is_broadcast()
                || v4.is_unspecified())
        }
        IpAddr::V6(v6) => {
            !(v6.is_loopback()
                || v6.is_multicast()
                || v6.is_unspecified()
                || v6.is_unique_local()
                || v6.is_unicast_link_local())
        }
    }
}

/// `ip` in copy `k` of the corpus: the third IPv4 octet or the fourth IPv6 group XOR `k`, so
/// the copies' flows are distinct and an address keeps its kind (private stays private).
pub fn copy_ip(ip: IpAddr, k: u8) -> IpAddr {
    match ip {
        IpAddr::V4(v4) => {
            let mut o = v4.octets();
            o[2] ^= k;
            IpAddr::from(o)
        }
        IpAddr::V6(v6) => {
            let mut g = v6.segments();
            g[3] ^= u16::from(k);
            IpAddr::from(g)
        }
    }
}
