//! The pcapng writer: exact bytes, read back by this crate's reader and by `pcap-file`.

use super::*;
use crate::digest::sha256_hex;
use std::fs;

/// 2020-04-16T12:54:32.419153123Z.
const T0: i64 = 1_587_041_672_419_153_123;

fn interface() -> InterfaceInfo {
    InterfaceInfo {
        name: Some("eth1".into()),
        filter: Some("not port 22".into()),
        os: Some("Linux 6.1".into()),
        ..InterfaceInfo::new(LinkType::ETHERNET, 262_144)
    }
}

/// One packet read back: time (ns), captured bytes, wire length.
type Frame = (i64, Vec<u8>, u32);

/// Each packet `source::open` reads, and the file's link types.
fn read_back(path: &Path) -> (Vec<Frame>, Vec<LinkType>) {
    read_back_at(path, 9)
}

fn read_back_at(path: &Path, digits: u8) -> (Vec<Frame>, Vec<LinkType>) {
    let mut capture = crate::source::open(path).expect("open the written file");
    let mut packets = Vec::new();
    while let Some(p) = capture.next_packet() {
        packets.push((p.ts.nanos(), p.data.to_vec(), p.wire_len));
    }
    assert_eq!(capture.damage(), None, "{}", path.display());
    assert_eq!(capture.precision_digits(), digits);
    (packets, capture.link_types())
}

#[test]
fn the_header_is_a_section_and_one_interface() {
    let header = part_header(&InterfaceInfo::new(LinkType::RAW, 65_535));
    // SHB: 12 framing + 16 fixed + userappl option (4 + "residency 0.1.0" padded) + end (4).
    let userappl = format!("residency {}", env!("CARGO_PKG_VERSION"));
    let shb_len = 12 + 16 + 4 + userappl.len().next_multiple_of(4) + 4;
    assert_eq!(&header[0..4], &[0x0A, 0x0D, 0x0D, 0x0A]);
    assert_eq!(
        u32::from_le_bytes([header[4], header[5], header[6], header[7]]) as usize,
        shb_len
    );
    assert_eq!(&header[8..12], &[0x4D, 0x3C, 0x2B, 0x1A]);
    assert_eq!(&header[16..24], &[0xFF; 8], "section length unknown");
    // IDB: 12 framing + 8 fixed + if_tsresol (4 + 4) + end (4) = 32.
    let idb = &header[shb_len..];
    assert_eq!(idb.len(), 32);
    assert_eq!(&idb[0..8], &[1, 0, 0, 0, 32, 0, 0, 0]);
    assert_eq!(&idb[8..10], &101u16.to_le_bytes(), "link type raw");
    assert_eq!(&idb[12..16], &65_535u32.to_le_bytes());
    assert_eq!(&idb[16..24], &[9, 0, 1, 0, 9, 0, 0, 0], "if_tsresol = 9");
    assert_eq!(&idb[24..28], &[0, 0, 0, 0], "opt_endofopt");
    assert_eq!(&idb[28..32], &[32, 0, 0, 0]);
}

#[test]
fn an_enhanced_packet_block_is_padded_and_framed() {
    let mut block = Vec::new();
    encode_packet(&mut block, Timestamp::from_nanos(T0), b"abcde", 60, 9).expect("encode");
    // 32 + 8 (5 bytes padded to 8).
    assert_eq!(block.len(), 40);
    assert_eq!(&block[0..8], &[6, 0, 0, 0, 40, 0, 0, 0]);
    assert_eq!(&block[8..12], &[0, 0, 0, 0], "interface 0");
    let high = u32::from_le_bytes([block[12], block[13], block[14], block[15]]);
    let low = u32::from_le_bytes([block[16], block[17], block[18], block[19]]);
    assert_eq!((u64::from(high) << 32) | u64::from(low), T0 as u64);
    assert_eq!(&block[20..24], &5u32.to_le_bytes());
    assert_eq!(&block[24..28], &60u32.to_le_bytes());
    assert_eq!(&block[28..36], b"abcde\0\0\0");
    assert_eq!(&block[36..40], &40u32.to_le_bytes());

    // Reused: cleared, not appended to; a wire length below the captured one is raised.
    encode_packet(&mut block, Timestamp::from_nanos(-5), b"abcd", 2, 9).expect("encode");
    assert_eq!(block.len(), 36);
    assert_eq!(&block[12..20], &[0; 8], "before 1970 is 0");
    assert_eq!(&block[24..28], &4u32.to_le_bytes());

    // Microseconds: the time in µs, cut towards the past.
    encode_packet(&mut block, Timestamp::from_nanos(T0), b"", 0, 6).expect("encode");
    let high = u32::from_le_bytes([block[12], block[13], block[14], block[15]]);
    let low = u32::from_le_bytes([block[16], block[17], block[18], block[19]]);
    assert_eq!(
        (u64::from(high) << 32) | u64::from(low),
        1_587_041_672_419_153
    );

    let huge = vec![0u8; MAX_PACKET + 1];
    assert_eq!(
        encode_packet(&mut block, Timestamp::from_nanos(0), &huge, 0, 9),
        Err(MAX_PACKET + 1)
    );
}

