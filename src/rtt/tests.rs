use super::*;
use crate::decode::TcpFlags;
use proptest::prelude::*;
use std::net::{IpAddr, Ipv4Addr};

const CLIENT: Endpoint = ep([192, 168, 1, 6], 50000);
const SERVER: Endpoint = ep([52, 113, 194, 132], 443);
const MS: i64 = 1_000_000;

const fn ep(ip: [u8; 4], port: u16) -> Endpoint {
    Endpoint {
        ip: IpAddr::V4(Ipv4Addr::new(ip[0], ip[1], ip[2], ip[3])),
        port,
    }
}

/// Feeds packets with increasing packet numbers.
struct Feed {
    rtt: RttTracker,
    number: u64,
}

impl Feed {
    fn new() -> Self {
        Feed {
            rtt: RttTracker::new(),
            number: 0,
        }
    }

    fn send(&mut self, flow: u64, src: Endpoint, dst: Endpoint, ts_us: i64, t: Transport<'_>) {
        self.number += 1;
        self.rtt.packet(&FlowPacket {
            flow: FlowId(flow),
            opened: false,
            src,
            dst,
            transport: &t,
            partial: false,
            ts: Timestamp(ts_us * 1000),
            at: PacketRef {
                input: 0,
                number: self.number,
            },
        });
    }

    fn tcp(&mut self, src: Endpoint, dst: Endpoint, ts_us: i64, seq: u32, ack: u32, flags: u8) {
        let t = Transport::Tcp {
            src_port: src.port,
            dst_port: dst.port,
            seq,
            ack,
            flags: TcpFlags(flags),
            payload: &[],
        };
        self.send(1, src, dst, ts_us, t);
    }

    fn udp(&mut self, src: Endpoint, dst: Endpoint, ts_us: i64, payload: &[u8]) {
        let t = Transport::Udp {
            src_port: src.port,
            dst_port: dst.port,
            payload,
        };
        self.send(1, src, dst, ts_us, t);
    }

    fn done(self) -> Rtts {
        self.rtt.finish()
    }
}

const SYN: u8 = TcpFlags::SYN;
const SYN_ACK: u8 = TcpFlags::SYN | TcpFlags::ACK;
const ACK: u8 = TcpFlags::ACK;

#[test]
fn tcp_handshake_both_sides_from_the_first_syn() {
    let mut f = Feed::new();
    f.tcp(CLIENT, SERVER, 0, 1000, 0, SYN);
    f.tcp(CLIENT, SERVER, 1_000_000, 1000, 0, SYN); // retransmitted
    f.tcp(SERVER, CLIENT, 1_011_421, 7000, 1001, SYN_ACK);
    f.tcp(SERVER, CLIENT, 1_500_000, 7000, 1001, SYN_ACK); // retransmitted, ignored
    f.tcp(CLIENT, SERVER, 1_011_461, 1001, 7001, ACK);
    let out = f.done();
    let flow = *out.flows[&FlowId(1)];
    let hs = flow.handshake.unwrap();
    assert_eq!(hs.nanos, 1_011_421_000);
    assert_eq!((hs.request.number, hs.response.number), (1, 3));
    assert_eq!(flow.handshake_ack.unwrap().nanos, 40_000);
    let server = flow.answered_by(SERVER).unwrap();
    assert_eq!((server.samples, server.min.nanos), (1, 1_011_421_000));
    let client = flow.answered_by(CLIENT).unwrap();
    assert_eq!((client.samples, client.min.nanos), (1, 40_000));
    assert_eq!(out.stats.samples, 2);
}

#[test]
fn tcp_answers_must_acknowledge_the_request() {
    let mut f = Feed::new();
    f.tcp(CLIENT, SERVER, 0, 1000, 0, SYN);
    f.tcp(SERVER, CLIENT, 5_000, 7000, 999, SYN_ACK); // acknowledges nothing sent
    f.tcp(CLIENT, SERVER, 5_100, 1001, 7002, ACK); // wrong ack of the SYN/ACK
    let out = f.done();
    assert!(
        out.flows
            .get(&FlowId(1))
            .is_none_or(|f| f.handshake.is_none())
    );
    assert!(
        out.flows
            .get(&FlowId(1))
            .is_none_or(|f| f.handshake_ack.is_none())
    );
}

