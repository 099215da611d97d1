//! `analyze --stats`: how fast this run went, on standard error. Wall-clock figures of this
//! machine and this moment, so they are never part of a report (reports depend only on the
//! capture): packets and bytes per second, and the time each packet took, as an
//! HdrHistogram's p50, p99, p99.9 and maximum.
//!
//! A packet's time is from the end of the previous packet's processing to the end of its own:
//! reading its record (a refill of the read buffer now and then), decoding it, the flow table
//! and the first-packet stages, and the flows it ended handed to the outputs. The end of the
//! run (closing every flow still open, judging and writing out every address) is timed apart.

use hdrhistogram::Histogram;
use residency::analyze::Progress;
use std::io::{self, Write};
use std::time::{Duration, Instant};

/// Significant digits kept by the histogram: 3 gives 0.1% resolution at any magnitude.
const SIGNIFICANT_DIGITS: u8 = 3;

pub struct RunStats {
    started: Instant,
    /// Nanoseconds per packet.
    per_packet: Option<Histogram<u64>>,
    /// End of the previous packet (None between inputs).
    last: Option<Instant>,
    /// Time spent reading inputs, bytes and packets read.
    reading: Duration,
    bytes: u64,
    packets: u64,
    /// Bytes of the input being read, at its previous packet.
    input_bytes: u64,
    closing: Option<Duration>,
}

impl RunStats {
    pub fn new() -> RunStats {
        RunStats {
            started: Instant::now(),
            per_packet: Histogram::new(SIGNIFICANT_DIGITS).ok(),
            last: None,
            reading: Duration::ZERO,
            bytes: 0,
            packets: 0,
            input_bytes: 0,
            closing: None,
        }
    }

    /// An input starts being read.
    pub fn input(&mut self) {
        self.last = Some(Instant::now());
        self.input_bytes = 0;
    }

    /// A packet was handled; `read` is the input's progress after it.
    pub fn packet(&mut self, read: &Progress) {
        let now = Instant::now();
        if let Some(last) = self.last {
            let took = now.duration_since(last);
            self.reading += took;
            if let Some(h) = &mut self.per_packet {
                // Saturating: a packet cannot take 584 years.
                let _ = h.record(u64::try_from(took.as_nanos()).unwrap_or(u64::MAX));
            }
        }
        self.last = Some(now);
        self.packets += 1;
        self.bytes += read.bytes.saturating_sub(self.input_bytes);
        self.input_bytes = read.bytes;
    }

    /// Time the end of the run (closing flows, writing out addresses) from now.
    pub fn closing(&mut self) -> Instant {
        self.last = None;
        Instant::now()
    }

    pub fn closed(&mut self, since: Instant) {
        self.closing = Some(since.elapsed());
    }

    /// The figures, one paragraph.
    pub fn print(&self, out: &mut impl Write) -> io::Result<()> {
        let total = self.started.elapsed();
        let secs = self.reading.as_secs_f64();
        let rate = |n: u64| if secs > 0.0 { n as f64 / secs } else { 0.0 };
        writeln!(
            out,
            "residency: stats: {} packets, {:.1} MB read in {:.3} s: {:.0} packets/s, {:.1} MB/s",
            self.packets,
            self.bytes as f64 / 1e6,
            secs,
            rate(self.packets),
            rate(self.bytes) / 1e6,
        )?;
        if let Some(h) = self.per_packet.as_ref().filter(|h| !h.is_empty()) {
            let us = |ns: u64| ns as f64 / 1e3;
            writeln!(
                out,
                "residency: stats: per packet p50 {:.2} µs, p99 {:.2} µs, p99.9 {:.2} µs, max {:.1} µs, mean {:.2} µs",
                us(h.value_at_quantile(0.5)),
                us(h.value_at_quantile(0.99)),
                us(h.value_at_quantile(0.999)),
                us(h.max()),
                h.mean() / 1e3,
            )?;
        }
        writeln!(
            out,
            "residency: stats: end of run (closing open flows, writing out addresses) {:.3} s; whole run {:.3} s",
            self.closing.unwrap_or_default().as_secs_f64(),
            total.as_secs_f64(),
        )
    }
}
