//! TLS: the ClientHello's server name (and ECH), and TLS 1.2 certificate names.
//!
//! `scan` reads one direction's stream prefix: the record layer (`record`) yields the handshake
//! byte stream, cut into messages; a ClientHello (`client_hello`) gives the server name, a
//! ServerHello tells whether the rest is encrypted (TLS 1.3), and a TLS 1.2 Certificate
//! (`certificate`) gives the leaf's names. SSL 2.0-style hellos are not read (`not_tls`).

mod certificate;
mod client_hello;
#[cfg(test)]
mod proptests;
mod record;
#[cfg(test)]
mod tests;

pub use certificate::MAX_SAN_NAMES;
pub use client_hello::{MAX_ALPN, MAX_VERSIONS, parse_client_hello};

use record::{End, HANDSHAKE, HANDSHAKE_HEADER_LEN, MAX_HANDSHAKE_BYTES, Message, RecordHeader};

const SERVER_HELLO: u8 = 2;
const SERVER_HELLO_DONE: u8 = 14;

/// Handshake message types that may travel in plaintext before the Certificate
/// (RFC 8446 §4, RFC 5246 §7.4, RFC 4366 §3.6 CertificateStatus); any other type means the bytes
/// are not a handshake we understand.
const PLAINTEXT_TYPES: &[u8] = &[0, 1, 2, 4, 11, 12, 13, 14, 15, 16, 20, 22];

/// Handshake messages walked per scan. Before a server's Certificate come a ServerHello and
/// perhaps a HelloRequest; a dozen covers any real order, and bounds a crafted run of tiny ones.
const MAX_HANDSHAKE_MESSAGES: usize = 16;

/// Longest name kept: a DNS name's text form is at most 253 characters (RFC 1035 §2.3.4).
const MAX_NAME_LEN: usize = 253;

/// What a ClientHello says about where the client is going.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClientHello {
    /// First host_name of server_name, if host-shaped: 1–253 printable ASCII characters,
    /// lowercased. A name with other bytes is dropped rather than mangled.
    pub sni: Option<String>,
    /// encrypted_client_hello (0xfe0d) present (real or GREASE: they look the same).
    pub ech: bool,
    /// Offered ALPN protocols (lossy UTF-8), at most `MAX_ALPN`.
    pub alpn: Vec<String>,
    /// supported_versions without GREASE values, at most `MAX_VERSIONS`.
    pub supported_versions: Vec<u16>,
}

/// The names in a leaf certificate.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CertNames {
    /// The subject's (last) common name, if host-shaped.
    pub subject_cn: Option<String>,
    /// SAN dNSNames, host-shaped ones, at most `MAX_SAN_NAMES`, in certificate order.
    pub san_dns: Vec<String>,
    /// Host-shaped SAN dNSNames beyond `MAX_SAN_NAMES`, not kept.
    pub san_dropped: usize,
}

/// What one direction's contiguous stream prefix shows so far.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TlsScan {
    /// The bytes are not TLS (first record header is not a TLS handshake/alert/ccs record).
    /// A stream that starts with an application-data record is taken as TLS (joined late).
    pub not_tls: bool,
    pub client_hello: Option<ClientHello>,
    /// From a TLS 1.2 (or earlier) Certificate handshake message: the leaf certificate's names.
    pub certificate: Option<CertNames>,
    /// Nothing more can be learned from more bytes of this direction (ClientHello parsed, or
    /// Certificate parsed, or the handshake turned encrypted — ChangeCipherSpec / application
    /// data / TLS 1.3 ServerHello — or the data is malformed).
    pub finished: bool,
}

/// Why a ClientHello message could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TlsError {
    #[error("handshake message cut short: {needed} bytes declared, {available} present")]
    Truncated { needed: usize, available: usize },
    #[error("handshake message type {0} is not a ClientHello")]
    NotClientHello(u8),
    #[error("malformed {0}")]
    Malformed(&'static str),
}

