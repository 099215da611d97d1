//! The `residency` command line: a thin layer over the library.

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand};
use ipnet::IpNet;
use residency::analyze::{self, Analyzer, DEFAULT_MAX_FLOWS, Options, Sink};
use residency::flow::{Inside, Timeouts};
use residency::names::resolve::PtrConfig;
use residency::output::{EXIT_INTERRUPTED, Interrupt, Output, is_broken_pipe, refuse_inputs};
use residency::place::Placer;
use residency::place::addresses::DEFAULT_MAX_ADDRESSES;
use residency::place::geo::GeoSet;
use residency::place::physics::Physics;
use residency::place::physics::vantage::{self, Vantage};
use residency::report;
use residency::report::ecs::NdjsonSink;
use residency::report::json::JsonReport;
use residency::services::Catalog;
use residency::source::{self, is_stdin};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

/// Exit status: the report covers every input completely.
const EXIT_OK: u8 = 0;
/// Exit status: nothing was analysed (bad file, unreadable input, I/O error on output).
const EXIT_ERROR: u8 = 1;
/// Exit status: a report was written, but at least one input was truncated or corrupt; it
/// covers each such file up to the damage (see `inputs[].errors`).
const EXIT_PARTIAL: u8 = 3;
/// Exit status: the command line is wrong (clap uses it too).
const EXIT_USAGE: u8 = 2;
// EXIT_INTERRUPTED (4): SIGINT/SIGTERM stopped the reading; the outputs are complete files
// covering what was read (see `residency::output`).

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
    Analyze(Box<AnalyzeArgs>),
    /// Place IP addresses and look up host names: country, ASN, provider, the law that controls
    /// it, the zone, the anycast flag and the catalog's services; for a name, its service,
    /// the anycast flag and the region the name declares.
    ///
    /// Uses the same databases and tables as `analyze`. Exit status: 0 ok; 1 error; 2 usage
    /// error (e.g. a word that is neither an IP address nor a host name).
    Lookup(LookupArgs),
}

#[derive(Args)]
struct GeoArgs {
    /// A MaxMind DB file to consult before the embedded ones (repeatable; earlier wins):
    /// MaxMind GeoLite2/GeoIP2 Country, City, ASN; IPinfo Lite, Country, ASN; DB-IP.
    /// The layout is recognised from the file.
    #[arg(long, value_name = "PATH")]
    geo: Vec<PathBuf>,
    /// Consult only the `--geo` files, not the databases embedded in residency.
    #[arg(long)]
    no_embedded_geo: bool,
    /// The home country (ISO 3166-1 alpha-2, e.g. SE): destinations there get zone `home`,
    /// and the report counts what left it.
    #[arg(long, value_name = "CC", value_parser = country_code)]
    home: Option<String>,
}

/// `--home`: an ISO 3166-1 alpha-2 code, any case; a wrong one is a usage error (exit 2).
fn country_code(s: &str) -> Result<String, String> {
    let code = s.trim().to_ascii_uppercase();
    if residency::place::countries::Countries::embedded().is_code(&code) {
        Ok(code)
    } else {
        Err("not an ISO 3166-1 alpha-2 country code (e.g. SE, DE, IE)".to_string())
    }
}

impl GeoArgs {
    fn placer(&self) -> Result<Placer> {
        let geo = GeoSet::open(&self.geo, !self.no_embedded_geo)?;
        Ok(Placer::new(geo, self.home.as_deref())?)
    }
}

#[derive(Args)]
struct LookupArgs {
    /// IP addresses or host names (`-` = one per line on standard input; blank lines and `#`
    /// comments skipped).
    #[arg(required = true, value_name = "IP|NAME")]
    ips: Vec<String>,
    /// Write a JSON array to PATH (`-` = stdout) instead of the table.
    #[arg(long, value_name = "PATH")]
    json: Option<PathBuf>,
    /// A service catalog to use instead of the embedded one (same format as
    /// geo/services.toml).
    #[arg(long, value_name = "PATH")]
    services: Option<PathBuf>,
    #[command(flatten)]
    geo: GeoArgs,
}

