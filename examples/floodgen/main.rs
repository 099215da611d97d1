//! Large deterministic captures for memory and throughput measurements (see `generate.rs` for
//! what each kind contains, and `docs/performance.md`).
//!
//! ```text
//! cargo run --release --example floodgen -- flood --flows 2000000 flood.pcap
//! cargo run --release --example floodgen -- flood-few-remotes --flows 2000000 few.pcap
//! cargo run --release --example floodgen -- long --packets 4000000 long.pcap
//! cargo run --release --example floodgen -- mix --packets 500000 mix.pcap
//! cargo run --release --example floodgen -- expand --copies 100 OUT.pcapng IN...
//! ```

mod expand;
mod generate;
mod remap;
mod rewrite;

use anyhow::{Context, Result, bail};
use std::path::PathBuf;

const USAGE: &str = "usage: floodgen flood|flood-few-remotes|fragments|dns-names|clienthello|quic-cids [--flows N] OUT.pcap\n       floodgen long|mix [--packets N] OUT.pcap\n       floodgen expand --copies N [--seed S] OUT IN...";

fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let kind = args.next().context(USAGE)?;
    if kind == "expand" {
        return run_expand(args);
    }
    let kind =
        generate::Kind::parse(&kind).with_context(|| format!("unknown kind {kind:?}\n{USAGE}"))?;
    let mut size = match kind {
        generate::Kind::Long => 4_000_000,
        generate::Kind::Mix => 500_000,
        _ => 2_000_000,
    };
    let mut out = None;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--flows" | "--packets" => {
                let wanted = if matches!(kind, generate::Kind::Long | generate::Kind::Mix) {
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
    let (w, stats) = generate::write_stats(kind, size, &out)
        .with_context(|| format!("writing {}", out.display()))?;
    println!(
        "{} (floodgen v{}): {} packets, {} flows, {} bytes, {:.3} s of capture time",
        out.display(),
        generate::VERSION,
        w.packets,
        w.flows,
        w.bytes,
        w.span_us as f64 / 1e6
    );
    if let Some(s) = stats {
        let share = |n: u64| 100.0 * n as f64 / w.packets.max(1) as f64;
        println!(
            "  packets: TLS/TCP {:.1} %, QUIC {:.1} %, DNS {:.1} %, STUN and media {:.1} %; IPv6 {:.1} %, VLAN-tagged {:.1} %",
            share(s.tcp),
            share(s.quic),
            share(s.dns),
            share(s.media),
            share(s.ipv6),
            share(s.vlan)
        );
        println!(
            "  flows open: {} at most, {} at the end; ClientHellos {} over TLS, {} over QUIC",
            s.open_peak, s.open_at_end, s.named_tls, s.named_quic
        );
    }
    Ok(())
}

fn count(arg: &str, n: Option<String>) -> Result<u64> {
    let n = n.with_context(|| format!("{arg} needs a number\n{USAGE}"))?;
    n.replace(['_', ','], "")
        .parse()
        .with_context(|| format!("{arg} {n:?}: not a count"))
}

/// `expand --copies N [--seed S] OUT IN...` (see `expand.rs`).
fn run_expand(mut args: impl Iterator<Item = String>) -> Result<()> {
    let (mut copies, mut seed, mut paths) = (None, 1, Vec::new());
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--copies" => copies = Some(count(&arg, args.next())?),
            "--seed" => seed = count(&arg, args.next())?,
            _ if !arg.starts_with("--") => paths.push(PathBuf::from(arg)),
            _ => bail!("unexpected argument {arg:?}\n{USAGE}"),
        }
    }
    let copies = copies.with_context(|| format!("expand needs --copies N\n{USAGE}"))?;
    if paths.len() < 2 {
        bail!("expand needs an output and at least one input\n{USAGE}");
    }
    let out = paths.remove(0);
    let options = expand::Options {
        copies,
        seed,
        out: out.clone(),
        inputs: paths,
    };
    let e = expand::expand(&options).with_context(|| format!("writing {}", out.display()))?;
    println!(
        "{} ({}, floodgen v{}): {} copies of {} inputs, {} packets, {} bytes, {:.3} s of capture time",
        out.display(),
        if e.pcapng { "pcapng" } else { "pcap" },
        generate::VERSION,
        e.copies,
        e.inputs,
        e.packets,
        e.bytes,
        e.span_ns as f64 / 1e9
    );
    println!(
        "  addresses rewritten in {} packets (copies 1..{}), {} in DNS answers; {} packets not parsed (copied unchanged)",
        e.rewritten,
        e.copies.saturating_sub(1),
        e.dns_addresses,
        e.unparsed
    );
    Ok(())
}
