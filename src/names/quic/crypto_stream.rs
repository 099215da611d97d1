//! Reassembly of a handshake byte stream from (offset, data) pieces that may arrive out of
//! order, overlap, or repeat: the CRYPTO frames of client Initials, or Google QUIC's stream 1.
//!
//! Bounded twice: the stream may not reach past `MAX_CRYPTO_BYTES`, and at most
//! `MAX_RANGES` separate runs of bytes (holes between them) are tracked.

use std::ops::Range;

use super::QuicError;

/// Largest stream offset kept. A TLS ClientHello is ~0.3–2 KiB in practice (browsers with
/// post-quantum key shares send ~1.8 KiB; a few extra shares or a big PSK ticket can reach
/// ~8 KiB), and a Google CHLO fills one packet. The handshake length field allows 16 MiB; 64 KiB
/// leaves an order of magnitude of headroom while one connection's buffer stays small.
pub const MAX_CRYPTO_BYTES: usize = 64 * 1024;
/// Disjoint runs of received bytes tracked at once. Each Initial packet adds at most a few
/// runs, and the datagram bound (`MAX_INITIAL_DATAGRAMS`) keeps honest reordering far below
/// this; many more holes means crafted input.
pub const MAX_RANGES: usize = 64;

/// The stream's bytes received so far, with the runs that are filled.
#[derive(Debug, Default)]
pub(super) struct CryptoStream {
    /// Bytes 0..buf.len(); holes are zeros not covered by `filled`.
    buf: Vec<u8>,
    /// Sorted, disjoint, non-adjacent runs of received bytes.
    filled: Vec<Range<usize>>,
}

impl CryptoStream {
    /// Heap bytes held.
    pub(super) fn held_bytes(&self) -> usize {
        self.buf.capacity() + self.filled.capacity() * std::mem::size_of::<Range<usize>>()
    }

    /// Adds `data` at `offset`. Bytes already received keep their first value (a
    /// retransmission carries the same bytes; a conflicting copy cannot rewrite the hello).
    pub(super) fn insert(&mut self, offset: u64, data: &[u8]) -> Result<(), QuicError> {
        if data.is_empty() {
            return Ok(());
        }
        let start = usize::try_from(offset).map_err(|_| QuicError::CryptoTooLarge(offset))?;
        let end = start
            .checked_add(data.len())
            .filter(|&end| end <= MAX_CRYPTO_BYTES)
            .ok_or(QuicError::CryptoTooLarge(
                offset.saturating_add(data.len() as u64),
            ))?;
        if self.buf.len() < end {
            // Exactly what is needed: a doubled capacity would hold up to twice the bound.
            self.buf.reserve_exact(end - self.buf.len());
            self.buf.resize(end, 0);
        }
        // Copy only into the holes of start..end.
        let copy = |buf: &mut Vec<u8>, range: Range<usize>| {
            let source = data.get(range.start - start..range.end - start);
            if let (Some(dst), Some(src)) = (buf.get_mut(range), source) {
                dst.copy_from_slice(src);
            }
        };
        let mut cursor = start;
        for run in self
            .filled
            .iter()
            .filter(|r| r.end > start && r.start < end)
        {
            if run.start > cursor {
                copy(&mut self.buf, cursor..run.start);
            }
            cursor = cursor.max(run.end);
        }
        if cursor < end {
            copy(&mut self.buf, cursor..end);
        }
        self.mark(start..end)
    }

    /// Merges a run into `filled`, keeping it sorted and coalesced.
    fn mark(&mut self, new: Range<usize>) -> Result<(), QuicError> {
        let first = self.filled.partition_point(|r| r.end < new.start);
        let last = self.filled.partition_point(|r| r.start <= new.end);
        let merged = match self.filled.get(first..last) {
            Some(touching) if !touching.is_empty() => {
                let lo = touching.iter().map(|r| r.start).min().unwrap_or(new.start);
                let hi = touching.iter().map(|r| r.end).max().unwrap_or(new.end);
                lo.min(new.start)..hi.max(new.end)
            }
            _ => new,
        };
        self.filled.splice(first..last, [merged]);
        if self.filled.len() > MAX_RANGES {
            return Err(QuicError::TooManyFragments);
        }
        Ok(())
    }

    /// The bytes received without a gap from offset 0.
    pub(super) fn contiguous(&self) -> &[u8] {
        self.contiguous_from(0)
    }

    /// The bytes received without a gap from `start` (empty if `start` itself is missing).
    pub(super) fn contiguous_from(&self, start: usize) -> &[u8] {
        match self.filled.iter().find(|r| r.contains(&start)) {
            Some(run) => self.buf.get(start..run.end).unwrap_or(&[]),
            None => &[],
        }
    }

    /// Bytes held in memory (for tests of the bound).
    #[cfg(test)]
    pub(super) fn buffered(&self) -> usize {
        self.buf.len()
    }

    /// Drops everything (keys changed, or the hello is complete).
    pub(super) fn clear(&mut self) {
        *self = CryptoStream::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn out_of_order_overlapping_and_repeated_pieces() {
        let mut s = CryptoStream::default();
        s.insert(6, b"world").unwrap();
        assert_eq!(s.contiguous(), b"");
        s.insert(0, b"hel").unwrap();
        assert_eq!(s.contiguous(), b"hel");
        s.insert(2, b"llo ").unwrap();
        assert_eq!(s.contiguous(), b"hello world");
        // A repeat with different bytes keeps the first copy.
        s.insert(0, b"HELLO").unwrap();
        assert_eq!(s.contiguous(), b"hello world");
        assert_eq!(s.filled, vec![0..11]);
        assert_eq!(s.contiguous_from(6), b"world");
        assert_eq!(s.contiguous_from(11), b"");
    }

    #[test]
    fn piece_bridging_several_runs() {
        let mut s = CryptoStream::default();
        for offset in [1u64, 3, 5, 7] {
            s.insert(offset, b"x").unwrap();
        }
        assert_eq!(s.filled.len(), 4);
        s.insert(0, b"abcdefgh").unwrap();
        assert_eq!(s.contiguous(), b"axcxexgx");
        assert_eq!(s.filled, vec![0..8]);
    }

    #[test]
    fn bounds() {
        let mut s = CryptoStream::default();
        let too_far = (MAX_CRYPTO_BYTES - 1) as u64;
        assert_eq!(
            s.insert(too_far, b"ab"),
            Err(QuicError::CryptoTooLarge(too_far + 2))
        );
        assert_eq!(
            s.insert(u64::MAX, b"a"),
            Err(QuicError::CryptoTooLarge(u64::MAX))
        );
        assert_eq!(s.buffered(), 0);
        for i in 0..MAX_RANGES as u64 {
            s.insert(i * 2 + 1, b"x").unwrap();
        }
        assert_eq!(s.insert(1000, b"x"), Err(QuicError::TooManyFragments));
        assert!(s.buffered() <= MAX_CRYPTO_BYTES);
    }
}