/// Scan a direction's stream prefix from its start. Called again as the prefix grows (so it must
/// be cheap: linear in the prefix, no quadratic re-parsing of certificates it already saw is
/// needed — re-parsing from the start each call is fine since prefixes are bounded).
pub fn scan(stream: &[u8]) -> TlsScan {
    let records = record::collect(stream);
    let mut scan = TlsScan::default();
    if records.end == End::NotTls {
        scan.not_tls = true;
        scan.finished = true;
        return scan;
    }
    let done = walk(&records.handshake, &mut scan);
    scan.finished = done || records.end != End::NeedMore;
    scan
}

/// Whether `bytes` open with a handshake record (SSL 3.0–TLS 1.3 record version, a length that
/// holds at least a handshake header) whose first message is a ClientHello; None while fewer
/// than the six bytes that tell have arrived.
pub fn opens_client_hello(bytes: &[u8]) -> Option<bool> {
    let header = RecordHeader::parse(bytes)?;
    let kind = *bytes.get(record::RECORD_HEADER_LEN)?;
    Some(
        header.content_type == HANDSHAKE
            && header.is_plausible()
            && header.length >= HANDSHAKE_HEADER_LEN
            && kind == client_hello::CLIENT_HELLO,
    )
}

/// Read the handshake messages in order; true when nothing more can be learned.
fn walk(mut bytes: &[u8], scan: &mut TlsScan) -> bool {
    for _ in 0..MAX_HANDSHAKE_MESSAGES {
        let Some(msg) = Message::peek(bytes) else {
            return false;
        };
        if !PLAINTEXT_TYPES.contains(&msg.kind) {
            return true;
        }
        // A message that cannot fit what `collect` gathers will never be complete.
        let never_complete = HANDSHAKE_HEADER_LEN + msg.length > MAX_HANDSHAKE_BYTES;
        match msg.kind {
            client_hello::CLIENT_HELLO => {
                let Some(whole) = msg.whole else {
                    return never_complete;
                };
                scan.client_hello = parse_client_hello(whole).ok();
                return true;
            }
            SERVER_HELLO => {
                if !msg.is_complete() {
                    return never_complete;
                }
                // TLS 1.3 (its Certificate is encrypted) or unreadable: done either way.
                if negotiates_tls13(msg.body) != Some(false) {
                    return true;
                }
            }
            certificate::CERTIFICATE => match certificate::leaf(&msg) {
                certificate::Leaf::Der(der) => {
                    scan.certificate = certificate::names(der);
                    return true;
                }
                certificate::Leaf::NeedMore => return never_complete,
                certificate::Leaf::Absent => return true,
            },
            SERVER_HELLO_DONE => return true,
            _ if !msg.is_complete() => return never_complete,
            _ => {}
        }
        bytes = msg.rest(bytes);
    }
    true
}

/// Whether a complete ServerHello body selects TLS 1.3; None when it cannot be read.
///
/// A server negotiating TLS 1.2 or earlier must not send supported_versions (RFC 8446 §4.2.1),
/// so its presence means TLS 1.3 (Facebook's Fizz selects its own 0xfb1a this way); early TLS
/// 1.3 drafts put their version (0x7fxx) in the version field itself.
fn negotiates_tls13(body: &[u8]) -> Option<bool> {
    let &[major, minor, ..] = body else {
        return None;
    };
    if u16::from_be_bytes([major, minor]) > 0x0303 {
        return Some(true);
    }
    let (_, hello) = tls_parser::parse_tls_handshake_server_hello(body).ok()?;
    let block = hello.ext.unwrap_or(&[]);
    Some(
        client_hello::extensions(block).any(|ext| ext.kind == client_hello::EXT_SUPPORTED_VERSIONS),
    )
}

/// A name as reported: 1–`MAX_NAME_LEN` printable ASCII characters (no space or control byte),
/// lowercased; None for anything else.
fn host_name(bytes: &[u8]) -> Option<String> {
    let printable = bytes.iter().all(|b| b.is_ascii_graphic());
    if bytes.is_empty() || bytes.len() > MAX_NAME_LEN || !printable {
        return None;
    }
    Some(String::from_utf8_lossy(bytes).to_ascii_lowercase())
}
