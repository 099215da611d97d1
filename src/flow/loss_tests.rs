use super::*;

const C2S: usize = 0;
const S2C: usize = 1;
const S: TcpFlags = TcpFlags(TcpFlags::SYN);
const SA: TcpFlags = TcpFlags(TcpFlags::SYN | TcpFlags::ACK);
const A: TcpFlags = TcpFlags(TcpFlags::ACK);
const FA: TcpFlags = TcpFlags(TcpFlags::FIN | TcpFlags::ACK);
const RA: TcpFlags = TcpFlags(TcpFlags::RST | TcpFlags::ACK);

/// A connection: the client's ISN `c`, the server's `s`, handshake done.
fn connected(c: u32, s: u32) -> TcpSeen {
    let mut t = TcpSeen::default();
    assert_eq!(t.packet(C2S, c, 0, 0, S, false), Check::None);
    assert_eq!(
        t.packet(S2C, s, c.wrapping_add(1), 0, SA, false),
        Check::Ack
    );
    assert_eq!(
        t.packet(C2S, c.wrapping_add(1), s.wrapping_add(1), 0, A, false),
        Check::Ack
    );
    t
}

#[test]
fn in_order_data_has_no_gap() {
    let (c, s) = (1000, 5000);
    let mut t = connected(c, s);
    assert_eq!(t.packet(C2S, c + 1, s + 1, 300, A, false), Check::Ack);
    assert_eq!(t.packet(S2C, s + 1, c + 301, 1400, A, false), Check::Ack);
    assert_eq!(t.packet(S2C, s + 1401, c + 301, 600, A, false), Check::Ack);
    assert_eq!(t.packet(C2S, c + 301, s + 2001, 0, A, false), Check::Ack);
    assert_eq!(t.packet(C2S, c + 301, s + 2001, 0, FA, false), Check::Ack);
    assert_eq!(t.packet(S2C, s + 2001, c + 302, 0, FA, false), Check::Ack);
    assert_eq!(t.packet(C2S, c + 302, s + 2002, 0, A, false), Check::Ack);
    assert_eq!(t.gaps(), [0, 0]);
}

#[test]
fn ack_of_a_segment_never_seen_is_one_gap() {
    let (c, s) = (1000, 5000);
    let mut t = connected(c, s);
    // The server sends 1400 + 1400 bytes; the capture misses the second segment.
    assert_eq!(t.packet(S2C, s + 1, c + 1, 1400, A, false), Check::Ack);
    assert_eq!(
        t.packet(C2S, c + 1, s + 2801, 0, A, false),
        Check::Gap(1400)
    );
    // A duplicate of that ACK, and the next ACK of data seen: the hole counted once.
    assert_eq!(t.packet(C2S, c + 1, s + 2801, 0, A, false), Check::Ack);
    assert_eq!(t.packet(S2C, s + 2801, c + 1, 500, A, false), Check::Ack);
    assert_eq!(t.packet(C2S, c + 1, s + 3301, 0, A, false), Check::Ack);
    assert_eq!(t.gaps(), [0, 1]);
}

#[test]
fn hole_with_later_data_seen_counts_the_hole() {
    let (c, s) = (1000, 5000);
    let mut t = connected(c, s);
    // Segments 1, 3 and 4 seen, 2 (1000 bytes) missed; the ACK covers all four.
    t.packet(S2C, s + 1, c + 1, 1000, A, false);
    t.packet(S2C, s + 2001, c + 1, 1000, A, false);
    t.packet(S2C, s + 3001, c + 1, 1000, A, false);
    assert_eq!(
        t.packet(C2S, c + 1, s + 4001, 0, A, false),
        Check::Gap(1000)
    );
    // Two holes and an ACK beyond the highest segment seen: all their bytes.
    t.packet(S2C, s + 4501, c + 1, 500, A, false); // hole 4001..4501
    t.packet(S2C, s + 5201, c + 1, 100, A, false); // hole 5001..5201
    assert_eq!(
        t.packet(C2S, c + 1, s + 5801, 0, A, false),
        Check::Gap(500 + 200 + 500)
    );
    assert_eq!(t.gaps(), [0, 2]);
}

