//! The first bytes of one TCP direction, in order.
//!
//! Names sit at the start of a TCP stream (ClientHello, HTTP request head, the server's TLS 1.2
//! certificate), so only a bounded prefix of each direction is rebuilt. Segments arrive out of
//! order, twice, or overlapping; the first copy of a byte wins (later overlaps are trimmed).

/// Prefix kept of the client → server direction. A ClientHello is ~0.5 KB, ~1.8 KB with a
/// post-quantum key share (X25519MLKEM768) and a few KB with pre-shared-key tickets; one maximal
/// TLS plaintext record is 2^14 bytes (RFC 8446 §5.1) plus its 5-byte header, and an HTTP/1.x
/// request head is read up to `http::MAX_REQUEST_HEAD` (16 KiB, like common servers' limits).
/// 16 KiB + 5 covers a ClientHello that fills a whole record, and any request head those
/// servers accept.
pub const CLIENT_PREFIX_LIMIT: usize = (1 << 14) + 5;

/// Prefix kept of the server → client direction: ServerHello (~0.1 KB) and, in TLS 1.2, the
/// Certificate message, whose first entry is the leaf certificate we read. Whole chains are
/// typically 3–8 KB and some 20 KB+, but only the leaf must fit: leaves are 1–3 KB, and
/// multi-domain ones listing hundreds of names reach ~20 KB. 32 KiB holds those with room for a
/// ServerHello split over small records.
pub const SERVER_PREFIX_LIMIT: usize = 32 * 1024;

/// Out-of-order pieces held while waiting for a gap to fill. A lost segment stalls the prefix;
/// a full window of later segments (a 32 KiB prefix is ~23 full-size segments, each possibly
/// split by an overlap into two pieces) fits comfortably. Beyond it, new pieces are dropped:
/// the prefix then ends at the gap, which only loses a name.
const MAX_PENDING_PIECES: usize = 64;

/// Segment starts remembered (offsets of a segment's first byte), for finding a TLS record that
/// opens a later segment after a few bytes that are not TLS (`inspect/tcp.rs`). Only starts
/// within `MAX_SEGMENT_START` bytes of the stream's start are kept, so a handful suffices: a
/// client sends its preamble in one or two small segments.
const MAX_SEGMENT_STARTS: usize = 8;
/// Furthest segment start remembered: the non-TLS preamble budget of `inspect/tcp.rs`.
pub const MAX_SEGMENT_START: usize = 256;
// Starts are kept inline as `u16`s with a `u8` count.
const _: () = assert!(MAX_SEGMENT_START <= u16::MAX as usize);
const _: () = assert!(MAX_SEGMENT_STARTS <= u8::MAX as usize);

/// A piece of the stream that arrived before the bytes preceding it.
#[derive(Debug)]
struct Piece {
    /// Offset from the stream's start.
    offset: usize,
    bytes: Vec<u8>,
}

/// The first bytes of one TCP direction, reassembled in sequence order (out-of-order segments
/// are held until the gap fills; retransmissions and overlaps are ignored/trimmed), up to `limit`.
#[derive(Debug)]
pub struct StreamPrefix {
    limit: usize,
    /// Sequence number of the stream's first byte, once a segment has been seen.
    start: Option<u32>,
    /// The start came from a SYN: it is final.
    start_from_syn: bool,
    /// Contiguous bytes from `start`.
    data: Vec<u8>,
    /// Non-overlapping pieces beyond `data`, sorted by offset, all within `limit`.
    pending: Vec<Piece>,
    /// Offsets (1..=`MAX_SEGMENT_START`) where a segment's first byte landed, sorted, distinct:
    /// the first `segment_start_count` (at most `MAX_SEGMENT_STARTS`) are filled.
    segment_starts: [u16; MAX_SEGMENT_STARTS],
    segment_start_count: u8,
}

impl StreamPrefix {
    pub fn new(limit: usize) -> Self {
        StreamPrefix {
            limit,
            start: None,
            start_from_syn: false,
            data: Vec::new(),
            pending: Vec::new(),
            segment_starts: [0; MAX_SEGMENT_STARTS],
            segment_start_count: 0,
        }
    }

