//! A bounds-checked cursor over packet bytes: every read checks the remaining length first and
//! reports `None` instead of reading past the end.

/// Reads fields front to back from a borrowed slice.
#[derive(Clone, Copy, Debug)]
pub(super) struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub(super) fn new(data: &'a [u8]) -> Self {
        Reader { data, pos: 0 }
    }

    /// Bytes consumed so far.
    pub(super) fn position(&self) -> usize {
        self.pos
    }

    /// Bytes not yet read.
    pub(super) fn rest(&self) -> &'a [u8] {
        self.data.get(self.pos..).unwrap_or(&[])
    }

    pub(super) fn remaining(&self) -> usize {
        self.data.len().saturating_sub(self.pos)
    }

    pub(super) fn is_empty(&self) -> bool {
        self.remaining() == 0
    }

    pub(super) fn bytes(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.pos.checked_add(n)?;
        let out = self.data.get(self.pos..end)?;
        self.pos = end;
        Some(out)
    }

    pub(super) fn skip(&mut self, n: usize) -> Option<()> {
        self.bytes(n).map(|_| ())
    }

    pub(super) fn u8(&mut self) -> Option<u8> {
        self.bytes(1).and_then(|b| b.first().copied())
    }

    pub(super) fn peek_u8(&self) -> Option<u8> {
        self.data.get(self.pos).copied()
    }

    /// An unsigned big-endian integer of 1 to 8 bytes.
    pub(super) fn be(&mut self, n: usize) -> Option<u64> {
        if n > 8 {
            return None;
        }
        Some(
            self.bytes(n)?
                .iter()
                .fold(0u64, |acc, &b| (acc << 8) | u64::from(b)),
        )
    }

    /// An unsigned little-endian integer of 1 to 8 bytes (Google QUIC before Q039).
    pub(super) fn le(&mut self, n: usize) -> Option<u64> {
        if n > 8 {
            return None;
        }
        let bytes = self.bytes(n)?;
        Some(
            bytes
                .iter()
                .rev()
                .fold(0u64, |acc, &b| (acc << 8) | u64::from(b)),
        )
    }

    /// A little-endian length or offset of 1 to 8 bytes, as a `usize`.
    pub(super) fn le_usize(&mut self, n: usize) -> Option<usize> {
        self.le(n).and_then(|v| usize::try_from(v).ok())
    }

    pub(super) fn u32_be(&mut self) -> Option<u32> {
        self.be(4).and_then(|v| u32::try_from(v).ok())
    }

    /// A variable-length integer (RFC 9000 §16): the top two bits of the first byte give the
    /// length (1, 2, 4 or 8 bytes), the rest is the value in network byte order.
    pub(super) fn varint(&mut self) -> Option<u64> {
        let first = self.peek_u8()?;
        let len = 1usize << (first >> 6);
        let raw = self.be(len)?;
        // Clear the two length bits at the top of the `len`-byte value.
        Some(raw & (u64::MAX >> (66 - 8 * len)))
    }

    /// A variable-length integer used as a length within this packet.
    pub(super) fn varint_len(&mut self) -> Option<usize> {
        self.varint().and_then(|v| usize::try_from(v).ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_from_rfc_9000_appendix_a1() {
        // RFC 9000 §A.1 sample encodings.
        let cases: [(&[u8], u64); 4] = [
            (
                &[0xc2, 0x19, 0x7c, 0x5e, 0xff, 0x14, 0xe8, 0x8c],
                151_288_809_941_952_652,
            ),
            (&[0x9d, 0x7f, 0x3e, 0x7d], 494_878_333),
            (&[0x7b, 0xbd], 15_293),
            (&[0x25], 37),
        ];
        for (bytes, value) in cases {
            let mut r = Reader::new(bytes);
            assert_eq!(r.varint(), Some(value));
            assert!(r.is_empty());
        }
        assert_eq!(
            Reader::new(&[0x40]).varint(),
            None,
            "two-byte varint cut short"
        );
    }

    #[test]
    fn integers_both_orders() {
        let mut r = Reader::new(&[0x01, 0x02, 0x03, 0x04]);
        assert_eq!(r.le(2), Some(0x0201));
        assert_eq!(r.be(2), Some(0x0304));
        assert_eq!(r.u8(), None);
        assert_eq!(r.be(9), None);
    }
}
