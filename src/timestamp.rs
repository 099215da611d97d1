//! Capture time. Every time in a report comes from packet headers, never from the wall clock.

use std::fmt;

/// A capture timestamp: nanoseconds since the Unix epoch (UTC).
///
/// i64 nanoseconds cover 1677–2262; capture formats that could express more are clamped by the
/// source readers and reported as damage there.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub i64);

impl Timestamp {
    pub const fn from_nanos(nanos: i64) -> Self {
        Timestamp(nanos)
    }

    pub const fn nanos(self) -> i64 {
        self.0
    }

    /// Nanoseconds from `earlier` to `self`; negative when the capture went backwards.
    pub const fn since(self, earlier: Timestamp) -> i64 {
        self.0.saturating_sub(earlier.0)
    }

    /// RFC 3339 in UTC with `digits` fractional digits (0..=9): `2020-04-16T12:54:32.419153Z`.
    pub fn rfc3339(self, digits: u8) -> String {
        Rfc3339(self, digits).to_string()
    }
}

/// Display adapter for [`Timestamp::rfc3339`].
pub struct Rfc3339(pub Timestamp, pub u8);

impl fmt::Display for Rfc3339 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let nanos = self.0.0;
        let secs = nanos.div_euclid(1_000_000_000);
        let frac = nanos.rem_euclid(1_000_000_000) as u32;
        let dt = match time::OffsetDateTime::from_unix_timestamp(secs) {
            Ok(dt) => dt,
            Err(_) => return write!(f, "invalid-time({nanos}ns)"),
        };
        write!(
            f,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
            dt.year(),
            u8::from(dt.month()),
            dt.day(),
            dt.hour(),
            dt.minute(),
            dt.second()
        )?;
        let digits = self.1.min(9);
        if digits > 0 {
            let scaled = frac / 10u32.pow(9 - u32::from(digits));
            write!(f, ".{:0width$}", scaled, width = usize::from(digits))?;
        }
        f.write_str("Z")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_with_capture_precision() {
        let t = Timestamp::from_nanos(1_587_041_672_419_153_000);
        assert_eq!(t.rfc3339(6), "2020-04-16T12:54:32.419153Z");
        assert_eq!(t.rfc3339(9), "2020-04-16T12:54:32.419153000Z");
        assert_eq!(t.rfc3339(0), "2020-04-16T12:54:32Z");
        assert_eq!(
            Timestamp::from_nanos(-1).rfc3339(9),
            "1969-12-31T23:59:59.999999999Z"
        );
    }
}
