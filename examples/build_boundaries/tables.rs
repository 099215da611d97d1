//! Which codes get which Natural Earth shapes, beyond the ISO numeric ids. Curated 2026-11-29.
//!
//! A shape is given to every code that could be claimed for an address located there: an extra
//! shape only ever makes a distance shorter, never longer, so it cannot cause a false
//! contradiction, while a missing one could.

/// A shape without an ISO id in world-atlas, by its `properties.name`.
pub struct Uncoded {
    pub name: &'static str,
    pub codes: &'static [&'static str],
}

/// Every shape of countries-10m.json without an id. Codes: the ISO 3166-1 country the area is
/// part of, and any that administers or claims it (the areas' status as described by Natural
/// Earth's disputed-areas and breakaway features, and in their ISO 3166-1 entries).
pub const UNCODED: &[Uncoded] = &[
    // Northern Cyprus: ISO counts it in CY; administered with Turkey's backing.
    Uncoded {
        name: "N. Cyprus",
        codes: &["CY", "TR"],
    },
    Uncoded {
        name: "Cyprus U.N. Buffer Zone",
        codes: &["CY"],
    },
    // The UK's Sovereign Base Areas on Cyprus: no ISO code of their own.
    Uncoded {
        name: "Akrotiri",
        codes: &["CY", "GB"],
    },
    Uncoded {
        name: "Dhekelia",
        codes: &["CY", "GB"],
    },
    // Kosovo: not in ISO 3166-1 (user-assigned XK is not in geo/countries.tsv); claimed by RS.
    Uncoded {
        name: "Kosovo",
        codes: &["RS"],
    },
    Uncoded {
        name: "Somaliland",
        codes: &["SO"],
    },
    // Disputed between India and Pakistan.
    Uncoded {
        name: "Siachen Glacier",
        codes: &["IN", "PK"],
    },
    // In Kazakhstan, leased to Russia.
    Uncoded {
        name: "Baikonur",
        codes: &["KZ", "RU"],
    },
    // US naval base on a lease in Cuba.
    Uncoded {
        name: "USNB Guantanamo Bay",
        codes: &["CU", "US"],
    },
    // Christmas Island and the Cocos (Keeling) Islands, Australian; split into CX and CC below.
    Uncoded {
        name: "Indian Ocean Ter.",
        codes: &["AU"],
    },
    Uncoded {
        name: "Coral Sea Is.",
        codes: &["AU"],
    },
    // French possession without an ISO code of its own.
    Uncoded {
        name: "Clipperton I.",
        codes: &["FR"],
    },
    // Disputed reefs and islets: every claimant.
    Uncoded {
        name: "Spratly Is.",
        codes: &["CN", "MY", "PH", "TW", "VN"],
    },
    Uncoded {
        name: "Scarborough Reef",
        codes: &["CN", "PH", "TW"],
    },
    Uncoded {
        name: "Bajo Nuevo Bank",
        codes: &["CO", "JM", "NI"],
    },
    Uncoded {
        name: "Serranilla Bank",
        codes: &["CO", "HN", "NI"],
    },
];

/// Rings of `from` that lie wholly inside a latitude and longitude box (degrees) are also given
/// to `to`: a territory with its own ISO code that Natural Earth draws as part of its sovereign.
/// The rings stay in the sovereign too (these territories are part of it, or administered by it).
/// Boxes drawn around each territory's islands with a margin (coordinates of the islands as in
/// the source data); each must pick at least one ring.
pub struct Split {
    pub from: &'static str,
    pub to: &'static str,
    pub lat: (f64, f64),
    pub lon: (f64, f64),
}

pub const SPLITS: &[Split] = &[
    // French overseas departments.
    Split {
        from: "FR",
        to: "GF",
        lat: (2.0, 6.5),
        lon: (-55.0, -51.0),
    },
    Split {
        from: "FR",
        to: "GP",
        lat: (15.8, 16.6),
        lon: (-61.9, -60.9),
    },
    Split {
        from: "FR",
        to: "MQ",
        lat: (14.3, 14.95),
        lon: (-61.3, -60.7),
    },
    Split {
        from: "FR",
        to: "RE",
        lat: (-21.5, -20.8),
        lon: (55.1, 56.0),
    },
    Split {
        from: "FR",
        to: "YT",
        lat: (-13.1, -12.5),
        lon: (44.9, 45.4),
    },
    // Caribbean Netherlands: Bonaire; Sint Eustatius and Saba.
    Split {
        from: "NL",
        to: "BQ",
        lat: (11.9, 12.4),
        lon: (-68.5, -68.1),
    },
    Split {
        from: "NL",
        to: "BQ",
        lat: (17.4, 17.7),
        lon: (-63.3, -62.9),
    },
    // Svalbard (with Bjørnøya) and Jan Mayen; Bouvet Island.
    Split {
        from: "NO",
        to: "SJ",
        lat: (74.0, 81.0),
        lon: (10.0, 35.0),
    },
    Split {
        from: "NO",
        to: "SJ",
        lat: (70.7, 71.3),
        lon: (-9.2, -7.9),
    },
    Split {
        from: "NO",
        to: "BV",
        lat: (-54.5, -54.3),
        lon: (3.2, 3.6),
    },
    // Tokelau, in New Zealand's shape.
    Split {
        from: "NZ",
        to: "TK",
        lat: (-9.5, -8.4),
        lon: (-172.6, -171.1),
    },
    // Australia's Indian Ocean territories.
    Split {
        from: "AU",
        to: "CX",
        lat: (-10.7, -10.3),
        lon: (105.4, 105.8),
    },
    Split {
        from: "AU",
        to: "CC",
        lat: (-12.3, -11.8),
        lon: (96.7, 97.0),
    },
    // Disputed areas Natural Earth draws inside one claimant, given to the other as well
    // (found by checking every city of geo/cities.tsv against its own country's shape).
    // Crimea: drawn in Russia; Ukraine's in ISO 3166-2 (UA-43, UA-40), where GeoNames puts
    // Sevastopol and Simferopol.
    Split {
        from: "RU",
        to: "UA",
        lat: (44.0, 46.4),
        lon: (32.3, 36.8),
    },
    // Western Sahara: Natural Earth's "W. Sahara" is only the area east of the berm; the rest
    // (Laayoune, Dakhla) lies inside Morocco's outline, which is one ring with Morocco proper,
    // so all of Morocco is given to EH too (a longer list, never a longer distance).
    Split {
        from: "MA",
        to: "EH",
        lat: (-90.0, 90.0),
        lon: (-180.0, 180.0),
    },
];

/// Territories with their own ISO 3166-1 code that ISO 3166-2 also lists as subdivisions of a
/// country (Debian iso-codes 4.15.0-1, iso_3166-2.json: CN-HK, CN-MO, CN-TW; FI-01; FR-BL ...
/// FR-YT; NL-AW, NL-BQ1..3, NL-CW, NL-SX; NO-21, NO-22; US-AS ... US-VI): a database may give
/// either code for an address there, so the territory's rings are added to the country's shape
/// too (unless Natural Earth already draws them in it).
pub const INCLUDES: &[(&str, &[&str])] = &[
    ("CN", &["HK", "MO", "TW"]),
    ("FI", &["AX"]),
    (
        "FR",
        &[
            "BL", "GF", "GP", "MF", "MQ", "NC", "PF", "PM", "RE", "TF", "WF", "YT",
        ],
    ),
    ("NL", &["AW", "BQ", "CW", "SX"]),
    ("NO", &["SJ"]),
    ("US", &["AS", "GU", "MP", "PR", "UM", "VI"]),
];
