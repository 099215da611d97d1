//! Round-trip times measured at the capture point: a request seen leaving, its answer seen
//! coming back. The time between them is the capture point's round trip to whoever answered,
//! which bounds how far away that endpoint can be (`place::physics`).
//!
//! Samples, each matched so that the answer provably belongs to the request:
//! - TCP: SYN → SYN/ACK acknowledging it (the server's side), SYN/ACK → the ACK acknowledging
//!   that (the client's side; what a capture taken mid-path sees of the client).
//! - QUIC: a long-header Initial → the first long-header packet back addressed to its Source
//!   Connection ID.
//! - STUN/TURN: a request → the response (success or error) with its transaction ID.
//! - DNS over UDP: a query → the response with its ID and the same question.
//!
//! A request sent more than once is timed from its first copy: that can only lengthen a
//! sample, and a longer round trip only loosens the distance bound, never tightens it wrongly.
//! Samples are kept per responding endpoint, so an answer from the capture side (an ICE check
//! the remote peer sent) never shortens the remote side's round trip.
//!
//! Per packet this does a few comparisons; state is kept only for requests still waiting for
//! their answer, in a bounded table.
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::unreachable,
    clippy::todo,
    clippy::unimplemented
)]

mod datagram;
mod handshake;
#[cfg(test)]
mod tests;

use crate::decode::Transport;
use crate::flow::{Endpoint, FlowId, FlowPacket, PacketRef};
use crate::timestamp::Timestamp;
use rustc_hash::FxHashMap;

/// Flows with requests waiting for an answer, at most. A request is answered within a few
/// round trips (STUN gives up after 39.5 s, DNS clients after a few seconds); 28,672 flows
/// with something in flight at once is far above what an office uplink carries (a thousand
/// new connections a second, each answered within 28 s). 28,672 is 7/16 of 65,536: a hash
/// table whose entries come and go rehashes in place while at most half full, so a SYN flood
/// keeps this table at 65,536 slots of 232 bytes (15 MiB) instead of doubling it. Beyond it
/// the least recently active sixteenth is dropped (counted as `pending_evicted`).
pub const MAX_PENDING_FLOWS: usize = 28_672;
/// Requests of one kind (STUN, DNS) waiting per flow. ICE sends checks a few at a time and a
/// resolver flow carries a handful of parallel lookups; beyond it the oldest is forgotten
/// (counted as `requests_dropped`).
pub const MAX_PENDING_REQUESTS: usize = 8;

/// What kind of exchange gave a sample.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Source {
    TcpHandshake,
    Quic,
    Stun,
    Dns,
}

impl Source {
    pub fn name(self) -> &'static str {
        match self {
            Source::TcpHandshake => "tcp-handshake",
            Source::Quic => "quic",
            Source::Stun => "stun",
            Source::Dns => "dns",
        }
    }
}

/// One request and its answer, as seen at the capture point.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sample {
    /// Nanoseconds from the request (its first copy) to the answer.
    pub nanos: u64,
    pub source: Source,
    pub request: PacketRef,
    pub response: PacketRef,
    /// When the answer was captured.
    pub at: Timestamp,
}

/// All samples one endpoint of a flow answered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Responder {
    pub endpoint: Endpoint,
    /// The shortest (the first of equals).
    pub min: Sample,
    pub samples: u32,
}

/// What one flow's packets gave.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FlowRtt {
    /// TCP SYN → SYN/ACK.
    pub handshake: Option<Sample>,
    /// TCP SYN/ACK → ACK.
    pub handshake_ack: Option<Sample>,
    /// Per endpoint that answered something, in the order they first did.
    pub responders: [Option<Responder>; 2],
    /// The QUIC handshake was timed: later Initials (ACKs, the rest of a flight) are answers
    /// to packets already on their way, not new requests.
    pub quic_timed: bool,
}

impl FlowRtt {
    /// The samples `endpoint` answered.
    pub fn answered_by(&self, endpoint: Endpoint) -> Option<&Responder> {
        self.responders
            .iter()
            .flatten()
            .find(|r| r.endpoint == endpoint)
    }

    fn add(&mut self, responder: Endpoint, sample: Sample) {
        for slot in &mut self.responders {
            match slot {
                Some(r) if r.endpoint == responder => {
                    r.samples = r.samples.saturating_add(1);
                    if sample.nanos < r.min.nanos {
                        r.min = sample;
                    }
                    return;
                }
                Some(_) => {}
                None => {
                    *slot = Some(Responder {
                        endpoint: responder,
                        min: sample,
                        samples: 1,
                    });
                    return;
                }
            }
        }
    }
}

/// Counters of the stage's work, for the report.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RttStats {
    /// Samples taken, over all flows.
    pub samples: u64,
    /// Answers that came before their request in capture order (merged captures whose clocks
    /// disagree), or from another input file than the request: not used.
    pub discarded: u64,
    /// Requests forgotten because too many of their kind were waiting in one flow.
    pub requests_dropped: u64,
    /// Flows whose waiting requests were forgotten because the table was full.
    pub pending_evicted: u64,
}