#[test]
fn retransmission_filling_a_hole_is_no_gap() {
    // A segment lost before the capture point: the receiver never got it either, the sender
    // resends it, and the capture sees both the later segment and the resent one.
    let (c, s) = (1000, 5000);
    let mut t = connected(c, s);
    t.packet(S2C, s + 1, c + 1, 1000, A, false);
    t.packet(S2C, s + 2001, c + 1, 1000, A, false);
    assert_eq!(t.packet(C2S, c + 1, s + 1001, 0, A, false), Check::Ack);
    t.packet(S2C, s + 1001, c + 1, 1000, A, false); // the retransmission
    assert_eq!(t.packet(C2S, c + 1, s + 3001, 0, A, false), Check::Ack);
    // A plain retransmission of data already acknowledged changes nothing.
    t.packet(S2C, s + 1, c + 1, 1000, A, false);
    assert_eq!(t.packet(C2S, c + 1, s + 3001, 0, A, false), Check::Ack);
    assert_eq!(t.gaps(), [0, 0]);
}

#[test]
fn keep_alives_are_no_gap() {
    let (c, s) = (1000, 5000);
    let mut t = connected(c, s);
    t.packet(C2S, c + 1, s + 1, 100, A, false);
    // Keep-alives one byte before the next sequence number, without and with a byte.
    assert_eq!(t.packet(C2S, c + 100, s + 1, 0, A, false), Check::Ack);
    assert_eq!(t.packet(S2C, s + 1, c + 101, 0, A, false), Check::Ack);
    assert_eq!(t.packet(C2S, c + 100, s + 1, 1, A, false), Check::Ack);
    assert_eq!(t.packet(S2C, s + 1, c + 101, 0, A, false), Check::Ack);
    assert_eq!(t.gaps(), [0, 0]);
}

#[test]
fn sequence_numbers_wrap() {
    // Both ISNs just below 2^32: the data crosses zero.
    let (c, s) = (u32::MAX - 10, u32::MAX - 100);
    let mut t = connected(c, s);
    let s1 = s.wrapping_add(1);
    t.packet(S2C, s1, c.wrapping_add(1), 1000, A, false);
    assert_eq!(
        t.packet(C2S, c.wrapping_add(1), s1.wrapping_add(1000), 0, A, false),
        Check::Ack
    );
    // 1000 bytes sent after zero are missed.
    assert_eq!(
        t.packet(C2S, c.wrapping_add(1), s1.wrapping_add(2000), 0, A, false),
        Check::Gap(1000)
    );
    assert_eq!(t.gaps(), [0, 1]);
}

#[test]
fn mid_stream_start_sets_the_baseline() {
    let mut t = TcpSeen::default();
    // The first packet seen acknowledges server data the capture never saw: not checked.
    assert_eq!(t.packet(C2S, 70_000, 90_000, 0, A, false), Check::None);
    // The server's first segment sets its baseline; the client's ACK of it is checked.
    assert_eq!(t.packet(S2C, 90_000, 70_000, 500, A, false), Check::Ack);
    assert_eq!(t.packet(C2S, 70_000, 90_500, 0, A, false), Check::Ack);
    assert_eq!(t.packet(C2S, 70_000, 91_000, 0, A, false), Check::Gap(500));
}

#[test]
fn a_jump_past_a_gibibyte_counts_without_bytes() {
    let (c, s) = (1000, 5000);
    let mut t = connected(c, s);
    let far = (s + 1).wrapping_add(MAX_GAP_BYTES + 1);
    assert_eq!(t.packet(C2S, c + 1, far, 0, A, false), Check::Gap(0));
    // An ACK 2 GiB or more ahead is indistinguishable from one behind: not a gap.
    let behind = far.wrapping_add(1 << 31);
    assert_eq!(t.packet(C2S, c + 1, behind, 0, A, false), Check::Ack);
}

#[test]
fn rst_does_not_move_the_baseline_but_its_ack_is_checked() {
    let (c, s) = (1000, 5000);
    let mut t = connected(c, s);
    t.packet(C2S, c + 1, s + 1, 100, A, false);
    // A reset with a sequence number far ahead (in the window) moves nothing.
    assert_eq!(t.packet(C2S, c + 40_000, s + 1, 0, RA, false), Check::Ack);
    assert_eq!(t.packet(S2C, s + 1, c + 101, 0, A, false), Check::Ack);
    // Its ACK is checked as any other.
    assert_eq!(t.packet(S2C, s + 1, c + 101, 0, RA, false), Check::Ack);
    assert_eq!(t.packet(C2S, c + 101, s + 50, 0, RA, false), Check::Gap(49));
}

#[test]
fn a_new_syn_starts_a_new_sequence_space() {
    let (c, s) = (1000, 5000);
    let mut t = connected(c, s);
    t.packet(C2S, c + 1, s + 1, 100, A, false);
    // The port is reused with new ISNs before the table closed the flow: no gap.
    assert_eq!(t.packet(C2S, 900_000, 0, 0, S, false), Check::None);
    assert_eq!(t.packet(S2C, 7_000_000, 900_001, 0, SA, false), Check::Ack);
    assert_eq!(t.packet(C2S, 900_001, 7_000_001, 0, A, false), Check::Ack);
    assert_eq!(t.gaps(), [0, 0]);
}