#[derive(Args)]
struct AnalyzeArgs {
    /// Capture files, analysed in order as one stream (`-` = standard input); files given
    /// different --vantage values are different sites and never share a flow.
    #[arg(required = true, value_name = "CAPTURE")]
    captures: Vec<PathBuf>,
    /// Write the JSON evidence report to PATH (`-` = stdout, which then carries only JSON).
    /// Written to a temporary file beside PATH and renamed into place when complete.
    #[arg(long, value_name = "PATH")]
    json: Option<PathBuf>,
    /// Write one JSON record per flow, as each flow ends, to PATH (NDJSON in Elastic Common
    /// Schema names; `-` = stdout).
    #[arg(long, value_name = "PATH")]
    flows: Option<PathBuf>,
    /// Write the same per-flow records as one Parquet file to PATH (flat typed columns named
    /// as the NDJSON fields; a row group per 32,768 flows). Needs a build with the `parquet`
    /// feature: `cargo build --release --features parquet`.
    #[arg(long, value_name = "PATH")]
    parquet: Option<PathBuf>,
    /// A local network of the capture point (repeatable). Replaces the default: RFC 1918,
    /// RFC 4193, link-local, 100.64.0.0/10 and loopback.
    #[arg(long, value_name = "CIDR")]
    inside: Vec<IpNet>,
    /// Seconds without packets after which a TCP flow has ended.
    #[arg(long, value_name = "SECS", default_value_t = Timeouts::default().tcp_idle,
          value_parser = at_least_one_second)]
    tcp_idle_timeout: u64,
    /// Seconds a TCP flow stays open after FIN both ways or RST (a new SYN opens a new flow).
    #[arg(long, value_name = "SECS", default_value_t = Timeouts::default().tcp_close,
          value_parser = at_least_one_second)]
    tcp_close_timeout: u64,
    /// Seconds without packets after which a UDP flow has ended.
    #[arg(long, value_name = "SECS", default_value_t = Timeouts::default().udp_idle,
          value_parser = at_least_one_second)]
    udp_idle_timeout: u64,
    /// Seconds without packets after which a flow of another protocol has ended.
    #[arg(long, value_name = "SECS", default_value_t = Timeouts::default().other_idle,
          value_parser = at_least_one_second)]
    other_idle_timeout: u64,
    /// Most flows held open at once; beyond it the least recently seen are closed early
    /// (counted as evicted in the report).
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_FLOWS, value_parser = at_least_one)]
    max_flows: usize,
    /// Most remote addresses held at once in the per-address table; beyond it the least
    /// recently seen are written out early (counted in the report; an address seen again gets
    /// another entry, its next `part`).
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_ADDRESSES, value_parser = at_least_one)]
    max_addresses: usize,
    /// Remote destinations listed in the terminal summary.
    #[arg(long, value_name = "N", default_value_t = 10)]
    top: usize,
    /// A service catalog to use instead of the embedded one (same format as
    /// geo/services.toml; the report names it and its SHA-256).
    #[arg(long, value_name = "PATH")]
    services: Option<PathBuf>,
    /// Look up reverse DNS (PTR) names for remote destinations the capture does not name.
    /// Off by default: the answers come from outside the capture (the report labels them with
    /// the resolver and the time), so a report made with it is not reproducible.
    #[arg(long)]
    resolve: bool,
    /// The resolver `--resolve` asks (IP or IP:PORT); default: the system's (/etc/resolv.conf).
    #[arg(long, value_name = "ADDR", value_parser = resolver_addr, requires = "resolve")]
    resolver: Option<std::net::SocketAddr>,
    /// Seconds to wait for each reverse lookup.
    #[arg(long, value_name = "SECS", default_value_t = 2, requires = "resolve")]
    resolve_timeout: u64,
    /// Where the capture was taken, for the physics check of round-trip times: an ISO country
    /// code (SE), a city of the shipped list (Stockholm, "London, GB"), or LAT,LON in
    /// degrees (59.33,18.07). Give it once for all files, or once per file in their order
    /// (captures from several sites). Default: the --home country.
    #[arg(long, value_name = "WHERE", value_parser = vantage_arg)]
    vantage: Vec<Vantage>,
    #[command(flatten)]
    geo: GeoArgs,
}

/// `--vantage`: a wrong value is a usage error (exit 2) that says what is accepted.
fn vantage_arg(s: &str) -> Result<Vantage, String> {
    vantage::parse(s).map_err(|e| e.to_string())
}

/// A count that must be at least 1 (`--max-flows 0` would hold no flow).
fn at_least_one(s: &str) -> Result<usize, String> {
    match s.trim().parse::<usize>() {
        Ok(n) if n >= 1 => Ok(n),
        Ok(_) => Err("must be at least 1".to_string()),
        Err(_) => Err("not a whole number".to_string()),
    }
}

