//! STUN/TURN messages (RFC 5389 / 8489 / 8656, classic RFC 3489) and Microsoft MS-TURN:
//! enough to recognise Teams/Skype media relays and read the transaction IDs that pair requests
//! with responses.
//!
//! `parse_datagram` reads one UDP payload: a STUN message filling it exactly, or TURN
//! ChannelData (channels 0x4000–0x7FFF, and MS-TURN's multiplexed channel 0xFF10 whose data
//! starts with an 8-byte session ID). `parse_stream` cuts a TCP stream prefix into frames; see
//! `framing.rs` for the two framings it supports. The dialects and how strictly each is
//! accepted are described in `message.rs`.

mod framing;
mod message;
mod realm;

pub use framing::{MAX_STREAM_FRAMES, MS_MULTIPLEX_CHANNEL, channel_data_payload};
pub use message::{
    HEADER_LEN, MAGIC_COOKIE, MAX_ATTRIBUTES, MAX_MS_ATTRIBUTES, MAX_TEXT_CHARS, MS_TURN_COOKIE,
};
pub use realm::{MAX_REALM_NAME, realm_name};

pub const METHOD_BINDING: u16 = 0x001;
pub const METHOD_ALLOCATE: u16 = 0x003;
/// MS-TURN methods. TURN draft-08, which [MS-TURN] builds on, numbers Send 4, Data 5 and Set
/// Active Destination 6, numbers RFC 5766 later gave Refresh, nothing and Send; these constants
/// keep them apart from the RFC methods with the high bit, which no 12-bit STUN method has.
pub const MS_TURN_SEND: u16 = 0x8004;
pub const MS_TURN_DATA: u16 = 0x8005;
pub const MS_TURN_SET_ACTIVE_DESTINATION: u16 = 0x8006;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StunClass {
    Request,
    Indication,
    SuccessResponse,
    ErrorResponse,
}

impl StunClass {
    pub fn name(self) -> &'static str {
        match self {
            StunClass::Request => "request",
            StunClass::Indication => "indication",
            StunClass::SuccessResponse => "success-response",
            StunClass::ErrorResponse => "error-response",
        }
    }
}

/// A transaction ID: what a response echoes from its request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TransactionId {
    /// The 12 bytes after the magic cookie (RFC 5389).
    Rfc5389([u8; 12]),
    /// The 16 bytes after the length (RFC 3489, and MS-TURN messages without the cookie).
    Rfc3489([u8; 16]),
}

impl TransactionId {
    pub fn as_bytes(&self) -> &[u8] {
        match self {
            TransactionId::Rfc5389(id) => id,
            TransactionId::Rfc3489(id) => id,
        }
    }
}

