//! ClientHello (RFC 8446 §4.1.2, RFC 5246 §7.4.1.2): server name, ECH, ALPN, versions.
//!
//! tls-parser reads the fixed fields and the contents of the extensions we want. The extension
//! list is split by hand: tls-parser's list parser stops silently at the first extension whose
//! contents it finds malformed (an odd key_share, say), dropping every later one with the
//! server name, and it does not know encrypted_client_hello.

use super::record::{HANDSHAKE_HEADER_LEN, Message};
use super::{ClientHello, TlsError, host_name};
use tls_parser::{SNIType, TlsExtension};

pub const CLIENT_HELLO: u8 = 1;

pub const EXT_SERVER_NAME: u16 = 0;
pub const EXT_ALPN: u16 = 16;
pub const EXT_SUPPORTED_VERSIONS: u16 = 43;
/// encrypted_client_hello (draft-ietf-tls-esni-13 and later, RFC 9849).
pub const EXT_ECH: u16 = 0xfe0d;

/// Extensions read per hello. Browsers send ~20 (Chrome ~18, with GREASE); a list is at most
/// 64 KiB, i.e. 16,384 empty extensions, which only a crafted packet holds.
const MAX_EXTENSIONS: usize = 128;

/// ALPN protocols kept. Browsers offer 2–3 ("h2", "http/1.1"), Facebook's apps 3; the first
/// few say what the client wants.
pub const MAX_ALPN: usize = 8;

/// Supported versions kept (GREASE values dropped): TLS 1.0–1.3 plus a few drafts.
pub const MAX_VERSIONS: usize = 8;

/// One extension of a hello: its type and all its bytes (type and length included), the form
/// tls-parser's extension reader takes.
#[derive(Clone, Copy, Debug)]
pub struct Extension<'a> {
    pub kind: u16,
    pub raw: &'a [u8],
}

/// The extensions of an extension block, up to `MAX_EXTENSIONS`; stops at one cut short.
pub fn extensions(block: &[u8]) -> impl Iterator<Item = Extension<'_>> {
    let mut rest = block;
    std::iter::from_fn(move || {
        let &[t0, t1, l0, l1, ..] = rest else {
            return None;
        };
        let end = 4 + usize::from(u16::from_be_bytes([l0, l1]));
        let raw = rest.get(..end)?;
        rest = rest.get(end..).unwrap_or(&[]);
        Some(Extension {
            kind: u16::from_be_bytes([t0, t1]),
            raw,
        })
    })
    .take(MAX_EXTENSIONS)
}

/// GREASE values (RFC 8701) look like 0x?a?a with equal bytes.
pub fn is_grease(value: u16) -> bool {
    let [hi, lo] = value.to_be_bytes();
    hi == lo && hi & 0x0f == 0x0a
}

/// Parse one complete ClientHello handshake message (type byte 1, 3-byte length, body) — also
/// used for QUIC, whose CRYPTO stream carries the same message.
///
/// The server name is the first host_name entry, taken only if it looks like a host: 1–253
/// printable ASCII characters (RFC 6066 §3 makes it ASCII), lowercased as DNS names compare.
/// Anything else (UTF-8, control bytes) leaves `sni` empty. `ech` is set whenever the
/// extension is present: a real ECH and Chrome's GREASE ECH look the same on the wire, by
/// design, so the outer `sni` is either the real name or the ECH provider's public name.
pub fn parse_client_hello(message: &[u8]) -> Result<ClientHello, TlsError> {
    let msg = Message::peek(message).ok_or(TlsError::Truncated {
        needed: HANDSHAKE_HEADER_LEN,
        available: message.len(),
    })?;
    if msg.kind != CLIENT_HELLO {
        return Err(TlsError::NotClientHello(msg.kind));
    }
    if !msg.is_complete() {
        return Err(TlsError::Truncated {
            needed: HANDSHAKE_HEADER_LEN + msg.length,
            available: message.len(),
        });
    }
    let (_, fixed) = tls_parser::parse_tls_handshake_client_hello(msg.body)
        .map_err(|_| TlsError::Malformed("ClientHello fields"))?;
    let mut hello = ClientHello::default();
    let mut seen_name = false;
    for ext in extensions(fixed.ext.unwrap_or(&[])) {
        match ext.kind {
            EXT_ECH => hello.ech = true,
            EXT_SERVER_NAME if !seen_name => {
                seen_name = true;
                hello.sni = server_name(ext.raw);
            }
            EXT_ALPN if hello.alpn.is_empty() => hello.alpn = alpn(ext.raw),
            EXT_SUPPORTED_VERSIONS if hello.supported_versions.is_empty() => {
                hello.supported_versions = versions(ext.raw);
            }
            _ => {}
        }
    }
    Ok(hello)
}

fn server_name(raw: &[u8]) -> Option<String> {
    let Ok((_, TlsExtension::SNI(names))) = tls_parser::parse_tls_client_hello_extension(raw)
    else {
        return None;
    };
    let (_, name) = names
        .into_iter()
        .find(|(kind, _)| *kind == SNIType::HostName)?;
    host_name(name)
}

fn alpn(raw: &[u8]) -> Vec<String> {
    let Ok((_, TlsExtension::ALPN(protocols))) = tls_parser::parse_tls_client_hello_extension(raw)
    else {
        return Vec::new();
    };
    protocols
        .into_iter()
        .take(MAX_ALPN)
        .map(|p| String::from_utf8_lossy(p).into_owned())
        .collect()
}

fn versions(raw: &[u8]) -> Vec<u16> {
    let Ok((_, TlsExtension::SupportedVersions(list))) =
        tls_parser::parse_tls_client_hello_extension(raw)
    else {
        return Vec::new();
    };
    list.into_iter()
        .map(|v| v.0)
        .filter(|&v| !is_grease(v))
        .take(MAX_VERSIONS)
        .collect()
}
