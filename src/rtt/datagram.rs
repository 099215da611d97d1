//! UDP exchanges: QUIC Initial → the server's first packet, STUN request → response, DNS
//! query → response.

use super::{Request, RttTracker, Source, remember, take};
use crate::flow::FlowPacket;
use crate::names::quic;
use crate::names::stun::{self, StunClass, StunPacket};

const DNS_PORT: u16 = 53;
/// DNS header length (RFC 1035 §4.1.1).
const DNS_HEADER: usize = 12;
/// A name in wire form is at most 255 bytes (RFC 1035 §3.1).
const MAX_NAME: usize = 255;
/// Connection IDs are at most 20 bytes (RFC 9000 §17.2).
const MAX_CID: usize = 20;

/// The Source Connection ID a client's Initial chose: the server's answer is addressed to it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct QuicIds {
    scid: [u8; MAX_CID],
    len: u8,
}

impl QuicIds {
    fn new(cid: &[u8]) -> Option<QuicIds> {
        let mut scid = [0; MAX_CID];
        scid.get_mut(..cid.len())?.copy_from_slice(cid);
        Some(QuicIds {
            scid,
            len: u8::try_from(cid.len()).ok()?,
        })
    }

    fn matches(&self, dcid: &[u8]) -> bool {
        self.scid.get(..usize::from(self.len)) == Some(dcid)
    }
}

impl RttTracker {
    pub(super) fn udp(&mut self, p: &FlowPacket<'_, '_>, src: u16, dst: u16, payload: &[u8]) {
        if src == DNS_PORT || dst == DNS_PORT {
            // The header and question are at the start: a cut payload still has them.
            return self.dns(p, payload);
        }
        if p.partial {
            return;
        }
        match payload.first() {
            // STUN's first two bits are zero (RFC 8489 §5).
            Some(b) if b & 0xc0 == 0 => self.stun(p, payload),
            // A QUIC long header (RFC 8999 §5.1).
            Some(b) if b & 0x80 != 0 => self.quic(p, payload),
            _ => {}
        }
    }

    fn quic(&mut self, p: &FlowPacket<'_, '_>, payload: &[u8]) {
        let Some(ids) = quic::long_header_ids(payload) else {
            return;
        };
        let waiting = self.pending.get(&p.flow).and_then(|w| w.quic);
        if let Some(request) = waiting
            && request.from == p.dst
            && p.src != p.dst
            && request.key.matches(ids.dcid)
        {
            if let Some(w) = self.pending.get_mut(&p.flow) {
                w.quic = None;
            }
            self.answered(p, &request, Source::Quic);
            self.out.flows.entry(p.flow).or_default().quic_timed = true;
            self.tidy(p.flow);
            return;
        }
        // One sample per flow: once the first flight is answered, every later Initial either
        // side sends (ACKs, the rest of a flight split over datagrams) answers something
        // already on its way, and timing it would give a round trip that never happened.
        if !ids.initial || self.out.flows.get(&p.flow).is_some_and(|f| f.quic_timed) {
            return;
        }
        let Some(key) = QuicIds::new(ids.scid) else {
            return;
        };
        let pending = self.pending(p);
        // A retransmitted Initial keeps the first copy's time; the server's own Initials do
        // not replace the client's that waits for them.
        if pending.quic.is_none_or(|q| q.from == p.src && q.key != key) {
            pending.quic = Some(Request {
                key,
                from: p.src,
                ts: p.ts,
                at: p.at,
            });
        }
    }

    fn stun(&mut self, p: &FlowPacket<'_, '_>, payload: &[u8]) {
        let Ok(StunPacket::Message(message)) = stun::parse_datagram(payload) else {
            return;
        };
        let mut key = [0u8; 16];
        let id = message.transaction_id.as_bytes();
        if let Some(k) = key.get_mut(..id.len()) {
            k.copy_from_slice(id);
        }
        match message.class {
            StunClass::Request => {
                let request = Request {
                    key,
                    from: p.src,
                    ts: p.ts,
                    at: p.at,
                };
                if remember(&mut self.pending(p).stun, request) {
                    self.out.stats.requests_dropped += 1;
                }
            }
            StunClass::SuccessResponse | StunClass::ErrorResponse => {
                let Some(w) = self.pending.get_mut(&p.flow) else {
                    return;
                };
                if let Some(request) = take(&mut w.stun, &key, p.src, p.dst) {
                    self.answered(p, &request, Source::Stun);
                    self.tidy(p.flow);
                }
            }
            StunClass::Indication => {}
        }
    }

    fn dns(&mut self, p: &FlowPacket<'_, '_>, payload: &[u8]) {
        let Some((id, response, question)) = dns_key(payload) else {
            return;
        };
        let key = (id, question);
        if !response {
            let request = Request {
                key,
                from: p.src,
                ts: p.ts,
                at: p.at,
            };
            if remember(&mut self.pending(p).dns, request) {
                self.out.stats.requests_dropped += 1;
            }
            return;
        }
        let Some(w) = self.pending.get_mut(&p.flow) else {
            return;
        };
        if let Some(request) = take(&mut w.dns, &key, p.src, p.dst) {
            self.answered(p, &request, Source::Dns);
            self.tidy(p.flow);
        }
    }
}

/// A DNS message's ID, QR bit and a hash of its first question as written (labels, type,
/// class; a response repeats its query's question byte for byte, 0x20 case mixing included).
fn dns_key(message: &[u8]) -> Option<(u16, bool, u64)> {
    let &[id0, id1, flags, _, q0, q1, ..] = message.first_chunk::<DNS_HEADER>()?;
    let id = u16::from_be_bytes([id0, id1]);
    let response = flags & 0x80 != 0;
    let questions = u16::from_be_bytes([q0, q1]);
    if questions == 0 {
        return Some((id, response, 0));
    }
    let mut end = DNS_HEADER;
    loop {
        let len = usize::from(*message.get(end)?);
        end += 1;
        if len == 0 {
            break;
        }
        // A compression pointer or reserved label type has no place in a first question.
        if len > 63 || end + len - DNS_HEADER > MAX_NAME {
            return None;
        }
        end += len;
    }
    let question = message.get(DNS_HEADER..end + 4)?;
    Some((id, response, fnv1a(question)))
}

/// FNV-1a, 64 bits: a cheap fingerprint to pair a response with its query, not a defence
/// (anyone who can forge a response can forge its question too).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}
