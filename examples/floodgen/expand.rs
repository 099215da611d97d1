//! `expand`: a large capture made of real ones. The inputs (pcap or pcapng) are merged in the
//! order given, each shifted in time to start 1 s after the previous one ended; then the
//! merged capture is written `copies` times, copy k shifted by k × (span + 1 s) and its
//! addresses remapped (`remap.rs`, `rewrite.rs`: copy 0 unchanged), so every copy holds new
//! flows to new addresses of the same kinds, with its DNS answers still naming them.
//!
//! Output: classic pcap when every input has the same link type (nanosecond timestamps when
//! an input had finer than microseconds, else microseconds), else pcapng with one interface
//! per link type, which OUT must then be named `.pcapng` for. The inputs are held in memory
//! (they are the small part); the output is written as it goes, to a temporary file renamed
//! into place when complete. Jumps in time over 2 h between two packets of an input are shortened
//! to 2 h (`shorten_gaps`).

use super::remap::Remap;
use super::rewrite::{Outcome, rewrite_frame};
use anyhow::{Context, Result, bail};
use pcap_file::pcap::{PcapHeader, PcapPacket, PcapReader, PcapWriter};
use pcap_file::pcapng::blocks::enhanced_packet::EnhancedPacketBlock;
use pcap_file::pcapng::blocks::interface_description::{
    InterfaceDescriptionBlock, InterfaceDescriptionOption,
};
use pcap_file::pcapng::{Block, PcapNgReader, PcapNgWriter};
use pcap_file::{DataLink, TsResolution};
use residency::output::AtomicFile;
use std::borrow::Cow;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// One packet of the merged input.
struct Frame {
    /// Nanoseconds since the epoch, after the input's shift.
    ns: u64,
    link: u32,
    orig_len: u32,
    data: Vec<u8>,
}

/// One input read.
struct Input {
    frames: Vec<Frame>,
    /// Finer than microseconds.
    nanos: bool,
    /// A read error that ended the file early.
    damage: Option<String>,
}

/// What `expand` did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Expanded {
    pub copies: u64,
    pub inputs: u64,
    pub packets: u64,
    /// Packets with at least one address (rewritten in every copy but the first).
    pub rewritten: u64,
    /// Packets whose link layer or IP header was not understood: copied unchanged.
    pub unparsed: u64,
    pub dns_addresses: u64,
    pub bytes: u64,
    pub span_ns: u64,
    pub pcapng: bool,
}

pub struct Options {
    pub copies: u64,
    pub seed: u64,
    pub out: PathBuf,
    pub inputs: Vec<PathBuf>,
}