    /// Feed one segment's payload. `syn`: the segment carries SYN (then the data starts at seq+1).
    /// Without a SYN the stream starts at the first segment seen, but a later segment that lies
    /// just before it (within `limit`) moves the start back (the first data segment can be
    /// reordered). Returns true when the contiguous prefix grew.
    pub fn segment(&mut self, seq: u32, syn: bool, payload: &[u8]) -> bool {
        if self.is_full() {
            return false;
        }
        // SYN occupies one sequence number; its data (TCP Fast Open) follows it.
        let first = if syn { seq.wrapping_add(1) } else { seq };
        match self.start {
            None if syn => {
                self.start = Some(first);
                self.start_from_syn = true;
            }
            // A bare ACK or keepalive carries no byte, so it cannot place the start.
            None if payload.is_empty() => return false,
            None => self.start = Some(first),
            Some(start) if !self.start_from_syn => {
                let back = start.wrapping_sub(first);
                // `back` counts how far before the current start this segment begins; a
                // distance above 2^31 means it lies after the start instead.
                if back > 0
                    && back < 1 << 31
                    && usize::try_from(back).is_ok_and(|b| b <= self.limit)
                {
                    self.move_start_back(first, back);
                }
                if syn {
                    self.start_from_syn = self.start == Some(first);
                }
            }
            Some(_) => {}
        }
        self.insert(first, payload)
    }

    /// The contiguous bytes from the stream's start.
    pub fn contiguous(&self) -> &[u8] {
        &self.data
    }

    /// Offsets after the stream's start (at most `MAX_SEGMENT_START`) where a segment began,
    /// ascending: where a protocol may start over after a preamble.
    pub fn segment_starts(&self) -> &[u16] {
        self.segment_starts
            .get(..usize::from(self.segment_start_count))
            .unwrap_or(&[])
    }

    /// Remembers that a segment began at `offset`.
    fn note_segment_start(&mut self, offset: usize) {
        if offset == 0 || offset > MAX_SEGMENT_START.min(self.limit) {
            return;
        }
        let Ok(offset) = u16::try_from(offset) else {
            return;
        };
        let len = usize::from(self.segment_start_count);
        if let Err(at) = self.segment_starts().binary_search(&offset)
            && len < MAX_SEGMENT_STARTS
            && let Some(tail) = self.segment_starts.get_mut(at..=len)
        {
            // Shift the starts after `at` along by one and put the new one in its place.
            tail.rotate_right(1);
            if let Some(slot) = tail.first_mut() {
                *slot = offset;
            }
            self.segment_start_count += 1;
        }
    }

    /// True when `limit` bytes are contiguous (nothing more will be kept).
    pub fn is_full(&self) -> bool {
        self.data.len() >= self.limit
    }

    /// Heap bytes held (contiguous + out-of-order), for the caller's global memory budget.
    pub fn held_bytes(&self) -> usize {
        let pieces: usize = self.pending.iter().map(|p| p.bytes.capacity()).sum();
        self.data.capacity() + pieces + self.pending.capacity() * std::mem::size_of::<Piece>()
    }

    /// The stream starts `back` bytes earlier than thought: what we hold becomes a piece after
    /// a gap (filled by the caller's segment, or by a later one).
    fn move_start_back(&mut self, new_start: u32, back: u32) {
        let Ok(shift) = usize::try_from(back) else {
            return;
        };
        self.start = Some(new_start);
        // What was the start is now a segment start, and every known one moves along.
        let old_starts = self.segment_starts;
        let old_count = usize::from(std::mem::take(&mut self.segment_start_count));
        let old_starts = old_starts.get(..old_count).unwrap_or(&[]);
        let moved = old_starts.iter().map(|&o| usize::from(o) + shift);
        for offset in std::iter::once(shift).chain(moved) {
            self.note_segment_start(offset);
        }
        let old = std::mem::take(&mut self.data);
        for piece in &mut self.pending {
            piece.offset += shift;
        }
        if !old.is_empty() {
            self.pending.insert(
                0,
                Piece {
                    offset: shift,
                    bytes: old,
                },
            );
        }
        // Keep every piece within the limit.
        let limit = self.limit;
        self.pending.retain_mut(|p| {
            let keep = limit.saturating_sub(p.offset);
            if p.bytes.len() > keep {
                p.bytes.truncate(keep);
                p.bytes.shrink_to_fit();
            }
            !p.bytes.is_empty()
        });
        self.pending.truncate(MAX_PENDING_PIECES);
    }

    /// Place `payload` (whose first byte has sequence number `seq`) into the prefix.
    fn insert(&mut self, seq: u32, payload: &[u8]) -> bool {
        let Some(start) = self.start else {
            return false;
        };
        let rel = seq.wrapping_sub(start);
        // Bytes before the start (a retransmission of what precedes it) are cut off.
        let (offset, bytes) = if rel >= 1 << 31 {
            let before = usize::try_from(rel.wrapping_neg()).unwrap_or(usize::MAX);
            (0, payload.get(before..).unwrap_or(&[]))
        } else {
            (usize::try_from(rel).unwrap_or(usize::MAX), payload)
        };
        let end = offset.saturating_add(bytes.len()).min(self.limit);
        if offset >= end {
            return false;
        }
        if rel < 1 << 31 {
            self.note_segment_start(offset);
        }
        // Only the part of [offset, end) not yet held is new.
        let from = offset.max(self.data.len());
        if offset <= self.data.len() {
            if from < end {
                self.append(bytes.get(from - offset..end - offset).unwrap_or(&[]));
            }
            let grew = from < end;
            return self.drain_pending() || grew;
        }
        self.hold(offset, bytes.get(..end - offset).unwrap_or(&[]));
        false
    }