#[test]
fn packets_read_back_with_their_times_bytes_and_lengths() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("evidence.pcapng");
    let mut out = PcapNgOut::create(&path, Rotate::Never, &interface()).expect("create");
    let packets: Vec<Frame> = vec![
        (T0, vec![0x45; 54], 54),
        (T0 + 1, vec![1, 2, 3], 1514),
        (T0 + 1_000_000_007, (0..=255).collect(), 256),
        (T0 + 2_000_000_000, Vec::new(), 0),
    ];
    for (ts, data, wire) in &packets {
        out.write_packet(Timestamp::from_nanos(*ts), data, *wire)
            .expect("write");
    }
    let parts = out.finish().expect("finish");
    let (got, link_types) = read_back(&path);
    assert_eq!(got, packets);
    assert_eq!(link_types, [LinkType::ETHERNET]);
    assert_eq!(parts.len(), 1);
    assert_eq!(parts[0].records, 4);
    let bytes = fs::read(&path).expect("read");
    assert_eq!(parts[0].sha256, sha256_hex(&bytes));
    assert_eq!(parts[0].bytes, bytes.len() as u64);
    assert_eq!(
        parts[0].first.as_deref(),
        Some("2020-04-16T12:54:32.419153123Z")
    );
    assert_eq!(
        parts[0].last.as_deref(),
        Some("2020-04-16T12:54:34.419153123Z")
    );
}

#[test]
fn a_microsecond_capture_is_written_in_microseconds() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("micro.pcapng");
    let info = InterfaceInfo {
        ts_digits: 6,
        ..interface()
    };
    let mut out = PcapNgOut::create(&path, Rotate::Never, &info).expect("create");
    out.write_packet(Timestamp::from_nanos(T0), &[1; 20], 20)
        .expect("write");
    let parts = out.finish().expect("finish");
    let (got, _) = read_back_at(&path, 6);
    assert_eq!(got, [(1_587_041_672_419_153_000, vec![1; 20], 20)]);
    // The manifest says what the file can say: microseconds.
    assert_eq!(
        parts[0].first.as_deref(),
        Some("2020-04-16T12:54:32.419153Z")
    );
}

