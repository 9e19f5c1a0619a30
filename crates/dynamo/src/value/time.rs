//! Timestamps as RFC 3339 text in UTC with all nine fraction digits
//! (`2026-01-02T03:04:05.123456789Z`): exact to the nanosecond, and of one width, so that text
//! order is time order (a timestamp sorts right as a range key).

use std::time::{Duration, SystemTime};

use aws_sdk_dynamodb::primitives::{DateTime, DateTimeFormat};

use updraft_core::calendar::civil_from_days;

use super::ValueError;

const SECONDS_PER_DAY: i64 = 86_400;

/// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let day_of_year = (153 * (month + if month > 2 { -3 } else { 9 }) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// `time` as `YYYY-MM-DDTHH:MM:SS.fffffffffZ`.
///
/// # Errors
///
/// [`ValueError`] for a time outside the years 0 to 9999.
pub(crate) fn format(time: SystemTime) -> Result<String, ValueError> {
    let (seconds, nanos) = match time.duration_since(SystemTime::UNIX_EPOCH) {
        Ok(after) => (
            i64::try_from(after.as_secs()).unwrap_or(i64::MAX),
            after.subsec_nanos(),
        ),
        Err(before) => {
            let before = before.duration();
            let whole = i64::try_from(before.as_secs()).unwrap_or(i64::MAX);
            match before.subsec_nanos() {
                0 => (-whole, 0),
                n => (-whole - 1, 1_000_000_000 - n),
            }
        }
    };
    let days = seconds.div_euclid(SECONDS_PER_DAY);
    let of_day = seconds.rem_euclid(SECONDS_PER_DAY);
    let (year, month, day) = civil_from_days(days);
    if !(0..=9999).contains(&year) {
        return Err(ValueError::new("the time is outside the years 0 to 9999"));
    }
    Ok(format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{nanos:09}Z",
        of_day / 3600,
        of_day % 3600 / 60,
        of_day % 60
    ))
}

/// Parses this module's form exactly, with 0 to 9 fraction digits; other forms the SDK reads
/// through its parser.
///
/// # Errors
///
/// [`ValueError`] when `text` is not an RFC 3339 time.
pub(crate) fn parse(text: &str) -> Result<SystemTime, ValueError> {
    if let Some(time) = parse_exact(text) {
        return Ok(time);
    }
    let parsed = DateTime::from_str(text, DateTimeFormat::DateTime)
        .map_err(|_| ValueError::new("not an RFC 3339 time"))?;
    SystemTime::try_from(parsed)
        .map_err(|_| ValueError::new("the time is outside what SystemTime holds"))
}

fn parse_exact(text: &str) -> Option<SystemTime> {
    let b = text.as_bytes();
    if b.len() < 20
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b'T'
        || b[13] != b':'
        || b[16] != b':'
        || *b.last()? != b'Z'
    {
        return None;
    }
    let number = |range: std::ops::Range<usize>| -> Option<i64> {
        let digits = text.get(range)?;
        digits
            .bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| digits.parse().ok())?
    };
    let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
    let (hour, minute, second) = (number(11..13)?, number(14..16)?, number(17..19)?);
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let nanos = match &text[19..text.len() - 1] {
        "" => 0,
        fraction => {
            let digits = fraction.strip_prefix('.')?;
            if digits.is_empty() || digits.len() > 9 || !digits.bytes().all(|c| c.is_ascii_digit())
            {
                return None;
            }
            digits.parse::<u32>().ok()? * 10_u32.pow(u32::try_from(9 - digits.len()).ok()?)
        }
    };
    let seconds =
        days_from_civil(year, month, day) * SECONDS_PER_DAY + hour * 3600 + minute * 60 + second;
    let base = if seconds >= 0 {
        SystemTime::UNIX_EPOCH.checked_add(Duration::from_secs(u64::try_from(seconds).ok()?))?
    } else {
        SystemTime::UNIX_EPOCH.checked_sub(Duration::from_secs(seconds.unsigned_abs()))?
    };
    base.checked_add(Duration::from_nanos(u64::from(nanos)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nanoseconds_survive_and_text_order_is_time_order() {
        let times = [
            SystemTime::UNIX_EPOCH - Duration::from_nanos(1),
            SystemTime::UNIX_EPOCH,
            SystemTime::UNIX_EPOCH + Duration::new(1_767_225_600, 551_610_196),
            SystemTime::UNIX_EPOCH + Duration::new(1_767_225_600, 551_610_197),
            SystemTime::UNIX_EPOCH + Duration::new(4_102_444_800, 0),
        ];
        let texts: Vec<String> = times.iter().map(|t| format(*t).unwrap()).collect();
        assert_eq!(texts[1], "1970-01-01T00:00:00.000000000Z");
        assert_eq!(texts[0], "1969-12-31T23:59:59.999999999Z");
        assert_eq!(texts[2], "2026-01-01T00:00:00.551610196Z");
        for (time, text) in times.iter().zip(&texts) {
            assert_eq!(parse(text).unwrap(), *time, "{text}");
        }
        assert!(texts.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(
            parse("2026-01-02T03:04:05Z").unwrap(),
            SystemTime::UNIX_EPOCH + Duration::from_secs(1_767_323_045)
        );
        assert_eq!(
            parse("2026-01-02T03:04:05.5Z").unwrap(),
            SystemTime::UNIX_EPOCH + Duration::from_millis(1_767_323_045_500),
            "fewer fraction digits parse too"
        );
        for bad in [
            "",
            "yesterday",
            "2026-13-01T00:00:00Z",
            "2026-01-01T00:00:00.Z",
            "2026-01-01 00:00:00Z",
        ] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
    }
}
