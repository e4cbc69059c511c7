//! CDS Hooks 2.0 without the HTTP: the discovery document a knowledge base
//! offers, and the cards a `patient-view` request gets. `warrant-serve`
//! puts these on the wire; everything that decides what a card says is
//! here, where it is tested without a server.
//!
//! The prefetch a client sends is read as FHIR (see [`crate::fhir`]): every
//! Bundle or resource in it, under any key, about the patient in
//! `context.patientId`. A key the client left out or sent as `null` is
//! missing data, so what depends on it becomes a *test first* card, never
//! an error. Cards come in a fixed order (cautions, suggestions, tests,
//! test first, what was not read) with ids derived from the knowledge
//! base, the `hookInstance` and the rule, so the same request gets the same
//! bytes.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::dates::Date;
use crate::diagnostic::Diagnostic;
use crate::document::{FieldPath, Format, Locator, Vocabulary, Written, deserialize};
use crate::explain::markdown;
use crate::explain::report::{CitationView, Finding, Reference, Report, Undecided};
use crate::knowledge_base::KnowledgeBase;
use crate::limits::Limits;
use crate::span::{FileId, SourceFile};

/// The one hook served.
pub const HOOK: &str = "patient-view";
/// The service's id, the last segment of its URL.
pub const SERVICE_ID: &str = "warrant-patient-view";
/// CDS Hooks asks for summaries under 140 characters.
const SUMMARY_LIMIT: usize = 139;