/// The stage's result.
#[derive(Debug, Default)]
pub struct Rtts {
    /// Boxed: a `FlowRtt` is ~300 bytes, and a hash table is up to half empty after it grows,
    /// so inline records cost ~900 bytes per open flow (909 MB for a million handshakes, the
    /// `clienthello` flood of docs/performance.md); boxed, a slot is 16 bytes.
    pub flows: FxHashMap<FlowId, Box<FlowRtt>>,
    pub stats: RttStats,
}

/// A request waiting for its answer.
#[derive(Clone, Copy, Debug)]
struct Request<K> {
    key: K,
    from: Endpoint,
    ts: Timestamp,
    at: PacketRef,
}

/// One flow's requests in flight.
#[derive(Default)]
struct Pending {
    last: Timestamp,
    tcp: handshake::TcpState,
    quic: Option<Request<datagram::QuicIds>>,
    stun: Vec<Request<[u8; 16]>>,
    dns: Vec<Request<(u16, u64)>>,
}

impl Pending {
    fn is_idle(&self) -> bool {
        self.tcp.is_idle() && self.quic.is_none() && self.stun.is_empty() && self.dns.is_empty()
    }
}

/// Takes round-trip samples from packets; feed it every packet, then `finish`.
///
/// Keyed by flow id: ids are handed out by the flow table in sequence, not chosen by whoever
/// sends packets, so the fast FxHash needs no protection against crafted collisions.
#[derive(Default)]
pub struct RttTracker {
    pending: FxHashMap<FlowId, Pending>,
    out: Rtts,
}

impl RttTracker {
    pub fn new() -> Self {
        RttTracker::default()
    }

    pub fn packet(&mut self, p: &FlowPacket<'_, '_>) {
        match *p.transport {
            Transport::Tcp {
                seq, ack, flags, ..
            } => self.tcp(p, seq, ack, flags),
            Transport::Udp {
                src_port,
                dst_port,
                payload,
            } => self.udp(p, src_port, dst_port, payload),
            _ => {}
        }
    }

    /// A flow has ended: hand over its samples and forget its waiting requests.
    pub fn end_flow(&mut self, flow: FlowId) -> Option<FlowRtt> {
        self.pending.remove(&flow);
        self.out.flows.remove(&flow).map(|f| *f)
    }

    pub fn stats(&self) -> RttStats {
        self.out.stats
    }

    /// Everything not yet handed over (tests look at a few flows at once).
    #[cfg(test)]
    fn finish(self) -> Rtts {
        self.out
    }

    /// The flow's waiting requests, made room for when new.
    fn pending(&mut self, p: &FlowPacket<'_, '_>) -> &mut Pending {
        if !self.pending.contains_key(&p.flow) && self.pending.len() >= MAX_PENDING_FLOWS {
            self.make_room();
        }
        let pending = self.pending.entry(p.flow).or_default();
        pending.last = pending.last.max(p.ts);
        pending
    }

    /// Forget the least recently active sixteenth of the flows with requests in flight: one
    /// O(n) pass buys room for n/16 new ones.
    fn make_room(&mut self) {
        let count = crate::bounded::sixteenth(MAX_PENDING_FLOWS);
        let ages: Vec<(Timestamp, FlowId)> =
            self.pending.iter().map(|(id, p)| (p.last, *id)).collect();
        for (_, id) in crate::bounded::smallest(ages, count) {
            self.pending.remove(&id);
            self.out.stats.pending_evicted += 1;
        }
    }

    /// Drop a flow's entry once nothing waits in it.
    fn tidy(&mut self, flow: FlowId) {
        if self.pending.get(&flow).is_some_and(Pending::is_idle) {
            self.pending.remove(&flow);
        }
    }

    /// Record that `responder` answered a request (taken from `request`) with packet `p`.
    fn answered<K>(
        &mut self,
        p: &FlowPacket<'_, '_>,
        request: &Request<K>,
        source: Source,
    ) -> Option<Sample> {
        let nanos = u64::try_from(p.ts.since(request.ts)).ok();
        let (Some(nanos), true) = (nanos, request.at.input == p.at.input) else {
            self.out.stats.discarded += 1;
            return None;
        };
        let sample = Sample {
            nanos,
            source,
            request: request.at,
            response: p.at,
            at: p.ts,
        };
        self.out.stats.samples += 1;
        self.out.flows.entry(p.flow).or_default().add(p.src, sample);
        Some(sample)
    }
}

/// Remember a request unless its key is already waiting (a retransmission: timed from the
/// first copy); at most `MAX_PENDING_REQUESTS`, forgetting the oldest.
fn remember<K: PartialEq>(list: &mut Vec<Request<K>>, request: Request<K>) -> bool {
    if list
        .iter()
        .any(|r| r.key == request.key && r.from == request.from)
    {
        return false;
    }
    let dropped = list.len() >= MAX_PENDING_REQUESTS;
    if dropped {
        list.remove(0);
    }
    list.push(request);
    dropped
}

/// Take the request an answer from `responder` to `to` with `key` answers.
fn take<K: PartialEq + Copy>(
    list: &mut Vec<Request<K>>,
    key: &K,
    responder: Endpoint,
    to: Endpoint,
) -> Option<Request<K>> {
    let i = list
        .iter()
        .position(|r| r.key == *key && r.from == to && responder != to)?;
    Some(list.remove(i))
}
