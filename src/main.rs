//! The `residency` command line: a thin layer over the library.

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand};
use ipnet::IpNet;
use residency::analyze::{self, DEFAULT_MAX_FLOWS, Options};
use residency::flow::{Inside, Timeouts};
use residency::names::resolve::{self, PtrConfig};
use residency::place::Placer;
use residency::place::geo::GeoSet;
use residency::place::physics::Physics;
use residency::place::physics::vantage::{self, Vantage};
use residency::report;
use residency::services::Catalog;
use std::io::Write;
use std::path::PathBuf;
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
    /// it up to the damage); 1 error (nothing analysed); 2 usage error.
    Analyze(AnalyzeArgs),
    /// Place IP addresses: country, ASN, provider, the law that controls it, and the zone.
    ///
    /// Uses the same databases and tables as `analyze`. Exit status: 0 ok; 1 error; 2 usage
    /// error (e.g. a word that is not an IP address).
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
    /// IP addresses (`-` = one per line on standard input; blank lines and `#` comments skipped).
    #[arg(required = true, value_name = "IP")]
    ips: Vec<String>,
    /// Write a JSON array to PATH (`-` = stdout) instead of the table.
    #[arg(long, value_name = "PATH")]
    json: Option<PathBuf>,
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
    #[arg(long, value_name = "PATH")]
    json: Option<PathBuf>,
    /// A local network of the capture point (repeatable). Replaces the default: RFC 1918,
    /// RFC 4193, link-local, 100.64.0.0/10 and loopback.
    #[arg(long, value_name = "CIDR")]
    inside: Vec<IpNet>,
    /// Seconds without packets after which a TCP flow has ended.
    #[arg(long, value_name = "SECS", default_value_t = Timeouts::default().tcp_idle)]
    tcp_idle_timeout: u64,
    /// Seconds a TCP flow stays open after FIN both ways or RST (a new SYN opens a new flow).
    #[arg(long, value_name = "SECS", default_value_t = Timeouts::default().tcp_close)]
    tcp_close_timeout: u64,
    /// Seconds without packets after which a UDP flow has ended.
    #[arg(long, value_name = "SECS", default_value_t = Timeouts::default().udp_idle)]
    udp_idle_timeout: u64,
    /// Seconds without packets after which a flow of another protocol has ended.
    #[arg(long, value_name = "SECS", default_value_t = Timeouts::default().other_idle)]
    other_idle_timeout: u64,
    /// Most flows held open at once; beyond it the least recently seen are closed early
    /// (counted as evicted in the report).
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_FLOWS)]
    max_flows: usize,
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
        Err(e) if is_broken_pipe(&e) => ExitCode::from(EXIT_OK),
        Err(e) => {
            eprintln!("residency: error: {e:#}");
            ExitCode::from(EXIT_ERROR)
        }
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

fn run(cli: Cli) -> Result<u8> {
    match cli.command {
        Command::Analyze(args) => analyze_cmd(args),
        Command::Lookup(args) => lookup_cmd(args),
    }
}

fn analyze_cmd(args: AnalyzeArgs) -> Result<u8> {
    // Geo data first: a bad --geo file or --home fails before a long capture is read.
    let mut placer = args.geo.placer()?;
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
    let analysis = analyze::analyze(&args.captures, &options)?;
    let ptr = if args.resolve {
        let unnamed = report::unnamed_destinations(&analysis, &options);
        let config = PtrConfig {
            server: args.resolver,
            timeout: Duration::from_secs(args.resolve_timeout.max(1)),
        };
        Some(resolve::lookup(&unnamed, &config).context("--resolve")?)
    } else {
        None
    };
    let naming = report::Naming {
        catalog: &catalog,
        ptr: ptr.as_ref(),
    };
    let report = report::build(&analysis, &options, &mut placer, &naming, &physics);
    match args.json.as_deref() {
        Some(path) if path.as_os_str() == "-" => {
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::new(stdout.lock());
            report::write_json(&report, &mut out).context("writing the report to stdout")?;
            out.flush().context("writing the report to stdout")?;
        }
        Some(path) => {
            let file = std::fs::File::create(path)
                .with_context(|| format!("cannot create {}", path.display()))?;
            let mut out = std::io::BufWriter::new(file);
            report::write_json(&report, &mut out)
                .and_then(|()| out.flush())
                .with_context(|| format!("writing {}", path.display()))?;
            print_terminal(&report, args.top)?;
        }
        None => print_terminal(&report, args.top)?,
    }
    for input in &report.inputs {
        for e in &input.errors {
            eprintln!(
                "residency: warning: {}: {} at byte {} (packet {}): {}; the report covers the file up to there",
                input.path, e.kind, e.offset, e.packet, e.message
            );
        }
    }
    Ok(if analysis.is_partial() {
        EXIT_PARTIAL
    } else {
        EXIT_OK
    })
}

fn lookup_cmd(args: LookupArgs) -> Result<u8> {
    let mut ips = Vec::new();
    for word in &args.ips {
        if word == "-" {
            for (n, line) in std::io::stdin().lines().enumerate() {
                let line = line.context("reading addresses from standard input")?;
                let text = line.split('#').next().unwrap_or("").trim();
                if text.is_empty() {
                    continue;
                }
                match text.parse() {
                    Ok(ip) => ips.push(ip),
                    Err(_) => {
                        eprintln!(
                            "residency: error: standard input line {}: {text:?} is not an IP address",
                            n + 1
                        );
                        return Ok(EXIT_USAGE);
                    }
                }
            }
        } else {
            match word.trim().parse() {
                Ok(ip) => ips.push(ip),
                Err(_) => {
                    eprintln!("residency: error: {word:?} is not an IP address (IPv4 or IPv6)");
                    return Ok(EXIT_USAGE);
                }
            }
        }
    }
    let mut placer = args.geo.placer()?;
    let entries = report::lookup(&mut placer, &ips);
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
