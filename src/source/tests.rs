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
    epb_claiming(out, iface, units, data, data.len() as u32, wire);
}

/// An enhanced packet block whose captured length field says `caplen`, whatever it holds.
fn epb_claiming(out: &mut Vec<u8>, iface: u32, units: u64, data: &[u8], caplen: u32, wire: u32) {
    let mut body = iface.to_le_bytes().to_vec();
    body.extend_from_slice(&((units >> 32) as u32).to_le_bytes());
    body.extend_from_slice(&(units as u32).to_le_bytes());
    body.extend_from_slice(&caplen.to_le_bytes());
    body.extend_from_slice(&wire.to_le_bytes());
    body.extend_from_slice(data);
    block(out, 6, &body);
}

/// Read every packet; the numbers handed out and the damage that stopped the reader.
fn read_all(file: &[u8]) -> (Vec<u64>, Option<Damage>) {
    let mut cap = Capture::new(file).unwrap();
    let mut numbers = Vec::new();
    while let Some(p) = cap.next_packet() {
        numbers.push(p.number);
    }
    (numbers, cap.damage().cloned())
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
        (3, LinkType::LINUX_SLL2, 3_500_000_000)
    );
    assert!(cap.next_packet().is_none());
    assert!(cap.damage().is_none());
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

/// A packet block that names an interface the section never described stops the reader at
/// that block, as Wireshark does ("interface index 5 is not less than section interface count
/// 1"); the packets after it are not read.
#[test]
fn pcapng_undescribed_interface_is_corrupt() {
    let mut file = Vec::new();
    shb(&mut file);
    idb(&mut file, 1, 0, None);
    epb(&mut file, 0, 1, &[1; 40], 40);
    let offset = file.len() as u64;
    epb(&mut file, 5, 2, &[2; 40], 40);
    epb(&mut file, 0, 3, &[3; 40], 40);
    let (numbers, damage) = read_all(&file);
    assert_eq!(numbers, vec![1]);
    let d = damage.unwrap();
    assert_eq!(
        (d.kind, d.offset, d.packet),
        (DamageKind::Corrupt, offset, 2)
    );
    assert_eq!(
        d.message,
        "enhanced packet block names interface 5, but its section describes 1 interface"
    );
    // A new section forgets the old one's interfaces.
    let mut file = Vec::new();
    shb(&mut file);
    idb(&mut file, 1, 0, None);
    idb(&mut file, 1, 0, None);
    shb(&mut file);
    let offset = file.len() as u64;
    epb(&mut file, 0, 1, &[1; 4], 4);
    let (numbers, damage) = read_all(&file);
    assert!(numbers.is_empty());
    let d = damage.unwrap();
    assert_eq!(
        (d.kind, d.offset, d.packet),
        (DamageKind::Corrupt, offset, 1)
    );
    assert!(
        d.message.contains("describes 0 interfaces"),
        "{}",
        d.message
    );
}

/// A packet block claiming more captured bytes than it holds is damage (Wireshark: "total
/// block length 76 of an EPB is too small for 142 bytes of packet data").
#[test]
fn pcapng_captured_length_beyond_block_is_corrupt() {
    let mut file = Vec::new();
    shb(&mut file);
    idb(&mut file, 1, 0, None);
    epb(&mut file, 0, 1, &[1; 40], 40);
    epb(&mut file, 0, 2, &[1; 40], 40);
    let offset = file.len() as u64;
    epb_claiming(&mut file, 0, 3, &[2; 40], 140, 140);
    epb(&mut file, 0, 4, &[3; 40], 40);
    let (numbers, damage) = read_all(&file);
    assert_eq!(numbers, vec![1, 2]);
    let d = damage.unwrap();
    assert_eq!(
        (d.kind, d.offset, d.packet),
        (DamageKind::Corrupt, offset, 3)
    );
    assert_eq!(
        d.message,
        "enhanced packet block of 72 bytes claims 140 captured bytes but holds at most 40"
    );
    // Exactly what the block holds is fine.
    let mut file = Vec::new();
    shb(&mut file);
    idb(&mut file, 1, 0, None);
    epb_claiming(&mut file, 0, 3, &[2; 40], 40, 1500);
    assert_eq!(read_all(&file), (vec![1], None));
}

