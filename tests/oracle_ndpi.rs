//! Oracle test: names and services checked against nDPI's expected output for the same
//! captures (`../shared/captures/expected/<capture>.out`, see `../shared/README.md`).
//!
//! nDPI is an independent DPI library; its `.out` files print one line per flow with its
//! application label (`[proto: 91.250/TLS.Teams]`), the name it attributed to the flow
//! (`[Hostname/SNI: ...]`), and details (`[QUIC ver: ...]`, `[ServerNames: ...]`,
//! `[Subject: ...]`, `[ECH: ...]`). residency runs once per capture through the library, and
//! flows are matched by transport and direction-free endpoint pair (addresses compared as
//! parsed `IpAddr`s: nDPI writes some IPv6 addresses non-canonically).
//!
//! Checked:
//! * hostnames: on nDPI's TLS, QUIC and HTTP flows (master protocol 91, 188, 7) that it
//!   names, residency's `hostname.name` is the same (case-insensitive) on at least 97%, and
//!   every difference is one examined in `known::KNOWN_DIFFERENCES`; where residency names a
//!   flow and nDPI does not, the flow is in `known::EXTRA_NAMES`, with the evidence;
//! * teams.pcap: flows nDPI labels Teams/Skype_Teams/Skype_TeamsCall/Microsoft365/Azure get a
//!   Microsoft service (DNS lookups to the local resolver through `names.dns_query_services`
//!   instead), telemetry endpoints get category `telemetry`; exact counts;
//! * QUIC versions, ECH, TLS certificate names and STUN (messages read, names from the
//!   REALM attribute) against what nDPI prints.
//!
//! No captures directory, or one without all of `CAPTURES` and their `.out`: every test
//! prints why and passes. `RESIDENCY_NDPI_CAPTURES` overrides the directory (it must hold
//! `expected/`).
//!
//! The parts: `ndpi` (reading `.out` lines), `ours` (residency's side, flow matching),
//! `known` (examined differences), `hostnames`, `teams`, `details` (the checks).

mod cli;

use cli::skip;

#[path = "oracle_ndpi/details.rs"]
mod details;
#[path = "oracle_ndpi/hostnames.rs"]
mod hostnames;
#[path = "oracle_ndpi/known.rs"]
mod known;
#[path = "oracle_ndpi/ndpi.rs"]
mod ndpi;
#[path = "oracle_ndpi/ours.rs"]
mod ours;
#[path = "oracle_ndpi/teams.rs"]
mod teams;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The captures, relative to the crate root.
const CAPTURES_DIR: &str = "../shared/captures";
/// The captures with an nDPI `.out` that the figures asserted below come from (all 30 of
/// `../shared/captures`). A capture added later is compared too (its differences must be
/// explained), and changes the asserted counts.
const CAPTURES: &[&str] = &[
    "4in4tunnel.pcap",
    "6in4tunnel.pcap",
    "KakaoTalk_chat.pcap",
    "dlt_ppp.pcap",
    "dns.pcap",
    "dns_ambiguous_names.pcap",
    "fuzz-2021-10-13.pcap",
    "gre.pcapng",
    "http.pcapng",
    "http_ipv6.pcap",
    "ip_fragmented_garbage.pcap",
    "kerberos_fuzz.pcapng",
    "malformed_dns.pcap",
    "ossfuzz_seed_fake_traces_1.pcapng",
    "quic-29.pcap",
    "quic-mvfst-22_decryption_error.pcap",
    "quic-v2.pcapng",
    "quic.pcap",
    "quic_frags_ch_in_multiple_packets.pcapng",
    "rdp.pcap",
    "selfsigned.pcap",
    "skype-conference-call.pcap",
    "stun.pcap",
    "stun_msteams_unidir.pcapng",
    "teams.pcap",
    "tls-rdn-extract.pcap",
    "tls_1.2_unidirectional_server.pcapng",
    "tls_2_reasms.pcapng",
    "tls_ech.pcapng",
    "vxlan.pcap",
];
/// Environment variable that points the test at another captures directory.
const CAPTURES_ENV: &str = "RESIDENCY_NDPI_CAPTURES";

fn captures_dir() -> PathBuf {
    match std::env::var_os(CAPTURES_ENV) {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join(CAPTURES_DIR),
    }
}

