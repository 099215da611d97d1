use super::*;

fn point(v: &Vantage) -> (f64, f64) {
    v.point().expect("a point")
}

#[test]
fn the_shipped_list_loads_whole() {
    let cities = Cities::embedded();
    assert!(cities.rejected().is_empty(), "{:?}", cities.rejected());
    assert_eq!(cities.len(), 8353);
    // Every row is in an ISO 3166-1 country but Pristina (XK, Kosovo: a code in use, not in
    // ISO 3166-1).
    let countries = Countries::embedded();
    let outside: Vec<String> = cities
        .iter()
        .filter(|c| !countries.is_code(c.country))
        .map(|c| c.short())
        .collect();
    assert_eq!(outside, ["Pristina, XK"]);
    assert_eq!(
        parse("Pristina, XK").unwrap().label(),
        "Pristina, XK (42.6727, 21.1669)"
    );
    assert!(matches!(parse("XK"), Err(VantageError::Unknown { .. })));
}

#[test]
fn swedish_agencies_find_their_towns() {
    for (name, lat, lon, population) in [
        ("Solna", 59.3600, 18.0009, 66909),
        ("Sundbyberg", 59.3613, 17.9711, 34529),
        ("Borlänge", 60.4858, 15.4371, 41955),
        ("Östersund", 63.1792, 14.6357, 49806),
        ("Gävle", 60.6745, 17.1417, 74884),
        ("Jönköping", 57.7814, 14.1562, 112766),
    ] {
        let city = Cities::embedded().find(name, name, None).unwrap();
        assert_eq!(
            (city.name, city.country, city.lat, city.lon, city.population),
            (name, "SE", lat, lon, population)
        );
    }
}

#[test]
fn a_city_gives_its_coordinates_and_label() {
    let v = parse("Stockholm").unwrap();
    assert_eq!(point(&v), (59.3294, 18.0687));
    assert_eq!(v.label(), "Stockholm, SE (59.3294, 18.0687)");
    assert_eq!(v.kind(), "city");
    // Case and accents do not matter; the ASCII name works.
    for form in [
        "stockholm",
        "STOCKHOLM",
        "  Stockholm  ",
        "Stockholm, SE",
        "stockholm,se",
    ] {
        assert_eq!(parse(form).unwrap(), v, "{form}");
    }
    let jonkoping = parse("jonkoping").unwrap();
    assert_eq!(jonkoping.label(), "Jönköping, SE (57.7814, 14.1562)");
    assert_eq!(parse("JÖNKÖPING").unwrap(), jonkoping);
    // A decomposed "ö" (o + U+0308) as some keyboards send it.
    assert_eq!(parse("Jo\u{308}nko\u{308}ping").unwrap(), jonkoping);
}

#[test]
fn other_names_of_large_eu_cities() {
    let gothenburg = parse("Gothenburg").unwrap();
    assert_eq!(point(&gothenburg), (57.7072, 11.9668));
    assert_eq!(parse("Göteborg").unwrap(), gothenburg);
    assert_eq!(parse("goteborg").unwrap(), gothenburg);
    assert_eq!(
        parse("München").unwrap().label(),
        "Munich, DE (48.1374, 11.5755)"
    );
    assert_eq!(
        parse("Wien").unwrap().label(),
        "Vienna, AT (48.2085, 16.3721)"
    );
}

#[test]
fn country_codes_any_case() {
    assert_eq!(parse("IT").unwrap(), Vantage::Country("IT".into()));
    assert_eq!(parse("se").unwrap(), Vantage::Country("SE".into()));
    let v = parse(" De ").unwrap();
    assert_eq!(
        (v.label(), v.kind(), v.point()),
        ("DE".into(), "country", None)
    );
    // Two letters are a code first: Bo (Sierra Leone) needs its country.
    assert_eq!(parse("bo").unwrap(), Vantage::Country("BO".into()));
    assert_eq!(
        parse("Bo, SL").unwrap().label(),
        "Bo, SL (7.9647, -11.7383)"
    );
}

#[test]
fn coordinates() {
    let v = parse("59.33,18.07").unwrap();
    assert_eq!(
        v,
        Vantage::Point {
            lat: 59.33,
            lon: 18.07,
            label: "59.33,18.07".into()
        }
    );
    assert_eq!(v.kind(), "point");
    assert_eq!(parse("-33.9, 151.2").unwrap().label(), "-33.9,151.2");
    assert_eq!(
        parse("59.329381,18.068581").unwrap().label(),
        "59.3294,18.0686"
    );
    assert_eq!(parse("+0.0,-0").unwrap().label(), "0,0");
    assert_eq!(point(&parse("90,-180").unwrap()), (90.0, -180.0));
}

