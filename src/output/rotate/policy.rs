//! `--rotate SIZE|TIME`: when a rotating output starts a new part.

use serde::Serialize;
use std::fmt;
use std::str::FromStr;

/// When a [`Rotating`](super::Rotating) output starts a new part.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rotate {
    /// One file at exactly the path given (unless [`reopen`](super::Rotating::reopen) ends it).
    Never,
    /// A new part before a record that would take the part past this many bytes (header
    /// included). A part always holds at least one record, so one record larger than the
    /// limit makes a part of its own that is larger than the limit.
    Size(u64),
    /// Parts cover aligned windows of capture time this many seconds long: multiples of the
    /// period since the Unix epoch (UTC), so hourly parts start on the hour and daily parts at
    /// midnight UTC. A new part starts at the first record in a later window.
    Time(u64),
}

/// The longest period: its nanoseconds must fit the capture clock (i64 ns, about 292 years).
pub const MAX_PERIOD_SECONDS: u64 = (i64::MAX / 1_000_000_000) as u64;

/// What is wrong with a `--rotate` value.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum RotateParseError {
    #[error("--rotate {0:?}: give a size such as 100MB or 1GiB, or a time such as 15m, 1h or 1d")]
    Syntax(String),
    #[error("--rotate {0:?}: the {1} must be more than 0")]
    Zero(String, &'static str),
    #[error("--rotate {0:?}: too large")]
    TooLarge(String),
}

impl Rotate {
    /// The window of capture time (in periods since the epoch) that `nanos` falls in, for
    /// [`Rotate::Time`]; `None` for the other policies.
    pub(crate) fn window(self, nanos: i64) -> Option<i64> {
        match self {
            Rotate::Time(seconds) => {
                // Parsing bounds the period to MAX_PERIOD_SECONDS; a caller that builds a
                // larger one gets a single window rather than an overflow.
                let period = i64::try_from(seconds)
                    .ok()
                    .and_then(|s| s.checked_mul(1_000_000_000))
                    .unwrap_or(i64::MAX);
                Some(nanos.div_euclid(period.max(1)))
            }
            Rotate::Never | Rotate::Size(_) => None,
        }
    }

    /// The policy as the manifest records it.
    pub fn manifest(self) -> RotateReport {
        match self {
            Rotate::Never => RotateReport {
                policy: "never",
                bytes: None,
                seconds: None,
            },
            Rotate::Size(bytes) => RotateReport {
                policy: "size",
                bytes: Some(bytes),
                seconds: None,
            },
            Rotate::Time(seconds) => RotateReport {
                policy: "time",
                bytes: None,
                seconds: Some(seconds),
            },
        }
    }
}

/// `{"policy": "size", "bytes": 104857600}`, `{"policy": "time", "seconds": 3600}` or
/// `{"policy": "never"}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RotateReport {
    pub policy: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bytes: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seconds: Option<u64>,
}

/// Size units: decimal (SI) and binary (IEC). Matched without regard to case, so `100mb` is
/// 100 MB; a size always ends in `B`, so that `m` stays minutes.
const SIZE_UNITS: [(&str, u64); 9] = [
    ("b", 1),
    ("kb", 1_000),
    ("mb", 1_000_000),
    ("gb", 1_000_000_000),
    ("tb", 1_000_000_000_000),
    ("kib", 1 << 10),
    ("mib", 1 << 20),
    ("gib", 1 << 30),
    ("tib", 1 << 40),
];

/// Time units, in seconds, matched without regard to case except that a lone `M` is refused
/// (minutes or megabytes?).
const TIME_UNITS: [(&str, u64); 7] = [
    ("s", 1),
    ("sec", 1),
    ("m", 60),
    ("min", 60),
    ("h", 3_600),
    ("d", 86_400),
    ("w", 604_800),
];

impl FromStr for Rotate {
    type Err = RotateParseError;

