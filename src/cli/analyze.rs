//! `residency analyze`: capture files in, the evidence report out.

use super::args::{AnalysisArgs, GeoArgs, resolver_addr, vantage_arg};
use super::outs::{Outs, output_error, parquet_sink, print_terminal};
use super::progress::Progress;
use super::stats::RunStats;
use super::{EXIT_INTERRUPTED, EXIT_OK, EXIT_PARTIAL, EXIT_USAGE};
use anyhow::{Context, Result};
use clap::Args;
use residency::analyze::{self, Analyzer};
use residency::diff;
use residency::names::resolve::PtrConfig;
use residency::output::{Interrupt, Output, is_broken_pipe, refuse_inputs};
use residency::place::physics::Physics;
use residency::place::physics::vantage::Vantage;
use residency::report;
use residency::report::ecs::NdjsonSink;
use residency::report::json::JsonReport;
use residency::source::{self, is_stdin};
use std::io::Seek;
use std::path::{Path, PathBuf};
use std::time::Duration;

#[derive(Args)]
pub struct AnalyzeArgs {
    /// Capture files, analysed in order as one stream (`-` = standard input); files given
    /// different --vantage values are different sites and never share a flow.
    #[arg(required = true, value_name = "CAPTURE")]
    captures: Vec<PathBuf>,
    /// Write the JSON evidence report to PATH (`-` = stdout, which then carries only JSON).
    /// Written to a temporary file beside PATH and renamed into place when complete.
    #[arg(long, value_name = "PATH")]
    json: Option<PathBuf>,
    /// Write one JSON record per flow, as each flow ends, to PATH (NDJSON in Elastic Common
    /// Schema names; `-` = stdout).
    #[arg(long, value_name = "PATH")]
    flows: Option<PathBuf>,
    /// Write the same per-flow records as one Parquet file to PATH (flat typed columns named
    /// as the NDJSON fields; a row group per 32,768 flows). Needs a build with the `parquet`
    /// feature: `cargo build --release --features parquet`.
    #[arg(long, value_name = "PATH")]
    parquet: Option<PathBuf>,
    /// Write the evidence report as one self-contained HTML page to PATH (map, sortable
    /// tables, provenance; docs/html-report.md), rendered from the JSON report at the end.
    #[arg(long, value_name = "PATH")]
    html: Option<PathBuf>,
    /// Compare this run with an earlier JSON report (`analyze --json`) of the same site: the
    /// HTML page gains a section "Changes since the baseline" (`residency diff BASELINE
    /// THIS`, docs/diff.md). Read before the captures: an unreadable report fails at once.
    #[arg(long, value_name = "OLD.json", requires = "html")]
    baseline: Option<PathBuf>,
    /// Look up reverse DNS (PTR) names for remote destinations the capture does not name.
    /// Off by default: the answers come from outside the capture (the report labels them with
    /// the resolver and the time), so a report made with it is not reproducible.
    #[arg(long)]
    resolve: bool,
    /// The resolver `--resolve` asks (IP or IP:PORT); default: the system's (/etc/resolv.conf).
    #[arg(long, value_name = "ADDR", value_parser = resolver_addr, requires = "resolve")]
    resolver: Option<std::net::SocketAddr>,
    /// Seconds to wait for each reverse lookup.
    #[arg(long, value_name = "SECS", default_value_t = 2, requires = "resolve")]
    resolve_timeout: u64,
    /// Where the capture was taken, for the physics check of round-trip times: an ISO country
    /// code (SE), a city of the shipped list (Stockholm, "London, GB"), or LAT,LON in
    /// degrees (59.33,18.07). Give it once for all files, or once per file in their order
    /// (captures from several sites). Default: the --home country.
    #[arg(long, value_name = "WHERE", value_parser = vantage_arg)]
    vantage: Vec<Vantage>,
    /// No progress display. Progress (which input, bytes read of its size, packets/s, flows)
    /// is shown on standard error only when it is a terminal, and erased before the summary.
    #[arg(long, short)]
    quiet: bool,
    /// Print how fast the run went on standard error: packets/s, MB/s, and each packet's time
    /// (p50, p99, p99.9, max). Wall-clock figures: never part of a report.
    #[arg(long)]
    stats: bool,
    #[command(flatten)]
    analysis: AnalysisArgs,
    #[command(flatten)]
    geo: GeoArgs,
}

