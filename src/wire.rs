//! Reading untrusted bytes, one way for every parser: a bounds-checked cursor (`Cursor`) for
//! fields read front to back, and checked reads at fixed offsets (`be16`, `be32`, `u16_at`,
//! `u32_at`) for headers whose length a parser checked once. Nothing here indexes a slice
//! unchecked: a read past the end is `None`, never a panic. Written by hand because the
//! crates that do this (`bytes`, `byteorder`) panic on short input, and `nom` would be a
//! second parsing style beside the checked views the parsers already are.
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::unreachable,
    clippy::todo,
    clippy::unimplemented
)]

/// Reads fields front to back from a borrowed slice.
#[derive(Clone, Copy, Debug)]
pub struct Cursor<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Cursor { data, pos: 0 }
    }

    /// Bytes consumed so far.
    pub fn position(&self) -> usize {
        self.pos
    }

    /// Bytes not yet read.
    pub fn rest(&self) -> &'a [u8] {
        self.data.get(self.pos..).unwrap_or(&[])
    }

    pub fn remaining(&self) -> usize {
        self.data.len().saturating_sub(self.pos)
    }

    pub fn is_empty(&self) -> bool {
        self.remaining() == 0
    }

    pub fn bytes(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.pos.checked_add(n)?;
        let out = self.data.get(self.pos..end)?;
        self.pos = end;
        Some(out)
    }

    pub fn skip(&mut self, n: usize) -> Option<()> {
        self.bytes(n).map(|_| ())
    }

    pub fn u8(&mut self) -> Option<u8> {
        self.bytes(1).and_then(|b| b.first().copied())
    }

    pub fn peek_u8(&self) -> Option<u8> {
        self.data.get(self.pos).copied()
    }

    /// An unsigned big-endian integer of 1 to 8 bytes.
    pub fn be(&mut self, n: usize) -> Option<u64> {
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
    pub fn le(&mut self, n: usize) -> Option<u64> {
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
    pub fn le_usize(&mut self, n: usize) -> Option<usize> {
        self.le(n).and_then(|v| usize::try_from(v).ok())
    }

    pub fn u32_be(&mut self) -> Option<u32> {
        self.be(4).and_then(|v| u32::try_from(v).ok())
    }

    /// A variable-length integer (RFC 9000 §16): the top two bits of the first byte give the
    /// length (1, 2, 4 or 8 bytes), the rest is the value in network byte order.
    pub fn varint(&mut self) -> Option<u64> {
        let first = self.peek_u8()?;
        let len = 1usize << (first >> 6);
        let raw = self.be(len)?;
        // Clear the two length bits at the top of the `len`-byte value.
        Some(raw & (u64::MAX >> (66 - 8 * len)))
    }

    /// A variable-length integer used as a length within this packet.
    pub fn varint_len(&mut self) -> Option<usize> {
        self.varint().and_then(|v| usize::try_from(v).ok())
    }
}

/// The `N` bytes at `at`, if all there.
#[inline]
pub fn array<const N: usize>(bytes: &[u8], at: usize) -> Option<[u8; N]> {
    bytes.get(at..at.checked_add(N)?)?.try_into().ok()
}

/// A big-endian (network order) u16 at `at`.
#[inline]
pub fn be16(bytes: &[u8], at: usize) -> Option<u16> {
    array(bytes, at).map(u16::from_be_bytes)
}

/// A big-endian (network order) u32 at `at`.
#[inline]
pub fn be32(bytes: &[u8], at: usize) -> Option<u32> {
    array(bytes, at).map(u32::from_be_bytes)
}

/// A u16 at `at` in the given byte order (capture file headers come in both).
#[inline]
pub fn u16_at(bytes: &[u8], at: usize, big_endian: bool) -> Option<u16> {
    array(bytes, at).map(|b| {
        if big_endian {
            u16::from_be_bytes(b)
        } else {
            u16::from_le_bytes(b)
        }
    })
}

/// A u32 at `at` in the given byte order.
#[inline]
pub fn u32_at(bytes: &[u8], at: usize, big_endian: bool) -> Option<u32> {
    array(bytes, at).map(|b| {
        if big_endian {
            u32::from_be_bytes(b)
        } else {
            u32::from_le_bytes(b)
        }
    })
}

/// For a header whose length its parser checked once: a big-endian u16 at `at`, or 0 when the
/// slice is short (which a checked header never is; a bug then reads 0, never panics).
#[inline]
pub fn be16_or_zero(bytes: &[u8], at: usize) -> u16 {
    be16(bytes, at).unwrap_or(0)
}

/// As `be16_or_zero`, a u32.
#[inline]
pub fn be32_or_zero(bytes: &[u8], at: usize) -> u32 {
    be32(bytes, at).unwrap_or(0)
}

/// As `be16_or_zero`, in the given byte order.
#[inline]
pub fn u16_at_or_zero(bytes: &[u8], at: usize, big_endian: bool) -> u16 {
    u16_at(bytes, at, big_endian).unwrap_or(0)
}

/// As `be16_or_zero`, a u32 in the given byte order.
#[inline]
pub fn u32_at_or_zero(bytes: &[u8], at: usize, big_endian: bool) -> u32 {
    u32_at(bytes, at, big_endian).unwrap_or(0)
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
            let mut r = Cursor::new(bytes);
            assert_eq!(r.varint(), Some(value));
            assert!(r.is_empty());
        }
        assert_eq!(
            Cursor::new(&[0x40]).varint(),
            None,
            "two-byte varint cut short"
        );
    }

    #[test]
    fn integers_both_orders() {
        let mut r = Cursor::new(&[0x01, 0x02, 0x03, 0x04]);
        assert_eq!(r.le(2), Some(0x0201));
        assert_eq!(r.be(2), Some(0x0304));
        assert_eq!(r.u8(), None);
        assert_eq!(r.be(9), None);
    }

    #[test]
    fn fixed_offsets_are_checked() {
        let b = [0x12, 0x34, 0x56, 0x78];
        assert_eq!(be16(&b, 2), Some(0x5678));
        assert_eq!(be16(&b, 3), None);
        assert_eq!(be32(&b, 0), Some(0x1234_5678));
        assert_eq!(be32(&b, 1), None);
        assert_eq!(u16_at(&b, 0, false), Some(0x3412));
        assert_eq!(u32_at(&b, 0, false), Some(0x7856_3412));
        assert_eq!(u32_at(&b, usize::MAX, true), None);
    }

    proptest::proptest! {
        #[test]
        fn never_panics_and_reads_what_is_there(
            data in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..64),
            at in 0usize..80,
            n in 0usize..12,
        ) {
            let mut c = Cursor::new(&data);
            // A skip past the end fails and leaves the cursor where it was.
            let got = c.skip(at).and_then(|()| c.be(n));
            proptest::prop_assert!(c.position() <= data.len());
            if n <= 8 && at + n <= data.len() {
                let want = data[at..at + n].iter().fold(0u64, |a, &b| (a << 8) | u64::from(b));
                proptest::prop_assert_eq!(got, Some(want));
            } else {
                proptest::prop_assert_eq!(got, None);
            }
            proptest::prop_assert_eq!(be16(&data, at).is_some(), at + 2 <= data.len());
            proptest::prop_assert_eq!(be32(&data, at).is_some(), at + 4 <= data.len());
        }
    }
}
