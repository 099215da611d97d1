//! TURN long-term-credential exchanges (RFC 8656 §7.2, RFC 8489 §9.2): the unauthenticated
//! Allocate, the server's 401 with REALM and NONCE, the authenticated Allocate repeating them,
//! and the success response.

use std::net::{IpAddr, SocketAddr};

use super::bytes::{be16, be32, filler, len16};

const MAGIC: u32 = 0x2112_a442;
const ALLOCATE_REQUEST: u16 = 0x0003;
const ALLOCATE_SUCCESS: u16 = 0x0103;
const ALLOCATE_ERROR: u16 = 0x0113;
const USERNAME: u16 = 0x0006;
const MESSAGE_INTEGRITY: u16 = 0x0008;
const ERROR_CODE: u16 = 0x0009;
const LIFETIME: u16 = 0x000d;
const REALM: u16 = 0x0014;
const NONCE: u16 = 0x0015;
const XOR_RELAYED_ADDRESS: u16 = 0x0016;
const REQUESTED_TRANSPORT: u16 = 0x0019;
const XOR_MAPPED_ADDRESS: u16 = 0x0020;
const SOFTWARE: u16 = 0x8022;

/// An RFC 5389 message: header with the magic cookie, then each attribute padded to 4 bytes.
fn message(kind: u16, txid: &[u8; 12], attrs: &[(u16, Vec<u8>)]) -> Vec<u8> {
    let mut body = Vec::new();
    for (k, v) in attrs {
        be16(&mut body, *k);
        be16(&mut body, len16(v.len()));
        body.extend_from_slice(v);
        body.resize(body.len().next_multiple_of(4), 0);
    }
    let mut m = Vec::new();
    be16(&mut m, kind);
    be16(&mut m, len16(body.len()));
    be32(&mut m, MAGIC);
    m.extend_from_slice(txid);
    m.extend_from_slice(&body);
    m
}

fn xor_address(addr: SocketAddr) -> Vec<u8> {
    let IpAddr::V4(ip) = addr.ip() else {
        panic!("IPv4 expected");
    };
    let mut v = vec![0, 0x01];
    be16(
        &mut v,
        addr.port() ^ u16::try_from(MAGIC >> 16).expect("16 bits"),
    );
    be32(&mut v, u32::from(ip) ^ MAGIC);
    v
}

/// Allocate request for a UDP relay (REQUESTED-TRANSPORT 17), without credentials.
pub fn allocate(txid: &[u8; 12]) -> Vec<u8> {
    message(
        ALLOCATE_REQUEST,
        txid,
        &[(REQUESTED_TRANSPORT, vec![17, 0, 0, 0])],
    )
}

/// 401 Unauthorized to an Allocate: ERROR-CODE, REALM `realm`, NONCE, SOFTWARE.
pub fn unauthorized(txid: &[u8; 12], realm: &str, nonce: &str) -> Vec<u8> {
    let mut code = vec![0, 0, 4, 1];
    code.extend_from_slice(b"Unauthorized");
    message(
        ALLOCATE_ERROR,
        txid,
        &[
            (ERROR_CODE, code),
            (REALM, realm.as_bytes().to_vec()),
            (NONCE, nonce.as_bytes().to_vec()),
            (SOFTWARE, b"Citrix-3.2.4.5 'Marshal West'".to_vec()),
        ],
    )
}

/// The Allocate repeated with USERNAME, the server's REALM and NONCE, and a MESSAGE-INTEGRITY
/// (20 filler bytes: nothing here checks it).
pub fn allocate_with_credentials(
    txid: &[u8; 12],
    username: &str,
    realm: &str,
    nonce: &str,
    seed: u32,
) -> Vec<u8> {
    message(
        ALLOCATE_REQUEST,
        txid,
        &[
            (REQUESTED_TRANSPORT, vec![17, 0, 0, 0]),
            (USERNAME, username.as_bytes().to_vec()),
            (REALM, realm.as_bytes().to_vec()),
            (NONCE, nonce.as_bytes().to_vec()),
            (MESSAGE_INTEGRITY, filler(20, seed)),
        ],
    )
}

/// Allocate success: XOR-RELAYED-ADDRESS, LIFETIME 600 s, XOR-MAPPED-ADDRESS, MESSAGE-INTEGRITY.
pub fn allocated(txid: &[u8; 12], relayed: SocketAddr, mapped: SocketAddr, seed: u32) -> Vec<u8> {
    message(
        ALLOCATE_SUCCESS,
        txid,
        &[
            (XOR_RELAYED_ADDRESS, xor_address(relayed)),
            (LIFETIME, 600u32.to_be_bytes().to_vec()),
            (XOR_MAPPED_ADDRESS, xor_address(mapped)),
            (MESSAGE_INTEGRITY, filler(20, seed)),
        ],
    )
}
