//! Packets from capture files: pcap (µs and ns, both byte orders) and pcapng (several sections
//! and interfaces with their own link types, snap lengths and time resolutions).
//!
//! Readers stream the file once, hand out each packet as a slice of their read buffer and stop
//! at the first damage (a record cut short, a length that cannot be right), reporting where.

mod chunk;
mod link_type;
mod pcap;
mod pcapng;

pub use chunk::Digest;
pub use link_type::LinkType;

use crate::timestamp::Timestamp;
use chunk::Chunked;
use std::fmt;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

/// The largest record accepted. Far above any link-layer frame (64 KiB IP packets, 256 KiB
/// GRO/TSO aggregates, 9 KiB jumbo frames); a length beyond it means the file is corrupt, and
/// trusting it would let one bad header allocate gigabytes.
pub const MAX_RECORD: usize = 16 << 20;

/// One packet, borrowed from the reader's buffer until the next call.
#[derive(Clone, Copy, Debug)]
pub struct Packet<'a> {
    /// Capture time.
    pub ts: Timestamp,
    pub link_type: LinkType,
    /// The captured bytes (possibly cut to the snap length).
    pub data: &'a [u8],
    /// The packet's length on the wire.
    pub wire_len: u32,
    /// 1-based position in the file, as Wireshark numbers frames.
    pub number: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Pcap,
    PcapNg,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Pcap => "pcap",
            Format::PcapNg => "pcapng",
        }
    }
}

/// What stopped a reader before the end of its file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Damage {
    pub kind: DamageKind,
    /// File offset where the damaged record starts.
    pub offset: u64,
    /// The number the next packet would have had.
    pub packet: u64,
    pub message: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DamageKind {
    /// The file ends inside a record.
    Truncated,
    /// A header holds values that cannot be right; nothing after it can be trusted.
    Corrupt,
    /// The operating system failed to read the file.
    Io,
}

impl DamageKind {
    pub fn name(self) -> &'static str {
        match self {
            DamageKind::Truncated => "truncated",
            DamageKind::Corrupt => "corrupt",
            DamageKind::Io => "io",
        }
    }
}

impl Damage {
    pub fn new(kind: DamageKind, offset: u64, packet: u64, message: String) -> Self {
        Damage {
            kind,
            offset,
            packet,
            message,
        }
    }
}

impl fmt::Display for Damage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} at byte {} (packet {}): {}",
            self.kind.name(),
            self.offset,
            self.packet,
            self.message
        )
    }
}

/// Errors that keep a file from being read at all.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("{path}: cannot open: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: not a pcap or pcapng capture: {reason}")]
    NotACapture { path: PathBuf, reason: String },
}

enum Inner<R> {
    Pcap(pcap::PcapReader<R>),
    PcapNg(pcapng::PcapNgReader<R>),
}

/// A capture file being read.
pub struct Capture<R> {
    inner: Inner<R>,
    damage: Option<Damage>,
}

/// Open a capture file, recognising its format from the first bytes.
pub fn open(path: &Path) -> Result<Capture<File>, OpenError> {
    let file = File::open(path).map_err(|source| OpenError::Io {
        path: path.to_owned(),
        source,
    })?;
    Capture::new(file).map_err(|e| header_error(path, e))
}

/// Name the input in a header error.
pub fn header_error(path: &Path, error: HeaderError) -> OpenError {
    match error {
        HeaderError::Io(source) => OpenError::Io {
            path: path.to_owned(),
            source,
        },
        HeaderError::Invalid(reason) => OpenError::NotACapture {
            path: path.to_owned(),
            reason,
        },
    }
}

/// Why a file header could not be read.
#[derive(Debug)]
pub enum HeaderError {
    Io(std::io::Error),
    Invalid(String),
}

impl<R: Read> Capture<R> {
    /// Recognise the format from the file header.
    pub fn new(reader: R) -> Result<Self, HeaderError> {
        let mut chunked = Chunked::new(reader);
        let have = chunked.fill(4).map_err(HeaderError::Io)?;
        if have < 4 {
            return Err(HeaderError::Invalid(if have == 0 {
                "the file is empty".into()
            } else {
                format!("the file is only {have} bytes long")
            }));
        }
        let magic = [
            chunked.available()[0],
            chunked.available()[1],
            chunked.available()[2],
            chunked.available()[3],
        ];
        let inner = if magic == pcapng::SHB_TYPE.to_le_bytes() {
            Inner::PcapNg(pcapng::PcapNgReader::new(chunked)?)
        } else if pcap::Magic::recognise(magic).is_some() {
            Inner::Pcap(pcap::PcapReader::new(chunked)?)
        } else {
            return Err(HeaderError::Invalid(describe_magic(magic)));
        };
        Ok(Capture {
            inner,
            damage: None,
        })
    }

