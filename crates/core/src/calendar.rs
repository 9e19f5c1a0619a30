//! Days since the Unix epoch as civil dates (proleptic Gregorian, UTC): the one conversion the
//! crates that write dates by hand share (DynamoDB timestamps, BSON dates as JSON, SOPS's
//! `lastmodified`).

/// The civil date `(year, month, day)` of day `days` since 1970-01-01 (Howard Hinnant's
/// `civil_from_days`; any `i64` day in the range of years `i32` holds).
///
/// ```
/// use updraft_core::calendar::civil_from_days;
///
/// assert_eq!(civil_from_days(0), (1970, 1, 1));
/// assert_eq!(civil_from_days(19_782), (2024, 2, 29));
/// assert_eq!(civil_from_days(-1), (1969, 12, 31));
/// ```
#[must_use]
pub fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let days = days + 719_468;
    let era = days.div_euclid(146_097);
    let day_of_era = days.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}
