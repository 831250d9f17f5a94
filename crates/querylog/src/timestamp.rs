//! Timestamps of imported logs: Unix seconds or milliseconds, or RFC 3339 text.
use serde_json::Value;

/// Below this, a number is taken as seconds (1e11 s is the year 5138; 1e11 ms is 1973, so no
/// log in milliseconds is that small).
const SECONDS_LIMIT: f64 = 1e11;

/// Unix milliseconds of a JSON timestamp: a number or numeric string (seconds, possibly
/// fractional, or milliseconds, told apart by magnitude) or an RFC 3339 date-time. A space
/// may replace the `T` and a missing offset means UTC, as in many published query logs
/// (e.g. AOL's `2006-03-01 07:17:12`).
pub(crate) fn parse_timestamp(value: &Value) -> Result<i64, String> {
    match value {
        Value::Number(n) => n
            .as_f64()
            .ok_or_else(|| format!("bad number {n}"))
            .and_then(from_number),
        Value::String(s) => {
            let s = s.trim();
            match s.parse::<f64>() {
                Ok(n) => from_number(n),
                Err(_) => parse_rfc3339(s),
            }
        }
        other => Err(format!(
            "timestamp must be a number or a string, not {other}"
        )),
    }
}

/// Unix milliseconds of a time given on a command line (`--since`, `--until`): Unix seconds
/// or milliseconds, or RFC 3339 (`2026-06-01`, a bare date, means its midnight UTC).
pub fn parse_time(text: &str) -> Result<i64, String> {
    let text = text.trim();
    let full = if text.len() == 10 && text.as_bytes().get(4) == Some(&b'-') {
        format!("{text}T00:00:00Z")
    } else {
        text.to_string()
    };
    parse_timestamp(&Value::String(full))
}

/// The clock now, in Unix milliseconds (0 before 1970): the time every log record and
/// cached label is stamped with.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// Unix milliseconds as RFC 3339 UTC, e.g. `2026-06-01T12:00:00.250Z`: how every report
/// and page shows a time.
pub fn format_utc(ts_ms: i64) -> String {
    let (days, ms) = (ts_ms.div_euclid(86_400_000), ts_ms.rem_euclid(86_400_000));
    // H. Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let (h, m, s, milli) = (ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000);
    format!("{year:04}-{month:02}-{day:02}T{h:02}:{m:02}:{s:02}.{milli:03}Z")
}

fn from_number(n: f64) -> Result<i64, String> {
    if !n.is_finite() || n < 0.0 {
        return Err(format!("timestamp {n} is not a non-negative number"));
    }
    let ms = if n < SECONDS_LIMIT {
        (n * 1000.0).round()
    } else {
        n.round()
    };
    if ms > 9.0e15 {
        return Err(format!("timestamp {n} is out of range"));
    }
    Ok(ms as i64)
}

fn digits(s: &str, what: &str) -> Result<i64, String> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("bad {what} {s:?}"));
    }
    s.parse().map_err(|_| format!("bad {what} {s:?}"))
}

/// `YYYY-MM-DD(T| )HH:MM:SS[.fff…][Z|±HH:MM]`.
fn parse_rfc3339(s: &str) -> Result<i64, String> {
    let err = || format!("unrecognised timestamp {s:?} (expected Unix s/ms or RFC 3339)");
    if s.len() < 19 || !s.is_char_boundary(10) || !s.is_char_boundary(19) {
        return Err(err());
    }
    let (date, rest) = s.split_at(10);
    let sep = rest.as_bytes()[0];
    if !matches!(sep, b'T' | b't' | b' ') {
        return Err(err());
    }
    let (time, mut tail) = rest[1..].split_at(8);
    let d: Vec<&str> = date.split('-').collect();
    let t: Vec<&str> = time.split(':').collect();
    if d.len() != 3 || t.len() != 3 {
        return Err(err());
    }
    let (year, month, day) = (
        digits(d[0], "year")?,
        digits(d[1], "month")?,
        digits(d[2], "day")?,
    );
    let (hour, minute, second) = (
        digits(t[0], "hour")?,
        digits(t[1], "minute")?,
        digits(t[2], "second")?,
    );
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return Err(err());
    }
    let mut millis = 0;
    if let Some(frac) = tail.strip_prefix('.') {
        let end = frac
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(frac.len());
        let first3: String = frac[..end].chars().chain("000".chars()).take(3).collect();
        millis = digits(&first3, "fraction")?;
        tail = &frac[end..];
    }
    let offset_min = match tail {
        "" | "Z" | "z" => 0,
        _ => {
            let sign = match tail.as_bytes()[0] {
                b'+' => 1,
                b'-' => -1,
                _ => return Err(err()),
            };
            let (h, m) = tail[1..].split_once(':').ok_or_else(err)?;
            sign * (digits(h, "offset hour")? * 60 + digits(m, "offset minute")?)
        }
    };
    let days = days_from_civil(year, month, day);
    let secs = days * 86_400 + hour * 3_600 + minute * 60 + second - offset_min * 60;
    Ok(secs * 1000 + millis)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn format_utc_by_hand() {
        assert_eq!(format_utc(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(format_utc(1_700_000_000_500), "2023-11-14T22:13:20.500Z");
        assert_eq!(format_utc(951_782_400_000), "2000-02-29T00:00:00.000Z");
        assert_eq!(
            parse_time(&format_utc(1_700_000_000_500)),
            Ok(1_700_000_000_500)
        );
    }

    #[test]
    fn numbers_and_rfc3339() {
        assert_eq!(
            parse_timestamp(&json!(1_700_000_000)),
            Ok(1_700_000_000_000)
        );
        assert_eq!(
            parse_timestamp(&json!(1_700_000_000.25)),
            Ok(1_700_000_000_250)
        );
        assert_eq!(
            parse_timestamp(&json!(1_700_000_000_123_i64)),
            Ok(1_700_000_000_123)
        );
        assert_eq!(parse_timestamp(&json!("1700000000")), Ok(1_700_000_000_000));
        assert_eq!(parse_timestamp(&json!("1970-01-01T00:00:00Z")), Ok(0));
        assert_eq!(
            parse_timestamp(&json!("2023-11-14T22:13:20.5Z")),
            Ok(1_700_000_000_500)
        );
        assert_eq!(
            parse_timestamp(&json!("2023-11-15T00:13:20+02:00")),
            Ok(1_700_000_000_000)
        );
        assert_eq!(
            parse_timestamp(&json!("2006-03-01 07:17:12")),
            Ok(1_141_197_432_000)
        );
        assert!(parse_timestamp(&json!("yesterday")).is_err());
        assert!(parse_timestamp(&json!(null)).is_err());
        assert!(parse_timestamp(&json!("2023-13-01T00:00:00Z")).is_err());
        assert_eq!(parse_time("1970-01-02"), Ok(86_400_000));
        assert_eq!(parse_time("1700000000"), Ok(1_700_000_000_000));
    }
}
