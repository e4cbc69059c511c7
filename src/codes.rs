//! Clinical code systems: the ones rules may name, their FHIR system URIs,
//! and the form a code of each must have. Form only: whether a code exists
//! and means what the rule says is for the source cited beside it.

use std::fmt;

/// A code system rules can give codes in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CodeSystem {
    /// Laboratory observations.
    Loinc,
    /// SNOMED CT concepts (conditions).
    Snomed,
    /// ICD-10-CM diagnoses.
    Icd10,
    /// RxNorm concepts (medicines).
    Rxnorm,
}

impl CodeSystem {
    pub const ALL: [CodeSystem; 4] =
        [CodeSystem::Loinc, CodeSystem::Snomed, CodeSystem::Icd10, CodeSystem::Rxnorm];

    /// As rules write it: `snomed "32914008"`.
    pub fn name(self) -> &'static str {
        match self {
            CodeSystem::Loinc => "loinc",
            CodeSystem::Snomed => "snomed",
            CodeSystem::Icd10 => "icd10",
            CodeSystem::Rxnorm => "rxnorm",
        }
    }

    pub fn from_name(name: &str) -> Option<CodeSystem> {
        CodeSystem::ALL.into_iter().find(|system| system.name() == name)
    }

    /// The URI FHIR's `Coding.system` gives it.
    pub fn uri(self) -> &'static str {
        match self {
            CodeSystem::Loinc => "http://loinc.org",
            CodeSystem::Snomed => "http://snomed.info/sct",
            CodeSystem::Icd10 => "http://hl7.org/fhir/sid/icd-10-cm",
            CodeSystem::Rxnorm => "http://www.nlm.nih.gov/research/umls/rxnorm",
        }
    }

    pub fn from_uri(uri: &str) -> Option<CodeSystem> {
        CodeSystem::ALL.into_iter().find(|system| system.uri() == uri)
    }

    /// Whether `code` has this system's form; if not, what is wrong.
    pub fn check(self, code: &str) -> Result<(), &'static str> {
        match self {
            CodeSystem::Loinc => loinc(code),
            CodeSystem::Snomed => snomed(code),
            CodeSystem::Icd10 => icd10(code),
            CodeSystem::Rxnorm => {
                let digits = !code.is_empty() && code.len() <= 8 && code.bytes().all(|b| b.is_ascii_digit());
                if digits && !code.starts_with('0') {
                    Ok(())
                } else {
                    Err("an RxNorm code (RxCUI) is 1 to 8 digits")
                }
            }
        }
    }

    /// The system's own name, for messages.
    pub fn title(self) -> &'static str {
        match self {
            CodeSystem::Loinc => "LOINC",
            CodeSystem::Snomed => "SNOMED CT",
            CodeSystem::Icd10 => "ICD-10-CM",
            CodeSystem::Rxnorm => "RxNorm",
        }
    }
}

impl fmt::Display for CodeSystem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// `2276-4`: up to 7 digits, a hyphen and the mod-10 (Luhn) check digit
/// LOINC computes over them.
fn loinc(code: &str) -> Result<(), &'static str> {
    let shape = "a LOINC code is digits, a hyphen and a check digit, e.g. `2276-4`";
    let (number, check) = code.split_once('-').ok_or(shape)?;
    let digits = |text: &str| !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit());
    if !digits(number) || number.len() > 7 || check.len() != 1 || !digits(check) {
        return Err(shape);
    }
    let sum: u32 = number
        .bytes()
        .rev()
        .enumerate()
        .map(|(position, byte)| {
            let digit = u32::from(byte - b'0');
            if position % 2 == 0 {
                let doubled = digit * 2;
                doubled / 10 + doubled % 10
            } else {
                digit
            }
        })
        .sum();
    let expected = (10 - sum % 10) % 10;
    if check.bytes().next().map(|b| u32::from(b - b'0')) == Some(expected) {
        Ok(())
    } else {
        Err("the LOINC check digit does not match: check the code for a typo")
    }
}

/// A SNOMED CT concept id: 6 to 18 digits, no leading zero, the partition
/// digits of a concept (`00` or `10` before the check digit) and a valid
/// Verhoeff check digit.
fn snomed(code: &str) -> Result<(), &'static str> {
    let shape = "a SNOMED CT concept id is 6 to 18 digits";
    if !(6..=18).contains(&code.len()) || !code.bytes().all(|b| b.is_ascii_digit()) || code.starts_with('0') {
        return Err(shape);
    }
    let partition = code.get(code.len() - 3..code.len() - 1).ok_or(shape)?;
    if partition != "00" && partition != "10" {
        return Err("not a SNOMED CT concept id: its partition digits are not `00` or `10`");
    }
    if verhoeff_valid(code) {
        Ok(())
    } else {
        Err("the SNOMED CT check digit does not match: check the code for a typo")
    }
}

