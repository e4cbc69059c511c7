/**
 * Warrant rule files for tree-sitter (Neovim, Helix, Zed): the same
 * language as grammar/warrant.pest, which stays the definition; this one
 * is for highlighting and editor structure. Its tests parse every bundled
 * rule file and every valid fixture with no error node.
 */

const KEYWORDS = [
  'above', 'aliases', 'and', 'at', 'below', 'by', 'caveat', 'certainty', 'cite', 'codes', 'conditional',
  'contains', 'daily', 'derive', 'dose', 'flag', 'for', 'form', 'group', 'has', 'inform', 'input', 'is',
  'known', 'limit', 'list', 'loinc', 'mixed', 'molar_mass', 'not', 'older', 'or', 'plausible',
  'population', 'provides', 'range', 'recommend', 'refutes', 'reviewed', 'separate_from', 'slot',
  'strength', 'strong', 'supports', 'take_with', 'term', 'test', 'than', 'timing', 'title', 'to',
  'unknown', 'unless', 'valid_for', 'version', 'warn', 'when',
];

const commaSep1 = (rule) => seq(rule, repeat(seq(',', rule)));

module.exports = grammar({
  name: 'warrant',

  extras: ($) => [/\s/, $.comment],

  word: ($) => $.identifier,

  rules: {
    source_file: ($) => repeat($._item),

    _item: ($) => choice(
      $.title_declaration, $.version_declaration, $.reviewed_declaration, $.for_declaration,
      $.input_declaration, $.group_declaration, $.term_declaration, $.slot_declaration,
      $.population_declaration, $.derive_declaration, $.outcome_declaration,
    ),

    title_declaration: ($) => seq('title', $.string),
    version_declaration: ($) => seq('version', $.string),
    reviewed_declaration: ($) => seq('reviewed', $.date),
    for_declaration: ($) => prec(-1, seq('for', field('population', $.identifier))),

    input_declaration: ($) => seq(
      'input', field('name', $.identifier), ':',
      field('type', choice('flag', 'list', seq(field('dimension', $.identifier), $.unit))),
      field('label', $.string),
      repeat(choice($.loinc, $.molar_mass, $.aliases, $.valid_for, $.plausible, $.codes)),
    ),
    loinc: ($) => seq('loinc', commaSep1($.string)),
    molar_mass: ($) => seq('molar_mass', $.number, 'g/mol'),
    aliases: ($) => seq('aliases', commaSep1($.identifier)),
    valid_for: ($) => seq('valid_for', $.quantity),
    plausible: ($) => seq('plausible', $.number, 'to', $.number, $.unit),
    codes: ($) => seq('codes', commaSep1(seq(field('system', $.identifier), field('code', $.string)))),

    group_declaration: ($) => seq('group', field('name', $.identifier), field('label', $.string), '=', commaSep1($.identifier)),
    term_declaration: ($) => seq('term', field('name', $.identifier), field('label', $.string), $.codes),
    slot_declaration: ($) => seq(
      'slot', field('name', $.identifier), field('label', $.string), 'at', $.quantity,
      'provides', commaSep1($.identifier),
    ),

    // A rule's clauses run to the next item; `for` after a rule is its clause.
    population_declaration: ($) => prec.right(seq('population', field('name', $.identifier), field('label', $.string), repeat($._clause))),
    derive_declaration: ($) => prec.right(seq('derive', field('name', $.identifier), field('label', $.string), repeat($._clause))),
    outcome_declaration: ($) => prec.right(seq(
      field('kind', choice('recommend', 'test', 'warn', 'limit', 'inform')),
      field('name', $.identifier), field('label', $.string), repeat($._clause),
    )),

    _clause: ($) => choice(
      $.when_clause, $.unless_clause, $.form_clause, $.dose_clause, $.timing_clause, $.take_with_clause,
      $.separate_from_clause, $.strength_clause, $.cite_clause, $.caveat_clause, $.daily_clause,
      $.contains_clause, $.for_clause,
    ),
    for_clause: ($) => seq('for', field('population', $.identifier)),
    when_clause: ($) => seq('when', $._condition),
    unless_clause: ($) => seq('unless', $._condition),
    form_clause: ($) => seq('form', $.string),
    dose_clause: ($) => seq('dose', $.number, 'to', $.number, $.unit, 'daily'),
    timing_clause: ($) => seq('timing', commaSep1($.identifier)),
    take_with_clause: ($) => seq('take_with', commaSep1($.identifier)),
    separate_from_clause: ($) => seq('separate_from', commaSep1($.identifier), 'by', $.quantity),
    strength_clause: ($) => seq('strength', choice('strong', 'conditional')),
    cite_clause: ($) => seq('cite', commaSep1($.citation)),
    citation: ($) => seq(
      field('evidence', $.identifier), field('stance', choice('supports', 'refutes', 'mixed')),
      optional(seq('certainty', field('certainty', $.identifier))),
    ),
    caveat_clause: ($) => seq('caveat', $.string),
    contains_clause: ($) => seq('contains', commaSep1($.identifier)),
    daily_clause: ($) => seq('daily', field('item', $.identifier), $.comparator, $.quantity),

    _condition: ($) => choice($.or, $.and, $.not, $._term),
    or: ($) => prec.left(1, seq($._condition, 'or', $._condition)),
    and: ($) => prec.left(2, seq($._condition, 'and', $._condition)),
    not: ($) => prec(3, seq('not', $._condition)),
    _term: ($) => choice(
      seq('(', $._condition, ')'),
      $.known_test, $.unknown_test, $.range_test, $.age_test, $.choice_test, $.comparison, $.membership,
      $.fact,
    ),
    known_test: ($) => seq('known', $.identifier),
    unknown_test: ($) => seq('unknown', $.identifier),
    range_test: ($) => seq($.identifier, choice('below', 'above'), 'range'),
    age_test: ($) => seq($.identifier, 'older', 'than', $.quantity),
    choice_test: ($) => seq($.identifier, 'is', $.identifier),
    comparison: ($) => seq(field('input', $.identifier), $.comparator, $.quantity),
    membership: ($) => seq(field('list', $.identifier), 'has', field('item', $.identifier)),
    fact: ($) => prec(-1, $.identifier),

    comparator: (_) => choice('<=', '>=', '<', '>'),
    quantity: ($) => prec.right(seq($.number, optional($.unit))),
    unit: (_) => token(choice('%', /[A-Za-zµμ][A-Za-z0-9µμ/_.²]*/)),
    number: (_) => /\d+(\.\d+)?/,
    date: (_) => /\d{4}-\d{2}-\d{2}/,
    identifier: (_) => /[A-Za-z][A-Za-z0-9_]*/,
    string: (_) => seq('"', repeat(choice(/[^"\\\n]+/, /\\["\\]/)), '"'),
    comment: (_) => token(seq('//', /.*/)),
  },
});

module.exports.KEYWORDS = KEYWORDS;
