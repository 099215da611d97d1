//! `residency check --policy POLICY.toml REPORT|CAPTURE...`: a gate for CI and audits. Each
//! input is a JSON report, or a capture analysed here exactly as `analyze --json` would (its
//! report goes to a temporary file and is read back, so both kinds are judged on the same
//! JSON). docs/policy.md.

use super::args::{AnalysisArgs, GeoArgs, vantage_arg};
use super::{EXIT_ERROR, EXIT_INTERRUPTED, EXIT_OK, EXIT_PARTIAL, EXIT_USAGE, EXIT_VIOLATED};
use anyhow::{Context, Result};
use clap::Args;
use residency::digest::sha256_hex;
use residency::output::{Interrupt, Output, refuse_inputs};
use residency::place::physics::vantage::Vantage;
use residency::policy::model::Incomplete;
use residency::policy::outcome::{CHECK_SCHEMA, PolicyInfo, Tool};
use residency::policy::{CheckReport, InputOutcome, Policy, Report, Status, evaluate};
use residency::source::is_stdin;
use std::fs::File;
use std::io::{BufReader, Read, Write};
use std::path::{Path, PathBuf};

#[derive(Args)]
pub struct CheckArgs {
    /// The policy: rules in TOML (docs/policy.md; examples in docs/policies/).
    #[arg(long, value_name = "POLICY.toml")]
    policy: PathBuf,
    /// JSON reports (`residency analyze --json`) or capture files (pcap, pcapng), each checked
    /// on its own; a capture is analysed with the options below.
    #[arg(required = true, value_name = "REPORT|CAPTURE")]
    inputs: Vec<PathBuf>,
    /// Write the result as JSON (`residency.check/1`) to PATH (`-` = stdout, which then
    /// carries only JSON). Written to a temporary file beside PATH and renamed into place.
    #[arg(long, value_name = "PATH")]
    json: Option<PathBuf>,
    /// Where the captures were taken, for the physics check (as for `analyze`; one value for
    /// every capture). Default: the --home country.
    #[arg(long, value_name = "WHERE", value_parser = vantage_arg)]
    vantage: Option<Vantage>,
    /// (--top: the flows listed per rule in the terminal; --json lists all.)
    #[command(flatten)]
    analysis: AnalysisArgs,
    #[command(flatten)]
    geo: GeoArgs,
}

/// Largest policy file read. A policy is a few rules (the examples are under 4 kB); a bound
/// keeps a file named by mistake from taking the machine's memory.
const MAX_POLICY_FILE: u64 = 1 << 20;

