//! Google QUIC: the packet headers and frames that carry the client's handshake.
//!
//! Layouts from the "QUIC Wire Layout Specification" (Google, 2016) and Chromium's
//! `quic_framer.cc` as documented by Wireshark's `packet-gquic.c` and nDPI's `quic.c`:
//! * Q024–Q043: public header (flags, 8-byte connection ID, version, packet number), a 12-byte
//!   message authentication hash (null encryption before the handshake), a private-flags byte
//!   before Q034, then frames. Integers are little-endian before Q039, big-endian from Q039.
//! * Q046: an IETF-like long header (first byte, version, one byte of two connection-ID length
//!   nibbles, IDs, packet number), then the same 12-byte hash and Q043's frames.
//! * Q050/T050/T051: IETF Initial protection; inside, Google's frame types with a CRYPTO frame
//!   of type 0x08 whose offset and length are RFC 9000 varints.
//!
//! The handshake itself travels in stream 1 (Q043/Q046) or CRYPTO frames (Q050/T05x).

use super::QuicError;
use super::version::google_number;
use crate::wire::Cursor;

/// Public flags (wire layout spec, "Public Header"). Bit 0x04 is not read: before Q033 it is
/// half of a 2-bit connection-ID length (0x0c: 8 bytes), and from Q033 it flags the
/// diversification nonce, which only a server sends (Chromium reads the nonce only in its
/// client role). Chrome clients keep setting 0x0c up to Q043 (flags 0x0d in their CHLO
/// packets), so a packet that carries the version, i.e. a client's, never has a nonce.
const FLAG_VERSION: u8 = 0x01;
const FLAG_RESET: u8 = 0x02;
const FLAG_CID: u8 = 0x08;
/// Connection IDs of Google QUIC are 8 bytes.
const CID_LEN: usize = 8;
/// The null-encryption message authentication hash (FNV-1a 128 truncated to 96 bits).
const HASH_LEN: usize = 12;
/// The stream that carries the crypto handshake.
const CRYPTO_STREAM: u64 = 1;
/// Frame types (wire layout spec, "Frame Types").
const PADDING: u8 = 0x00;
const RST_STREAM: u8 = 0x01;
const WINDOW_UPDATE: u8 = 0x04;
const BLOCKED: u8 = 0x05;
const STOP_WAITING: u8 = 0x06;
const PING: u8 = 0x07;
const CRYPTO_FRAME: u8 = 0x08;
/// Fixed frame bodies: RST_STREAM (stream ID 4, byte offset 8, error code 4, from Q034),
/// WINDOW_UPDATE (stream ID 4, byte offset 8), BLOCKED (stream ID 4).
const RST_STREAM_LEN: usize = 16;
const WINDOW_UPDATE_LEN: usize = 12;
const BLOCKED_LEN: usize = 4;
/// From Q038 a PADDING frame is a run of 0x00 bytes that other frames may follow; before, it
/// filled the rest of the packet (Chromium `QuicFramer::ProcessPaddingFrame`).
const PADDING_RUN_FROM: u32 = 38;

/// A packet whose frames are in the clear: Q024–Q043 and Q046.
#[derive(Clone, Copy, Debug)]
pub(super) struct ClearPacket<'a> {
    pub version: u32,
    /// Packet-number length, which STOP_WAITING frames reuse.
    pub pn_len: usize,
    pub frames: &'a [u8],
}

/// Bytes of a 2-bit packet-number or ACK-field length code.
fn len_code(code: u8) -> usize {
    match code & 0x03 {
        0 => 1,
        1 => 2,
        2 => 4,
        _ => 6,
    }
}

/// Reads the public header of a Q024–Q043 client packet (only those carry the version).
pub(super) fn public_header(datagram: &[u8]) -> Option<ClearPacket<'_>> {
    let mut r = Cursor::new(datagram);
    let flags = r.u8()?;
    if flags & 0x80 != 0 || flags & FLAG_VERSION == 0 || flags & FLAG_RESET != 0 {
        return None;
    }
    if flags & FLAG_CID != 0 {
        r.skip(CID_LEN)?;
    }
    let version = r.u32_be()?;
    let number = google_number(version, b'Q').filter(|n| (24..=43).contains(n))?;
    let pn_len = len_code(flags >> 4);
    r.skip(pn_len)?;
    r.skip(HASH_LEN)?;
    if number < 34 {
        r.skip(1)?; // private flags (entropy, FEC), removed in Q034
    }
    Some(ClearPacket {
        version,
        pn_len,
        frames: r.rest(),
    })
}

