//! Packets from capture files: pcap (µs and ns, both byte orders) and pcapng (several sections
//! and interfaces with their own link types, snap lengths and time resolutions).
//!
//! Readers stream the file once, hand out each packet as a slice of their read buffer and stop
//! at the first damage (a record cut short, a length that cannot be right), reporting where.
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::unreachable,
    clippy::todo,
    clippy::unimplemented
)]

mod chunk;
mod hashing;
mod link_type;
#[cfg(feature = "live")]
pub mod live;
mod pcap;
mod pcapng;

pub use chunk::Digest;
pub use hashing::Hasher;
pub use link_type::LinkType;

use crate::timestamp::Timestamp;
use chunk::Chunked;
use std::fmt;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Take};
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
    /// Packets from a network interface (`residency live`).
    Live,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Pcap => "pcap",
            Format::PcapNg => "pcapng",
            Format::Live => "live",
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
    /// A live capture failed (the interface went down or away): packets before it are read.
    Capture,
}

impl DamageKind {
    pub fn name(self) -> &'static str {
        match self {
            DamageKind::Truncated => "truncated",
            DamageKind::Corrupt => "corrupt",
            DamageKind::Io => "io",
            DamageKind::Capture => "capture",
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
///
/// The message names the input and says what to do; an operating-system error is the
/// [`source`](std::error::Error::source), not part of the message, so a report of the whole
/// chain (`anyhow`'s `{:#}`) shows it once.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("{path}: {}", io_advice(.source))]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("{path}: not a pcap or pcapng capture: {reason}")]
    NotACapture { path: PathBuf, reason: String },
}

/// What to tell the user about an input the operating system would not let us read.
fn io_advice(error: &io::Error) -> &'static str {
    match error.kind() {
        io::ErrorKind::NotFound => "cannot open (check the path)",
        io::ErrorKind::PermissionDenied => "cannot open (check its permissions)",
        io::ErrorKind::IsADirectory => "cannot read a directory (give the capture files in it)",
        _ => "cannot read",
    }
}

enum Inner<R> {
    Pcap(pcap::PcapReader<R>),
    PcapNg(pcapng::PcapNgReader<R>),
}

/// A capture file being read.
pub struct Capture<R> {
    inner: Inner<R>,
    damage: Option<Damage>,
    /// The whole input's digest when it was computed before the first packet (regular files
    /// opened with [`open`]); `None` when it is computed while reading.
    upfront: Option<Upfront>,
}

/// SHA-256 (lower-case hex) and size of an input taken before its first packet is read: the
/// hash computed then, or by a [`Hasher`] while the file is parsed.
#[derive(Debug)]
struct Upfront {
    sha256: hashing::Pending,
    size: u64,
}

/// An opened input: a file, a named pipe, a `/dev/fd/N` from `<(...)`, or standard input.
/// Read through [`Capture`]; it is opened once and read once (a regular file is read twice
/// through the same handle: once to hash it, then to parse it).
pub struct Input {
    file: Take<File>,
}

impl Read for Input {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.file.read(buf)
    }
}

