//! `explain --format html` and `plan --format html`: one self-contained,
//! well-formed page per report.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a test fails by panicking"
)]

mod common;

use std::fs;

use common::warrant;

fn html(args: &[&str]) -> String {
    let output = warrant().args(args).output().unwrap();
    assert!(output.status.success(), "{args:?}: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap()
}

/// The page parsed as XML: the markup is well-formed, so it can be.
fn parse(page: &str) -> roxmltree::Document<'_> {
    roxmltree::Document::parse_with_options(
        page,
        roxmltree::ParsingOptions { allow_dtd: true, ..Default::default() },
    )
    .unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn every_fixture_report_is_one_well_formed_self_contained_page() {
    let mut paths: Vec<_> =
        fs::read_dir("tests/fixtures/profiles").unwrap().map(|e| e.unwrap().path()).collect();
    paths.sort();
    for path in paths.iter().filter(|p| p.extension().is_some_and(|e| e == "yaml")) {
        let path = path.to_str().unwrap();
        let page = html(&["explain", "--format", "html", path]);
        assert_eq!(page, html(&["explain", "--format", "html", path]), "{path}: the same bytes every time");
        let document = parse(&page);
        let ids: Vec<&str> = document.descendants().filter_map(|n| n.attribute("id")).collect();
        for section in ["suggestions", "tests", "test-first", "cautions", "daily-plan"] {
            assert!(ids.contains(&section), "{path}: section {section}");
        }
        assert!(page.contains("<strong>Not medical advice.</strong>"), "{path}");
        // Nothing is fetched when the page is opened: no script, no stylesheet, no image from elsewhere.
        for node in document.descendants() {
            assert!(
                !matches!(node.tag_name().name(), "script" | "link" | "img" | "iframe"),
                "{path}: <{}>",
                node.tag_name().name()
            );
            assert!(node.attribute("src").is_none(), "{path}");
            if let Some(href) = node.attribute("href") {
                assert!(
                    href.starts_with('#')
                        || href.starts_with("https://doi.org/")
                        || href.starts_with("https://pubmed.ncbi.nlm.nih.gov/"),
                    "{path}: link {href}"
                );
            }
        }
        // Every fragment link has its target.
        for node in document.descendants() {
            if let Some(target) = node.attribute("href").and_then(|h| h.strip_prefix('#')) {
                assert!(ids.contains(&target), "{path}: #{target}");
            }
        }
    }
}

#[test]
fn truth_is_shown_by_symbol_and_word_and_certainty_as_grade_circles() {
    let page = html(&["explain", "--format", "html", "tests/fixtures/profiles/low_ferritin.yaml"]);
    let document = parse(&page);
    let article = document.descendants().find(|n| n.attribute("id") == Some("rule-oral_iron")).unwrap();
    let marks: Vec<&str> = article
        .descendants()
        .filter(|n| n.attribute("class").is_some_and(|c| c.starts_with("truth")))
        .filter_map(|n| n.text())
        .collect();
    assert!(marks.contains(&"✓ yes") && marks.contains(&"✗ no"), "{marks:?}");
    let grades: Vec<&str> = article
        .descendants()
        .filter_map(|n| n.attribute("aria-label"))
        .filter(|l| l.starts_with("certainty"))
        .collect();
    assert!(grades.contains(&"certainty moderate: 3 of 4"), "{grades:?}");
    // Reasons, evidence and caveats are collapsed until opened.
    let summaries: Vec<&str> =
        article.descendants().filter(|n| n.has_tag_name("summary")).filter_map(|n| n.text()).collect();
    assert_eq!(
        summaries,
        ["Who it is for", "Why", "Contraindications checked", "Evidence", "Caveats", "The reasoning, drawn"]
    );
    let unknown = html(&["explain", "--format", "html", "tests/fixtures/profiles/b12_without_range.yaml"]);
    assert!(unknown.contains("<span class=\"truth unknown\">? unknown</span>"), "unknown has its own mark");
    // The figures are checked below; the snapshot keeps the page around them.
    insta::assert_snapshot!("low_ferritin_html", without_figures(&page));
}

/// The page with each figure's SVG taken out.
fn without_figures(page: &str) -> String {
    let mut out = String::new();
    let mut rest = page;
    while let Some(start) = rest.find("<svg ") {
        out.push_str(&rest[..start]);
        let end = rest[start..].find("</svg>").unwrap() + start + "</svg>".len();
        out.push_str("<svg>[the figure]</svg>");
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

#[test]
fn each_finding_has_its_reasoning_drawn_coloured_by_truth() {
    let page = html(&["explain", "--format", "html", "tests/fixtures/profiles/low_ferritin.yaml"]);
    let document = parse(&page);
    let mut ids: Vec<&str> = document.descendants().filter_map(|n| n.attribute("id")).collect();
    let count = ids.len();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), count, "ids are unique across the page's figures");
    for article in document.descendants().filter(|n| n.has_tag_name("article")) {
        let svg = article.descendants().find(|n| n.tag_name().name() == "svg");
        let svg = svg.unwrap_or_else(|| panic!("a figure in {:?}", article.attribute("id")));
        assert_eq!(svg.attribute("role"), Some("img"));
        assert!(svg.attribute("aria-label").unwrap().starts_with("The reasoning behind"));
    }
    let oral_iron = document.descendants().find(|n| n.attribute("id") == Some("rule-oral_iron")).unwrap();
    let fills: Vec<&str> = oral_iron.descendants().filter_map(|n| n.attribute("fill")).collect();
    assert!(
        fills.contains(&"#c8e6c9ff") && fills.contains(&"#ffcdd2ff"),
        "true and false conditions: {fills:?}"
    );
}

#[test]
fn the_daily_plan_is_a_timeline() {
    let page = html(&["plan", "--format", "html", "tests/fixtures/profiles/plan_moves_supplements.yaml"]);
    let document = parse(&page);
    let timeline = document.descendants().find(|n| n.attribute("class") == Some("timeline")).unwrap();
    let times: Vec<&str> =
        timeline.descendants().filter(|n| n.has_tag_name("time")).filter_map(|n| n.text()).collect();
    assert!(times.len() >= 2, "{times:?}");
    let mut sorted = times.clone();
    sorted.sort_unstable();
    assert_eq!(times, sorted, "in the order of the day");
    assert!(page.contains("Not medical advice."));
}