/// A timeout in seconds, at least 1 (a timeout of 0 would end every flow at its next packet).
fn at_least_one_second(s: &str) -> Result<u64, String> {
    match s.trim().parse::<u64>() {
        Ok(n) if n >= 1 => Ok(n),
        Ok(_) => Err("must be at least 1 second".to_string()),
        Err(_) => Err("not a whole number of seconds".to_string()),
    }
}

/// `--resolver`: an IP address, with an optional port (default 53).
fn resolver_addr(s: &str) -> Result<std::net::SocketAddr, String> {
    if let Ok(ip) = s.parse::<std::net::IpAddr>() {
        return Ok(std::net::SocketAddr::new(ip, 53));
    }
    s.parse().map_err(|_| {
        "not an IP address or IP:PORT (e.g. 192.0.2.53, [2001:db8::53]:5353)".to_string()
    })
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        // A reader that stopped reading (`residency analyze x.pcap | head`) is not an error.
        Err(e) if is_broken_pipe_chain(&e) => ExitCode::from(EXIT_OK),
        Err(e) => {
            eprintln!("residency: error: {e:#}");
            ExitCode::from(EXIT_ERROR)
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
        Command::Analyze(args) => analyze_cmd(*args),
        Command::Lookup(args) => lookup_cmd(args),
    }
}