#[test]
fn tcp_without_the_syn_still_times_the_client_side() {
    let mut f = Feed::new();
    f.tcp(SERVER, CLIENT, 0, u32::MAX, 5, SYN_ACK); // sequence number wraps
    f.tcp(CLIENT, SERVER, 18_000, 5, 0, ACK);
    let flow = *f.done().flows[&FlowId(1)];
    assert_eq!(flow.handshake, None);
    assert_eq!(flow.handshake_ack.unwrap().nanos, 18 * MS as u64);
    assert!(flow.answered_by(SERVER).is_none());
}

fn long_header(first: u8, version: u32, dcid: &[u8], scid: &[u8]) -> Vec<u8> {
    let mut d = vec![first];
    d.extend_from_slice(&version.to_be_bytes());
    d.push(dcid.len() as u8);
    d.extend_from_slice(dcid);
    d.push(scid.len() as u8);
    d.extend_from_slice(scid);
    d.extend_from_slice(&[0; 40]);
    d
}

#[test]
fn quic_initial_to_the_first_packet_addressed_to_the_client() {
    let client_initial = long_header(0xc3, 1, &[1; 8], &[2; 8]);
    let stray = long_header(0xc0, 1, &[9; 8], &[3; 5]); // addressed to another connection
    let server_initial = long_header(0xc0, 1, &[2; 8], &[3; 5]);
    let mut f = Feed::new();
    f.udp(CLIENT, SERVER, 0, &client_initial);
    f.udp(CLIENT, SERVER, 300_000, &client_initial); // retransmitted
    f.udp(SERVER, CLIENT, 320_000, &stray);
    f.udp(SERVER, CLIENT, 325_000, &server_initial);
    f.udp(SERVER, CLIENT, 326_000, &server_initial);
    let out = f.done();
    let server = out.flows[&FlowId(1)].answered_by(SERVER).copied().unwrap();
    assert_eq!(server.samples, 1);
    assert_eq!(server.min.nanos, 325 * MS as u64);
    assert_eq!(server.min.source, Source::Quic);
    assert_eq!(
        (server.min.request.number, server.min.response.number),
        (1, 4)
    );
}

#[test]
fn quic_times_the_first_flight_once() {
    // The server's flight spans two datagrams 50 µs apart; the client ACKs the first with an
    // Initial of the same connection IDs. That ACK is not a new request: the second datagram
    // was already on its way, and pairing them would give a 50 µs round trip.
    let client_initial = long_header(0xc3, 1, &[1; 8], &[2; 8]);
    let server_initial = long_header(0xc0, 1, &[2; 8], &[3; 5]);
    let server_handshake = long_header(0xe0, 1, &[2; 8], &[3; 5]);
    let mut f = Feed::new();
    f.udp(CLIENT, SERVER, 0, &client_initial);
    f.udp(SERVER, CLIENT, 100_000, &server_initial);
    f.udp(CLIENT, SERVER, 100_010, &client_initial); // the client's ACK, an Initial too
    f.udp(SERVER, CLIENT, 100_050, &server_handshake);
    f.udp(CLIENT, SERVER, 100_060, &client_initial);
    f.udp(SERVER, CLIENT, 100_100, &server_initial);
    let out = f.done();
    let flow = *out.flows[&FlowId(1)];
    let server = flow.answered_by(SERVER).unwrap();
    assert_eq!((server.samples, server.min.nanos), (1, 100 * MS as u64));
    // Nor do the server's Initials time the client.
    assert!(flow.answered_by(CLIENT).is_none());
    assert_eq!(out.stats.samples, 1);
}

#[test]
fn quic_v2_initials_use_their_own_type_codes() {
    // RFC 9369 §3.2: Initial is type 0b01 in v2; 0b00 would be 0-RTT.
    let zero_rtt = long_header(0xc0, 0x6b33_43cf, &[1; 8], &[2; 8]);
    let initial = long_header(0xd0, 0x6b33_43cf, &[1; 8], &[2; 8]);
    let answer = long_header(0xd0, 0x6b33_43cf, &[2; 8], &[4; 8]);
    let mut f = Feed::new();
    f.udp(CLIENT, SERVER, 0, &zero_rtt); // does not start the clock
    f.udp(CLIENT, SERVER, 2_000, &initial);
    f.udp(SERVER, CLIENT, 42_500, &answer);
    let server = f.done().flows[&FlowId(1)]
        .answered_by(SERVER)
        .copied()
        .unwrap();
    assert_eq!((server.samples, server.min.nanos), (1, 40_500_000));
}

