//! geo/services.toml as shipped: the issue's names and ranges give the expected service and
//! category, every entry is sourced and dated, every provider exists in geo/providers.toml, and
//! the names of nDPI's Teams capture all get a Microsoft service.

use residency::place::providers::ProviderTable;
use residency::services::Category::*;
use residency::services::{Catalog, Category, Query, RuleKind};
use std::collections::BTreeSet;
use std::net::IpAddr;

const TCP: u8 = 6;
const UDP: u8 = 17;

fn catalog() -> Catalog {
    Catalog::embedded().expect("geo/services.toml loads")
}

/// (service name, category, rule kind) of a flow.
fn classify(
    c: &Catalog,
    name: Option<&str>,
    server: &str,
    protocol: u8,
    port: u16,
) -> Option<(String, Category, RuleKind, String)> {
    let server: IpAddr = server.parse().expect("address");
    c.classify(&Query {
        name,
        server,
        protocol,
        server_port: Some(port),
    })
    .map(|m| (m.service.name.clone(), m.service.category, m.kind, m.rule))
}

/// Names from the issue and from real captures → (service name, category).
const NAMES: &[(&str, &str, Category)] = &[
    (
        "mobile.pipe.aria.microsoft.com",
        "Microsoft telemetry",
        Telemetry,
    ),
    (
        "eu-mobile.events.data.microsoft.com",
        "Microsoft telemetry (EU collector)",
        Telemetry,
    ),
    (
        "self.events.data.microsoft.com",
        "Microsoft telemetry",
        Telemetry,
    ),
    (
        "nexus.officeapps.live.com",
        "Microsoft telemetry",
        Telemetry,
    ),
    (
        "settings-win.data.microsoft.com",
        "Windows diagnostic data",
        Telemetry,
    ),
    ("gate.hockeyapp.net", "HockeyApp crash reporting", Telemetry),
    (
        "dc.applicationinsights.microsoft.com",
        "Azure Application Insights",
        Telemetry,
    ),
    ("teams.microsoft.com", "Microsoft Teams", Signalling),
    ("x.teams.cloud.microsoft", "Microsoft Teams", Signalling),
    (
        "trouter2-asse-a.trouter.teams.microsoft.com",
        "Microsoft Teams",
        Signalling,
    ),
    ("eu-api.asm.skype.com", "Microsoft Teams", Signalling),
    ("login.microsoftonline.com", "Microsoft Entra ID", Auth),
    ("aadcdn.msftauth.net", "Microsoft Entra ID", Auth),
    ("graph.microsoft.com", "Microsoft 365", Web),
    ("substrate.office.com", "Microsoft 365", Web),
    ("outlook.office.com", "Exchange Online", Web),
    (
        "contoso-my.sharepoint.com",
        "SharePoint Online and OneDrive",
        Storage,
    ),
    ("statics.teams.cdn.office.net", "Microsoft 365 CDN", Cdn),
    ("www.microsoft.com", "Microsoft", Web),
    ("portal.azure.com", "Microsoft Azure", Other),
    (
        "northeuropecns.trafficmanager.net",
        "Microsoft Azure",
        Other,
    ),
    ("x.blob.core.windows.net", "Azure Blob Storage", Storage),
    (
        "x.azureedge.net",
        "Microsoft CDN (Azure Front Door, Azure CDN)",
        Cdn,
    ),
    ("s3.eu-west-1.amazonaws.com", "Amazon Web Services", Other),
    ("d1234.cloudfront.net", "Amazon CloudFront", Cdn),
    ("performance.radar.cloudflare.com", "Cloudflare", Web),
    ("us02web.zoom.us", "Zoom", Signalling),
    ("x.wbx2.com", "Webex", Signalling),
    ("meet.google.com", "Google Meet", Signalling),
    ("www.google.com", "Google", Web),
    ("i.ytimg.com", "YouTube", Media),
    ("app.slack.com", "Slack", Web),
    (
        "abc.chime.aws",
        "Amazon Chime SDK media (Slack huddles)",
        Media,
    ),
    ("c.disquscdn.com", "Disqus", Web),
    ("star.c10r.facebook.com", "Facebook", Web),
    ("e7.whatsapp.net", "WhatsApp", Signalling),
];

