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
    // Microsoft telemetry: the bare collector name, and eu-/us- collectors named in pairs.
    (
        "events.data.microsoft.com",
        "Microsoft telemetry",
        Telemetry,
    ),
    (
        "us-mobile.events.data.microsoft.com",
        "Microsoft telemetry (US collector)",
        Telemetry,
    ),
    (
        "us-v10c.events.data.microsoft.com",
        "Microsoft telemetry (US collector)",
        Telemetry,
    ),
    (
        "us-teams.events.data.microsoft.com",
        "Microsoft telemetry (US collector)",
        Telemetry,
    ),
    (
        "eu-teams.events.data.microsoft.com",
        "Microsoft telemetry (EU collector)",
        Telemetry,
    ),
    // Teams transport relays by name are media (TCP 443 here); notifications stay signalling.
    (
        "worldaz.tr.teams.microsoft.com",
        "Microsoft Teams media",
        Media,
    ),
    (
        "euaz.tr.teams.microsoft.com",
        "Microsoft Teams media",
        Media,
    ),
    (
        "worldaz.relay.teams.microsoft.com",
        "Microsoft Teams media",
        Media,
    ),
    // Akamai's edge names.
    ("captive.apple.com.edgekey.net", "Akamai CDN", Cdn),
    ("www.example.com.edgesuite.net", "Akamai CDN", Cdn),
    ("a1234.dscb.akamai.net", "Akamai CDN", Cdn),
    ("e1234.a.akamaiedge.net", "Akamai CDN", Cdn),
    ("vod.akamaized.net", "Akamai CDN", Cdn),
    ("spoprod-a.akamaihd.net", "Akamai CDN", Cdn),
];