#[test]
fn pcapng_short_or_orphan_packet_blocks_are_corrupt() {
    // An enhanced packet block too short for its fixed fields.
    let mut file = Vec::new();
    shb(&mut file);
    idb(&mut file, 1, 0, None);
    let offset = file.len() as u64;
    block(&mut file, 6, &[0; 12]);
    let (numbers, damage) = read_all(&file);
    assert!(numbers.is_empty());
    let d = damage.unwrap();
    assert_eq!(
        (d.kind, d.offset, d.packet),
        (DamageKind::Corrupt, offset, 1)
    );
    assert_eq!(
        d.message,
        "enhanced packet block of 24 bytes is shorter than its fixed fields (32 bytes)"
    );
    // A simple packet block before any interface description.
    let mut file = Vec::new();
    shb(&mut file);
    let offset = file.len() as u64;
    let mut body = 4u32.to_le_bytes().to_vec();
    body.extend_from_slice(&[9; 4]);
    block(&mut file, 3, &body);
    let d = read_all(&file).1.unwrap();
    assert_eq!(
        (d.kind, d.offset, d.packet),
        (DamageKind::Corrupt, offset, 1)
    );
    assert!(d.message.contains("before any interface"), "{}", d.message);
}

#[test]
fn compressed_files_say_how_to_decompress() {
    for (bytes, needle) in [
        (&[0x1f, 0x8b, 8, 0, 0][..], "`gunzip`"),
        (&[0x28, 0xb5, 0x2f, 0xfd, 0][..], "`zstd -d`"),
        (
            &[0xfd, b'7', b'z', b'X', b'Z', 0, 0][..],
            "an xz file: decompress it first, e.g. `xz -d`",
        ),
        (
            &[0x04, 0x22, 0x4d, 0x18, 0x64][..],
            "an lz4 file: decompress it first, e.g. `lz4 -d`",
        ),
        (&[0x02, 0x21, 0x4c, 0x18, 0][..], "an lz4 file"),
        (
            b"BZh91AY&SY",
            "a bzip2 file: decompress it first, e.g. `bunzip2`",
        ),
    ] {
        match Capture::new(bytes) {
            Err(HeaderError::Invalid(reason)) => assert!(reason.contains(needle), "{reason}"),
            _ => panic!("accepted {bytes:?}"),
        }
    }
    // "BZ" followed by anything but h and a block size is not bzip2.
    match Capture::new(&b"BZhx and more"[..]) {
        Err(HeaderError::Invalid(reason)) => {
            assert!(reason.contains("(text)"), "{reason}");
            assert!(!reason.contains("bzip2"), "{reason}");
        }
        _ => panic!("accepted"),
    }
}

/// The operating system's words are the error's source, not part of its message: printed as
/// a chain they appear once.
#[test]
fn io_errors_name_the_os_error_once() {
    let dir = std::env::temp_dir();
    let Err(e) = open(&dir) else {
        panic!("opened a directory");
    };
    let message = e.to_string();
    assert_eq!(
        message,
        format!(
            "{}: cannot read a directory (give the capture files in it)",
            dir.display()
        )
    );
    let os = std::error::Error::source(&e).unwrap().to_string();
    assert!(os.contains("os error"), "{os}");
    assert!(!message.contains(&os));
    let missing = dir.join("residency-no-such-file.pcap");
    let Err(e) = open(&missing) else {
        panic!("opened a missing file");
    };
    assert_eq!(
        e.to_string(),
        format!("{}: cannot open (check the path)", missing.display())
    );
}