#[test]
fn a_fragmented_segment_drops_the_baseline() {
    let (c, s) = (1000, 5000);
    let mut t = connected(c, s);
    // The first fragment of a 3000-byte segment: 1400 bytes of it in this fragment.
    assert_eq!(t.packet(S2C, s + 1, c + 1, 1400, A, true), Check::Ack);
    // The ACK of the whole segment is not checked; the next whole segment sets the baseline.
    assert_eq!(t.packet(C2S, c + 1, s + 3001, 0, A, false), Check::None);
    t.packet(S2C, s + 3001, c + 1, 100, A, false);
    assert_eq!(t.packet(C2S, c + 1, s + 3101, 0, A, false), Check::Ack);
}

#[test]
fn swap_keeps_each_direction_with_its_gaps() {
    let (c, s) = (1000, 5000);
    let mut t = connected(c, s);
    assert_eq!(t.packet(C2S, c + 1, s + 11, 0, A, false), Check::Gap(10));
    t.swap();
    assert_eq!(t.gaps(), [1, 0]);
    assert_eq!(t.packet(C2S, s + 11, c + 1, 0, A, false), Check::Ack);
}

const MIN: i64 = 60 * NANOS;

#[test]
fn intervals_count_by_capture_time() {
    let mut l = CaptureLoss::default();
    let at = |ns: i64| Timestamp(1_700_000_000 * NANOS + ns);
    l.record(at(0), Check::Ack);
    l.record(at(1), Check::Gap(100));
    l.record(at(1), Check::None);
    l.record(at(2 * MIN), Check::Ack);
    // A packet a little older than the last one (another input's clock) finds its interval.
    l.record(at(5), Check::Ack);
    assert_eq!(
        l.totals,
        LossCounts {
            acks: 4,
            gaps: 1,
            gap_bytes: 100
        }
    );
    let iv: Vec<LossInterval> = l.intervals().collect();
    assert_eq!(iv.len(), 2);
    // 1,700,000,000 s is 20 s into its minute.
    assert_eq!(iv[0].start, Timestamp(1_699_999_980 * NANOS));
    assert_eq!(iv[0].end, Timestamp(1_700_000_040 * NANOS));
    assert_eq!((iv[0].counts.acks, iv[0].counts.gaps), (3, 1));
    assert_eq!(iv[0].counts.percent(), Some(33.333));
    assert_eq!(iv[1].start, Timestamp(1_700_000_100 * NANOS));
    assert_eq!((iv[1].counts.acks, iv[1].counts.gaps), (1, 0));
    assert_eq!(l.interval_seconds(), 60);
    assert_eq!(LossCounts::default().percent(), None);
}

#[test]
fn a_full_interval_list_merges_pairwise() {
    let mut l = CaptureLoss::default();
    for m in 0..=MAX_INTERVALS as i64 {
        l.record(Timestamp(m * MIN), Check::Ack);
    }
    // 1,441 minutes: merged into 721 two-minute intervals.
    assert_eq!(l.interval_seconds(), 120);
    let iv: Vec<LossInterval> = l.intervals().collect();
    assert_eq!(iv.len(), 721);
    assert_eq!((iv[0].start, iv[0].end), (Timestamp(0), Timestamp(2 * MIN)));
    assert_eq!(iv[0].counts.acks, 2);
    assert_eq!(iv[720].counts.acks, 1);
    assert_eq!(l.totals.acks, 1441);
    // The fast path still finds the current interval after the merge.
    l.record(Timestamp(1440 * MIN + 1), Check::Gap(7));
    let last = l.intervals().last().unwrap();
    assert_eq!((last.counts.acks, last.counts.gaps), (2, 1));
}

#[test]
fn wild_timestamps_stay_bounded() {
    let mut l = CaptureLoss::default();
    // Far-apart timestamps never share an interval until the width is huge: the list
    // still stays within its bound, and the widths do not overflow.
    for i in 0..3000i64 {
        l.record(Timestamp(i.wrapping_mul(3_074_457_345_618_258)), Check::Ack);
    }
    l.record(Timestamp(i64::MIN), Check::Ack);
    l.record(Timestamp(i64::MAX), Check::Ack);
    assert!(l.intervals().count() <= MAX_INTERVALS);
    assert_eq!(l.totals.acks, 3002);
    assert_eq!(l.intervals().map(|i| i.counts.acks).sum::<u64>(), 3002);
}
