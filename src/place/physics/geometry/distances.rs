//! Every country's distance to every other, computed ahead (`geo/distances.bin`, written by
//! `examples/build_distances` from the embedded boundaries).
//!
//! A vantage given as a country (`--home SE`, the usual case) needs its distance to each
//! country it judges a claim or a bound against. Computed from the outlines these take about
//! 0.4 ms each, 100 ms for all of them: more than the rest of a run on a small capture, and a
//! tenth of one on a large capture whose addresses are spread over the world. The table holds
//! exactly the numbers the outlines give (the same code computed them, stored bit for bit), so
//! a run with it writes the same report as one without. A vantage given as coordinates is
//! measured from the outlines as it is asked ([`super::super::bounds::Reach`]).
//!
//! ```text
//! magic        8 bytes   "RESDST01"
//! boundaries   32 bytes  SHA-256 of the geo/boundaries.bin the table was computed from
//! count        u16 LE    countries, n
//! codes        2n bytes  ISO 3166-1 alpha-2, in the boundary file's order
//! distances    n·n f64 LE, row by row: from country i to country j, km; NaN: no distance
//! ```
//!
//! A table computed from other boundaries than the embedded ones is not used (a unit test
//! fails then: rerun `geo/build-distances`).

use super::Geometry;

/// The embedded table.
const DISTANCES: &[u8] = include_bytes!("../../../../geo/distances.bin");

/// The file's first bytes (format version 1).
pub const MAGIC: &[u8; 8] = b"RESDST01";

/// The length of the header before the codes.
const HEADER: usize = 8 + 32 + 2;

/// A distance table, checked against the boundary file it was computed from.
pub struct Distances<'a> {
    count: usize,
    codes: &'a [u8],
    rows: &'a [u8],
}

impl<'a> Distances<'a> {
    /// Reads a table computed from the boundary file whose SHA-256 is `boundaries` (raw
    /// bytes); `None` when it was computed from another, or is cut short. The same boundary
    /// file gives the same countries in the same order, so the geometry need not be decoded
    /// to use the table (a unit test checks the codes against it).
    pub fn read(bytes: &'a [u8], boundaries: &[u8; 32]) -> Option<Self> {
        let (magic, rest) = bytes.split_first_chunk::<8>()?;
        let (hash, rest) = rest.split_first_chunk::<32>()?;
        let (count, rest) = rest.split_first_chunk::<2>()?;
        if magic != MAGIC || hash != boundaries {
            return None;
        }
        let count = usize::from(u16::from_le_bytes(*count));
        let (codes, rows) = rest.split_at_checked(count * 2)?;
        if rows.len() != count * count * 8 || !codes.iter().all(u8::is_ascii_uppercase) {
            return None;
        }
        Some(Distances { count, codes, rows })
    }

    /// The countries, in the boundary file's order (by code).
    pub fn codes(&self) -> impl Iterator<Item = &'a str> + 'a {
        // Checked ASCII when read.
        self.codes
            .chunks_exact(2)
            .map(|c| std::str::from_utf8(c).unwrap_or("??"))
    }

    /// The distances from country `from` (an index into [`codes`](Self::codes)) to each
    /// country, in order.
    pub fn row(&self, from: usize) -> Option<impl Iterator<Item = Option<f64>> + 'a> {
        let start = from.checked_mul(self.count * 8)?;
        let row = self.rows.get(start..start + self.count * 8)?;
        Some(row.chunks_exact(8).map(|b| {
            let d = f64::from_le_bytes(b.try_into().unwrap_or([0xff; 8]));
            (!d.is_nan()).then_some(d)
        }))
    }
}

/// The embedded table, if it was computed from the embedded boundaries.
pub fn embedded() -> Option<Distances<'static>> {
    let hex = crate::digest::embedded_sha256("geo/boundaries.bin")?;
    Distances::read(DISTANCES, &unhex(hex)?)
}

/// 64 hex digits as 32 bytes.
pub fn unhex(hex: &str) -> Option<[u8; 32]> {
    let mut out = [0u8; 32];
    if hex.len() != 64 {
        return None;
    }
    for (o, pair) in out.iter_mut().zip(hex.as_bytes().chunks_exact(2)) {
        let s = std::str::from_utf8(pair).ok()?;
        *o = u8::from_str_radix(s, 16).ok()?;
    }
    Some(out)
}

/// Writes a table of `geometry`'s distances (for `examples/build_distances`): `distance(i, j)`
/// gives row i, column j.
pub fn write(
    geometry: &Geometry,
    boundaries: &[u8; 32],
    distance: impl Fn(usize, usize) -> Option<f64>,
) -> Vec<u8> {
    let n = geometry.len();
    let mut out = Vec::with_capacity(HEADER + 2 * n + 8 * n * n);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(boundaries);
    out.extend_from_slice(&u16::try_from(n).unwrap_or(u16::MAX).to_le_bytes());
    for i in 0..n {
        out.extend_from_slice(geometry.code_at(i).unwrap_or("??").as_bytes());
    }
    for i in 0..n {
        for j in 0..n {
            out.extend_from_slice(&distance(i, j).unwrap_or(f64::NAN).to_le_bytes());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::place::physics::geometry::Region;

    /// The shipped table is for the shipped boundaries (else: rerun `geo/build-distances`), and
    /// holds, bit for bit, what the outlines give.
    #[test]
    fn the_shipped_table_matches_the_outlines() {
        let geometry = Geometry::embedded();
        let table = embedded().expect(
            "geo/distances.bin is not for the embedded geo/boundaries.bin: run geo/build-distances",
        );
        assert!(
            table.codes().eq(geometry.codes()),
            "the table's countries are the geometry's"
        );
        for from in ["SE", "US", "AU"] {
            let i = geometry.index_of(from).unwrap();
            let region = Region::Country(from.into());
            for (j, d) in table.row(i).unwrap().enumerate() {
                let code = geometry.code_at(j).unwrap();
                let want = geometry.distance_km(&region, code);
                assert_eq!(
                    d.map(f64::to_bits),
                    want.map(f64::to_bits),
                    "{from} → {code}"
                );
            }
        }
    }

    #[test]
    fn a_table_for_other_boundaries_or_truncated_is_not_used() {
        let geometry = Geometry::embedded();
        let hash = unhex(crate::digest::embedded_sha256("geo/boundaries.bin").unwrap()).unwrap();
        let bytes = write(geometry, &hash, |i, j| Some((i * 1000 + j) as f64));
        let table = Distances::read(&bytes, &hash).unwrap();
        assert_eq!(table.row(1).unwrap().nth(2), Some(Some(1002.0)));
        assert!(table.row(geometry.len()).is_none());
        let mut other = hash;
        other[0] ^= 1;
        assert!(Distances::read(&bytes, &other).is_none());
        assert!(Distances::read(&bytes[..bytes.len() - 1], &hash).is_none());
        assert!(Distances::read(b"RESDST01", &hash).is_none());
        assert!(Distances::read(&[], &hash).is_none());
    }
}