#[test]
fn coordinates_out_of_range_or_malformed() {
    let e = parse("91,18").unwrap_err();
    assert_eq!(
        e.to_string(),
        "--vantage \"91,18\": latitude 91 is outside -90..90 degrees; write lat,lon in decimal \
         degrees, latitude first (59.33,18.07)"
    );
    assert!(matches!(
        parse("18, 200.5"),
        Err(VantageError::OutOfRange {
            what: "longitude",
            value: 200.5,
            ..
        })
    ));
    assert!(matches!(
        parse("59..3,18"),
        Err(VantageError::BadNumber { part, .. }) if part == "59..3"
    ));
    assert_eq!(parse("   "), Err(VantageError::Empty));
}

#[test]
fn a_shared_name_picks_nothing() {
    let e = parse("London").unwrap_err();
    assert_eq!(
        e.to_string(),
        "ambiguous vantage \"London\": London, GB (8961989 people; 51.5085,-0.1257); \
         London, CA (422324 people; 42.9834,-81.2330); add the country code (\"London, GB\") \
         or give lat,lon"
    );
    assert_eq!(
        parse("london, ca").unwrap().label(),
        "London, CA (42.9834, -81.2330)"
    );
    // Córdoba is in Argentina, Spain and Mexico.
    let Err(VantageError::Ambiguous { candidates, .. }) = parse("Cordoba") else {
        panic!("Cordoba is ambiguous");
    };
    assert_eq!(candidates.len(), 3);
    assert!(candidates[0].starts_with("Córdoba, AR (2106734 people"));
    // Two Münsters in Germany: the country does not help, the coordinates do.
    let Err(VantageError::Ambiguous { candidates, .. }) = parse("Münster, DE") else {
        panic!("Münster, DE is ambiguous");
    };
    assert_eq!(candidates.len(), 2);
}

#[test]
fn unknown_names_get_suggestions() {
    let e = parse("Stockholn").unwrap_err();
    assert_eq!(
        e.to_string(),
        "unknown vantage \"Stockholn\": not a country code, a city in the shipped list \
         (geo/cities.tsv), or lat,lon; did you mean Stockholm, SE?"
    );
    assert_eq!(
        parse("Jonkopin").unwrap_err(),
        VantageError::Unknown {
            input: "Jonkopin".into(),
            suggestions: vec!["Jönköping, SE".into()]
        }
    );
    let Err(VantageError::Unknown { suggestions, .. }) = parse("Xqzzyvak") else {
        panic!("no such city");
    };
    assert!(suggestions.is_empty());
    // "XX" is no country code and no city.
    assert!(matches!(parse("XX"), Err(VantageError::Unknown { .. })));
}

#[test]
fn city_in_the_wrong_country() {
    assert_eq!(
        parse("Stockholm, NO").unwrap_err().to_string(),
        "no city \"Stockholm, NO\" in the shipped list (geo/cities.tsv) for NO; that name is in \
         Stockholm, SE; or give lat,lon"
    );
    assert_eq!(
        parse("Stockholm, XQ").unwrap_err(),
        VantageError::UnknownCountry {
            input: "Stockholm, XQ".into(),
            code: "XQ".into()
        }
    );
}

#[test]
fn names_with_commas_still_work() {
    let v = parse("Sant Pere, Santa Caterina i La Ribera").unwrap();
    assert!(
        v.label()
            .starts_with("Sant Pere, Santa Caterina i La Ribera, ES (")
    );
}

#[test]
fn fold_agrees_with_the_ascii_column() {
    // The build script folds with Unicode's decompositions; fold() must agree wherever a name
    // uses Latin-1 and Latin Extended-A letters only (all EU/EEA names do).
    let mut checked = 0;
    for c in Cities::embedded().iter() {
        if c.name.chars().all(|ch| (ch as u32) < 0x180) {
            assert_eq!(fold(c.name), c.ascii.to_lowercase(), "{}", c.name);
            checked += 1;
        }
    }
    assert!(checked > 8000, "{checked}");
    assert_eq!(fold("Łódź  Ærøskøbing"), "lodz aeroskobing");
}

#[test]
fn bounded_search_is_fast_enough() {
    let start = std::time::Instant::now();
    let found = Cities::embedded().suggest("Frankfurtt am Mainn", None);
    assert_eq!(found[0].short(), "Frankfurt am Main, DE");
    // Debug build on a 2-core machine; the bound is loose on purpose.
    assert!(start.elapsed().as_millis() < 2000);
}
