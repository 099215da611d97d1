//! Other facts nDPI prints per flow, against residency's `names`: QUIC versions, ECH,
//! certificate names and STUN. Each check prints what it compared and returns its failures.

use crate::known::{CERTS_NDPI_MISSED, CN_DIFFERENCES, QUIC_DIFFERENCES};
use crate::ndpi::{self, STUN, TLS};
use crate::ours::Run;
use residency::names::tls::MAX_SAN_NAMES;

/// `[QUIC ver: ...]` against `names.quic.version`, both ways.
pub fn quic_versions(runs: &[Run]) -> (usize, Vec<String>) {
    let mut compared = 0;
    let mut failures = Vec::new();
    let mut known_used: Vec<(&str, u32)> = Vec::new();
    println!("QUIC versions (nDPI -> residency spelling, residency):");
    for run in runs {
        for f in &run.ndpi {
            let theirs = f.field("QUIC ver").map(ndpi::quic_version);
            let flows = run.flows_for(f).flows;
            let ours: Option<String> = flows
                .iter()
                .find_map(|x| x.names.as_ref()?.quic.as_ref()?.version.clone());
            if theirs.is_none() && ours.is_none() {
                continue;
            }
            compared += 1;
            println!("  {} {}: {theirs:?}, {ours:?}", run.capture, f.describe());
            if theirs == ours {
                continue;
            }
            let known = QUIC_DIFFERENCES.iter().find(|k| {
                k.capture == run.capture
                    && k.flow == f.number
                    && Some(k.ndpi) == theirs.as_deref()
                    && k.residency == ours.as_deref()
            });
            if let Some(k) = known {
                known_used.push((k.capture, k.flow));
            }
            match known {
                Some(k) => println!("    known difference, {:?} is right: {}", k.right, k.why),
                None => failures.push(format!(
                    "{} {}: QUIC version nDPI {theirs:?}, residency {ours:?}",
                    run.capture,
                    f.describe()
                )),
            }
        }
    }
    for k in QUIC_DIFFERENCES {
        if !known_used.contains(&(k.capture, k.flow)) {
            failures.push(format!(
                "QUIC_DIFFERENCES entry {} #{} no longer happens: remove it",
                k.capture, k.flow
            ));
        }
    }
    (compared, failures)
}

/// The last `CN=` of an nDPI `[Subject: ...]`, e.g. `C=US, O=Facebook, Inc., CN=*.fb.com`.
/// A value runs to the next `, ` that starts another `KEY=` (values may hold `, `).
pub fn subject_cn(subject: &str) -> Option<String> {
    let mut cn = None;
    let mut rest = subject;
    while let Some(at) = rest.find("CN=") {
        let starts_rdn = at == 0 || rest[..at].ends_with(", ");
        rest = &rest[at + 3..];
        if !starts_rdn {
            continue;
        }
        let mut end = rest.len();
        let mut from = 0;
        while let Some(comma) = rest[from..].find(", ") {
            let next = &rest[from + comma + 2..];
            let key_len = next
                .bytes()
                .take_while(|b| b.is_ascii_alphanumeric())
                .count();
            if key_len > 0 && next.as_bytes().get(key_len) == Some(&b'=') {
                end = from + comma;
                break;
            }
            from += comma + 2;
        }
        cn = Some(rest[..end].to_string());
    }
    cn
}

