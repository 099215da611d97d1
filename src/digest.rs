//! SHA-256 as lower-case hex: how the report names every file it rests on (captures, geo
//! databases, tables).
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::unreachable,
    clippy::todo,
    clippy::unimplemented
)]

use sha2::{Digest, Sha256};

/// Lower-case hex of a digest.
pub fn to_hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut hex = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        let _ = write!(hex, "{byte:02x}");
    }
    hex
}

/// SHA-256 of `data`, in lower-case hex.
pub fn sha256_hex(data: &[u8]) -> String {
    to_hex(&Sha256::digest(data))
}

/// A reader that hashes what passes through it: a report names the file it was made from
/// (the JSON report behind an HTML page, the two reports of a diff) without reading it twice.
pub struct HashingReader<R> {
    inner: R,
    hash: Sha256,
}

impl<R> HashingReader<R> {
    pub fn new(inner: R) -> HashingReader<R> {
        HashingReader {
            inner,
            hash: Sha256::new(),
        }
    }

    /// SHA-256 of what was read so far, in lower-case hex.
    pub fn sha256_hex(&self) -> String {
        to_hex(&self.hash.clone().finalize())
    }
}

impl<R: std::io::Read> std::io::Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        // A reader never returns more than it was given room for.
        self.hash.update(buf.get(..n).unwrap_or_default());
        Ok(n)
    }
}
