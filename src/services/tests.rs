//! Precedence and load-error tests on small hand-written catalogs; property tests on lookups.

use super::*;
use proptest::prelude::*;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// One `[[service]]` table with the required fields filled in.
pub(super) fn entry(id: &str, category: &str, extra: &str) -> String {
    format!(
        "[[service]]\nid = {id:?}\nname = \"{id} name\"\nprovider = \"Microsoft\"\n\
         category = {category:?}\nsource = \"test\"\ndate = \"2026-11-29\"\n{extra}\n"
    )
}

pub(super) fn catalog(entries: &[String]) -> Result<Catalog, CatalogError> {
    Catalog::from_toml(&format!(
        "catalog_date = \"2026-11-29\"\n{}",
        entries.concat()
    ))
}

fn precedence_catalog() -> Catalog {
    catalog(&[
        entry("ms", "web", r#"names = ["*.microsoft.com"]"#),
        entry(
            "tele",
            "telemetry",
            r#"names = ["*.events.data.microsoft.com"]"#,
        ),
        entry(
            "tele-eu",
            "telemetry",
            r#"names = ["eu-mobile.events.data.microsoft.com"]"#,
        ),
        entry(
            "teams",
            "signalling",
            r#"names = ["teams.microsoft.com", "*.teams.microsoft.com"]
ranges = ["52.112.0.0/14", "2603:1063::/38"]"#,
        ),
        entry(
            "teams-media",
            "media",
            r#"ranges = ["52.112.0.0/14", "2603:1063::/38"]
protocol = "udp"
ports = ["3478-3481"]"#,
        ),
        entry("teams-edge", "other", r#"ranges = ["52.114.77.0/24"]"#),
        entry(
            "any-udp",
            "other",
            r#"ranges = ["10.0.0.0/8"]
protocol = "udp""#,
        ),
        entry(
            "stun",
            "media",
            r#"protocol = "udp"
ports = ["3478", "5349"]"#,
        ),
    ])
    .expect("test catalog loads")
}

fn classify<'c>(
    c: &'c Catalog,
    name: Option<&str>,
    server: &str,
    protocol: u8,
    port: Option<u16>,
) -> Option<(&'c str, RuleKind, String)> {
    let server: IpAddr = server.parse().expect("address");
    c.classify(&Query {
        name,
        server,
        protocol,
        server_port: port,
    })
    .map(|m| (m.service.id.as_str(), m.kind, m.rule))
}

fn by_name<'c>(c: &'c Catalog, name: &str) -> Option<(&'c str, String)> {
    classify(c, Some(name), "192.0.2.1", 6, Some(443)).map(|(id, _, rule)| (id, rule))
}

#[test]
fn exact_beats_wildcard_and_the_longest_suffix_wins() {
    let c = precedence_catalog();
    let hit = |id: &str, rule: &str| {
        Some((
            c.services()
                .iter()
                .find(|s| s.id == id)
                .map(|s| s.id.as_str())
                .unwrap(),
            rule.to_string(),
        ))
    };
    assert_eq!(
        by_name(&c, "teams.microsoft.com"),
        hit("teams", "name:teams.microsoft.com")
    );
    assert_eq!(
        by_name(&c, "a.b.Teams.Microsoft.com."),
        hit("teams", "name:*.teams.microsoft.com")
    );
    assert_eq!(
        by_name(&c, "eu-mobile.events.data.microsoft.com"),
        hit("tele-eu", "name:eu-mobile.events.data.microsoft.com")
    );
    assert_eq!(
        by_name(&c, "us-mobile.events.data.microsoft.com"),
        hit("tele", "name:*.events.data.microsoft.com")
    );
    // *.x does not match x itself: events.data.microsoft.com falls to *.microsoft.com.
    assert_eq!(
        by_name(&c, "events.data.microsoft.com"),
        hit("ms", "name:*.microsoft.com")
    );
    assert_eq!(by_name(&c, "microsoft.com"), None);
    assert_eq!(by_name(&c, "notmicrosoft.com"), None);
    assert_eq!(by_name(&c, "x.microsoft.com.evil.example"), None);
}

