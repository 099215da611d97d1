//! Datagrams and streams: which bytes make one STUN message or ChannelData frame.
//!
//! Over TCP two framings are supported, told apart by the first frame:
//! * RFC 4571 (ICE-TCP, RFC 6544): every frame has a 2-byte length prefix; recognised when the
//!   RFC 5389 magic cookie sits at bytes 6..10 (two bytes later than in a bare message). Frames
//!   that are not STUN (RTP, RTCP) are skipped.
//! * TURN over TCP (RFC 8656 §12.5): STUN messages and ChannelData back to back, each framed by
//!   its own length; ChannelData is padded to a multiple of 4 bytes. The stream must open with
//!   a STUN message (an Allocate request, or the server's answer to one): ChannelData only
//!   follows a ChannelBind, and four bytes are too weak a sign on their own (a TLS record's
//!   middle can look like one). A frame that is neither ends the walk, since there is no way
//!   to find the next one.
//!
//! Not supported: MS-TURN's own TCP framing ([MS-TURN] §2.1), which Teams runs inside TLS on
//! port 443, where its bytes are encrypted anyway.

use super::message::{self, HEADER_LEN, MAGIC_COOKIE, be16, be32};
use super::{StunError, StunPacket};

/// [MS-TURN] multiplexed TURN: a ChannelData-like frame on "channel" 0xFF10 whose data begins
/// with an 8-byte session ID.
pub const MS_MULTIPLEX_CHANNEL: u16 = 0xff10;
const MS_SESSION_ID_LEN: usize = 8;
const CHANNEL_HEADER_LEN: usize = 4;
/// Frames read from one stream prefix. The allocation exchange and the first checks take a
/// dozen; the rest of a relayed stream is ChannelData that names nothing new.
pub const MAX_STREAM_FRAMES: usize = 64;

/// RFC 8656 §12: channel numbers 0x4000–0x7FFF (RFC 5766's range; RFC 8656 narrows it to
/// 0x4000–0x4FFF), plus MS-TURN's multiplexed channel.
fn is_channel(kind: u16) -> bool {
    (0x4000..=0x7fff).contains(&kind) || kind == MS_MULTIPLEX_CHANNEL
}

/// A ChannelData header, checked against its length rules; returns (channel, length).
fn channel_header(frame: &[u8]) -> Result<(u16, u16), StunError> {
    let kind = be16(frame, 0).ok_or(StunError::Short)?;
    let length = be16(frame, 2).ok_or(StunError::Short)?;
    if !is_channel(kind)
        || (kind == MS_MULTIPLEX_CHANNEL && usize::from(length) < MS_SESSION_ID_LEN)
    {
        return Err(StunError::NotStun);
    }
    Ok((kind, length))
}

pub(super) fn datagram(payload: &[u8]) -> Result<StunPacket, StunError> {
    let kind = be16(payload, 0).ok_or(StunError::Short)?;
    if kind & 0xc000 == 0 {
        return message::parse(payload, true).map(StunPacket::Message);
    }
    let (channel, length) = channel_header(payload)?;
    let total = CHANNEL_HEADER_LEN + usize::from(length);
    // Over UDP the padding is optional (RFC 8656 §12.5).
    if payload.len() != total && payload.len() != total.next_multiple_of(4) {
        return Err(StunError::LengthMismatch {
            header: usize::from(length),
            actual: payload.len().saturating_sub(CHANNEL_HEADER_LEN),
        });
    }
    Ok(StunPacket::ChannelData { channel, length })
}

/// The application data of a ChannelData frame (after the MS-TURN session ID on channel
/// 0xFF10), e.g. to read the STUN check it relays with `parse_datagram`.
pub fn channel_data_payload(frame: &[u8]) -> Option<&[u8]> {
    let (channel, length) = channel_header(frame).ok()?;
    let data = frame.get(CHANNEL_HEADER_LEN..CHANNEL_HEADER_LEN + usize::from(length))?;
    if channel == MS_MULTIPLEX_CHANNEL {
        data.get(MS_SESSION_ID_LEN..)
    } else {
        Some(data)
    }
}

pub(super) fn stream(stream: &[u8]) -> Vec<StunPacket> {
    let rfc4571 = be32(stream, 6) == Some(MAGIC_COOKIE)
        && be16(stream, 2).is_some_and(|kind| kind & 0xc000 == 0);
    if rfc4571 {
        length_prefixed(stream)
    } else {
        self_framed(stream)
    }
}

fn length_prefixed(stream: &[u8]) -> Vec<StunPacket> {
    let mut out = Vec::new();
    let mut pos = 0usize;
    for _ in 0..MAX_STREAM_FRAMES {
        let Some(len) = be16(stream, pos) else {
            break;
        };
        let start = pos + 2;
        let Some(frame) = stream.get(start..start + usize::from(len)) else {
            break;
        };
        if let Ok(message) = message::parse(frame, true) {
            out.push(StunPacket::Message(message));
        }
        pos = start + usize::from(len);
    }
    out
}

fn self_framed(stream: &[u8]) -> Vec<StunPacket> {
    let mut out = Vec::new();
    let mut pos = 0usize;
    while out.len() < MAX_STREAM_FRAMES {
        let Some(rest) = stream.get(pos..) else {
            break;
        };
        let (Some(kind), Some(length)) = (be16(rest, 0), be16(rest, 2)) else {
            break;
        };
        let total = if kind & 0xc000 == 0 {
            let total = HEADER_LEN + usize::from(length);
            let Some(frame) = rest.get(..total) else {
                break;
            };
            match message::parse(frame, true) {
                Ok(message) => out.push(StunPacket::Message(message)),
                Err(_) => break,
            }
            total
        } else {
            if out.is_empty() {
                break;
            }
            let Ok((channel, length)) = channel_header(rest) else {
                break;
            };
            let total = (CHANNEL_HEADER_LEN + usize::from(length)).next_multiple_of(4);
            if rest.len() < total {
                break;
            }
            out.push(StunPacket::ChannelData { channel, length });
            total
        };
        pos += total;
    }
    out
}
