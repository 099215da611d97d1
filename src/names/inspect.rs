//! Per-packet inspection: which flows are still being looked at, and what each packet adds.
//!
//! A flow is inspected from its first packet until it has told what it can (a ClientHello, a
//! certificate, a Host header, a QUIC Initial) or `MAX_INSPECTED_PACKETS` have passed; then its
//! buffers are dropped and only the facts stay. DNS and STUN need no per-flow state: every
//! message is read where it passes.

use super::dns::{self, AnswerCache};
use super::facts::{CertFact, FlowNames, Hello, Named, QuicFact, StunFact};
use super::quic::{self, QuicConnection, QuicEvent};
use super::stream::{self, StreamPrefix};
use super::{NameStats, Names, http, stun, tls};
use crate::decode::{TcpFlags, Transport};
use crate::flow::{Endpoint, PacketRef};
use crate::timestamp::Timestamp;
use std::collections::HashMap;

/// Packets of one flow looked at before giving up. A TLS 1.2 server's certificate arrives within
/// the first dozen packets even with a slow start; QUIC's ClientHello in the first two or three
/// datagrams. Past this a flow is bulk data.
pub const MAX_INSPECTED_PACKETS: u32 = 48;
/// Flows under inspection at once. Each holds at most two stream prefixes (tens of KiB) while a
/// handshake is in progress, and a few dozen bytes otherwise. A busy mirror port opens a few
/// thousand flows per second, each done within a second; this leaves two orders of magnitude.
pub const MAX_INSPECTING_FLOWS: usize = 262_144;
/// Bytes held in all stream prefixes and QUIC CRYPTO buffers together. A flow whose next segment would go past this is
/// no longer inspected (counted in `names.abandoned`): memory stays bounded whatever the input.
pub const MAX_HELD_BYTES: usize = 256 << 20;
/// A flow not seen for this long (capture time) is dropped from inspection when room is needed.
const STALE_AFTER_NS: i64 = 120_000_000_000;
/// Datagrams of a UDP flow offered to the QUIC reader before concluding it is not QUIC.
const QUIC_PROBES: u8 = 4;
/// Bytes kept per TCP direction. Which side is the client is not known for certain from the
/// first segment, so both get the larger of the two limits (a server's certificate flight).
const PREFIX_LIMIT: usize = if stream::SERVER_PREFIX_LIMIT > stream::CLIENT_PREFIX_LIMIT {
    stream::SERVER_PREFIX_LIMIT
} else {
    stream::CLIENT_PREFIX_LIMIT
};
/// The DNS port; also DNS over TCP.
const DNS_PORT: u16 = 53;

/// One packet, as inspection needs it.
pub struct Seen<'p, 'a> {
    pub flow: u64,
    pub src: Endpoint,
    pub dst: Endpoint,
    pub transport: &'p Transport<'a>,
    pub ts: Timestamp,
    pub at: PacketRef,
}

#[derive(Default)]
struct Side {
    prefix: Option<StreamPrefix>,
    done: bool,
    /// Complete DNS or STUN messages already read from this side's prefix.
    messages: usize,
}

struct Inspect {
    last: Timestamp,
    packets: u32,
    /// TCP: sides indexed by whether the sender is `first` (0) or not (1).
    first: Endpoint,
    sides: [Side; 2],
    quic: Option<QuicConnection>,
    quic_probes: u8,
}

impl Inspect {
    fn held(&self) -> usize {
        let streams: usize = self
            .sides
            .iter()
            .filter_map(|s| s.prefix.as_ref())
            .map(StreamPrefix::held_bytes)
            .sum();
        streams + self.quic.as_ref().map_or(0, QuicConnection::held_bytes)
    }
}

/// The names stage's state across a run.
#[derive(Default)]
pub struct Namer {
    inspecting: HashMap<u64, Inspect>,
    facts: HashMap<u64, FlowNames>,
    answers: AnswerCache,
    held: usize,
    highest_flow: u64,
    stats: NameStats,
}

