//! A read buffer that hands out records as slices of itself.
//!
//! Capture files are read in large chunks; a record that lies inside the chunk is returned as a
//! borrowed slice (no copy, no allocation). Only a record that straddles the end of a chunk is
//! moved to the front of the buffer before the next read. Every byte read is also fed to the
//! SHA-256 that identifies the input in the report, so a file is read exactly once.
//!
//! Hand-written rather than `pcap-file`'s readers: those copy each packet into an owned buffer or
//! need the whole file in memory, and they stop on the first bad record without telling us the
//! file offset, which the evidence report needs; and version 2.0 ignores pcapng's
//! `if_tsresol`, reading a microsecond interface's times as nanoseconds.

use super::{Damage, DamageKind};
use crate::digest::to_hex;
use sha2::{Digest as _, Sha256};
use std::io::{self, Read};

/// Bytes asked of the operating system per read. Large enough that a read costs little per
/// packet, small enough to stay in L2/L3 cache.
const CHUNK: usize = 1 << 20;
/// The buffer a read starts with, grown to `CHUNK` the first time it is used up: a small file
/// (a generated capture, a fuzz input, each of many small captures given to `check`) then costs
/// 64 KiB of zeroed memory instead of 1 MiB, and a large one grows once.
const FIRST_CHUNK: usize = 64 << 10;

pub struct Chunked<R> {
    inner: R,
    buf: Vec<u8>,
    /// First unconsumed byte of `buf`.
    start: usize,
    /// End of valid data in `buf`.
    end: usize,
    /// File offset of `buf[start]`.
    offset: u64,
    eof: bool,
    /// `None` when the input's digest is computed elsewhere (before reading).
    hasher: Option<Sha256>,
}

impl<R: Read> Chunked<R> {
    /// `hash`: feed every byte read to the SHA-256 that [`Self::finish`] reports.
    pub fn new(inner: R, hash: bool) -> Self {
        Chunked {
            inner,
            buf: vec![0; FIRST_CHUNK],
            start: 0,
            end: 0,
            offset: 0,
            eof: false,
            hasher: hash.then(Sha256::new),
        }
    }

    /// File offset of the next unconsumed byte.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// Make at least `n` unconsumed bytes available. Returns how many are available, which is
    /// less than `n` only at end of file. The caller bounds `n`.
    pub fn fill(&mut self, n: usize) -> io::Result<usize> {
        if self.end - self.start >= n || self.eof {
            return Ok(self.end - self.start);
        }
        if self.buf.len() - self.start < n {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
            if self.buf.len() < n.max(CHUNK) {
                self.buf.resize(n.max(CHUNK), 0);
            }
        }
        while self.end - self.start < n {
            // `end < start + n <= buf.len()` here; were it not, an empty buffer reads as the end.
            let free = self.buf.get_mut(self.end..).unwrap_or_default();
            let read = match self.inner.read(free) {
                Ok(0) => {
                    self.eof = true;
                    break;
                }
                Ok(read) => read,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if let Some(hasher) = &mut self.hasher {
                hasher.update(self.buf.get(self.end..self.end + read).unwrap_or_default());
            }
            self.end += read;
        }
        Ok(self.end - self.start)
    }

    /// Make the `n` bytes of a record available, the record that would hold packet `packet`.
    /// `Ok(false)` at a clean end of file (no byte of it present); damage when the file ends
    /// inside it (`what` names the record in the message, built only then: this runs per
    /// packet) or reading fails.
    pub fn fill_record(
        &mut self,
        n: usize,
        packet: u64,
        what: impl Fn() -> String,
    ) -> Result<bool, Damage> {
        let have = self
            .fill(n)
            .map_err(|e| self.damage(DamageKind::Io, packet, e.to_string()))?;
        match have {
            0 => Ok(false),
            have if have < n => Err(self.damage(
                DamageKind::Truncated,
                packet,
                format!(
                    "the file ends inside {}: {have} of {n} bytes present",
                    what()
                ),
            )),
            _ => Ok(true),
        }
    }

    /// Damage found in the record that starts at the current offset.
    pub fn damage(&self, kind: DamageKind, packet: u64, message: String) -> Damage {
        Damage::new(kind, self.offset, packet, message)
    }

    /// The unconsumed bytes made available by the last `fill`.
    pub fn available(&self) -> &[u8] {
        // `start <= end <= buf.len()` always holds.
        self.buf.get(self.start..self.end).unwrap_or_default()
    }

    /// Mark `n` bytes as used; `n` must not exceed what `fill` returned.
    pub fn consume(&mut self, n: usize) {
        let n = n.min(self.end - self.start);
        self.start += n;
        self.offset += n as u64;
    }

    /// Read the rest of the input (so the digest covers the whole file) and say what was read.
    pub fn finish(&mut self) -> Digest {
        let mut size = self.offset + (self.end - self.start) as u64;
        self.start = 0;
        self.end = 0;
        let mut error = None;
        loop {
            match self.inner.read(&mut self.buf) {
                Ok(0) => break,
                Ok(read) => {
                    if let Some(hasher) = &mut self.hasher {
                        hasher.update(self.buf.get(..read).unwrap_or_default());
                    }
                    size += read as u64;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    error = Some(e);
                    break;
                }
            }
        }
        self.eof = true;
        let digest = self.hasher.take().map(|h| to_hex(&h.finalize()));
        Digest {
            sha256: digest.filter(|_| error.is_none()),
            size,
            error,
        }
    }
}

/// What `finish` found: the file's SHA-256 (lower-case hex; `None` when the file could not be
/// read to its end, or was not hashed), the bytes read, and the read error if there was one.
#[derive(Debug)]
pub struct Digest {
    pub sha256: Option<String>,
    pub size: u64,
    pub error: Option<io::Error>,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader that hands out at most 3 bytes per call, to exercise refills.
    struct Trickle<'a>(&'a [u8]);
    impl Read for Trickle<'_> {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            let n = self.0.len().min(out.len()).min(3);
            out[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    #[test]
    fn records_across_reads_and_digest() {
        let data: Vec<u8> = (0..=255u8).cycle().take(10_000).collect();
        let mut c = Chunked::new(Trickle(&data), true);
        assert!(c.fill(10).unwrap() >= 10);
        assert_eq!(&c.available()[..10], &data[..10]);
        c.consume(10);
        assert_eq!(c.offset(), 10);
        assert!(c.fill(5000).unwrap() >= 5000);
        assert_eq!(&c.available()[..5000], &data[10..5010]);
        c.consume(5000);
        assert_eq!(c.fill(20_000).unwrap(), 4990);
        let digest = c.finish();
        assert_eq!(digest.size, 10_000);
        assert_eq!(digest.sha256, Some(to_hex(&Sha256::digest(&data))));
    }
}
