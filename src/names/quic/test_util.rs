//! Test helpers: build protected client Initials, CRYPTO frames, read a ClientHello's SNI.

use super::keys::{KeyMaterial, PacketKeys};
use super::vectors::{CLIENT_CRYPTO_FRAME, hex};
use super::version::lookup;

/// Builds a protected client Initial: keys from `key_dcid`, header carrying `dcid`/`scid`, a
/// 4-byte packet number, `frames` padded with PADDING to `payload_len` bytes.
pub(crate) fn seal_initial(
    version: u32,
    key_dcid: &[u8],
    dcid: &[u8],
    scid: &[u8],
    pn: u32,
    frames: &[u8],
    payload_len: usize,
) -> Vec<u8> {
    let info = lookup(version).expect("a supported version");
    let material = KeyMaterial::client_initial(&info.salts[0], key_dcid, info.labels).unwrap();
    let keys = PacketKeys::new(&material);
    let mut payload = frames.to_vec();
    payload.resize(payload.len().max(payload_len), 0);
    let type_bits: u8 = if info.v2_types { 0b01 } else { 0b00 };
    let mut header = vec![0xc0 | (type_bits << 4) | 0x03];
    header.extend_from_slice(&version.to_be_bytes());
    header.push(dcid.len() as u8);
    header.extend_from_slice(dcid);
    header.push(scid.len() as u8);
    header.extend_from_slice(scid);
    header.push(0); // no token
    let length = 4 + payload.len() + 16;
    header.extend_from_slice(&(0x4000 | length as u16).to_be_bytes());
    let pn_offset = header.len();
    header.extend_from_slice(&pn.to_be_bytes());
    let tag = keys.seal(u64::from(pn), &header, &mut payload);
    payload.extend_from_slice(&tag);
    let mask = keys.header_mask(payload[..16].try_into().unwrap());
    header[0] ^= mask[0] & 0x0f;
    for i in 0..4 {
        header[pn_offset + i] ^= mask[1 + i];
    }
    header.extend_from_slice(&payload);
    header
}

/// A CRYPTO frame (RFC 9000 §19.6) with 4-byte varints.
pub(crate) fn crypto(offset: usize, data: &[u8]) -> Vec<u8> {
    let mut frame = vec![0x06];
    frame.extend_from_slice(&(0x8000_0000 | offset as u32).to_be_bytes());
    frame.extend_from_slice(&(0x8000_0000 | data.len() as u32).to_be_bytes());
    frame.extend_from_slice(data);
    frame
}

/// The RFC's ClientHello (the CRYPTO frame's data).
pub(super) fn rfc_client_hello() -> Vec<u8> {
    hex(CLIENT_CRYPTO_FRAME)[4..].to_vec()
}

/// The server_name of a ClientHello, read with tls-parser.
pub(super) fn sni(hello: &[u8]) -> Option<String> {
    use tls_parser::{TlsExtension, TlsMessage, TlsMessageHandshake};
    let (_, TlsMessage::Handshake(TlsMessageHandshake::ClientHello(ch))) =
        tls_parser::parse_tls_message_handshake(hello).ok()?
    else {
        return None;
    };
    let (_, extensions) = tls_parser::parse_tls_client_hello_extensions(ch.ext?).ok()?;
    extensions.into_iter().find_map(|e| match e {
        TlsExtension::SNI(names) => names
            .first()
            .map(|(_, n)| String::from_utf8_lossy(n).into()),
        _ => None,
    })
}