fn stun(class_bits: u16, id: u8) -> Vec<u8> {
    // Binding with the class bits of RFC 8489 §5 (0x0000 request, 0x0100 success, 0x0110 error).
    let mut m = (0x0001 | class_bits).to_be_bytes().to_vec();
    m.extend_from_slice(&[0, 0, 0x21, 0x12, 0xa4, 0x42]);
    m.extend_from_slice(&[id; 12]);
    m
}

#[test]
fn stun_pairs_by_transaction_id_and_keeps_sides_apart() {
    let relay = ep([52, 112, 1, 10], 3478);
    let mut f = Feed::new();
    f.udp(CLIENT, relay, 0, &stun(0x0000, 1));
    f.udp(CLIENT, relay, 1_000, &stun(0x0000, 2));
    f.udp(CLIENT, relay, 201_000, &stun(0x0000, 2)); // retransmitted
    f.udp(CLIENT, relay, 300_000, &stun(0x0000, 3)); // never answered
    f.udp(relay, CLIENT, 33_000, &stun(0x0100, 1));
    f.udp(relay, CLIENT, 233_000, &stun(0x0110, 2)); // an error response counts
    f.udp(relay, CLIENT, 400_000, &stun(0x0100, 9)); // answers nothing
    // The remote side checks the client: that times the client, not the relay.
    f.udp(relay, CLIENT, 500_000, &stun(0x0000, 4));
    f.udp(CLIENT, relay, 500_300, &stun(0x0100, 4));
    let flow = *f.done().flows[&FlowId(1)];
    let r = flow.answered_by(relay).unwrap();
    assert_eq!(
        (r.samples, r.min.nanos, r.min.source),
        (2, 33 * MS as u64, Source::Stun)
    );
    let c = flow.answered_by(CLIENT).unwrap();
    assert_eq!((c.samples, c.min.nanos), (1, 300_000));
}

#[test]
fn stun_requests_waiting_are_bounded() {
    let relay = ep([52, 112, 1, 10], 3478);
    let mut f = Feed::new();
    for id in 0..=MAX_PENDING_REQUESTS as u8 {
        f.udp(CLIENT, relay, i64::from(id), &stun(0, id));
    }
    f.udp(relay, CLIENT, 10_000, &stun(0x0100, 0)); // forgotten
    f.udp(relay, CLIENT, 10_000, &stun(0x0100, 1));
    let out = f.done();
    assert_eq!(out.stats.requests_dropped, 1);
    assert_eq!(out.flows[&FlowId(1)].answered_by(relay).unwrap().samples, 1);
}

fn dns(id: u16, response: bool, name: &[u8]) -> Vec<u8> {
    let mut m = id.to_be_bytes().to_vec();
    m.extend_from_slice(&[
        if response { 0x81 } else { 0x01 },
        0x00,
        0,
        1,
        0,
        0,
        0,
        0,
        0,
        0,
    ]);
    m.extend_from_slice(name);
    m.extend_from_slice(&[0, 1, 0, 1]);
    m
}

#[test]
fn dns_pairs_by_id_and_question() {
    let resolver = ep([9, 9, 9, 9], 53);
    let name = b"\x05teams\x09microsoft\x03com\x00";
    let other = b"\x05teams\x09microsoft\x03org\x00";
    let mut f = Feed::new();
    f.udp(CLIENT, resolver, 0, &dns(7, false, name));
    f.udp(CLIENT, resolver, 10, &dns(8, false, name));
    f.udp(resolver, CLIENT, 3_000, &dns(7, true, other)); // same ID, other question
    f.udp(resolver, CLIENT, 4_200, &dns(7, true, name));
    f.udp(resolver, CLIENT, 3_910, &dns(8, true, name));
    f.udp(resolver, CLIENT, 5_000, &dns(99, true, name));
    let out = f.done();
    let r = out.flows[&FlowId(1)]
        .answered_by(resolver)
        .copied()
        .unwrap();
    assert_eq!(
        (r.samples, r.min.nanos, r.min.source),
        (2, 3_900_000, Source::Dns)
    );
    assert_eq!(r.min.request.number, 2);
}