pub fn check_cmd(mut args: CheckArgs) -> Result<u8> {
    let interrupt = Interrupt::install()?;
    let text = match residency::user_file::read_text(&args.policy, MAX_POLICY_FILE) {
        Ok(t) => t,
        Err(e) => {
            eprintln!(
                "residency: error: cannot read the policy {}: {e}",
                args.policy.display()
            );
            return Ok(EXIT_ERROR);
        }
    };
    let policy = match Policy::parse(&text) {
        Ok(p) => p,
        Err(e) => {
            eprintln!(
                "residency: error: the policy {} is not valid: {e}",
                args.policy.display()
            );
            return Ok(EXIT_ERROR);
        }
    };
    match (&args.geo.home, &policy.home) {
        (Some(given), Some(want)) if given != want => {
            eprintln!(
                "residency: error: --home {given} contradicts the policy's home = \"{want}\""
            );
            return Ok(EXIT_USAGE);
        }
        (None, Some(want)) => args.geo.home = Some(want.clone()),
        _ => {}
    }
    if args.inputs.iter().any(|p| is_stdin(p)) {
        eprintln!(
            "residency: error: `check` reads files only (`-` is not accepted): write the report or capture to a file first"
        );
        return Ok(EXIT_USAGE);
    }
    let mut json = match &args.json {
        Some(p) => {
            let mut inputs: Vec<&Path> = args.inputs.iter().map(PathBuf::as_path).collect();
            inputs.push(&args.policy);
            refuse_inputs(&[("--json", p)], &inputs)?;
            Some(Output::open(p)?)
        }
        None => None,
    };
    // Captures are analysed several at a time (one per core, `--threads`), each on one
    // thread; the outcomes, the listing and the JSON are in the order of the inputs whatever
    // finishes first.
    let workers = args.analysis.threads().min(args.inputs.len()).max(1);
    let outcomes = if workers > 1 {
        let mut inner = args.analysis.clone();
        inner.threads = 1;
        check_all(&policy, &args, &inner, workers, &interrupt)
    } else {
        let mut outcomes = Vec::with_capacity(args.inputs.len());
        let mut interrupted = false;
        for path in &args.inputs {
            let (outcome, stopped) = check_one(
                &policy,
                &args,
                (&args.analysis, false),
                path,
                &mut interrupted,
                &interrupt,
            );
            say(&policy, &outcome, &path.display().to_string());
            interrupted = interrupted || stopped;
            outcomes.push(outcome);
        }
        outcomes
    };
    let status = outcomes
        .iter()
        .map(|o| o.status)
        .max()
        .unwrap_or(Status::Holds);
    let exit = match status {
        Status::Holds => EXIT_OK,
        Status::Incomplete => EXIT_PARTIAL,
        Status::Violated => EXIT_VIOLATED,
        Status::Error => EXIT_ERROR,
    };
    let report = CheckReport {
        schema: CHECK_SCHEMA,
        tool: Tool {
            name: "residency",
            version: env!("CARGO_PKG_VERSION"),
        },
        policy: PolicyInfo {
            path: args.policy.display().to_string(),
            sha256: sha256_hex(text.as_bytes()),
            name: policy.name.clone(),
            home: policy.home.clone(),
            unknown: policy.unknown,
            unanswered: policy.unanswered,
            incomplete: policy.incomplete,
            rules: policy.rules.len(),
        },
        status,
        exit,
        inputs: outcomes,
    };
    let stdout_taken = args.json.as_deref().is_some_and(is_stdin);
    if let Some(out) = json.take() {
        out.complete(|o| report.write_json(o)).with_context(|| {
            format!(
                "writing {}",
                args.json.as_deref().unwrap_or(Path::new("-")).display()
            )
        })?;
    }
    if !stdout_taken {
        let stdout = std::io::stdout();
        let mut out = std::io::BufWriter::new(stdout.lock());
        report
            .write_terminal(args.analysis.top, &mut out)
            .and_then(|()| out.flush())
            .context("writing the listing")?;
    }
    Ok(exit)
}

/// A JSON report starts with `{` (after white space); anything else is taken for a capture,
/// whose reader says what it is when it is not one.
fn looks_like_report(path: &Path) -> std::io::Result<bool> {
    let mut head = [0u8; 64];
    let n = File::open(path)?.read(&mut head)?;
    Ok(head[..n]
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|&b| b == b'{'))
}

fn check_report(policy: &Policy, path: &Path, shown: &str) -> InputOutcome {
    let read = File::open(path)
        .map_err(|e| e.to_string())
        .and_then(|f| Report::from_reader(BufReader::new(f)).map_err(|e| e.to_string()));
    match read.and_then(|r| evaluate(policy, &r, shown, "report").map_err(|e| e.to_string())) {
        Ok(o) => o,
        Err(e) => InputOutcome::failed(shown, "report", e),
    }
}

/// Checks every input on `workers` threads, each taking the next input not yet taken; the
/// messages are said, and the outcomes returned, in the inputs' order.
fn check_all(
    policy: &Policy,
    args: &CheckArgs,
    inner: &AnalysisArgs,
    workers: usize,
    interrupt: &Interrupt,
) -> Vec<InputOutcome> {
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    let next = AtomicUsize::new(0);
    let stopped = AtomicBool::new(false);
    let slots: Vec<Mutex<Option<InputOutcome>>> =
        args.inputs.iter().map(|_| Mutex::new(None)).collect();
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(path) = args.inputs.get(i) else {
                        break;
                    };
                    let mut interrupted = stopped.load(Ordering::Relaxed);
                    let (outcome, stop) = check_one(
                        policy,
                        args,
                        (inner, true),
                        path,
                        &mut interrupted,
                        interrupt,
                    );
                    if stop || interrupted {
                        stopped.store(true, Ordering::Relaxed);
                    }
                    if let Some(slot) = slots.get(i) {
                        *slot.lock().unwrap_or_else(|e| e.into_inner()) = Some(outcome);
                    }
                }
            });
        }
    });
    args.inputs
        .iter()
        .zip(slots)
        .map(|(path, slot)| {
            let shown = path.display().to_string();
            let outcome = slot
                .into_inner()
                .unwrap_or_else(|e| e.into_inner())
                .unwrap_or_else(|| {
                    InputOutcome::failed(&shown, "capture", "not checked: a worker failed".into())
                });
            say(policy, &outcome, &shown);
            outcome
        })
        .collect()
}

