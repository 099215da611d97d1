//! `residency lookup`: place addresses and look up names, without a capture.

use super::args::GeoArgs;
use super::{EXIT_OK, EXIT_PARTIAL, EXIT_USAGE};
use anyhow::{Context, Result};
use clap::Args;
use residency::report;
use residency::services::Catalog;
use std::io::Write;
use std::path::PathBuf;

#[derive(Args)]
pub struct LookupArgs {
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

pub fn lookup_cmd(args: LookupArgs) -> Result<u8> {
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
        // A file is written beside its place and renamed into it when complete, as every
        // output of `analyze` is.
        Some(path) if path.as_os_str() != "-" => {
            residency::output::Output::open(path)?
                .complete(|out| report::write_lookup_json(&entries, out))?;
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
    // A `--geo` record that could not be decoded: the answer printed lacks that database's
    // (it says `damaged-record`), as `analyze` says with the same status.
    let damaged = entries
        .iter()
        .any(|e| matches!(e, report::LookupEntry::Address(a) if !a.geo.errors.is_empty()));
    Ok(if damaged { EXIT_PARTIAL } else { EXIT_OK })
}
