//! Seed corpora for the fuzz targets (`tests/fuzz/`), cut from real captures: each target
//! starts from inputs of the shape it parses instead of finding the formats by coverage alone.
//!
//! ```text
//! cargo run --example fuzz_seeds -- OUT_DIR CAPTURE...
//! ```
//!
//! Writes `OUT_DIR/TARGET/<hash>` for the targets that take protocol payloads:
//! * `decode`: whole frames, with the two leading bytes the target reads (the link type's index
//!   in its list, and 0 bytes cut off);
//! * `dns`: UDP payloads to or from port 53 or 5353, and each direction of a TCP/53 stream;
//! * `tls`: each direction of TCP flows whose first payload byte is a TLS handshake record (22);
//! * `http`: client streams that start with an HTTP method;
//! * `quic`: a UDP/443 flow's client datagrams, each behind the 2-byte length the target reads;
//! * `stun`: UDP payloads with the STUN magic cookie, TURN ChannelData, STUN over TCP streams;
//! * `tables`: the shipped TOML tables and example policies behind the selector byte the target
//!   reads (0 catalog, 1 policy, 2 legal table, 3 providers table).
//!
//! Deterministic: files are named by the SHA-256 of their bytes (as libFuzzer names its
//! corpus), and the same captures give the same files. Payload order within a stream is the
//! capture's, not reassembled: seeds need the shape, not a perfect stream.

use residency::decode::{Transport, decode};
use residency::digest::sha256_hex;
use residency::source::{self, LinkType};
use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The link types the `decode` fuzz target picks from by index (`LinkType::DECODED`).
const LINKS: [LinkType; 14] = LinkType::DECODED;

/// Frames taken per capture for `decode`: the first ones show every layer the file has.
const FRAMES_PER_CAPTURE: usize = 64;
/// Bytes kept of one stream direction, and the fuzz runs' `-max_len`.
const MAX_SEED: usize = 65_536;
/// Datagrams kept of one QUIC flow: the Initials and what follows them.
const QUIC_DATAGRAMS: usize = 8;
/// Seeds kept per target and capture: enough variety, a corpus that loads in seconds.
const PER_CAPTURE: usize = 48;

const STUN_COOKIE: [u8; 4] = [0x21, 0x12, 0xa4, 0x42];
const METHODS: [&[u8]; 7] = [
    b"GET ",
    b"POST ",
    b"HEAD ",
    b"PUT ",
    b"CONNECT ",
    b"OPTIONS ",
    b"DELETE ",
];

type Key = (u8, IpAddr, u16, IpAddr, u16);

#[derive(Default)]
struct Seeds {
    /// Target → seeds (a BTreeMap of hash → bytes: deduplicated and in a fixed order).
    by_target: BTreeMap<&'static str, BTreeMap<String, Vec<u8>>>,
}

impl Seeds {
    fn add(&mut self, target: &'static str, bytes: Vec<u8>) {
        if bytes.is_empty() {
            return;
        }
        let name = sha256_hex(&bytes)[..40].to_string();
        self.by_target
            .entry(target)
            .or_default()
            .insert(name, bytes);
    }
}

/// One direction of a flow, as seen in the capture.
#[derive(Default)]
struct Stream {
    bytes: Vec<u8>,
    datagrams: Vec<Vec<u8>>,
}

fn main() -> ExitCode {
    let args: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    let Some((out, captures)) = args.split_first() else {
        eprintln!("usage: cargo run --example fuzz_seeds -- OUT_DIR CAPTURE...");
        return ExitCode::from(2);
    };
    let mut seeds = Seeds::default();
    for path in captures {
        if let Err(e) = from_capture(path, &mut seeds) {
            eprintln!("fuzz_seeds: {}: {e} (skipped)", path.display());
        }
    }
    tables(&mut seeds);
    match write(out, &seeds) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("fuzz_seeds: {}: {e}", out.display());
            ExitCode::FAILURE
        }
    }
}

