//! Options shared by the subcommands, and the parsers that turn wrong values into usage
//! errors (exit 2) that say what is accepted.

use anyhow::{Context, Result};
use clap::Args;
use ipnet::IpNet;
use residency::analyze::{DEFAULT_MAX_FLOWS, Options};
use residency::flow::{Inside, Timeouts};
use residency::place::Placer;
use residency::place::addresses::DEFAULT_MAX_ADDRESSES;
use residency::place::geo::GeoSet;
use residency::place::physics::vantage::{self, Vantage};
use residency::services::Catalog;
use std::path::PathBuf;

#[derive(Args, Clone)]
pub struct GeoArgs {
    /// A MaxMind DB file to consult before the embedded ones (repeatable; earlier wins):
    /// MaxMind GeoLite2/GeoIP2 Country, City, ASN; IPinfo Lite, Country, ASN; DB-IP.
    /// The layout is recognised from the file.
    #[arg(long, value_name = "PATH")]
    pub geo: Vec<PathBuf>,
    /// Consult only the `--geo` files, not the databases embedded in residency.
    #[arg(long)]
    pub no_embedded_geo: bool,
    /// The home country (ISO 3166-1 alpha-2, e.g. SE): destinations there get zone `home`,
    /// and the report counts what left it.
    #[arg(long, value_name = "CC", value_parser = country_code)]
    pub home: Option<String>,
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
    pub fn placer(&self) -> Result<Placer> {
        let geo = GeoSet::open(&self.geo, !self.no_embedded_geo)?;
        Ok(Placer::new(geo, self.home.as_deref())?)
    }
}

/// The options that shape an analysis, shared by `analyze` and `live`.
#[derive(Args, Clone)]
pub struct AnalysisArgs {
    /// A local network of the capture point (repeatable). Replaces the default: RFC 1918,
    /// RFC 4193, link-local, 100.64.0.0/10 and loopback.
    #[arg(long, value_name = "CIDR")]
    pub inside: Vec<IpNet>,
    /// Seconds without packets after which a TCP flow has ended.
    #[arg(long, value_name = "SECS", default_value_t = Timeouts::default().tcp_idle,
          value_parser = at_least_one_second)]
    pub tcp_idle_timeout: u64,
    /// Seconds a TCP flow stays open after FIN both ways or RST (a new SYN opens a new flow).
    #[arg(long, value_name = "SECS", default_value_t = Timeouts::default().tcp_close,
          value_parser = at_least_one_second)]
    pub tcp_close_timeout: u64,
    /// Seconds without packets after which a UDP flow has ended.
    #[arg(long, value_name = "SECS", default_value_t = Timeouts::default().udp_idle,
          value_parser = at_least_one_second)]
    pub udp_idle_timeout: u64,
    /// Seconds without packets after which a flow of another protocol has ended.
    #[arg(long, value_name = "SECS", default_value_t = Timeouts::default().other_idle,
          value_parser = at_least_one_second)]
    pub other_idle_timeout: u64,
    /// Most flows held open at once; beyond it the least recently seen are closed early
    /// (counted as evicted in the report).
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_FLOWS, value_parser = at_least_one)]
    pub max_flows: usize,
    /// Most remote addresses held at once in the per-address table; beyond it the least
    /// recently seen are written out early (counted in the report; an address seen again gets
    /// another entry, its next `part`).
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_ADDRESSES, value_parser = at_least_one)]
    pub max_addresses: usize,
    /// Remote destinations listed in the terminal summary.
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub top: usize,
    /// Threads to use: 0 (the default) for one per core, 1 for everything on one. The outputs
    /// are the same, byte for byte, whatever the number.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub threads: usize,
    /// A service catalog to use instead of the embedded one (same format as
    /// geo/services.toml; the report names it and its SHA-256).
    #[arg(long, value_name = "PATH")]
    pub services: Option<PathBuf>,
    /// The sensor's name (a site, a mirror port: `stockholm-dc1`): in the report's settings
    /// and in every per-flow record as `observer.name`, so that records of many sensors can be
    /// told apart once merged (docs/scale.md).
    #[arg(long, value_name = "NAME", value_parser = sensor_arg)]
    pub sensor: Option<String>,
}

/// `--sensor`: 1 to 128 characters, no control characters (it names the sensor in reports,
/// records, index documents and file listings).
fn sensor_arg(s: &str) -> std::result::Result<String, String> {
    if s.is_empty() || s.chars().count() > 128 || s.chars().any(char::is_control) {
        return Err("a sensor name is 1 to 128 characters, none of them control characters".into());
    }
    Ok(s.to_string())
}

impl AnalysisArgs {
    /// The pipeline's options; `sites`: the site of each input (see [`Options::sites`]).
    pub fn options(&self, sites: Vec<u32>) -> Options {
        Options {
            inside: if self.inside.is_empty() {
                Inside::default_nets()
            } else {
                Inside::new(self.inside.clone())
            },
            timeouts: Timeouts {
                tcp_idle: self.tcp_idle_timeout,
                tcp_close: self.tcp_close_timeout,
                udp_idle: self.udp_idle_timeout,
                other_idle: self.other_idle_timeout,
            },
            max_flows: self.max_flows,
            max_addresses: self.max_addresses,
            sites,
            threads: self.threads(),
            sensor: self.sensor.clone(),
        }
    }

    /// `--threads` resolved: 0 is one per core.
    pub fn threads(&self) -> usize {
        match self.threads {
            0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
            n => n,
        }
    }

    /// The service catalog: `--services`, else the embedded one.
    pub fn catalog(&self) -> Result<Catalog> {
        match &self.services {
            Some(path) => Ok(Catalog::from_file(path)
                .with_context(|| format!("--services {}", path.display()))?),
            None => Catalog::embedded().context("the embedded service catalog"),
        }
    }
}

/// `--vantage`: a wrong value is a usage error (exit 2) that says what is accepted.
pub fn vantage_arg(s: &str) -> Result<Vantage, String> {
    vantage::parse(s).map_err(|e| e.to_string())
}

/// A count that must be at least 1 (`--max-flows 0` would hold no flow).
pub fn at_least_one(s: &str) -> Result<usize, String> {
    match s.trim().parse::<usize>() {
        Ok(n) if n >= 1 => Ok(n),
        Ok(_) => Err("must be at least 1".to_string()),
        Err(_) => Err("not a whole number".to_string()),
    }
}

/// A timeout in seconds, at least 1 (a timeout of 0 would end every flow at its next packet).
pub fn at_least_one_second(s: &str) -> Result<u64, String> {
    match s.trim().parse::<u64>() {
        Ok(n) if n >= 1 => Ok(n),
        Ok(_) => Err("must be at least 1 second".to_string()),
        Err(_) => Err("not a whole number of seconds".to_string()),
    }
}

/// `--resolver`: an IP address, with an optional port (default 53).
pub fn resolver_addr(s: &str) -> Result<std::net::SocketAddr, String> {
    if let Ok(ip) = s.parse::<std::net::IpAddr>() {
        return Ok(std::net::SocketAddr::new(ip, 53));
    }
    s.parse().map_err(|_| {
        "not an IP address or IP:PORT (e.g. 192.0.2.53, [2001:db8::53]:5353)".to_string()
    })
}
