//! Units of measure: which units exist, their dimensions, and conversion
//! between them, including mass ↔ molar concentration through a molar mass.
//!
//! Every unit is an exact power of ten of its dimension's base unit, so a
//! conversion within a dimension multiplies or divides by an exact power of
//! ten and `75 µg/L` compares equal to `75 ng/mL`. Units of time are the
//! exception: a day is 48 half-hours and a year of 365.25 days 17,532, whole
//! multiples of the half-hour, so converting a whole number of them is exact.

use std::fmt::Write as _;

use serde::Serialize;

/// What a quantity measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Dimension {
    /// Mass per volume; base g/L.
    MassConcentration,
    /// Amount of substance per volume; base mol/L.
    MolarConcentration,
    /// A part of a whole; base 1 (percent is 10⁻²).
    Fraction,
    /// Mass, e.g. a supplement dose; base g.
    Mass,
    /// Time, e.g. a gap between doses or a person's age; base h.
    Time,
    /// Glomerular filtration rate normalised to body surface area; base
    /// mL/min/1.73 m².
    FiltrationRate,
}

impl Dimension {
    /// The dimension's name as written in rule files.
    pub fn name(self) -> &'static str {
        match self {
            Dimension::MassConcentration => "mass_concentration",
            Dimension::MolarConcentration => "molar_concentration",
            Dimension::Fraction => "fraction",
            Dimension::Mass => "mass",
            Dimension::Time => "time",
            Dimension::FiltrationRate => "filtration_rate",
        }
    }

    /// The dimension in words, for messages.
    pub fn describe(self) -> &'static str {
        match self {
            Dimension::MassConcentration => "mass concentration",
            Dimension::MolarConcentration => "molar concentration",
            Dimension::Fraction => "fraction",
            Dimension::Mass => "mass",
            Dimension::Time => "time",
            Dimension::FiltrationRate => "filtration rate",
        }
    }

    pub const ALL: [Dimension; 6] = [
        Dimension::MassConcentration,
        Dimension::MolarConcentration,
        Dimension::Fraction,
        Dimension::Mass,
        Dimension::Time,
        Dimension::FiltrationRate,
    ];

    pub fn from_name(name: &str) -> Option<Dimension> {
        Dimension::ALL.into_iter().find(|d| d.name() == name)
    }

    /// Bounds no real value of the dimension passes, as (low, high, unit):
    /// a value outside them is a slip (a wrong unit, a typo), never a
    /// measurement. Inputs may declare narrower or wider ones.
    pub fn plausible(self) -> (f64, f64, Unit) {
        match self {
            // Nothing dissolved reaches the density of water.
            Dimension::MassConcentration => (0.0, 1000.0, unit("g/L", MassConcentration, 0)),
            // Pure water is 55 mol/L.
            Dimension::MolarConcentration => (0.0, 100.0, unit("mol/L", MolarConcentration, 0)),
            Dimension::Fraction => (0.0, 100.0, unit("%", Fraction, -2)),
            // A kilogram a day of anything is no supplement dose.
            Dimension::Mass => (0.0, 1000.0, unit("g", Mass, 0)),
            Dimension::Time => (0.0, 150.0, Unit::YEAR),
            // Measured filtration rates stay far below this.
            Dimension::FiltrationRate => (0.0, 500.0, unit("mL/min/1.73m²", FiltrationRate, 0)),
        }
    }
}

/// A known unit: its canonical spelling, dimension and power of ten.
#[derive(Debug, Clone, Copy, Eq)]
pub struct Unit {
    pub symbol: &'static str,
    pub dimension: Dimension,
    /// The unit is `factor × 10^exponent` base units.
    exponent: i32,
    /// A whole multiplier: 1 for every unit but those of time, which count
    /// half-hours, so products with it are exact.
    factor: u32,
}

/// Field by field, as derived, but the spelling is compared by address
/// before by content: units come from one table, so the same unit is
/// almost always the same `&'static str`, and reports compare a lab's
/// unit with the unit it was given in for every value they show.
impl PartialEq for Unit {
    fn eq(&self, other: &Unit) -> bool {
        let Unit { symbol, dimension, exponent, factor } = *self;
        (std::ptr::eq(symbol, other.symbol) || symbol == other.symbol)
            && dimension == other.dimension
            && exponent == other.exponent
            && factor == other.factor
    }
}

/// As derived: equal units are equal field by field, spelling included.
impl std::hash::Hash for Unit {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        let Unit { symbol, dimension, exponent, factor } = *self;
        (symbol, dimension, exponent, factor).hash(state);
    }
}

