//! Long-header packets (RFC 9000 §17.2, RFC 8999 §5.1): a view that finds the connection IDs,
//! token, Length field and packet end (so coalesced packets can be walked), and removal of
//! Initial packet protection (header protection, packet-number decoding, AEAD open).

use super::QuicError;
use super::keys::{PacketKeys, SAMPLE_LEN, TAG_LEN};
use crate::wire::Cursor;

/// Connection IDs are at most 20 bytes in every version read here (RFC 9000 §17.2).
pub(super) const MAX_CID_LEN: usize = 20;
/// Bit 7 of the first byte: long header (RFC 8999 §5.1).
pub(super) const LONG_HEADER: u8 = 0x80;

/// Long-header packet types, after mapping v2's codes to v1's (RFC 9369 §3.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum PacketType {
    Initial,
    ZeroRtt,
    Handshake,
    Retry,
}

impl PacketType {
    fn from_bits(bits: u8, v2_types: bool) -> Self {
        match (bits & 0x03, v2_types) {
            (0, false) | (1, true) => PacketType::Initial,
            (1, false) | (2, true) => PacketType::ZeroRtt,
            (2, false) | (3, true) => PacketType::Handshake,
            _ => PacketType::Retry,
        }
    }
}

/// One long-header packet of a datagram, its fields located and bounds-checked.
#[derive(Clone, Copy, Debug)]
pub(super) struct LongPacket<'a> {
    pub version: u32,
    pub packet_type: PacketType,
    pub dcid: &'a [u8],
    pub scid: &'a [u8],
    /// The packet from its first byte to the end of its Length field's extent.
    pub bytes: &'a [u8],
    /// Where the (protected) packet number starts; 0 for Retry.
    pub pn_offset: usize,
    /// What follows this packet in the datagram (further coalesced packets).
    pub rest: &'a [u8],
}

/// The version of a long-header packet, without parsing further.
pub(super) fn peek_version(datagram: &[u8]) -> Option<u32> {
    let first = *datagram.first()?;
    if first & LONG_HEADER == 0 {
        return None;
    }
    Cursor::new(datagram.get(1..)?).u32_be()
}

impl<'a> LongPacket<'a> {
    /// Parses the long header at the start of `datagram` (a version 0 Version Negotiation
    /// packet is not a long packet of any version and is refused by the caller).
    pub(super) fn parse(datagram: &'a [u8], v2_types: bool) -> Result<Self, QuicError> {
        let mut r = Cursor::new(datagram);
        let first = r.u8().ok_or(QuicError::Truncated("first byte"))?;
        let version = r.u32_be().ok_or(QuicError::Truncated("version"))?;
        let dcid = read_cid(&mut r, "destination connection ID")?;
        let scid = read_cid(&mut r, "source connection ID")?;
        let packet_type = PacketType::from_bits(first >> 4, v2_types);
        if packet_type == PacketType::Retry {
            // Retry has no Length: it runs to the end of the datagram.
            return Ok(LongPacket {
                version,
                packet_type,
                dcid,
                scid,
                bytes: datagram,
                pn_offset: 0,
                rest: &[],
            });
        }
        if packet_type == PacketType::Initial {
            let token_len = r.varint_len().ok_or(QuicError::Truncated("token length"))?;
            r.skip(token_len).ok_or(QuicError::Truncated("token"))?;
        }
        let length = r.varint_len().ok_or(QuicError::Truncated("length"))?;
        let pn_offset = r.position();
        let (bytes, rest) = pn_offset
            .checked_add(length)
            .and_then(|end| datagram.split_at_checked(end))
            .ok_or(QuicError::LengthBeyondDatagram)?;
        Ok(LongPacket {
            version,
            packet_type,
            dcid,
            scid,
            bytes,
            pn_offset,
            rest,
        })
    }

