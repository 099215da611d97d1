//! Hostile floods, each aimed at one bounded table of the analyser (docs/architecture.md,
//! "Memory bounds"), each sized by a count N and 10 µs between packets:
//!
//! * `fragments`: N IPv4 UDP datagrams (port 4500, as IPsec NAT traversal, which fragments)
//!   from 4,096 outside sources to 16 inside hosts, distinct (source, destination, IP id) each.
//!   Even datagrams send only their first fragment (the rest never comes: the tracker remembers
//!   its ports until it forgets the oldest, `tracker_evicted`); odd ones only a later fragment
//!   (its first never comes: it waits, then is released port-less, `unattributed`).
//! * `dns-names`: N DNS responses from a public resolver (9.9.9.9) to 256 inside clients on 16
//!   ports each, each answering a distinct name with a distinct address: A three times in four,
//!   else AAAA; one in eight through a CNAME. Every answer is a new (client, address) pair of
//!   the DNS answer cache (`dns_bindings_evicted`).
//! * `clienthello`: N TCP connections from inside clients to 16 servers on port 443: handshake,
//!   then two 700-byte segments of a TLS ClientHello whose record says 4,800 bytes come; the
//!   rest never does and the server never answers. Each connection holds a stream buffer in
//!   name inspection until it is evicted (`flows_evicted`).
//! * `quic-cids`: N QUIC v1 client Initials (1,200-byte datagrams, real header and packet
//!   protection) from distinct client ports with distinct 8-byte Destination Connection IDs to
//!   16 servers on UDP/443. One in four carries a whole ClientHello naming `q<i>.example.com`
//!   (decrypted and named); two in four the first 1,000 bytes of a 2,000-byte ClientHello that
//!   is never completed (decrypted, held in inspection: `flows_evicted`); one in four a payload
//!   that does not decrypt.
//!
//! Each returns N, the count of what floods the table (`Written::flows` for these kinds).

use super::{
    ACK, FLOOD_GAP_US, FLOOD_SERVERS as SERVERS, PSH, Pcap, SYN, Segment, Tcp, checksum_add,
    checksum_fold, client_hello_padded, flood_client as client, inside_addr, mix24, noise,
    public_addr,
};
use aes::Aes128;
use aes::cipher::{Array, BlockCipherEncrypt, KeyInit};
use aes_gcm::Aes128Gcm;
use aes_gcm::aead::AeadInOut;
use hkdf::Hkdf;
use sha2::Sha256;
use std::io::{self, Write};

// --- fragments --------------------------------------------------------------------------------

/// Sources of the fragment flood.
const FRAGMENT_SOURCES: u64 = 4_096;
/// Bytes after the UDP header in a first fragment (8 + 64 = 72: a multiple of 8, as every
/// fragment but the last must be).
const FIRST_FRAGMENT_DATA: usize = 64;
/// Bytes of a later fragment (at offset 72, the datagram's last).
const LATER_FRAGMENT_DATA: usize = 40;

pub fn fragments<W: Write>(out: &mut Pcap<W>, n: u64) -> io::Result<u64> {
    assert!(n <= 1 << 32, "at most 2^32 datagrams");
    let first_data = noise(FIRST_FRAGMENT_DATA, 21);
    let later_data = noise(LATER_FRAGMENT_DATA, 22);
    let udp_len = (8 + FIRST_FRAGMENT_DATA + LATER_FRAGMENT_DATA) as u16;
    for i in 0..n {
        // (source, destination, id) is a bijection of i: distinct datagrams.
        let src = public_addr(i % FRAGMENT_SOURCES);
        let dst = inside_addr(1 + (i / FRAGMENT_SOURCES) % 16);
        let id = (i / (FRAGMENT_SOURCES * 16)) as u16;
        let first = i % 2 == 0;
        out.raw(i * FLOOD_GAP_US, |f| {
            let mut body = Vec::with_capacity(8 + FIRST_FRAGMENT_DATA);
            let flags_offset = if first {
                body.extend_from_slice(&4500u16.to_be_bytes());
                body.extend_from_slice(&4500u16.to_be_bytes());
                body.extend_from_slice(&udp_len.to_be_bytes());
                // No checksum: it would cover fragments not sent (0 is allowed over IPv4).
                body.extend_from_slice(&[0, 0]);
                body.extend_from_slice(&first_data);
                0x2000 // more fragments, offset 0
            } else {
                body.extend_from_slice(&later_data);
                ((8 + FIRST_FRAGMENT_DATA) / 8) as u16 // last fragment, offset 72 bytes
            };
            ipv4_frame(f, src, dst, id, flags_offset, 17, &body);
        })?;
    }
    Ok(n)
}

