//! Payloads for `names.pcap`: ClientHellos with and without a server name (and with ECH), a
//! TLS 1.2 server flight with a certificate, DNS HTTPS records and DNS over TCP, MS-TURN, and
//! the published STUN (RFC 5769) and QUIC v2 (RFC 9369) test vectors.

use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};

use super::bytes::{be16, be32, filler, len16};
use super::payload::{tls_extension, tls_handshake, tls_record};

/// The leaf certificate of the names tests (CN Shop.Example.com; SAN shop.example.com,
/// *.cdn.example.net, 192.0.2.7, ops@example.com), as `src/names/tls/testdata/README.md`
/// describes it.
pub const LEAF_DER: &[u8] = include_bytes!("../../src/names/tls/testdata/leaf.der");

/// What a ClientHello offers.
pub struct Hello<'a> {
    pub sni: Option<&'a str>,
    pub alpn: &'a [&'a str],
    /// TLS 1.3 (supported_versions, key_share, TLS 1.3 suites); else a TLS 1.2-only hello.
    pub tls13: bool,
    /// Length of the encrypted ClientHelloInner of an encrypted_client_hello extension (0xfe0d,
    /// draft-ietf-tls-esni §5, outer type), or None for no ECH.
    pub ech_payload: Option<usize>,
    pub seed: u32,
}

