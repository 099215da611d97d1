//! The JSON report, written while the run goes: the head first, each flow as it ends (one
//! compact object per line), then the addresses, then the tail known only at the end
//! (`resolve`, `inputs`, `summary`). Nothing waits in memory for the end but the summary's
//! bounded totals: addresses written out before the flows are done wait in an anonymous
//! temporary file (deleted by the system however the process ends); once the pipeline says no
//! flow will follow (`flows_done`, before the addresses held to the end are written out, most
//! of them), the rest go straight to the document.
//!
//! The document is valid JSON at the end only; the caller writes it to a temporary file and
//! renames it into place when complete (`crate::output`).

use super::model::{AddressReport, FlowReport, Head, Report};
use serde::Serialize;
use std::fs::File;
use std::io::{self, BufWriter, Seek, Write};

pub struct JsonReport<W: Write> {
    out: W,
    /// Addresses written out while flows still come; `None` once the flows are done (the
    /// addresses array is then open in `out`).
    spill: Option<BufWriter<File>>,
    flows: u64,
    addresses: u64,
    line: Vec<u8>,
}

/// Write `"key": value` at the top level, the value pretty-printed and indented one level.
/// Serialised straight into `out`: the summary of a large run is megabytes of text (its
/// per-host table), which a string of it, and a second one indented, would hold at once.
fn field(out: &mut impl Write, key: &str, value: &impl Serialize, last: bool) -> io::Result<()> {
    write!(out, "  \"{key}\": ")?;
    let mut indented = Indent(&mut *out);
    value
        .serialize(&mut serde_json::Serializer::pretty(&mut indented))
        .map_err(io::Error::other)?;
    out.write_all(if last { b"\n" } else { b",\n" })
}

/// A writer that indents every line after the first by two spaces. JSON text has line breaks
/// only between tokens (a string's are escaped), so this indents the document a level.
struct Indent<W: Write>(W);

impl<W: Write> Write for Indent<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut rest = buf;
        while let Some(at) = rest.iter().position(|&b| b == b'\n') {
            let (line, after) = rest.split_at(at + 1);
            self.0.write_all(line)?;
            self.0.write_all(b"  ")?;
            rest = after;
        }
        self.0.write_all(rest)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

impl<W: Write> JsonReport<W> {
    /// Start the document with its head (schema, tool, settings, geo).
    pub fn start(mut out: W, report: &Head) -> io::Result<Self> {
        out.write_all(b"{\n")?;
        field(&mut out, "schema", &report.schema, false)?;
        field(&mut out, "tool", &report.tool, false)?;
        field(&mut out, "settings", &report.settings, false)?;
        field(&mut out, "geo", &report.geo, false)?;
        out.write_all(b"  \"flows\": [")?;
        Ok(JsonReport {
            out,
            spill: Some(BufWriter::new(tempfile::tempfile()?)),
            flows: 0,
            addresses: 0,
            line: Vec::with_capacity(2048),
        })
    }

    pub fn flow(&mut self, flow: &FlowReport) -> io::Result<()> {
        self.line.clear();
        serde_json::to_writer(&mut self.line, flow).map_err(io::Error::other)?;
        self.out.write_all(if self.flows == 0 {
            b"\n    "
        } else {
            b",\n    "
        })?;
        self.out.write_all(&self.line)?;
        self.flows += 1;
        Ok(())
    }

    pub fn address(&mut self, address: &AddressReport) -> io::Result<()> {
        self.line.clear();
        serde_json::to_writer(&mut self.line, address).map_err(io::Error::other)?;
        let out: &mut dyn Write = match &mut self.spill {
            Some(spill) => spill,
            None => &mut self.out,
        };
        out.write_all(if self.addresses == 0 {
            b"\n    "
        } else {
            b",\n    "
        })?;
        out.write_all(&self.line)?;
        self.addresses += 1;
        Ok(())
    }

    /// No flow follows: close the flows array, open the addresses array with the addresses
    /// that waited, and write later ones straight to the document. Once; later calls do nothing.
    pub fn flows_done(&mut self) -> io::Result<()> {
        let Some(spill) = self.spill.take() else {
            return Ok(());
        };
        let close = if self.flows == 0 { "]" } else { "\n  ]" };
        write!(self.out, "{close},\n  \"addresses\": [")?;
        let mut spill = spill.into_inner().map_err(|e| e.into_error())?;
        spill.rewind()?;
        io::copy(&mut spill, &mut self.out)?;
        Ok(())
    }

    /// Close the document with the tail of `report`; returns the writer (flushed).
    pub fn finish(mut self, report: &Report) -> io::Result<W> {
        self.flows_done()?;
        let close = if self.addresses == 0 { "]" } else { "\n  ]" };
        writeln!(self.out, "{close},")?;
        field(&mut self.out, "resolve", &report.resolve, false)?;
        field(&mut self.out, "inputs", &report.inputs, false)?;
        field(&mut self.out, "summary", &report.summary, true)?;
        self.out.write_all(b"}\n")?;
        self.out.flush()?;
        Ok(self.out)
    }
}

impl<W: Write + Send> crate::analyze::Sink for JsonReport<W> {
    fn flow(&mut self, ended: &crate::analyze::Ended<'_>) -> io::Result<()> {
        JsonReport::flow(self, ended.report)
    }

    fn address(&mut self, address: &AddressReport) -> io::Result<()> {
        JsonReport::address(self, address)
    }

    fn flows_done(&mut self) -> io::Result<()> {
        JsonReport::flows_done(self)
    }
}

#[cfg(test)]
mod tests {
    use super::JsonReport;
    use crate::analyze::collect::{Embedded, collect};

    /// Addresses written before the flows are done wait aside and take their place after the
    /// flows; those after `flows_done` go straight in: the document is the same bytes either
    /// way, and whatever the point at which the flows are said to be done.
    #[test]
    fn addresses_before_and_after_the_flows_are_done_give_the_same_document() {
        let tables = Embedded::load(Some("SE")).unwrap();
        let options = crate::analyze::Options::default();
        let path = std::path::PathBuf::from("captures/names.pcap");
        let run = collect(&[path], tables.context(&options)).unwrap();
        assert!(run.flows.len() > 3 && run.addresses.len() > 3);
        let all_spilled = run.to_json().unwrap();
        for split in [0, 1, run.addresses.len() / 2, run.addresses.len()] {
            let mut out = JsonReport::start(Vec::new(), &run.report.head).unwrap();
            // Some addresses while flows still come, then the last flow.
            let (last, flows) = run.flows.split_last().unwrap();
            for f in flows {
                out.flow(f).unwrap();
            }
            for a in &run.addresses[..split] {
                out.address(a).unwrap();
            }
            out.flow(last).unwrap();
            out.flows_done().unwrap();
            out.flows_done().unwrap();
            for a in &run.addresses[split..] {
                out.address(a).unwrap();
            }
            let bytes = out.finish(&run.report).unwrap();
            let text = String::from_utf8(bytes).unwrap();
            assert_eq!(text, all_spilled, "split at {split}");
        }
        let doc: serde_json::Value = serde_json::from_str(&all_spilled).unwrap();
        assert_eq!(doc["flows"].as_array().unwrap().len(), run.flows.len());
        assert_eq!(
            doc["addresses"].as_array().unwrap().len(),
            run.addresses.len()
        );
    }
}
