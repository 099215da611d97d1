//! `residency merge REPORT...`: several sites' or runs' reports as one (docs/merge.md).

use super::{EXIT_OK, EXIT_PARTIAL};
use anyhow::{Context, Result};
use clap::Args;
use residency::merge;
use residency::output::{Output, refuse_inputs};
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Args)]
pub struct MergeArgs {
    /// The reports (`residency analyze --json`, `live --json`), in the order to list them.
    #[arg(value_name = "REPORT", required = true)]
    reports: Vec<PathBuf>,
    /// Write the merged document (schema `residency.merge/1`, docs/merge.md) to PATH; `-` =
    /// stdout, which then carries only JSON.
    #[arg(long, value_name = "PATH")]
    json: Option<PathBuf>,
}

pub fn merge_cmd(args: MergeArgs) -> Result<u8> {
    let inputs: Vec<&Path> = args.reports.iter().map(PathBuf::as_path).collect();
    let json = match &args.json {
        Some(p) => {
            refuse_inputs(&[("--json", p)], &inputs)?;
            Some(Output::open(p)?)
        }
        None => None,
    };
    // One report in memory at a time: each is added, then dropped.
    let mut merger = merge::Merger::default();
    for path in &inputs {
        merger.add(merge::read(path)?)?;
    }
    let merged = merger.finish();
    let to_stdout = json.as_ref().is_some_and(Output::is_stdout);
    if let Some(out) = json {
        out.complete(|o| {
            serde_json::to_writer_pretty(&mut *o, &merged)?;
            o.write_all(b"\n")
        })?;
    }
    if !to_stdout {
        let stdout = std::io::stdout();
        let mut out = std::io::BufWriter::new(stdout.lock());
        merge::terminal::write(&merged, &mut out).context("writing the merged totals")?;
        out.flush().context("writing the merged totals")?;
    }
    Ok(
        if merged.summary["complete"] == serde_json::Value::Bool(true) {
            EXIT_OK
        } else {
            EXIT_PARTIAL
        },
    )
}