    /// Append contiguous bytes, growing the buffer no further than `limit`.
    fn append(&mut self, bytes: &[u8]) {
        let needed = self.data.len() + bytes.len();
        if needed > self.data.capacity() {
            // Double as usual, but never past the limit: held_bytes stays within it.
            let target = needed.max(self.data.capacity() * 2).min(self.limit);
            self.data
                .reserve_exact(target.saturating_sub(self.data.len()));
        }
        self.data.extend_from_slice(bytes);
    }

    /// Keep the parts of an out-of-order range that no held piece already covers.
    fn hold(&mut self, offset: usize, bytes: &[u8]) {
        let end = offset + bytes.len();
        let mut cursor = offset;
        let mut fresh = Vec::new();
        for piece in &self.pending {
            let piece_end = piece.offset + piece.bytes.len();
            if piece_end <= cursor {
                continue;
            }
            if piece.offset >= end {
                break;
            }
            if piece.offset > cursor {
                fresh.push((cursor, piece.offset));
            }
            cursor = cursor.max(piece_end);
        }
        if cursor < end {
            fresh.push((cursor, end));
        }
        for (from, to) in fresh {
            if self.pending.len() >= MAX_PENDING_PIECES {
                break;
            }
            let Some(slice) = bytes.get(from - offset..to - offset) else {
                continue;
            };
            let at = self.pending.partition_point(|p| p.offset < from);
            let piece = Piece {
                offset: from,
                bytes: slice.to_vec(),
            };
            self.pending.insert(at, piece);
        }
    }

