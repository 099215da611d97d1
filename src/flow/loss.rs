//! Capture loss estimated from the traffic itself, as Zeek's `capture-loss` script does: a TCP
//! ACK that acknowledges data the capture never saw is a **gap** (the capture missed a segment:
//! a mirror port drops packets before libpcap sees them, so libpcap's own drop counters can
//! read 0 on an incomplete capture). `percent = 100 × gaps / acks`, where `acks` counts the
//! ACKs that could be checked. The rule, its corners and how it differs from tshark's
//! "ACKed segment that wasn't captured" are in docs/capture-loss.md.
//!
//! Per flow direction the open flow keeps a `SeqSeen` (12 bytes): where the data seen
//! without a hole ends, where the highest segment seen ends, and the bytes of the holes in
//! between. Per packet that is a compare or two; the run's totals and per-interval counts are
//! in [`CaptureLoss`].

use crate::decode::TcpFlags;
use crate::timestamp::Timestamp;

/// Whether sequence number `a` is after `b`, in the 32-bit sequence space (RFC 1982 serial
/// arithmetic: `a` is after `b` when it is less than 2^31 ahead).
fn after(a: u32, b: u32) -> bool {
    (a.wrapping_sub(b) as i32) > 0
}

/// The largest hole whose bytes are added up: 1 GiB, the largest window TCP can announce
/// (65,535 << 14, RFC 7323). A jump further than that in one step is still a gap, but its
/// size is more likely a baseline gone wrong (a forged or stray segment, a sequence space
/// reused after the capture missed the close) than data in flight, so its bytes are left out.
pub const MAX_GAP_BYTES: u32 = 1 << 30;

/// `holes` value of a direction whose baseline is not known yet (no segment of it seen).
/// Holes never add up past `2 × MAX_GAP_BYTES`, so the value cannot occur otherwise.
const UNKNOWN: u32 = u32::MAX;

/// What the capture saw of one direction's sequence space.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct SeqSeen {
    /// End of the data seen without a hole since the baseline (what an ACK may cover).
    contig: u32,
    /// End of the highest segment seen (≥ `contig`).
    high: u32,
    /// Bytes of the holes between `contig` and `high` (segments that began beyond the
    /// highest end seen), each at most `MAX_GAP_BYTES`; `UNKNOWN`: no baseline yet.
    holes: u32,
}

impl Default for SeqSeen {
    fn default() -> Self {
        SeqSeen {
            contig: 0,
            high: 0,
            holes: UNKNOWN,
        }
    }
}

impl SeqSeen {
    fn known(&self) -> bool {
        self.holes != UNKNOWN
    }

    /// A segment `[seq, end)` of this direction.
    fn segment(&mut self, seq: u32, end: u32) {
        if !self.known() {
            *self = SeqSeen {
                contig: end,
                high: end,
                holes: 0,
            };
        } else if after(seq, self.high) {
            // It starts beyond everything seen: the capture missed [high, seq).
            let hole = seq.wrapping_sub(self.high);
            if hole <= MAX_GAP_BYTES {
                self.holes = self.holes.saturating_add(hole).min(2 * MAX_GAP_BYTES);
            }
            self.high = end;
        } else if !after(seq, self.contig) && after(end, self.contig) {
            // It covers the end of the data seen without a hole: the next segment in order,
            // or a retransmission that fills the hole's start. As tshark does, the holes
            // behind the highest segment are taken as filled (a retransmission after a loss
            // upstream of the capture point resends what the receiver asks for).
            let to = if after(end, self.high) {
                end
            } else {
                self.high
            };
            *self = SeqSeen {
                contig: to,
                high: to,
                holes: 0,
            };
        } else if after(end, self.high) {
            self.high = end;
        }
        // Otherwise old data: a retransmission, a keep-alive (seq = end − 1), a window probe.
    }

    /// An ACK from the other side acknowledging up to `ack`: the gap it reveals, if any
    /// (with the bytes the capture missed, as far as known), and the direction then counts
    /// as seen up to the ACK, so one hole is one gap.
    fn acked(&mut self, ack: u32) -> Option<u32> {
        if !after(ack, self.contig) {
            return None;
        }
        let mut bytes = u64::from(self.holes);
        if after(ack, self.high) {
            let beyond = ack.wrapping_sub(self.high);
            if beyond <= MAX_GAP_BYTES {
                bytes += u64::from(beyond);
            }
        }
        let to = if after(ack, self.high) {
            ack
        } else {
            self.high
        };
        *self = SeqSeen {
            contig: to,
            high: to,
            holes: 0,
        };
        Some(u32::try_from(bytes).unwrap_or(u32::MAX))
    }
}

