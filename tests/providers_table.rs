//! geo/providers.toml against the embedded ASN data and the issue's required providers: every
//! listed ASN exists in geo/asn.mmdb, entries are well formed, and the providers a DPO asks
//! about are there with the right control.

use residency::place::Tables;
use residency::place::providers::matches_at_word_start;
use std::collections::{BTreeMap, BTreeSet};

/// Every ASN of the embedded ASN database, with its organisation name.
fn asn_orgs() -> BTreeMap<u32, String> {
    let reader = maxminddb::Reader::from_source(&include_bytes!("../geo/asn.mmdb")[..])
        .expect("embedded ASN database");
    let mut orgs = BTreeMap::new();
    for item in reader
        .networks(maxminddb::WithinOptions::default())
        .expect("walk")
    {
        let result = item.expect("network");
        let asn: Option<u32> = result
            .decode_path(&[maxminddb::PathElement::Key("autonomous_system_number")])
            .expect("asn");
        let org: Option<String> = result
            .decode_path(&[maxminddb::PathElement::Key(
                "autonomous_system_organization",
            )])
            .expect("org");
        if let (Some(asn), Some(org)) = (asn, org) {
            orgs.entry(asn).or_insert(org);
        }
    }
    orgs
}

/// `YYYY-MM-DD` with a real calendar date.
fn is_date(s: &str) -> bool {
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

#[test]
fn the_table_is_well_formed_and_every_asn_exists_in_the_embedded_data() {
    let tables = Tables::embedded().expect("tables parse");
    let providers = &tables.providers.providers;
    assert!(providers.len() >= 200, "{} providers", providers.len());
    let orgs = asn_orgs();
    assert!(orgs.len() > 80_000, "{} ASNs in geo/asn.mmdb", orgs.len());
    let categories = [
        "cloud", "cdn", "saas", "telecom", "transit", "hosting", "research", "social", "other",
    ];
    let mut missing = Vec::new();
    for p in providers {
        assert!(
            tables.countries.is_code(&p.jurisdiction),
            "{}: jurisdiction {:?}",
            p.name,
            p.jurisdiction
        );
        assert!(
            categories.contains(&p.category.as_str()),
            "{}: {}",
            p.name,
            p.category
        );
        assert!(is_date(&p.date), "{}: date {:?}", p.name, p.date);
        assert!(!p.source.is_empty() && !p.parent.is_empty(), "{}", p.name);
        missing.extend(
            p.asns
                .iter()
                .filter(|a| !orgs.contains_key(a))
                .map(|a| format!("{} AS{a}", p.name)),
        );
    }
    assert!(missing.is_empty(), "ASNs not in geo/asn.mmdb: {missing:?}");

    // Patterns never claim an ASN for two providers.
    // One text of all organisation names, searched once per pattern (a search per name and
    // pattern would be 50 million searches).
    let mut text = String::new();
    let mut starts = Vec::new(); // (offset in text, asn)
    for (asn, org) in &orgs {
        starts.push((text.len(), *asn));
        text.push_str(&org.to_lowercase());
        text.push('\n');
    }
    let mut claimed: BTreeMap<u32, BTreeSet<&str>> = BTreeMap::new();
    for p in providers {
        for pattern in &p.org_patterns {
            let pattern = pattern.to_lowercase();
            for (at, _) in text.match_indices(&pattern) {
                let i = starts.partition_point(|(start, _)| *start <= at) - 1;
                let (start, asn) = starts[i];
                let org = &text[start..];
                let org = &org[..org.find('\n').unwrap_or(org.len())];
                if matches_at_word_start(org, &pattern) {
                    claimed.entry(asn).or_default().insert(&p.name);
                }
            }
        }
    }
    let conflicts: Vec<_> = claimed
        .iter()
        .filter(|(_, names)| names.len() > 1)
        .collect();
    assert!(conflicts.is_empty(), "{conflicts:?}");
}

#[test]
fn the_providers_the_issue_names_are_there_with_their_control() {
    let tables = Tables::embedded().unwrap();
    let find = |asn: u32| {
        tables
            .providers
            .find(asn, None)
            .map(|(p, _)| (p.name.as_str(), p.jurisdiction.as_str()))
    };
    for (asn, name, jurisdiction) in [
        (8075, "Microsoft", "US"),
        (8068, "Microsoft", "US"),
        (8069, "Microsoft", "US"),
        (12076, "Microsoft", "US"),
        (16509, "Amazon", "US"),
        (15169, "Google", "US"),
        (13335, "Cloudflare", "US"),
        (20940, "Akamai", "US"), // Akamai International B.V.
        (16625, "Akamai", "US"),
        (54113, "Fastly", "US"),
        (32934, "Meta", "US"),
        (31898, "Oracle", "US"),
        (36351, "IBM", "US"),
        (30103, "Zoom", "US"),
        (14340, "Salesforce", "US"),
        (16276, "OVHcloud", "FR"),
        (12876, "Scaleway", "FR"),
        (24940, "Hetzner", "DE"),
        (8560, "IONOS", "DE"),
        (3320, "Deutsche Telekom", "DE"),
        (2376, "Bleu", "FR"),
        (198678, "Delos Cloud", "DE"),
        (212185, "Delos Cloud", "DE"),
        (3301, "Telia", "SE"),
        (1299, "Arelion", "SE"),
        (2119, "Telenor Norge", "NO"),
        (1257, "Tele2", "SE"),
        (8473, "Bahnhof", "SE"),
        (1653, "SUNET", "SE"),
        (41001, "Safespring", "SE"),
        (48579, "Elastx", "SE"),
        (29671, "Binero", "SE"),
    ] {
        assert_eq!(find(asn), Some((name, jurisdiction)), "AS{asn}");
    }
    let names: BTreeSet<&str> = tables
        .providers
        .providers
        .iter()
        .map(|p| p.name.as_str())
        .collect();
    for name in ["Cisco", "Webex", "Disqus", "Orange"] {
        assert!(names.contains(name), "{name} missing");
    }
    // Sovereign-cloud operators: EU parents although the software is Microsoft's or Google's.
    let control = |name: &str| {
        tables
            .providers
            .providers
            .iter()
            .find(|p| p.name == name)
            .map(|p| (p.parent.as_str(), p.jurisdiction.as_str(), p.asns.len()))
    };
    assert_eq!(
        control("Bleu"),
        Some((
            "Bleu SAS (joint venture of Orange S.A. and Capgemini SE)",
            "FR",
            1
        ))
    );
    assert_eq!(control("Delos Cloud"), Some(("SAP SE", "DE", 2)));
    assert_eq!(control("S3NS"), Some(("Thales S.A.", "FR", 0)));
    assert_eq!(
        control("STACKIT"),
        Some(("Schwarz Unternehmenstreuhand KG (Schwarz Gruppe)", "DE", 0))
    );
    // The organisation name finds Delos Cloud too (the fallback for later datasets).
    let by_org = tables
        .providers
        .find(4_200_000_001, Some("Delos Cloud GmbH"));
    assert_eq!(by_org.map(|(p, _)| p.name.as_str()), Some("Delos Cloud"));
}