/// Ethernet (router to inside host) + IPv4 header with `flags_offset` + `body`.
fn ipv4_frame(
    f: &mut Vec<u8>,
    src: [u8; 4],
    dst: [u8; 4],
    id: u16,
    flags_offset: u16,
    proto: u8,
    body: &[u8],
) {
    f.extend_from_slice(&[2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 0xfe, 0x08, 0x00]);
    let ip_at = f.len();
    let total = u16::try_from(20 + body.len()).expect("packet fits IPv4");
    f.extend_from_slice(&[0x45, 0]);
    f.extend_from_slice(&total.to_be_bytes());
    f.extend_from_slice(&id.to_be_bytes());
    f.extend_from_slice(&flags_offset.to_be_bytes());
    f.extend_from_slice(&[52, proto, 0, 0]);
    f.extend_from_slice(&src);
    f.extend_from_slice(&dst);
    let sum = checksum_fold(checksum_add(0, &f[ip_at..ip_at + 20]));
    f[ip_at + 10..ip_at + 12].copy_from_slice(&sum.to_be_bytes());
    f.extend_from_slice(body);
}

// --- dns-names --------------------------------------------------------------------------------

const RESOLVER: [u8; 4] = [9, 9, 9, 9];

/// DNS wire form of a dotted name.
pub(super) fn dns_name(out: &mut Vec<u8>, name: &str) {
    for label in name.split('.') {
        out.push(label.len() as u8);
        out.extend_from_slice(label.as_bytes());
    }
    out.push(0);
}

/// The `i`-th distinct IPv6 address (in 2a00:1450::/32).
fn public_addr6(i: u64) -> [u8; 16] {
    let mut a = [0u8; 16];
    a[..4].copy_from_slice(&[0x2a, 0x00, 0x14, 0x50]);
    a[8..].copy_from_slice(&(i + 1).to_be_bytes());
    a
}

/// The response to the `i`-th question.
fn dns_response(i: u64) -> Vec<u8> {
    let aaaa = i % 4 == 3;
    let cname = i % 8 == 5;
    let name = format!("h{i:07x}.cdn{:02}.example.net", i % 64);
    let mut m = Vec::with_capacity(160);
    m.extend_from_slice(&(i as u16).to_be_bytes());
    m.extend_from_slice(&[0x81, 0x80, 0, 1, 0, if cname { 2 } else { 1 }, 0, 0, 0, 0]);
    dns_name(&mut m, &name);
    let rtype: u16 = if aaaa { 28 } else { 1 };
    m.extend_from_slice(&rtype.to_be_bytes());
    m.extend_from_slice(&[0, 1]);
    // The answer's owner: the question's name (pointer to offset 12), or the CNAME's target.
    let mut owner = [0xc0, 12];
    if cname {
        m.extend_from_slice(&[0xc0, 12, 0, 5, 0, 1, 0, 0, 1, 44]);
        let mut target = Vec::new();
        dns_name(&mut target, &format!("e{i:07x}.edge.example-cdn.net"));
        m.extend_from_slice(&(target.len() as u16).to_be_bytes());
        let at = m.len() as u16;
        owner = (0xc000 | at).to_be_bytes();
        m.extend_from_slice(&target);
    }
    m.extend_from_slice(&owner);
    m.extend_from_slice(&rtype.to_be_bytes());
    m.extend_from_slice(&[0, 1, 0, 0, 1, 44]);
    if aaaa {
        m.extend_from_slice(&[0, 16]);
        m.extend_from_slice(&public_addr6(i));
    } else {
        m.extend_from_slice(&[0, 4]);
        m.extend_from_slice(&public_addr(i));
    }
    m
}