/// Flows without a name: (server, protocol, server port) → (service name, category).
const RANGES: &[(&str, u8, u16, &str, Category)] = &[
    ("52.112.1.10", UDP, 3478, "Microsoft Teams media", Media),
    ("52.114.77.136", UDP, 3478, "Microsoft Teams media", Media),
    ("52.122.0.9", UDP, 3481, "Microsoft Teams media", Media),
    ("2603:1063::1", UDP, 3479, "Microsoft Teams media", Media),
    ("13.107.64.5", UDP, 3478, "Microsoft Teams media", Media),
    ("52.112.1.10", TCP, 443, "Microsoft Teams media", Media),
    ("52.122.0.9", TCP, 443, "Microsoft Teams media", Media),
    ("2603:1063::1", TCP, 443, "Microsoft Teams media", Media),
    ("52.112.1.10", TCP, 80, "Microsoft Teams", Signalling),
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

/// Teams over TCP 443 to the media ranges: a Teams name keeps the flow signalling, a relay name
/// makes it media anywhere, and without a usable name (none, or an address sent as server name,
/// as nDPI's teams.pcap has for 52.114.250.152) the tcp/443 range rule says media.
#[test]
fn teams_tcp_443_is_media_by_relay_name_or_by_range_without_a_name() {
    let c = catalog();
    let rule = |name: Option<&str>, server: &str| classify(&c, name, server, TCP, 443);
    let media = "Microsoft Teams media".to_string();
    assert_eq!(
        rule(Some("teams.microsoft.com"), "52.113.194.132"),
        Some((
            "Microsoft Teams".into(),
            Signalling,
            RuleKind::Name,
            "name:teams.microsoft.com".into()
        ))
    );
    assert_eq!(
        rule(Some("euaz.tr.teams.microsoft.com"), "52.114.250.123"),
        Some((
            media.clone(),
            Media,
            RuleKind::Name,
            "name:*.tr.teams.microsoft.com".into()
        ))
    );
    assert_eq!(
        rule(Some("52.114.250.152"), "52.114.250.152"),
        Some((
            media.clone(),
            Media,
            RuleKind::Range,
            "range:52.112.0.0/14 tcp/443".into()
        ))
    );
    assert_eq!(
        rule(None, "2603:1063:1::9"),
        Some((
            media.clone(),
            Media,
            RuleKind::Range,
            "range:2603:1063::/38 tcp/443".into()
        ))
    );
    // A relay name outside the listed ranges (here an Azure address) is still media, on UDP
    // (STUN) as on TCP.
    let relay = classify(
        &c,
        Some("worldaz.relay.teams.microsoft.com"),
        "20.50.2.3",
        UDP,
        3478,
    );
    assert_eq!(
        relay.map(|m| (m.1, m.3)),
        Some((Media, "name:*.relay.teams.microsoft.com".into()))
    );
    let trouter = rule(
        Some("trouter2-asse-a.trouter.teams.microsoft.com"),
        "52.114.1.1",
    );
    assert_eq!(trouter.map(|m| m.1), Some(Signalling));
    let ids: Vec<&str> = ["teams-media-tcp", "teams-relay"]
        .into_iter()
        .filter(|id| c.services().iter().any(|s| s.id == *id))
        .collect();
    assert_eq!(ids, ["teams-media-tcp", "teams-relay"]);
}

/// Sovereign clouds: Microsoft's or Google's software, an EU operator in control. Each name
/// gives (service, category, rule, provider) and the provider's jurisdiction puts it in the EU.
#[test]
fn sovereign_cloud_names_give_the_eu_operator_and_its_zone() {
    use residency::place::Tables;
    use residency::place::legal::Zone;
    let c = catalog();
    let tables = Tables::embedded().expect("tables");
    let cases: &[(&str, &str, Category, &str, &str, &str)] = &[
        // (name, service, category, rule, provider, jurisdiction)
        (
            "contoso.sovcloud.fr",
            "Microsoft 365 (Bleu)",
            Web,
            "name:*.sovcloud.fr",
            "Bleu",
            "FR",
        ),
        (
            "graph.svc.sovcloud.fr",
            "Microsoft 365 (Bleu)",
            Web,
            "name:graph.svc.sovcloud.fr",
            "Bleu",
            "FR",
        ),
        (
            "res.sovcloud-static.fr",
            "Microsoft 365 CDN (Bleu)",
            Cdn,
            "name:*.sovcloud-static.fr",
            "Bleu",
            "FR",
        ),
        (
            "x.sovcloud-usercontent.fr",
            "Microsoft 365 (Bleu)",
            Web,
            "name:*.sovcloud-usercontent.fr",
            "Bleu",
            "FR",
        ),
        (
            "contoso.sovcloud-sharepoint.fr",
            "SharePoint Online and OneDrive (Bleu)",
            Storage,
            "name:*.sovcloud-sharepoint.fr",
            "Bleu",
            "FR",
        ),
        (
            "login.identity-sovcloud.fr",
            "Microsoft Entra ID (Bleu)",
            Auth,
            "name:*.identity-sovcloud.fr",
            "Bleu",
            "FR",
        ),
        (
            "login.sovcloud-identity.fr",
            "Microsoft Entra ID (Bleu)",
            Auth,
            "name:login.sovcloud-identity.fr",
            "Bleu",
            "FR",
        ),
        (
            "management.sovcloud-api.fr",
            "Microsoft Azure (Bleu)",
            Other,
            "name:*.sovcloud-api.fr",
            "Bleu",
            "FR",
        ),
        (
            "contoso.sovcloud.de",
            "Microsoft 365 (Delos Cloud)",
            Web,
            "name:*.sovcloud.de",
            "Delos Cloud",
            "DE",
        ),
        (
            "graph.svc.sovcloud.de",
            "Microsoft 365 (Delos Cloud)",
            Web,
            "name:graph.svc.sovcloud.de",
            "Delos Cloud",
            "DE",
        ),
        (
            "res.sovcloud-static.de",
            "Microsoft 365 CDN (Delos Cloud)",
            Cdn,
            "name:*.sovcloud-static.de",
            "Delos Cloud",
            "DE",
        ),
        (
            "contoso.sovcloud-sharepoint.de",
            "SharePoint Online and OneDrive (Delos Cloud)",
            Storage,
            "name:*.sovcloud-sharepoint.de",
            "Delos Cloud",
            "DE",
        ),
        (
            "login.sovcloud-identity.de",
            "Microsoft Entra ID (Delos Cloud)",
            Auth,
            "name:login.sovcloud-identity.de",
            "Delos Cloud",
            "DE",
        ),
        (
            "vault.sovcloud-api.de",
            "Microsoft Azure (Delos Cloud)",
            Other,
            "name:*.sovcloud-api.de",
            "Delos Cloud",
            "DE",
        ),
        (
            "compute.s3nsapis.fr",
            "Cloud de Confiance by S3NS (Google Cloud)",
            Other,
            "name:*.s3nsapis.fr",
            "S3NS",
            "FR",
        ),
        (
            "cloud.s3nscloud.fr",
            "Cloud de Confiance by S3NS (Google Cloud)",
            Other,
            "name:*.s3nscloud.fr",
            "S3NS",
            "FR",
        ),
        (
            "accounts.stackit.cloud",
            "STACKIT",
            Other,
            "name:*.stackit.cloud",
            "STACKIT",
            "DE",
        ),
        (
            "object.storage.eu01.onstackit.cloud",
            "STACKIT",
            Other,
            "name:*.onstackit.cloud",
            "STACKIT",
            "DE",
        ),
    ];
    for &(name, service, category, rule, provider, jurisdiction) in cases {
        let m = c.classify_name(name).expect(name);
        assert_eq!(
            (
                m.service.name.as_str(),
                m.service.category,
                m.rule.as_str(),
                m.service.provider.as_deref()
            ),
            (service, category, rule, Some(provider)),
            "{name}"
        );
        let p = tables
            .providers
            .providers
            .iter()
            .find(|p| p.name == provider)
            .expect(provider);
        assert_eq!(p.jurisdiction, jurisdiction, "{provider}");
        let zone = tables.legal.standing(&p.jurisdiction).map(|s| s.zone);
        assert_eq!(zone, Some(Zone::Eu), "{provider}");
    }
    // The published SharePoint ranges of both instances, by address alone.
    for (server, service) in [
        ("86.232.100.7", "SharePoint Online and OneDrive (Bleu)"),
        ("2a01:dfff:5ff::1", "SharePoint Online and OneDrive (Bleu)"),
        (
            "142.221.100.7",
            "SharePoint Online and OneDrive (Delos Cloud)",
        ),
        (
            "2a07:3040:5ff::1",
            "SharePoint Online and OneDrive (Delos Cloud)",
        ),
    ] {
        let got = classify(&c, None, server, TCP, 443).map(|m| (m.0, m.2));
        assert_eq!(got, Some((service.into(), RuleKind::Range)), "{server}");
    }
    // Akamai: a US operator (zone us-dpf), the counter-example.
    let akamai = c
        .classify_name("captive.apple.com.edgekey.net")
        .expect("akamai");
    assert_eq!(akamai.rule, "name:*.edgekey.net");
    let p = tables
        .providers
        .providers
        .iter()
        .find(|p| Some(p.name.as_str()) == akamai.service.provider.as_deref())
        .expect("Akamai provider");
    assert_eq!((p.name.as_str(), p.jurisdiction.as_str()), ("Akamai", "US"));
    let zone = tables.legal.standing("US").map(|s| s.zone);
    assert_eq!(zone, Some(Zone::UsDpf));
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