impl Namer {
    pub fn new() -> Self {
        Namer::default()
    }

    /// Look at one packet of flow `seen.flow` (never a fragment).
    pub fn packet(&mut self, seen: &Seen<'_, '_>) {
        let new = seen.flow > self.highest_flow;
        self.highest_flow = self.highest_flow.max(seen.flow);
        match *seen.transport {
            Transport::Udp {
                src_port,
                dst_port,
                payload,
            } => {
                if src_port == DNS_PORT || dst_port == DNS_PORT {
                    self.dns_datagram(seen, payload);
                } else {
                    self.udp(seen, payload, new);
                }
            }
            Transport::Tcp {
                seq,
                flags,
                payload,
                ..
            } => self.tcp(seen, seq, flags, payload, new),
            _ => {}
        }
    }

    /// Hand over what was learned.
    pub fn finish(self) -> Names {
        Names {
            flows: self.facts,
            answers: self.answers,
            stats: self.stats,
        }
    }

    fn facts(&mut self, flow: u64) -> &mut FlowNames {
        self.facts.entry(flow).or_default()
    }

    fn dns_message(&mut self, seen: &Seen<'_, '_>, message: &[u8], client: std::net::IpAddr) {
        let Ok(m) = dns::parse_message(message) else {
            self.stats.dns_malformed += 1;
            return;
        };
        let facts = self.facts(seen.flow);
        facts.dns_messages += 1;
        if let Some((name, _)) = &m.question {
            facts.add_query(name);
        }
        if m.response {
            self.stats.dns_responses += 1;
            for binding in &m.bindings {
                self.answers.insert(client, binding, seen.at, seen.ts);
            }
        }
    }

    fn dns_datagram(&mut self, seen: &Seen<'_, '_>, payload: &[u8]) {
        // A response goes to the client that asked.
        self.dns_message(seen, payload, seen.dst.ip);
    }

    fn begin(&mut self, seen: &Seen<'_, '_>) -> bool {
        if self.inspecting.len() >= MAX_INSPECTING_FLOWS {
            let now = seen.ts.0;
            self.inspecting
                .retain(|_, i| now.saturating_sub(i.last.0) < STALE_AFTER_NS);
            self.held = self.inspecting.values().map(Inspect::held).sum();
            if self.inspecting.len() >= MAX_INSPECTING_FLOWS {
                self.stats.not_inspected += 1;
                return false;
            }
        }
        self.inspecting.insert(
            seen.flow,
            Inspect {
                last: seen.ts,
                packets: 0,
                first: seen.src,
                sides: Default::default(),
                quic: None,
                quic_probes: 0,
            },
        );
        self.stats.inspected += 1;
        true
    }

    fn udp(&mut self, seen: &Seen<'_, '_>, payload: &[u8], new: bool) {
        self.stun_datagram(seen, payload);
        if new && !self.begin(seen) {
            return;
        }
        let Some(insp) = self.inspecting.get_mut(&seen.flow) else {
            return;
        };
        insp.last = seen.ts;
        insp.packets += 1;
        let quic = insp.quic.get_or_insert_with(QuicConnection::new);
        let before = quic.held_bytes();
        let event = quic.datagram(payload);
        self.held = (self.held + quic.held_bytes()).saturating_sub(before);
        let version = quic.version();
        let done = quic.is_done();
        let mut finished = done || insp.packets >= MAX_INSPECTED_PACKETS;
        match event {
            QuicEvent::Ignored => {
                insp.quic_probes += 1;
                finished |= version.is_none() && insp.quic_probes >= QUIC_PROBES;
            }
            QuicEvent::Partial => self.quic_fact(seen.flow, version),
            QuicEvent::ClientHello(message) => {
                let hello = match tls::parse_client_hello(&message) {
                    Ok(ch) => Ok(Hello {
                        sni: ch.sni,
                        ech: ch.ech,
                        alpn: ch.alpn,
                        at: seen.at,
                    }),
                    Err(e) => Err(e.to_string()),
                };
                self.quic_hello(seen.flow, version, hello);
                finished = true;
            }
            QuicEvent::GoogleChlo { sni, .. } => {
                let hello = Hello {
                    sni,
                    ech: false,
                    alpn: Vec::new(),
                    at: seen.at,
                };
                self.quic_hello(seen.flow, version, Ok(hello));
                finished = true;
            }
            QuicEvent::Failed(e) => {
                // The version is in clear in the long header even when nothing decrypts.
                let version = version.or_else(|| clear_version(payload));
                self.quic_fact(seen.flow, version);
                let fact = self.facts(seen.flow).quic.get_or_insert_with(empty_quic);
                fact.error.get_or_insert_with(|| e.to_string());
            }
        }
        if self.held > MAX_HELD_BYTES {
            self.stats.abandoned += 1;
            finished = true;
        }
        if finished {
            self.drop_flow(seen.flow);
        }
    }

