//! `residency diff OLD NEW`: two evidence reports compared (docs/diff.md).

use super::{EXIT_DIFFERENT, EXIT_OK, EXIT_USAGE};
use anyhow::{Context, Result};
use clap::Args;
use residency::diff;
use residency::output::{Output, refuse_inputs};
use residency::report::html;
use std::io::Write;
use std::path::{Path, PathBuf};

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
    /// Write the diff as one self-contained HTML page to PATH: both reports' provenance and
    /// the changes in sortable tables, as `analyze --html --baseline` shows them
    /// (docs/html-report.md).
    #[arg(long, value_name = "PATH")]
    html: Option<PathBuf>,
    /// Entries per list in the terminal (the JSON has them all).
    #[arg(long, value_name = "N", default_value_t = 10)]
    top: usize,
    /// Exit with status 5 when the reports differ (warnings aside), as `git diff
    /// --exit-code` does with 1 (which is residency's error status).
    #[arg(long)]
    exit_code: bool,
}

pub fn diff_cmd(args: DiffArgs) -> Result<u8> {
    let is_stdin = |p: &Path| p.as_os_str() == "-";
    if is_stdin(&args.old) && is_stdin(&args.new) {
        eprintln!("residency: error: only one of OLD and NEW can be standard input (`-`)");
        return Ok(EXIT_USAGE);
    }
    // The output is opened before the reports are read: a missing folder fails now; an
    // output naming one of the reports is refused.
    let mut named: Vec<(&str, &Path)> = Vec::new();
    if let Some(p) = &args.json {
        named.push(("--json", p));
    }
    if let Some(p) = &args.html {
        named.push(("--html", p));
    }
    if named.iter().filter(|(_, p)| is_stdin(p)).count() > 1 {
        eprintln!("residency: error: only one output can go to standard output (`-`)");
        return Ok(EXIT_USAGE);
    }
    let inputs: Vec<&Path> = [&args.old, &args.new]
        .into_iter()
        .filter(|p| !is_stdin(p))
        .map(PathBuf::as_path)
        .collect();
    refuse_inputs(&named, &inputs)?;
    let mut json = match &args.json {
        Some(p) => Some(Output::open(p)?),
        None => None,
    };
    let html = match &args.html {
        Some(p) => Some(Output::open(p)?),
        None => None,
    };
    let (old, old_sha256) = diff::read::read_hashed(&args.old)?;
    let (new, new_sha256) = diff::read::read_hashed(&args.new)?;
    let result = diff::diff(&old, &new);
    if let Some(out) = json.take() {
        out.complete(|o| diff::write_json(&result, o))?;
    }
    if let Some(out) = html {
        let compared = html::Compared {
            diff: &result,
            old: &old,
            new: &new,
            old_sha256: &old_sha256,
            new_sha256: &new_sha256,
        };
        out.complete(|o| match html::render_diff(&compared, o) {
            Ok(_) => Ok(()),
            Err(html::HtmlError::Write(e)) => Err(e),
            Err(e) => Err(std::io::Error::other(e)),
        })?;
    }
    if !named.iter().any(|(_, p)| is_stdin(p)) {
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