/// Whether `path` means standard input (`-`), or standard output where an output path is
/// meant. A file named `-` is still reachable as `./-`.
pub fn is_stdin(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// Standard input as a file of its own (a duplicate of descriptor 0), so that it is read like
/// any other input and, when it is a regular file (`< x.pcap`), hashed before it is parsed.
#[cfg(unix)]
fn stdin_file() -> io::Result<File> {
    use std::os::fd::AsFd;
    Ok(File::from(io::stdin().as_fd().try_clone_to_owned()?))
}

#[cfg(windows)]
fn stdin_file() -> io::Result<File> {
    use std::os::windows::io::AsHandle;
    Ok(File::from(io::stdin().as_handle().try_clone_to_owned()?))
}

/// Open an input once and recognise its format from its first bytes; `-` is standard input.
///
/// Opening blocks the way opening any file does: a named pipe waits for its writer. A regular
/// file (also standard input redirected from one) is first read to its end through the same
/// handle to compute its SHA-256 ([`Capture::sha256_upfront`]), then rewound and parsed; only
/// the bytes hashed are parsed, so a file that grows meanwhile (a capture still being written)
/// is analysed as it was when hashed. Any other input (a pipe, `<(...)`, a terminal) is hashed
/// while it is read and its digest is known at [`Capture::finish`]. A file that is not a
/// capture is refused after its first bytes, before it is hashed.
pub fn open(path: &Path) -> Result<Capture<Input>, OpenError> {
    open_with(path, None)
}

/// [`open`], with a regular file hashed by `hasher` (when given) on a thread of its own while
/// it is parsed: its hash then arrives at [`Capture::finish`], or at [`Capture::wait_sha256`]
/// for a caller that needs it first. The file's size when opened bounds what is parsed and
/// hashed, so a file that grows meanwhile is analysed as it was then. Other inputs are as with
/// [`open`], and so is everything without a hasher. The input is opened once (a named pipe's
/// writer is never dropped and waited for again).
pub fn open_with(path: &Path, hasher: Option<&mut Hasher>) -> Result<Capture<Input>, OpenError> {
    let io_error = |source| OpenError::Io {
        path: path.to_owned(),
        source,
    };
    let mut file = if is_stdin(path) {
        stdin_file()
    } else {
        File::open(path)
    }
    .map_err(io_error)?;
    let meta = file.metadata().map_err(io_error)?;
    let upfront = match hasher {
        // The hasher reads from offset 0 through a handle of its own (`pread`, Unix only);
        // standard input redirected from a file may start elsewhere, so it is hashed first.
        Some(hasher) if meta.file_type().is_file() && cfg!(unix) && !is_stdin(path) => {
            let size = meta.len();
            Some(Upfront {
                sha256: hasher.submit(&file, size).map_err(io_error)?,
                size,
            })
        }
        _ if meta.file_type().is_file() => hash_upfront(&mut file, path)?,
        _ => None,
    };
    let input = Input {
        file: file.take(upfront.as_ref().map_or(u64::MAX, |u| u.size)),
    };
    let mut capture =
        Capture::build(input, upfront.is_none()).map_err(|e| header_error(path, e))?;
    capture.upfront = upfront;
    Ok(capture)
}

/// Hash a regular file from its current position to its end, then rewind to that position.
/// Reads it through [`Capture`], which checks the header first, so a file that is not a
/// capture is refused after its first chunk, without reading it all. `None` (hash while
/// parsing instead) when reading fails part-way: the reader then meets the error where it is
/// and reports the damage, as for any other input.
fn hash_upfront(file: &mut File, path: &Path) -> Result<Option<Upfront>, OpenError> {
    let io_error = |source| OpenError::Io {
        path: path.to_owned(),
        source,
    };
    let start = file.stream_position().map_err(io_error)?;
    let digest = Capture::new(&mut *file)
        .map_err(|e| header_error(path, e))?
        .finish();
    file.seek(SeekFrom::Start(start)).map_err(io_error)?;
    // Hashed as read, the digest is `None` exactly when reading failed part-way.
    Ok(digest.sha256.map(|sha256| Upfront {
        sha256: hashing::Pending::Done(Ok(sha256)),
        size: digest.size,
    }))
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
    Io(io::Error),
    Invalid(String),
}

impl<R: Read> Capture<R> {
    /// Recognise the format from the file header; the digest is computed while reading.
    pub fn new(reader: R) -> Result<Self, HeaderError> {
        Self::build(reader, true)
    }

    fn build(reader: R, hash: bool) -> Result<Self, HeaderError> {
        let mut chunked = Chunked::new(reader, hash);
        let have = chunked.fill(4).map_err(HeaderError::Io)?;
        if have < 4 {
            return Err(HeaderError::Invalid(if have == 0 {
                "the file is empty".into()
            } else {
                format!("the file is only {have} bytes long")
            }));
        }
        // `fill` returned at least 4 bytes.
        let magic: [u8; 4] = crate::wire::array(chunked.available(), 0).unwrap_or_default();
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
            upfront: None,
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

    /// Bytes of the input read and consumed so far (packets handed out included).
    pub fn offset(&self) -> u64 {
        match &self.inner {
            Inner::Pcap(r) => r.offset(),
            Inner::PcapNg(r) => r.offset(),
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

    /// The input's SHA-256 (lower-case hex), when it was computed before the first packet: a
    /// regular file opened with [`open`] (or with [`open_with`], once its hash has arrived).
    /// Equal to what [`Self::finish`] reports.
    pub fn sha256_upfront(&self) -> Option<&str> {
        self.upfront.as_ref().and_then(|u| u.sha256.ready())
    }

    /// [`Self::sha256_upfront`], waiting for a hash still being computed by a [`Hasher`].
    pub fn wait_sha256(&mut self) -> Option<&str> {
        self.upfront.as_mut().and_then(|u| u.sha256.wait().ok())
    }

    /// The input's size in bytes, when it was taken before reading (a regular file).
    pub fn size_upfront(&self) -> Option<u64> {
        self.upfront.as_ref().map(|u| u.size)
    }

    /// Read the rest of the file and return its SHA-256 (hex) and size. When the digest was
    /// computed up front, that digest, without reading further (waiting for it if a
    /// [`Hasher`] is still at it).
    pub fn finish(&mut self) -> Digest {
        if let Some(u) = &mut self.upfront {
            let size = u.size;
            return match u.sha256.wait() {
                Ok(hex) => Digest {
                    sha256: Some(hex.to_string()),
                    size,
                    error: None,
                },
                Err(e) => Digest {
                    sha256: None,
                    size,
                    error: Some(io::Error::other(format!("hashing the file: {e}"))),
                },
            };
        }
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
        // xz's magic is fd 37 7a 58 5a 00; lz4 frames start 04 22 4d 18 (legacy 02 21 4c 18);
        // bzip2 with "BZh" and the block size digit.
        [0xfd, b'7', b'z', b'X'] => " (an xz file: decompress it first, e.g. `xz -d` or `unxz`)",
        [0x04, 0x22, 0x4d, 0x18] | [0x02, 0x21, 0x4c, 0x18] => {
            " (an lz4 file: decompress it first, e.g. `lz4 -d`)"
        }
        [b'B', b'Z', b'h', b'1'..=b'9'] => {
            " (a bzip2 file: decompress it first, e.g. `bunzip2` or `bzip2 -d`)"
        }
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

/// Capture headers come in either byte order; their lengths are checked before these reads.
pub(crate) use crate::wire::{u16_at_or_zero as read_u16, u32_at_or_zero as read_u32};

#[cfg(test)]
mod tests;
