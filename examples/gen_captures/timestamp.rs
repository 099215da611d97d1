//! Timestamps (nanoseconds since the Unix epoch) and the resolutions files store them in.

const NS_PER_US: u64 = 1_000;
const NS_PER_MS: u64 = 1_000_000;
pub const NS_PER_S: u64 = 1_000_000_000;

/// 2026-03-02T09:00:00Z in nanoseconds since the Unix epoch; every capture starts near it.
pub const T0: u64 = 1_772_442_000 * NS_PER_S;

pub const fn us(n: u64) -> u64 {
    n * NS_PER_US
}

pub const fn ms(n: u64) -> u64 {
    n * NS_PER_MS
}

/// Timestamp resolution of a file (or of a pcapng interface).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Precision {
    Micro,
    Nano,
}

impl Precision {
    /// Sub-second units of a nanosecond timestamp, checking that no precision is lost.
    pub fn subsec_units(self, ts: u64) -> u64 {
        let nanos = ts % NS_PER_S;
        match self {
            Precision::Nano => nanos,
            Precision::Micro => {
                assert_eq!(nanos % NS_PER_US, 0, "µs capture given a ns timestamp");
                nanos / NS_PER_US
            }
        }
    }

    /// Whole timestamp in this resolution's units (pcapng's 64-bit timestamp).
    pub fn units(self, ts: u64) -> u64 {
        (ts / NS_PER_S)
            * match self {
                Precision::Micro => 1_000_000,
                Precision::Nano => NS_PER_S,
            }
            + self.subsec_units(ts)
    }

    pub fn label(self) -> &'static str {
        match self {
            Precision::Micro => "µs",
            Precision::Nano => "ns",
        }
    }
}

/// RFC 3339 UTC with as many fraction digits as the precision has (6 or 9).
pub fn rfc3339(ts: u64, precision: Precision) -> String {
    let secs = i64::try_from(ts / NS_PER_S).expect("timestamp fits in i64");
    let dt = time::OffsetDateTime::from_unix_timestamp(secs).expect("timestamp in range");
    let frac = match precision {
        Precision::Micro => format!("{:06}", precision.subsec_units(ts)),
        Precision::Nano => format!("{:09}", precision.subsec_units(ts)),
    };
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{frac}Z",
        dt.year(),
        u8::from(dt.month()),
        dt.day(),
        dt.hour(),
        dt.minute(),
        dt.second()
    )
}
