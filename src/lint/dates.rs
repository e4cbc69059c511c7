//! Calendar arithmetic for review ages, without a date crate: days are
//! counted with the proleptic Gregorian calendar.

use crate::syntax::ast::Date;

/// Days from `from` to `to` (negative when `to` is earlier).
pub fn days_between(from: Date, to: Date) -> i64 {
    days_from_epoch(to) - days_from_epoch(from)
}

/// Today's date in UTC, from the system clock.
pub fn today() -> Date {
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs());
    date_from_epoch_days(i64::try_from(seconds / 86_400).unwrap_or(0))
}

/// Days since 1970-01-01 (Howard Hinnant's `days_from_civil`).
fn days_from_epoch(date: Date) -> i64 {
    let (month, day) = (i64::from(date.month), i64::from(date.day));
    let year = i64::from(date.year) - i64::from(month <= 2);
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let day_of_year = (153 * (month + if month > 2 { -3 } else { 9 }) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The inverse of [`days_from_epoch`] (Hinnant's `civil_from_days`).
fn date_from_epoch_days(days: i64) -> Date {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097;
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 { month_index + 3 } else { month_index - 9 };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    Date {
        year: u16::try_from(year).unwrap_or(u16::MAX),
        month: u8::try_from(month).unwrap_or(1),
        day: u8::try_from(day).unwrap_or(1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(year: u16, month: u8, day: u8) -> Date {
        Date { year, month, day }
    }

    #[test]
    fn counts_days_across_months_years_and_leap_days() {
        assert_eq!(days_from_epoch(date(1970, 1, 1)), 0);
        assert_eq!(days_between(date(2024, 2, 28), date(2024, 3, 1)), 2);
        assert_eq!(days_between(date(2025, 2, 28), date(2025, 3, 1)), 1);
        assert_eq!(days_between(date(2025, 11, 27), date(2026, 11, 27)), 365);
        assert_eq!(days_between(date(2026, 1, 1), date(2025, 12, 31)), -1);
    }

    #[test]
    fn epoch_days_round_trip() {
        for days in [-1, 0, 59, 365, 10_957, 20_000, 20_784] {
            assert_eq!(days_from_epoch(date_from_epoch_days(days)), days, "{days}");
        }
        assert_eq!(date_from_epoch_days(20_784), date(2026, 11, 27));
    }
}
