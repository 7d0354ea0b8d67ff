//! Small pure formatters shared by every message family: numbers for people, UTC times from epoch
//! seconds, durations, deterministic truncation and console links. No clock is read here: every
//! time is an input, so the same inputs always render the same text.

/// `12345678` → `12,345,678`.
pub fn thousands(value: u64) -> String {
    let digits = value.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// A per-minute usage figure for people: whole numbers with separators (`9,500`, never `9500.0`);
/// small non-integral values keep one decimal so a steady rate of `0.4` does not read as `0`.
pub fn rate(value: f64) -> String {
    if !value.is_finite() || value <= 0.0 {
        return "0".to_owned();
    }
    let tenths = (value * 10.0).round();
    if value < 100.0 && tenths % 10.0 != 0.0 {
        // Both parts are small non-negative integers here, so the casts are exact.
        let tenths = tenths as u64;
        return format!("{}.{}", thousands(tenths / 10), tenths % 10);
    }
    // Saturating float-to-int cast: usage never comes near u64::MAX.
    thousands(value.round() as u64)
}

/// Epoch seconds → `2026-05-04 14:52:48 UTC` (proleptic Gregorian, UTC).
pub fn utc(epoch_seconds: i64) -> String {
    let days = epoch_seconds.div_euclid(86_400);
    let secs = epoch_seconds.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} UTC",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

/// Howard Hinnant's days-to-civil algorithm: exact for every date, no tables.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    // day is 1..=31 and month 1..=12 by construction.
    (year, month as u32, day as u32)
}

/// A duration for people, two units at most: `45 s`, `12 min`, `2 h 5 min`, `3 d 4 h`.
pub fn duration(seconds: u64) -> String {
    const MIN: u64 = 60;
    const HOUR: u64 = 60 * MIN;
    const DAY: u64 = 24 * HOUR;
    match seconds {
        s if s < MIN => format!("{s} s"),
        s if s < HOUR => format!("{} min", s / MIN),
        s if s < DAY => with_rest(s / HOUR, "h", s % HOUR / MIN, "min"),
        s => with_rest(s / DAY, "d", s % DAY / HOUR, "h"),
    }
}

fn with_rest(major: u64, major_unit: &str, minor: u64, minor_unit: &str) -> String {
    if minor == 0 {
        format!("{major} {major_unit}")
    } else {
        format!("{major} {major_unit} {minor} {minor_unit}")
    }
}

/// Marker appended where text was cut, so a reader knows something is missing.
pub const TRUNCATION_MARK: &str = " [truncated]";

/// Cuts `text` to at most `max_bytes` UTF-8 bytes (marker included) on a character boundary.
/// Bytes, not characters: the Support and SNS limits are safe under every way of counting then.
pub fn truncate(text: &str, max_bytes: usize) -> String {
    if text.len() <= max_bytes {
        return text.to_owned();
    }
    let budget = max_bytes.saturating_sub(TRUNCATION_MARK.len());
    let mut cut = budget;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    let mut out = text[..cut].trim_end().to_owned();
    out.push_str(TRUNCATION_MARK);
    out
}

/// Free text from an alarm or a setting on one line: line breaks and runs of blanks collapse to
/// one space, so a multi-line state reason cannot break the layout of a message.
pub fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// RFC 3986 percent-encoding of everything but the unreserved characters.
pub fn url_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The AWS Support console page of a case, by its display id.
pub fn case_link(display_id: &str) -> String {
    format!(
        "https://support.console.aws.amazon.com/support/home#/case/?displayId={}&language=en",
        url_encode(display_id)
    )
}

/// The CloudWatch console page of one alarm, in the alarm's Region.
pub fn alarm_link(region: &str, alarm_name: &str) -> String {
    format!(
        "https://{region}.console.aws.amazon.com/cloudwatch/home?region={region}#alarmsV2:alarm/{}",
        url_encode(alarm_name)
    )
}

/// The Service Quotas console page of one Bedrock quota in a Region.
pub fn quota_link(region: &str, quota_code: &str) -> String {
    format!(
        "https://{region}.console.aws.amazon.com/servicequotas/home/services/bedrock/quotas/{}?region={region}",
        url_encode(quota_code)
    )
}

/// The Service Quotas console page listing every Bedrock quota in a Region.
pub fn quotas_link(region: &str) -> String {
    format!(
        "https://{region}.console.aws.amazon.com/servicequotas/home/services/bedrock/quotas?region={region}"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_groups_digits() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(6_250_000), "6,250,000");
        assert_eq!(thousands(u64::MAX), "18,446,744,073,709,551,615");
    }

    #[test]
    fn rates_never_print_a_trailing_point_zero() {
        assert_eq!(rate(10_000.0), "10,000");
        assert_eq!(rate(9_499.6), "9,500");
        assert_eq!(rate(12.25), "12.3");
        assert_eq!(rate(12.0), "12");
        assert_eq!(rate(0.04), "0");
        assert_eq!(rate(f64::NAN), "0");
        assert_eq!(rate(-3.0), "0");
    }

    #[test]
    fn utc_formats_known_instants() {
        assert_eq!(utc(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(utc(1_777_906_368), "2026-05-04 14:52:48 UTC");
        assert_eq!(utc(951_782_400), "2000-02-29 00:00:00 UTC");
        assert_eq!(utc(-1), "1969-12-31 23:59:59 UTC");
    }

    #[test]
    fn durations_use_two_units_at_most() {
        assert_eq!(duration(45), "45 s");
        assert_eq!(duration(12 * 60 + 30), "12 min");
        assert_eq!(duration(2 * 3600), "2 h");
        assert_eq!(duration(2 * 3600 + 5 * 60 + 9), "2 h 5 min");
        assert_eq!(duration(3 * 86_400 + 4 * 3600 + 59), "3 d 4 h");
    }

    #[test]
    fn truncate_respects_the_byte_budget_and_char_boundaries() {
        assert_eq!(truncate("short", 10), "short");
        let cut = truncate(&"é".repeat(100), 51);
        assert!(cut.len() <= 51);
        assert!(cut.ends_with(TRUNCATION_MARK));
        let cut = truncate(&"a".repeat(100), 40);
        assert_eq!(cut.len(), 40);
    }

    #[test]
    fn one_line_collapses_breaks() {
        assert_eq!(one_line(" a\n b\t\tc  "), "a b c");
    }

    #[test]
    fn links_encode_their_variable_parts() {
        assert_eq!(
            alarm_link("eu-west-1", "Acme-Bedrock-Throttles-Critical-M 1"),
            "https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#alarmsV2:alarm/Acme-Bedrock-Throttles-Critical-M%201"
        );
        assert_eq!(
            case_link("1234567890"),
            "https://support.console.aws.amazon.com/support/home#/case/?displayId=1234567890&language=en"
        );
    }
}
