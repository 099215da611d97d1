//! A whole run held in memory: for tests, benchmarks and small captures. The command line
//! streams instead (`Analyzer` with its outputs as `Sink`s).

use super::{Analyzer, Context, Ended, Sink};
use crate::report::{AddressReport, FlowReport, Report};
use crate::source::{self, OpenError};
use std::io;
use std::path::PathBuf;

/// Every record of a run.
#[derive(Debug)]
pub struct Collected {
    pub report: Report,
    /// In the order they ended.
    pub flows: Vec<FlowReport>,
    /// In the order they were written out.
    pub addresses: Vec<AddressReport>,
}

impl Collected {
    /// The entry of an address (its first part).
    pub fn address(&self, ip: &str) -> Option<&AddressReport> {
        self.addresses.iter().find(|a| a.ip == ip)
    }

    /// True when some input could not be read to its end.
    pub fn is_partial(&self) -> bool {
        self.report.inputs.iter().any(|i| !i.complete)
    }
}

/// A sink that keeps everything.
#[derive(Default)]
pub struct Collect {
    pub flows: Vec<FlowReport>,
    pub addresses: Vec<AddressReport>,
}

impl Sink for Collect {
    fn flow(&mut self, ended: &Ended<'_>) -> io::Result<()> {
        self.flows.push(ended.report.clone());
        Ok(())
    }

    fn address(&mut self, address: &AddressReport) -> io::Result<()> {
        self.addresses.push(address.clone());
        Ok(())
    }
}

/// Errors of [`collect`].
#[derive(Debug, thiserror::Error)]
pub enum CollectError {
    #[error(transparent)]
    Open(#[from] OpenError),
    #[error("{0}")]
    Io(#[from] io::Error),
}

/// Analyse one capture from any reader, keeping every record.
pub fn collect_capture<R: std::io::Read>(
    path: &std::path::Path,
    capture: crate::source::Capture<R>,
    ctx: Context<'_>,
) -> io::Result<Collected> {
    run(ctx, |analyzer, sink| {
        analyzer.read(path, None, capture, sink, &mut |_| None)?;
        Ok(())
    })
}

/// One run into a `Collect`: `read` feeds the analyzer its inputs.
fn run<E: From<io::Error>>(
    ctx: Context<'_>,
    read: impl FnOnce(&mut Analyzer<'_>, &mut Collect) -> Result<(), E>,
) -> Result<Collected, E> {
    let mut analyzer = Analyzer::new(ctx, 10);
    let mut sink = Collect::default();
    read(&mut analyzer, &mut sink)?;
    let report = analyzer.finish(&mut sink, None)?;
    Ok(Collected {
        report,
        flows: sink.flows,
        addresses: sink.addresses,
    })
}

impl Collected {
    /// The whole report as the JSON writer writes it (for comparisons).
    pub fn to_json(&self) -> io::Result<String> {
        let mut out = super::super::report::json::JsonReport::start(Vec::new(), &self.report.head)?;
        for f in &self.flows {
            out.flow(f)?;
        }
        for a in &self.addresses {
            out.address(a)?;
        }
        let bytes = out.finish(&self.report)?;
        String::from_utf8(bytes).map_err(io::Error::other)
    }
}

/// Analyse capture files in order, as one stream, keeping every record.
pub fn collect(paths: &[PathBuf], ctx: Context<'_>) -> Result<Collected, CollectError> {
    let mut opened = Vec::with_capacity(paths.len());
    for path in paths {
        opened.push(source::open(path)?);
    }
    run(ctx, |analyzer, sink| {
        for (path, capture) in paths.iter().zip(opened) {
            analyzer.read(path, None, capture, sink, &mut |_| None)?;
        }
        Ok(())
    })
}

/// The embedded tables a run places, judges and names with (geo databases, physics from the
/// home country, the service catalog): for tests, benchmarks and tools that run the pipeline
/// in process.
pub struct Embedded {
    pub placer: crate::place::Placer,
    pub physics: crate::place::physics::Physics,
    pub catalog: crate::services::Catalog,
}

impl Embedded {
    /// `home`: the `--home` country (also the vantage), or none.
    pub fn load(home: Option<&str>) -> Result<Embedded, String> {
        let geo = crate::place::geo::GeoSet::open(&[], true).map_err(|e| e.to_string())?;
        Ok(Embedded {
            placer: crate::place::Placer::new(geo, home).map_err(|e| e.to_string())?,
            physics: crate::place::physics::Physics::new(Vec::new(), 1, home)
                .map_err(|e| e.to_string())?,
            catalog: crate::services::Catalog::embedded().map_err(|e| e.to_string())?,
        })
    }

    /// A context on these tables.
    pub fn context<'a>(&'a self, options: &'a super::Options) -> Context<'a> {
        Context {
            options,
            placer: &self.placer,
            physics: &self.physics,
            catalog: &self.catalog,
            judge_per_flow: true,
            resolve: None,
        }
    }
}
