//! The boundary file format (`geo/boundaries.bin`, written by `examples/build_boundaries`).
//!
//! All integers are unsigned LEB128 varints unless said otherwise; signed ones are zigzag-coded.
//!
//! ```text
//! magic        8 bytes  "RESBND01"
//! scale_x      f64 LE   degrees of longitude per grid step
//! scale_y      f64 LE   degrees of latitude per grid step
//! origin_x     f64 LE   longitude of grid x = 0
//! origin_y     f64 LE   latitude of grid y = 0
//! countries    varint   count, then for each country, in strictly increasing code order:
//!   code       2 bytes  ISO 3166-1 alpha-2, A–Z
//!   rings      varint   count (at least 1), then for each ring:
//!     points   varint   count (at least 2; the last point repeats the first)
//!     x, y     zigzag   per point: grid steps from the previous point (the first from 0, 0)
//! ```
//!
//! The grid is the quantisation of the source TopoJSON, kept as is, so shared borders decode
//! to the very same coordinates in both neighbours.

use super::GeometryError;

/// The file's first bytes (format version 1).
pub(super) const MAGIC: &[u8; 8] = b"RESBND01";

/// A decoded country: its code and rings of (lat, lon) in degrees.
pub(super) struct RawCountry {
    pub code: String,
    pub rings: Vec<Vec<(f64, f64)>>,
}

/// Bounds on counts read from the file, so a corrupt count fails instead of allocating wildly:
/// far above the data's (about 250 countries, 4,000 rings in one country, 16,000 points in one
/// ring).
const MAX_COUNTRIES: u64 = 1_000;
const MAX_RINGS: u64 = 100_000;
const MAX_POINTS: u64 = 1_000_000;

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Result<&[u8], GeometryError> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.bytes.len());
        let end = end.ok_or(GeometryError::Truncated(self.pos))?;
        let s = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(s)
    }

    fn f64(&mut self) -> Result<f64, GeometryError> {
        let mut b = [0u8; 8];
        b.copy_from_slice(self.take(8)?);
        Ok(f64::from_le_bytes(b))
    }

    fn varint(&mut self) -> Result<u64, GeometryError> {
        let start = self.pos;
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.take(1)?[0];
            v |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(GeometryError::Invalid(start, "varint longer than 64 bits"))
    }

    fn count(&mut self, max: u64, what: &'static str) -> Result<usize, GeometryError> {
        let at = self.pos;
        let n = self.varint()?;
        if n > max {
            return Err(GeometryError::Invalid(at, what));
        }
        usize::try_from(n).map_err(|_| GeometryError::Invalid(at, what))
    }

    fn zigzag(&mut self) -> Result<i64, GeometryError> {
        let v = self.varint()?;
        Ok(((v >> 1) as i64) ^ -((v & 1) as i64))
    }
}

/// Decodes the whole file; every check that does not need geometry happens here.
pub(super) fn decode(bytes: &[u8]) -> Result<Vec<RawCountry>, GeometryError> {
    let mut r = Reader { bytes, pos: 0 };
    if r.take(8)? != MAGIC {
        return Err(GeometryError::Invalid(
            0,
            "not a residency boundary file (magic)",
        ));
    }
    let (sx, sy, ox, oy) = (r.f64()?, r.f64()?, r.f64()?, r.f64()?);
    if ![sx, sy, ox, oy].iter().all(|v| v.is_finite()) {
        return Err(GeometryError::Invalid(8, "grid transform is not finite"));
    }
    let n = r.count(MAX_COUNTRIES, "country count out of range")?;
    let mut countries: Vec<RawCountry> = Vec::with_capacity(n);
    for _ in 0..n {
        let at = r.pos;
        let code = r.take(2)?;
        if !code.iter().all(u8::is_ascii_uppercase) {
            return Err(GeometryError::Invalid(
                at,
                "country code is not two letters A-Z",
            ));
        }
        let code = String::from_utf8_lossy(code).into_owned();
        if countries.last().is_some_and(|c| c.code >= code) {
            return Err(GeometryError::Invalid(
                at,
                "country codes not strictly increasing",
            ));
        }
        let rings = r.count(MAX_RINGS, "ring count out of range")?;
        if rings == 0 {
            return Err(GeometryError::Invalid(at, "country without rings"));
        }
        let mut out = Vec::with_capacity(rings);
        for _ in 0..rings {
            let at = r.pos;
            let points = r.count(MAX_POINTS, "point count out of range")?;
            if points < 2 {
                return Err(GeometryError::Invalid(at, "ring with fewer than 2 points"));
            }
            let (mut x, mut y) = (0i64, 0i64);
            let mut ring = Vec::with_capacity(points);
            for _ in 0..points {
                let at = r.pos;
                x = x
                    .checked_add(r.zigzag()?)
                    .ok_or(GeometryError::Invalid(at, "x overflows"))?;
                y = y
                    .checked_add(r.zigzag()?)
                    .ok_or(GeometryError::Invalid(at, "y overflows"))?;
                let (lon, lat) = (x as f64 * sx + ox, y as f64 * sy + oy);
                // The grid spans -180..180 exactly; allow rounding in its last bits.
                if !(-90.000_001..=90.000_001).contains(&lat)
                    || !(-180.000_001..=180.000_001).contains(&lon)
                {
                    return Err(GeometryError::Invalid(at, "point off the globe"));
                }
                ring.push((lat.clamp(-90.0, 90.0), lon.clamp(-180.0, 180.0)));
            }
            if ring.first() != ring.last() {
                return Err(GeometryError::Invalid(at, "ring not closed"));
            }
            out.push(ring);
        }
        countries.push(RawCountry { code, rings: out });
    }
    if r.pos != bytes.len() {
        return Err(GeometryError::Invalid(r.pos, "trailing bytes"));
    }
    Ok(countries)
}