/// `GET /cds-services`.
#[derive(Debug, Clone, Serialize)]
pub struct Discovery {
    pub services: Vec<Service>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Service {
    pub hook: &'static str,
    pub id: &'static str,
    pub title: String,
    pub description: String,
    /// FHIR queries the client runs before calling, by key.
    pub prefetch: BTreeMap<String, String>,
}

/// The discovery document: one `patient-view` service whose prefetch asks
/// for the patient, their conditions and medicines, their pregnancy status,
/// and each lab the rules read by LOINC code.
pub fn discovery(kb: &KnowledgeBase) -> Discovery {
    let patient = "{{context.patientId}}";
    let mut prefetch = BTreeMap::from([
        (String::from("patient"), format!("Patient/{patient}")),
        (String::from("conditions"), format!("Condition?patient={patient}")),
        (String::from("medications"), format!("MedicationStatement?patient={patient}")),
        (
            String::from("pregnancy"),
            format!(
                "Observation?patient={patient}&code=http://loinc.org|{}",
                crate::fhir::PREGNANCY_STATUS_CODE
            ),
        ),
    ]);
    for input in &kb.graph.program.inputs {
        if input.loinc.is_empty() {
            continue;
        }
        let codes: Vec<String> = input.loinc.iter().map(|code| format!("http://loinc.org|{code}")).collect();
        prefetch.insert(
            format!("lab-{}", input.name),
            format!("Observation?patient={patient}&code={}", codes.join(",")),
        );
    }
    Discovery {
        services: vec![Service {
            hook: HOOK,
            id: SERVICE_ID,
            title: String::from("Warrant: evidence-graded suggestions"),
            description: format!(
                "Supplement suggestions, tests and cautions for the patient in view, each with the data it \
                 rests on, its graded sources and whether their citations check out. Not medical advice. \
                 Rules: {}.",
                knowledge_base_title(kb)
            ),
            prefetch,
        }],
    }
}

/// The rule files' titles, or their names.
fn knowledge_base_title(kb: &KnowledgeBase) -> String {
    let titles: Vec<&str> =
        kb.graph.program.files.iter().map(|file| file.title.as_deref().unwrap_or(&file.name)).collect();
    titles.join("; ")
}

/// A hook request, as far as Warrant reads it. Other fields (extensions,
/// `fhirAuthorization`) are allowed and not used: Warrant reads only what
/// is prefetched and never calls the FHIR server.
#[derive(Debug, Deserialize)]
#[serde(remote = "Self", rename_all = "camelCase")]
struct Request {
    hook: String,
    hook_instance: String,
    context: Context,
    #[serde(default)]
    prefetch: BTreeMap<String, Value>,
}

crate::document::mapping_only!(Request, "a CDS Hooks request");

#[derive(Debug, Deserialize)]
#[serde(remote = "Self", rename_all = "camelCase")]
struct Context {
    patient_id: String,
}

crate::document::mapping_only!(Context, "the hook's context");

const REQUEST: Vocabulary = Vocabulary {
    code: "E0630",
    duplicate_code: "E0610",
    what: "CDS Hooks request",
    fields: "a request has `hook`, `hookInstance`, `context` with `patientId`, and may have `prefetch`",
    hints: &[],
};

/// `POST /cds-services/{id}`'s answer.
#[derive(Debug, Clone, Serialize)]
pub struct Cards {
    pub cards: Vec<Card>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Card {
    pub uuid: String,
    pub summary: String,
    pub indicator: Indicator,
    /// GitHub-flavoured Markdown.
    pub detail: String,
    pub source: Source,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<Link>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Indicator {
    Info,
    Warning,
}

#[derive(Debug, Clone, Serialize)]
pub struct Source {
    pub label: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Link {
    pub label: String,
    pub url: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
}

/// Answers a hook request (`source`, the request body) for `kb` on the
/// report date `today`. A request that is not JSON, not a `patient-view`
/// call or holds bad FHIR gets diagnostics at its JSON path.
pub fn respond(
    kb: &KnowledgeBase,
    file: FileId,
    source: &SourceFile,
    today: Date,
    limits: &Limits,
) -> Result<Cards, Vec<Diagnostic>> {
    let written = Written::file(file, source);
    let locator = Locator::new(written.clone());
    let request: Request =
        deserialize(&source.text, Format::Json).map_err(|error| vec![error.diagnose(&locator, &REQUEST)])?;
    if request.hook != HOOK {
        let path = FieldPath::root().key("hook");
        return Err(vec![
            Diagnostic::error("E0631", format!("`{}` is not a hook this service answers", request.hook))
                .maybe_primary(locator.value(&path), "here")
                .help(format!("this service answers `{HOOK}`; see GET /cds-services")),
        ]);
    }
    let prefetch_path = FieldPath::root().key("prefetch");
    // `null` is a key the client had no data for: unknown, like an absent key.
    let parts: Vec<(FieldPath, &Value)> = request
        .prefetch
        .iter()
        .filter(|(_, value)| !value.is_null())
        .map(|(key, value)| (prefetch_path.key(key), value))
        .collect();
    let program = &kb.graph.program;
    let read = crate::fhir::read_parts(locator, program, &parts, &request.context.patient_id)?;
    let mut facts = crate::profile::bind(&read.profile, program, written, today, limits)?;
    facts.not_considered.extend(read.not_considered);
    let evaluation = crate::infer::evaluate(&kb.graph, facts);
    let report = crate::explain::build(&evaluation, &kb.evidence);
    Ok(cards(kb, &report, &request.hook_instance))
}

/// The cards for a report, in a fixed order.
fn cards(kb: &KnowledgeBase, report: &Report, hook_instance: &str) -> Cards {
    let ids = CardIds::new(kb, hook_instance);
    let references: BTreeMap<usize, &Reference> = report.references.iter().map(|r| (r.number, r)).collect();
    let kb_source = Source { label: String::from("Warrant knowledge base"), url: None };
    let mut cards = Vec::new();
    for (section, findings) in
        [("Caution", &report.cautions), ("Suggestion", &report.suggestions), ("Test", &report.tests)]
    {
        for finding in findings {
            cards.push(finding_card(&ids, section, finding, &references, &kb_source, report.disclaimer));
        }
    }
    for undecided in &report.test_first {
        cards.push(test_first_card(&ids, undecided, &kb_source, report.disclaimer));
    }
    if !report.not_considered.is_empty() {
        let mut detail = String::from(
            "No rule reads these entries of the record, so none of the other cards takes them into account:\n\n",
        );
        for entry in &report.not_considered {
            let _ = writeln!(detail, "- {}", entry.describe());
        }
        let count = report.not_considered.len();
        let entries = if count == 1 { "entry" } else { "entries" };
        cards.push(Card {
            uuid: ids.of("not-considered", ""),
            summary: summary(&format!("Not considered: {count} {entries} of the record no rule reads")),
            indicator: Indicator::Info,
            detail: with_disclaimer(detail, report.disclaimer),
            source: kb_source.clone(),
            links: Vec::new(),
        });
    }
    Cards { cards }
}

fn finding_card(
    ids: &CardIds,
    section: &str,
    finding: &Finding,
    references: &BTreeMap<usize, &Reference>,
    kb_source: &Source,
    disclaimer: &str,
) -> Card {
    let mut detail = String::new();
    markdown::finding_body(&mut detail, finding);
    let cited: Vec<&Reference> =
        finding.evidence.iter().filter_map(|c| references.get(&c.reference).copied()).collect();
    if !cited.is_empty() {
        detail.push_str("**References**\n\n");
        for reference in &cited {
            markdown::render_reference(&mut detail, reference);
        }
        detail.push('\n');
    }
    // The primary source: the record graded for this rule, else the first cited.
    let primary = finding.evidence.iter().find(|c| c.graded).or_else(|| finding.evidence.first());
    let source = primary.map_or_else(
        || kb_source.clone(),
        |citation| Source {
            label: citation.short.to_string(),
            url: references.get(&citation.reference).and_then(|r| r.url()),
        },
    );
    let links = finding
        .evidence
        .iter()
        .filter(|citation| primary.is_none_or(|p| p.reference != citation.reference))
        .filter_map(|citation: &CitationView| {
            let url = references.get(&citation.reference).and_then(|r| r.url())?;
            Some(Link { label: citation.short.to_string(), url, kind: "absolute" })
        })
        .collect();
    let warns = section == "Caution" || !finding.over_limits.is_empty();
    Card {
        uuid: ids.of(section, finding.id),
        summary: summary(&format!("{section}: {}", finding.label)),
        indicator: if warns { Indicator::Warning } else { Indicator::Info },
        detail: with_disclaimer(detail, disclaimer),
        source,
        links,
    }
}

fn test_first_card(ids: &CardIds, undecided: &Undecided, kb_source: &Source, disclaimer: &str) -> Card {
    let missing: Vec<&str> = undecided.missing.iter().map(|m| m.label).collect();
    let mut detail = format!(
        "Warrant cannot decide **{}** ({} `{}`): the record does not give what it depends on.\n\n**Missing**\n\n",
        undecided.label, undecided.kind, undecided.id
    );
    for input in &undecided.missing {
        let _ = writeln!(detail, "- {} (`{}`)", input.label, input.input);
    }
    detail.push('\n');
    Card {
        uuid: ids.of("Test first", undecided.id),
        summary: summary(&format!("Needs {}: {}", missing.join(", "), undecided.label)),
        indicator: Indicator::Info,
        detail: with_disclaimer(detail, disclaimer),
        source: kb_source.clone(),
        links: Vec::new(),
    }
}

fn with_disclaimer(mut detail: String, disclaimer: &str) -> String {
    let _ = write!(detail, "---\n\n*{disclaimer}*");
    detail
}

/// `text` cut to fit a card summary, at a character boundary.
fn summary(text: &str) -> String {
    match text.char_indices().nth(SUMMARY_LIMIT - 1) {
        None => text.to_string(),
        Some((cut, _)) => format!("{}…", text.get(..cut).unwrap_or("").trim_end()),
    }
}

/// Card ids: name-based UUIDs (version 5) of the knowledge base's files and
/// versions, the hook instance, the card's section and its rule.
struct CardIds {
    prefix: String,
}

impl CardIds {
    fn new(kb: &KnowledgeBase, hook_instance: &str) -> Self {
        let mut prefix = String::from("warrant");
        for file in &kb.graph.program.files {
            let _ = write!(prefix, "/{}@{}", file.name, file.version.as_deref().unwrap_or("unversioned"));
        }
        let _ = write!(prefix, "/{hook_instance}");
        CardIds { prefix }
    }

    fn of(&self, section: &str, rule: &str) -> String {
        let name = format!("{}/{section}/{rule}", self.prefix);
        uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_URL, name.as_bytes()).to_string()
    }
}
