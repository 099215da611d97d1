//! Google QUIC packets as Chrome sent them (Q039, Q043, Q046): the CHLO handshake message with
//! its PAD tag first, the public header (Q039/Q043) or IETF-like long header (Q046), the
//! 12-byte null-encryption hash and Google's frames. Layouts: Google's "QUIC Wire Layout
//! Specification" and "QUIC Crypto" documents, and Chromium's `quic_framer.cc`; integers are
//! big-endian from Q039, CHLO fields little-endian.

use super::bytes::{filler, len16, len32};

/// UDP payload of a client's CHLO packet: Chrome pads it to its maximum packet size.
pub const CHROME_PACKET_LEN: usize = 1350;
/// Chrome pads the CHLO message itself to at least this (kClientHelloMinimumSize).
const CHLO_MIN_LEN: usize = 1024;
/// Null-encryption message authentication hash: FNV-1a 128 truncated to 12 bytes.
const HASH_LEN: usize = 12;

/// A handshake message: tag, entry count and two bytes of padding (little-endian), the entries
/// (tag, little-endian END offset of its value), then the values back to back.
fn message(tag: &[u8; 4], entries: &[(&[u8; 4], Vec<u8>)]) -> Vec<u8> {
    let mut out = tag.to_vec();
    out.extend_from_slice(&len16(entries.len()).to_le_bytes());
    out.extend_from_slice(&[0, 0]);
    let mut end = 0;
    for (tag, value) in entries {
        end += len32(value.len());
        out.extend_from_slice(*tag);
        out.extend_from_slice(&end.to_le_bytes());
    }
    for (_, value) in entries {
        out.extend_from_slice(value);
    }
    out
}

/// A full CHLO as Chrome sent it once it knew the server's config: 26 tags, PAD first (its
/// value, '-' bytes, brings the message to 1024 bytes), the rest in ascending tag order as
/// Chrome writes them after PAD. Values are of the real sizes, random ones from `seed`.
pub fn chrome_chlo(sni: &str, version: &[u8; 4], user_agent: &str, seed: u32) -> Vec<u8> {
    let le = |v: u32| v.to_le_bytes().to_vec();
    let mut entries: Vec<(&[u8; 4], Vec<u8>)> = vec![
        (b"SNI\0", sni.as_bytes().to_vec()),
        (b"STK\0", filler(54, seed)),
        (b"SNO\0", filler(52, seed + 1)),
        (b"VER\0", version.to_vec()),
        (b"CCS\0", filler(16, seed + 2)),
        (b"NONC", filler(32, seed + 3)),
        (b"AEAD", b"AESG".to_vec()),
        (b"UAID", user_agent.as_bytes().to_vec()),
        (b"SCID", filler(16, seed + 4)),
        (b"TCID", le(0)),
        (b"PDMD", b"X509".to_vec()),
        (b"SMHL", le(1)),
        (b"ICSL", le(30)),
        (b"NONP", filler(32, seed + 5)),
        (b"PUBS", filler(32, seed + 6)),
        (b"MIDS", le(100)),
        (b"SCLS", le(1)),
        (b"KEXS", b"C255".to_vec()),
        (b"XLCT", filler(8, seed + 7)),
        (b"CSCT", Vec::new()),
        (b"COPT", b"NSTP".to_vec()),
        (b"CCRT", filler(16, seed + 8)),
        (b"IRTT", le(33_210)),
        (b"CFCW", le(15 << 20)),
        (b"SFCW", le(6 << 20)),
    ];
    let unpadded = message(b"CHLO", &entries).len() + 8;
    entries.insert(0, (b"PAD\0", vec![b'-'; CHLO_MIN_LEN - unpadded]));
    let chlo = message(b"CHLO", &entries);
    assert_eq!((entries.len(), chlo.len()), (26, CHLO_MIN_LEN));
    chlo
}

/// The server's rejection: REJ with a source-address token and server nonce (the server config
/// and certificate chain that follow in a real REJ are left out).
pub fn server_rej(seed: u32) -> Vec<u8> {
    message(
        b"REJ\0",
        &[
            (b"STK\0", filler(54, seed)),
            (b"SNO\0", filler(52, seed + 1)),
        ],
    )
}

/// STREAM frame on stream 1 (the crypto stream): FIN off, 2-byte data length, 1-byte stream
/// ID; offset absent at 0, else 2 bytes (type 0xa0 / 0xa4).
pub fn stream_frame(offset: u16, data: &[u8]) -> Vec<u8> {
    let mut f = if offset == 0 {
        vec![0xa0, 0x01]
    } else {
        let mut f = vec![0xa4, 0x01];
        f.extend_from_slice(&offset.to_be_bytes());
        f
    };
    f.extend_from_slice(&len16(data.len()).to_be_bytes());
    f.extend_from_slice(data);
    f
}

/// ACK (type 0x40: 1-byte largest acked and block, no more blocks): largest `largest`, no
/// delay, first block `largest` packets, no timestamps.
pub fn ack_frame(largest: u8) -> Vec<u8> {
    vec![0x40, largest, 0x00, 0x00, largest, 0x00]
}

/// STOP_WAITING (0x06) with a 1-byte least-unacked delta (the packet number's length).
pub fn stop_waiting(delta: u8) -> Vec<u8> {
    vec![0x06, delta]
}

/// A Q039/Q043 client packet: public flags 0x0d (version; 8-byte connection ID, flagged both
/// as 0x08 and as the pre-Q033 code 0x0c, as Chrome did; 1-byte packet number), the
/// connection ID, version, packet number, hash, `frames`, PADDING (zero bytes) to Chrome's
/// packet size.
pub fn public_header_packet(version: &[u8; 4], cid: [u8; 8], pn: u8, frames: &[u8]) -> Vec<u8> {
    let mut p = vec![0x0d];
    p.extend_from_slice(&cid);
    p.extend_from_slice(version);
    p.push(pn);
    p.extend_from_slice(&filler(HASH_LEN, u32::from(pn) + 0x4e00));
    p.extend_from_slice(frames);
    p.resize(CHROME_PACKET_LEN, 0);
    p
}

/// A server packet of Q039/Q043: flags 0x08 (8-byte connection ID, 1-byte packet number), no
/// version, then the hash and `frames` (null encryption, during the handshake).
pub fn server_public_packet(cid: [u8; 8], pn: u8, frames: &[u8]) -> Vec<u8> {
    let mut p = vec![0x08];
    p.extend_from_slice(&cid);
    p.push(pn);
    p.extend_from_slice(&filler(HASH_LEN, u32::from(pn) + 0x5e00));
    p.extend_from_slice(frames);
    p
}

/// A Q046 long-header packet: first byte (long header, fixed bit, type `kind`, 4-byte packet
/// number), version, connection-ID lengths (a nibble each: 0, or the length minus 3), the
/// client's destination or the server's source ID, packet number, hash, `frames`; padded to
/// `pad_to` bytes.
pub fn q046_packet(
    kind: u8,
    from_client: bool,
    cid: [u8; 8],
    pn: u32,
    frames: &[u8],
    pad_to: usize,
) -> Vec<u8> {
    let mut p = vec![0xc3 | (kind << 4)];
    p.extend_from_slice(b"Q046");
    p.push(if from_client { 0x50 } else { 0x05 });
    p.extend_from_slice(&cid);
    p.extend_from_slice(&pn.to_be_bytes());
    p.extend_from_slice(&filler(HASH_LEN, pn + 0x6e00));
    p.extend_from_slice(frames);
    p.resize(p.len().max(pad_to), 0);
    p
}
