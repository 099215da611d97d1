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

#[cfg(test)]
mod tests {
    #[test]
    fn si_bytes() {
        assert_eq!(super::bytes(812), "812 B");
        assert_eq!(super::bytes(86_089), "86.1 kB");
        assert_eq!(super::bytes(1_240_000), "1.24 MB");
        assert_eq!(super::bytes(999_999), "1.00 MB");
    }
}