#[test]
fn pcap_file_reads_the_options() {
    use pcap_file::pcapng::blocks::interface_description::InterfaceDescriptionOption as If;
    use pcap_file::pcapng::blocks::section_header::SectionHeaderOption as Shb;
    use pcap_file::pcapng::{Block, PcapNgReader};

    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("evidence.pcapng");
    let info = InterfaceInfo {
        hardware: Some("x86_64".into()),
        description: Some("mirror port".into()),
        ..interface()
    };
    let mut out = PcapNgOut::create(&path, Rotate::Never, &info).expect("create");
    out.write_packet(Timestamp::from_nanos(T0), &[7; 60], 60)
        .expect("write");
    out.finish().expect("finish");

    let file = fs::File::open(&path).expect("open");
    let mut reader = PcapNgReader::new(file).expect("pcap-file reads the section header");
    let shb = reader.section().clone();
    assert_eq!(shb.major_version, 1);
    assert_eq!(shb.section_length, -1);
    let userappl = format!("residency {}", env!("CARGO_PKG_VERSION"));
    assert!(
        shb.options
            .iter()
            .any(|o| matches!(o, Shb::UserApplication(a) if *a == userappl)),
        "{:?}",
        shb.options
    );
    assert!(
        shb.options
            .iter()
            .any(|o| matches!(o, Shb::Hardware(h) if h == "x86_64"))
    );
    let mut interfaces = 0;
    let mut epbs = Vec::new();
    while let Some(block) = reader.next_block() {
        match block.expect("a valid block") {
            Block::InterfaceDescription(idb) => {
                interfaces += 1;
                assert_eq!(u32::from(idb.linktype), 1);
                assert_eq!(idb.snaplen, 262_144);
                let o = &idb.options;
                assert!(o.iter().any(|o| matches!(o, If::IfName(n) if n == "eth1")));
                assert!(
                    o.iter()
                        .any(|o| matches!(o, If::IfDescription(n) if n == "mirror port"))
                );
                assert!(o.iter().any(|o| matches!(o, If::IfTsResol(9))));
                assert!(
                    o.iter()
                        .any(|o| matches!(o, If::IfOs(n) if n == "Linux 6.1"))
                );
                assert!(
                    o.iter()
                        .any(|o| matches!(o, If::IfFilter(f) if f.as_ref() == b"\0not port 22")),
                    "{o:?}"
                );
            }
            Block::EnhancedPacket(epb) => {
                epbs.push((
                    epb.interface_id,
                    epb.timestamp.as_nanos(),
                    epb.original_len,
                    epb.data.len(),
                ));
            }
            other => panic!("unexpected block {other:?}"),
        }
    }
    assert_eq!(interfaces, 1);
    assert_eq!(epbs, [(0, T0 as u128, 60, 60)]);
}

#[test]
fn size_rotation_gives_whole_pcapng_parts() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("evidence.pcapng");
    let header_len = part_header(&interface()).len() as u64;
    // Each packet block is 32 + 100 = 132 bytes; room for 3 per part.
    let limit = header_len + 3 * 132;
    let mut out = PcapNgOut::create(&path, Rotate::Size(limit), &interface()).expect("create");
    for i in 0..10i64 {
        out.write_packet(Timestamp::from_nanos(T0 + i), &[i as u8; 100], 100)
            .expect("write");
    }
    let parts = out.finish().expect("finish");
    let counts: Vec<u64> = parts.iter().map(|p| p.records).collect();
    assert_eq!(counts, [3, 3, 3, 1]);
    let mut all = Vec::new();
    for part in &parts {
        let file = dir.path().join(&part.path);
        let bytes = fs::read(&file).expect("part");
        assert_eq!(part.sha256, sha256_hex(&bytes));
        assert_eq!(part.bytes, header_len + part.records * 132);
        assert!(part.bytes <= limit);
        let (packets, link_types) = read_back(&file);
        assert_eq!(
            link_types,
            [LinkType::ETHERNET],
            "each part has its interface"
        );
        all.extend(packets);
    }
    let times: Vec<i64> = all.iter().map(|p| p.0 - T0).collect();
    assert_eq!(times, (0..10).collect::<Vec<_>>());
    assert!(
        all.iter()
            .enumerate()
            .all(|(i, p)| p.1 == vec![i as u8; 100])
    );
}

#[test]
fn a_packet_too_long_is_refused_naming_the_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("evidence.pcapng");
    let mut out = PcapNgOut::create(&path, Rotate::Never, &interface()).expect("create");
    let err = out
        .write_packet(Timestamp::from_nanos(T0), &vec![0; MAX_PACKET + 1], 0)
        .expect_err("too long");
    assert!(matches!(err, OutputError::RecordTooLong { .. }), "{err:?}");
    assert!(err.to_string().contains("evidence.pcapng"), "{err}");
    let parts = out.finish().expect("still finishes");
    assert_eq!(parts[0].records, 0);
}

#[test]
fn long_option_text_is_cut_at_a_character_boundary() {
    assert_eq!(cut("héllo", 2), "h");
    assert_eq!(cut("héllo", 3), "hé");
    assert_eq!(cut("abc", 10), "abc");
    let info = InterfaceInfo {
        filter: Some("é".repeat(40_000)),
        ..InterfaceInfo::new(LinkType::ETHERNET, 0)
    };
    let header = part_header(&info);
    assert!(header.len().is_multiple_of(4));
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("long.pcapng");
    let out = PcapNgOut::create(&path, Rotate::Never, &info).expect("create");
    out.finish().expect("finish");
    let (packets, link_types) = read_back(&path);
    assert!(packets.is_empty());
    assert_eq!(link_types, [LinkType::ETHERNET]);
}
