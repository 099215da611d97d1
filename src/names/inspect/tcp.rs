//! TCP: each direction's first bytes, in order, read as TLS, else HTTP, else STUN, else TLS
//! after a short preamble; DNS on port 53.

use super::{DNS_PORT, Inspect, Namer, PREFIX_LIMIT};
use crate::decode::TcpFlags;
use crate::flow::{FlowId, FlowPacket};
use crate::names::facts::{CertFact, Hello, Named, StunFact};
use crate::names::stream::{MAX_SEGMENT_START, StreamPrefix};
use crate::names::{dns, http, stun, tls};

// The preamble budget is `MAX_SEGMENT_START`: bytes that are not TLS allowed before a
// ClientHello's record. Some clients send a few bytes of their own before the ClientHello (with
// the handshake's last ACK), which other DPI tools skip by reading each segment afresh; a PROXY
// protocol v1 header is at most 107 bytes. The ClientHello is looked for only where a segment
// starts within this many bytes, and must parse completely: looking further would let any
// protocol whose later segment happens to begin like a TLS record be read as TLS, and keeps
// every non-TLS stream buffered longer.

impl Namer {
    pub(super) fn tcp(
        &mut self,
        seen: &FlowPacket<'_, '_>,
        seq: u32,
        flags: TcpFlags,
        payload: &[u8],
    ) {
        if !self.inspecting.contains_key(&seen.flow) {
            // Only a flow's first packet starts inspection: a flow not in inspection has told
            // what it could, or was let go.
            if !seen.opened {
                return;
            }
            self.begin(seen, Inspect::new(seen));
        }
        let Some(insp) = self.inspecting.get_mut(&seen.flow) else {
            return;
        };
        if !insp.touch(seen.ts) {
            return self.drop_flow(seen.flow);
        }
        let index = usize::from(seen.src != insp.first);
        let syn = flags.has(TcpFlags::SYN);
        // `index` is 0 or 1, and there are two sides.
        let Some(side) = insp.sides.get_mut(index) else {
            return;
        };
        if !side.done && syn && payload.is_empty() && side.prefix.is_none() {
            // A bare SYN: remember where the stream starts; the buffer waits for data (a flood
            // of SYNs then holds no buffer at all). The first SYN places the start, as the
            // prefix itself would keep it.
            side.syn_seq.get_or_insert(seq);
        } else if !side.done && (syn || !payload.is_empty()) {
            let syn_seq = &mut side.syn_seq;
            let prefix = side.prefix.get_or_insert_with(|| {
                let mut prefix = Box::new(StreamPrefix::new(PREFIX_LIMIT));
                if let Some(start) = syn_seq.take() {
                    prefix.segment(start, true, &[]);
                }
                prefix
            });
            let before = prefix.held_bytes();
            let grew = prefix.segment(seq, syn, payload);
            let after = prefix.held_bytes();
            self.held_changed(before, after, seen.ts, seen.flow);
            if grew {
                self.scan_side(seen, index);
            }
        }
        self.after_segment(seen.flow, index, flags);
    }

    /// A segment the capture cut short. A flow it opens is still inspected from its next
    /// packets on; in a flow being inspected, its side can never be read in order past it, so
    /// that side is done (its buffer released), and its FIN/RST still count.
    pub(super) fn cut_tcp(&mut self, seen: &FlowPacket<'_, '_>, flags: TcpFlags, payload: &[u8]) {
        let Some(insp) = self.inspecting.get_mut(&seen.flow) else {
            if seen.opened {
                self.begin(seen, Inspect::new(seen));
            }
            return;
        };
        if !insp.touch(seen.ts) {
            return self.drop_flow(seen.flow);
        }
        let index = usize::from(seen.src != insp.first);
        if !payload.is_empty()
            && let Some(side) = insp.sides.get_mut(index)
        {
            side.done = true;
            let released = side.prefix.take().map_or(0, |p| p.held_bytes());
            self.held = self.held.saturating_sub(released);
        }
        self.after_segment(seen.flow, index, flags);
    }

