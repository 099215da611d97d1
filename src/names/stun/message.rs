//! One STUN message: the 20-byte header, then the attribute walk.
//!
//! Three dialects share the header layout (type, length, 16 bytes):
//! * RFC 5389/8489: bytes 4..8 are the magic cookie 0x2112A442, the transaction ID is the 12
//!   bytes after it, attribute values are padded to 4 bytes.
//! * RFC 3489 (classic): no cookie, a 16-byte transaction ID. Random data is easily mistaken for
//!   it, so a classic message is accepted only if its type is one RFC 3489 defines (Binding or
//!   Shared Secret request / response / error response), its length is a multiple of 4, and its
//!   attributes tile the message exactly.
//! * MS-TURN ([MS-TURN], built on TURN draft-08): the first attribute is MAGIC-COOKIE (0x000F)
//!   holding 0x72C64BC6, with or without the RFC 5389 cookie in the header. Attribute values are
//!   not padded, REALM and NONCE swap numbers (REALM is 0x0015), and the message types are
//!   draft-08's, some of which RFC 5766 reuses for other methods (see `ms_turn_type`).

use super::{
    METHOD_ALLOCATE, MS_TURN_DATA, MS_TURN_SEND, MS_TURN_SET_ACTIVE_DESTINATION, MsTurn, StunClass,
    StunError, StunMessage, TransactionId, ms_attribute_name,
};
pub(super) use crate::wire::{be16, be32};

pub const HEADER_LEN: usize = 20;
/// RFC 5389 §6.
pub const MAGIC_COOKIE: u32 = 0x2112_a442;
/// [MS-TURN] §2.2.2.8 / TURN draft-08: the MAGIC-COOKIE attribute's value.
pub const MS_TURN_COOKIE: u32 = 0x72c6_4bc6;
/// Attributes walked per message. Real messages carry 5 to 15; a 64 KiB message of empty
/// attributes could hold 16 K.
pub const MAX_ATTRIBUTES: usize = 64;
/// Microsoft attribute types listed per message.
pub const MAX_MS_ATTRIBUTES: usize = 16;
/// SOFTWARE and REALM are "fewer than 128 characters" (RFC 8489 §14.9, §14.14): longer text is
/// cut at 128 characters.
pub const MAX_TEXT_CHARS: usize = 128;

const ATTR_MS_MAGIC_COOKIE: u16 = 0x000f;
const ATTR_DATA: u16 = 0x0013;
const ATTR_REALM: u16 = 0x0014;
const ATTR_MS_REALM: u16 = 0x0015;
const ATTR_MS_VERSION: u16 = 0x8008;
const ATTR_SOFTWARE: u16 = 0x8022;
const ATTR_MS_MULTIPLEXED_SESSION: u16 = 0x8095;

/// RFC 3489 §11.1 message types.
const CLASSIC_TYPES: [u16; 6] = [0x0001, 0x0101, 0x0111, 0x0002, 0x0102, 0x0112];

/// RFC 5389 §6: class bits C1 (0x0100) and C0 (0x0010); method bits around them.
fn rfc_type(message_type: u16) -> (StunClass, u16) {
    let class = match (message_type >> 7) & 0b10 | (message_type >> 4) & 0b01 {
        0 => StunClass::Request,
        1 => StunClass::Indication,
        2 => StunClass::SuccessResponse,
        _ => StunClass::ErrorResponse,
    };
    let method =
        message_type & 0x000f | (message_type >> 1) & 0x0070 | (message_type >> 2) & 0x0f80;
    (class, method)
}

/// [MS-TURN] §2.2.1 message types.
fn ms_turn_type(message_type: u16) -> Option<(StunClass, u16)> {
    use StunClass::*;
    Some(match message_type {
        0x0003 => (Request, METHOD_ALLOCATE),
        0x0103 => (SuccessResponse, METHOD_ALLOCATE),
        0x0113 => (ErrorResponse, METHOD_ALLOCATE),
        0x0004 => (Request, MS_TURN_SEND),
        0x0115 => (Indication, MS_TURN_DATA),
        0x0006 => (Request, MS_TURN_SET_ACTIVE_DESTINATION),
        0x0106 => (SuccessResponse, MS_TURN_SET_ACTIVE_DESTINATION),
        0x0116 => (ErrorResponse, MS_TURN_SET_ACTIVE_DESTINATION),
        _ => return None,
    })
}

