use super::*;
use crate::flow::key::Endpoint;
use crate::flow::{FragmentTracker, PacketRef};

const SEC: i64 = 1_000_000_000;

fn ep(ip: &str, port: u16) -> Endpoint {
    Endpoint {
        ip: ip.parse().unwrap(),
        port,
    }
}

fn tcp(ts: i64, src: Endpoint, dst: Endpoint, flags: u8, len: u32, n: u64) -> PacketMeta {
    PacketMeta {
        ts: Timestamp::from_nanos(ts),
        protocol: PROTO_TCP,
        src,
        dst,
        has_ports: true,
        ip_len: len,
        payload_len: len.saturating_sub(40),
        tcp_flags: Some(TcpFlags(flags)),
        seq: 0,
        ack: 0,
        fragment: false,
        at: PacketRef {
            input: 0,
            number: n,
        },
    }
}

fn udp(ts: i64, src: Endpoint, dst: Endpoint, len: u32, n: u64) -> PacketMeta {
    PacketMeta {
        protocol: PROTO_UDP,
        tcp_flags: None,
        ..tcp(ts, src, dst, 0, len, n)
    }
}

const S: u8 = TcpFlags::SYN;
const SA: u8 = TcpFlags::SYN | TcpFlags::ACK;
const A: u8 = TcpFlags::ACK;
const FA: u8 = TcpFlags::FIN | TcpFlags::ACK;

#[test]
fn handshake_counts_and_close() {
    let (c, s) = (ep("192.168.1.6", 60543), ep("52.114.77.33", 443));
    let mut t = FlowTable::new(10, Timeouts::default());
    t.add(&tcp(0, c, s, S, 60, 1));
    t.add(&tcp(11, s, c, SA, 60, 2));
    t.add(&tcp(12, c, s, A, 52, 3));
    t.add(&tcp(13, c, s, FA, 52, 4));
    t.add(&tcp(14, s, c, FA, 52, 5));
    t.add(&tcp(15, c, s, A, 52, 6));
    // A new SYN on the same tuple after the close opens a second flow.
    t.add(&tcp(SEC, c, s, S, 60, 7));
    let (flows, stats) = t.finish();
    assert_eq!(flows.len(), 2);
    let f = &flows[0];
    assert_eq!((f.client, f.server, f.client_by), (c, s, ClientBy::Syn));
    assert_eq!((f.packets, f.bytes), ([4, 2], [216, 112]));
    assert_eq!(f.tcp_flags, [S | A | TcpFlags::FIN, SA | TcpFlags::FIN]);
    assert_eq!(
        (f.end, f.first_packet.number, f.last_packet.number),
        (Some(FlowEnd::Fin), 1, 6)
    );
    assert_eq!(flows[1].end, Some(FlowEnd::EndOfCapture));
    assert_eq!(stats.evicted, 0);
}

#[test]
fn client_without_syn() {
    let (c, s) = (ep("10.0.0.2", 50000), ep("192.0.2.1", 443));
    let mut t = FlowTable::new(10, Timeouts::default());
    // SYN/ACK first: its receiver is the client.
    t.add(&tcp(0, s, c, SA, 60, 1));
    // Mid-stream: a packet from the server port to an ephemeral port.
    t.add(&udp(0, ep("192.0.2.53", 53), ep("10.0.0.2", 40000), 100, 2));
    // Neither side a service port: first sender is the client.
    t.add(&udp(
        0,
        ep("10.0.0.2", 40001),
        ep("10.0.0.3", 40002),
        100,
        3,
    ));
    let (flows, _) = t.finish();
    assert_eq!((flows[0].client, flows[0].client_by), (c, ClientBy::SynAck));
    assert_eq!(flows[0].packets, [0, 1]);
    assert_eq!(
        (flows[1].client, flows[1].client_by),
        (ep("10.0.0.2", 40000), ClientBy::PortHeuristic)
    );
    assert_eq!(flows[1].packets, [0, 1]);
    assert_eq!(flows[2].client_by, ClientBy::FirstPacket);
}

#[test]
fn late_syn_reorients_a_guessed_flow() {
    let (c, s) = (ep("10.0.0.2", 50000), ep("10.0.0.9", 50001));
    let mut t = FlowTable::new(10, Timeouts::default());
    t.add(&tcp(0, s, c, A, 52, 1));
    t.add(&tcp(1, c, s, S, 60, 2));
    let (flows, _) = t.finish();
    assert_eq!((flows[0].client, flows[0].client_by), (c, ClientBy::Syn));
    assert_eq!((flows[0].packets, flows[0].bytes), ([1, 1], [60, 52]));
}