/// A scratch directory for one test, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
        let dir =
            std::env::temp_dir().join(format!("residency-source-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn sample_pcapng() -> Vec<u8> {
    let mut file = Vec::new();
    shb(&mut file);
    idb(&mut file, 1, 0, None);
    for i in 0..2000u32 {
        epb(&mut file, 0, u64::from(i), &[i as u8; 700], 700);
    }
    file
}

/// A regular file is hashed before its first packet; the digest is the one a streaming read
/// computes, and `finish` reports it unchanged.
#[test]
fn regular_file_digest_is_known_up_front() {
    let scratch = Scratch::new("upfront");
    let bytes = sample_pcapng();
    let path = scratch.0.join("x.pcapng");
    std::fs::write(&path, &bytes).unwrap();
    let mut streamed = Capture::new(&bytes[..]).unwrap();
    while streamed.next_packet().is_some() {}
    let streamed = streamed.finish();
    assert_eq!(streamed.sha256, Some(crate::digest::sha256_hex(&bytes)));

    let mut cap = open(&path).unwrap();
    assert_eq!(cap.sha256_upfront(), streamed.sha256.as_deref());
    assert_eq!(cap.size_upfront(), Some(bytes.len() as u64));
    let mut n = 0;
    while let Some(p) = cap.next_packet() {
        n += 1;
        assert_eq!(p.data, &[(n - 1) as u8; 700][..]);
    }
    assert_eq!(n, 2000);
    assert!(cap.damage().is_none());
    let digest = cap.finish();
    assert_eq!(
        (digest.sha256, digest.size, digest.error.is_none()),
        (streamed.sha256, streamed.size, true)
    );
}

/// Damage in an up-front-hashed file still leaves the whole file's digest.
#[test]
fn damaged_regular_file_keeps_its_digest() {
    let scratch = Scratch::new("damaged");
    let mut bytes = sample_pcapng();
    epb(&mut bytes, 3, 0, &[0; 8], 8);
    epb(&mut bytes, 0, 0, &[0; 8], 8);
    let path = scratch.0.join("x.pcapng");
    std::fs::write(&path, &bytes).unwrap();
    let mut cap = open(&path).unwrap();
    let mut n = 0;
    while cap.next_packet().is_some() {
        n += 1;
    }
    assert_eq!(n, 2000);
    assert_eq!(cap.damage().unwrap().packet, 2001);
    let digest = cap.finish();
    assert_eq!(digest.sha256, Some(crate::digest::sha256_hex(&bytes)));
    assert_eq!(digest.size, bytes.len() as u64);
}

/// A file that grows after it was hashed (a capture still being written) is parsed only as
/// far as it was hashed, so the packets read and the digest describe the same bytes.
#[test]
fn growing_file_is_read_as_hashed() {
    let scratch = Scratch::new("growing");
    let bytes = sample_pcapng();
    let path = scratch.0.join("x.pcapng");
    std::fs::write(&path, &bytes).unwrap();
    let mut cap = open(&path).unwrap();
    let mut more = Vec::new();
    epb(&mut more, 0, 0, &[7; 100], 100);
    std::io::Write::write_all(
        &mut std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap(),
        &more,
    )
    .unwrap();
    let mut n = 0;
    while cap.next_packet().is_some() {
        n += 1;
    }
    assert_eq!(n, 2000);
    assert!(cap.damage().is_none());
    let digest = cap.finish();
    assert_eq!(digest.sha256, Some(crate::digest::sha256_hex(&bytes)));
    assert_eq!(digest.size, bytes.len() as u64);
}

/// A file that is not a capture is refused from its first bytes, with the same reason as a
/// streamed one.
#[test]
fn regular_non_capture_is_refused() {
    let scratch = Scratch::new("refused");
    let path = scratch.0.join("x.pcap.xz");
    std::fs::write(&path, [0xfd, b'7', b'z', b'X', b'Z', 0, 1, 2, 3]).unwrap();
    match open(&path) {
        Err(OpenError::NotACapture { reason, .. }) => {
            assert!(reason.contains("`xz -d`"), "{reason}")
        }
        _ => panic!("accepted"),
    }
    let path = scratch.0.join("empty.pcap");
    std::fs::write(&path, []).unwrap();
    match open(&path) {
        Err(OpenError::NotACapture { reason, .. }) => assert_eq!(reason, "the file is empty"),
        _ => panic!("accepted"),
    }
}

/// A named pipe is opened once, read once, and hashed as it is read.
#[test]
fn named_pipe_is_read_once() {
    let scratch = Scratch::new("fifo");
    let path = scratch.0.join("pipe");
    let made = std::process::Command::new("mkfifo").arg(&path).status();
    if !made.is_ok_and(|s| s.success()) {
        eprintln!("no mkfifo: skipped");
        return;
    }
    let bytes = sample_pcapng();
    let writer = {
        let (path, bytes) = (path.clone(), bytes.clone());
        std::thread::spawn(move || std::fs::write(path, bytes).unwrap())
    };
    let mut cap = open(&path).unwrap();
    assert_eq!(cap.sha256_upfront(), None);
    let mut n = 0;
    while cap.next_packet().is_some() {
        n += 1;
    }
    writer.join().unwrap();
    assert_eq!(n, 2000);
    assert!(cap.damage().is_none());
    let digest = cap.finish();
    assert_eq!(digest.sha256, Some(crate::digest::sha256_hex(&bytes)));
    assert_eq!(digest.size, bytes.len() as u64);
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