const fn unit(symbol: &'static str, dimension: Dimension, exponent: i32) -> Unit {
    Unit { symbol, dimension, exponent, factor: 1 }
}

/// A unit of time, `half_hours` half-hours long.
const fn time(symbol: &'static str, half_hours: u32) -> Unit {
    Unit { symbol, dimension: Time, exponent: 0, factor: half_hours }
}

use Dimension::{FiltrationRate, Fraction, Mass, MassConcentration, MolarConcentration, Time};

/// Half-hours in a year of 365.25 days, the mean Julian year: a twelfth of
/// it, the mean month, is whole too.
const HALF_HOURS_PER_YEAR: u32 = 17_532;

/// Every unit Warrant knows, canonical spelling first within a dimension.
const UNITS: &[Unit] = &[
    unit("ng/mL", MassConcentration, -6),
    unit("µg/L", MassConcentration, -6),
    unit("pg/mL", MassConcentration, -9),
    unit("ng/L", MassConcentration, -9),
    unit("ng/dL", MassConcentration, -8),
    unit("µg/dL", MassConcentration, -5),
    unit("µg/mL", MassConcentration, -3),
    unit("mg/L", MassConcentration, -3),
    unit("mg/dL", MassConcentration, -2),
    unit("g/dL", MassConcentration, 1),
    unit("g/L", MassConcentration, 0),
    unit("pmol/L", MolarConcentration, -12),
    unit("nmol/L", MolarConcentration, -9),
    unit("µmol/L", MolarConcentration, -6),
    unit("mmol/L", MolarConcentration, -3),
    unit("mol/L", MolarConcentration, 0),
    unit("%", Fraction, -2),
    unit("mg", Mass, -3),
    unit("µg", Mass, -6),
    unit("g", Mass, 0),
    time("h", 2),
    time("days", 48),
    time("weeks", 336),
    time("months", HALF_HOURS_PER_YEAR / 12),
    time("years", HALF_HOURS_PER_YEAR),
    unit("mL/min/1.73m²", FiltrationRate, 0),
];

/// Other spellings of units, mapped to the canonical one.
const ALIASES: &[(&str, &str)] = &[
    ("hour", "h"),
    ("hours", "h"),
    ("d", "days"),
    ("day", "days"),
    ("wk", "weeks"),
    ("week", "weeks"),
    ("mo", "months"),
    ("month", "months"),
    ("y", "years"),
    ("yr", "years"),
    ("year", "years"),
    ("mL/min/1.73m2", "mL/min/1.73m²"),
    ("mL/min/1.73 m²", "mL/min/1.73m²"),
    ("mL/min/1.73 m2", "mL/min/1.73m²"),
    // UCUM, as FHIR writes it.
    ("mL/min/{1.73_m2}", "mL/min/1.73m²"),
];

/// Spellings accepted besides the canonical ones: `u`, `mc` and Greek mu for
/// µ, and the [`ALIASES`].
fn normalise(symbol: &str) -> String {
    if let Some((_, canonical)) = ALIASES.iter().find(|(alias, _)| alias.eq_ignore_ascii_case(symbol)) {
        return (*canonical).to_string();
    }
    let symbol = symbol.replace('μ', "µ");
    let symbol = match symbol.strip_prefix("mcg") {
        Some(rest) => format!("µg{rest}"),
        None => symbol,
    };
    match symbol.strip_prefix('u') {
        Some(rest) if !rest.is_empty() => format!("µ{rest}"),
        _ => symbol,
    }
}

impl Unit {
    pub const MILLIGRAM: Unit = unit("mg", Mass, -3);
    pub const HOUR: Unit = time("h", 2);
    pub const DAY: Unit = time("days", 48);
    pub const WEEK: Unit = time("weeks", 336);
    pub const MONTH: Unit = time("months", HALF_HOURS_PER_YEAR / 12);
    pub const YEAR: Unit = time("years", HALF_HOURS_PER_YEAR);