pub fn analyze_cmd(args: AnalyzeArgs) -> Result<u8> {
    // SIGINT/SIGTERM from here on stop the reading and finish the outputs.
    let interrupt = Interrupt::install()?;
    run(&args, &interrupt, true)
}

impl AnalyzeArgs {
    /// The analysis `residency check` runs on one capture: the JSON report to `json` and
    /// nothing else, with the check's analysis options.
    pub fn for_check(
        capture: PathBuf,
        json: PathBuf,
        vantage: Vec<Vantage>,
        analysis: AnalysisArgs,
        geo: GeoArgs,
        quiet: bool,
    ) -> AnalyzeArgs {
        AnalyzeArgs {
            captures: vec![capture],
            json: Some(json),
            flows: None,
            parquet: None,
            html: None,
            baseline: None,
            resolve: false,
            resolver: None,
            resolve_timeout: 2,
            vantage,
            // The progress line shows on a terminal, and is erased before the check's listing
            // (not when several captures are analysed at once: their lines would overwrite
            // each other).
            quiet,
            stats: false,
            analysis,
            geo,
        }
    }
}

/// The analysis: `terminal` false leaves out the summary for people (`check` reads the JSON
/// report back instead). `interrupt` is installed once per process by the caller.
pub fn run(args: &AnalyzeArgs, interrupt: &Interrupt, terminal: bool) -> Result<u8> {
    // Geo data first: a bad --geo file or --home fails before a long capture is read.
    let placer = args.geo.placer()?;
    let physics = match Physics::new(
        args.vantage.clone(),
        args.captures.len(),
        placer.home.as_deref(),
    ) {
        Ok(p) => p,
        Err(e @ residency::place::physics::PhysicsError::VantageCount { .. }) => {
            eprintln!("residency: error: {e}");
            return Ok(EXIT_USAGE);
        }
        Err(e) => return Err(e.into()),
    };
    if args.captures.iter().filter(|p| is_stdin(p)).count() > 1 {
        eprintln!("residency: error: `-` (standard input) can be given once");
        return Ok(EXIT_USAGE);
    }
    // One site per vantage: captures from different places never share a flow.
    let sites = (0..args.captures.len())
        .map(|i| {
            let input = u32::try_from(i).unwrap_or(u32::MAX);
            physics
                .vantage_of(input)
                .and_then(|v| u32::try_from(v).ok())
                .unwrap_or(0)
        })
        .collect();
    let options = args.analysis.options(sites);
    let catalog = args.analysis.catalog()?;
    // Outputs: never an input, and opened before anything is read (a missing folder fails
    // now, not after an hour of reading).
    let inputs: Vec<&Path> = args
        .captures
        .iter()
        .filter(|p| !is_stdin(p))
        .map(PathBuf::as_path)
        .collect();
    let mut named: Vec<(&str, &Path)> = Vec::new();
    if let Some(p) = &args.json {
        named.push(("--json", p));
    }
    if let Some(p) = &args.flows {
        named.push(("--flows", p));
    }
    if let Some(p) = &args.parquet {
        if !cfg!(feature = "parquet") {
            eprintln!(
                "residency: error: this build has no Parquet support (--parquet); build it with `cargo build --release --features parquet`"
            );
            return Ok(EXIT_USAGE);
        }
        named.push(("--parquet", p));
    }
    if let Some(p) = &args.html {
        named.push(("--html", p));
    }
    let mut inputs = inputs;
    if let Some(b) = args.baseline.as_deref().filter(|b| !is_stdin(b)) {
        inputs.push(b);
    }
    refuse_inputs(&named, &inputs)?;
    // The baseline before any capture: a wrong file fails now, not after an hour of reading.
    let baseline = match &args.baseline {
        Some(p) if is_stdin(p) && args.captures.iter().any(|c| is_stdin(c)) => {
            eprintln!(
                "residency: error: only one of the captures and --baseline can be standard input (`-`)"
            );
            return Ok(EXIT_USAGE);
        }
        Some(p) => Some(read_baseline(p)?),
        None => None,
    };
    let stdout_taken = named.iter().any(|(_, p)| is_stdin(p));
    if named.iter().filter(|(_, p)| is_stdin(p)).count() > 1 {
        eprintln!("residency: error: only one output can go to standard output (`-`)");
        return Ok(EXIT_USAGE);
    }
    let mut json = match &args.json {
        Some(p) => Some(Output::open(p)?),
        None => None,
    };
    let mut flows = match &args.flows {
        Some(p) => Some(Output::open(p)?),
        None => None,
    };
    let mut parquet = match &args.parquet {
        Some(p) => Some(Output::open(p)?),
        None => None,
    };
    let html = match &args.html {
        Some(p) => Some(Output::open(p)?),
        None => None,
    };
    // Inputs: each opened once, all before reading (a missing file fails now). A regular
    // file is hashed on a second core while it is parsed (with one thread, as it is opened);
    // its hash is waited for where records must name it before reading (see below).
    let mut progress = Progress::new(args.quiet, args.captures.len());
    let mut stats = args.stats.then(RunStats::new);
    let mut opened = Vec::with_capacity(args.captures.len());
    let mut hasher = (options.threads > 1).then(source::Hasher::new);
    for (i, path) in args.captures.iter().enumerate() {
        progress.opening(i, path);
        opened.push(source::open_with(path, hasher.as_mut())?);
    }
    let ctx = analyze::Context {
        options: &options,
        placer: &placer,
        physics: &physics,
        catalog: &catalog,
        judge_per_flow: flows.is_some() || parquet.is_some(),
        resolve: args.resolve.then(|| PtrConfig {
            server: args.resolver,
            timeout: Duration::from_secs(args.resolve_timeout.max(1)),
        }),
    };
    let mut analyzer = Analyzer::new(ctx, args.analysis.top);
    let head = report::record::head(&options, &placer, &catalog);
    // The sinks borrow the outputs: they all end inside this block, before the outputs are
    // finished.
    let json_is_file = matches!(json, Some(Output::File(_)));
    let (report, interrupted, open, mut closed, html_json) = {
        let mut outs = Outs {
            json: match json.as_mut() {
                Some(out) => {
                    Some(JsonReport::start(out, &head).map_err(|e| output_error(&args.json, e))?)
                }
                None => None,
            },
            ndjson: flows.as_mut().map(NdjsonSink::new),
            parquet: match parquet.as_mut() {
                Some(out) => Some(parquet_sink(out).map_err(|e| output_error(&args.parquet, e))?),
                None => None,
            },
            // The page is rendered from the JSON report: read back from --json when that is a
            // regular file (committed by then), else from a copy kept for it.
            html_json: match &html {
                Some(_) if !json_is_file => Some(
                    JsonReport::start(std::io::BufWriter::new(tempfile::tempfile()?), &head)
                        .context("a temporary file for the HTML report")?,
                ),
                _ => None,
            },
            closed: false,
            terminal: !stdout_taken,
        };
        let mut interrupted = None;
        for (i, (path, mut capture)) in args.captures.iter().zip(opened).enumerate() {
            // A signal that came while a read was blocked, or between inputs.
            if let Some(signal) = interrupt.requested() {
                interrupted = Some(signal.name());
                break;
            }
            // The hash is waited for when it must be known before reading: to refuse a second
            // copy of an earlier input, and for per-flow records that name their input's hash
            // (NDJSON, Parquet). The first input of a report otherwise reads while it is hashed.
            let sha256 = if i > 0 || analyzer.judges_per_flow() {
                capture.wait_sha256()
            } else {
                capture.sha256_upfront()
            }
            .map(str::to_string);
            // The same bytes given twice (a file and a copy, or one file named twice) would count
            // every packet twice.
            if let Some(of) = sha256.as_deref().and_then(|s| {
                analyzer
                    .inputs()
                    .iter()
                    .position(|i| i.sha256.as_deref() == Some(s))
            }) {
                analyzer.skip_duplicate(path, &capture, of);
                continue;
            }
            progress.reading(i, path, capture.size_upfront());
            if let Some(s) = &mut stats {
                s.input();
            }
            let mut stop = |read: &analyze::Progress| {
                progress.packet(read);
                if let Some(s) = &mut stats {
                    s.packet(read);
                }
                interrupt
                    .requested()
                    .map(|s| analyze::Stop::Interrupted(s.name()))
            };
            let read = analyzer.read(path, sha256.as_deref(), capture, &mut outs, &mut stop);
            match read {
                Ok(None) => {}
                Ok(Some(analyze::Stop::Interrupted(signal))) => {
                    interrupted = Some(signal);
                    break;
                }
                // Every output's reader went away: nothing left to write.
                Err(e) if is_broken_pipe(&e) => break,
                Err(e) => return Err(e).context("writing the outputs"),
            }
        }
        // A signal during the last read (a pipe that went quiet, then ended) still counts: the
        // user asked the run to stop.
        interrupted = interrupted.or_else(|| interrupt.requested().map(|s| s.name()));
        let partial = analyzer.inputs().iter().any(|i| i.damage.is_some());
        progress.done();
        let closing = stats.as_mut().map(RunStats::closing);
        let finished = analyzer.finish(&mut outs, interrupted);
        if let (Some(s), Some(since)) = (&mut stats, closing) {
            s.closed(since);
        }
        let report = match finished {
            Ok(r) => r,
            Err(e) if is_broken_pipe(&e) => return Ok(exit_for(interrupted, partial)),
            Err(e) => return Err(e).context("writing the outputs"),
        };
        // The sinks end here (their borrows of the outputs with them); the outputs are finished
        // after.
        let open = {
            let Outs {
                json: json_sink,
                ndjson: ndjson_sink,
                parquet: parquet_sink,
                html_json,
                mut closed,
                terminal: _,
            } = outs;
            // An output whose sink was dropped (its reader went away) is not finished below.
            let open = [
                json_sink.is_some(),
                ndjson_sink.is_some(),
                parquet_sink.is_some(),
            ];
            if let Some(sink) = json_sink {
                match sink.finish(&report) {
                    Ok(_) => {}
                    Err(e) if is_broken_pipe(&e) => closed = true,
                    Err(e) => return Err(output_error(&args.json, e)),
                }
            }
            if let Some(sink) = ndjson_sink {
                match sink.into_inner() {
                    Ok(_) => {}
                    Err(e) if is_broken_pipe(&e) => closed = true,
                    Err(e) => return Err(output_error(&args.flows, e)),
                }
            }
            if let Some(sink) = parquet_sink {
                match sink.finish() {
                    Ok(_) => {}
                    Err(e) if is_broken_pipe(&e) => closed = true,
                    Err(e) => return Err(output_error(&args.parquet, e)),
                }
            }
            let html_json = match html_json {
                Some(sink) => Some(sink.finish(&report).context("the HTML report's data")?),
                None => None,
            };
            (open, closed, html_json)
        };
        (report, interrupted, open.0, open.1, open.2)
    };
    for (out, open) in [json, flows, parquet].into_iter().zip(open) {
        let Some(out) = out else { continue };
        if !open {
            continue;
        }
        match out.finish() {
            Ok(()) => {}
            Err(e) if e.is_closed() => closed = true,
            Err(e) => return Err(e.into()),
        }
    }
    let html_source = match (html_json, &args.json) {
        (Some(data), _) => {
            let mut file = data.into_inner().map_err(|e| e.into_error())?;
            file.rewind()?;
            Some(file)
        }
        (None, Some(path)) if html.is_some() && json_is_file => Some(
            std::fs::File::open(path)
                .with_context(|| format!("reading {} back for --html", path.display()))?,
        ),
        (None, _) => None,
    };
    if let (Some(out), Some(data)) = (html, html_source) {
        let this = match &args.json {
            Some(p) if json_is_file => p.clone(),
            _ => PathBuf::from("(this run)"),
        };
        match write_html(out, data, baseline.as_ref(), &this) {
            Ok(()) => {}
            Err(e)
                if e.downcast_ref::<residency::output::OutputError>()
                    .is_some_and(|e| e.is_closed()) =>
            {
                closed = true
            }
            Err(e) => return Err(e),
        }
    }
    if terminal && !stdout_taken && !closed {
        print_terminal(&report, args.analysis.top)?;
    }
    for (i, input) in report.inputs.iter().enumerate() {
        for e in &input.errors {
            eprintln!(
                "residency: warning: {}: {} at byte {} (packet {}): {}; the report covers the file up to there",
                input.path, e.kind, e.offset, e.packet, e.message
            );
        }
        for w in &input.warnings {
            eprintln!("residency: warning: input {i} ({}): {w}", input.path);
        }
        if let Some(of) = input.duplicate_of {
            eprintln!(
                "residency: warning: input {i} ({}) has the same SHA-256 as input {of}: not read again",
                input.path
            );
        }
    }
    if let Some(signal) = interrupted {
        eprintln!(
            "residency: interrupted by {signal}: the outputs cover the packets read before it (complete: false)"
        );
    }
    if let Some(s) = &stats {
        s.print(&mut std::io::stderr().lock())?;
    }
    Ok(exit_for(interrupted, !report.summary.incomplete.is_empty()))
}