#[test]
fn answers_before_their_request_or_from_another_file_are_discarded() {
    let mut rtt = RttTracker::new();
    let t = |flags| Transport::Tcp {
        src_port: 1,
        dst_port: 2,
        seq: 5,
        ack: 11,
        flags: TcpFlags(flags),
        payload: &[],
    };
    let (syn, syn_ack) = (t(SYN), t(SYN_ACK));
    let packet = |flow, src, dst, transport, ts, input| FlowPacket {
        flow: FlowId(flow),
        opened: false,
        src,
        dst,
        transport,
        partial: false,
        ts: Timestamp(ts),
        at: PacketRef { input, number: 1 },
    };
    let (a, b) = (ep([10, 0, 0, 1], 1), ep([10, 0, 0, 2], 2));
    let syn10 = Transport::Tcp {
        src_port: 1,
        dst_port: 2,
        seq: 10,
        ack: 0,
        flags: TcpFlags(SYN),
        payload: &[],
    };
    let _ = syn;
    rtt.packet(&packet(1, a, b, &syn10, 5_000, 0));
    rtt.packet(&packet(1, b, a, &syn_ack, 4_000, 0)); // earlier than the SYN
    rtt.packet(&packet(2, a, b, &syn10, 5_000, 0));
    rtt.packet(&packet(2, b, a, &syn_ack, 6_000, 1)); // another input
    let out = rtt.finish();
    assert_eq!(out.stats.discarded, 2);
    assert_eq!(out.stats.samples, 0);
}

#[test]
fn waiting_flows_are_bounded() {
    let mut rtt = RttTracker::new();
    let syn = Transport::Tcp {
        src_port: 1,
        dst_port: 2,
        seq: 0,
        ack: 0,
        flags: TcpFlags(SYN),
        payload: &[],
    };
    for flow in 0..=MAX_PENDING_FLOWS as u64 {
        rtt.packet(&FlowPacket {
            flow: FlowId(flow),
            opened: false,
            src: CLIENT,
            dst: SERVER,
            transport: &syn,
            partial: false,
            ts: Timestamp(flow as i64),
            at: PacketRef::default(),
        });
        assert!(rtt.pending.len() <= MAX_PENDING_FLOWS);
    }
    // The oldest sixteenth went; the newest flow is there.
    assert_eq!(
        rtt.out.stats.pending_evicted,
        (MAX_PENDING_FLOWS / 16) as u64
    );
    assert!(!rtt.pending.contains_key(&FlowId(0)));
    assert!(rtt.pending.contains_key(&FlowId(MAX_PENDING_FLOWS as u64)));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]
    /// Any bytes, either way, in any order: no panic, and every sample is a real pairing.
    #[test]
    fn arbitrary_datagrams(packets in proptest::collection::vec(
        (any::<bool>(), 0i64..1_000_000, proptest::collection::vec(any::<u8>(), 0..80),
         prop_oneof![Just(53u16), Just(3478u16), Just(443u16)]), 0..40)) {
        let mut f = Feed::new();
        for (to_server, ts, mut payload, port) in packets {
            // Bias towards STUN, QUIC and DNS shapes.
            if let Some(b) = payload.first_mut() && port == 3478 { *b &= 0x3f; }
            let server = ep([52, 112, 1, 10], port);
            let (src, dst) = if to_server { (CLIENT, server) } else { (server, CLIENT) };
            f.udp(src, dst, ts, &payload);
        }
        let out = f.done();
        for flow in out.flows.values() {
            for r in flow.responders.iter().flatten() {
                prop_assert!(r.samples >= 1);
                prop_assert!(r.min.request.number < r.min.response.number);
            }
        }
    }
}

#[test]
fn pending_entry_is_small() {
    // A SYN flood fills this table to MAX_PENDING_FLOWS: each entry must stay small (65,536
    // entries of 232 bytes are 15 MiB, 30 with the hash table's slack).
    let size = std::mem::size_of::<Pending>();
    assert!(size <= 232, "Pending is {size} bytes");
}

#[test]
fn answered_flows_cost_a_pointer_per_slot() {
    // Every open flow whose handshake was answered has a record here: the table's slots hold a
    // pointer, so its slack after growing is 16 bytes a slot, not a whole record.
    let slot = std::mem::size_of::<(FlowId, Box<FlowRtt>)>();
    assert_eq!(slot, 16);
    let record = std::mem::size_of::<FlowRtt>();
    assert!(record <= 320, "FlowRtt is {record} bytes");
}
