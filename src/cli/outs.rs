//! The outputs of a run fed as one sink, and how their errors are reported.

use anyhow::{Context, Result};
use residency::analyze::{self, Sink};
use residency::output::{Output, is_broken_pipe};
use residency::report;
use residency::report::ecs::NdjsonSink;
use residency::report::json::JsonReport;
use std::io::Write;
use std::path::PathBuf;

/// The outputs of a run, fed as one. An output whose reader went away (a closed pipe, as in
/// `--flows - | head`) is dropped quietly and the others go on; reading stops only when
/// nothing is left to write to.
pub struct Outs<'o> {
    pub json: Option<JsonReport<&'o mut Output>>,
    pub ndjson: Option<NdjsonSink<&'o mut Output>>,
    pub parquet: Option<ParquetOut<'o>>,
    /// `--html`: the JSON report once more, into an anonymous temporary file that the page is
    /// rendered from at the end (so the page shows what the JSON report says).
    pub html_json: Option<JsonReport<std::io::BufWriter<std::fs::File>>>,
    /// An output's reader went away (its sink is then `None`).
    pub closed: bool,
    /// The terminal summary is still to be printed (standard output is not an output).
    pub terminal: bool,
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
        if self.json.is_none()
            && self.ndjson.is_none()
            && self.parquet.is_none()
            && self.html_json.is_none()
            && !self.terminal
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
        if let Some(html) = self.html_json.as_mut() {
            html.flow(ended.report)?;
        }
        self.check(json, ndjson, parquet)
    }

    fn address(&mut self, address: &report::AddressReport) -> std::io::Result<()> {
        let json = self.json.as_mut().map_or(Ok(()), |s| s.address(address));
        if let Some(html) = self.html_json.as_mut() {
            html.address(address)?;
        }
        self.check(json, Ok(()), Ok(()))
    }

    fn flows_done(&mut self) -> std::io::Result<()> {
        let json = self.json.as_mut().map_or(Ok(()), |s| s.flows_done());
        if let Some(html) = self.html_json.as_mut() {
            html.flows_done()?;
        }
        self.check(json, Ok(()), Ok(()))
    }
}

/// `--parquet`'s sink (a build with the `parquet` feature).
#[cfg(feature = "parquet")]
pub type ParquetOut<'o> = residency::report::parquet::ParquetSink<&'o mut Output>;

#[cfg(feature = "parquet")]
pub fn parquet_sink(out: &mut Output) -> std::io::Result<ParquetOut<'_>> {
    residency::report::parquet::ParquetSink::new(out)
}

/// Without the `parquet` feature no `--parquet` sink can exist (the option is refused before
/// any output is opened): this type has no value.
#[cfg(not(feature = "parquet"))]
#[allow(dead_code)] // never constructed, by design: the type only fills the slot
pub enum ParquetOut<'o> {
    None(
        std::convert::Infallible,
        std::marker::PhantomData<&'o mut Output>,
    ),
}

#[cfg(not(feature = "parquet"))]
impl ParquetOut<'_> {
    pub fn flow(&mut self, _: &analyze::Ended<'_>) -> std::io::Result<()> {
        match *self {
            ParquetOut::None(never, _) => match never {},
        }
    }

    pub fn finish(self) -> std::io::Result<()> {
        match self {
            ParquetOut::None(never, _) => match never {},
        }
    }
}

#[cfg(not(feature = "parquet"))]
pub fn parquet_sink(_: &mut Output) -> std::io::Result<ParquetOut<'_>> {
    Err(std::io::Error::other(
        "this build has no Parquet support; build it with `cargo build --release --features parquet`",
    ))
}

/// An I/O error while writing an output, naming it.
pub fn output_error(path: &Option<PathBuf>, e: std::io::Error) -> anyhow::Error {
    match path {
        Some(p) => anyhow::Error::new(e).context(format!("writing {}", p.display())),
        None => anyhow::Error::new(e),
    }
}

pub fn print_terminal(report: &report::Report, top: usize) -> Result<()> {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    report::write_terminal(report, top, &mut out).context("writing the summary")?;
    out.flush().context("writing the summary")?;
    Ok(())
}
