//! `residency live` and `residency interfaces`: capture from a network interface.
//!
//! The options exist in every build so that `--help` shows them; the capture itself needs the
//! `live` feature (libpcap). Without it both commands say how to build one.

use super::args::{AnalysisArgs, GeoArgs, vantage_arg};
use clap::Args;
use residency::output::Rotate;
use residency::place::physics::vantage::Vantage;
use std::path::PathBuf;

#[derive(Args)]
pub struct LiveArgs {
    /// The capture device (see `residency interfaces`), e.g. the NIC on the mirror port.
    #[arg(long, short = 'i', value_name = "IF")]
    pub interface: String,
    /// Capture only what this BPF filter passes (tcpdump syntax, `man pcap-filter`).
    #[arg(long, value_name = "EXPR")]
    pub bpf: Option<String>,
    /// Bytes kept of each packet. The default keeps whole frames: a short one cuts TLS
    /// ClientHellos and certificates, where the names are.
    #[arg(long, value_name = "N", default_value_t = 262_144, value_parser = clap::value_parser!(u32).range(64..=262_144))]
    pub snaplen: u32,
    /// Put the interface in promiscuous mode (needed on a mirror port unless the interface
    /// is already promiscuous: `ip link set IF promisc on`).
    #[arg(long)]
    pub promisc: bool,
    /// The kernel capture buffer, MiB: room for bursts while flows are written out.
    #[arg(long, value_name = "N", default_value_t = 64, value_parser = clap::value_parser!(u32).range(1..=4096))]
    pub buffer_mb: u32,
    /// Stop by itself after this many seconds (by the sensor's clock).
    #[arg(long, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..))]
    pub duration: Option<u64>,
    /// Write the report so far to --json every SECS seconds (atomically: a reader always
    /// finds a whole report). It counts the flows ended so far and every destination held;
    /// it says `running` in `summary.incomplete`. The final report replaces it at the end.
    #[arg(long, value_name = "SECS", requires = "json", value_parser = clap::value_parser!(u64).range(1..))]
    pub report_every: Option<u64>,
    /// Print packet and flow rates, drops and estimated capture loss to standard error every
    /// SECS seconds (0: never).
    #[arg(long, value_name = "SECS", default_value_t = 10)]
    pub status_every: u64,
    /// Write the JSON evidence report to PATH when the capture stops (and with
    /// --report-every, the report so far while it runs).
    #[arg(long, value_name = "PATH")]
    pub json: Option<PathBuf>,
    /// Write one JSON record per flow, as each flow ends, to PATH (NDJSON in Elastic Common
    /// Schema names); rotated with --rotate.
    #[arg(long, value_name = "PATH")]
    pub flows: Option<PathBuf>,
    /// Keep the raw packets as pcapng at PATH while analysing (rotated with --rotate; each
    /// file's SHA-256 goes into the report and a manifest beside it).
    #[arg(long, value_name = "PATH")]
    pub write_pcap: Option<PathBuf>,
    /// Start new --flows and --write-pcap files by size (`100MB`, `1GiB`) or by capture time
    /// (`15m`, `1h`, `1d`; files then cover aligned windows, e.g. on the hour). Parts are
    /// named PATH with a sequence number before the extension (`flows-000001.ndjson`).
    #[arg(long, value_name = "SIZE|TIME", value_parser = rotate_arg)]
    pub rotate: Option<Rotate>,
    /// After opening the interface, drop root privileges and run as this user (and its
    /// group), as `tcpdump -Z` does. The output folders must be writable by it.
    #[arg(long, value_name = "NAME")]
    pub user: Option<String>,
    /// Where the sensor is, for the physics check of round-trip times (as for `analyze`).
    /// Default: the --home country.
    #[arg(long, value_name = "WHERE", value_parser = vantage_arg)]
    pub vantage: Option<Vantage>,
    #[command(flatten)]
    pub analysis: AnalysisArgs,
    #[command(flatten)]
    pub geo: GeoArgs,
}

/// `--rotate`: a wrong value is a usage error (exit 2) that says what is accepted.
fn rotate_arg(s: &str) -> Result<Rotate, String> {
    s.parse::<Rotate>().map_err(|e| e.to_string())
}

#[cfg(not(feature = "live"))]
const NO_LIVE: &str = "this build has no live capture; build it with `cargo build --release --features live` (needs libpcap: `apt-get install libpcap-dev`)";

#[cfg(not(feature = "live"))]
pub fn live_cmd(_: LiveArgs) -> anyhow::Result<u8> {
    eprintln!("residency: error: {NO_LIVE}");
    Ok(super::EXIT_USAGE)
}

#[cfg(not(feature = "live"))]
pub fn interfaces_cmd() -> anyhow::Result<u8> {
    eprintln!("residency: error: {NO_LIVE}");
    Ok(super::EXIT_USAGE)
}

#[cfg(feature = "live")]
pub use run::{interfaces_cmd, live_cmd};

#[cfg(feature = "live")]
#[path = "live_run.rs"]
mod run;