/// Every capture analysed once, shared by the tests (None: no captures, skip).
fn runs() -> Option<&'static [ours::Run]> {
    static RUNS: OnceLock<Option<Result<Vec<ours::Run>, String>>> = OnceLock::new();
    let runs = RUNS.get_or_init(|| {
        let dir = captures_dir();
        dir.join("expected").is_dir().then(|| ours::run_all(&dir))
    });
    match runs {
        None => {
            skip(&format!(
                "{}/expected is absent; the nDPI oracle compares nothing",
                captures_dir().display()
            ));
            None
        }
        Some(Err(e)) => panic!("running residency on the captures failed: {e}"),
        Some(Ok(runs)) => {
            let missing: Vec<&str> = CAPTURES
                .iter()
                .copied()
                .filter(|c| !runs.iter().any(|r| r.capture == *c))
                .collect();
            if missing.is_empty() {
                Some(runs)
            } else {
                skip(&format!(
                    "captures (or their nDPI .out) missing: {missing:?}; the figures asserted \
                     here are those of the whole set, so the nDPI oracle compares nothing"
                ));
                None
            }
        }
    }
}

fn run(capture: &str) -> Option<&'static ours::Run> {
    let found = runs()?.iter().find(|r| r.capture == capture);
    if found.is_none() {
        skip(&format!("{capture} is absent; its checks compare nothing"));
    }
    found
}

fn assert_none(what: &str, failures: &[String]) {
    assert!(failures.is_empty(), "{what}:\n  {}", failures.join("\n  "));
}

#[test]
fn hostnames_agree_with_ndpi() {
    let Some(runs) = runs() else { return };
    for r in runs {
        let unreadable = &r.ndpi_unreadable;
        assert!(
            unreadable.is_empty(),
            "{}: unreadable lines {unreadable:?}",
            r.capture
        );
        for d in r.ndpi_duplicates() {
            println!("note: {} has the 5-tuple of {d} more than once", r.capture);
        }
        for (key, n) in r.our_duplicates() {
            println!("note: {} residency has {n} flows on {key:?}", r.capture);
        }
    }
    let outcome = hostnames::compare(runs);
    let failures = hostnames::report(&outcome);
    let t = outcome.totals();
    let rate = t.matched as f64 / t.compared.max(1) as f64;
    println!(
        "matched {}/{} = {:.1}% (at least {:.0}% required)",
        t.matched,
        t.compared,
        100.0 * rate,
        100.0 * hostnames::MIN_MATCH_RATE
    );
    assert!(t.compared > 0, "no flow compared");
    assert!(rate >= hostnames::MIN_MATCH_RATE, "match rate {rate:.3}");
    assert_none("hostname differences", &failures);
}

#[test]
fn teams_flows_get_microsoft_services_and_telemetry() {
    let Some(run) = run(teams::CAPTURE) else {
        return;
    };
    let catalog = residency::services::Catalog::embedded().expect("embedded catalog");
    let (counts, failures) = teams::check(run, &catalog);
    println!("{counts:#?}");
    assert_none("teams.pcap", &failures);
    // 27 TLS flows labelled Teams/Skype_Teams/Microsoft365, 1 UDP/3478 flow labelled
    // Skype_TeamsCall by port, 12 STUN.Skype_TeamsCall flows; 13 DNS lookups.
    assert_eq!(counts.microsoft, 40);
    assert_eq!(counts.dns_lookups, 13);
    // Media between 192.168.1.6 and a LAN peer (192.168.0.4) or the NAT's own public address.
    assert_eq!(counts.peer_to_peer, 4);
    assert_eq!(counts.telemetry, 11);
    assert_eq!(
        counts.telemetry_names,
        [
            ("mobile.pipe.aria.microsoft.com".to_string(), 9),
            ("gate.hockeyapp.net".to_string(), 2)
        ]
    );
}

#[test]
fn quic_versions_agree_with_ndpi() {
    let Some(runs) = runs() else { return };
    let (compared, failures) = details::quic_versions(runs);
    println!("compared {compared} QUIC flows");
    assert_none("QUIC versions", &failures);
    assert_eq!(compared, 15);
}

#[test]
fn ech_outer_name_agrees_with_ndpi() {
    let Some(run) = run("tls_ech.pcapng") else {
        return;
    };
    let ech: Vec<&ndpi::Flow> = run
        .ndpi
        .iter()
        .filter(|f| f.field("ECH").is_some())
        .collect();
    let [f] = ech[..] else {
        panic!("nDPI flows with ECH: {}", ech.len())
    };
    assert_eq!(f.field("ECH"), Some("version 0xfe0d"));
    let flows = run.flows_for(f).flows;
    let [x] = flows[..] else {
        panic!("residency flows: {}", flows.len())
    };
    let tls = x
        .names
        .as_ref()
        .and_then(|n| n.tls.as_ref())
        .expect("a ClientHello");
    println!(
        "{}: nDPI {:?}, residency sni {:?} ech {}",
        f.describe(),
        f.hostname(),
        tls.sni,
        tls.ech
    );
    assert!(tls.ech);
    assert_eq!(tls.sni.as_deref(), Some("performance.radar.cloudflare.com"));
    assert_eq!(tls.sni.as_deref(), f.hostname());
    // No other flow of any capture claims ECH.
    let Some(runs) = runs() else { return };
    let claims: usize = runs
        .iter()
        .flat_map(|r| &r.report.flows)
        .filter(|x| {
            x.names
                .as_ref()
                .and_then(|n| n.tls.as_ref())
                .is_some_and(|t| t.ech)
        })
        .count();
    assert_eq!(claims, 1);
}