/// Checks one input (a report, or a capture analysed with `analysis`, `quiet`: without a
/// progress line, as when several are analysed at once); `interrupted` says the run was
/// interrupted before (the input is then not checked) and is set when a signal came. The
/// bool: the analysis itself was interrupted.
fn check_one(
    policy: &Policy,
    args: &CheckArgs,
    (analysis, quiet): (&AnalysisArgs, bool),
    path: &Path,
    interrupted: &mut bool,
    interrupt: &Interrupt,
) -> (InputOutcome, bool) {
    let shown = path.display().to_string();
    // A signal while a report was being read: stop before the next input.
    *interrupted = *interrupted || interrupt.requested().is_some();
    if *interrupted {
        return (
            InputOutcome::failed(
                &shown,
                "capture",
                "not checked: the run was interrupted".to_string(),
            ),
            false,
        );
    }
    match looks_like_report(path) {
        Err(e) => (
            InputOutcome::failed(&shown, "report", format!("cannot read it: {e}")),
            false,
        ),
        Ok(true) => (check_report(policy, path, &shown), false),
        Ok(false) => check_capture(policy, args, analysis, quiet, path, &shown, interrupt),
    }
}

/// The input's error or warning on standard error.
fn say(policy: &Policy, outcome: &InputOutcome, shown: &str) {
    if let Some(e) = &outcome.error {
        if e.contains(shown) {
            eprintln!("residency: error: {e}");
        } else {
            eprintln!("residency: error: {shown}: {e}");
        }
    } else if outcome.complete == Some(false) {
        let what = match policy.incomplete {
            Incomplete::Partial => "no rule can hold on it (exit 3 unless one is violated)",
            Incomplete::Violation => "the policy counts that as a violation",
            Incomplete::Accept => "the policy accepts that (incomplete = \"accept\")",
        };
        eprintln!(
            "residency: warning: {shown} is incomplete ({}): {what}",
            outcome.incomplete.join(", ")
        );
    }
}

/// Analyses the capture into a temporary report and checks that; the bool: the run was
/// interrupted (the rest of the inputs are then not checked).
fn check_capture(
    policy: &Policy,
    args: &CheckArgs,
    analysis: &AnalysisArgs,
    quiet: bool,
    path: &Path,
    shown: &str,
    interrupt: &Interrupt,
) -> (InputOutcome, bool) {
    let failed = |e: String| InputOutcome::failed(shown, "capture", e);
    let dir = match tempfile::Builder::new()
        .prefix(".residency-check")
        .tempdir()
    {
        Ok(d) => d,
        Err(e) => {
            return (
                failed(format!("cannot make a temporary folder: {e}")),
                false,
            );
        }
    };
    let json = dir.path().join("report.json");
    let analyze = super::analyze::AnalyzeArgs::for_check(
        path.to_path_buf(),
        json.clone(),
        args.vantage.iter().cloned().collect(),
        analysis.clone(),
        args.geo.clone(),
        quiet,
    );
    let code = match super::analyze::run(&analyze, interrupt, false) {
        Ok(code) => code,
        Err(e) => return (failed(format!("{e:#}")), false),
    };
    let outcome = match File::open(&json) {
        Ok(f) => match Report::from_reader(BufReader::new(f))
            .and_then(|r| evaluate(policy, &r, shown, "capture"))
        {
            Ok(o) => o,
            Err(e) => failed(e.to_string()),
        },
        Err(e) => failed(format!("the analysis wrote no report (exit {code}): {e}")),
    };
    (outcome, code == EXIT_INTERRUPTED)
}
