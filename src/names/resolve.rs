//! Opt-in reverse DNS (`--resolve`): PTR names for destinations the capture did not name.
//!
//! This is the only part of residency that looks outside the capture. Its answers depend on the
//! resolver and the moment, so the report labels each with the resolver used and the wall-clock
//! time of the lookups, and nothing here runs unless asked.

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use hickory_resolver::config::{
    ConnectionConfig, NameServerConfig, ProtocolConfig, ResolverConfig, ResolverOpts,
};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::proto::rr::RData;
use hickory_resolver::{Resolver, TokioResolver};

/// Addresses looked up in one run at most: a report names its destinations, and a capture with
/// more than this many unnamed ones would take minutes of lookups (and load someone's resolver).
pub const MAX_PTR_LOOKUPS: usize = 4096;
/// Lookups in flight at once.
const CONCURRENCY: usize = 32;

/// Where to ask.
#[derive(Clone, Debug)]
pub struct PtrConfig {
    /// A resolver's address; None uses the system's (/etc/resolv.conf).
    pub server: Option<SocketAddr>,
    pub timeout: Duration,
}

/// One address's answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PtrAnswer {
    Name(String),
    /// The resolver answered without a PTR record.
    NoName,
    Failed(String),
}

/// The lookups of one run.
#[derive(Clone, Debug)]
pub struct PtrResults {
    /// The resolver(s) asked, e.g. "192.0.2.53:53 (system)".
    pub resolver: String,
    /// Wall-clock time the lookups started (UTC, RFC 3339).
    pub started: String,
    pub answers: BTreeMap<IpAddr, PtrAnswer>,
    /// Addresses not looked up because of `MAX_PTR_LOOKUPS`.
    pub skipped: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum ResolveError {
    #[error("cannot set up the resolver: {0}")]
    Setup(String),
}

/// Look up PTR names for `addrs` (in order; at most `MAX_PTR_LOOKUPS`).
pub fn lookup(addrs: &[IpAddr], config: &PtrConfig) -> Result<PtrResults, ResolveError> {
    let setup = |e: &dyn std::fmt::Display| ResolveError::Setup(e.to_string());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| setup(&e))?;
    let (resolver, described) = build(config).map_err(|e| setup(&e))?;
    let started = time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .map_err(|e| setup(&e))?;
    let take = addrs.len().min(MAX_PTR_LOOKUPS);
    let answers = runtime.block_on(lookup_all(
        &resolver,
        addrs.get(..take).unwrap_or_default(),
        config.timeout,
    ));
    Ok(PtrResults {
        resolver: described,
        started,
        answers,
        skipped: addrs.len() - take,
    })
}

fn build(config: &PtrConfig) -> Result<(TokioResolver, String), String> {
    let (resolver_config, mut options, described) = match config.server {
        Some(server) => {
            let connection = |protocol| {
                let mut c = ConnectionConfig::new(protocol);
                c.port = server.port();
                c
            };
            let ns = NameServerConfig::new(
                server.ip(),
                true,
                vec![
                    connection(ProtocolConfig::Udp),
                    connection(ProtocolConfig::Tcp),
                ],
            );
            let config = ResolverConfig::from_parts(None, Vec::new(), vec![ns]);
            (config, ResolverOpts::default(), server.to_string())
        }
        None => {
            let (config, options) =
                hickory_resolver::system_conf::read_system_conf().map_err(|e| e.to_string())?;
            let servers: Vec<String> = config
                .name_servers()
                .iter()
                .map(|ns| ns.ip.to_string())
                .collect();
            let described = format!("{} (system)", servers.join(", "));
            (config, options, described)
        }
    };
    options.timeout = config.timeout;
    options.attempts = 1;
    let resolver = Resolver::builder_with_config(resolver_config, TokioRuntimeProvider::default())
        .with_options(options)
        .build()
        .map_err(|e| e.to_string())?;
    Ok((resolver, described))
}

async fn lookup_all(
    resolver: &TokioResolver,
    addrs: &[IpAddr],
    timeout: Duration,
) -> BTreeMap<IpAddr, PtrAnswer> {
    let mut answers = BTreeMap::new();
    for chunk in addrs.chunks(CONCURRENCY) {
        let mut set = tokio::task::JoinSet::new();
        for &ip in chunk {
            let resolver = resolver.clone();
            set.spawn(async move {
                // One deadline per address, whatever the resolver does inside it (it tries UDP,
                // then TCP).
                let answer = tokio::time::timeout(timeout, one(&resolver, ip))
                    .await
                    .unwrap_or_else(|_| PtrAnswer::Failed("timed out".to_string()));
                (ip, answer)
            });
        }
        while let Some(done) = set.join_next().await {
            if let Ok((ip, answer)) = done {
                answers.insert(ip, answer);
            }
        }
    }
    answers
}

async fn one(resolver: &TokioResolver, ip: IpAddr) -> PtrAnswer {
    match resolver.reverse_lookup(ip).await {
        Ok(lookup) => {
            let mut names: Vec<String> = lookup
                .answers()
                .iter()
                .filter_map(|r| match &r.data {
                    RData::PTR(ptr) => Some(ptr.0.to_utf8()),
                    _ => None,
                })
                .map(|n| n.trim_end_matches('.').to_ascii_lowercase())
                .collect();
            names.sort();
            names
                .into_iter()
                .next()
                .map_or(PtrAnswer::NoName, PtrAnswer::Name)
        }
        Err(e) if e.is_no_records_found() => PtrAnswer::NoName,
        Err(e) => PtrAnswer::Failed(e.to_string()),
    }
}
