use super::*;
use proptest::prelude::*;

fn table() -> &'static RegionTable {
    static TABLE: std::sync::OnceLock<RegionTable> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| RegionTable::embedded().unwrap())
}

/// (family, region, countries, rule) of a name, or None.
fn said(name: &str) -> Option<(Family, String, Vec<String>, String)> {
    table()
        .declared(name)
        .map(|d| (d.family, d.region, d.countries, d.rule))
}

fn one(
    family: Family,
    region: &str,
    country: &str,
    rule: &str,
) -> Option<(Family, String, Vec<String>, String)> {
    Some((
        family,
        region.to_string(),
        vec![country.to_string()],
        rule.to_string(),
    ))
}

#[test]
fn the_embedded_table_loads() {
    let t = table();
    assert_eq!(t.date(), "2026-12-05");
    assert_eq!(t.rules(), 20);
    // 37 AWS + 56 Azure + 40 Google Cloud + 2 + 2.
    assert_eq!(t.regions(), 137);
}

#[test]
fn aws_names() {
    assert_eq!(
        said("s3.eu-north-1.amazonaws.com"),
        one(
            Family::Aws,
            "eu-north-1",
            "SE",
            "aws: *.{region}.amazonaws.com"
        )
    );
    assert_eq!(
        said("dynamodb.us-east-1.amazonaws.com"),
        one(
            Family::Aws,
            "us-east-1",
            "US",
            "aws: *.{region}.amazonaws.com"
        )
    );
    assert_eq!(
        said("abc123.execute-api.eu-central-1.amazonaws.com"),
        one(
            Family::Aws,
            "eu-central-1",
            "DE",
            "aws: *.{region}.amazonaws.com"
        )
    );
    assert_eq!(
        said("ec2-13-48-1-2.eu-north-1.compute.amazonaws.com"),
        one(
            Family::Aws,
            "eu-north-1",
            "SE",
            "aws: *.{region}.compute.amazonaws.com"
        )
    );
    assert_eq!(
        said("ec2-54-1-2-3.compute-1.amazonaws.com"),
        one(
            Family::Aws,
            "us-east-1",
            "US",
            "aws: *.compute-1.amazonaws.com"
        )
    );
    assert_eq!(
        said("s3-eu-west-1.amazonaws.com"),
        one(
            Family::Aws,
            "eu-west-1",
            "IE",
            "aws: s3-{region}.amazonaws.com"
        )
    );
    assert_eq!(
        said("bucket.s3-eu-west-1.amazonaws.com"),
        one(
            Family::Aws,
            "eu-west-1",
            "IE",
            "aws: *.s3-{region}.amazonaws.com"
        )
    );
    assert_eq!(
        said("site.s3-website-eu-west-3.amazonaws.com"),
        one(
            Family::Aws,
            "eu-west-3",
            "FR",
            "aws: *.s3-website-{region}.amazonaws.com"
        )
    );
    assert_eq!(
        said("s3.cn-north-1.amazonaws.com.cn"),
        one(
            Family::Aws,
            "cn-north-1",
            "CN",
            "aws: *.{region}.amazonaws.com.cn"
        )
    );
    assert_eq!(
        said("S3.DualStack.EU-North-1.amazonaws.com."),
        one(
            Family::Aws,
            "eu-north-1",
            "SE",
            "aws: *.{region}.amazonaws.com"
        )
    );
    let d = table().declared("s3.eu-north-1.amazonaws.com").unwrap();
    assert_eq!(d.location, "Europe (Stockholm)");
    assert!(d.source.contains("aws-sdk-js-v3"), "{}", d.source);
    assert!(d.rule_source.contains("{service}.{region}.{dnsSuffix}"));
    assert_eq!(d.zone, None);
}