impl<'a> Hello<'a> {
    /// A TLS 1.3 ClientHello without ECH.
    pub fn new(sni: Option<&'a str>, alpn: &'a [&'a str], seed: u32) -> Hello<'a> {
        Hello {
            sni,
            alpn,
            tls13: true,
            ech_payload: None,
            seed,
        }
    }
}

fn vec8(out: &mut Vec<u8>, data: &[u8]) {
    out.push(u8::try_from(data.len()).expect("fits in 8 bits"));
    out.extend_from_slice(data);
}

fn vec16(out: &mut Vec<u8>, data: &[u8]) {
    be16(out, len16(data.len()));
    out.extend_from_slice(data);
}

/// The ClientHello handshake message (type 1, 24-bit length, body), not yet in records.
pub fn client_hello(h: &Hello<'_>) -> Vec<u8> {
    let mut ext = Vec::new();
    if let Some(sni) = h.sni {
        let mut entry = vec![0]; // host_name
        vec16(&mut entry, sni.as_bytes());
        let mut list = Vec::new();
        vec16(&mut list, &entry);
        tls_extension(&mut ext, 0x0000, &list);
    }
    tls_extension(&mut ext, 0x000a, &[0, 4, 0x00, 0x1d, 0x00, 0x17]); // groups: x25519, P-256
    tls_extension(&mut ext, 0x000b, &[1, 0]); // ec_point_formats: uncompressed
    let sigs = [0, 8, 0x04, 0x03, 0x08, 0x04, 0x04, 0x01, 0x05, 0x03];
    tls_extension(&mut ext, 0x000d, &sigs);
    if !h.alpn.is_empty() {
        let mut list = Vec::new();
        for proto in h.alpn {
            vec8(&mut list, proto.as_bytes());
        }
        let mut alpn = Vec::new();
        vec16(&mut alpn, &list);
        tls_extension(&mut ext, 0x0010, &alpn);
    }
    tls_extension(&mut ext, 0x0017, &[]); // extended_master_secret
    if h.tls13 {
        tls_extension(&mut ext, 0x002b, &[4, 0x03, 0x04, 0x03, 0x03]); // supported_versions
        tls_extension(&mut ext, 0x002d, &[1, 1]); // psk_key_exchange_modes: psk_dhe_ke
        let mut share = Vec::new();
        be16(&mut share, 0x001d);
        vec16(&mut share, &filler(32, h.seed + 1));
        let mut shares = Vec::new();
        vec16(&mut shares, &share);
        tls_extension(&mut ext, 0x0033, &shares); // key_share
    }
    if let Some(len) = h.ech_payload {
        let mut ech = vec![0]; // ECHClientHelloType outer
        be16(&mut ech, 0x0001); // HPKE KDF: HKDF-SHA256
        be16(&mut ech, 0x0001); // HPKE AEAD: AES-128-GCM
        ech.push(0x2a); // config_id
        vec16(&mut ech, &filler(32, h.seed + 4)); // enc: the X25519 encapsulated key
        vec16(&mut ech, &filler(len, h.seed + 5)); // payload: encrypted ClientHelloInner
        tls_extension(&mut ext, 0xfe0d, &ech);
    }
    tls_extension(&mut ext, 0xff01, &[0]); // renegotiation_info: empty

    let mut body = Vec::new();
    be16(&mut body, 0x0303); // legacy_version
    body.extend_from_slice(&filler(32, h.seed + 2)); // random
    vec8(&mut body, &filler(32, h.seed + 3)); // legacy_session_id
    let suites: &[u8] = if h.tls13 {
        &[0x13, 0x01, 0x13, 0x02, 0xc0, 0x2b, 0xc0, 0x2f]
    } else {
        &[0xc0, 0x2b, 0xc0, 0x2f, 0xc0, 0x2c, 0xc0, 0x30]
    };
    vec16(&mut body, suites);
    body.extend_from_slice(&[1, 0]); // compression methods: null
    vec16(&mut body, &ext);
    tls_handshake(1, &body)
}

/// `message` in handshake records (TLS 1.0 record version, as ClientHellos use), cut after
/// each offset in `cuts`.
pub fn handshake_records(message: &[u8], cuts: &[usize]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut start = 0;
    for &end in cuts.iter().chain([&message.len()]) {
        out.extend_from_slice(&tls_record(0x16, 0x0301, &message[start..end]));
        start = end;
    }
    out
}

/// A TLS 1.2 server flight, one record per message: ServerHello (ECDHE-RSA-AES128-GCM-SHA256,
/// no supported_versions), Certificate with [`LEAF_DER`] alone, ServerKeyExchange (x25519,
/// RSA-PKCS1-SHA256 signature) and ServerHelloDone.
pub fn tls12_server_flight(seed: u32) -> Vec<u8> {
    let mut ext = Vec::new();
    tls_extension(&mut ext, 0xff01, &[0]); // renegotiation_info
    tls_extension(&mut ext, 0x0017, &[]); // extended_master_secret
    let mut hello = Vec::new();
    be16(&mut hello, 0x0303);
    hello.extend_from_slice(&filler(32, seed)); // random
    vec8(&mut hello, &filler(32, seed + 1)); // session_id
    hello.extend_from_slice(&[0xc0, 0x2f, 0]); // cipher suite, null compression
    vec16(&mut hello, &ext);

    let mut cert = Vec::new();
    cert.extend_from_slice(&u24(LEAF_DER.len()));
    cert.extend_from_slice(LEAF_DER);
    let mut certs = u24(cert.len()).to_vec();
    certs.extend_from_slice(&cert);

    let mut kx = vec![3]; // named_curve
    be16(&mut kx, 0x001d); // x25519
    vec8(&mut kx, &filler(32, seed + 2));
    be16(&mut kx, 0x0401); // rsa_pkcs1_sha256
    vec16(&mut kx, &filler(256, seed + 3));

    [
        tls_handshake(2, &hello),
        tls_handshake(11, &certs),
        tls_handshake(12, &kx),
        tls_handshake(14, &[]),
    ]
    .iter()
    .flat_map(|m| tls_record(0x16, 0x0303, m))
    .collect()
}

fn u24(n: usize) -> [u8; 3] {
    let [_, a, b, c] = u32::try_from(n).expect("fits").to_be_bytes();
    assert_eq!(n >> 24, 0, "fits in 24 bits");
    [a, b, c]
}

/// TLS 1.2 client second flight: ClientKeyExchange (x25519), ChangeCipherSpec, and the
/// encrypted Finished (40 opaque bytes in a handshake record).
pub fn tls12_client_finish(seed: u32) -> Vec<u8> {
    let mut kx = Vec::new();
    vec8(&mut kx, &filler(32, seed));
    [
        tls_record(0x16, 0x0303, &tls_handshake(16, &kx)),
        tls_record(0x14, 0x0303, &[1]),
        tls_record(0x16, 0x0303, &filler(40, seed + 1)),
    ]
    .concat()
}

/// Server ChangeCipherSpec and encrypted Finished.
pub fn tls12_server_finish(seed: u32) -> Vec<u8> {
    [
        tls_record(0x14, 0x0303, &[1]),
        tls_record(0x16, 0x0303, &filler(40, seed)),
    ]
    .concat()
}

/// HTTPS record data (RFC 9460): ServiceMode priority 1, TargetName "." (the owner), alpn,
/// ipv4hint and ipv6hint, keys in ascending order.
pub fn https_rdata(alpn: &[&str], v4: Ipv4Addr, v6: Ipv6Addr) -> Vec<u8> {
    let mut r = Vec::new();
    be16(&mut r, 1); // SvcPriority
    r.push(0); // TargetName "."
    let mut ids = Vec::new();
    for a in alpn {
        vec8(&mut ids, a.as_bytes());
    }
    for (key, value) in [
        (1, ids),
        (4, v4.octets().to_vec()),
        (6, v6.octets().to_vec()),
    ] {
        be16(&mut r, key);
        vec16(&mut r, &value);
    }
    r
}

/// DNS messages as carried over TCP: each after its 2-byte length (RFC 1035 §4.2.2).
pub fn dns_tcp(messages: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::new();
    for m in messages {
        vec16(&mut out, m);
    }
    out
}

/// [MS-TURN] §2.2.2.8: MAGIC-COOKIE attribute type and value.
const MS_MAGIC_COOKIE: (u16, u32) = (0x000f, 0x72c6_4bc6);
/// RFC 5389 magic cookie, which MS-TURN's XOR-MAPPED-ADDRESS (0x8020) also XORs with.
const STUN_COOKIE: u32 = 0x2112_a442;

fn attr(out: &mut Vec<u8>, kind: u16, value: &[u8]) {
    be16(out, kind);
    vec16(out, value); // MS-TURN: values are not padded (all here are multiples of 4)
}

fn ipv4_of(addr: SocketAddr) -> Ipv4Addr {
    match addr {
        SocketAddr::V4(a) => *a.ip(),
        SocketAddr::V6(_) => panic!("IPv4 expected"),
    }
}

/// An MS-TURN message (TURN draft-08 dialect): type, length, 16-byte transaction ID without
/// the RFC 5389 cookie, MAGIC-COOKIE first, then MS-VERSION and `rest` (type, value).
fn ms_turn(kind: u16, txid: &[u8; 16], version: u32, rest: &[(u16, Vec<u8>)]) -> Vec<u8> {
    let mut attrs = Vec::new();
    attr(
        &mut attrs,
        MS_MAGIC_COOKIE.0,
        &MS_MAGIC_COOKIE.1.to_be_bytes(),
    );
    attr(&mut attrs, 0x8008, &version.to_be_bytes()); // MS-VERSION
    for (k, v) in rest {
        attr(&mut attrs, *k, v);
    }
    let mut m = Vec::new();
    be16(&mut m, kind);
    be16(&mut m, len16(attrs.len()));
    m.extend_from_slice(txid);
    m.extend_from_slice(&attrs);
    m
}

/// MS-TURN Allocate request (0x0003), MS-VERSION 6 (Teams), unauthenticated.
pub fn ms_turn_allocate(txid: &[u8; 16]) -> Vec<u8> {
    ms_turn(0x0003, txid, 6, &[])
}

/// MS-TURN Allocate success response (0x0103): MAPPED-ADDRESS = the relayed address,
/// XOR-MAPPED-ADDRESS (0x8020) = the client's reflexive address, LIFETIME 480 s, and a
/// MULTIPLEXED-TURN-SESSION-ID (0x8095).
pub fn ms_turn_allocate_ok(
    txid: &[u8; 16],
    relayed: SocketAddr,
    reflexive: SocketAddr,
    session: [u8; 8],
) -> Vec<u8> {
    let mut mapped = vec![0, 1];
    be16(&mut mapped, relayed.port());
    mapped.extend_from_slice(&ipv4_of(relayed).octets());
    let mut xor = vec![0, 1];
    be16(
        &mut xor,
        reflexive.port() ^ u16::try_from(STUN_COOKIE >> 16).expect("16 bits"),
    );
    be32(&mut xor, u32::from(ipv4_of(reflexive)) ^ STUN_COOKIE);
    let rest = [
        (0x0001, mapped),
        (0x8020, xor),
        (0x000d, 480u32.to_be_bytes().to_vec()),
        (0x8095, session.to_vec()),
    ];
    ms_turn(0x0103, txid, 6, &rest)
}

/// MS-TURN multiplexed ChannelData (channel 0xFF10): the 8-byte session ID, then `len` bytes
/// of media (an RTP header and opaque SRTP payload).
pub fn ms_channel_data(session: [u8; 8], len: usize, seed: u32) -> Vec<u8> {
    let mut data = session.to_vec();
    data.extend_from_slice(&[0x80, 0x6f]); // RTP v2, payload type 111
    data.extend_from_slice(&filler(len - 2, seed));
    let mut out = Vec::new();
    be16(&mut out, 0xff10);
    vec16(&mut out, &data);
    out
}

pub const HTTP_NEXUS: &str = "GET /nexus/rules?Application=outlook.exe&Version=16.0.17928 \
HTTP/1.1\r\nHost: Nexus.OfficeApps.Live.com:80\r\nUser-Agent: Microsoft Office/16.0\r\n\
Accept: */*\r\nConnection: Keep-Alive\r\n\r\n";

pub const HTTP_NEXUS_RESPONSE: &str = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\
Content-Length: 13\r\n\r\n{\"rules\": []}";