#[test]
fn ranges_ports_and_families() {
    let c = precedence_catalog();
    let r = |server, proto, port| classify(&c, None, server, proto, port);
    assert_eq!(
        r("52.112.1.10", 17, Some(3478)),
        Some((
            "teams-media",
            RuleKind::Range,
            "range:52.112.0.0/14 udp/3478-3481".into()
        ))
    );
    assert_eq!(
        r("52.112.1.10", 6, Some(3478)),
        Some(("teams", RuleKind::Range, "range:52.112.0.0/14".into()))
    );
    assert_eq!(r("52.112.1.10", 17, None).map(|m| m.0), Some("teams"));
    // A longer prefix wins even without ports.
    assert_eq!(
        r("52.114.77.136", 17, Some(3478)).map(|m| m.0),
        Some("teams-edge")
    );
    assert_eq!(
        r("2603:1063::1", 17, Some(3479)),
        Some((
            "teams-media",
            RuleKind::Range,
            "range:2603:1063::/38 udp/3478-3481".into()
        ))
    );
    assert_eq!(
        r("2603:1063:3ff:ffff::1", 6, Some(443)).map(|m| m.0),
        Some("teams")
    );
    assert_eq!(r("2603:1063:400::1", 6, Some(443)), None);
    // IPv4-mapped IPv6 is looked up as IPv4.
    assert_eq!(
        r("::ffff:52.112.1.10", 17, Some(3480)).map(|m| m.0),
        Some("teams-media")
    );
    assert_eq!(r("10.1.2.3", 17, Some(1)).map(|m| m.0), Some("any-udp"));
    assert_eq!(r("10.1.2.3", 6, Some(1)), None);
    assert_eq!(r("52.116.0.1", 6, Some(443)), None);
}

#[test]
fn name_beats_range_beats_port() {
    let c = precedence_catalog();
    assert_eq!(
        classify(
            &c,
            Some("x.events.data.microsoft.com"),
            "52.112.1.10",
            17,
            Some(3478)
        )
        .map(|m| (m.0, m.1)),
        Some(("tele", RuleKind::Name))
    );
    // An unknown name falls through to the address, then to the port.
    assert_eq!(
        classify(&c, Some("example.org"), "52.112.1.10", 17, Some(3478)).map(|m| (m.0, m.1)),
        Some(("teams-media", RuleKind::Range))
    );
    assert_eq!(
        classify(&c, Some("example.org"), "198.51.100.7", 17, Some(3478)),
        Some(("stun", RuleKind::Port, "port:udp/3478,5349".into()))
    );
    assert_eq!(
        classify(&c, None, "198.51.100.7", 17, Some(5349)).map(|m| m.1),
        Some(RuleKind::Port)
    );
    assert_eq!(classify(&c, None, "198.51.100.7", 6, Some(3478)), None);
    assert_eq!(classify(&c, None, "198.51.100.7", 17, None), None);
    // An IP literal given as a name is not a name.
    assert_eq!(
        classify(&c, Some("52.112.1.10"), "52.112.1.10", 6, Some(443)).map(|m| m.1),
        Some(RuleKind::Range)
    );
}

#[test]
fn info_counts_rules_and_hashes_the_text() {
    let c = precedence_catalog();
    let info = c.info();
    assert_eq!(
        (
            info.services,
            info.name_rules,
            info.range_rules,
            info.port_rules
        ),
        (8, 5, 6, 1)
    );
    assert_eq!(info.path, "geo/services.toml");
    assert_eq!(info.date, "2026-11-29");
    assert_eq!(info.sha256.len(), 64);
    assert_eq!(Category::parse("cdn"), Some(Category::Cdn));
    assert!(
        Category::ALL
            .iter()
            .all(|c| Category::parse(c.name()) == Some(*c))
    );
}

#[test]
fn the_shipped_catalog_loads() {
    let c = Catalog::embedded().expect("geo/services.toml loads");
    assert!(c.info().services >= 30, "{:?}", c.info());
    assert!(
        c.info().range_rules >= 100 && c.info().name_rules >= 100,
        "{:?}",
        c.info()
    );
}

proptest! {
    /// Arbitrary names, addresses, protocols and ports: no panic, and a match's rule label names
    /// its kind.
    #[test]
    fn classify_never_panics(
        name in proptest::option::of(".{0,300}"),
        v4 in any::<u32>(),
        v6 in any::<u128>(),
        use_v6 in any::<bool>(),
        protocol in any::<u8>(),
        port in proptest::option::of(any::<u16>()),
    ) {
        let c = precedence_catalog();
        let server = if use_v6 { IpAddr::V6(Ipv6Addr::from(v6)) } else { IpAddr::V4(Ipv4Addr::from(v4)) };
        if let Some(m) = c.classify(&Query { name: name.as_deref(), server, protocol, server_port: port }) {
            prop_assert!(m.rule.starts_with(m.kind.name()));
        }
    }

    /// Names built from catalog-like labels: a wildcard match always has the rule's suffix.
    #[test]
    fn wildcard_matches_end_with_their_suffix(
        labels in proptest::collection::vec("[a-zA-Z0-9-]{1,12}", 0..5),
        tail in prop::sample::select(vec!["teams.microsoft.com", "events.data.microsoft.com", "microsoft.com", "example.org"]),
    ) {
        let c = precedence_catalog();
        let mut name = labels.join(".");
        if !name.is_empty() { name.push('.'); }
        name.push_str(tail);
        if let Some((_, rule)) = by_name(&c, &name) {
            let suffix = rule.trim_start_matches("name:").trim_start_matches('*');
            prop_assert!(name.to_ascii_lowercase().ends_with(suffix), "{} {}", name, rule);
        }
    }
}