    /// Looks a unit up by any accepted spelling. Letter case must match,
    /// except that `ml`, `dl` and `l` are taken for `mL`, `dL` and `L`.
    pub fn parse(symbol: &str) -> Option<Unit> {
        // Canonical symbols and the listed aliases are one lookup, with no
        // allocation: every lab value of every profile comes through here.
        static EXACT: std::sync::OnceLock<foldhash::HashMap<&'static str, Unit>> = std::sync::OnceLock::new();
        let exact = EXACT.get_or_init(|| {
            let canonical = UNITS.iter().map(|unit| (unit.symbol, *unit));
            let aliases = ALIASES.iter().filter_map(|(alias, symbol)| {
                UNITS.iter().find(|unit| unit.symbol == *symbol).map(|unit| (*alias, *unit))
            });
            canonical.chain(aliases).collect()
        });
        if let Some(unit) = exact.get(symbol) {
            return Some(*unit);
        }
        let wanted = normalise(symbol);
        UNITS
            .iter()
            .find(|u| u.symbol == wanted)
            .or_else(|| {
                UNITS.iter().find(|u| u.symbol.contains('/') && u.symbol.eq_ignore_ascii_case(&wanted))
            })
            .copied()
    }

    /// All canonical symbols of one dimension, for help messages.
    pub fn symbols_of(dimension: Dimension) -> Vec<&'static str> {
        UNITS.iter().filter(|u| u.dimension == dimension).map(|u| u.symbol).collect()
    }

    /// All canonical symbols, for did-you-mean.
    pub fn all_symbols() -> impl Iterator<Item = &'static str> {
        UNITS.iter().map(|u| u.symbol)
    }
}

/// Why a value cannot be converted to a unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConversionError {
    /// The dimensions differ and no molar mass bridges them.
    Incompatible { from: Dimension, to: Dimension },
    /// Mass ↔ molar conversion needs the analyte's molar mass.
    NeedsMolarMass,
    /// The result is too large (or too small) for a number.
    OutOfRange,
}

/// Converts `value` in `from` to `to`. `molar_mass` (g/mol) bridges mass
/// and molar concentrations. A result that overflows, or a non-zero value
/// that vanishes to zero, is an error, never `inf` or a silent 0.
pub fn convert(value: f64, from: Unit, to: Unit, molar_mass: Option<f64>) -> Result<f64, ConversionError> {
    let converted = convert_unchecked(value, from, to, molar_mass)?;
    if converted.is_finite() && (converted != 0.0 || value == 0.0) {
        Ok(converted)
    } else {
        Err(ConversionError::OutOfRange)
    }
}

fn convert_unchecked(
    value: f64,
    from: Unit,
    to: Unit,
    molar_mass: Option<f64>,
) -> Result<f64, ConversionError> {
    if from.dimension == to.dimension {
        let scaled = scale(value, from.exponent - to.exponent);
        // Multiplying before dividing keeps whole numbers of days or years exact.
        return Ok(if from.factor == to.factor {
            scaled
        } else {
            scaled * f64::from(from.factor) / f64::from(to.factor)
        });
    }
    let molar_bridge = (from.dimension, to.dimension);
    match (molar_bridge, molar_mass) {
        ((MassConcentration, MolarConcentration), Some(grams_per_mole)) => {
            // g/L ÷ g/mol = mol/L
            let grams_per_litre = scale(value, from.exponent);
            Ok(scale(grams_per_litre / grams_per_mole, -to.exponent))
        }
        ((MolarConcentration, MassConcentration), Some(grams_per_mole)) => {
            let moles_per_litre = scale(value, from.exponent);
            Ok(scale(moles_per_litre * grams_per_mole, -to.exponent))
        }
        ((MassConcentration, MolarConcentration) | (MolarConcentration, MassConcentration), None) => {
            Err(ConversionError::NeedsMolarMass)
        }
        _ => Err(ConversionError::Incompatible { from: from.dimension, to: to.dimension }),
    }
}

/// Whether a value in `from` can be converted to `to`.
pub fn convertible(from: Unit, to: Unit, molar_mass: Option<f64>) -> Result<(), ConversionError> {
    convert(1.0, from, to, molar_mass).map(|_| ())
}

/// `value × 10^exponent`, dividing for negative exponents so that exact
/// decimal values stay exact (10^k is exact in f64 for k ≤ 22).
fn scale(value: f64, exponent: i32) -> f64 {
    let factor = 10f64.powi(exponent.abs());
    if exponent >= 0 { value * factor } else { value / factor }
}

/// Formats a number for reports: at most two decimals, no trailing zeros;
/// from a trillion up, in scientific notation (`1e308`), never 309 digits.
pub fn format_number(value: f64) -> String {
    let mut text = String::with_capacity(16);
    push_number(&mut text, value);
    text
}