/// The baseline report and its SHA-256, read for `--baseline`; the error names the file and
/// what to give instead.
fn read_baseline(path: &Path) -> Result<(diff::Report, String)> {
    diff::read::read_hashed(path).with_context(|| {
        format!(
            "--baseline {}: give a JSON report written by `residency analyze --json PATH` \
             (of a residency.report/2 schema)",
            path.display()
        )
    })
}

/// Renders the page from the JSON report kept for it, into `out` (committed when whole). With
/// a baseline, the same JSON is first read for the diff (`this` names it there), then rewound.
fn write_html(
    out: Output,
    mut data: std::fs::File,
    baseline: Option<&(diff::Report, String)>,
    this: &Path,
) -> Result<()> {
    let new = match baseline {
        Some(_) => {
            let new = diff::read::from_reader_hashed(this, &mut data)
                .context("reading this run's report for the diff with --baseline")?;
            data.rewind()?;
            Some(new)
        }
        None => None,
    };
    let result = baseline
        .zip(new.as_ref())
        .map(|((old, _), (new, _))| diff::diff(old, new));
    let compared = match (baseline, &new, &result) {
        (Some((old, old_sha256)), Some((new, new_sha256)), Some(diff)) => {
            Some(report::html::Compared {
                diff,
                old,
                new,
                old_sha256,
                new_sha256,
            })
        }
        _ => None,
    };
    out.complete(
        |out| match report::html::render_compared(data, compared.as_ref(), out) {
            Ok(_) => Ok(()),
            Err(report::html::HtmlError::Write(e)) => Err(e),
            Err(e) => Err(std::io::Error::other(e)),
        },
    )?;
    Ok(())
}

/// The exit status: interrupted (4), else partial input (3), else 0.
pub fn exit_for(interrupted: Option<&'static str>, partial: bool) -> u8 {
    if interrupted.is_some() {
        EXIT_INTERRUPTED
    } else if partial {
        EXIT_PARTIAL
    } else {
        EXIT_OK
    }
}