    /// After RST nothing more comes; after FIN nothing more from that side. A flow whose sides
    /// are both done leaves inspection.
    fn after_segment(&mut self, flow: FlowId, index: usize, flags: TcpFlags) {
        let Some(insp) = self.inspecting.get_mut(&flow) else {
            return;
        };
        if flags.has(TcpFlags::FIN)
            && let Some(side) = insp.sides.get_mut(index)
        {
            side.done = true;
            let released = side.prefix.take().map_or(0, |p| p.held_bytes());
            self.held = self.held.saturating_sub(released);
        }
        if flags.has(TcpFlags::RST) || insp.sides.iter().all(|s| s.done) {
            self.drop_flow(flow);
        }
    }

    /// Read what a side's grown prefix now shows.
    fn scan_side(&mut self, seen: &FlowPacket<'_, '_>, index: usize) {
        let Some(mut insp) = self.inspecting.remove(&seen.flow) else {
            return;
        };
        if let Some(side) = insp.sides.get_mut(index) {
            let done = match side.prefix.as_ref() {
                Some(prefix) => {
                    let dns = seen.src.port == DNS_PORT || seen.dst.port == DNS_PORT;
                    let done = if dns {
                        self.dns_stream(seen, prefix.contiguous(), &mut side.messages)
                    } else {
                        self.tls_or_other(seen, prefix, &mut side.messages)
                    };
                    done || prefix.is_full()
                }
                None => true,
            };
            if done {
                side.done = true;
                let released = side.prefix.take().map_or(0, |p| p.held_bytes());
                self.held = self.held.saturating_sub(released);
            }
        }
        self.inspecting.insert(seen.flow, insp);
    }

    /// DNS over TCP: read the messages completed since last time. Done only when full.
    fn dns_stream(&mut self, seen: &FlowPacket<'_, '_>, bytes: &[u8], read: &mut usize) -> bool {
        let messages = dns::tcp_messages(bytes);
        for message in messages.iter().skip(*read) {
            // A response goes to the client that asked.
            self.dns_message(seen, message, seen.dst.ip);
        }
        *read = messages.len().max(*read);
        false
    }

    /// TLS first; if not TLS, an HTTP request; if not HTTP, STUN over TCP; if none of them, a
    /// ClientHello after a short preamble. Returns whether this side has nothing more to tell.
    fn tls_or_other(
        &mut self,
        seen: &FlowPacket<'_, '_>,
        prefix: &StreamPrefix,
        read: &mut usize,
    ) -> bool {
        let bytes = prefix.contiguous();
        let scan = tls::scan(bytes);
        if !scan.not_tls {
            if let Some(ch) = scan.client_hello {
                self.tls_hello(seen, ch, None);
            }
            if let Some(cert) = scan.certificate {
                self.facts(seen.flow).cert.get_or_insert(CertFact {
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
                    return self.hello_after_preamble(seen, prefix);
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

    fn tls_hello(
        &mut self,
        seen: &FlowPacket<'_, '_>,
        ch: tls::ClientHello,
        preamble: Option<usize>,
    ) {
        self.facts(seen.flow).tls.get_or_insert(Hello {
            sni: ch.sni,
            ech: ch.ech,
            alpn: ch.alpn,
            preamble,
            at: seen.at,
        });
    }

    /// A stream that is not TLS, HTTP or STUN from its first byte: a ClientHello whose record
    /// opens a later segment within `MAX_SEGMENT_START` bytes. Returns whether this side is done
    /// (the hello read, or no segment start within the budget can still be one).
    fn hello_after_preamble(&mut self, seen: &FlowPacket<'_, '_>, prefix: &StreamPrefix) -> bool {
        let bytes = prefix.contiguous();
        for start in prefix.segment_starts().iter().copied().map(usize::from) {
            let Some(rest) = bytes.get(start..).filter(|r| !r.is_empty()) else {
                return false; // that segment is not contiguous yet
            };
            match tls::opens_client_hello(rest) {
                None => return false,
                Some(false) => continue,
                Some(true) => {}
            }
            let scan = tls::scan(rest);
            if let Some(ch) = scan.client_hello {
                self.tls_hello(seen, ch, Some(start));
                return true;
            }
            if !scan.finished {
                return false; // the rest of the hello is still to come
            }
        }
        bytes.len() > MAX_SEGMENT_START
    }
}
