//! One evidence record: a study, review, guideline or reference report that a
//! rule cites, as written in `evidence/*.yaml`.

use serde::{Deserialize, Serialize};

/// A source behind a rule, with an honest account of how the article cited it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct EvidenceRecord {
    pub id: String,
    pub kind: StudyKind,
    pub title: String,
    #[serde(default)]
    pub authors: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub journal: Option<String>,
    /// For reports and books: who published it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub publisher: Option<String>,
    /// Year of publication; absent only when the source gives none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub year: Option<u16>,
    /// Volume, issue and pages, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volume: Option<String>,
    /// Participants (or people surveyed); absent for guidelines and reports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n: Option<u32>,
    /// Number of pooled studies, for reviews and meta-analyses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub studies: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub population: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intervention: Option<String>,
    pub finding: String,
    #[serde(default)]
    pub limitations: Vec<String>,
    pub certainty: Certainty,
    #[serde(default)]
    pub ids: Identifiers,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub as_cited: Option<AsCited>,
    pub verification: Verification,
    /// What differs between the article's citation and the source: shown
    /// beside the citation in every report.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Anything else a reviewer should know (how certainty was rated, where
    /// an identifier came from, what could not be confirmed). Listed by
    /// `warrant evidence`, not repeated in reports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remarks: Option<String>,
}

crate::document::mapping_only!(EvidenceRecord, "an evidence record", and Serialize);

/// Study design, from strongest to weakest in the usual hierarchy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StudyKind {
    Guideline,
    MetaAnalysis,
    SystematicReview,
    Rct,
    NonRandomisedTrial,
    Cohort,
    CaseControl,
    CrossSectional,
    Survey,
    CaseSeries,
    AbsorptionStudy,
    RiskAssessment,
    NarrativeReview,
    /// A medicine's official product information.
    ProductLabel,
    ExpertOpinion,
    /// The article's citation matches no source that could be found.
    Unidentified,
}

impl StudyKind {
    /// The design in words, for reports.
    pub fn describe(self) -> &'static str {
        match self {
            StudyKind::Guideline => "clinical practice guideline",
            StudyKind::MetaAnalysis => "systematic review and meta-analysis",
            StudyKind::SystematicReview => "systematic review",
            StudyKind::Rct => "randomised controlled trial",
            StudyKind::NonRandomisedTrial => "non-randomised trial",
            StudyKind::Cohort => "cohort study",
            StudyKind::CaseControl => "case-control study",
            StudyKind::CrossSectional => "cross-sectional study",
            StudyKind::Survey => "survey",
            StudyKind::CaseSeries => "case series",
            StudyKind::AbsorptionStudy => "absorption study",
            StudyKind::RiskAssessment => "risk assessment",
            StudyKind::NarrativeReview => "narrative review",
            StudyKind::ProductLabel => "product label",
            StudyKind::ExpertOpinion => "expert opinion",
            StudyKind::Unidentified => "unidentified source",
        }
    }
}

/// GRADE certainty of evidence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Certainty {
    VeryLow,
    Low,
    Moderate,
    High,
}

impl Certainty {
    pub fn describe(self) -> &'static str {
        match self {
            Certainty::VeryLow => "very low",
            Certainty::Low => "low",
            Certainty::Moderate => "moderate",
            Certainty::High => "high",
        }
    }
}

/// Whether the article's citation of this source checks out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verification {
    /// The citation matches the source.
    Verified,
    /// The source exists but the article cites it wrongly (journal, year, numbers).
    Discrepancy,
    /// No source matching the article's citation could be found.
    NotFound,
    /// Not yet checked against public records.
    Unverified,
}

impl Verification {
    pub fn describe(self) -> &'static str {
        match self {
            Verification::Verified => "verified",
            Verification::Discrepancy => "discrepancy",
            Verification::NotFound => "not found",
            Verification::Unverified => "unverified",
        }
    }

    /// A record that cannot carry a suggestion on its own.
    pub fn is_unsupported(self) -> bool {
        matches!(self, Verification::NotFound | Verification::Unverified)
    }
}

/// Public identifiers, each confirmed by the evidence check.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct Identifiers {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub doi: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pmid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pmcid: Option<String>,
    /// A trial registration such as `NCT04462796`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registration: Option<String>,
}

crate::document::mapping_only!(Identifiers, "a mapping of identifiers by kind", and Serialize);

impl Identifiers {
    /// `doi:10.1002/mds.27040`, `PMID 28643901`, `PMC5655783`, in that order.
    pub fn listed(&self) -> Vec<String> {
        [
            self.doi.as_ref().map(|d| format!("doi:{d}")),
            self.pmid.as_ref().map(|p| format!("PMID {p}")),
            self.pmcid.clone(),
            self.registration.clone(),
        ]
        .into_iter()
        .flatten()
        .collect()
    }
}

/// How the source article cited this record, when that differs from the record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct AsCited {
    /// The article's citation, e.g. "The Lancet Neurology, 2011".
    pub text: String,
    /// The article's claim about the source, in our words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claim: Option<String>,
}

crate::document::mapping_only!(AsCited, "a mapping with `text` and, if any, `claim`", and Serialize);