/// Parse the STUN message filling `bytes` exactly (a datagram, or a frame cut from a stream).
/// `nested` allows one level of STUN inside a DATA attribute.
pub fn parse(bytes: &[u8], nested: bool) -> Result<StunMessage, StunError> {
    let header = bytes.get(..HEADER_LEN).ok_or(StunError::Short)?;
    let message_type = be16(header, 0).unwrap_or(0);
    if message_type & 0xc000 != 0 {
        return Err(StunError::NotStun);
    }
    let length = usize::from(be16(header, 2).unwrap_or(0));
    if HEADER_LEN + length != bytes.len() {
        return Err(StunError::LengthMismatch {
            header: length,
            actual: bytes.len().saturating_sub(HEADER_LEN),
        });
    }
    let attributes = bytes.get(HEADER_LEN..).unwrap_or(&[]);
    let magic_cookie = be32(header, 4) == Some(MAGIC_COOKIE);
    let ms_dialect = be16(attributes, 0) == Some(ATTR_MS_MAGIC_COOKIE)
        && be16(attributes, 2) == Some(4)
        && be32(attributes, 4) == Some(MS_TURN_COOKIE);
    let (class, method) = match ms_dialect.then(|| ms_turn_type(message_type)).flatten() {
        Some(known) => known,
        None if magic_cookie => {
            let (class, method) = rfc_type(message_type);
            // RFC 7983 keeps methods 0x100-0xFFF for demultiplexing; none was ever assigned.
            if method > 0xff {
                return Err(StunError::NotStun);
            }
            (class, method)
        }
        None if CLASSIC_TYPES.contains(&message_type) => rfc_type(message_type),
        None => return Err(StunError::NotStun),
    };
    if length % 4 != 0 && !ms_dialect {
        return Err(StunError::Unaligned(length));
    }
    let transaction_id = if magic_cookie {
        TransactionId::Rfc5389(
            header
                .get(8..20)
                .and_then(|s| s.try_into().ok())
                .unwrap_or_default(),
        )
    } else {
        TransactionId::Rfc3489(
            header
                .get(4..20)
                .and_then(|s| s.try_into().ok())
                .unwrap_or_default(),
        )
    };
    let mut message = StunMessage {
        class,
        method,
        transaction_id,
        magic_cookie,
        ms_turn: None,
        software: None,
        realm: None,
        length,
        inner: None,
    };
    let tiled = walk(&mut message, attributes, ms_dialect, nested);
    if !tiled && !magic_cookie && !ms_dialect {
        return Err(StunError::BadAttributes);
    }
    Ok(message)
}

/// Read the attributes into `message`. Returns whether they tile the message exactly.
fn walk(message: &mut StunMessage, attributes: &[u8], ms_dialect: bool, nested: bool) -> bool {
    let mut ms = MsTurn {
        dialect: ms_dialect,
        ..MsTurn::default()
    };
    let realm_type = if ms_dialect {
        ATTR_MS_REALM
    } else {
        ATTR_REALM
    };
    let mut pos = 0usize;
    let mut tiled = false;
    for _ in 0..MAX_ATTRIBUTES {
        if pos == attributes.len() {
            tiled = true;
            break;
        }
        let (Some(kind), Some(len)) = (be16(attributes, pos), be16(attributes, pos + 2)) else {
            break;
        };
        let len = usize::from(len);
        let Some(value) = attributes.get(pos + 4..pos + 4 + len) else {
            break;
        };
        match kind {
            ATTR_SOFTWARE => message.software = Some(text(value)),
            k if k == realm_type => message.realm = Some(text(value)),
            ATTR_MS_VERSION => ms.version = be32(value, 0),
            ATTR_MS_MULTIPLEXED_SESSION => {
                ms.session_id = value.get(..8).and_then(|s| s.try_into().ok());
            }
            ATTR_DATA if nested => {
                message.inner = parse(value, false).ok().map(Box::new);
            }
            _ => {}
        }
        if ms_attribute_name(kind).is_some()
            && !ms.attributes.contains(&kind)
            && ms.attributes.len() < MAX_MS_ATTRIBUTES
        {
            ms.attributes.push(kind);
        }
        let padded = if ms_dialect {
            len
        } else {
            len.next_multiple_of(4)
        };
        pos = pos + 4 + padded;
        if pos > attributes.len() {
            break;
        }
    }
    if ms.dialect || !ms.attributes.is_empty() {
        message.ms_turn = Some(ms);
    }
    tiled
}

/// UTF-8 text, lossily decoded, cut at `MAX_TEXT_CHARS` characters.
fn text(value: &[u8]) -> String {
    // 4 bytes per character at most: no need to decode more.
    let value = value.get(..MAX_TEXT_CHARS * 4).unwrap_or(value);
    String::from_utf8_lossy(value)
        .chars()
        .take(MAX_TEXT_CHARS)
        .collect()
}