fn from_capture(path: &Path, seeds: &mut Seeds) -> Result<(), String> {
    let mut capture = source::open(path).map_err(|e| e.to_string())?;
    let mut found = Seeds::default();
    let mut streams: BTreeMap<Key, Stream> = BTreeMap::new();
    let mut frames = 0;
    while let Some(packet) = capture.next_packet() {
        if frames < FRAMES_PER_CAPTURE
            && let Some(index) = LINKS.iter().position(|l| *l == packet.link_type)
        {
            let mut seed = vec![index as u8, 0];
            seed.extend_from_slice(packet.data);
            found.add("decode", seed);
            frames += 1;
        }
        let Ok(d) = decode(packet.link_type, packet.data, 0) else {
            continue;
        };
        match d.transport {
            Transport::Udp {
                src_port,
                dst_port,
                payload,
            } if !payload.is_empty() => {
                let ports = [src_port, dst_port];
                if ports.contains(&53) || ports.contains(&5353) {
                    found.add("dns", payload.to_vec());
                }
                if payload.get(4..8) == Some(&STUN_COOKIE[..])
                    || payload.first().is_some_and(|b| (0x40..0x80).contains(b))
                {
                    found.add("stun", payload.to_vec());
                }
                let stream = streams
                    .entry((17, d.src, src_port, d.dst, dst_port))
                    .or_default();
                if stream.datagrams.len() < QUIC_DATAGRAMS {
                    stream.datagrams.push(payload.to_vec());
                }
            }
            Transport::Tcp {
                src_port,
                dst_port,
                payload,
                ..
            } if !payload.is_empty() => {
                let stream = streams
                    .entry((6, d.src, src_port, d.dst, dst_port))
                    .or_default();
                let room = MAX_SEED.saturating_sub(stream.bytes.len());
                stream
                    .bytes
                    .extend_from_slice(&payload[..payload.len().min(room)]);
            }
            _ => {}
        }
    }
    for ((proto, _, src_port, _, dst_port), stream) in streams {
        let ports = [src_port, dst_port];
        if proto == 17 && dst_port == 443 {
            let mut seed = Vec::new();
            for datagram in &stream.datagrams {
                let len = datagram.len().min(usize::from(u16::MAX));
                seed.extend_from_slice(&(len as u16).to_be_bytes());
                seed.extend_from_slice(&datagram[..len]);
            }
            found.add("quic", seed);
            continue;
        }
        if proto != 6 {
            continue;
        }
        let bytes = stream.bytes;
        if ports.contains(&53) {
            found.add("dns", bytes.clone());
        }
        if bytes.first() == Some(&22) {
            found.add("tls", bytes.clone());
        }
        if METHODS.iter().any(|m| bytes.starts_with(m)) {
            found.add("http", bytes.clone());
        }
        if bytes.get(4..8) == Some(&STUN_COOKIE[..]) {
            found.add("stun", bytes);
        }
    }
    for (target, all) in found.by_target {
        for (_, bytes) in all.into_iter().take(PER_CAPTURE) {
            seeds.add(target, bytes);
        }
    }
    Ok(())
}

/// The project's own tables and policies, behind the `tables` target's selector byte.
fn tables(seeds: &mut Seeds) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<(u8, PathBuf)> = vec![
        (0, root.join("geo/services.toml")),
        (2, root.join("geo/legal.toml")),
        (3, root.join("geo/providers.toml")),
    ];
    if let Ok(dir) = std::fs::read_dir(root.join("docs/policies")) {
        let mut policies: Vec<PathBuf> = dir.filter_map(|e| e.ok().map(|e| e.path())).collect();
        policies.sort();
        files.extend(policies.into_iter().map(|p| (1, p)));
    }
    for (selector, path) in files {
        if let Ok(text) = std::fs::read(&path) {
            let mut seed = vec![selector];
            seed.extend_from_slice(&text[..text.len().min(MAX_SEED - 1)]);
            seeds.add("tables", seed);
        }
    }
}

fn write(out: &Path, seeds: &Seeds) -> std::io::Result<()> {
    for (target, all) in &seeds.by_target {
        let dir = out.join(target);
        std::fs::create_dir_all(&dir)?;
        for (name, bytes) in all {
            std::fs::write(dir.join(name), bytes)?;
        }
        println!("{target}: {} seeds", all.len());
    }
    Ok(())
}