/// Flows without a name: (server, protocol, server port) → (service name, category).
const RANGES: &[(&str, u8, u16, &str, Category)] = &[
    ("52.112.1.10", UDP, 3478, "Microsoft Teams media", Media),
    ("52.114.77.136", UDP, 3478, "Microsoft Teams media", Media),
    ("52.122.0.9", UDP, 3481, "Microsoft Teams media", Media),
    ("2603:1063::1", UDP, 3479, "Microsoft Teams media", Media),
    ("13.107.64.5", UDP, 3478, "Microsoft Teams media", Media),
    ("52.112.1.10", TCP, 443, "Microsoft Teams", Signalling),
    ("2603:1027::5", TCP, 443, "Microsoft Teams", Signalling),
    ("2620:1ec:40::1", TCP, 443, "Microsoft Teams", Signalling),
    ("40.126.9.7", TCP, 443, "Microsoft Entra ID", Auth),
    ("13.107.18.11", TCP, 443, "Exchange Online", Web),
    ("170.114.10.5", UDP, 8801, "Zoom media", Media),
    ("170.114.10.5", TCP, 443, "Zoom", Signalling),
    ("170.72.1.1", UDP, 9000, "Webex Meetings media", Media),
    ("142.250.82.10", UDP, 19305, "Google Meet media", Media),
    (
        "2001:4860:4864:5::10",
        UDP,
        3478,
        "Google Meet media",
        Media,
    ),
    (
        "99.77.130.5",
        UDP,
        22466,
        "Amazon Chime SDK media (Slack huddles)",
        Media,
    ),
];

#[test]
fn the_issues_names_give_the_expected_service() {
    let c = catalog();
    for &(name, service, category) in NAMES {
        let got = classify(&c, Some(name), "192.0.2.1", TCP, 443);
        let got = got.map(|(s, cat, kind, _)| (s, cat, kind));
        assert_eq!(
            got,
            Some((service.into(), category, RuleKind::Name)),
            "{name}"
        );
    }
    assert_eq!(
        classify(&c, Some("example.org"), "192.0.2.1", TCP, 443),
        None
    );
}

#[test]
fn the_issues_ranges_give_the_expected_service() {
    let c = catalog();
    for &(server, protocol, port, service, category) in RANGES {
        let got = classify(&c, None, server, protocol, port);
        let got = got.map(|(s, cat, kind, _)| (s, cat, kind));
        let want = Some((service.into(), category, RuleKind::Range));
        assert_eq!(got, want, "{server} {protocol}/{port}");
    }
    assert_eq!(classify(&c, None, "142.250.82.10", TCP, 443), None);
    let rule = classify(&c, None, "52.112.1.10", UDP, 3478).map(|m| m.3);
    assert_eq!(rule.as_deref(), Some("range:52.112.0.0/14 udp/3478-3481"));
    let stun = classify(&c, None, "198.51.100.7", UDP, 3478).expect("port heuristic");
    assert_eq!(
        (stun.2, stun.3.as_str()),
        (RuleKind::Port, "port:udp/3478,5349")
    );
    let heuristic = c.services().iter().find(|s| s.id == "stun-turn");
    assert_eq!(heuristic.map(|s| s.provider.clone()), Some(None));
}

