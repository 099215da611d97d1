//! The `residency` command line: a thin layer over the library (the subcommands are in
//! `src/cli/`).

mod cli;

use anyhow::Result;
use clap::{Parser, Subcommand};
use cli::EXIT_OK;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "residency",
    version,
    about = "Where does our data go? Evidence from packet captures."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Analyse capture files (pcap, pcapng): flows, destinations, evidence report.
    ///
    /// Exit status: 0 complete; 3 partial (an input is truncated or corrupt; the report covers
    /// it up to the damage); 4 interrupted by SIGINT/SIGTERM (the outputs cover what was read);
    /// 1 error (nothing analysed); 2 usage error.
    Analyze(Box<cli::analyze::AnalyzeArgs>),
    /// Place IP addresses and look up host names: country, ASN, provider, the law that controls
    /// it, the zone, the anycast flag and the catalog's services; for a name, its service,
    /// the anycast flag and the region the name declares.
    ///
    /// Uses the same databases and tables as `analyze`. Exit status: 0 ok; 1 error; 2 usage
    /// error (e.g. a word that is neither an IP address nor a host name).
    Lookup(cli::lookup::LookupArgs),
    /// Capture from a network interface (a mirror/SPAN port) and analyse as it goes: the
    /// same flows, names and placements as `analyze`, with libpcap's drop counters, an
    /// estimate of capture loss, periodic reports, rotated outputs and the raw packets kept.
    ///
    /// Needs a build with the `live` feature (`cargo build --release --features live`) and
    /// the right to capture (root, or CAP_NET_RAW and CAP_NET_ADMIN). Exit status: 0 stopped
    /// by --duration, SIGINT or SIGTERM, every packet captured; 3 the kernel or the interface
    /// dropped packets (the report's numbers are lower bounds); 1 error (the outputs written
    /// so far are kept); 2 usage error.
    Live(Box<cli::live::LiveArgs>),
    /// Compare two JSON reports of the same site, before and after a change: new and
    /// vanished destinations, services and providers, bytes that moved between zones and
    /// jurisdictions, verdicts that changed (docs/diff.md).
    ///
    /// Reports made by other tool versions, with other geo data or tables, or other settings
    /// are compared with a warning naming each difference; a report of an unknown schema is
    /// refused. Exit status: 0 compared (also when they differ, unless --exit-code); 5 they
    /// differ and --exit-code was given; 1 error (unreadable report, unknown schema); 2 usage
    /// error.
    Diff(cli::diff::DiffArgs),
    /// Merge the reports of several sites, sensors or runs into one whose totals are the sums
    /// (schema `residency.merge/1`, docs/merge.md).
    ///
    /// Every report and every input is listed; remote destinations are counted once across
    /// reports. A capture in two reports (the same SHA-256) is refused, as its flows would be
    /// counted twice. Exit status: 0 merged, every report complete; 3 merged, but a report is
    /// incomplete (damaged input, interrupted, dropped packets); 1 error (unreadable report,
    /// unknown schema, a capture in two reports); 2 usage error.
    Merge(cli::merge::MergeArgs),
    /// Check reports or captures against a policy (TOML): a gate for CI and audits.
    ///
    /// Each input (a JSON report of `analyze --json`, or a capture analysed in-process with the
    /// options below) is checked on its own; the exit status is the worst: 0 every rule holds;
    /// 4 a rule is violated; 3 no rule violated but an input is incomplete (damaged,
    /// interrupted); 1 error (the policy or an input could not be read or checked); 2 usage
    /// error. docs/policy.md.
    Check(Box<cli::check::CheckArgs>),
    /// List the capture devices `live` can use, with their addresses and state.
    Interfaces,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        // A reader that stopped reading (`residency analyze x.pcap | head`) is not an error.
        Err(e) if is_broken_pipe_chain(&e) => ExitCode::from(EXIT_OK),
        Err(e) => {
            eprintln!("residency: error: {e:#}");
            ExitCode::from(cli::EXIT_ERROR)
        }
    }
}

fn is_broken_pipe_chain(e: &anyhow::Error) -> bool {
    e.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

fn run(cli: Cli) -> Result<u8> {
    match cli.command {
        Command::Analyze(args) => cli::analyze::analyze_cmd(*args),
        Command::Lookup(args) => cli::lookup::lookup_cmd(args),
        Command::Live(args) => cli::live::live_cmd(*args),
        Command::Diff(args) => cli::diff::diff_cmd(args),
        Command::Merge(args) => cli::merge::merge_cmd(args),
        Command::Check(args) => cli::check::check_cmd(*args),
        Command::Interfaces => cli::live::interfaces_cmd(),
    }
}
