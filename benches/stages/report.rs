//! The records the writers are handed, kept from a real run (`analyze` over the corpus), and
//! a writer that only counts bytes, so the figures are serialisation alone.

use crate::corpus::Corpus;
use residency::analyze::collect::Embedded;
use residency::analyze::{Analyzer, Ended, InputInfo, Options, Sink};
use residency::flow::Flow;
use residency::place::Placement;
use residency::place::addresses::Judged;
use residency::report::{AddressReport, FlowReport, Report};
use residency::source::Capture;
use std::io::{self, Write};

/// An ended flow as the outputs see it ([`Ended`]), owned.
pub struct OwnedFlow {
    flow: Flow,
    report: FlowReport,
    placement: Option<Placement>,
    physics: Option<Judged>,
    input: InputInfo,
}

impl OwnedFlow {
    pub fn ended(&self) -> Ended<'_> {
        Ended {
            flow: &self.flow,
            report: &self.report,
            placement: self.placement.as_ref(),
            physics: self.physics.as_ref(),
            input: &self.input,
            sensor: None,
        }
    }

    pub fn report(&self) -> &FlowReport {
        &self.report
    }
}

/// A run's records: every ended flow, every address written out, and the report around them.
pub struct Records {
    pub flows: Vec<OwnedFlow>,
    pub addresses: Vec<AddressReport>,
    pub report: Report,
}

#[derive(Default)]
struct Keep {
    flows: Vec<OwnedFlow>,
    addresses: Vec<AddressReport>,
}

impl Sink for Keep {
    fn flow(&mut self, e: &Ended<'_>) -> io::Result<()> {
        self.flows.push(OwnedFlow {
            flow: e.flow.clone(),
            report: e.report.clone(),
            placement: e.placement.cloned(),
            physics: e.physics.cloned(),
            input: e.input.clone(),
        });
        Ok(())
    }

    fn address(&mut self, a: &AddressReport) -> io::Result<()> {
        self.addresses.push(a.clone());
        Ok(())
    }
}

/// Every capture of the corpus analysed as one run (as `residency analyze` given them all), on
/// the embedded tables with home SE, each flow judged as of its end (as for `--flows`).
pub fn records(corpus: &Corpus, tables: &Embedded, options: &Options) -> Records {
    let mut analyzer = Analyzer::new(tables.context(options), 10);
    let mut keep = Keep::default();
    for source in &corpus.sources {
        let Ok(bytes) = std::fs::read(&source.path) else {
            continue;
        };
        let Ok(capture) = Capture::new(&bytes[..]) else {
            continue;
        };
        analyzer
            .read(&source.path, None, capture, &mut keep, &mut |_| None)
            .expect("a sink that keeps records does not fail");
    }
    let report = analyzer
        .finish(&mut keep, None)
        .expect("a sink that keeps records does not fail");
    Records {
        flows: keep.flows,
        addresses: keep.addresses,
        report,
    }
}

/// A writer that keeps nothing and counts what it was given.
#[derive(Default)]
pub struct Counted(pub u64);

impl Write for Counted {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0 += buf.len() as u64;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
