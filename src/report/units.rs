//! Human-readable numbers for the terminal summary.

/// Bytes in SI units with three significant figures: `812 B`, `86.1 kB`, `1.24 MB`.
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 6] = ["B", "kB", "MB", "GB", "TB", "PB"];
    if n < 1000 {
        return format!("{n} B");
    }
    let mut value = n as f64;
    let mut unit = 0;
    while value >= 999.95 && unit < UNITS.len() - 1 {
        value /= 1000.0;
        unit += 1;
    }
    let decimals = if value >= 100.0 {
        0
    } else if value >= 10.0 {
        1
    } else {
        2
    };
    format!("{value:.decimals$} {}", UNITS[unit])
}

/// A count with thousands separators: `2,840`.
pub fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn grouped_counts() {
        assert_eq!(super::count(0), "0");
        assert_eq!(super::count(999), "999");
        assert_eq!(super::count(2_840), "2,840");
        assert_eq!(super::count(1_234_567), "1,234,567");
    }

    #[test]
    fn si_bytes() {
        assert_eq!(super::bytes(812), "812 B");
        assert_eq!(super::bytes(86_089), "86.1 kB");
        assert_eq!(super::bytes(1_240_000), "1.24 MB");
        assert_eq!(super::bytes(999_999), "1.00 MB");
    }
}
