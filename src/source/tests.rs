use super::*;
use pcapng::SHB_TYPE;

fn pcap_header(magic: u32, big_endian: bool, link: u32) -> Vec<u8> {
    let mut out = Vec::new();
    let put32 = |out: &mut Vec<u8>, v: u32| {
        out.extend_from_slice(&if big_endian {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        })
    };
    put32(&mut out, magic);
    let v: [u8; 4] = if big_endian {
        [0, 2, 0, 4]
    } else {
        [2, 0, 4, 0]
    };
    out.extend_from_slice(&v);
    put32(&mut out, 0);
    put32(&mut out, 0);
    put32(&mut out, 65535);
    put32(&mut out, link);
    out
}

fn record(out: &mut Vec<u8>, big_endian: bool, secs: u32, frac: u32, data: &[u8], wire: u32) {
    for v in [secs, frac, data.len() as u32, wire] {
        out.extend_from_slice(&if big_endian {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        });
    }
    out.extend_from_slice(data);
}

#[test]
fn pcap_both_orders_and_resolutions() {
    for (magic, be, digits, frac, nanos) in [
        (0xa1b2c3d4u32, false, 6u8, 419_153u32, 419_153_000i64),
        (0xa1b2c3d4, true, 6, 1, 1_000),
        (0xa1b23c4d, false, 9, 123_456_789, 123_456_789),
        (0xa1b23c4d, true, 9, 5, 5),
    ] {
        let mut file = pcap_header(magic, be, 1);
        record(&mut file, be, 100, frac, &[1, 2, 3], 60);
        record(&mut file, be, 101, 0, &[4; 10], 10);
        let mut cap = Capture::new(&file[..]).unwrap();
        assert_eq!(cap.format(), Format::Pcap);
        assert_eq!(cap.precision_digits(), digits);
        let p = cap.next_packet().unwrap();
        assert_eq!((p.number, p.data, p.wire_len), (1, &[1u8, 2, 3][..], 60));
        assert_eq!(p.ts.nanos(), 100_000_000_000 + nanos);
        assert_eq!(p.link_type, LinkType::ETHERNET);
        assert_eq!(cap.next_packet().unwrap().number, 2);
        assert!(cap.next_packet().is_none());
        assert!(cap.damage().is_none());
    }
}

#[test]
fn pcap_truncated_keeps_what_came_before() {
    let mut file = pcap_header(0xa1b2c3d4, false, 1);
    for i in 0..5 {
        record(&mut file, false, i, 0, &[i as u8; 40], 40);
    }
    let cut = file.len() - 7;
    let mut cap = Capture::new(&file[..cut]).unwrap();
    let mut n = 0;
    while cap.next_packet().is_some() {
        n += 1;
    }
    assert_eq!(n, 4);
    let d = cap.damage().unwrap();
    assert_eq!(
        (d.kind, d.packet, d.offset),
        (DamageKind::Truncated, 5, 24 + 4 * 56)
    );
    let digest = cap.finish();
    assert_eq!(digest.size, cut as u64);
    assert!(digest.sha256.is_some());
}

#[test]
fn pcap_corrupt_length_is_not_trusted() {
    let mut file = pcap_header(0xa1b2c3d4, false, 1);
    record(&mut file, false, 1, 0, &[0; 20], 20);
    file.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0x7f, 0, 0, 0, 0]);
    let mut cap = Capture::new(&file[..]).unwrap();
    assert!(cap.next_packet().is_some());
    assert!(cap.next_packet().is_none());
    assert_eq!(cap.damage().unwrap().kind, DamageKind::Corrupt);
}

#[test]
fn not_a_capture_says_what_it_is() {
    for (bytes, needle) in [
        (&b""[..], "empty"),
        (b"hello world\n", "text"),
        (&[0x1f, 0x8b, 8, 0, 0][..], "gzip"),
    ] {
        match Capture::new(bytes) {
            Err(HeaderError::Invalid(reason)) => assert!(reason.contains(needle), "{reason}"),
            _ => panic!("accepted {bytes:?}"),
        }
    }
}

fn block(out: &mut Vec<u8>, block_type: u32, body: &[u8]) {
    let total = (12 + body.len().div_ceil(4) * 4) as u32;
    out.extend_from_slice(&block_type.to_le_bytes());
    out.extend_from_slice(&total.to_le_bytes());
    out.extend_from_slice(body);
    out.resize(out.len() + (body.len().div_ceil(4) * 4 - body.len()), 0);
    out.extend_from_slice(&total.to_le_bytes());
}