    fn quic_fact(&mut self, flow: u64, version: Option<u32>) {
        let fact = self.facts(flow).quic.get_or_insert_with(empty_quic);
        if fact.version.is_none() {
            fact.version = version;
        }
    }

    fn quic_hello(&mut self, flow: u64, version: Option<u32>, hello: Result<Hello, String>) {
        self.quic_fact(flow, version);
        let fact = self.facts(flow).quic.get_or_insert_with(empty_quic);
        match hello {
            Ok(h) => {
                fact.hello.get_or_insert(h);
            }
            Err(e) => {
                fact.error.get_or_insert(e);
            }
        }
    }

    fn stun_datagram(&mut self, seen: &Seen<'_, '_>, payload: &[u8]) {
        let Ok(packet) = stun::parse_datagram(payload) else {
            return;
        };
        // ChannelData framing is two bytes of channel and length: plenty of other traffic
        // (QUIC short headers, RTP) looks like it. It counts only on a flow already shown to
        // speak STUN.
        if matches!(packet, stun::StunPacket::ChannelData { .. })
            && self.facts.get(&seen.flow).is_none_or(|f| f.stun.is_none())
        {
            return;
        }
        self.facts(seen.flow)
            .stun
            .get_or_insert_with(StunFact::default)
            .add(&packet, seen.at);
    }

    fn tcp(&mut self, seen: &Seen<'_, '_>, seq: u32, flags: TcpFlags, payload: &[u8], new: bool) {
        if new && !self.begin(seen) {
            return;
        }
        let Some(insp) = self.inspecting.get_mut(&seen.flow) else {
            return;
        };
        insp.last = seen.ts;
        insp.packets += 1;
        let side_index = usize::from(seen.src != insp.first);
        let syn = flags.has(TcpFlags::SYN);
        let side = &mut insp.sides[side_index];
        if side.done || (payload.is_empty() && !syn) {
            return self.tcp_limit(seen.flow);
        }
        let prefix = side
            .prefix
            .get_or_insert_with(|| StreamPrefix::new(PREFIX_LIMIT));
        let before = prefix.held_bytes();
        let grew = prefix.segment(seq, syn, payload);
        let after = prefix.held_bytes();
        self.held = (self.held + after).saturating_sub(before);
        if self.held > MAX_HELD_BYTES {
            self.stats.abandoned += 1;
            self.drop_flow(seen.flow);
            return;
        }
        if grew {
            self.scan_side(seen, side_index);
        }
        self.tcp_limit(seen.flow);
    }

    /// Stop inspecting a TCP flow once both sides are done or its packets are used up.
    fn tcp_limit(&mut self, flow: u64) {
        let Some(insp) = self.inspecting.get(&flow) else {
            return;
        };
        if insp.sides.iter().all(|s| s.done) || insp.packets >= MAX_INSPECTED_PACKETS {
            self.drop_flow(flow);
        }
    }