/// Reads a Q046 long header (the caller checked the version). Only Initial packets (type 0)
/// carry the CHLO; other types give `None`, and so do packets without a destination
/// connection ID: a Q046 client always sends one (nibbles 0x50), the server only its source ID
/// (0x05), also in Initial packets.
pub(super) fn q046_header(datagram: &[u8]) -> Result<Option<ClearPacket<'_>>, QuicError> {
    let mut r = Cursor::new(datagram);
    let first = r.u8().ok_or(QuicError::Truncated("first byte"))?;
    if first & 0x30 != 0 {
        return Ok(None);
    }
    let version = r.u32_be().ok_or(QuicError::Truncated("version"))?;
    let lengths = r
        .u8()
        .ok_or(QuicError::Truncated("connection ID lengths"))?;
    // Each nibble is 0 (absent) or the length minus 3 (draft-ietf-quic-transport-21 style).
    let cid_len = |nibble: u8| {
        if nibble == 0 {
            0
        } else {
            usize::from(nibble) + 3
        }
    };
    if lengths >> 4 == 0 {
        return Ok(None);
    }
    r.skip(cid_len(lengths >> 4) + cid_len(lengths & 0x0f))
        .ok_or(QuicError::Truncated("connection IDs"))?;
    let pn_len = usize::from(first & 0x03) + 1;
    r.skip(pn_len)
        .ok_or(QuicError::Truncated("packet number"))?;
    r.skip(HASH_LEN)
        .ok_or(QuicError::Truncated("message authentication hash"))?;
    Ok(Some(ClearPacket {
        version,
        pn_len,
        frames: r.rest(),
    }))
}

/// Walks the frames of a Q024–Q046 packet and hands stream 1's data (offset, bytes) to
/// `on_stream`. Skips PADDING runs, PING, ACK, STOP_WAITING, RST_STREAM, WINDOW_UPDATE and
/// BLOCKED; stops quietly at any other frame (CONNECTION_CLOSE, GOAWAY, unknown types), which
/// never precedes the CHLO in a client's packets.
pub(super) fn walk_stream_frames(
    packet: &ClearPacket<'_>,
    mut on_stream: impl FnMut(u64, &[u8]) -> Result<(), QuicError>,
) -> Result<(), QuicError> {
    let number = google_number(packet.version, b'Q').unwrap_or(0);
    let big_endian = number >= 39;
    let mut r = Cursor::new(packet.frames);
    let int = |r: &mut Cursor<'_>, n: usize| if big_endian { r.be(n) } else { r.le(n) };
    while let Some(frame_type) = r.u8() {
        if frame_type & 0x80 != 0 {
            // STREAM: 1fdooossB — FIN, data-length present, offset length, stream-ID length.
            const MALFORMED: QuicError = QuicError::MalformedFrame("STREAM");
            let id = int(&mut r, usize::from(frame_type & 0x03) + 1).ok_or(MALFORMED)?;
            let offset_code = usize::from((frame_type >> 2) & 0x07);
            let offset_len = if offset_code == 0 { 0 } else { offset_code + 1 };
            let offset = if offset_len == 0 {
                0
            } else {
                int(&mut r, offset_len).ok_or(MALFORMED)?
            };
            let len = if frame_type & 0x20 != 0 {
                int(&mut r, 2)
                    .and_then(|v| usize::try_from(v).ok())
                    .ok_or(MALFORMED)?
            } else {
                r.remaining()
            };
            let data = r.bytes(len).ok_or(MALFORMED)?;
            if id == CRYPTO_STREAM {
                on_stream(offset, data)?;
            }
        } else if frame_type & 0xc0 == 0x40 {
            if number < 34 || skip_ack(&mut r, frame_type).is_none() {
                return Ok(());
            }
        } else if frame_type == PADDING && number >= PADDING_RUN_FROM {
            let run = r.rest().iter().take_while(|&&b| b == PADDING).count();
            r.skip(run);
        } else if frame_type == PING {
        } else if frame_type == STOP_WAITING && number < 44 {
            let entropy = usize::from(number < 34);
            if r.skip(entropy + packet.pn_len).is_none() {
                return Ok(());
            }
        } else {
            let body = match frame_type {
                RST_STREAM if number >= 34 => RST_STREAM_LEN,
                WINDOW_UPDATE => WINDOW_UPDATE_LEN,
                BLOCKED => BLOCKED_LEN,
                // PADDING before Q038 fills the rest of the packet; anything else is not
                // expected before a client's CHLO.
                _ => return Ok(()),
            };
            if r.skip(body).is_none() {
                return Ok(());
            }
        }
    }
    Ok(())
}