/// [`format_number`], written onto the end of `text`: reports build their
/// sentences in one string instead of formatting each number into its own.
pub fn push_number(text: &mut String, value: f64) {
    if value.abs() >= 1e12 || !value.is_finite() {
        let _ = write!(text, "{value:e}");
        return;
    }
    // The same digits as `format!("{value:.2}")` with its trailing zeros
    // trimmed, without its arbitrary-precision fallback: reports print
    // thousands of numbers.
    let hundredths = hundredths(value.abs());
    if value < 0.0 && hundredths != 0 {
        text.push('-');
    }
    text.push_str(itoa::Buffer::new().format(hundredths / 100));
    let cents = hundredths % 100;
    if cents != 0 {
        text.push('.');
        text.push(char::from(b'0' + (cents / 10) as u8));
        if cents % 10 != 0 {
            text.push(char::from(b'0' + (cents % 10) as u8));
        }
    }
}

/// `value × 100` rounded to a whole number exactly, ties to even, as Rust's
/// formatting rounds: `value` is `m × 2^e` with `m` a 53-bit integer, so
/// `m × 100` fits in 128 bits and the shift by `-e` is exact integer work.
/// For finite `value` from 0 up to 10¹².
fn hundredths(value: f64) -> u64 {
    let bits = value.to_bits();
    let exponent = ((bits >> 52) & 0x7ff) as i32;
    let fraction = bits & ((1 << 52) - 1);
    let (mantissa, exponent) =
        if exponent == 0 { (fraction, -1074) } else { (fraction | (1 << 52), exponent - 1075) };
    let scaled = u128::from(mantissa) * 100;
    if exponent >= 0 {
        return u64::try_from(scaled << exponent).unwrap_or(u64::MAX);
    }
    let shift = exponent.unsigned_abs();
    if shift >= 127 {
        // Less than 2⁻⁶⁰ hundredths: nearer nought than one.
        return 0;
    }
    let whole = scaled >> shift;
    let rest = scaled & ((1u128 << shift) - 1);
    let half = 1u128 << (shift - 1);
    let rounded = if rest > half || (rest == half && whole & 1 == 1) { whole + 1 } else { whole };
    u64::try_from(rounded).unwrap_or(u64::MAX)
}

/// `32 ng/mL`, `20 %` → `20%`.
pub fn format_quantity(value: f64, unit: Unit) -> String {
    let mut text = String::with_capacity(24);
    push_quantity(&mut text, value, unit);
    text
}