    /// Move held pieces that now touch the contiguous end into it. True when any did.
    fn drain_pending(&mut self) -> bool {
        let mut grew = false;
        while let Some(first) = self.pending.first() {
            let have = self.data.len();
            if first.offset > have {
                break;
            }
            let piece = self.pending.remove(0);
            let skip = have - piece.offset;
            if let Some(rest) = piece.bytes.get(skip..).filter(|r| !r.is_empty()) {
                self.append(rest);
                grew = true;
            }
        }
        if self.is_full() {
            self.pending = Vec::new();
        }
        grew
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn in_order_after_syn() {
        let mut s = StreamPrefix::new(100);
        assert!(!s.segment(1000, true, b""));
        assert!(s.segment(1001, false, b"hello "));
        assert!(s.segment(1007, false, b"world"));
        assert_eq!(s.contiguous(), b"hello world");
        assert!(!s.is_full());
        assert_eq!(s.segment_starts(), &[6]);
    }

    #[test]
    fn segment_starts_follow_a_start_moved_back() {
        // No SYN: the stream starts at the first segment seen (seq 5005), then one before it
        // (seq 5000) moves the start back by 5; a retransmission adds no start.
        let mut s = StreamPrefix::new(1000);
        s.segment(5005, false, b"world");
        s.segment(5010, false, b"!");
        assert_eq!(s.segment_starts(), &[5]);
        s.segment(5000, false, b"hello");
        assert_eq!(s.contiguous(), b"helloworld!");
        assert_eq!(s.segment_starts(), &[5, 10]);
        s.segment(5000, false, b"hello");
        s.segment(5000 + 300, false, b"far");
        assert_eq!(s.segment_starts(), &[5, 10], "only starts within 256 bytes");
    }

    #[test]
    fn out_of_order_and_retransmitted_overlap() {
        let mut s = StreamPrefix::new(100);
        s.segment(41, true, b"");
        assert!(!s.segment(48, false, b"ghij"));
        assert!(!s.segment(45, false, b"defg")); // overlaps the held piece by one byte
        assert_eq!(s.contiguous(), b"");
        assert!(s.segment(42, false, b"abc"));
        assert_eq!(s.contiguous(), b"abcdefghij");
        // A retransmission with different bytes does not rewrite what was first received.
        assert!(!s.segment(44, false, b"XXXX"));
        assert!(s.segment(50, false, b"XXk"));
        assert_eq!(s.contiguous(), b"abcdefghijk");
    }

    #[test]
    fn sequence_numbers_wrap_around() {
        let mut s = StreamPrefix::new(64);
        s.segment(u32::MAX - 2, true, b""); // data starts at u32::MAX - 1
        assert!(!s.segment(2, false, b"EF"));
        assert!(s.segment(u32::MAX - 1, false, b"ABCD"));
        assert_eq!(s.contiguous(), b"ABCDEF");
    }

    #[test]
    fn reordered_first_segment_moves_the_start_back() {
        let mut s = StreamPrefix::new(100);
        assert!(s.segment(5000, false, b"world"));
        assert!(s.segment(4994, false, b"hello "));
        assert_eq!(s.contiguous(), b"hello world");
        // A SYN fixes the start: data before it is a retransmission of nothing.
        let mut t = StreamPrefix::new(100);
        t.segment(99, true, b"");
        assert!(!t.segment(90, false, b"0123456789"));
        assert_eq!(t.contiguous(), b"");
        assert!(t.segment(100, false, b"x"));
        assert_eq!(t.contiguous(), b"x");
    }

    #[test]
    fn far_earlier_segment_does_not_move_the_start() {
        let mut s = StreamPrefix::new(10);
        s.segment(5000, false, b"late");
        assert!(!s.segment(4000, false, b"much earlier"));
        assert_eq!(s.contiguous(), b"late");
    }

    #[test]
    fn limit_is_respected() {
        let mut s = StreamPrefix::new(8);
        s.segment(0, true, b"");
        assert!(!s.segment(7, false, b"HIJKLMNOP"));
        assert!(s.segment(1, false, b"ABCDEF"));
        assert_eq!(s.contiguous(), b"ABCDEFHI");
        assert!(s.is_full());
        assert!(!s.segment(9, false, b"more"));
        assert!(s.held_bytes() <= 8);
    }

    #[test]
    fn syn_with_data_and_late_syn() {
        let mut s = StreamPrefix::new(32);
        assert!(s.segment(10, true, b"tfo")); // TCP Fast Open data on the SYN
        assert_eq!(s.contiguous(), b"tfo");
        let mut t = StreamPrefix::new(32);
        t.segment(21, false, b"second");
        t.segment(10, true, b""); // the SYN, captured late: data starts at 11
        t.segment(11, false, b"0123456789");
        assert_eq!(t.contiguous(), b"0123456789second");
    }

    #[test]
    fn pending_pieces_are_bounded() {
        let mut s = StreamPrefix::new(10_000);
        s.segment(0, true, b"");
        for i in 0..200u32 {
            s.segment(10 + i * 4, false, b"ab"); // 200 disjoint pieces after a gap
        }
        assert!(s.pending.len() <= MAX_PENDING_PIECES);
    }

    proptest! {
        /// Any order of any cut of a stream, with duplicates, gives the stream's prefix.
        #[test]
        fn any_segment_order_rebuilds_the_prefix(
            data in proptest::collection::vec(any::<u8>(), 0..600),
            cuts in proptest::collection::vec(0usize..600, 0..20),
            isn in any::<u32>(),
            order in proptest::collection::vec(any::<u16>(), 0..40),
            limit in 1usize..700,
        ) {
            let mut bounds: Vec<usize> = cuts.into_iter().filter(|&c| c < data.len()).collect();
            bounds.push(0);
            bounds.push(data.len());
            bounds.sort_unstable();
            bounds.dedup();
            let segments: Vec<(usize, usize)> = bounds.windows(2).map(|w| (w[0], w[1])).collect();
            let mut s = StreamPrefix::new(limit);
            s.segment(isn, true, b"");
            // Feed in a shuffled order, some twice, then everything once more (so all arrive).
            let picks = order.iter().map(|&o| usize::from(o) % segments.len().max(1));
            for i in picks.chain(0..segments.len()) {
                if let Some(&(a, b)) = segments.get(i) {
                    let seq = isn.wrapping_add(1).wrapping_add(a as u32);
                    s.segment(seq, false, &data[a..b]);
                }
            }
            let want = &data[..data.len().min(limit)];
            prop_assert_eq!(s.contiguous(), want);
            prop_assert!(s.held_bytes() <= limit.max(1) * 2 + 64 * 64);
        }

        /// Arbitrary segments never panic and never hold more than the limit.
        #[test]
        fn arbitrary_segments_stay_bounded(
            segs in proptest::collection::vec(
                (any::<u32>(), any::<bool>(), proptest::collection::vec(any::<u8>(), 0..100)),
                0..40,
            ),
            limit in 0usize..300,
        ) {
            let mut s = StreamPrefix::new(limit);
            for (seq, syn, payload) in &segs {
                s.segment(*seq, *syn, payload);
                prop_assert!(s.contiguous().len() <= limit);
                let pending: usize = s.pending.iter().map(|p| p.bytes.len()).sum();
                prop_assert!(pending <= limit);
                prop_assert!(s.pending.len() <= MAX_PENDING_PIECES);
                let pieces = 2 * MAX_PENDING_PIECES * std::mem::size_of::<Piece>();
                prop_assert!(s.held_bytes() <= 2 * limit + pieces);
            }
        }
    }
}