/// Google's ACK frame from Q034 on: type 01nullmm (n: several ack blocks; ll: largest-acked
/// length; mm: block length), largest acked, 2-byte delay, [block count], first block, blocks
/// (1-byte gap + block), timestamp count, then timestamps (1 + 4 bytes, then 1 + 2 bytes each).
fn skip_ack(r: &mut Cursor<'_>, frame_type: u8) -> Option<()> {
    let block_len = len_code(frame_type);
    r.skip(len_code(frame_type >> 2) + 2)?;
    let blocks = if frame_type & 0x20 != 0 {
        usize::from(r.u8()?)
    } else {
        0
    };
    r.skip(block_len + blocks * (1 + block_len))?;
    let timestamps = usize::from(r.u8()?);
    if timestamps > 0 {
        r.skip(5 + (timestamps - 1) * 3)?;
    }
    Some(())
}

/// Walks a decrypted Q050/T050/T051 Initial payload and hands each CRYPTO frame to
/// `on_crypto`. Like nDPI, padding bytes are skipped one at a time (Chrome may pad first).
pub(super) fn walk_crypto_frames(
    payload: &[u8],
    mut on_crypto: impl FnMut(u64, &[u8]) -> Result<(), QuicError>,
) -> Result<(), QuicError> {
    let mut r = Cursor::new(payload);
    while let Some(frame_type) = r.u8() {
        match frame_type {
            PADDING | PING => {}
            CRYPTO_FRAME => {
                const MALFORMED: QuicError = QuicError::MalformedFrame("CRYPTO");
                let offset = r.varint().ok_or(MALFORMED)?;
                let len = r.varint_len().ok_or(MALFORMED)?;
                on_crypto(offset, r.bytes(len).ok_or(MALFORMED)?)?;
            }
            t if t & 0xc0 == 0x40 => {
                if skip_ack(&mut r, t).is_none() {
                    return Err(QuicError::MalformedFrame("ACK"));
                }
            }
            _ => return Ok(()),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn q025_public_header_and_little_endian_stream_frame() {
        // Flags 0x0d (version, 8-byte CID), CID, "Q025", PN 1, hash, private flags 0x01, then
        // STREAM 0xa0: stream 1, 2-byte length 3 (little-endian), "abc".
        let mut packet = vec![0x0d, 1, 2, 3, 4, 5, 6, 7, 8];
        packet.extend_from_slice(b"Q025");
        packet.push(0x01);
        packet.extend_from_slice(&[0xee; HASH_LEN]);
        packet.push(0x01);
        packet.extend_from_slice(&[0xa0, 0x01, 0x03, 0x00, b'a', b'b', b'c', 0x00, 0x00]);
        let parsed = public_header(&packet).unwrap();
        assert_eq!(parsed.version, u32::from_be_bytes(*b"Q025"));
        let mut seen = Vec::new();
        walk_stream_frames(&parsed, |o, d| {
            seen.push((o, d.to_vec()));
            Ok(())
        })
        .unwrap();
        assert_eq!(seen, vec![(0, b"abc".to_vec())]);
    }

    #[test]
    fn q043_ack_then_big_endian_stream_frame_with_offset() {
        // Flags 0x09, CID, "Q043", PN, hash; ACK 0x40 (5 bytes, no timestamps), STOP_WAITING
        // (1-byte PN), STREAM 0xa4: stream 1, 2-byte offset 0x0102, length 2, "hi".
        let mut packet = vec![0x09, 1, 2, 3, 4, 5, 6, 7, 8];
        packet.extend_from_slice(b"Q043");
        packet.push(0x02);
        packet.extend_from_slice(&[0; HASH_LEN]);
        packet.extend_from_slice(&[0x40, 0x01, 0x00, 0x00, 0x01, 0x00, 0x06, 0x01]);
        packet.extend_from_slice(&[0xa4, 0x01, 0x01, 0x02, 0x00, 0x02, b'h', b'i']);
        let parsed = public_header(&packet).unwrap();
        let mut seen = Vec::new();
        walk_stream_frames(&parsed, |o, d| {
            seen.push((o, d.to_vec()));
            Ok(())
        })
        .unwrap();
        assert_eq!(seen, vec![(0x0102, b"hi".to_vec())]);
    }

    #[test]
    fn server_packets_and_short_headers_are_not_public_headers() {
        assert!(public_header(&[0x08, 1, 2, 3, 4, 5, 6, 7, 8, 0x01]).is_none());
        let mut ietf_short = vec![0x41];
        ietf_short.extend_from_slice(&[0; 30]);
        assert!(public_header(&ietf_short).is_none());
    }
}
