//! UDP: QUIC client Initials, decrypted until the ClientHello (or Google's CHLO) is complete.

use super::{Inspect, Namer};
use crate::flow::{FlowId, FlowPacket};
use crate::names::facts::{Hello, QuicFact};
use crate::names::quic::{self, QuicConnection, QuicEvent};
use crate::names::tls;

impl Namer {
    pub(super) fn udp(&mut self, seen: &FlowPacket<'_, '_>, payload: &[u8]) {
        let Some(insp) = self.inspecting.get_mut(&seen.flow) else {
            // Only a flow's first datagram starts inspection, and only when the QUIC reader
            // takes it (a client Initial, or a Google QUIC packet): other UDP flows keep no
            // state here.
            if !seen.opened {
                return;
            }
            let mut quic = QuicConnection::new();
            let event = quic.datagram(payload);
            let (version, done) = (quic.version(), quic.is_done());
            match event {
                QuicEvent::Ignored => {}
                // Complete in its first datagram (the usual case): no state to keep.
                QuicEvent::ClientHello(_) | QuicEvent::GoogleChlo { .. } => {
                    self.stats.inspected += 1;
                    self.quic_event(seen, payload, event, version, true);
                }
                _ => {
                    if done {
                        self.stats.inspected += 1;
                    } else {
                        let mut state = Inspect::new(seen);
                        state.touch(seen.ts);
                        state.quic = Some(Box::new(quic));
                        self.begin(seen, state);
                    }
                    self.quic_event(seen, payload, event, version, done);
                }
            }
            return;
        };
        if !insp.touch(seen.ts) {
            return self.drop_flow(seen.flow);
        }
        let Some(quic) = insp.quic.as_mut() else {
            return;
        };
        let before = quic.held_bytes();
        let event = quic.datagram(payload);
        let (after, version, done) = (quic.held_bytes(), quic.version(), quic.is_done());
        self.held_changed(before, after, seen.ts, seen.flow);
        self.quic_event(seen, payload, event, version, done);
    }

    /// Record what a datagram told; `done`: the connection has nothing more to tell.
    fn quic_event(
        &mut self,
        seen: &FlowPacket<'_, '_>,
        payload: &[u8],
        event: QuicEvent,
        version: Option<u32>,
        done: bool,
    ) {
        let mut finished = done;
        match event {
            QuicEvent::Ignored => {}
            QuicEvent::Partial => self.quic_fact(seen.flow, version),
            QuicEvent::ClientHello(message) => {
                let hello = match tls::parse_client_hello(&message) {
                    Ok(ch) => Ok(Hello {
                        sni: ch.sni,
                        ech: ch.ech,
                        alpn: ch.alpn,
                        preamble: None,
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
                    preamble: None,
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
        if finished {
            self.drop_flow(seen.flow);
        }
    }

    fn quic_fact(&mut self, flow: FlowId, version: Option<u32>) {
        let fact = self.facts(flow).quic.get_or_insert_with(empty_quic);
        if fact.version.is_none() {
            fact.version = version;
        }
    }

    fn quic_hello(&mut self, flow: FlowId, version: Option<u32>, hello: Result<Hello, String>) {
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