pub fn dns_names<W: Write>(out: &mut Pcap<W>, n: u64) -> io::Result<u64> {
    for i in 0..n {
        let payload = dns_response(i);
        let seg = Segment {
            src: RESOLVER,
            dst: inside_addr(1 + i % 256),
            sport: 53,
            dport: 40_000 + ((i / 256) % 16) as u16,
            tcp: None,
            payload: &payload,
        };
        out.packet(i * FLOOD_GAP_US, &seg)?;
    }
    Ok(n)
}

// --- clienthello ------------------------------------------------------------------------------

/// Bytes of each of the two ClientHello segments sent.
const HELLO_SEGMENT: usize = 700;

pub fn clienthello<W: Write>(out: &mut Pcap<W>, n: u64) -> io::Result<u64> {
    // One hello per server; its record says 4,800 bytes follow the 5-byte header.
    let hellos: Vec<Vec<u8>> = (0..SERVERS.len())
        .map(|s| {
            let h =
                client_hello_padded(&format!("s{s:02}.example.com"), 40 + s as u64, Some(4_611));
            assert_eq!(h.len(), 5 + 4_800, "padded ClientHello size");
            h
        })
        .collect();
    let mut us = 0;
    for i in 0..n {
        let (src, sport) = client(i);
        let server = (i % SERVERS.len() as u64) as usize;
        let dst = SERVERS[server];
        let isn_c = mix24(((i + 3) & 0x00ff_ffff) as u32) << 8;
        let isn_s = mix24(((i + 5) & 0x00ff_ffff) as u32).rotate_left(9);
        let (c0, s0) = (isn_c.wrapping_add(1), isn_s.wrapping_add(1));
        let hello = &hellos[server];
        let seg_len = HELLO_SEGMENT as u32;
        let steps: [(bool, u8, u32, u32, &[u8]); 5] = [
            (true, SYN, isn_c, 0, &[]),
            (false, SYN | ACK, isn_s, c0, &[]),
            (true, ACK, c0, s0, &[]),
            (true, PSH | ACK, c0, s0, &hello[..HELLO_SEGMENT]),
            (
                true,
                PSH | ACK,
                c0.wrapping_add(seg_len),
                s0,
                &hello[HELLO_SEGMENT..2 * HELLO_SEGMENT],
            ),
        ];
        for (from_client, flags, seq, ack, payload) in steps {
            let ((s, sp), (d, dp)) = if from_client {
                ((src, sport), (dst, 443))
            } else {
                ((dst, 443), (src, sport))
            };
            let seg = Segment {
                src: s,
                dst: d,
                sport: sp,
                dport: dp,
                tcp: Some(Tcp { seq, ack, flags }),
                payload,
            };
            out.packet(us, &seg)?;
            us += FLOOD_GAP_US;
        }
    }
    Ok(n)
}

// --- quic-cids --------------------------------------------------------------------------------

/// RFC 9001 §5.2: the QUIC v1 Initial salt.
const V1_SALT: [u8; 20] = [
    0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34, 0xb3, 0x4d, 0x17, 0x9a, 0xe6, 0xa4, 0xc8, 0x0c, 0xad,
    0xcc, 0xbb, 0x7f, 0x0a,
];
/// Size of every client Initial datagram (RFC 9000 §14.1: at least 1,200).
const INITIAL_SIZE: usize = 1_200;
/// The ClientHello of the incomplete Initials, and how much of it is sent.
const PARTIAL_HELLO: usize = 2_000;
const PARTIAL_SENT: usize = 1_000;

/// HKDF-Expand-Label with an empty context (RFC 8446 §7.1).
fn expand_label(secret: &Hkdf<Sha256>, label: &str, out: &mut [u8]) {
    let full = format!("tls13 {label}");
    let mut info = (out.len() as u16).to_be_bytes().to_vec();
    info.push(full.len() as u8);
    info.extend_from_slice(full.as_bytes());
    info.push(0);
    secret.expand(&info, out).expect("HKDF output length");
}

/// A CRYPTO frame (RFC 9000 §19.6) with 4-byte variable-length integers.
pub(super) fn crypto_frame(offset: usize, data: &[u8]) -> Vec<u8> {
    let mut f = vec![0x06];
    f.extend_from_slice(&(0x8000_0000 | offset as u32).to_be_bytes());
    f.extend_from_slice(&(0x8000_0000 | data.len() as u32).to_be_bytes());
    f.extend_from_slice(data);
    f
}

