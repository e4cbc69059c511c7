//! Kleene's strong three-valued logic: true, false and unknown.

use serde::Serialize;

/// A truth value that may be unknown because data is missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
#[repr(u8)]
pub enum Truth {
    False,
    Unknown,
    True,
}

impl Truth {
    /// False wins; otherwise unknown wins over true.
    pub fn and(self, other: Truth) -> Truth {
        self.min(other)
    }

    /// True wins; otherwise unknown wins over false.
    pub fn or(self, other: Truth) -> Truth {
        self.max(other)
    }

    /// Unknown stays unknown.
    #[expect(clippy::should_implement_trait, reason = "reads as logic, not as an operator")]
    pub fn not(self) -> Truth {
        match self {
            Truth::True => Truth::False,
            Truth::False => Truth::True,
            Truth::Unknown => Truth::Unknown,
        }
    }

    /// 0 for false, 1 for unknown, 2 for true: the variants' order, in
    /// which `and` is the minimum and `or` the maximum, and `not` is
    /// `2 - code`. Evaluation computes with codes to avoid branches.
    #[inline(always)]
    pub fn code(self) -> u8 {
        self as u8
    }

    /// The inverse of [`Truth::code`]. Only the low two bits are read, and
    /// 3 is true.
    #[inline(always)]
    pub fn from_code(code: u8) -> Truth {
        // A lookup, not a `match`: a branch on a verdict is mispredicted
        // as often as verdicts vary.
        const BY_CODE: [Truth; 4] = [Truth::False, Truth::Unknown, Truth::True, Truth::True];
        BY_CODE.get(usize::from(code & 3)).copied().unwrap_or(Truth::True)
    }

    pub fn word(self) -> &'static str {
        match self {
            Truth::True => "true",
            Truth::False => "false",
            Truth::Unknown => "unknown",
        }
    }
}

impl From<bool> for Truth {
    fn from(value: bool) -> Self {
        if value { Truth::True } else { Truth::False }
    }
}

#[cfg(test)]
mod tests {
    use super::Truth::{self, False, True, Unknown};

    const ALL: [Truth; 3] = [False, Unknown, True];

    #[test]
    fn and_truth_table() {
        let expected = [
            // a \ b:  F        U        T
            [False, False, False],     // F
            [False, Unknown, Unknown], // U
            [False, Unknown, True],    // T
        ];
        for (a, row) in ALL.iter().zip(expected) {
            for (b, want) in ALL.iter().zip(row) {
                assert_eq!(a.and(*b), want, "{a:?} and {b:?}");
            }
        }
    }

    #[test]
    fn or_truth_table() {
        let expected = [[False, Unknown, True], [Unknown, Unknown, True], [True, True, True]];
        for (a, row) in ALL.iter().zip(expected) {
            for (b, want) in ALL.iter().zip(row) {
                assert_eq!(a.or(*b), want, "{a:?} or {b:?}");
            }
        }
    }

    #[test]
    fn not_table() {
        assert_eq!(True.not(), False);
        assert_eq!(False.not(), True);
        assert_eq!(Unknown.not(), Unknown);
    }

    #[test]
    fn de_morgan_holds_for_every_pair() {
        for a in ALL {
            for b in ALL {
                assert_eq!(a.and(b).not(), a.not().or(b.not()), "{a:?} {b:?}");
                assert_eq!(a.or(b).not(), a.not().and(b.not()), "{a:?} {b:?}");
            }
        }
    }
}