    /// `100MB`, `1GiB`, `500kB`, `15m`, `1h`, `1d`, `30s`, `1w`; `never` for [`Rotate::Never`].
    /// A whole number then a unit (case-insensitive), nothing between them but spaces.
    fn from_str(text: &str) -> Result<Rotate, RotateParseError> {
        let syntax = || RotateParseError::Syntax(text.to_owned());
        let trimmed = text.trim();
        if trimmed.eq_ignore_ascii_case("never") {
            return Ok(Rotate::Never);
        }
        let split = trimmed
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(trimmed.len());
        let (digits, unit) = trimmed.split_at(split);
        let unit = unit.trim_start();
        // `100M` could be minutes or megabytes: refused, as `100K` and `100G` are.
        if digits.is_empty() || unit.is_empty() || unit == "M" {
            return Err(syntax());
        }
        let unit = unit.to_ascii_lowercase();
        let number: u64 = digits
            .parse()
            .map_err(|_| RotateParseError::TooLarge(text.to_owned()))?;
        if let Some(&(_, scale)) = SIZE_UNITS.iter().find(|(name, _)| *name == unit) {
            if number == 0 {
                return Err(RotateParseError::Zero(text.to_owned(), "size"));
            }
            let bytes = number
                .checked_mul(scale)
                .ok_or_else(|| RotateParseError::TooLarge(text.to_owned()))?;
            return Ok(Rotate::Size(bytes));
        }
        let Some(&(_, scale)) = TIME_UNITS.iter().find(|(name, _)| *name == unit) else {
            return Err(syntax());
        };
        if number == 0 {
            return Err(RotateParseError::Zero(text.to_owned(), "period"));
        }
        match number.checked_mul(scale) {
            Some(seconds) if seconds <= MAX_PERIOD_SECONDS => Ok(Rotate::Time(seconds)),
            _ => Err(RotateParseError::TooLarge(text.to_owned())),
        }
    }
}

impl fmt::Display for Rotate {
    /// `never`, `104857600B`, `3600s`: a form [`Rotate::from_str`] reads back.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rotate::Never => f.write_str("never"),
            Rotate::Size(bytes) => write!(f, "{bytes}B"),
            Rotate::Time(seconds) => write!(f, "{seconds}s"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Rotate, RotateParseError> {
        text.parse()
    }

    #[test]
    fn sizes_decimal_and_binary() {
        assert_eq!(parse("100MB"), Ok(Rotate::Size(100_000_000)));
        assert_eq!(parse("1GiB"), Ok(Rotate::Size(1_073_741_824)));
        assert_eq!(parse("500kB"), Ok(Rotate::Size(500_000)));
        assert_eq!(parse("64 KiB"), Ok(Rotate::Size(65_536)));
        assert_eq!(parse("2TB"), Ok(Rotate::Size(2_000_000_000_000)));
        assert_eq!(parse("4096B"), Ok(Rotate::Size(4096)));
        assert_eq!(parse("100mb"), Ok(Rotate::Size(100_000_000)));
    }

    #[test]
    fn times() {
        assert_eq!(parse("15m"), Ok(Rotate::Time(900)));
        assert_eq!(parse("1h"), Ok(Rotate::Time(3600)));
        assert_eq!(parse("1d"), Ok(Rotate::Time(86_400)));
        assert_eq!(parse("30s"), Ok(Rotate::Time(30)));
        assert_eq!(parse("2w"), Ok(Rotate::Time(1_209_600)));
        assert_eq!(parse("10min"), Ok(Rotate::Time(600)));
        assert_eq!(parse("never"), Ok(Rotate::Never));
    }

    #[test]
    fn refusals_say_what_to_give() {
        for bad in ["", "MB", "100", "100M", "1.5GB", "-1h", "1y", "h1"] {
            let err = parse(bad).expect_err(bad);
            assert!(matches!(err, RotateParseError::Syntax(_)), "{bad}: {err:?}");
            assert!(err.to_string().contains("100MB or 1GiB"), "{err}");
        }
        assert_eq!(
            parse("0h").expect_err("zero").to_string(),
            "--rotate \"0h\": the period must be more than 0"
        );
        assert!(matches!(parse("0MB"), Err(RotateParseError::Zero(..))));
        assert!(matches!(
            parse("20000000TiB"),
            Err(RotateParseError::TooLarge(_))
        ));
        assert!(matches!(
            parse("99999999999999999999999s"),
            Err(RotateParseError::TooLarge(_))
        ));
        assert!(matches!(
            parse("1000000000w"),
            Err(RotateParseError::TooLarge(_))
        ));
    }

    #[test]
    fn display_reads_back() {
        for rotate in [Rotate::Never, Rotate::Size(1_000_000), Rotate::Time(3600)] {
            assert_eq!(parse(&rotate.to_string()), Ok(rotate));
        }
    }

    #[test]
    fn windows_are_aligned_to_the_epoch() {
        let hour = Rotate::Time(3600);
        let ns = |s: i64| s * 1_000_000_000;
        // 2020-04-16T12:00:00Z is 1587038400.
        assert_eq!(hour.window(ns(1_587_038_400)), Some(440_844));
        assert_eq!(hour.window(ns(1_587_041_999) + 999_999_999), Some(440_844));
        assert_eq!(hour.window(ns(1_587_042_000)), Some(440_845));
        assert_eq!(hour.window(-1), Some(-1));
        assert_eq!(Rotate::Size(10).window(5), None);
        assert_eq!(Rotate::Time(u64::MAX).window(ns(1_587_038_400)), Some(0));
    }
}