#[test]
fn idle_timeout_splits_udp() {
    let (c, s) = (ep("10.0.0.2", 50000), ep("192.0.2.1", 3478));
    let mut t = FlowTable::new(10, Timeouts::default());
    t.add(&udp(0, c, s, 100, 1));
    t.add(&udp(120 * SEC, c, s, 100, 2));
    t.add(&udp(241 * SEC, c, s, 100, 3));
    let (flows, _) = t.finish();
    assert_eq!(flows.len(), 2);
    assert_eq!(
        (flows[0].packets, flows[0].end),
        ([2, 0], Some(FlowEnd::IdleTimeout))
    );
    assert_eq!(flows[1].first_packet.number, 3);
}

#[test]
fn full_table_evicts_least_recent_and_counts() {
    let mut t = FlowTable::new(4, Timeouts::default());
    for i in 0..6u16 {
        t.add(&udp(
            i64::from(i),
            ep("10.0.0.2", 40000 + i),
            ep("192.0.2.1", 53),
            80,
            u64::from(i) + 1,
        ));
    }
    assert!(t.active_len() <= 4);
    let (flows, stats) = t.finish();
    assert_eq!(flows.len(), 6);
    assert_eq!(stats.evicted, 2);
    assert_eq!(flows[0].end, Some(FlowEnd::Evicted));
    assert_eq!(flows[1].end, Some(FlowEnd::Evicted));
    assert_eq!(flows[5].end, Some(FlowEnd::EndOfCapture));
}

#[test]
fn fragments_join_their_flow_in_any_order() {
    let (c, s) = (ep("10.0.0.5", 40001), ep("198.51.100.20", 4500));
    let mut t = FlowTable::new(10, Timeouts::default());
    let mut frags = FragmentTracker::new();
    let frag = |ts, len, n, ports: bool| PacketMeta {
        fragment: true,
        has_ports: ports,
        ..udp(
            ts,
            if ports { c } else { ep("10.0.0.5", 0) },
            if ports { s } else { ep("198.51.100.20", 0) },
            len,
            n,
        )
    };
    frags.fragment(frag(0, 1500, 1, false), 0x1234, false, |p| {
        t.add(p);
    });
    assert_eq!(t.active_len(), 0);
    frags.fragment(frag(1, 1500, 2, true), 0x1234, true, |p| {
        t.add(p);
    });
    frags.fragment(frag(2, 48, 3, false), 0x1234, false, |p| {
        t.add(p);
    });
    // A lone fragment of another datagram: released port-less at the end.
    frags.fragment(frag(3, 500, 4, false), 0x9999, false, |p| {
        t.add(p);
    });
    frags.flush(|p| {
        t.add(p);
    });
    let (flows, _) = t.finish();
    assert_eq!(flows.len(), 2);
    assert_eq!(
        (flows[0].client, flows[0].packets, flows[0].bytes),
        (c, [3, 0], [3048, 0])
    );
    assert_eq!(flows[0].fragments, 3);
    assert!(!flows[1].has_ports);
    assert_eq!(flows[1].bytes, [500, 0]);
    assert_eq!(frags.stats().attributed, 2);
    assert_eq!(frags.stats().unattributed, 1);
}

#[test]
fn port_ranks() {
    assert_eq!(
        (
            port_rank(443),
            port_rank(3478),
            port_rank(2222),
            port_rank(54750),
            port_rank(0)
        ),
        (0, 0, 1, 2, 2)
    );
}

#[test]
fn a_full_table_sweeps_rarely_even_when_flows_keep_timing_out() {
    // Each new flow arrives just after one old flow timed out: the sweep must still free a
    // sixteenth of the table, not only the one timed-out flow.
    let max = 64;
    let mut t = FlowTable::new(max, Timeouts::default());
    for i in 0..2000u32 {
        let port = 10_000 + (i % 60_000) as u16;
        t.add(&udp(
            i64::from(i) * 1_850_000_000,
            ep("10.0.0.2", port),
            ep("192.0.2.1", 53),
            80,
            u64::from(i),
        ));
    }
    let (flows, stats) = t.finish();
    assert_eq!(flows.len(), 2000);
    assert!(
        stats.sweeps <= 2000 / (max as u64 / 16) + 1,
        "{} sweeps",
        stats.sweeps
    );
}

#[test]
fn a_closed_flow_pushed_out_keeps_how_it_ended() {
    let (c, s) = (ep("10.0.0.2", 50000), ep("192.0.2.1", 443));
    let mut t = FlowTable::new(1, Timeouts::default());
    t.add(&tcp(0, c, s, S, 60, 1));
    t.add(&tcp(1, c, s, FA, 52, 2));
    t.add(&tcp(2, s, c, FA, 52, 3));
    t.add(&udp(3, c, ep("192.0.2.9", 53), 70, 4));
    let (flows, stats) = t.finish();
    assert_eq!(flows[0].end, Some(FlowEnd::Fin));
    assert_eq!(stats.evicted, 0);
}