fn shb(out: &mut Vec<u8>) {
    let mut body = 0x1A2B3C4Du32.to_le_bytes().to_vec();
    body.extend_from_slice(&[1, 0, 0, 0]);
    body.extend_from_slice(&(-1i64).to_le_bytes());
    block(out, SHB_TYPE, &body);
}

fn idb(out: &mut Vec<u8>, link: u16, snap: u32, tsresol: Option<u8>) {
    let mut body = link.to_le_bytes().to_vec();
    body.extend_from_slice(&[0, 0]);
    body.extend_from_slice(&snap.to_le_bytes());
    if let Some(r) = tsresol {
        body.extend_from_slice(&9u16.to_le_bytes());
        body.extend_from_slice(&1u16.to_le_bytes());
        body.extend_from_slice(&[r, 0, 0, 0]);
        body.extend_from_slice(&[0, 0, 0, 0]);
    }
    block(out, 1, &body);
}

fn epb(out: &mut Vec<u8>, iface: u32, units: u64, data: &[u8], wire: u32) {
    let mut body = iface.to_le_bytes().to_vec();
    body.extend_from_slice(&((units >> 32) as u32).to_le_bytes());
    body.extend_from_slice(&(units as u32).to_le_bytes());
    body.extend_from_slice(&(data.len() as u32).to_le_bytes());
    body.extend_from_slice(&wire.to_le_bytes());
    body.extend_from_slice(data);
    block(out, 6, &body);
}

#[test]
fn pcapng_interfaces_resolutions_and_sections() {
    let mut file = Vec::new();
    shb(&mut file);
    idb(&mut file, 1, 0, Some(9));
    idb(&mut file, 101, 128, None);
    epb(&mut file, 0, 1_500_000_000_123_456_789, &[1; 5], 5);
    block(&mut file, 5, &[0; 8]); // statistics block: skipped
    epb(&mut file, 1, 1_500_000_000_123_456, &[2; 3], 300);
    epb(&mut file, 7, 0, &[3; 3], 3); // unknown interface: counted, skipped
    shb(&mut file);
    idb(&mut file, 276, 0, Some(0x80 | 10));
    epb(&mut file, 0, 3 << 10 | 512, &[4; 2], 2);
    let mut cap = Capture::new(&file[..]).unwrap();
    assert_eq!(cap.format(), Format::PcapNg);
    let p = cap.next_packet().unwrap();
    assert_eq!(
        (p.number, p.link_type, p.ts.nanos()),
        (1, LinkType::ETHERNET, 1_500_000_000_123_456_789)
    );
    let p = cap.next_packet().unwrap();
    assert_eq!((p.number, p.link_type, p.wire_len), (2, LinkType::RAW, 300));
    assert_eq!(p.ts.nanos(), 1_500_000_000_123_456_000);
    let p = cap.next_packet().unwrap();
    assert_eq!(
        (p.number, p.link_type, p.ts.nanos()),
        (4, LinkType::LINUX_SLL2, 3_500_000_000)
    );
    assert!(cap.next_packet().is_none());
    assert!(cap.damage().is_none());
    assert_eq!(cap.invalid_records(), 1);
    assert_eq!(
        cap.link_types(),
        vec![LinkType::ETHERNET, LinkType::RAW, LinkType::LINUX_SLL2]
    );
    assert_eq!(cap.precision_digits(), 9);
}

#[test]
fn pcapng_truncated_block() {
    let mut file = Vec::new();
    shb(&mut file);
    idb(&mut file, 1, 0, None);
    epb(&mut file, 0, 1, &[1; 40], 40);
    epb(&mut file, 0, 2, &[1; 40], 40);
    let cut = file.len() - 10;
    let mut cap = Capture::new(&file[..cut]).unwrap();
    assert!(cap.next_packet().is_some());
    assert!(cap.next_packet().is_none());
    let d = cap.damage().unwrap();
    assert_eq!((d.kind, d.packet), (DamageKind::Truncated, 2));
}

proptest::proptest! {
    /// Any bytes after a valid header: the readers never panic and never hand out more than
    /// they were given.
    #[test]
    fn arbitrary_bytes_never_panic(tail in proptest::collection::vec(proptest::num::u8::ANY, 0..2048), ng in proptest::bool::ANY) {
        let mut file = Vec::new();
        if ng { shb(&mut file); } else { file = pcap_header(0xa1b2c3d4, false, 1); }
        file.extend_from_slice(&tail);
        if let Ok(mut cap) = Capture::new(&file[..]) {
            let mut total = 0usize;
            while let Some(p) = cap.next_packet() { total += p.data.len(); }
            proptest::prop_assert!(total <= tail.len());
        }
    }
}