/// The Verhoeff check over every digit of `number`, the last being the check digit.
fn verhoeff_valid(number: &str) -> bool {
    const MULTIPLY: [[u8; 10]; 10] = [
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
        [1, 2, 3, 4, 0, 6, 7, 8, 9, 5],
        [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
        [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
        [4, 0, 1, 2, 3, 9, 5, 6, 7, 8],
        [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
        [6, 5, 9, 8, 7, 1, 0, 4, 3, 2],
        [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
        [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
        [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
    ];
    const PERMUTE: [[u8; 10]; 8] = [
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
        [1, 5, 7, 6, 2, 8, 3, 0, 9, 4],
        [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
        [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
        [9, 4, 5, 3, 1, 2, 6, 8, 7, 0],
        [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
        [2, 7, 9, 3, 8, 0, 6, 4, 1, 5],
        [7, 0, 4, 6, 9, 1, 3, 2, 5, 8],
    ];
    let mut check = 0u8;
    for (position, byte) in number.bytes().rev().enumerate() {
        let digit = usize::from(byte.wrapping_sub(b'0'));
        let permuted = PERMUTE.get(position % 8).and_then(|row| row.get(digit)).copied().unwrap_or(0);
        check = MULTIPLY
            .get(usize::from(check))
            .and_then(|row| row.get(usize::from(permuted)))
            .copied()
            .unwrap_or(1);
    }
    check == 0
}

/// An ICD-10-CM code: a letter, two characters (a digit, then a digit or
/// letter), and optionally a dot and 1 to 4 more letters or digits.
fn icd10(code: &str) -> Result<(), &'static str> {
    let shape = "an ICD-10-CM code is a capital letter, two characters and an optional dotted part";
    let (category, detail) = match code.split_once('.') {
        Some((category, detail)) => (category, Some(detail)),
        None => (code, None),
    };
    let bytes = category.as_bytes();
    let category_ok = bytes.len() == 3
        && bytes.first().is_some_and(u8::is_ascii_uppercase)
        && bytes.get(1).is_some_and(u8::is_ascii_digit)
        && bytes.get(2).is_some_and(|b| b.is_ascii_digit() || b.is_ascii_uppercase());
    let detail_ok = detail.is_none_or(|detail| {
        (1..=4).contains(&detail.len())
            && detail.bytes().all(|b| b.is_ascii_digit() || b.is_ascii_uppercase())
    });
    if category_ok && detail_ok { Ok(()) } else { Err(shape) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loinc_check_digits_are_verified() {
        for good in ["2276-4", "2502-3", "2132-9", "2284-8", "62292-8", "98979-8"] {
            assert_eq!(CodeSystem::Loinc.check(good), Ok(()), "{good}");
        }
        for bad in ["2276-5", "2276", "22a6-4", "-4", "12345678-9"] {
            assert!(CodeSystem::Loinc.check(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn snomed_ids_need_their_verhoeff_digit_and_concept_partition() {
        // Diabetes mellitus (73211009) and Clinical finding (404684003).
        for good in ["73211009", "404684003"] {
            assert_eq!(CodeSystem::Snomed.check(good), Ok(()), "{good}");
        }
        for bad in ["73211008", "7321100", "07321100", "123", "73211a09"] {
            assert!(CodeSystem::Snomed.check(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn icd10_and_rxnorm_codes_have_their_shape() {
        for good in ["G25.81", "N18.6", "E83.110", "Z99.2", "N18"] {
            assert_eq!(CodeSystem::Icd10.check(good), Ok(()), "{good}");
        }
        for bad in ["g25.81", "G2.81", "G25.", "G25.81234", "225.81"] {
            assert!(CodeSystem::Icd10.check(bad).is_err(), "{bad}");
        }
        assert_eq!(CodeSystem::Rxnorm.check("7646"), Ok(()));
        assert!(CodeSystem::Rxnorm.check("07646").is_err());
        assert!(CodeSystem::Rxnorm.check("76a").is_err());
    }

    #[test]
    fn systems_round_trip_through_names_and_uris() {
        for system in CodeSystem::ALL {
            assert_eq!(CodeSystem::from_name(system.name()), Some(system));
            assert_eq!(CodeSystem::from_uri(system.uri()), Some(system));
        }
    }
}