pub fn expand(o: &Options) -> Result<Expanded> {
    if o.copies == 0 {
        bail!("--copies must be at least 1");
    }
    let mut frames: Vec<Frame> = Vec::new();
    let mut nanos = false;
    for path in &o.inputs {
        let input = read(path).with_context(|| format!("reading {}", path.display()))?;
        if let Some(e) = &input.damage {
            eprintln!(
                "{}: {e}; keeping the {} packets before it",
                path.display(),
                input.frames.len()
            );
        }
        nanos |= input.nanos;
        let mut input = input;
        shorten_gaps(&mut input.frames);
        let (Some(first), Some(prev_end)) = (
            input.frames.iter().map(|f| f.ns).min(),
            frames.iter().map(|f| f.ns).max(),
        ) else {
            frames.extend(input.frames);
            continue;
        };
        // Start 1 s after the previous input's last packet.
        let target = prev_end + 1_000_000_000;
        frames.extend(input.frames.into_iter().map(|mut f| {
            f.ns = f.ns - first + target;
            f
        }));
    }
    let (Some(t0), Some(t1)) = (
        frames.iter().map(|f| f.ns).min(),
        frames.iter().map(|f| f.ns).max(),
    ) else {
        bail!("the inputs hold no packets");
    };
    let mut links: Vec<u32> = Vec::new();
    for f in &frames {
        if !links.contains(&f.link) {
            links.push(f.link);
        }
    }
    let pcapng = links.len() > 1;
    let named_ng = o
        .out
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("pcapng"));
    if pcapng && !named_ng {
        bail!(
            "the inputs have {} link types ({links:?}): only pcapng holds them in one file; name the output .pcapng",
            links.len()
        );
    }
    let shift = t1 - t0 + 1_000_000_000;
    let file = AtomicFile::create(&o.out)?;
    let mut out = if pcapng || named_ng {
        let mut w = PcapNgWriter::new(file)?;
        for &l in &links {
            w.write_pcapng_block(InterfaceDescriptionBlock {
                linktype: DataLink::from(l),
                snaplen: 0,
                options: vec![InterfaceDescriptionOption::IfTsResol(if nanos {
                    9
                } else {
                    6
                })],
            })?;
        }
        Writer::Ng(w)
    } else {
        let header = PcapHeader {
            datalink: DataLink::from(links[0]),
            snaplen: 262_144,
            ts_resolution: if nanos {
                TsResolution::NanoSecond
            } else {
                TsResolution::MicroSecond
            },
            ..PcapHeader::default()
        };
        Writer::Pcap(PcapWriter::with_header(file, header)?)
    };
    let mut e = Expanded {
        copies: o.copies,
        inputs: o.inputs.len() as u64,
        span_ns: shift * o.copies - 1_000_000_000,
        pcapng: matches!(out, Writer::Ng(_)),
        ..Expanded::default()
    };
    let mut remap = Remap::new(o.seed);
    let mut buf = Vec::new();
    for copy in 0..o.copies {
        remap.set_copy(copy);
        for f in &frames {
            buf.clear();
            buf.extend_from_slice(&f.data);
            let mut dns = 0;
            match rewrite_frame(f.link, &mut buf, &mut remap, &mut dns) {
                Outcome::Rewritten => e.rewritten += u64::from(copy > 0),
                Outcome::NoAddress => {}
                Outcome::Unparsed => e.unparsed += 1,
            }
            e.dns_addresses += dns * u64::from(copy > 0);
            let ns = f.ns + copy * shift;
            match &mut out {
                Writer::Pcap(w) => {
                    w.write_packet(&PcapPacket {
                        timestamp: Duration::from_nanos(ns),
                        orig_len: f.orig_len,
                        data: Cow::Borrowed(&buf),
                    })?;
                }
                Writer::Ng(w) => {
                    let interface_id = links.iter().position(|&l| l == f.link).unwrap_or(0) as u32;
                    // pcap-file writes the timestamp's nanoseconds as the raw count of the
                    // interface's units (see `read_ng`).
                    let ticks = if nanos { ns } else { ns / 1_000 };
                    w.write_pcapng_block(EnhancedPacketBlock {
                        interface_id,
                        timestamp: Duration::from_nanos(ticks),
                        original_len: f.orig_len,
                        data: Cow::Borrowed(&buf),
                        options: vec![],
                    })?;
                }
            }
            e.packets += 1;
        }
    }
    let file = match out {
        Writer::Pcap(w) => w.into_writer(),
        Writer::Ng(w) => w.into_inner(),
    };
    file.commit()?;
    e.bytes = std::fs::metadata(&o.out)?.len();
    Ok(e)
}

/// Longest time between two consecutive packets of an input, either way (ns).
const MAX_GAP_NS: i128 = 2 * 3_600 * 1_000_000_000;

/// Shortens every jump in time between consecutive packets longer than [`MAX_GAP_NS`] to that
/// (forward or backward). Captures made for fuzzing carry junk timestamps years apart, which
/// would push the copies past what a 64-bit nanosecond clock holds; every default timeout of
/// residency is at most 1 h, so flows still end as they do in the original.
fn shorten_gaps(frames: &mut [Frame]) {
    let Some(first) = frames.first() else { return };
    let (mut prev_in, mut prev_out) = (i128::from(first.ns), i128::from(first.ns));
    for f in frames.iter_mut() {
        let t = i128::from(f.ns);
        let out = prev_out + (t - prev_in).clamp(-MAX_GAP_NS, MAX_GAP_NS);
        prev_in = t;
        prev_out = out;
        f.ns = u64::try_from(out.max(0)).unwrap_or(u64::MAX);
    }
}

enum Writer {
    Pcap(PcapWriter<AtomicFile>),
    Ng(PcapNgWriter<AtomicFile>),
}

