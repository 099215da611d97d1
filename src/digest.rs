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

include!(concat!(env!("OUT_DIR"), "/embedded_sha256.rs"));

/// SHA-256 of an embedded geo/ file (`file` as under the repository: `geo/legal.toml`),
/// computed by build.rs: hashing the embedded databases at every start would cost more than
/// reading a small capture, and make all their pages resident.
pub fn embedded_sha256(file: &str) -> Option<&'static str> {
    EMBEDDED_SHA256
        .iter()
        .find(|(f, _)| *f == file)
        .map(|(_, h)| *h)
}

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

#[cfg(test)]
mod tests {
    use super::*;

    /// build.rs hashed the same bytes the binary embeds.
    #[test]
    fn build_time_hashes_match_the_embedded_bytes() {
        let embedded: Vec<(&str, &[u8])> = crate::place::geo::EMBEDDED
            .iter()
            .map(|db| (db.file, db.bytes))
            .chain([
                ("geo/legal.toml", crate::place::legal::LEGAL_TOML.as_bytes()),
                (
                    "geo/providers.toml",
                    crate::place::providers::PROVIDERS_TOML.as_bytes(),
                ),
                (
                    "geo/regions.toml",
                    crate::place::region::REGIONS_TOML.as_bytes(),
                ),
                (
                    "geo/services.toml",
                    crate::services::SERVICES_TOML.as_bytes(),
                ),
                (
                    "geo/anycast.toml",
                    crate::place::physics::anycast::ANYCAST_TOML.as_bytes(),
                ),
            ])
            .collect();
        for (file, bytes) in &embedded {
            assert_eq!(
                embedded_sha256(file),
                Some(sha256_hex(bytes).as_str()),
                "{file}"
            );
        }
        // Every file in the table, against the repository's copy.
        for (file, hash) in EMBEDDED_SHA256 {
            let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
            let bytes = std::fs::read(&path).unwrap();
            assert_eq!(sha256_hex(&bytes), *hash, "{file}");
        }
        assert_eq!(EMBEDDED_SHA256.len(), 11);
        assert_eq!(embedded_sha256("geo/nothing"), None);
    }
}
