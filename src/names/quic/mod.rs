//! QUIC: decrypt client Initial packets and read the ClientHello they carry.
//!
//! A QUIC client's first flight is protected with keys anyone can derive from the packet itself
//! (RFC 9001 §5.2): HKDF over the Destination Connection ID of the client's first Initial with
//! a per-version salt. This module derives them, removes header protection, opens the AEAD,
//! walks the frames and reassembles the CRYPTO stream (across packets, coalesced packets and
//! datagrams, in any order) until the TLS ClientHello is complete; the TLS module reads the
//! server name from it.
//!
//! Versions: v1 (RFC 9000/9001), v2 (RFC 9369), IETF drafts 22–34, Meta's mvfst codepoints,
//! and Google QUIC: Q024–Q043 and Q046 (CHLO in the clear in stream 1), Q050 (protected Initial,
//! CHLO in CRYPTO frames), T050/T051 (protected Initial, TLS ClientHello). See `version.rs` for
//! the constants and their sources.
//!
//! The caller does not know which side sent a datagram: a server's Initial does not open with
//! the client's keys and is ignored, which is how client packets are told apart.
//!
//! Layout: `version` (table), `keys` (key derivation and ciphers), `packet` (long header,
//! protection removal), `frames` (Initial frames), `crypto_stream` (reassembly), `gquic` and
//! `chlo` (Google QUIC), `connection` (per-flow state); fields are read with `crate::wire`.

mod chlo;
mod connection;
mod crypto_stream;
mod frames;
mod gquic;
mod keys;
mod packet;
mod version;

#[cfg(test)]
pub(crate) mod test_util;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_google;
#[cfg(test)]
mod tests_prop;
#[cfg(test)]
mod vectors;

pub use connection::{MAX_INITIAL_DATAGRAMS, QuicConnection};
pub use crypto_stream::{MAX_CRYPTO_BYTES, MAX_RANGES};
pub use version::{is_supported, version_name};

/// The connection IDs of a long-header packet opening a datagram (RFC 8999 §5.1), for timing a
/// client's first flight against the server's answer (the `rtt` stage).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LongHeaderIds<'a> {
    /// An Initial packet of a version this module knows (v2's type codes mapped).
    pub initial: bool,
    pub dcid: &'a [u8],
    pub scid: &'a [u8],
}

/// The connection IDs of the long header at the start of `datagram`, of any version (Version
/// Negotiation included); `None` for a short header or a header cut short.
pub fn long_header_ids(datagram: &[u8]) -> Option<LongHeaderIds<'_>> {
    packet::long_header_ids(datagram).map(|(initial, dcid, scid)| LongHeaderIds {
        initial,
        dcid,
        scid,
    })
}

/// What one datagram taught about the connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QuicEvent {
    /// Not a packet this module reads (short header, unknown version, a server packet, ...).
    Ignored,
    /// Client Initial data decrypted; the ClientHello is not complete yet.
    Partial,
    /// The complete TLS ClientHello handshake message (type byte 1, 3-byte length, body).
    ClientHello(Vec<u8>),
    /// Google QUIC crypto CHLO (Q043/Q046 in clear, Q050 decrypted): its SNI tag, and UAID if
    /// present.
    GoogleChlo {
        sni: Option<String>,
        user_agent: Option<String>,
    },
    /// Looked like a client Initial of a known version but failed (decryption, malformed
    /// frames, bound exceeded).
    Failed(QuicError),
}

/// Why a client Initial could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QuicError {
    #[error("packet cut short in the {0}")]
    Truncated(&'static str),
    #[error("packet length runs past the end of the datagram")]
    LengthBeyondDatagram,
    #[error("connection ID of {0} bytes (at most 20)")]
    ConnectionIdTooLong(usize),
    #[error("Initial packet does not open with the client Initial keys")]
    Decryption,
    #[error("frame type {0:#x} is not allowed in an Initial packet")]
    FrameNotAllowed(u64),
    #[error("malformed frame ({0})")]
    MalformedFrame(&'static str),
    #[error("handshake data reaches offset {0}, beyond the {MAX_CRYPTO_BYTES}-byte bound")]
    CryptoTooLarge(u64),
    #[error("handshake data in more than {MAX_RANGES} separate pieces")]
    TooManyFragments,
    #[error("first handshake message has type {0}, not ClientHello (1)")]
    NotClientHello(u8),
    #[error("handshake message of {0} bytes exceeds the {MAX_CRYPTO_BYTES}-byte bound")]
    HelloTooLarge(usize),
    #[error("Google QUIC handshake message is not a CHLO")]
    NotChlo,
    #[error("malformed Google QUIC CHLO ({0})")]
    MalformedChlo(&'static str),
    #[error("no complete ClientHello within {MAX_INITIAL_DATAGRAMS} Initial datagrams")]
    TooManyDatagrams,
}
