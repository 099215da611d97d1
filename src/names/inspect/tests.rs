//! The inspection lifecycle: when flows leave, and how the bounds hold under floods.

use super::*;
use crate::decode::TcpFlags;
use crate::flow::PacketRef;

const CLIENT: &str = "10.0.0.2";
const SERVER: &str = "192.0.2.10";
const MS: i64 = 1_000_000;

fn ep(ip: &str, port: u16) -> Endpoint {
    Endpoint {
        ip: ip.parse().unwrap(),
        port,
    }
}

/// A TLS record with a ClientHello naming `host` (TLS 1.2 body, one cipher suite, SNI only).
pub(super) fn client_hello(host: &str) -> Vec<u8> {
    let name = host.as_bytes();
    let mut sni = vec![0, 0];
    let list_len = 3 + name.len();
    sni.extend_from_slice(&((list_len + 2) as u16).to_be_bytes());
    sni.extend_from_slice(&(list_len as u16).to_be_bytes());
    sni.push(0);
    sni.extend_from_slice(&(name.len() as u16).to_be_bytes());
    sni.extend_from_slice(name);
    let mut body = vec![3, 3];
    body.extend_from_slice(&[7; 32]);
    body.extend_from_slice(&[0, 0, 2, 0x13, 0x01, 1, 0]);
    body.extend_from_slice(&(sni.len() as u16).to_be_bytes());
    body.extend_from_slice(&sni);
    let mut hs = vec![1, 0];
    hs.extend_from_slice(&(body.len() as u16).to_be_bytes());
    hs.extend_from_slice(&body);
    let mut record = vec![22, 3, 1];
    record.extend_from_slice(&(hs.len() as u16).to_be_bytes());
    record.extend_from_slice(&hs);
    record
}

pub(super) struct Packet {
    flow: u64,
    opened: bool,
    pub(super) from_client: bool,
    port: u16,
    transport: Transport<'static>,
    partial: bool,
    ms: i64,
}

pub(super) fn tcp(flow: u64, port: u16, seq: u32, flags: u8, payload: &'static [u8]) -> Packet {
    Packet {
        flow,
        opened: false,
        from_client: true,
        port,
        transport: Transport::Tcp {
            src_port: port,
            dst_port: 443,
            seq,
            ack: 0,
            flags: TcpFlags(flags),
            payload,
        },
        partial: false,
        ms: 0,
    }
}

impl Packet {
    pub(super) fn opened(mut self) -> Self {
        self.opened = true;
        self
    }
    pub(super) fn at(mut self, ms: i64) -> Self {
        self.ms = ms;
        self
    }
    pub(super) fn feed(&self, namer: &mut Namer) {
        let (client, server) = (ep(CLIENT, self.port), ep(SERVER, 443));
        let (src, dst) = if self.from_client {
            (client, server)
        } else {
            (server, client)
        };
        namer.packet(&FlowPacket {
            flow: FlowId(self.flow),
            opened: self.opened,
            src,
            dst,
            transport: &self.transport,
            partial: self.partial,
            ts: Timestamp(self.ms * MS),
            at: PacketRef {
                input: 0,
                number: self.flow,
            },
        });
    }
}

pub(super) fn leak(bytes: Vec<u8>) -> &'static [u8] {
    Box::leak(bytes.into_boxed_slice())
}

#[test]
fn a_flood_of_half_open_flows_is_evicted_a_sixteenth_at_a_time() {
    let mut namer = Namer::with_limits(64, MAX_HELD_BYTES);
    for flow in 1..=1000u64 {
        tcp(flow, 1024 + flow as u16, 1, TcpFlags::SYN, &[])
            .opened()
            .at(flow as i64)
            .feed(&mut namer);
        assert!(namer.inspecting.len() <= 64);
    }
    assert_eq!(namer.stats.inspected, 1000);
    assert_eq!(namer.stats.evicted, 1000 - namer.inspecting.len() as u64);
    // Each sweep frees 64 / 16 = 4 places: 1000 flows need about 234 sweeps, not 1000.
    assert!(namer.stats.sweeps <= 240, "{} sweeps", namer.stats.sweeps);
    // The oldest went first: the newest flow is still inspected.
    assert!(namer.inspecting.contains_key(&FlowId(1000)));
    assert!(!namer.inspecting.contains_key(&FlowId(1)));
}

