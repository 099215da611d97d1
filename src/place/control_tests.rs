use super::*;
use crate::place::geo::GeoSet;
use std::net::IpAddr;

fn placer() -> Placer {
    let geo = GeoSet::open(&[], true).expect("embedded databases open");
    Placer::new(geo, Some("SE")).expect("embedded tables parse")
}

fn place(p: &Placer, ip: &str) -> Placement {
    let ip: IpAddr = ip.parse().unwrap();
    std::sync::Arc::unwrap_or_clone(p.place(ip))
}

/// Bleu's Microsoft 365 name reached on Microsoft's own network: both facts are shown, and
/// Microsoft (US) decides, being the stricter.
#[test]
fn a_sovereign_name_on_a_us_network_is_decided_by_the_network() {
    let p = placer();
    let pl = place(&p, "52.113.194.132");
    assert_eq!(
        pl.provider.as_ref().and_then(|x| x.name.as_deref()),
        Some("Microsoft")
    );
    let c = decide(&pl, Some("Bleu"), &p.tables.providers, &p).unwrap();
    assert_eq!(c.decided_by, DecidedBy::Network);
    assert_eq!(c.rule, RULE_STRICTER);
    let n = c.network.as_ref().unwrap();
    assert_eq!(
        (n.provider.as_str(), n.jurisdiction.as_deref()),
        ("Microsoft", Some("US"))
    );
    assert_eq!(n.foreign_control, Some(true));
    assert_eq!(c.service.jurisdiction.as_deref(), Some("FR"));
    assert_eq!(c.service.foreign_control, Some(false));
    assert_eq!(c.decided().provider, "Microsoft");
    assert!(as_decided(&pl, Some(&c), &p).is_none());
}

/// A US service's name on a European host's network: the service's operator decides, and the
/// totals count the flow under it.
#[test]
fn a_us_service_on_an_eu_network_is_decided_by_the_service() {
    let p = placer();
    let pl = place(&p, "88.198.1.1");
    let network = pl.provider.as_ref().and_then(|x| x.name.clone()).unwrap();
    assert_eq!(pl.foreign_control, Some(false), "{network}");
    let c = decide(&pl, Some("Microsoft"), &p.tables.providers, &p).unwrap();
    assert_eq!((c.decided_by, c.rule), (DecidedBy::Service, RULE_STRICTER));
    let counted = as_decided(&pl, Some(&c), &p).unwrap();
    let provider = counted.provider.unwrap();
    assert_eq!(provider.name.as_deref(), Some("Microsoft"));
    assert!(provider.cloud_act());
    assert_eq!(counted.foreign_control, Some(true));
    // Two EU operators: the network decides.
    let c = decide(&pl, Some("Bleu"), &p.tables.providers, &p).unwrap();
    assert_eq!((c.decided_by, c.rule), (DecidedBy::Network, RULE_NETWORK));
    // The network's own service: nothing to decide.
    assert_eq!(
        decide(&pl, Some(network.as_str()), &p.tables.providers, &p),
        None
    );
    assert_eq!(decide(&pl, None, &p.tables.providers, &p), None);
}