fn analyze_cmd(args: AnalyzeArgs) -> Result<u8> {
    // SIGINT/SIGTERM from here on stop the reading and finish the outputs.
    let interrupt = Interrupt::install()?;
    // Geo data first: a bad --geo file or --home fails before a long capture is read.
    let placer = args.geo.placer()?;
    let physics = match Physics::new(
        args.vantage.clone(),
        args.captures.len(),
        placer.home.as_deref(),
    ) {
        Ok(p) => p,
        Err(e @ residency::place::physics::PhysicsError::VantageCount { .. }) => {
            eprintln!("residency: error: {e}");
            return Ok(EXIT_USAGE);
        }
        Err(e) => return Err(e.into()),
    };
    if args.captures.iter().filter(|p| is_stdin(p)).count() > 1 {
        eprintln!("residency: error: `-` (standard input) can be given once");
        return Ok(EXIT_USAGE);
    }
    let options = Options {
        inside: if args.inside.is_empty() {
            Inside::default_nets()
        } else {
            Inside::new(args.inside.clone())
        },
        timeouts: Timeouts {
            tcp_idle: args.tcp_idle_timeout,
            tcp_close: args.tcp_close_timeout,
            udp_idle: args.udp_idle_timeout,
            other_idle: args.other_idle_timeout,
        },
        max_flows: args.max_flows,
        max_addresses: args.max_addresses,
        // One site per vantage: captures from different places never share a flow.
        sites: (0..args.captures.len())
            .map(|i| {
                let input = u32::try_from(i).unwrap_or(u32::MAX);
                physics
                    .vantage_of(input)
                    .and_then(|v| u32::try_from(v).ok())
                    .unwrap_or(0)
            })
            .collect(),
    };
    let catalog = match &args.services {
        Some(path) => {
            Catalog::from_file(path).with_context(|| format!("--services {}", path.display()))?
        }
        None => Catalog::embedded().context("the embedded service catalog")?,
    };
    // Outputs: never an input, and opened before anything is read (a missing folder fails
    // now, not after an hour of reading).
    let inputs: Vec<&Path> = args
        .captures
        .iter()
        .filter(|p| !is_stdin(p))
        .map(PathBuf::as_path)
        .collect();
    let mut named: Vec<(&str, &Path)> = Vec::new();
    if let Some(p) = &args.json {
        named.push(("--json", p));
    }
    if let Some(p) = &args.flows {
        named.push(("--flows", p));
    }
    if let Some(p) = &args.parquet {
        if !cfg!(feature = "parquet") {
            eprintln!(
                "residency: error: this build has no Parquet support (--parquet); build it with `cargo build --release --features parquet`"
            );
            return Ok(EXIT_USAGE);
        }
        named.push(("--parquet", p));
    }
    refuse_inputs(&named, &inputs)?;
    let stdout_taken = named.iter().any(|(_, p)| is_stdin(p));
    if named.iter().filter(|(_, p)| is_stdin(p)).count() > 1 {
        eprintln!("residency: error: only one output can go to standard output (`-`)");
        return Ok(EXIT_USAGE);
    }
    let mut json = match &args.json {
        Some(p) => Some(Output::open(p)?),
        None => None,
    };
    let mut flows = match &args.flows {
        Some(p) => Some(Output::open(p)?),
        None => None,
    };
    let mut parquet = match &args.parquet {
        Some(p) => Some(Output::open(p)?),
        None => None,
    };
    // Inputs: each opened once, all before reading (a missing file fails now); a regular
    // file is hashed as it is opened, so every record can name its input's SHA-256.
    let mut opened = Vec::with_capacity(args.captures.len());
    for path in &args.captures {
        opened.push(source::open(path)?);
    }
    let ctx = analyze::Context {
        options: &options,
        placer: &placer,
        physics: &physics,
        catalog: &catalog,
        judge_per_flow: flows.is_some() || parquet.is_some(),
        resolve: args.resolve.then(|| PtrConfig {
            server: args.resolver,
            timeout: Duration::from_secs(args.resolve_timeout.max(1)),
        }),
    };
    let mut analyzer = Analyzer::new(ctx, args.top);
    let head = report::record::head(&options, &placer, &catalog);
    // The sinks borrow the outputs: they all end inside this block, before the outputs are
    // finished.
    let (report, interrupted, open, mut closed) = {
        let mut outs = Outs {
            json: match json.as_mut() {
                Some(out) => {
                    Some(JsonReport::start(out, &head).map_err(|e| output_error(&args.json, e))?)
                }
                None => None,
            },
            ndjson: flows.as_mut().map(NdjsonSink::new),
            parquet: match parquet.as_mut() {
                Some(out) => Some(parquet_sink(out).map_err(|e| output_error(&args.parquet, e))?),
                None => None,
            },
            closed: false,
            terminal: !stdout_taken,
        };
        let mut interrupted = None;
        let mut stop = || {
            interrupt
                .requested()
                .map(|s| analyze::Stop::Interrupted(s.name()))
        };
        for (path, capture) in args.captures.iter().zip(opened) {
            // A signal that came while a read was blocked, or between inputs.
            if let Some(analyze::Stop::Interrupted(signal)) = stop() {
                interrupted = Some(signal);
                break;
            }
            let sha256 = capture.sha256_upfront().map(str::to_string);
            // The same bytes given twice (a file and a copy, or one file named twice) would count
            // every packet twice.
            if let Some(of) = sha256.as_deref().and_then(|s| {
                analyzer
                    .inputs()
                    .iter()
                    .position(|i| i.sha256.as_deref() == Some(s))
            }) {
                analyzer.skip_duplicate(path, &capture, of);
                continue;
            }
            let read = analyzer.read(path, sha256.as_deref(), capture, &mut outs, &mut stop);
            match read {
                Ok(None) => {}
                Ok(Some(analyze::Stop::Interrupted(signal))) => {
                    interrupted = Some(signal);
                    break;
                }
                // Every output's reader went away: nothing left to write.
                Err(e) if is_broken_pipe(&e) => break,
                Err(e) => return Err(e).context("writing the outputs"),
            }
        }
        // A signal during the last read (a pipe that went quiet, then ended) still counts: the
        // user asked the run to stop.
        interrupted = interrupted.or_else(|| interrupt.requested().map(|s| s.name()));
        let partial = analyzer.inputs().iter().any(|i| i.damage.is_some());
        let report = match analyzer.finish(&mut outs, interrupted) {
            Ok(r) => r,
            Err(e) if is_broken_pipe(&e) => return Ok(exit_for(interrupted, partial)),
            Err(e) => return Err(e).context("writing the outputs"),
        };
        // The sinks end here (their borrows of the outputs with them); the outputs are finished
        // after.
        let (open, closed) = {
            let Outs {
                json: json_sink,
                ndjson: ndjson_sink,
                parquet: parquet_sink,
                mut closed,
                terminal: _,
            } = outs;
            // An output whose sink was dropped (its reader went away) is not finished below.
            let open = [
                json_sink.is_some(),
                ndjson_sink.is_some(),
                parquet_sink.is_some(),
            ];
            if let Some(sink) = json_sink {
                match sink.finish(&report) {
                    Ok(_) => {}
                    Err(e) if is_broken_pipe(&e) => closed = true,
                    Err(e) => return Err(output_error(&args.json, e)),
                }
            }
            if let Some(sink) = ndjson_sink {
                match sink.into_inner() {
                    Ok(_) => {}
                    Err(e) if is_broken_pipe(&e) => closed = true,
                    Err(e) => return Err(output_error(&args.flows, e)),
                }
            }
            if let Some(sink) = parquet_sink {
                match sink.finish() {
                    Ok(_) => {}
                    Err(e) if is_broken_pipe(&e) => closed = true,
                    Err(e) => return Err(output_error(&args.parquet, e)),
                }
            }
            (open, closed)
        };
        (report, interrupted, open, closed)
    };
    for (out, open) in [json, flows, parquet].into_iter().zip(open) {
        let Some(out) = out else { continue };
        if !open {
            continue;
        }
        match out.finish() {
            Ok(()) => {}
            Err(e) if e.is_closed() => closed = true,
            Err(e) => return Err(e.into()),
        }
    }
    if !stdout_taken && !closed {
        print_terminal(&report, args.top)?;
    }
    for (i, input) in report.inputs.iter().enumerate() {
        for e in &input.errors {
            eprintln!(
                "residency: warning: {}: {} at byte {} (packet {}): {}; the report covers the file up to there",
                input.path, e.kind, e.offset, e.packet, e.message
            );
        }
        for w in &input.warnings {
            eprintln!("residency: warning: input {i} ({}): {w}", input.path);
        }
        if let Some(of) = input.duplicate_of {
            eprintln!(
                "residency: warning: input {i} ({}) has the same SHA-256 as input {of}: not read again",
                input.path
            );
        }
    }
    if let Some(signal) = interrupted {
        eprintln!(
            "residency: interrupted by {signal}: the outputs cover the packets read before it (complete: false)"
        );
    }
    Ok(exit_for(interrupted, !report.summary.incomplete.is_empty()))
}

