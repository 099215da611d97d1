//! Large deterministic captures for memory and throughput measurements (see `generate.rs` for
//! what each kind contains, and `docs/performance.md`).
//!
//! ```text
//! cargo run --release --example floodgen -- flood --flows 2000000 flood.pcap
//! cargo run --release --example floodgen -- flood-few-remotes --flows 2000000 few.pcap
//! cargo run --release --example floodgen -- long --packets 4000000 long.pcap
//! ```

mod generate;

use anyhow::{Context, Result, bail};
use std::path::PathBuf;

const USAGE: &str = "usage: floodgen flood|flood-few-remotes|fragments|dns-names|clienthello|quic-cids [--flows N] OUT.pcap\n       floodgen long [--packets N] OUT.pcap";

fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let kind = args.next().context(USAGE)?;
    let kind =
        generate::Kind::parse(&kind).with_context(|| format!("unknown kind {kind:?}\n{USAGE}"))?;
    let mut size = match kind {
        generate::Kind::Long => 4_000_000,
        _ => 2_000_000,
    };
    let mut out = None;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--flows" | "--packets" => {
                let wanted = if kind == generate::Kind::Long {
                    "--packets"
                } else {
                    "--flows"
                };
                if arg != wanted {
                    bail!("{} takes {wanted}\n{USAGE}", kind.name());
                }
                let n = args.next().context(USAGE)?;
                size = n
                    .replace(['_', ','], "")
                    .parse()
                    .with_context(|| format!("{arg} {n:?}: not a count"))?;
            }
            _ if out.is_none() && !arg.starts_with("--") => out = Some(PathBuf::from(arg)),
            _ => bail!("unexpected argument {arg:?}\n{USAGE}"),
        }
    }
    let out = out.context(USAGE)?;
    let w =
        generate::write(kind, size, &out).with_context(|| format!("writing {}", out.display()))?;
    println!(
        "{} (floodgen v{}): {} packets, {} flows, {} bytes, {:.3} s of capture time",
        out.display(),
        generate::VERSION,
        w.packets,
        w.flows,
        w.bytes,
        w.span_us as f64 / 1e6
    );
    Ok(())
}