/// One packet's part in the estimate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Check {
    /// Not an ACK that could be checked: no ACK flag, or nothing seen yet of what it acks.
    None,
    /// An ACK of data the capture saw.
    Ack,
    /// An ACK of data the capture never saw: a gap, with the bytes missed as far as known.
    Gap(u32),
}

/// The TCP sequence tracking of one open flow, both directions (32 bytes), indexed as the
/// flow's other per-direction arrays (`TO_SERVER`, `TO_CLIENT`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct TcpSeen {
    seen: [SeqSeen; 2],
    /// Gaps per direction: ACKs of that direction's data the capture never saw.
    gaps: [u32; 2],
}

impl TcpSeen {
    pub(super) fn gaps(&self) -> [u32; 2] {
        self.gaps
    }

    /// Swap the directions (the flow's client was decided again).
    pub(super) fn swap(&mut self) {
        self.seen.swap(0, 1);
        self.gaps.swap(0, 1);
    }

    /// A TCP segment travelling in direction `dir` (0 or 1). `payload_len` is its payload as
    /// sent (from the headers, so a segment the snap length cut counts whole); `fragment`: it
    /// is the first fragment of an IP datagram (its end is not known: nothing is reassembled).
    pub(super) fn packet(
        &mut self,
        dir: usize,
        seq: u32,
        ack: u32,
        payload_len: u32,
        flags: TcpFlags,
        fragment: bool,
    ) -> Check {
        let other = dir ^ 1;
        let mut check = Check::None;
        if flags.has(TcpFlags::ACK)
            && let Some(seen) = self.seen.get_mut(other)
            && seen.known()
        {
            check = match seen.acked(ack) {
                None => Check::Ack,
                Some(bytes) => {
                    if let Some(g) = self.gaps.get_mut(other) {
                        *g = g.saturating_add(1);
                    }
                    Check::Gap(bytes)
                }
            };
        }
        let syn = flags.has(TcpFlags::SYN);
        if syn && !flags.has(TcpFlags::ACK) {
            // A new connection attempt: the other side's sequence space starts again with
            // its SYN/ACK.
            if let Some(s) = self.seen.get_mut(other) {
                *s = SeqSeen::default();
            }
        }
        let Some(seen) = self.seen.get_mut(dir) else {
            return check;
        };
        if fragment {
            // Where a fragmented segment ends is not known: its next whole segment sets the
            // direction's baseline again.
            *seen = SeqSeen::default();
        } else if syn {
            // A SYN starts the direction's sequence space (a port reused by a new connection
            // gets a new baseline, not a hole).
            *seen = SeqSeen::default();
            seen.segment(seq, seq.wrapping_add(payload_len).wrapping_add(1));
        } else if !flags.has(TcpFlags::RST) {
            // A reset's sequence number only has to fall in the receiver's window (RFC 5961);
            // it carries no data an ACK would cover.
            let fin = u32::from(flags.has(TcpFlags::FIN));
            seen.segment(seq, seq.wrapping_add(payload_len).wrapping_add(fin));
        }
        check
    }
}

/// Width of an interval by default, in seconds: a minute, fine enough to see when loss
/// happened (a burst on a busy mirror port) and to print while a live capture runs, coarse
/// enough that each interval has ACKs to count.
pub const INTERVAL_SECONDS: u64 = 60;

/// Intervals kept at most: a day of minutes. When full, adjacent intervals merge pairwise
/// and the width doubles (2 min, 4 min, ...), so a month-long live run stays within this many
/// entries (at 32-minute intervals).
pub const MAX_INTERVALS: usize = 1_440;

const NANOS: i64 = 1_000_000_000;

/// Counts of one interval of capture time.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LossCounts {
    pub acks: u64,
    pub gaps: u64,
    pub gap_bytes: u64,
}

impl LossCounts {
    fn add(&mut self, check: Check) {
        match check {
            Check::None => {}
            Check::Ack => self.acks += 1,
            Check::Gap(bytes) => {
                self.acks += 1;
                self.gaps += 1;
                self.gap_bytes += u64::from(bytes);
            }
        }
    }

    fn merge(&mut self, other: &LossCounts) {
        self.acks += other.acks;
        self.gaps += other.gaps;
        self.gap_bytes += other.gap_bytes;
    }

