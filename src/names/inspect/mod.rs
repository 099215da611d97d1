//! Per-packet inspection: which flows are still being looked at, and what each packet adds.
//!
//! A flow is inspected from its first packet until it has told what it can (a ClientHello, a
//! certificate, a Host header, a QUIC Initial), until it closes (FIN both ways, RST), for at
//! most `MAX_INSPECTED_PACKETS` packets and `INSPECTION_WINDOW_NS` of capture time; then its
//! buffers are dropped and only the facts stay. DNS and STUN need no per-flow state: every
//! message is read where it passes. Both bounds on the whole (flows in inspection, bytes held)
//! are kept by evicting the least recently seen flows, a sixteenth at a time: O(1) per packet,
//! amortised, whatever the traffic.

mod tcp;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_preamble;
mod udp;

use super::dns::{self, AnswerCache};
use super::facts::{FlowNames, StunFact};
use super::quic::QuicConnection;
use super::stream::{self, StreamPrefix};
use super::{NameStats, stun};
use crate::decode::Transport;
use crate::flow::{Endpoint, FlowId, FlowPacket};
use crate::timestamp::Timestamp;
use rustc_hash::FxHashMap;
use std::net::IpAddr;

/// Packets of one flow looked at before giving up. A TLS 1.2 server's certificate arrives within
/// the first dozen packets even with a slow start; QUIC's ClientHello in the first two or three
/// datagrams. Past this a flow is bulk data.
pub const MAX_INSPECTED_PACKETS: u32 = 48;
/// Capture time a flow is inspected for, from its first packet. Handshakes take a few round
/// trips (well under a second; seconds on a satellite link); a flow still "in its handshake"
/// after this is stuck (one side not captured, a gap that never fills) and is let go.
pub const INSPECTION_WINDOW_NS: i64 = 30_000_000_000;
/// Flows under inspection at once. Each holds at most two stream prefixes (tens of KiB) while a
/// handshake is in progress, and a few dozen bytes otherwise. With the window above, this
/// allows 8,000 new flows per second of sustained traffic before any is evicted early.
pub const MAX_INSPECTING_FLOWS: usize = 262_144;
/// Bytes held in all stream prefixes and QUIC CRYPTO buffers together. Beyond it, the least
/// recently seen flows are evicted (counted in `names.evicted`): memory stays bounded whatever
/// the input.
pub const MAX_HELD_BYTES: usize = 256 << 20;
/// Bytes kept per TCP direction. Which side is the client is not known for certain from the
/// first segment, so both get the larger of the two limits (a server's certificate flight).
const PREFIX_LIMIT: usize = if stream::SERVER_PREFIX_LIMIT > stream::CLIENT_PREFIX_LIMIT {
    stream::SERVER_PREFIX_LIMIT
} else {
    stream::CLIENT_PREFIX_LIMIT
};
/// The DNS port; also DNS over TCP.
const DNS_PORT: u16 = 53;

#[derive(Default)]
struct Side {
    /// Boxed: most flows never hold one, and the entry of every inspected flow stays small.
    prefix: Option<Box<StreamPrefix>>,
    /// The sequence number of a bare SYN seen before any data (the prefix starts after it).
    syn_seq: Option<u32>,
    done: bool,
    /// Complete DNS or STUN messages already read from this side's prefix.
    messages: usize,
}

struct Inspect {
    opened: Timestamp,
    last: Timestamp,
    packets: u32,
    /// TCP: sides indexed by whether the sender is `first` (0) or not (1).
    first: Endpoint,
    sides: [Side; 2],
    quic: Option<Box<QuicConnection>>,
}

impl Inspect {
    fn new(seen: &FlowPacket<'_, '_>) -> Self {
        Inspect {
            opened: seen.ts,
            last: seen.ts,
            packets: 0,
            first: seen.src,
            sides: Default::default(),
            quic: None,
        }
    }

    fn held(&self) -> usize {
        let streams: usize = self
            .sides
            .iter()
            .filter_map(|s| s.prefix.as_ref())
            .map(|p| p.held_bytes())
            .sum();
        streams + self.quic.as_ref().map_or(0, |q| q.held_bytes())
    }

    /// The flow's inspection is over by `now`: its window has passed or it has had its packets
    /// (it leaves at its next packet, or at a sweep).
    fn finished(&self, now: Timestamp) -> bool {
        self.packets >= MAX_INSPECTED_PACKETS
            || now.0.saturating_sub(self.opened.0) >= INSPECTION_WINDOW_NS
    }

    /// Count a packet; false when the flow has had its packets or its time.
    fn touch(&mut self, ts: Timestamp) -> bool {
        self.last = self.last.max(ts);
        self.packets += 1;
        self.packets <= MAX_INSPECTED_PACKETS
            && ts.0.saturating_sub(self.opened.0) < INSPECTION_WINDOW_NS
    }
}

/// The two bounds on inspection as a whole (the constants above; smaller in tests).
#[derive(Clone, Copy)]
struct Limits {
    flows: usize,
    held: usize,
}

/// The names stage's state across a run.
pub struct Namer {
    inspecting: FxHashMap<FlowId, Inspect>,
    /// Boxed: a `FlowNames` is hundreds of bytes and a grown table is up to half empty, so
    /// inline records cost ~900 bytes per named open flow (docs/performance.md, "Hostile
    /// floods"); boxed, a slot is 16 bytes.
    facts: FxHashMap<FlowId, Box<FlowNames>>,
    answers: AnswerCache,
    held: usize,
    limits: Limits,
    stats: NameStats,
}