/// [`format_quantity`], written onto the end of `text`.
#[inline]
pub fn push_quantity(text: &mut String, value: f64, unit: Unit) {
    push_number(text, value);
    if unit.symbol != "%" {
        text.push(' ');
    }
    text.push_str(unit.symbol);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(symbol: &str) -> Unit {
        Unit::parse(symbol).unwrap()
    }

    #[test]
    fn same_dimension_conversions_are_exact_at_thresholds() {
        assert_eq!(convert(75.0, u("µg/L"), u("ng/mL"), None), Ok(75.0));
        assert_eq!(convert(0.075, u("mg/L"), u("ng/mL"), None), Ok(75.0));
        assert_eq!(convert(2.1, u("mg/dL"), u("mg/L"), None), Ok(21.0));
    }

    #[test]
    fn units_are_equal_by_spelling_not_only_by_size() {
        // The same unit however it is spelt, and from a spelling made at run time.
        let typed = String::from("ug/L");
        assert_eq!(u(&typed), u("µg/L"));
        assert_eq!(u("mg"), Unit::MILLIGRAM);
        // Equal in size, but shown differently: not the same unit.
        assert_ne!(u("µg/L"), u("ng/mL"));
        assert_ne!(u("days"), Unit::WEEK);
    }

    #[test]
    fn spellings_of_micro_are_accepted() {
        for spelling in ["µg/L", "μg/L", "ug/L", "mcg/L"] {
            assert_eq!(u(spelling).symbol, "µg/L", "{spelling}");
        }
        assert_eq!(u("ng/ml").symbol, "ng/mL");
        assert!(Unit::parse("MG").is_none());
    }

    #[test]
    fn molar_conversions_use_the_molar_mass() {
        // B12: 1355.37 g/mol; 100 pmol/L = 135.537 pg/mL
        let pg = convert(100.0, u("pmol/L"), u("pg/mL"), Some(1355.37)).unwrap();
        assert!((pg - 135.537).abs() < 1e-9, "{pg}");
        // Magnesium: 24.305 g/mol; 1 mmol/L = 2.4305 mg/dL
        let mg = convert(1.0, u("mmol/L"), u("mg/dL"), Some(24.305)).unwrap();
        assert!((mg - 2.4305).abs() < 1e-9, "{mg}");
        // 25-OH vitamin D: 400.64 g/mol; 30 ng/mL ≈ 74.88 nmol/L
        let nmol = convert(30.0, u("ng/mL"), u("nmol/L"), Some(400.64)).unwrap();
        assert!((nmol - 74.880_191_693).abs() < 1e-6, "{nmol}");
        // Folate: 441.4 g/mol; 10 nmol/L ≈ 4.414 ng/mL
        let ng = convert(10.0, u("nmol/L"), u("ng/mL"), Some(441.4)).unwrap();
        assert!((ng - 4.414).abs() < 1e-9, "{ng}");
    }

    #[test]
    fn round_trips_through_molar_units() {
        let there = convert(243.97, u("pg/mL"), u("pmol/L"), Some(1355.37)).unwrap();
        let back = convert(there, u("pmol/L"), u("pg/mL"), Some(1355.37)).unwrap();
        assert!((back - 243.97).abs() < 1e-9);
    }

    #[test]
    fn incompatible_units_are_refused() {
        assert_eq!(
            convert(1.0, u("%"), u("ng/mL"), None),
            Err(ConversionError::Incompatible {
                from: Dimension::Fraction,
                to: Dimension::MassConcentration
            })
        );
        assert_eq!(convert(1.0, u("nmol/L"), u("ng/mL"), None), Err(ConversionError::NeedsMolarMass));
    }

    #[test]
    fn whole_units_of_time_convert_exactly() {
        assert_eq!(convert(18.0, u("years"), u("months"), None), Ok(216.0));
        assert_eq!(convert(6.0, u("months"), u("years"), None), Ok(0.5));
        assert_eq!(convert(2.0, u("weeks"), u("days"), None), Ok(14.0));
        assert_eq!(convert(1.0, u("days"), u("h"), None), Ok(24.0));
        assert_eq!(convert(17.9, u("years"), u("years"), None), Ok(17.9));
        for (alias, canonical) in [("y", "years"), ("Year", "years"), ("mo", "months"), ("d", "days")] {
            assert_eq!(u(alias).symbol, canonical, "{alias}");
        }
    }

    #[test]
    fn filtration_rate_is_written_several_ways() {
        for spelling in ["mL/min/1.73m²", "mL/min/1.73m2", "mL/min/1.73 m2", "mL/min/{1.73_m2}"] {
            assert_eq!(u(spelling).symbol, "mL/min/1.73m²", "{spelling}");
        }
    }

    #[test]
    fn overflowing_conversions_are_errors() {
        assert_eq!(convert(1e306, u("mol/L"), u("pmol/L"), None), Err(ConversionError::OutOfRange));
        assert_eq!(convert(1e-320, u("pmol/L"), u("mol/L"), None), Err(ConversionError::OutOfRange));
        assert_eq!(convert(0.0, u("pmol/L"), u("mol/L"), None), Ok(0.0));
    }

    #[test]
    fn numbers_print_as_rust_formats_them_to_two_places() {
        let reference = |value: f64| {
            let text = format!("{value:.2}");
            let text = text.trim_end_matches('0').trim_end_matches('.');
            if text == "-0" { String::from("0") } else { text.to_string() }
        };
        // Ties, values just either side of them, tiny and large values, and
        // a spread of random ones (SplitMix64, fixed seed).
        let mut values =
            vec![0.0, -0.0, 0.005, 0.015, 0.125, 0.375, 1.005, 2.675, 1e-300, 5e-324, 999_999_999_999.99];
        values.extend([0.125f64, 2.5, 1.005].iter().flat_map(|v| [v.next_up(), v.next_down()]));
        let mut random = crate::synthetic::SplitMix64::new(7);
        for _ in 0..200_000 {
            let bits = random.next_u64();
            let magnitude = 10f64.powi((bits % 16) as i32 - 4);
            values.push((bits >> 11) as f64 / (1u64 << 53) as f64 * magnitude);
            values.push(f64::from_bits(random.next_u64() >> 2) % 1e12);
        }
        for value in values.into_iter().flat_map(|v| [v, -v]).filter(|v| v.is_finite() && v.abs() < 1e12) {
            assert_eq!(format_number(value), reference(value), "{value:e}");
        }
    }

    #[test]
    fn numbers_print_without_noise() {
        assert_eq!(format_number(1e308), "1e308");
        assert_eq!(format_number(-2.5e13), "-2.5e13");
        assert_eq!(format_number(75.0), "75");
        assert_eq!(format_number(243.9666), "243.97");
        assert_eq!(format_number(0.5), "0.5");
        assert_eq!(format_quantity(20.0, u("%")), "20%");
    }
}