/// Microsoft extensions seen in one message.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MsTurn {
    /// The message is in MS-TURN's draft-08 dialect (first attribute MAGIC-COOKIE 0x72C64BC6).
    pub dialect: bool,
    /// MS-VERSION (0x8008).
    pub version: Option<u32>,
    /// MULTIPLEXED-TURN-SESSION-ID (0x8095).
    pub session_id: Option<[u8; 8]>,
    /// Microsoft attribute types present (see `ms_attribute_name`), in order of first
    /// appearance, at most `MAX_MS_ATTRIBUTES`.
    pub attributes: Vec<u16>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StunMessage {
    pub class: StunClass,
    /// The 12-bit RFC method, or one of the `MS_TURN_*` methods (see `method_name`).
    pub method: u16,
    pub transaction_id: TransactionId,
    /// The RFC 5389 magic cookie is in the header.
    pub magic_cookie: bool,
    /// Microsoft MS-TURN attributes present (which ones, bounded), MS-Version value if any;
    /// None when the message has none.
    pub ms_turn: Option<MsTurn>,
    /// SOFTWARE (0x8022), at most `MAX_TEXT_CHARS` characters.
    pub software: Option<String>,
    /// REALM (0x0014; 0x0015 in the MS-TURN dialect), at most `MAX_TEXT_CHARS` characters.
    pub realm: Option<String>,
    /// The header's length field: attribute bytes after the 20-byte header.
    pub length: usize,
    /// A STUN message carried in a DATA attribute (TURN Send/Data, MS-TURN Send request and
    /// Data indication relay ICE checks this way); one level deep.
    pub inner: Option<Box<StunMessage>>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StunPacket {
    Message(StunMessage),
    /// TURN ChannelData; `length` is the header's length field.
    ChannelData {
        channel: u16,
        length: u16,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StunError {
    #[error("shorter than a STUN header")]
    Short,
    #[error("not STUN or TURN ChannelData")]
    NotStun,
    #[error("length field {header} does not match the {actual} bytes that follow the header")]
    LengthMismatch { header: usize, actual: usize },
    #[error("message length {0} is not a multiple of 4")]
    Unaligned(usize),
    #[error("attributes do not tile a message without the magic cookie")]
    BadAttributes,
}

/// One UDP payload.
pub fn parse_datagram(payload: &[u8]) -> Result<StunPacket, StunError> {
    framing::datagram(payload)
}

/// Complete STUN/ChannelData frames at the start of a TCP stream prefix (at most
/// `MAX_STREAM_FRAMES`; see `framing.rs` for the framings).
pub fn parse_stream(stream: &[u8]) -> Vec<StunPacket> {
    framing::stream(stream)
}

/// IANA STUN method names (RFC 8489, 8656, 6062), Google's GOOG-PING, and MS-TURN's methods.
pub fn method_name(method: u16) -> &'static str {
    match method {
        0x001 => "binding",
        0x002 => "shared-secret",
        0x003 => "allocate",
        0x004 => "refresh",
        0x006 => "send",
        0x007 => "data",
        0x008 => "create-permission",
        0x009 => "channel-bind",
        0x00a => "connect",
        0x00b => "connection-bind",
        0x00c => "connection-attempt",
        0x080 => "goog-ping",
        MS_TURN_SEND => "ms-send",
        MS_TURN_DATA => "ms-data",
        MS_TURN_SET_ACTIVE_DESTINATION => "ms-set-active-destination",
        _ => "unknown",
    }
}

/// Microsoft attribute types, from [MS-TURN] §2.2.2, [MS-ICE2] §2.2.2, [MS-TURNBWM] §2.2
/// (numbers as Wireshark's packet-stun.c lists them). The four below 0x8000 are TURN draft-era
/// numbers that no RFC assigns; only MS-TURN still sends them.
pub fn ms_attribute_name(attribute: u16) -> Option<&'static str> {
    Some(match attribute {
        0x000e => "ms-alternate-server",
        0x000f => "magic-cookie",
        0x0010 => "bandwidth",
        0x0011 => "destination-address",
        0x8008 => "ms-version",
        0x8020 => "ms-xor-mapped-address",
        0x8032 => "ms-alternate-host-name",
        0x8037 => "ms-app-id",
        0x8039 => "ms-secure-tag",
        0x8050 => "ms-sequence-number",
        0x8054 => "ms-candidate-identifier",
        0x8055 => "ms-service-quality",
        0x8056 => "bandwidth-admission-control",
        0x8057 => "bandwidth-reservation-id",
        0x8058 => "bandwidth-reservation-amount",
        0x8059 => "remote-site-address",
        0x805a => "remote-relay-site-address",
        0x805b => "local-site-address",
        0x805c => "local-relay-site-address",
        0x805d => "remote-site-address-response",
        0x805e => "remote-relay-site-address-response",
        0x805f => "local-site-address-response",
        0x8060 => "local-relay-site-address-response",
        0x8061 => "sip-dialog-id",
        0x8062 => "sip-call-id",
        0x8068 => "location-profile",
        0x8070 => "ms-implementation-version",
        0x8090 => "ms-alt-mapped-address",
        0x8095 => "multiplexed-turn-session-id",
        _ => return None,
    })
}

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;