/// `[ServerNames: ...]` / `[Subject: ...]` against `names.tls_cert`.
pub fn certificates(runs: &[Run]) -> (usize, Vec<String>) {
    let mut compared = 0;
    let mut failures = Vec::new();
    let mut missed: Vec<(String, u32)> = Vec::new();
    let mut known_used: Vec<(&str, u32)> = Vec::new();
    println!("TLS certificate names:");
    for run in runs {
        for f in run.ndpi.iter().filter(|f| f.master == Some(TLS)) {
            let flows = run.flows_for(f).flows;
            let cert = flows
                .iter()
                .find_map(|x| x.names.as_ref()?.tls_cert.as_ref());
            let (sans, subject) = (f.field("ServerNames"), f.field("Subject"));
            let Some(cert) = cert else {
                if sans.is_some() || subject.is_some() {
                    failures.push(format!(
                        "{} {}: nDPI read a certificate, residency none",
                        run.capture,
                        f.describe()
                    ));
                }
                continue;
            };
            if sans.is_none() && subject.is_none() {
                missed.push((run.capture.clone(), f.number));
                continue;
            }
            compared += 1;
            // SANs: residency keeps the first MAX_SAN_NAMES in certificate order.
            let theirs: Vec<String> = sans
                .map(|s| s.split(',').map(|n| n.to_ascii_lowercase()).collect())
                .unwrap_or_default();
            let expected = &theirs[..theirs.len().min(MAX_SAN_NAMES)];
            if cert.san_dns != expected {
                failures.push(format!(
                    "{} {}: SAN names {:?}, nDPI {:?}",
                    run.capture,
                    f.describe(),
                    cert.san_dns,
                    theirs
                ));
            } else if theirs.len() > MAX_SAN_NAMES {
                println!(
                    "  {} {}: {} SAN names, residency keeps the first {MAX_SAN_NAMES}",
                    run.capture,
                    f.describe(),
                    theirs.len()
                );
            }
            let their_cn = subject.and_then(subject_cn).map(|c| c.to_ascii_lowercase());
            if cert.subject_cn != their_cn {
                let known = CN_DIFFERENCES.iter().find(|k| {
                    k.capture == run.capture
                        && k.flow == f.number
                        && k.residency == cert.subject_cn.as_deref()
                        && k.ndpi == their_cn.as_deref()
                });
                if let Some(k) = known {
                    known_used.push((k.capture, k.flow));
                }
                match known {
                    Some(k) => println!(
                        "  {} {}: CN residency {:?}, nDPI {their_cn:?} — known, {:?} is right: {}",
                        run.capture,
                        f.describe(),
                        cert.subject_cn,
                        k.right,
                        k.why
                    ),
                    None => failures.push(format!(
                        "{} {}: subject CN residency {:?}, nDPI {their_cn:?}",
                        run.capture,
                        f.describe(),
                        cert.subject_cn
                    )),
                }
            }
        }
    }
    println!(
        "  compared {compared} certificates; residency read {} that nDPI did not print:",
        missed.len()
    );
    for (capture, flow) in &missed {
        let entry = CERTS_NDPI_MISSED
            .iter()
            .find(|k| k.capture == capture && k.flows.contains(flow));
        match entry {
            Some(k) => println!("    {capture} #{flow}: {}", k.why),
            None => failures.push(format!(
                "{capture} #{flow}: certificate not in CERTS_NDPI_MISSED"
            )),
        }
    }
    let listed: usize = CERTS_NDPI_MISSED.iter().map(|k| k.flows.len()).sum();
    if listed != missed.len() {
        failures.push(format!(
            "CERTS_NDPI_MISSED lists {listed} flows, {} found: update it",
            missed.len()
        ));
    }
    for k in CN_DIFFERENCES {
        if !known_used.contains(&(k.capture, k.flow)) {
            failures.push(format!(
                "CN_DIFFERENCES entry {} #{} no longer happens: remove it",
                k.capture, k.flow
            ));
        }
    }
    (compared, failures)
}

/// What the STUN check compared.
#[derive(Debug, Default)]
pub struct StunChecked {
    /// nDPI flows labelled STUN.*.
    pub flows: usize,
    /// Of those, the flows nDPI names (by the STUN REALM) and residency names the same.
    pub realms_agreed: usize,
}

/// nDPI flows labelled STUN.* must have `names.stun` with at least one message; where nDPI
/// names such a flow (it takes the name from the REALM attribute), residency's hostname must
/// be the same; where residency's hostname is a `stun-realm`, nDPI must give that name.
pub fn stun(runs: &[Run]) -> (StunChecked, Vec<String>) {
    let mut checked = StunChecked::default();
    let mut failures = Vec::new();
    println!("STUN flows (nDPI STUN.*; residency messages: req/ind/ok/err/channel-data):");
    for run in runs {
        for f in run.ndpi.iter().filter(|f| f.master == Some(STUN)) {
            checked.flows += 1;
            let matched = run.flows_for(f);
            let stun = matched
                .flows
                .iter()
                .find_map(|x| x.names.as_ref()?.stun.as_ref());
            let messages = stun.map_or(0, |s| {
                s.requests
                    + s.indications
                    + s.success_responses
                    + s.error_responses
                    + s.channel_data
            });
            let note = if matched.fuzzy {
                " (found without nDPI's misprinted address)"
            } else {
                ""
            };
            let ours = matched.flows.iter().find_map(|x| x.hostname.as_ref());
            let realm = f.hostname().map(|h| {
                format!(
                    ", nDPI name {h:?} (STUN REALM), residency {:?}",
                    ours.map(|o| (o.name.as_str(), o.source.name()))
                )
            });
            println!(
                "  {} {}: {messages} messages{note}{}",
                run.capture,
                f.describe(),
                realm.unwrap_or_default()
            );
            if messages == 0 {
                failures.push(format!(
                    "{} {}: no STUN messages read",
                    run.capture,
                    f.describe()
                ));
            }
            let ours_realm = ours
                .filter(|o| o.source == residency::names::NameSource::StunRealm)
                .map(|o| o.name.as_str());
            match (f.hostname(), ours.map(|o| o.name.as_str())) {
                (Some(theirs), Some(name)) if theirs.eq_ignore_ascii_case(name) => {
                    checked.realms_agreed += 1;
                }
                (Some(theirs), name) => failures.push(format!(
                    "{} {}: nDPI names it {theirs:?} (STUN REALM), residency {name:?}",
                    run.capture,
                    f.describe()
                )),
                (None, _) if ours_realm.is_some() => failures.push(format!(
                    "{} {}: residency names it {ours_realm:?} by its REALM, nDPI gives no name",
                    run.capture,
                    f.describe()
                )),
                (None, _) => {}
            }
        }
    }
    (checked, failures)
}