    pub fn format(&self) -> Format {
        match self.inner {
            Inner::Pcap(_) => Format::Pcap,
            Inner::PcapNg(_) => Format::PcapNg,
        }
    }

    /// The next packet, or `None` at the end of the file or after damage (see [`Self::damage`]).
    pub fn next_packet(&mut self) -> Option<Packet<'_>> {
        if self.damage.is_some() {
            return None;
        }
        let result = match &mut self.inner {
            Inner::Pcap(r) => r.next_packet(),
            Inner::PcapNg(r) => r.next_packet(),
        };
        match result {
            Ok(packet) => packet,
            Err(damage) => {
                self.damage = Some(damage);
                None
            }
        }
    }

    /// What stopped reading early, if anything did.
    pub fn damage(&self) -> Option<&Damage> {
        self.damage.as_ref()
    }

    /// Link types seen so far, in order of first appearance.
    pub fn link_types(&self) -> Vec<LinkType> {
        match &self.inner {
            Inner::Pcap(r) => vec![r.link_type()],
            Inner::PcapNg(r) => r.link_types().to_vec(),
        }
    }

    /// Fractional digits of the finest timestamp resolution in the file (6 = µs, 9 = ns).
    pub fn precision_digits(&self) -> u8 {
        match &self.inner {
            Inner::Pcap(r) => r.precision_digits(),
            Inner::PcapNg(r) => r.precision_digits(),
        }
    }

    /// Records that were skipped without stopping the reader (e.g. a packet block naming an
    /// interface that was never described).
    pub fn invalid_records(&self) -> u64 {
        match &self.inner {
            Inner::Pcap(_) => 0,
            Inner::PcapNg(r) => r.invalid_records(),
        }
    }

    /// Read the rest of the file and return its SHA-256 (hex) and size.
    pub fn finish(&mut self) -> Digest {
        match &mut self.inner {
            Inner::Pcap(r) => r.chunked_mut().finish(),
            Inner::PcapNg(r) => r.chunked_mut().finish(),
        }
    }
}

/// Say what a file that is not a capture looks like, so the user knows what they gave us.
fn describe_magic(magic: [u8; 4]) -> String {
    let hex = format!(
        "{:02x} {:02x} {:02x} {:02x}",
        magic[0], magic[1], magic[2], magic[3]
    );
    let guess = match magic {
        [0x1f, 0x8b, ..] => " (a gzip file: decompress it first, e.g. `gunzip`)",
        [0x28, 0xb5, 0x2f, 0xfd] => " (a zstd file: decompress it first, e.g. `zstd -d`)",
        [b'P', b'K', 3, 4] => " (a zip archive: extract the capture first)",
        [0xd4, 0xc3, 0xb2, 0xa1] | [0xa1, 0xb2, 0xc3, 0xd4] => "",
        m if m
            .iter()
            .all(|b| b.is_ascii_graphic() || b.is_ascii_whitespace()) =>
        {
            " (text)"
        }
        _ => "",
    };
    format!(
        "it starts with {hex}{guess}; a pcap file starts with a1 b2 c3 d4 or a1 b2 3c 4d \
         (either byte order) and a pcapng file with 0a 0d 0d 0a"
    )
}

/// Reads a little- or big-endian integer at `at`; the caller has checked the length.
pub(crate) fn read_u32(bytes: &[u8], at: usize, big_endian: bool) -> u32 {
    let b = [bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]];
    if big_endian {
        u32::from_be_bytes(b)
    } else {
        u32::from_le_bytes(b)
    }
}

pub(crate) fn read_u16(bytes: &[u8], at: usize, big_endian: bool) -> u16 {
    let b = [bytes[at], bytes[at + 1]];
    if big_endian {
        u16::from_be_bytes(b)
    } else {
        u16::from_le_bytes(b)
    }
}

#[cfg(test)]
mod tests;
