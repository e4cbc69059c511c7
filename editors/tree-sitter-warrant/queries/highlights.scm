; Highlights for Warrant rule files (Neovim, Helix, Zed).

(comment) @comment
(string) @string
(number) @number
(date) @number
(unit) @type.builtin
(comparator) @operator

[
  "title" "version" "reviewed" "for" "input" "group" "term" "slot" "population" "derive"
  "recommend" "test" "warn" "limit" "inform"
] @keyword

[
  "when" "unless" "form" "dose" "timing" "take_with" "separate_from" "strength" "cite" "caveat"
  "daily" "contains" "loinc" "molar_mass" "aliases" "valid_for" "plausible" "codes" "certainty"
  "flag" "list" "at" "provides" "by" "to"
] @keyword

[ "and" "or" "not" "has" "is" "known" "unknown" "below" "above" "range" "older" "than" ] @keyword.operator

[ "supports" "refutes" "mixed" "strong" "conditional" ] @constant.builtin

(input_declaration name: (identifier) @variable.parameter)
(derive_declaration name: (identifier) @function)
(population_declaration name: (identifier) @function)
(outcome_declaration name: (identifier) @function)
(group_declaration name: (identifier) @type)
(term_declaration name: (identifier) @constant)
(slot_declaration name: (identifier) @label)
(citation evidence: (identifier) @label)
(fact (identifier) @variable)
(identifier) @variable

[ "(" ")" ] @punctuation.bracket
[ "," ":" "=" ] @punctuation.delimiter
