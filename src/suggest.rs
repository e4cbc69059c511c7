//! "Did you mean" suggestions for misspelled names.

/// The closest candidate to `word`, phrased as help, when one is close enough.
pub fn did_you_mean<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<String> {
    closest(word, candidates).map(|c| format!("did you mean `{c}`?"))
}

/// The candidate nearest to `word` by edit distance, if near enough to be a
/// plausible typo. Ties go to the alphabetically first, for stable output.
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    if word.chars().count() < 2 {
        return None;
    }
    let lowered = word.to_lowercase();
    let length = word.chars().count();
    let limit = (length / 3).max(1);
    candidates
        .into_iter()
        .filter(|c| *c != word)
        // The distance is at least the difference in length: most names are
        // ruled out by that alone, before the costly comparison.
        .filter(|c| c.chars().count().abs_diff(length) <= limit)
        .map(|c| (strsim::damerau_levenshtein(&lowered, &c.to_lowercase()), c))
        .filter(|(distance, _)| *distance <= limit)
        .min()
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_near_names_only() {
        assert_eq!(closest("ferritn", ["ferritin", "tsat"]), Some("ferritin"));
        assert_eq!(closest("whenn", ["when", "unless"]), Some("when"));
        assert_eq!(closest("zinc", ["ferritin", "tsat"]), None);
        assert_eq!(closest("x", ["y"]), None);
    }
}