/// The outputs of a run, fed as one. An output whose reader went away (a closed pipe, as in
/// `--flows - | head`) is dropped quietly and the others go on; reading stops only when
/// nothing is left to write to.
struct Outs<'o> {
    json: Option<JsonReport<&'o mut Output>>,
    ndjson: Option<NdjsonSink<&'o mut Output>>,
    parquet: Option<ParquetOut<'o>>,
    /// An output's reader went away (its sink is then `None`).
    closed: bool,
    /// The terminal summary is still to be printed (standard output is not an output).
    terminal: bool,
}

impl Outs<'_> {
    /// Keep going after a closed pipe while something is left to write to.
    fn check(
        &mut self,
        json: std::io::Result<()>,
        ndjson: std::io::Result<()>,
        parquet: std::io::Result<()>,
    ) -> std::io::Result<()> {
        drop_if_closed(&mut self.json, json, &mut self.closed)?;
        drop_if_closed(&mut self.ndjson, ndjson, &mut self.closed)?;
        drop_if_closed(&mut self.parquet, parquet, &mut self.closed)?;
        if self.json.is_none() && self.ndjson.is_none() && self.parquet.is_none() && !self.terminal
        {
            return Err(std::io::ErrorKind::BrokenPipe.into());
        }
        Ok(())
    }
}

/// Drops the sink in `slot` when `result` says its reader went away (a closed pipe), noting
/// it in `closed`; any other error is returned.
fn drop_if_closed<T>(
    slot: &mut Option<T>,
    result: std::io::Result<()>,
    closed: &mut bool,
) -> std::io::Result<()> {
    match result {
        Err(e) if is_broken_pipe(&e) => {
            *slot = None;
            *closed = true;
            Ok(())
        }
        other => other,
    }
}

impl Sink for Outs<'_> {
    fn flow(&mut self, ended: &analyze::Ended<'_>) -> std::io::Result<()> {
        let json = self.json.as_mut().map_or(Ok(()), |s| s.flow(ended.report));
        let ndjson = self.ndjson.as_mut().map_or(Ok(()), |s| s.flow(ended));
        let parquet = self.parquet.as_mut().map_or(Ok(()), |s| s.flow(ended));
        self.check(json, ndjson, parquet)
    }

    fn address(&mut self, address: &report::AddressReport) -> std::io::Result<()> {
        let json = self.json.as_mut().map_or(Ok(()), |s| s.address(address));
        self.check(json, Ok(()), Ok(()))
    }
}

/// `--parquet`'s sink (a build with the `parquet` feature).
#[cfg(feature = "parquet")]
type ParquetOut<'o> = residency::report::parquet::ParquetSink<&'o mut Output>;