    fn drop_flow(&mut self, flow: u64) {
        if let Some(insp) = self.inspecting.remove(&flow) {
            self.held = self.held.saturating_sub(insp.held());
        }
    }

    /// Read what a side's grown prefix now shows.
    fn scan_side(&mut self, seen: &Seen<'_, '_>, index: usize) {
        let Some(mut insp) = self.inspecting.remove(&seen.flow) else {
            return;
        };
        let side = &mut insp.sides[index];
        let done = match side.prefix.as_ref() {
            Some(prefix) => {
                let bytes = prefix.contiguous();
                let full = prefix.is_full();
                let dns = seen.src.port == DNS_PORT || seen.dst.port == DNS_PORT;
                let done = if dns {
                    self.dns_stream(seen, bytes, &mut side.messages)
                } else {
                    self.tls_or_other(seen, bytes, &mut side.messages)
                };
                done || full
            }
            None => true,
        };
        if done {
            side.done = true;
            if let Some(p) = side.prefix.take() {
                self.held = self.held.saturating_sub(p.held_bytes());
            }
        }
        self.inspecting.insert(seen.flow, insp);
    }

    /// DNS over TCP: read the messages completed since last time. Never done before full.
    fn dns_stream(&mut self, seen: &Seen<'_, '_>, bytes: &[u8], read: &mut usize) -> bool {
        let messages = dns::tcp_messages(bytes);
        for message in messages.iter().skip(*read) {
            self.dns_message(seen, message, seen.dst.ip);
        }
        *read = messages.len().max(*read);
        false
    }

    /// TLS first; if not TLS, an HTTP request; if not HTTP, STUN over TCP. Returns whether this
    /// side has nothing more to tell.
    fn tls_or_other(&mut self, seen: &Seen<'_, '_>, bytes: &[u8], read: &mut usize) -> bool {
        let scan = tls::scan(bytes);
        if !scan.not_tls {
            let facts = self.facts(seen.flow);
            if let (None, Some(ch)) = (&facts.tls, scan.client_hello) {
                facts.tls = Some(Hello {
                    sni: ch.sni,
                    ech: ch.ech,
                    alpn: ch.alpn,
                    at: seen.at,
                });
            }
            if let (None, Some(cert)) = (&facts.cert, scan.certificate) {
                facts.cert = Some(CertFact {
                    subject_cn: cert.subject_cn,
                    san_dns: cert.san_dns,
                    san_dropped: cert.san_dropped,
                    at: seen.at,
                });
            }
            return scan.finished;
        }
        match http::request_host(bytes) {
            http::HttpScan::NeedMore => false,
            http::HttpScan::Host(name) => {
                let facts = self.facts(seen.flow);
                facts.http_host.get_or_insert(Named { name, at: seen.at });
                true
            }
            http::HttpScan::NoHost => true,
            http::HttpScan::NotHttp => {
                let frames = stun::parse_stream(bytes);
                if frames.is_empty() {
                    return true;
                }
                let fact = self
                    .facts(seen.flow)
                    .stun
                    .get_or_insert_with(StunFact::default);
                for frame in frames.iter().skip(*read) {
                    fact.add(frame, seen.at);
                }
                *read = frames.len().max(*read);
                false
            }
        }
    }
}

/// The version field of a QUIC long header (RFC 8999: first bit set, then 4 bytes), if this
/// module reads that version.
fn clear_version(payload: &[u8]) -> Option<u32> {
    let first = *payload.first()?;
    let bytes: [u8; 4] = payload.get(1..5)?.try_into().ok()?;
    let version = u32::from_be_bytes(bytes);
    (first & 0x80 != 0 && quic::is_supported(version)).then_some(version)
}

fn empty_quic() -> QuicFact {
    QuicFact {
        version: None,
        hello: None,
        error: None,
    }
}