#[test]
fn rst_and_fin_both_ways_end_inspection() {
    let mut namer = Namer::new();
    tcp(1, 40000, 1, TcpFlags::SYN, &[])
        .opened()
        .feed(&mut namer);
    tcp(1, 40000, 2, TcpFlags::RST, &[]).feed(&mut namer);
    assert!(namer.inspecting.is_empty());

    tcp(2, 40001, 1, TcpFlags::SYN, &[])
        .opened()
        .feed(&mut namer);
    tcp(2, 40001, 2, TcpFlags::FIN | TcpFlags::ACK, &[]).feed(&mut namer);
    assert_eq!(namer.inspecting.len(), 1, "one side still open");
    let mut back = tcp(2, 40001, 9, TcpFlags::FIN | TcpFlags::ACK, &[]);
    back.from_client = false;
    back.feed(&mut namer);
    assert!(namer.inspecting.is_empty());
    assert_eq!(namer.held, 0);
}

#[test]
fn a_stuck_flow_leaves_after_its_window() {
    let mut namer = Namer::new();
    tcp(1, 40000, 1, TcpFlags::SYN, &[])
        .opened()
        .feed(&mut namer);
    // Data after a gap: held, never contiguous.
    tcp(1, 40000, 500, TcpFlags::ACK, leak(vec![1; 300]))
        .at(10)
        .feed(&mut namer);
    assert!(namer.held > 0);
    tcp(1, 40000, 800, TcpFlags::ACK, leak(vec![1; 10]))
        .at(31_000)
        .feed(&mut namer);
    assert!(namer.inspecting.is_empty());
    assert_eq!(namer.held, 0);
}

#[test]
fn held_bytes_stay_bounded_and_new_flows_still_get_their_names() {
    const BUDGET: usize = 1 << 20;
    let mut namer = Namer::with_limits(4096, BUDGET);
    // 200 flows each park 20 KB behind a gap that never fills.
    let parked = leak(vec![0xab; 20_000]);
    for flow in 1..=200u64 {
        let port = 20_000 + flow as u16;
        tcp(flow, port, 1, TcpFlags::SYN, &[])
            .opened()
            .at(flow as i64)
            .feed(&mut namer);
        tcp(flow, port, 1000, TcpFlags::ACK, parked)
            .at(flow as i64)
            .feed(&mut namer);
        assert!(namer.held <= BUDGET, "held {}", namer.held);
    }
    assert!(namer.stats.evicted > 0);
    // A new flow's ClientHello still fits and is read.
    let hello = leak(client_hello("teams.microsoft.com"));
    tcp(500, 50_000, 1, TcpFlags::SYN, &[])
        .opened()
        .at(300)
        .feed(&mut namer);
    tcp(500, 50_000, 2, TcpFlags::ACK | TcpFlags::PSH, hello)
        .at(301)
        .feed(&mut namer);
    let sni = namer.facts[&FlowId(500)]
        .tls
        .as_ref()
        .and_then(|h| h.sni.clone());
    assert_eq!(sni.as_deref(), Some("teams.microsoft.com"));
    // The accounting matches what the flows hold.
    let actual: usize = namer.inspecting.values().map(Inspect::held).sum();
    assert_eq!(namer.held, actual);
}

#[test]
fn udp_that_is_not_quic_keeps_no_state() {
    let mut namer = Namer::new();
    for flow in 1..=100u64 {
        let p = Packet {
            transport: Transport::Udp {
                src_port: 5004,
                dst_port: 5006,
                payload: leak(vec![0x80, 0x60, 0, flow as u8, 1, 2, 3, 4, 5, 6, 7, 8]),
            },
            ..tcp(flow, 5004, 0, 0, &[]).opened()
        };
        p.feed(&mut namer);
    }
    assert!(namer.inspecting.is_empty());
    assert_eq!(namer.stats.inspected, 0);
    assert!(namer.facts.is_empty());
}