/// A protected QUIC v1 client Initial of `INITIAL_SIZE` bytes carrying `frames` (padded with
/// PADDING frames), packet number 0 (RFC 9001 §5: keys from the DCID, AES-128-GCM, header
/// protection with AES-128-ECB over a sample of the ciphertext). Written here rather than taken
/// from the analyser, so that the generator and what it tests do not share a bug.
pub(super) fn sealed_initial(dcid: &[u8; 8], scid: &[u8; 8], frames: &[u8]) -> Vec<u8> {
    let (_, initial) = Hkdf::<Sha256>::extract(Some(&V1_SALT), dcid);
    let mut client_secret = [0u8; 32];
    expand_label(&initial, "client in", &mut client_secret);
    let client = Hkdf::<Sha256>::from_prk(&client_secret).expect("PRK length");
    let (mut key, mut iv, mut hp) = ([0u8; 16], [0u8; 12], [0u8; 16]);
    expand_label(&client, "quic key", &mut key);
    expand_label(&client, "quic iv", &mut iv);
    expand_label(&client, "quic hp", &mut hp);

    let mut header = vec![0xc3]; // long header, Initial, 4-byte packet number
    header.extend_from_slice(&1u32.to_be_bytes());
    header.push(8);
    header.extend_from_slice(dcid);
    header.push(8);
    header.extend_from_slice(scid);
    header.push(0); // no token
    let payload_len = INITIAL_SIZE - header.len() - 2 - 4 - 16;
    header.extend_from_slice(&(0x4000 | (4 + payload_len + 16) as u16).to_be_bytes());
    let pn_at = header.len();
    header.extend_from_slice(&0u32.to_be_bytes());
    let mut payload = frames.to_vec();
    assert!(payload.len() <= payload_len, "frames fit one Initial");
    payload.resize(payload_len, 0);
    // Packet number 0: the nonce is the IV.
    let aead = Aes128Gcm::new(&Array::from(key));
    let tag = aead
        .encrypt_inout_detached(&Array::from(iv), &header, payload.as_mut_slice().into())
        .expect("AES-GCM seals any length here");
    payload.extend_from_slice(&tag);
    let mut sample = Array::from([0u8; 16]);
    sample.copy_from_slice(&payload[..16]);
    Aes128::new(&Array::from(hp)).encrypt_block(&mut sample);
    header[0] ^= sample[0] & 0x0f;
    for k in 0..4 {
        header[pn_at + k] ^= sample[1 + k];
    }
    header.extend_from_slice(&payload);
    header
}

pub fn quic_cids<W: Write>(out: &mut Pcap<W>, n: u64) -> io::Result<u64> {
    // The never-completed hello: the handshake message only (a CRYPTO frame carries no record
    // header), padded to PARTIAL_HELLO bytes.
    let long_hello = client_hello_padded("partial.example.com", 77, Some(1_807));
    let long_hello = &long_hello[5..];
    assert_eq!(long_hello.len(), PARTIAL_HELLO, "padded ClientHello size");
    let partial = crypto_frame(0, &long_hello[..PARTIAL_SENT]);
    for i in 0..n {
        let (src, sport) = client(i);
        let dst = SERVERS[(i % SERVERS.len() as u64) as usize];
        let dcid = i.wrapping_mul(0x9e37_79b9_7f4a_7c15).to_be_bytes();
        let scid = i.wrapping_mul(0xc2b2_ae3d_27d4_eb4f).to_be_bytes();
        let payload = match i % 4 {
            0 => {
                let hello = client_hello_padded(&format!("q{i}.example.com"), i, None);
                sealed_initial(&dcid, &scid, &crypto_frame(0, &hello[5..]))
            }
            1 | 2 => sealed_initial(&dcid, &scid, &partial),
            _ => {
                // The header of an Initial, then bytes that decrypt under no key.
                let mut p = sealed_initial(&dcid, &scid, &[]);
                let body = noise(INITIAL_SIZE - 26, i);
                p[26..].copy_from_slice(&body);
                p
            }
        };
        let seg = Segment {
            src,
            dst,
            sport,
            dport: 443,
            tcp: None,
            payload: &payload,
        };
        out.packet(i * FLOOD_GAP_US, &seg)?;
    }
    Ok(n)
}