#[test]
fn azure_and_google_names() {
    assert_eq!(
        said("x.westeurope.cloudapp.azure.com"),
        one(
            Family::Azure,
            "westeurope",
            "NL",
            "azure: *.{region}.cloudapp.azure.com"
        )
    );
    assert_eq!(
        said("foo.happyhill-70162bb9.swedencentral.azurecontainerapps.io"),
        one(
            Family::Azure,
            "swedencentral",
            "SE",
            "azure: *.{region}.azurecontainerapps.io"
        )
    );
    assert_eq!(
        table()
            .declared("x.swedencentral.cloudapp.azure.com")
            .unwrap()
            .location,
        "Gävle"
    );
    assert_eq!(
        said("europe-north1-docker.pkg.dev"),
        one(
            Family::Gcp,
            "europe-north1",
            "FI",
            "gcp: {region}-{any}.pkg.dev"
        )
    );
    assert_eq!(
        said("europe-west1-run.googleapis.com"),
        one(
            Family::Gcp,
            "europe-west1",
            "BE",
            "gcp: {region}-{any}.googleapis.com"
        )
    );
    assert_eq!(
        said("hello-123456.europe-west4.run.app"),
        one(Family::Gcp, "europe-west4", "NL", "gcp: *.{region}.run.app")
    );
}

#[test]
fn microsoft_collectors() {
    let d = table()
        .declared("eu-v10c.events.data.microsoft.com")
        .unwrap();
    assert_eq!(
        (d.family, d.region.as_str(), d.zone.as_deref()),
        (Family::MicrosoftEudb, "eu", Some("eu-data-boundary"))
    );
    assert_eq!(d.countries.len(), 31);
    assert!(d.countries.iter().any(|c| c == "CH"));
    assert!(!d.countries.iter().any(|c| c == "GB"));
    assert!(d.source.contains("EFTA"), "{}", d.source);
    let d = table()
        .declared("eu-mobile.events.data.microsoft.com")
        .unwrap();
    assert_eq!(
        (d.family, d.region.as_str(), d.rule.as_str()),
        (
            Family::Collector,
            "eu",
            "collector: eu-{any}.events.data.microsoft.com"
        )
    );
    assert_eq!(
        said("us-v10c.events.data.microsoft.com"),
        one(
            Family::MicrosoftEudb,
            "us",
            "US",
            "microsoft-eudb: us-v10c.events.data.microsoft.com"
        )
    );
    assert_eq!(
        said("us-mobile.events.data.microsoft.com"),
        one(
            Family::Collector,
            "us",
            "US",
            "collector: us-{any}.events.data.microsoft.com"
        )
    );
    // The bare collector and other prefixes declare nothing.
    assert_eq!(said("events.data.microsoft.com"), None);
    assert_eq!(said("v10.events.data.microsoft.com"), None);
    assert_eq!(said("jp-v10.events.data.microsoft.com"), None);
}

#[test]
fn names_that_declare_nothing() {
    for name in [
        "europe.example.com",
        "useast.example.org",
        "westeurope.example.com",
        "eu-north-1.example.com",
        "s3.eu-north-1.amazonaws.com.evil.example",
        // A storage account or a bucket name is the customer's choice, not a region.
        "westeurope.blob.core.windows.net",
        "x.blob.core.windows.net",
        "eu-west-1.s3.amazonaws.com",
        "s3.amazonaws.com",
        "eu-north-1.amazonaws.com",
        "s3.eu-north-9.amazonaws.com",
        "s3.xeu-north-1.amazonaws.com",
        "x.westeuropex.cloudapp.azure.com",
        "westeurope.cloudapp.azure.com",
        "us-docker.pkg.dev",
        "europe-docker.pkg.dev",
        "teams.microsoft.com",
        "",
        ".",
        "a..b.amazonaws.com",
        "52.114.77.33",
        "::1",
    ] {
        assert_eq!(said(name), None, "{name:?}");
    }
    // Too long a label, or too long a name.
    let long = format!("{}.eu-north-1.amazonaws.com", "a".repeat(64));
    assert_eq!(said(&long), None);
    let many = format!("{}eu-north-1.amazonaws.com", "a.".repeat(120));
    assert!(many.len() > MAX_NAME_LEN);
    assert_eq!(said(&many), None);
}

const HEAD: &str = r#"date = "2026-12-05"
[sources]
s = { citation = "a source", date = "2026-12-05" }
"#;

fn parse(body: &str) -> Result<RegionTable, RegionError> {
    RegionTable::parse(&format!("{HEAD}{body}"), &Countries::embedded())
}

