//! The TLS record layer (RFC 8446 §5.1, RFC 5246 §6.2) and the handshake byte stream it carries.
//!
//! Hand-written: tls-parser parses the messages inside one complete record, but a handshake
//! message may be split over several records (and several records share one segment), and a
//! stream prefix usually ends inside a record. Here the plaintext handshake records are
//! concatenated, including the part of a record that has arrived so far, and the messages are
//! cut from that byte stream.

/// Record header: content type, legacy version, 16-bit length.
pub const RECORD_HEADER_LEN: usize = 5;

/// Longest record accepted: 2^14 plaintext bytes plus the 2048 bytes of expansion TLS 1.2
/// allows a TLSCiphertext (RFC 5246 §6.2.3); anything longer is not TLS.
const MAX_RECORD_LEN: usize = (1 << 14) + 2048;

/// Handshake bytes gathered from one stream. Callers hand prefixes of at most
/// `SERVER_PREFIX_LIMIT` (32 KiB); this bound keeps any other caller's input from growing the
/// buffer without limit.
pub const MAX_HANDSHAKE_BYTES: usize = 64 * 1024;

pub const CHANGE_CIPHER_SPEC: u8 = 20;
pub const ALERT: u8 = 21;
pub const HANDSHAKE: u8 = 22;
pub const APPLICATION_DATA: u8 = 23;

/// Handshake header: message type and 24-bit length.
pub const HANDSHAKE_HEADER_LEN: usize = 4;

/// Why the record walk stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum End {
    /// The bytes ran out: more of the stream may carry more handshake data.
    NeedMore,
    /// The first record header is not TLS (or the stream starts with SSL 2.0).
    NotTls,
    /// ChangeCipherSpec or application data: what follows is encrypted.
    Encrypted,
    /// A fatal (or unreadable) alert: the handshake is over or failing.
    Alert,
    /// A later record header that cannot be TLS.
    Malformed,
    /// `MAX_HANDSHAKE_BYTES` gathered.
    Limit,
}

/// A typed view of a record header whose 5 bytes are present.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecordHeader {
    pub content_type: u8,
    pub version: u16,
    pub length: usize,
}

impl RecordHeader {
    pub fn parse(bytes: &[u8]) -> Option<RecordHeader> {
        let &[content_type, major, minor, len_hi, len_lo, ..] = bytes else {
            return None;
        };
        Some(RecordHeader {
            content_type,
            version: u16::from_be_bytes([major, minor]),
            length: usize::from(u16::from_be_bytes([len_hi, len_lo])),
        })
    }

    /// SSL 3.0 to TLS 1.3 record: content type 20–23, version 3.0–3.4, bounded length.
    pub fn is_plausible(&self) -> bool {
        (CHANGE_CIPHER_SPEC..=APPLICATION_DATA).contains(&self.content_type)
            && (0x0300..=0x0304).contains(&self.version)
            && self.length <= MAX_RECORD_LEN
    }
}

/// Whether the first bytes of a stream, fewer than a header's five, can still start a record.
fn could_start_record(bytes: &[u8]) -> bool {
    let type_ok = bytes
        .first()
        .is_none_or(|t| (CHANGE_CIPHER_SPEC..=APPLICATION_DATA).contains(t));
    let major_ok = bytes.get(1).is_none_or(|&m| m == 3);
    let minor_ok = bytes.get(2).is_none_or(|&m| m <= 4);
    type_ok && major_ok && minor_ok
}

/// The handshake bytes of a stream prefix and why the walk ended.
#[derive(Debug)]
pub struct Records {
    /// Concatenated payloads of the leading handshake records (the last possibly partial).
    pub handshake: Vec<u8>,
    pub end: End,
}

/// Walk the records of a stream prefix from its start, gathering handshake payloads until a
/// record that is not a plaintext handshake record.
pub fn collect(stream: &[u8]) -> Records {
    let mut handshake = Vec::new();
    let mut rest = stream;
    let mut first = true;
    let end = loop {
        let Some(header) = RecordHeader::parse(rest) else {
            if first && !could_start_record(rest) {
                break End::NotTls;
            }
            break End::NeedMore;
        };
        if !header.is_plausible() {
            break if first { End::NotTls } else { End::Malformed };
        }
        first = false;
        let body = rest.get(RECORD_HEADER_LEN..).unwrap_or(&[]);
        match header.content_type {
            HANDSHAKE => {}
            // A warning alert (level 1) leaves the handshake going: some servers send
            // unrecognized_name before their ServerHello. Anything else ends it.
            ALERT if header.length == 2 => match body.first() {
                None => break End::NeedMore,
                Some(1) if body.len() >= 2 => {
                    rest = body.get(2..).unwrap_or(&[]);
                    continue;
                }
                Some(1) => break End::NeedMore,
                Some(_) => break End::Alert,
            },
            ALERT => break End::Alert,
            _ => break End::Encrypted,
        }
        let available = body.len().min(header.length);
        let room = MAX_HANDSHAKE_BYTES - handshake.len();
        let take = available.min(room);
        handshake.extend_from_slice(body.get(..take).unwrap_or(&[]));
        if take < available {
            break End::Limit;
        }
        if available < header.length {
            break End::NeedMore;
        }
        rest = body.get(header.length..).unwrap_or(&[]);
    };
    Records { handshake, end }
}

/// One handshake message at the start of a handshake byte stream, possibly not all present.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Message<'a> {
    pub kind: u8,
    /// Declared body length.
    pub length: usize,
    /// The body bytes present so far (all of them when `is_complete`).
    pub body: &'a [u8],
    /// The whole message, header included, when complete.
    pub whole: Option<&'a [u8]>,
}

impl<'a> Message<'a> {
    /// Read the message at the start of `bytes`; None when its 4-byte header is not all there.
    pub fn peek(bytes: &'a [u8]) -> Option<Message<'a>> {
        let &[kind, a, b, c, ..] = bytes else {
            return None;
        };
        let length = usize::from(a) << 16 | usize::from(b) << 8 | usize::from(c);
        let present = bytes.get(HANDSHAKE_HEADER_LEN..).unwrap_or(&[]);
        let body = present.get(..length).unwrap_or(present);
        let whole = bytes.get(..HANDSHAKE_HEADER_LEN + length);
        Some(Message {
            kind,
            length,
            body,
            whole,
        })
    }

    pub fn is_complete(&self) -> bool {
        self.whole.is_some()
    }

    /// What follows this message (empty when it is not complete).
    pub fn rest(&self, bytes: &'a [u8]) -> &'a [u8] {
        bytes
            .get(HANDSHAKE_HEADER_LEN + self.length..)
            .unwrap_or(&[])
    }
}
