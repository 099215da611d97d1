//! TCP: SYN → SYN/ACK, and SYN/ACK → ACK, matched by sequence numbers.

use super::{Request, RttTracker, Source};
use crate::decode::TcpFlags;
use crate::flow::FlowPacket;

/// The handshake packets waiting for their answer.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct TcpState {
    /// The first copy of the SYN; the key is its sequence number.
    syn: Option<Request<u32>>,
    /// The first copy of the SYN/ACK; the key is its sequence number.
    syn_ack: Option<Request<u32>>,
}

impl TcpState {
    pub(super) fn is_idle(&self) -> bool {
        self.syn.is_none() && self.syn_ack.is_none()
    }
}

impl RttTracker {
    pub(super) fn tcp(&mut self, p: &FlowPacket<'_, '_>, seq: u32, ack: u32, flags: TcpFlags) {
        let syn = flags.has(TcpFlags::SYN);
        let has_ack = flags.has(TcpFlags::ACK);
        if syn && !has_ack {
            self.syn(p, seq);
        } else if syn {
            self.syn_ack(p, seq, ack);
        } else if has_ack {
            self.ack(p, ack);
        }
    }

    fn syn(&mut self, p: &FlowPacket<'_, '_>, seq: u32) {
        if self
            .out
            .flows
            .get(&p.flow)
            .is_some_and(|f| f.handshake.is_some())
        {
            return;
        }
        let pending = self.pending(p);
        match pending.tcp.syn {
            // A retransmission: the SYN/ACK is timed from the first copy.
            Some(first) if first.key == seq && first.from == p.src => {}
            // A new attempt (or the first SYN): only its SYN/ACK will acknowledge it.
            _ => {
                pending.tcp.syn = Some(Request {
                    key: seq,
                    from: p.src,
                    ts: p.ts,
                    at: p.at,
                });
            }
        }
    }

    fn syn_ack(&mut self, p: &FlowPacket<'_, '_>, seq: u32, ack: u32) {
        let flow = self.out.flows.get(&p.flow).map(|f| **f).unwrap_or_default();
        if flow.handshake_ack.is_some() {
            return;
        }
        let pending = self.pending(p);
        let syn = pending
            .tcp
            .syn
            .filter(|s| s.from == p.dst && p.src != p.dst && ack == s.key.wrapping_add(1));
        if syn.is_some() {
            pending.tcp.syn = None;
        }
        if pending.tcp.syn_ack.is_none() {
            pending.tcp.syn_ack = Some(Request {
                key: seq,
                from: p.src,
                ts: p.ts,
                at: p.at,
            });
        }
        if let Some(syn) = syn
            && flow.handshake.is_none()
            && let Some(sample) = self.answered(p, &syn, Source::TcpHandshake)
        {
            self.out.flows.entry(p.flow).or_default().handshake = Some(sample);
        }
    }

    fn ack(&mut self, p: &FlowPacket<'_, '_>, ack: u32) {
        let Some(pending) = self.pending.get_mut(&p.flow) else {
            return;
        };
        let Some(syn_ack) = pending
            .tcp
            .syn_ack
            .filter(|s| s.from == p.dst && p.src != p.dst && ack == s.key.wrapping_add(1))
        else {
            return;
        };
        pending.tcp.syn_ack = None;
        pending.tcp.syn = None;
        if let Some(sample) = self.answered(p, &syn_ack, Source::TcpHandshake) {
            self.out.flows.entry(p.flow).or_default().handshake_ack = Some(sample);
        }
        self.tidy(p.flow);
    }
}