#[test]
fn validation_refuses_bad_tables() {
    let family = |regions: &str| format!("[family.aws]\nsource = \"s\"\nregions = [{regions}]\n");
    let rules = |rules: &str| format!("[patterns]\nrule = [{rules}]\n");
    let good_region = r#"{ code = "eu-north-1", country = "SE", location = "Stockholm" }"#;
    let good_rule = r#"{ family = "aws", pattern = "*.{region}.amazonaws.com", source = "s" }"#;
    let ok = parse(&format!("{}{}", family(good_region), rules(good_rule))).unwrap();
    assert_eq!((ok.regions(), ok.rules()), (1, 1));
    let cases = [
        (
            family(r#"{ code = "eu-north-1", country = "XX", location = "Stockholm" }"#),
            rules(good_rule),
            "\"XX\" is not an ISO 3166-1",
        ),
        (
            family(r#"{ code = "eu-north-1", country = "se", location = "Stockholm" }"#),
            rules(good_rule),
            "\"se\" is not an ISO 3166-1",
        ),
        (
            family(r#"{ code = "EU-north-1", country = "SE", location = "Stockholm" }"#),
            rules(good_rule),
            "lower-case",
        ),
        (
            family(&format!("{good_region}, {good_region}")),
            rules(good_rule),
            "listed twice",
        ),
        (
            family(r#"{ code = "eu", zone = "nowhere", location = "x" }"#),
            rules(good_rule),
            "zone \"nowhere\" is not in [zones]",
        ),
        (
            family(r#"{ code = "eu", country = "SE", zone = "z", location = "x" }"#),
            rules(good_rule),
            "exactly one of country and zone",
        ),
        (
            family(good_region),
            rules(r#"{ family = "aws", pattern = "*.{region}.amazonaws.com", source = "t" }"#),
            "source \"t\" is not in [sources]",
        ),
        (
            family(good_region),
            rules(r#"{ family = "ibm", pattern = "*.{region}.x.com", source = "s" }"#),
            "unknown family \"ibm\"",
        ),
        (
            family(good_region),
            rules(r#"{ family = "aws", pattern = "*.x.com", source = "s" }"#),
            "needs either {region}",
        ),
        (
            family(good_region),
            rules(r#"{ family = "aws", pattern = "*.x.com", region = "mars-1", source = "s" }"#),
            "\"mars-1\" is not a region",
        ),
        (
            family(good_region),
            rules(r#"{ family = "azure", pattern = "*.{region}.x.com", source = "s" }"#),
            "has no regions",
        ),
        (
            family(good_region),
            rules(&format!("{good_rule}, {good_rule}")),
            "listed twice",
        ),
        (
            family(good_region),
            rules(r#"{ family = "aws", pattern = "{region}{any}.x.com", source = "s" }"#),
            "literal text between",
        ),
    ];
    for (fam, rule, message) in cases {
        let err = parse(&format!("{fam}{rule}")).unwrap_err().to_string();
        assert!(err.contains(message), "{message}: {err}");
    }
    let zone = "[zones]\nz = { countries = [\"SE\", \"SE\"], location = \"x\", source = \"s\" }\n";
    let err = parse(&format!(
        "{zone}{}{}",
        family(good_region),
        rules(good_rule)
    ))
    .unwrap_err();
    assert!(err.to_string().contains("listed twice"), "{err}");
    let err = RegionTable::parse("date = \"2026-13-01\"", &Countries::embedded()).unwrap_err();
    assert!(matches!(err, RegionError::Toml(_)), "{err}");
}

proptest! {
    /// Any text, as a host name: no panic, and whatever is declared names a region of the
    /// table with countries.
    #[test]
    fn any_name_is_safe(name in "\\PC{0,300}") {
        let t = table();
        if let Some(d) = t.declared(&name) {
            prop_assert!(!d.countries.is_empty());
            prop_assert!(name.len() <= MAX_NAME_LEN + 1);
        }
    }

    /// Names built from region-like parts: the matcher finds exactly the region it was given,
    /// and the work stays bounded (names are cut at MAX_NAME_LEN before any matching).
    #[test]
    fn dashed_labels_are_bounded(
        parts in proptest::collection::vec("(eu|north|1|us|east|-|westeurope|docker|s3)", 0..40),
        suffix in "(amazonaws\\.com|pkg\\.dev|cloudapp\\.azure\\.com|events\\.data\\.microsoft\\.com)",
    ) {
        let label = parts.concat();
        let name = format!("x.{label}.{suffix}");
        let t = table();
        if let Some(d) = t.declared(&name) {
            prop_assert!(name.to_ascii_lowercase().contains(&d.region) || d.rule.contains("compute-1"));
        }
    }
}
