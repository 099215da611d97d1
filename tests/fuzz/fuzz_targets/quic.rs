//! QUIC (IETF, all versions, Initial decryption, CRYPTO reassembly, ClientHello) and Google
//! QUIC: a connection's client datagrams, split from the input by a 2-byte length prefix.
#![no_main]

use libfuzzer_sys::fuzz_target;
use residency::names::quic::{QuicConnection, long_header_ids};

fuzz_target!(|data: &[u8]| {
    let mut connection = QuicConnection::new();
    let mut rest = data;
    while let [hi, lo, tail @ ..] = rest {
        let len = usize::from(u16::from_be_bytes([*hi, *lo])).min(tail.len());
        let (datagram, next) = tail.split_at(len);
        let _ = std::hint::black_box(long_header_ids(datagram));
        let _ = std::hint::black_box(connection.datagram(datagram));
        rest = next;
    }
    let _ = connection.held_bytes();
});