#[test]
fn certificate_names_agree_with_ndpi() {
    let Some(runs) = runs() else { return };
    let (compared, failures) = details::certificates(runs);
    assert_none("certificate names", &failures);
    assert_eq!(compared, 36);
}

#[test]
fn stun_flows_are_read() {
    let Some(runs) = runs() else { return };
    let (checked, failures) = details::stun(runs);
    println!("checked {checked:?}");
    assert_none("STUN", &failures);
    assert_eq!(checked.flows, 20);
    // stun.pcap: turner.facebook (UDP, flow 1), apps-host.com (TCP, flow 4) and
    // turn.l.google.com (UDP, flow 6), each named by its REALM on both sides.
    assert_eq!(checked.realms_agreed, 3);
}

// ---------------------------------------------------------------------------------------
// The harness's own rules (no captures needed).

#[test]
fn harness_reads_ndpi_lines() {
    let line = "\t7\tTCP [2001:db8::1]:443 <-> 10.0.0.2:5000 [VLAN: 5][proto: VXLAN:91.119/TLS.Facebook][Encrypted][Hostname/SNI: www.facebook.com][Mapped IP/Port: [2001:db8::2]:3478][ServerNames: a.b,c.d]";
    let f = ndpi::parse_line(line, false).expect("parses");
    assert_eq!(f.number, 7);
    assert_eq!(f.transport, "TCP");
    assert_eq!(f.client.ip, Some("2001:db8::1".parse().unwrap()));
    assert_eq!((f.server.text.as_str(), f.server.port), ("10.0.0.2", 5000));
    assert!(!f.one_way);
    assert_eq!((f.master, f.app), (Some(91), Some(119)));
    assert!(f.labelled("Facebook") && f.labelled("TLS"));
    assert_eq!(f.hostname(), Some("www.facebook.com"));
    assert_eq!(f.field("Mapped IP/Port"), Some("[2001:db8::2]:3478"));
    assert_eq!(f.field("ServerNames"), Some("a.b,c.d"));
    assert_eq!(f.field("Encrypted"), Some(""));
    // One-way flow, a single protocol id, nDPI's broken IPv6 text kept as text.
    let f = ndpi::parse_line(
        "\t8\tUDP [2600::19::]:3478 -> 1.2.3.4:9 [proto: 78/STUN]",
        true,
    )
    .expect("parses");
    assert!(f.one_way && f.undetected);
    assert_eq!((f.master, f.app, f.client.ip), (Some(78), None, None));
    assert_eq!(f.client.text, "2600::19::");
    // The JA3 host table also starts with a tab and a number: not a flow.
    let (flows, bad) = ndpi::parse_out(
        "\t1\t 10.0.0.1 \t 3\nUndetected flows:\n\t1\tUDP 1.1.1.1:1 <-> 2.2.2.2:2 [proto: 0/Unknown]\n",
    );
    assert_eq!((flows.len(), bad.len()), (1, 0));
    assert!(flows[0].undetected);
}

#[test]
fn harness_maps_ndpi_spellings() {
    assert_eq!(ndpi::quic_version("V-1"), "v1");
    assert_eq!(ndpi::quic_version("V-2"), "v2");
    assert_eq!(ndpi::quic_version("Draft-29"), "draft-29");
    assert_eq!(ndpi::quic_version("MVFST-22"), "mvfst-draft-22");
    assert_eq!(ndpi::quic_version("Q046"), "Q046");
    let cn = details::subject_cn;
    assert_eq!(
        cn("C=US, ST=CA, O=Facebook, Inc., CN=*.facebook.com").as_deref(),
        Some("*.facebook.com")
    );
    assert_eq!(
        cn("CN=a.example, O=Acme, Inc., CN=b.example").as_deref(),
        Some("b.example")
    );
    assert_eq!(cn("CN=x, y.example, O=Z").as_deref(), Some("x, y.example"));
    assert_eq!(cn("C=IT, ST=Some-State, O=ntop.org"), None);
    assert_eq!(cn("O=NOTCN=a, C=US"), None);
    assert!(teams::is_telemetry("mobile.pipe.aria.microsoft.com"));
    assert!(teams::is_telemetry("Gate.HockeyApp.net"));
    assert!(teams::is_telemetry("nexus.officeapps.live.com"));
    assert!(!teams::is_telemetry("aria.microsoft.com.evil.example"));
    assert!(!teams::is_telemetry("teams.microsoft.com"));
}
