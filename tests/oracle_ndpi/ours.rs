//! residency's side: each capture that has an nDPI `.out` is analysed once through the
//! library (faster than the binary), and its flows are indexed by direction-free 5-tuple.

use crate::ndpi;
use residency::analyze::{Collected, Context, Options, collect};
use residency::place::Placer;
use residency::place::geo::GeoSet;
use residency::report::{self, FlowReport};
use residency::services::Catalog;
use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

/// (transport in lower case, the two endpoints in sorted order).
pub type Key = (String, [(IpAddr, u16); 2]);

pub fn key(transport: &str, a: (IpAddr, u16), b: (IpAddr, u16)) -> Key {
    let mut pair = [a, b];
    pair.sort();
    (transport.to_ascii_lowercase(), pair)
}

/// residency's flows found for one nDPI flow.
pub struct Matched<'a> {
    pub flows: Vec<&'a FlowReport>,
    /// Found without one of the addresses (nDPI printed it wrongly).
    pub fuzzy: bool,
}

/// One capture, both sides.
pub struct Run {
    pub capture: String,
    pub report: Collected,
    /// residency's flows with ports and parseable addresses, by key (indices into
    /// `report.flows`).
    pub index: BTreeMap<Key, Vec<usize>>,
    pub ndpi: Vec<ndpi::Flow>,
    /// Flow-like lines of the `.out` that did not parse.
    pub ndpi_unreadable: Vec<String>,
}

impl Run {
    /// residency's flows on the 5-tuple of an nDPI flow.
    ///
    /// nDPI misprints some IPv6 addresses (two `::` in `2600:1900:4160:5999::19::`, see
    /// stun.pcap); for those the flow is found by the transport, the other endpoint and both
    /// ports, and `fuzzy` says so.
    pub fn flows_for(&self, f: &ndpi::Flow) -> Matched<'_> {
        let ids: Vec<usize> = match (f.client.ip, f.server.ip) {
            (Some(c), Some(s)) => {
                let k = key(&f.transport, (c, f.client.port), (s, f.server.port));
                self.index.get(&k).cloned().unwrap_or_default()
            }
            (Some(ip), None) => self.by_one_side(f, (ip, f.client.port), f.server.port),
            (None, Some(ip)) => self.by_one_side(f, (ip, f.server.port), f.client.port),
            (None, None) => Vec::new(),
        };
        Matched {
            flows: ids.iter().map(|&i| &self.report.flows[i]).collect(),
            fuzzy: f.client.ip.is_none() || f.server.ip.is_none(),
        }
    }

    fn by_one_side(&self, f: &ndpi::Flow, known: (IpAddr, u16), port: u16) -> Vec<usize> {
        let transport = f.transport.to_ascii_lowercase();
        self.index
            .iter()
            .filter(|((t, pair), _)| {
                *t == transport
                    && ((pair[0] == known && pair[1].1 == port)
                        || (pair[1] == known && pair[0].1 == port))
            })
            .flat_map(|(_, ids)| ids.iter().copied())
            .collect()
    }

    /// nDPI flows that share a 5-tuple with another nDPI flow of the same capture.
    pub fn ndpi_duplicates(&self) -> Vec<String> {
        let mut seen: BTreeMap<Key, Vec<String>> = BTreeMap::new();
        for f in &self.ndpi {
            if let (Some(c), Some(s)) = (f.client.ip, f.server.ip) {
                let k = key(&f.transport, (c, f.client.port), (s, f.server.port));
                seen.entry(k).or_default().push(f.describe());
            }
        }
        seen.into_values()
            .filter(|v| v.len() > 1)
            .flatten()
            .collect()
    }

    /// residency flows that share a 5-tuple with another.
    pub fn our_duplicates(&self) -> Vec<(Key, usize)> {
        self.index
            .iter()
            .filter(|(_, v)| v.len() > 1)
            .map(|(k, v)| (k.clone(), v.len()))
            .collect()
    }
}

fn endpoint(e: &report::EndpointReport) -> Option<(IpAddr, u16)> {
    Some((e.ip.parse().ok()?, e.port?))
}

/// Analyses every capture in `dir` that has `dir/expected/<capture>.out`, sorted by name.
pub fn run_all(dir: &Path) -> Result<Vec<Run>, String> {
    let catalog = Catalog::embedded().map_err(|e| format!("service catalog: {e}"))?;
    // One placer for all captures: the embedded geo data is hashed once.
    let geo = GeoSet::open(&[], true).map_err(|e| format!("embedded geo data: {e}"))?;
    let placer = Placer::new(geo, None).map_err(|e| format!("placer: {e}"))?;
    let options = Options::default();
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| dir.join("expected").join(format!("{n}.out")).is_file())
        .collect();
    names.sort();
    let mut runs = Vec::new();
    for capture in names {
        let path: PathBuf = dir.join(&capture);
        let out = dir.join("expected").join(format!("{capture}.out"));
        let text = std::fs::read_to_string(&out).map_err(|e| format!("{}: {e}", out.display()))?;
        let (ndpi, ndpi_unreadable) = ndpi::parse_out(&text);
        let physics = residency::place::physics::Physics::new(Vec::new(), 1, None)
            .map_err(|e| e.to_string())?;
        let ctx = Context {
            options: &options,
            placer: &placer,
            physics: &physics,
            catalog: &catalog,
            judge_per_flow: false,
            resolve: None,
        };
        let report = collect(&[path], ctx).map_err(|e| format!("{capture}: {e}"))?;
        let mut index: BTreeMap<Key, Vec<usize>> = BTreeMap::new();
        for (i, f) in report.flows.iter().enumerate() {
            if let (Some(c), Some(s)) = (endpoint(&f.client), endpoint(&f.server)) {
                index
                    .entry(key(f.transport.name(), c, s))
                    .or_default()
                    .push(i);
            }
        }
        runs.push(Run {
            capture,
            report,
            index,
            ndpi,
            ndpi_unreadable,
        });
    }
    Ok(runs)
}