#[test]
fn a_flow_opened_by_a_cut_packet_is_inspected_from_its_next_packet() {
    let mut namer = Namer::new();
    let mut first = tcp(1, 40000, 1, TcpFlags::SYN, &[]).opened();
    first.partial = true;
    first.feed(&mut namer);
    let hello = leak(client_hello("login.microsoftonline.com"));
    tcp(1, 40000, 2, TcpFlags::ACK | TcpFlags::PSH, hello).feed(&mut namer);
    let sni = namer.facts[&FlowId(1)]
        .tls
        .as_ref()
        .and_then(|h| h.sni.clone());
    assert_eq!(sni.as_deref(), Some("login.microsoftonline.com"));
}

#[test]
fn a_flow_not_opened_here_is_not_picked_up_midway() {
    // Its inspection ended (or it was evicted): later packets do not start it again.
    let mut namer = Namer::new();
    let hello = leak(client_hello("teams.microsoft.com"));
    tcp(7, 40000, 2, TcpFlags::ACK | TcpFlags::PSH, hello).feed(&mut namer);
    assert!(namer.inspecting.is_empty());
    assert!(namer.facts.is_empty());
}

/// The budget holds for QUIC too: crafted Initials that park a CRYPTO frame near the end of the
/// stream (anyone can make them: Initial keys are public) in their first datagram.
#[test]
fn crafted_quic_initials_stay_within_the_budget() {
    use crate::names::quic::test_util::{crypto, seal_initial};
    const BUDGET: usize = 2 << 20;
    let mut namer = Namer::with_limits(4096, BUDGET);
    for flow in 1..=200u64 {
        let dcid = [flow as u8, (flow >> 8) as u8, 3, 4, 5, 6, 7, 8];
        let frames = crypto(65_000, &[0x42; 100]);
        let datagram = leak(seal_initial(1, &dcid, &dcid, &[9; 8], 0, &frames, 1162));
        let p = Packet {
            transport: Transport::Udp {
                src_port: 30_000 + flow as u16,
                dst_port: 443,
                payload: datagram,
            },
            ..tcp(flow, 30_000 + flow as u16, 0, 0, &[])
                .opened()
                .at(flow as i64)
        };
        p.feed(&mut namer);
        assert!(
            namer.held <= BUDGET,
            "held {} after flow {flow}",
            namer.held
        );
        let actual: usize = namer.inspecting.values().map(Inspect::held).sum();
        assert_eq!(namer.held, actual);
    }
    assert!(namer.stats.evicted > 0);
}

#[test]
fn a_finished_flow_goes_before_a_live_one_at_a_sweep() {
    let mut namer = Namer::with_limits(16, MAX_HELD_BYTES);
    // Flow 1 opens at 0 s and is last seen at 29.9 s, within its window.
    tcp(1, 40001, 1, TcpFlags::SYN, &[])
        .opened()
        .feed(&mut namer);
    tcp(1, 40001, 2, TcpFlags::ACK, &[])
        .at(29_900)
        .feed(&mut namer);
    // Fifteen live flows open at 11-25 s: last seen before flow 1, still in their window.
    for flow in 2..=16u64 {
        tcp(flow, 40000 + flow as u16, 1, TcpFlags::SYN, &[])
            .opened()
            .at(10_000 + 1_000 * flow as i64)
            .feed(&mut namer);
    }
    // At 40 s the table is full: flow 1 is past its window (finished), so it goes first,
    // although the live flows were seen less recently.
    tcp(17, 40017, 1, TcpFlags::SYN, &[])
        .opened()
        .at(40_000)
        .feed(&mut namer);
    assert!(
        !namer.inspecting.contains_key(&FlowId(1)),
        "finished flow dropped first"
    );
    assert!(
        namer.inspecting.contains_key(&FlowId(2)),
        "oldest live flow kept"
    );
    assert_eq!(
        namer.stats.evicted, 0,
        "dropping a finished flow is not an eviction"
    );
}