    /// `100 × gaps / acks`, rounded to three decimals; `None` without ACKs.
    pub fn percent(&self) -> Option<f64> {
        (self.acks > 0).then(|| (100_000.0 * self.gaps as f64 / self.acks as f64).round() / 1000.0)
    }
}

/// One interval with its counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LossInterval {
    /// Start (inclusive) and end (exclusive), aligned to multiples of the width since the
    /// Unix epoch.
    pub start: Timestamp,
    pub end: Timestamp,
    pub counts: LossCounts,
}

/// The run's estimate: totals, and per interval of capture time (only intervals with
/// checked ACKs are kept, in time order).
#[derive(Clone, Debug, Default)]
pub struct CaptureLoss {
    pub totals: LossCounts,
    /// (interval number at the current width, counts), sorted by number.
    intervals: Vec<(i64, LossCounts)>,
    /// The width is `INTERVAL_SECONDS << shift`.
    shift: u32,
    /// The interval the last packet fell in, as [start, end) in ns and its place in
    /// `intervals`: packets in order take one compare pair to find it.
    current: Option<(i64, i64, usize)>,
}

impl CaptureLoss {
    /// Count one packet's check at capture time `ts`.
    pub(super) fn record(&mut self, ts: Timestamp, check: Check) {
        if check == Check::None {
            return;
        }
        self.totals.add(check);
        if let Some((start, end, at)) = self.current
            && (start..end).contains(&ts.0)
            && let Some((_, counts)) = self.intervals.get_mut(at)
        {
            counts.add(check);
            return;
        }
        self.record_slow(ts, check);
    }

    fn width_nanos_i128(&self) -> i128 {
        i128::from(INTERVAL_SECONDS as i64 * NANOS) << self.shift
    }

    fn number(&self, ts: Timestamp) -> i64 {
        // Floor division by the base width, then by 2^shift (an arithmetic shift floors).
        ts.0.div_euclid(INTERVAL_SECONDS as i64 * NANOS) >> self.shift.min(63)
    }

    fn record_slow(&mut self, ts: Timestamp, check: Check) {
        let n = self.number(ts);
        let at = match self.intervals.binary_search_by_key(&n, |(k, _)| *k) {
            Ok(at) => at,
            Err(at) => {
                self.intervals.insert(at, (n, LossCounts::default()));
                at
            }
        };
        if let Some((_, counts)) = self.intervals.get_mut(at) {
            counts.add(check);
        }
        while self.intervals.len() > MAX_INTERVALS {
            self.halve();
        }
        let n = self.number(ts);
        let at = self.intervals.binary_search_by_key(&n, |(k, _)| *k).ok();
        let (start, end) = self.bounds(n);
        self.current = at.map(|at| (clamp(start), clamp(end), at));
    }

    /// Merge adjacent intervals pairwise: the width doubles.
    fn halve(&mut self) {
        self.shift += 1;
        let mut merged: Vec<(i64, LossCounts)> = Vec::with_capacity(self.intervals.len() / 2 + 1);
        for (n, counts) in self.intervals.drain(..) {
            let n = n >> 1;
            match merged.last_mut() {
                Some((last, c)) if *last == n => c.merge(&counts),
                _ => merged.push((n, counts)),
            }
        }
        self.intervals = merged;
    }

    /// Start and end of interval `n`, ns (i128: far intervals of wild timestamps overflow).
    fn bounds(&self, n: i64) -> (i128, i128) {
        let width = self.width_nanos_i128();
        let start = i128::from(n) * width;
        (start, start + width)
    }

    /// The width of an interval now, seconds.
    pub fn interval_seconds(&self) -> u64 {
        INTERVAL_SECONDS.saturating_mul(1u64.checked_shl(self.shift).unwrap_or(u64::MAX))
    }

    /// The intervals with checked ACKs, in time order.
    pub fn intervals(&self) -> impl Iterator<Item = LossInterval> + '_ {
        self.intervals.iter().map(|(n, counts)| {
            let (start, end) = self.bounds(*n);
            LossInterval {
                start: Timestamp(clamp(start)),
                end: Timestamp(clamp(end)),
                counts: *counts,
            }
        })
    }
}

fn clamp(ns: i128) -> i64 {
    i64::try_from(ns).unwrap_or(if ns < 0 { i64::MIN } else { i64::MAX })
}

#[cfg(test)]
#[path = "loss_tests.rs"]
mod tests;