#[test]
fn every_entry_is_sourced_dated_and_names_a_known_provider() {
    let c = catalog();
    let providers = ProviderTable::embedded().expect("geo/providers.toml");
    let known: BTreeSet<&str> = providers
        .providers
        .iter()
        .map(|p| p.name.as_str())
        .collect();
    let info = c.info();
    assert!(is_iso_date(&info.date), "{}", info.date);
    assert_eq!(info.services, c.services().len());
    assert!(
        info.name_rules >= 150 && info.range_rules >= 200,
        "{info:?}"
    );
    for s in c.services() {
        assert!(s.source.len() >= 20, "{}: source {:?}", s.id, s.source);
        assert!(is_iso_date(&s.date), "{}: date {:?}", s.id, s.date);
        assert!(
            s.date.as_str() <= info.date.as_str(),
            "{}: date after the catalog",
            s.id
        );
        match &s.provider {
            Some(p) => assert!(
                known.contains(p.as_str()),
                "{}: provider {p:?} not in geo/providers.toml",
                s.id
            ),
            None => assert_eq!(
                s.id, "stun-turn",
                "only port heuristics may omit the provider"
            ),
        }
    }
}

fn is_iso_date(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    let [y, m, d] = parts.as_slice() else {
        return false;
    };
    let (Ok(y), Ok(m), Ok(d)) = (y.parse::<i32>(), m.parse::<u8>(), d.parse::<u8>()) else {
        return false;
    };
    s.len() == 10
        && time::Month::try_from(m)
            .and_then(|m| time::Date::from_calendar_date(y, m, d))
            .is_ok()
}

/// Names in nDPI's Teams capture that are not Microsoft's: a DHCP host name, ntop's own domain
/// and Apple's captive-portal check on Akamai.
const NOT_MICROSOFT: [&str; 4] = [
    "tl-sg116e",
    "b._dns-sd._udp.ntop.org",
    "dati.ntop.org",
    "captive.apple.com.edgekey.net",
];

/// Server address, IP protocol and server port of a flow.
type Server = (IpAddr, u8, u16);

/// (name, server) of each flow line with a Hostname/SNI.
fn ndpi_names(text: &str) -> Vec<(String, Option<Server>)> {
    let mut out = Vec::new();
    for line in text.lines() {
        let Some(at) = line.find("[Hostname/SNI: ") else {
            continue;
        };
        let rest = &line[at + "[Hostname/SNI: ".len()..];
        let Some(end) = rest.find(']') else { continue };
        let name = rest[..end].to_string();
        // "\t12\tTCP 192.168.1.6:60543 <-> 52.114.77.33:443 [proto..."
        let flow = line.split('[').next().unwrap_or("");
        let words: Vec<&str> = flow.split_whitespace().collect();
        let server = words
            .iter()
            .position(|w| *w == "->" || *w == "<->")
            .and_then(|i| {
                let protocol = match *words.get(i.checked_sub(2)?)? {
                    "TCP" => TCP,
                    "UDP" => UDP,
                    _ => return None,
                };
                let (addr, port) = words.get(i + 1)?.rsplit_once(':')?;
                let addr = addr.trim_start_matches('[').trim_end_matches(']');
                Some((addr.parse().ok()?, protocol, port.parse().ok()?))
            });
        out.push((name, server));
    }
    out
}

#[test]
fn every_name_of_the_teams_capture_gets_a_microsoft_service() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/captures/expected/teams.pcap.out"
    );
    let Ok(text) = std::fs::read_to_string(path) else {
        println!("skipped: {path} is absent (the shared captures are not checked out)");
        return;
    };
    let c = catalog();
    let flows = ndpi_names(&text);
    assert!(flows.len() >= 30, "{} named flows", flows.len());
    let mut others = BTreeSet::new();
    for (name, server) in &flows {
        let (server, protocol, port) =
            server.unwrap_or(("192.0.2.1".parse().expect("ip"), TCP, 443));
        let found = c.classify(&Query {
            name: Some(name),
            server,
            protocol,
            server_port: Some(port),
        });
        let provider = found.as_ref().and_then(|m| m.service.provider.as_deref());
        if provider == Some("Microsoft") {
            println!(
                "{name:45} {server:>16} -> {} ({})",
                found.map_or(String::new(), |m| m.rule),
                provider.unwrap_or("")
            );
        } else {
            others.insert(name.as_str());
        }
    }
    assert_eq!(others, NOT_MICROSOFT.into_iter().collect::<BTreeSet<_>>());
}