impl Default for Namer {
    fn default() -> Self {
        Namer::with_limits(MAX_INSPECTING_FLOWS, MAX_HELD_BYTES)
    }
}

impl Namer {
    pub fn new() -> Self {
        Namer::default()
    }

    fn with_limits(flows: usize, held: usize) -> Self {
        Namer {
            inspecting: FxHashMap::default(),
            facts: FxHashMap::default(),
            answers: AnswerCache::new(),
            held: 0,
            limits: Limits {
                flows: flows.max(16),
                held,
            },
            stats: NameStats::default(),
        }
    }

    /// Look at one packet of flow `seen.flow`.
    pub fn packet(&mut self, seen: &FlowPacket<'_, '_>) {
        match *seen.transport {
            Transport::Udp {
                src_port,
                dst_port,
                payload,
            } => {
                if src_port == DNS_PORT || dst_port == DNS_PORT {
                    // A response goes to the client that asked.
                    self.dns_message(seen, payload, seen.dst.ip);
                } else if !seen.partial {
                    self.stun_datagram(seen, payload);
                    self.udp(seen, payload);
                }
            }
            Transport::Tcp {
                seq,
                flags,
                payload,
                ..
            } => {
                if !seen.partial {
                    self.tcp(seen, seq, flags, payload);
                } else {
                    self.cut_tcp(seen, flags, payload);
                }
            }
            _ => {}
        }
    }

    /// A flow has ended: hand over its facts and forget it (its inspection too).
    pub fn end_flow(&mut self, flow: FlowId) -> Option<FlowNames> {
        self.drop_flow(flow);
        self.facts.remove(&flow).map(|f| *f)
    }

    /// The DNS answers seen so far, bound to the clients that asked.
    pub fn answers(&self) -> &AnswerCache {
        &self.answers
    }

    pub fn stats(&self) -> NameStats {
        self.stats
    }

    /// Flows with facts not yet handed over (each ends with its flow).
    pub fn pending_facts(&self) -> usize {
        self.facts.len()
    }

    fn facts(&mut self, flow: FlowId) -> &mut FlowNames {
        self.facts.entry(flow).or_default()
    }

    fn dns_message(&mut self, seen: &FlowPacket<'_, '_>, message: &[u8], client: IpAddr) {
        let Ok(m) = dns::parse_message(message) else {
            self.stats.dns_malformed += 1;
            return;
        };
        if let Some((name, _)) = &m.question {
            self.facts(seen.flow).add_query(name);
        }
        if m.response {
            self.stats.dns_responses += 1;
            for binding in &m.bindings {
                self.answers.insert(client, binding, seen.at, seen.ts);
            }
        }
    }

    fn stun_datagram(&mut self, seen: &FlowPacket<'_, '_>, payload: &[u8]) {
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

    /// Start inspecting a flow, making room when a bound is reached.
    fn begin(&mut self, seen: &FlowPacket<'_, '_>, state: Inspect) {
        if self.inspecting.len() >= self.limits.flows {
            self.make_room(seen.ts, seen.flow);
        }
        self.held += state.held();
        if let Some(old) = self.inspecting.insert(seen.flow, state) {
            // Flow ids are never reused, so this does not happen; if it did, the old entry's
            // bytes must not stay counted.
            self.held = self.held.saturating_sub(old.held());
        }
        self.stats.inspected += 1;
        if self.held > self.limits.held {
            self.make_room(seen.ts, seen.flow);
        }
    }

    /// Account for a flow's buffers changing from `before` to `after` bytes; evict others when
    /// the total passes `MAX_HELD_BYTES`.
    fn held_changed(&mut self, before: usize, after: usize, now: Timestamp, flow: FlowId) {
        self.held = (self.held + after).saturating_sub(before);
        if self.held > self.limits.held {
            self.make_room(now, flow);
        }
    }

    /// Get back under the bound that was reached, with a sixteenth to spare: first drop flows
    /// whose inspection is over (past their window or their packets) but that have not been
    /// seen since, then the least recently seen (counted as evicted); never `keep` (the flow of
    /// the current packet). Candidates are taken a sixteenth at a time with a linear
    /// selection, so one sweep costs O(n) and buys room for n/16 flows or 16 MiB of buffers.
    fn make_room(&mut self, now: Timestamp, keep: FlowId) {
        self.stats.sweeps += 1;
        let Limits { flows, held } = self.limits;
        let len_goal = if self.inspecting.len() >= flows {
            flows - flows / 16
        } else {
            usize::MAX
        };
        let held_goal = if self.held > held {
            held - held / 16
        } else {
            usize::MAX
        };
        // (still live, last seen, id): finished flows sort first, then the oldest.
        let order: Vec<(bool, Timestamp, FlowId)> = self
            .inspecting
            .iter()
            .filter(|(id, _)| **id != keep)
            .map(|(id, i)| (!i.finished(now), i.last, *id))
            .collect();
        let chunk = crate::bounded::sixteenth(order.len());
        for (live, _, id) in crate::bounded::oldest_first(order, chunk) {
            if live && self.inspecting.len() <= len_goal && self.held <= held_goal {
                return;
            }
            self.drop_flow(id);
            if live {
                self.stats.evicted += 1;
            }
        }
    }

    fn drop_flow(&mut self, flow: FlowId) {
        if let Some(insp) = self.inspecting.remove(&flow) {
            self.held = self.held.saturating_sub(insp.held());
        }
    }
}