fn read(path: &Path) -> Result<Input> {
    let mut file = BufReader::new(File::open(path)?);
    let mut magic = [0u8; 4];
    file.read_exact(&mut magic)
        .context("too short for a capture")?;
    let file = BufReader::new(File::open(path)?);
    if magic == [0x0a, 0x0d, 0x0d, 0x0a] {
        read_ng(file)
    } else {
        read_pcap(file)
    }
}

fn read_pcap(file: impl Read) -> Result<Input> {
    let mut r = PcapReader::new(file).context("not a pcap or pcapng file")?;
    let h = r.header();
    let link = u32::from(h.datalink);
    let mut input = Input {
        frames: Vec::new(),
        nanos: h.ts_resolution == TsResolution::NanoSecond,
        damage: None,
    };
    while let Some(p) = r.next_packet() {
        match p {
            Ok(p) => input.frames.push(Frame {
                ns: u64::try_from(p.timestamp.as_nanos()).unwrap_or(u64::MAX),
                link,
                orig_len: p.orig_len,
                data: p.data.into_owned(),
            }),
            Err(e) => {
                input.damage = Some(e.to_string());
                break;
            }
        }
    }
    Ok(input)
}

/// pcapng: pcap-file hands an Enhanced Packet's timestamp over as a `Duration` of that many
/// nanoseconds whatever the interface's `if_tsresol`; it is the raw count of units, converted
/// here.
fn read_ng(file: impl Read) -> Result<Input> {
    let mut r = PcapNgReader::new(file).context("not a pcapng file")?;
    // (link type, nanoseconds per unit as (multiplier, divisor), offset in seconds)
    let mut ifaces: Vec<(u32, u64, u64, u64)> = Vec::new();
    let mut input = Input {
        frames: Vec::new(),
        nanos: false,
        damage: None,
    };
    let mut last_ns = 0;
    while let Some(b) = r.next_block() {
        let b = match b {
            Ok(b) => b,
            Err(e) => {
                input.damage = Some(e.to_string());
                break;
            }
        };
        match b {
            Block::SectionHeader(_) => ifaces.clear(),
            Block::InterfaceDescription(idb) => {
                let (mut mul, mut div, mut offset) = (1_000, 1, 0);
                for o in &idb.options {
                    match o {
                        InterfaceDescriptionOption::IfTsResol(v) if v & 0x80 == 0 => {
                            let exp = u32::from(*v);
                            (mul, div) = if exp <= 9 {
                                (10u64.pow(9 - exp), 1)
                            } else {
                                (1, 10u64.saturating_pow(exp - 9))
                            };
                            input.nanos |= exp > 6;
                        }
                        InterfaceDescriptionOption::IfTsResol(v) => {
                            // 2^-n s: exact enough in nanoseconds for n ≤ 30.
                            let exp = u32::from(v & 0x7f).min(63);
                            (mul, div) = (1_000_000_000, 1u64 << exp);
                            input.nanos |= exp > 20;
                        }
                        InterfaceDescriptionOption::IfTsOffset(s) => offset = *s,
                        _ => {}
                    }
                }
                ifaces.push((u32::from(idb.linktype), mul, div, offset));
            }
            Block::EnhancedPacket(p) => {
                let Some(&(link, mul, div, offset)) = ifaces.get(p.interface_id as usize) else {
                    continue;
                };
                let ticks = p.timestamp.as_nanos();
                let ns =
                    ticks * u128::from(mul) / u128::from(div) + u128::from(offset) * 1_000_000_000;
                last_ns = u64::try_from(ns).unwrap_or(u64::MAX);
                input.frames.push(Frame {
                    ns: last_ns,
                    link,
                    orig_len: p.original_len,
                    data: p.data.into_owned(),
                });
            }
            Block::SimplePacket(p) => {
                // No timestamp: the previous packet's.
                if let Some(&(link, ..)) = ifaces.first() {
                    input.frames.push(Frame {
                        ns: last_ns,
                        link,
                        orig_len: p.original_len,
                        data: p.data.into_owned(),
                    });
                }
            }
            _ => {}
        }
    }
    Ok(input)
}
