//! Timestamps of provider exports: RFC 3339 strings (and the common
//! `YYYY-MM-DD HH:MM:SS[.fff]` variant, read as UTC) and Unix seconds, as milliseconds.

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

fn digits(s: &[u8], n: usize) -> Option<i64> {
    if s.len() < n || !s[..n].iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(&s[..n]).ok()?.parse().ok()
}

/// Parses `YYYY-MM-DD(T| )HH:MM:SS[.f{1,9}][Z|±HH:MM]` into ms since the Unix epoch.
/// Without an offset the time is UTC. Fractions beyond milliseconds are truncated.
pub fn parse_datetime_ms(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() < 19
        || b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b'T' | b' ')
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let (y, mo, d) = (digits(b, 4)?, digits(&b[5..], 2)?, digits(&b[8..], 2)?);
    let (h, mi, se) = (
        digits(&b[11..], 2)?,
        digits(&b[14..], 2)?,
        digits(&b[17..], 2)?,
    );
    let mdays = [
        31,
        28 + i64::from(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)),
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    if !(1..=12).contains(&mo)
        || d < 1
        || d > mdays[(mo - 1) as usize]
        || h > 23
        || mi > 59
        || se > 60
    {
        return None;
    }
    let mut i = 19;
    let mut ms = 0i64;
    if i < b.len() && b[i] == b'.' {
        i += 1;
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        let frac = &b[start..i];
        if frac.is_empty() || frac.len() > 9 {
            return None;
        }
        for k in 0..3 {
            ms = ms * 10 + frac.get(k).map_or(0, |c| i64::from(c - b'0'));
        }
    }
    let mut offset_min = 0i64;
    match &b[i..] {
        [] | [b'Z'] | [b'z'] => {}
        [sign @ (b'+' | b'-'), rest @ ..] if rest.len() == 5 && rest[2] == b':' => {
            let oh = digits(rest, 2)?;
            let om = digits(&rest[3..], 2)?;
            if oh > 23 || om > 59 {
                return None;
            }
            offset_min = (oh * 60 + om) * if *sign == b'+' { 1 } else { -1 };
        }
        _ => return None,
    }
    let days = days_from_civil(y, mo, d);
    let secs = days * 86400 + h * 3600 + mi * 60 + se.min(59) - offset_min * 60;
    secs.checked_mul(1000)?.checked_add(ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_instants() {
        assert_eq!(parse_datetime_ms("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            parse_datetime_ms("2024-11-22T18:13:20Z"),
            Some(1_732_299_200_000)
        );
        assert_eq!(
            parse_datetime_ms("2024-11-22 18:13:20.5"),
            Some(1_732_299_200_500)
        );
        assert_eq!(
            parse_datetime_ms("2024-11-22T19:13:20.123456+01:00"),
            Some(1_732_299_200_123)
        );
        assert_eq!(parse_datetime_ms("2024-02-30T00:00:00Z"), None);
        assert_eq!(parse_datetime_ms("2024-11-22T18:13:20 junk"), None);
    }
}