    /// Removes header protection and decrypts the payload with `keys`. `largest_pn` is the
    /// largest packet number already read in this packet-number space, to expand a truncated
    /// packet number (RFC 9000 §A.3). Returns the packet number and the plaintext frames.
    pub(super) fn open(
        &self,
        keys: &PacketKeys,
        largest_pn: Option<u64>,
    ) -> Result<(u64, Vec<u8>), QuicError> {
        // The sample starts 4 bytes after the packet number's start (RFC 9001 §5.4.2).
        let sample_start = self.pn_offset + 4;
        let sample = self
            .bytes
            .get(sample_start..sample_start + SAMPLE_LEN)
            .and_then(|s| <[u8; SAMPLE_LEN]>::try_from(s).ok())
            .ok_or(QuicError::Truncated("header protection sample"))?;
        let mask = keys.header_mask(sample);

        let mut buf = self.bytes.to_vec();
        let first = buf.first_mut().ok_or(QuicError::Truncated("first byte"))?;
        *first ^= mask[0] & 0x0f;
        let pn_len = usize::from(*first & 0x03) + 1;
        let pn_bytes = buf
            .get_mut(self.pn_offset..self.pn_offset + pn_len)
            .ok_or(QuicError::Truncated("packet number"))?;
        let mut truncated = 0u64;
        for (b, m) in pn_bytes.iter_mut().zip(&mask[1..]) {
            *b ^= m;
            truncated = (truncated << 8) | u64::from(*b);
        }
        let packet_number = decode_packet_number(largest_pn, truncated, pn_len * 8);

        let header_len = self.pn_offset + pn_len;
        let (header, body) = buf
            .split_at_mut_checked(header_len)
            .filter(|(_, body)| body.len() >= TAG_LEN)
            .ok_or(QuicError::Truncated("protected payload"))?;
        let (payload, tag) = body
            .split_at_mut_checked(body.len() - TAG_LEN)
            .ok_or(QuicError::Truncated("protected payload"))?;
        if !keys.open(packet_number, header, payload, tag) {
            return Err(QuicError::Decryption);
        }
        let plain_len = payload.len();
        buf.drain(..header_len);
        buf.truncate(plain_len);
        Ok((packet_number, buf))
    }
}

fn read_cid<'a>(r: &mut Cursor<'a>, what: &'static str) -> Result<&'a [u8], QuicError> {
    let len = usize::from(r.u8().ok_or(QuicError::Truncated(what))?);
    if len > MAX_CID_LEN {
        return Err(QuicError::ConnectionIdTooLong(len));
    }
    r.bytes(len).ok_or(QuicError::Truncated(what))
}

/// RFC 9000 §A.3: the packet number closest to the next expected one whose low `bits` bits
/// are `truncated`.
pub(super) fn decode_packet_number(largest: Option<u64>, truncated: u64, bits: usize) -> u64 {
    let expected = largest.map_or(0, |l| l.saturating_add(1));
    let window = 1u64 << bits.min(32);
    let half = window / 2;
    let mask = window - 1;
    let candidate = (expected & !mask) | truncated;
    if candidate.saturating_add(half) <= expected && candidate < (1u64 << 62) - window {
        candidate + window
    } else if candidate > expected.saturating_add(half) && candidate >= window {
        candidate - window
    } else {
        candidate
    }
}

/// The connection IDs of the long header at the start of a datagram, of any version (RFC 8999
/// §5.1: version-independent), and whether it is an Initial of a version read here.
pub(super) fn long_header_ids(datagram: &[u8]) -> Option<(bool, &[u8], &[u8])> {
    let mut r = Cursor::new(datagram);
    let first = r.u8()?;
    if first & LONG_HEADER == 0 {
        return None;
    }
    let version = r.u32_be()?;
    let dcid = read_cid(&mut r, "destination connection ID").ok()?;
    let scid = read_cid(&mut r, "source connection ID").ok()?;
    // RFC 9000 §17.2: the fixed bit is set in every long header but Version Negotiation's.
    let initial = version != 0
        && first & 0x40 != 0
        && super::version::lookup(version).is_some_and(|info| {
            PacketType::from_bits(first >> 4, info.v2_types) == PacketType::Initial
        });
    Some((initial, dcid, scid))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packet_number_decoding_rfc_9000_a3() {
        // RFC 9000 §A.3 example: largest 0xa82f30ea, truncated 0x9b32 in 16 bits → 0xa82f9b32.
        assert_eq!(
            decode_packet_number(Some(0xa82f_30ea), 0x9b32, 16),
            0xa82f_9b32
        );
        assert_eq!(decode_packet_number(None, 2, 32), 2);
        assert_eq!(decode_packet_number(Some(254), 1, 8), 257);
    }

    #[test]
    fn v2_type_bits_map_to_v1_types() {
        assert_eq!(PacketType::from_bits(0b01, true), PacketType::Initial);
        assert_eq!(PacketType::from_bits(0b00, true), PacketType::Retry);
        assert_eq!(PacketType::from_bits(0b00, false), PacketType::Initial);
        assert_eq!(PacketType::from_bits(0b11, false), PacketType::Retry);
    }
}
