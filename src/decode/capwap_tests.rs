//! CAPWAP data tunnels (RFC 5415 / 5416) with IEEE 802.3 and 802.11 payloads.

use super::*;
use etherparse::PacketBuilder;
use std::net::Ipv4Addr;

const AP: [u8; 4] = [192, 0, 2, 10];
const CONTROLLER: [u8; 4] = [192, 0, 2, 1];
const STATION: IpAddr = IpAddr::V4(Ipv4Addr::new(10, 20, 0, 7));

fn inner_udp() -> Vec<u8> {
    let mut out = Vec::new();
    PacketBuilder::ipv4([10, 20, 0, 7], [9, 9, 9, 9], 64)
        .udp(51000, 53)
        .write(&mut out, b"query")
        .unwrap();
    out
}

/// An Ethernet frame around the inner packet (T = 0 payload).
fn eth(ip: &[u8]) -> Vec<u8> {
    let mut f = vec![0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 7, 0x08, 0x00];
    f.extend_from_slice(ip);
    f
}

/// An 802.11 data frame: `fc` as sent (two bytes), `extra` header bytes after Sequence
/// Control (fourth address, QoS, HT control), then LLC/SNAP for IPv4 and the packet.
fn wlan(fc: [u8; 2], extra: &[u8], ip: &[u8]) -> Vec<u8> {
    let mut f = fc.to_vec();
    f.extend_from_slice(&[0, 0]); // duration
    f.extend_from_slice(&[
        0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 7, 0x02, 0, 0, 0, 0, 2,
    ]);
    f.extend_from_slice(&[0x10, 0x00]); // sequence 1, fragment 0
    f.extend_from_slice(extra);
    f.extend_from_slice(&[0xaa, 0xaa, 0x03, 0, 0, 0, 0x08, 0x00]);
    f.extend_from_slice(ip);
    f
}

/// A CAPWAP header: HLEN words, WBID, flag bits (T 0x100, F 0x80, W 0x20, M 0x10, K 0x08),
/// then optional bytes (radio MAC / wireless information) making up the rest of HLEN.
fn capwap(hlen: u32, wbid: u32, flags: u32, optional: &[u8]) -> Vec<u8> {
    let word = (hlen << 19) | (wbid << 9) | flags;
    let mut h = word.to_be_bytes().to_vec();
    h.extend_from_slice(&[0; 4]); // fragment ID, offset
    h.extend_from_slice(optional);
    h
}

fn outer(sport: u16, dport: u16, capwap: &[u8], frame: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    PacketBuilder::ipv4(AP, CONTROLLER, 64)
        .udp(sport, dport)
        .write(&mut out, &[capwap, frame].concat())
        .unwrap();
    let mut f = vec![0u8; 12];
    f.extend_from_slice(&[0x08, 0x00]);
    f.extend_from_slice(&out);
    f
}

fn inner_of(frame: &[u8]) -> Decoded<'_> {
    decode(LinkType::ETHERNET, frame, 0).unwrap()
}

fn assert_inner(frame: &[u8], what: &str) {
    let d = inner_of(frame);
    assert_eq!((d.src, d.tunnels), (STATION, 1), "{what}");
    assert_eq!(d.ip_len, 20 + 8 + 5, "{what}");
    assert!(
        matches!(
            d.transport,
            Transport::Udp {
                src_port: 51000,
                dst_port: 53,
                payload: b"query"
            }
        ),
        "{what}: {:?}",
        d.transport
    );
}

fn assert_outer(frame: &[u8], what: &str) {
    let d = inner_of(frame);
    assert_eq!(
        (d.src, d.tunnels),
        (IpAddr::V4(Ipv4Addr::from(AP)), 0),
        "{what}"
    );
    assert!(matches!(d.transport, Transport::Udp { .. }), "{what}");
}