#[cfg(feature = "parquet")]
fn parquet_sink(out: &mut Output) -> std::io::Result<ParquetOut<'_>> {
    residency::report::parquet::ParquetSink::new(out)
}

/// Without the `parquet` feature no `--parquet` sink can exist (the option is refused before
/// any output is opened): this type has no value.
#[cfg(not(feature = "parquet"))]
#[allow(dead_code)] // never constructed, by design: the type only fills the slot
enum ParquetOut<'o> {
    None(
        std::convert::Infallible,
        std::marker::PhantomData<&'o mut Output>,
    ),
}

#[cfg(not(feature = "parquet"))]
impl ParquetOut<'_> {
    fn flow(&mut self, _: &analyze::Ended<'_>) -> std::io::Result<()> {
        match *self {
            ParquetOut::None(never, _) => match never {},
        }
    }

    fn finish(self) -> std::io::Result<()> {
        match self {
            ParquetOut::None(never, _) => match never {},
        }
    }
}

#[cfg(not(feature = "parquet"))]
fn parquet_sink(_: &mut Output) -> std::io::Result<ParquetOut<'_>> {
    Err(std::io::Error::other(
        "this build has no Parquet support; build it with `cargo build --release --features parquet`",
    ))
}

/// The exit status: interrupted (4), else partial input (3), else 0.
fn exit_for(interrupted: Option<&'static str>, partial: bool) -> u8 {
    if interrupted.is_some() {
        EXIT_INTERRUPTED
    } else if partial {
        EXIT_PARTIAL
    } else {
        EXIT_OK
    }
}

/// An I/O error while writing an output, naming it.
fn output_error(path: &Option<PathBuf>, e: std::io::Error) -> anyhow::Error {
    match path {
        Some(p) => anyhow::Error::new(e).context(format!("writing {}", p.display())),
        None => anyhow::Error::new(e),
    }
}

fn lookup_cmd(args: LookupArgs) -> Result<u8> {
    let mut queries = Vec::new();
    for word in &args.ips {
        if word == "-" {
            for (n, line) in std::io::stdin().lines().enumerate() {
                let line = line.context("reading addresses from standard input")?;
                let text = line.split('#').next().unwrap_or("").trim();
                if text.is_empty() {
                    continue;
                }
                match report::Query::parse(text) {
                    Some(q) => queries.push(q),
                    None => {
                        eprintln!(
                            "residency: error: standard input line {}: {text:?} is not an IP address or a host name",
                            n + 1
                        );
                        return Ok(EXIT_USAGE);
                    }
                }
            }
        } else {
            match report::Query::parse(word) {
                Some(q) => queries.push(q),
                None => {
                    eprintln!(
                        "residency: error: {word:?} is not an IP address (IPv4 or IPv6) or a host name"
                    );
                    return Ok(EXIT_USAGE);
                }
            }
        }
    }
    let placer = args.geo.placer()?;
    let catalog = match &args.services {
        Some(path) => {
            Catalog::from_file(path).with_context(|| format!("--services {}", path.display()))?
        }
        None => Catalog::embedded().context("the embedded service catalog")?,
    };
    let anycast =
        residency::place::physics::anycast::AnycastTable::embedded().map_err(anyhow::Error::msg)?;
    let regions = residency::place::region::RegionTable::embedded()?;
    let entries = report::Lookup {
        placer: &placer,
        catalog: &catalog,
        anycast: &anycast,
        regions: &regions,
    }
    .entries(&queries);
    match args.json.as_deref() {
        Some(path) if path.as_os_str() != "-" => {
            let file = std::fs::File::create(path)
                .with_context(|| format!("cannot create {}", path.display()))?;
            let mut out = std::io::BufWriter::new(file);
            report::write_lookup_json(&entries, &mut out)
                .and_then(|()| out.flush())
                .with_context(|| format!("writing {}", path.display()))?;
        }
        json => {
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::new(stdout.lock());
            if json.is_some() {
                report::write_lookup_json(&entries, &mut out)
            } else {
                report::write_lookup_table(&entries, &mut out)
            }
            .and_then(|()| out.flush())
            .context("writing to stdout")?;
        }
    }
    Ok(EXIT_OK)
}

fn print_terminal(report: &report::Report, top: usize) -> Result<()> {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    report::write_terminal(report, top, &mut out).context("writing the summary")?;
    out.flush().context("writing the summary")?;
    Ok(())
}