#[test]
fn a_wild_timestamp_does_not_rewrite_other_flows_ends() {
    let mut t = FlowTable::new(10, Timeouts::default());
    t.add(&udp(0, ep("10.0.0.2", 40000), ep("192.0.2.1", 53), 80, 1));
    t.add(&udp(SEC, ep("10.0.0.2", 40001), ep("192.0.2.1", 53), 80, 2));
    t.add(&udp(
        i64::MAX / 2,
        ep("10.0.0.2", 40002),
        ep("192.0.2.1", 53),
        80,
        3,
    ));
    let (flows, _) = t.finish();
    assert!(flows.iter().all(|f| f.end == Some(FlowEnd::EndOfCapture)));
}

/// The open-flow entry stays small: ≤ 300 B per open flow with the hash table's slack is the
/// budget (docs/performance.md measures it).
#[test]
fn open_flow_entry_is_compact() {
    let entry = std::mem::size_of::<FlowKey>() + std::mem::size_of::<super::Open>();
    // 48-byte key + 144-byte flow (16 of them the payload counters, issue 12; 32 the TCP
    // sequence tracking of the capture-loss estimate, partly paid for by packing).
    assert!(entry <= 192, "key + open flow = {entry} bytes");
    // What the table stores: the slab entry and the index entry (key + u32 slot).
    assert_eq!(
        (FlowTable::SLAB_ENTRY_BYTES, FlowTable::INDEX_ENTRY_BYTES),
        (144, 52)
    );
}

#[test]
fn capture_time_moving_on_closes_idle_flows_and_one_wild_timestamp_does_not() {
    let t = Timeouts {
        udp_idle: 10,
        ..Timeouts::default()
    };
    let mut table = FlowTable::new(100, t);
    let (c, s) = (ep("10.0.0.2", 40000), ep("192.0.2.1", 3478));
    table.add(&udp(0, c, s, 100, 1));
    // One packet dated a year later (a broken clock) moves nothing on its own.
    table.add(&udp(365 * 24 * 3600 * SEC, ep("10.0.0.3", 1), s, 100, 2));
    table.add(&udp(SEC, ep("10.0.0.4", 1), s, 100, 3));
    assert!(!table.has_ended());
    // Capture time really moves on (two packets agree): the first flow has timed out.
    for (i, secs) in [20, 21].into_iter().enumerate() {
        table.add(&udp(secs * SEC, ep("10.0.0.5", 1), s, 100, 4 + i as u64));
    }
    let ended: Vec<Flow> = table.take_ended().collect();
    let ids: Vec<u64> = ended.iter().map(|f| f.id.0).collect();
    assert_eq!(
        ids,
        vec![1, 3],
        "flows 1 and 3 idle for over 10 s; flow 2's packet is in the future"
    );
    assert!(ended.iter().all(|f| f.end == Some(FlowEnd::IdleTimeout)));
    assert_eq!(table.stats().expiry_sweeps, 1);
    assert_eq!(table.active_len(), 2);
}

/// The capture-loss estimate through the table: a connection whose server segment of 1000
/// bytes the capture missed. The payload counts as sent (`payload_len`), whatever the capture
/// kept; the gap is the server direction's, and reorienting keeps it there.
#[test]
fn capture_gaps_are_counted_per_flow_and_in_total() {
    let (c, s) = (ep("10.0.0.2", 50000), ep("192.0.2.1", 443));
    let mut t = FlowTable::new(10, Timeouts::default());
    let seg = |ts, src, dst, flags, payload: u32, seq, ack, n| PacketMeta {
        seq,
        ack,
        payload_len: payload,
        ..tcp(ts, src, dst, flags, 40 + payload, n)
    };
    // Mid-stream: the server's data first (the flow is oriented by ports), then the handshake
    // is never seen; every ACK after the first packet of each side is checked.
    t.add(&seg(0, s, c, A, 1400, 9001, 501, 1));
    t.add(&seg(1, c, s, A, 0, 501, 10_401, 2));
    // The next 1000 bytes of the server are missed; the client acknowledges them.
    t.add(&seg(2, c, s, A, 0, 501, 11_401, 3));
    t.add(&seg(3, s, c, A, 100, 11_401, 501, 4));
    t.add(&seg(4, c, s, A, 0, 501, 11_501, 5));
    let loss = t.capture_loss().totals;
    assert_eq!((loss.acks, loss.gaps, loss.gap_bytes), (4, 1, 1000));
    assert_eq!(t.capture_loss().intervals().count(), 1);
    let (flows, _) = t.finish();
    assert_eq!(flows[0].client_by, ClientBy::PortHeuristic);
    assert_eq!(flows[0].capture_gaps, [0, 1]);
}
