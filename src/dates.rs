//! Calendar dates, on jiff: reading `YYYY-MM-DD`, today's date, and the
//! arithmetic reports need (a person's age on the report date, how old a lab
//! result is, how long ago a file was reviewed).

use std::fmt;

/// A calendar date in the proleptic Gregorian calendar.
pub type Date = jiff::civil::Date;
/// `date(2026, 11, 29)`: a date known to be valid when the program is written.
pub use jiff::civil::date;

/// Reads a date written exactly `YYYY-MM-DD`, refusing any other form (jiff
/// alone would also take `20261129` or a time) and any day the calendar does
/// not have.
pub fn parse(text: &str) -> Option<Date> {
    let bytes = text.as_bytes();
    let shaped = bytes.len() == 10
        && bytes
            .iter()
            .enumerate()
            .all(|(at, b)| if at == 4 || at == 7 { *b == b'-' } else { b.is_ascii_digit() });
    if !shaped {
        return None;
    }
    let part = |range: std::ops::Range<usize>| text.get(range).and_then(|p| p.parse::<i16>().ok());
    let month = i8::try_from(part(5..7)?).ok()?;
    let day = i8::try_from(part(8..10)?).ok()?;
    Date::new(part(0..4)?, month, day).ok()
}

/// The error `--today` and other date arguments give for bad text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotADate(pub String);

impl fmt::Display for NotADate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}` is not a calendar date in the form YYYY-MM-DD", self.0)
    }
}

impl std::error::Error for NotADate {}

/// [`parse`] for command-line arguments.
pub fn parse_argument(text: &str) -> Result<Date, NotADate> {
    parse(text).ok_or_else(|| NotADate(text.to_string()))
}

/// Today's date where the machine is (UTC when its time zone is unknown).
pub fn today() -> Date {
    jiff::ZonedDateTime::now().date()
}

/// Days from `from` to `to`, negative when `to` is earlier.
pub fn days_between(from: Date, to: Date) -> i64 {
    from.until((jiff::Unit::Day, to)).map_or(0, |span| i64::from(span.get_days()))
}

/// A person's age in years on `on`: the whole years since `birth`, plus the
/// part of the current year of life that has passed, so it is exactly 18 on
/// the eighteenth birthday. `None` when `on` is before `birth`.
pub fn age_in_years(birth: Date, on: Date) -> Option<f64> {
    if on < birth {
        return None;
    }
    let years = birth.until((jiff::Unit::Year, on)).ok()?.get_years();
    let birthday = |years: i16| birth.checked_add(jiff::Span::new().years(years)).ok();
    let last = birthday(years)?;
    let next = birthday(years.checked_add(1)?)?;
    let into = days_between(last, on) as f64;
    let length = days_between(last, next) as f64;
    Some(f64::from(years) + into / length)
}

/// The calendar units a lab result's age is counted in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Period {
    Days,
    Weeks,
    Months,
    Years,
}

impl Period {
    pub fn word(self) -> &'static str {
        match self {
            Period::Days => "days",
            Period::Weeks => "weeks",
            Period::Months => "months",
            Period::Years => "years",
        }
    }
}

/// The date `amount` periods before `date`; a month back from 31 March is
/// the last day of February. `None` outside the calendar's range.
pub fn before(date: Date, amount: u32, period: Period) -> Option<Date> {
    let amount = i64::from(amount);
    let span = match period {
        Period::Days => jiff::Span::new().try_days(amount),
        Period::Weeks => jiff::Span::new().try_weeks(amount),
        Period::Months => jiff::Span::new().try_months(amount),
        Period::Years => jiff::Span::new().try_years(amount),
    }
    .ok()?;
    date.checked_sub(span).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> Date {
        parse(text).unwrap()
    }

    #[test]
    fn only_real_dates_in_the_one_form_are_read() {
        assert_eq!(parse("2024-02-29"), Date::new(2024, 2, 29).ok());
        for bad in ["2025-02-29", "2026-13-45", "2025-04-31", "20261129", "2026-1-01", "2026-11-29T00:00", ""]
        {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn counts_days_across_months_years_and_leap_days() {
        assert_eq!(days_between(date("2024-02-28"), date("2024-03-01")), 2);
        assert_eq!(days_between(date("2025-02-28"), date("2025-03-01")), 1);
        assert_eq!(days_between(date("2025-11-27"), date("2026-11-27")), 365);
        assert_eq!(days_between(date("2026-01-01"), date("2025-12-31")), -1);
    }

    #[test]
    fn age_is_whole_on_birthdays_and_fractional_between() {
        assert_eq!(age_in_years(date("2008-11-29"), date("2026-11-29")), Some(18.0));
        let day_before = age_in_years(date("2008-11-29"), date("2026-11-28")).unwrap();
        assert!(day_before < 18.0 && day_before > 17.99, "{day_before}");
        assert_eq!(age_in_years(date("2024-02-29"), date("2025-03-01")).map(|a| a >= 1.0), Some(true));
        assert_eq!(age_in_years(date("2026-11-30"), date("2026-11-29")), None);
    }

    #[test]
    fn periods_count_back_on_the_calendar() {
        assert_eq!(before(date("2026-11-29"), 12, Period::Months), Some(date("2025-11-29")));
        assert_eq!(before(date("2026-03-31"), 1, Period::Months), Some(date("2026-02-28")));
        assert_eq!(before(date("2026-11-29"), 2, Period::Weeks), Some(date("2026-11-15")));
        assert_eq!(before(date("2026-11-29"), 1, Period::Years), Some(date("2025-11-29")));
    }
}