#[test]
fn capwap_payloads_reach_the_station_packet() {
    let ip = inner_udp();
    let plain = capwap(2, 1, 0, &[]);
    let native = capwap(2, 1, 0x100, &[]);
    // Radio MAC (length 6, padded to 8) and wireless information (length 4: RSSI, SNR,
    // data rate; padded to 8): HLEN 6 words.
    let optional = [
        &[6, 0x02, 0, 0, 0, 0, 0x0a, 0][..],
        &[4, 0xc4, 0x1e, 0x00, 0x6c, 0, 0, 0][..],
    ]
    .concat();
    let with_fields = capwap(6, 1, 0x100 | 0x20 | 0x10, &optional);
    let cases: [(&str, Vec<u8>); 8] = [
        (
            "802.3 to the controller",
            outer(40000, 5247, &plain, &eth(&ip)),
        ),
        (
            "802.3 from the controller",
            outer(5247, 40000, &plain, &eth(&ip)),
        ),
        (
            "802.11 data, To DS",
            outer(40000, 5247, &native, &wlan([0x08, 0x01], &[], &ip)),
        ),
        (
            "802.11 QoS data, From DS, HT control",
            outer(
                5247,
                40000,
                &native,
                &wlan([0x88, 0x82], &[0x05, 0x00, 1, 2, 3, 4], &ip),
            ),
        ),
        (
            "802.11 QoS data, four addresses",
            outer(
                40000,
                5247,
                &native,
                &wlan([0x88, 0x03], &[0x02, 0, 0, 0, 0, 9, 0x00, 0x00], &ip),
            ),
        ),
        (
            "802.11 data, Frame Control swapped",
            outer(40000, 5247, &native, &wlan([0x01, 0x08], &[], &ip)),
        ),
        (
            "802.11 QoS data swapped",
            outer(
                40000,
                5247,
                &native,
                &wlan([0x02, 0x88], &[0x00, 0x00], &ip),
            ),
        ),
        (
            "radio MAC and wireless information",
            outer(40000, 5247, &with_fields, &wlan([0x08, 0x01], &[], &ip)),
        ),
    ];
    for (what, frame) in &cases {
        assert_inner(frame, what);
    }
}

#[test]
fn capwap_packets_not_followed_stay_the_outer_flow() {
    let ip = inner_udp();
    let native = capwap(2, 1, 0x100, &[]);
    let mut dtls = capwap(2, 1, 0, &[]);
    dtls[0] = 0x01;
    let cases: [(&str, Vec<u8>); 11] = [
        (
            "fragment",
            outer(40000, 5247, &capwap(2, 1, 0x80, &[]), &eth(&ip)),
        ),
        (
            "keep-alive",
            outer(40000, 5247, &capwap(2, 1, 0x08, &[]), &eth(&ip)),
        ),
        ("DTLS data channel", outer(40000, 5247, &dtls, &eth(&ip))),
        (
            "control channel port",
            outer(40000, 5246, &capwap(2, 1, 0, &[]), &eth(&ip)),
        ),
        (
            "binding other than 802.11",
            outer(40000, 5247, &capwap(2, 3, 0x100, &[]), &eth(&ip)),
        ),
        (
            "HLEN below the fixed header",
            outer(40000, 5247, &capwap(1, 1, 0, &[]), &eth(&ip)),
        ),
        (
            "radio MAC overruns HLEN",
            outer(40000, 5247, &capwap(3, 1, 0x10, &[9, 0, 0, 0]), &eth(&ip)),
        ),
        (
            "protected 802.11 frame",
            outer(40000, 5247, &native, &wlan([0x08, 0x41], &[], &ip)),
        ),
        (
            "802.11 Null frame",
            outer(40000, 5247, &native, &wlan([0x48, 0x01], &[], &ip)),
        ),
        (
            "802.11 fragment",
            outer(40000, 5247, &native, &wlan([0x08, 0x05], &[], &ip)),
        ),
        (
            "802.11 management frame",
            outer(40000, 5247, &native, &wlan([0x80, 0x00], &[], &ip)),
        ),
    ];
    for (what, frame) in &cases {
        assert_outer(frame, what);
    }
}

#[test]
fn a_msdu_and_non_snap_bodies_stay_the_outer_flow() {
    let ip = inner_udp();
    let native = capwap(2, 1, 0x100, &[]);
    let amsdu = outer(
        40000,
        5247,
        &native,
        &wlan([0x88, 0x01], &[0x80, 0x00], &ip),
    );
    assert_outer(&amsdu, "A-MSDU");
    let mut frame = wlan([0x08, 0x01], &[], &ip);
    frame[24] = 0xe0; // not LLC/SNAP
    assert_outer(&outer(40000, 5247, &native, &frame), "not SNAP");
    // Cut inside the 802.11 header.
    let frame = wlan([0x08, 0x01], &[], &ip);
    assert_outer(&outer(40000, 5247, &native, &frame[..20]), "short 802.11");
}

proptest::proptest! {
    /// Mutating a CAPWAP packet byte by byte never panics.
    #[test]
    fn mutated_capwap_never_panics(pos in 0usize..140, byte in proptest::num::u8::ANY, native in proptest::bool::ANY) {
        let ip = inner_udp();
        let mut frame = if native {
            outer(40000, 5247, &capwap(2, 1, 0x100, &[]), &wlan([0x88, 0x82], &[0, 0, 1, 2, 3, 4], &ip))
        } else {
            outer(40000, 5247, &capwap(2, 1, 0, &[]), &eth(&ip))
        };
        let at = pos % frame.len();
        frame[at] = byte;
        let _ = decode(LinkType::ETHERNET, &frame, 0);
    }
}
