//! The frames a client Initial may carry (RFC 9000 §12.4, Table 3): PADDING, PING, ACK, CRYPTO
//! and CONNECTION_CLOSE. Every frame is walked so that the CRYPTO frames, wherever they sit
//! among the others, reach the reassembler; any other frame type makes the packet malformed.

use super::QuicError;
use crate::wire::Cursor;

const PADDING: u64 = 0x00;
const PING: u64 = 0x01;
const ACK: u64 = 0x02;
const ACK_ECN: u64 = 0x03;
const CRYPTO: u64 = 0x06;
const CONNECTION_CLOSE: u64 = 0x1c;
const CONNECTION_CLOSE_APP: u64 = 0x1d;

/// Walks the decrypted payload of an Initial packet and hands each CRYPTO frame's offset and
/// data to `on_crypto`. The loop ends with the payload: every frame consumes at least one byte.
pub(super) fn walk_initial_frames(
    payload: &[u8],
    mut on_crypto: impl FnMut(u64, &[u8]) -> Result<(), QuicError>,
) -> Result<(), QuicError> {
    let mut r = Cursor::new(payload);
    while !r.is_empty() {
        let frame_type = r.varint().ok_or(QuicError::MalformedFrame("frame type"))?;
        match frame_type {
            PADDING | PING => {}
            ACK | ACK_ECN => skip_ack(&mut r, frame_type == ACK_ECN)?,
            CRYPTO => {
                let offset = r
                    .varint()
                    .ok_or(QuicError::MalformedFrame("CRYPTO offset"))?;
                let len = r
                    .varint_len()
                    .ok_or(QuicError::MalformedFrame("CRYPTO length"))?;
                let data = r
                    .bytes(len)
                    .ok_or(QuicError::MalformedFrame("CRYPTO data"))?;
                on_crypto(offset, data)?;
            }
            CONNECTION_CLOSE | CONNECTION_CLOSE_APP => {
                r.varint()
                    .ok_or(QuicError::MalformedFrame("CONNECTION_CLOSE error code"))?;
                if frame_type == CONNECTION_CLOSE {
                    r.varint()
                        .ok_or(QuicError::MalformedFrame("CONNECTION_CLOSE frame type"))?;
                }
                let len = r
                    .varint_len()
                    .ok_or(QuicError::MalformedFrame("CONNECTION_CLOSE"))?;
                r.skip(len)
                    .ok_or(QuicError::MalformedFrame("CONNECTION_CLOSE reason"))?;
            }
            other => return Err(QuicError::FrameNotAllowed(other)),
        }
    }
    Ok(())
}

/// ACK frame fields after the type (RFC 9000 §19.3): largest acknowledged, delay, range count,
/// first range, then (gap, length) per further range, then three ECN counts for type 0x03.
fn skip_ack(r: &mut Cursor<'_>, ecn: bool) -> Result<(), QuicError> {
    const MALFORMED: QuicError = QuicError::MalformedFrame("ACK");
    r.varint().ok_or(MALFORMED)?;
    r.varint().ok_or(MALFORMED)?;
    let ranges = r.varint().ok_or(MALFORMED)?;
    r.varint().ok_or(MALFORMED)?;
    // Each further range takes at least two bytes; a count the payload cannot hold is damage,
    // refused before looping on it.
    if ranges > (r.remaining() / 2) as u64 {
        return Err(MALFORMED);
    }
    for _ in 0..ranges {
        r.varint().ok_or(MALFORMED)?;
        r.varint().ok_or(MALFORMED)?;
    }
    if ecn {
        for _ in 0..3 {
            r.varint().ok_or(MALFORMED)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn crypto_frames(payload: &[u8]) -> Result<Vec<(u64, Vec<u8>)>, QuicError> {
        let mut out = Vec::new();
        walk_initial_frames(payload, |offset, data| {
            out.push((offset, data.to_vec()));
            Ok(())
        })?;
        Ok(out)
    }

    #[test]
    fn crypto_among_ack_ping_padding() {
        // ACK (largest 5, delay 0, 1 more range, first 0, gap 1, len 0), PING, CRYPTO at 7 of 3
        // bytes, PADDING, CRYPTO at 0 of 1 byte, ACK_ECN with counts, CONNECTION_CLOSE.
        let payload = [
            0x02, 0x05, 0x00, 0x01, 0x00, 0x01, 0x00, 0x01, 0x06, 0x07, 0x03, 0xaa, 0xbb, 0xcc,
            0x00, 0x00, 0x06, 0x00, 0x01, 0x01, 0x03, 0x01, 0x00, 0x00, 0x00, 0x01, 0x02, 0x03,
            0x1c, 0x0a, 0x06, 0x02, b'n', b'o',
        ];
        let frames = crypto_frames(&payload).unwrap();
        assert_eq!(frames, vec![(7, vec![0xaa, 0xbb, 0xcc]), (0, vec![0x01])]);
    }

    #[test]
    fn stream_frame_is_not_allowed() {
        assert_eq!(
            crypto_frames(&[0x08, 0x00]),
            Err(QuicError::FrameNotAllowed(0x08))
        );
    }

    #[test]
    fn crypto_length_past_payload_is_malformed() {
        assert_eq!(
            crypto_frames(&[0x06, 0x00, 0x05, 0x01]),
            Err(QuicError::MalformedFrame("CRYPTO data"))
        );
    }

    #[test]
    fn huge_ack_range_count_is_refused_at_once() {
        let payload = [0x02, 0x00, 0x00, 0xbf, 0xff, 0xff, 0xff, 0x00];
        assert_eq!(
            crypto_frames(&payload),
            Err(QuicError::MalformedFrame("ACK"))
        );
    }
}
