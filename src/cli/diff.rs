//! `residency diff OLD NEW`: two evidence reports compared (docs/diff.md).

use super::{EXIT_DIFFERENT, EXIT_OK, EXIT_USAGE};
use anyhow::{Context, Result};
use clap::Args;
use residency::diff;
use residency::output::{Output, refuse_inputs};
use std::io::Write;
use std::path::PathBuf;

#[derive(Args)]
pub struct DiffArgs {
    /// The report before the change (`residency analyze --json`); `-` = standard input.
    #[arg(value_name = "OLD")]
    old: PathBuf,
    /// The report after the change; `-` = standard input (only one of the two).
    #[arg(value_name = "NEW")]
    new: PathBuf,
    /// Write the diff as JSON (schema `residency.diff/1`, docs/diff.md) to PATH; `-` =
    /// stdout, which then carries only JSON.
    #[arg(long, value_name = "PATH")]
    json: Option<PathBuf>,
    /// Entries per list in the terminal (the JSON has them all).
    #[arg(long, value_name = "N", default_value_t = 10)]
    top: usize,
    /// Exit with status 5 when the reports differ (warnings aside), as `git diff
    /// --exit-code` does with 1 (which is residency's error status).
    #[arg(long)]
    exit_code: bool,
}

pub fn diff_cmd(args: DiffArgs) -> Result<u8> {
    let is_stdin = |p: &PathBuf| p.as_os_str() == "-";
    if is_stdin(&args.old) && is_stdin(&args.new) {
        eprintln!("residency: error: only one of OLD and NEW can be standard input (`-`)");
        return Ok(EXIT_USAGE);
    }
    // The output is opened before the reports are read: a missing folder fails now; an
    // output naming one of the reports is refused.
    let mut json = match &args.json {
        Some(p) => {
            refuse_inputs(&[("--json", p)], &[&args.old, &args.new])?;
            Some(Output::open(p)?)
        }
        None => None,
    };
    let old = diff::read(&args.old)?;
    let new = diff::read(&args.new)?;
    let result = diff::diff(&old, &new);
    if let Some(out) = json.take() {
        out.complete(|o| diff::write_json(&result, o))?;
    }
    if !args.json.as_ref().is_some_and(is_stdin) {
        let stdout = std::io::stdout();
        let mut out = std::io::BufWriter::new(stdout.lock());
        diff::write_terminal(&result, args.top, &mut out).context("writing the diff")?;
        out.flush().context("writing the diff")?;
    }
    Ok(if args.exit_code && result.differences {
        EXIT_DIFFERENT
    } else {
        EXIT_OK
    })
}
