//! FHIR R4 in: a `Bundle` (collection or searchset) of Patient,
//! Observation, Condition and MedicationStatement resources, read into the
//! same [`Profile`] a YAML file gives, so binding, evaluation and reports
//! are the same whichever way a person's data arrives.
//!
//! Labs are matched by LOINC code (an input may list several), their units
//! read from `valueQuantity.code` (UCUM), the newest result per input kept,
//! and `referenceRange` carried as the lab's range. Conditions count when
//! clinically active and neither refuted nor entered in error;
//! medications when active, intended or on hold. Codes map to names
//! through the rules' codes (a flag's, a `term`'s); a code the rules do not
//! know is kept under its text, so the report lists it as not considered.
//! FHIR's own mistakes (a wrong `resourceType`, a quantity with a code but
//! no system, a malformed date) are errors at their JSON path.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::check::{Coded, InputKind, ProfileList, Program};
use crate::codes::CodeSystem;
use crate::dates;
use crate::diagnostic::Diagnostic;
use crate::document::{FieldPath, Format, Locator, Vocabulary, Written, deserialize};
use crate::escape::escape_controls;
use crate::profile::{LabValue, NotConsidered, Profile, Sex, SupplementEntry};
use crate::span::{FileId, SourceFile};
use crate::units::{self, Dimension, Unit};

const UCUM: &str = "http://unitsofmeasure.org";

/// How FHIR says a list is known to be empty, from the International
/// Patient Summary (HL7/fhir-ips, value set "Absent or Unknown SNOMED - IPS"
/// and code system absent-unknown-uv-ips, version 1.1.0): SNOMED CT
/// 160245001 "No current problems or disability (situation)" and 787481004
/// "No known medications (situation)", or IPS's own `no-known-problems`
/// and `no-known-medications`.
const IPS_ABSENT: &str = "http://hl7.org/fhir/uv/ips/CodeSystem/absent-unknown-uv-ips";
const NO_KNOWN_PROBLEMS: [(&str, &str); 2] =
    [("http://snomed.info/sct", "160245001"), (IPS_ABSENT, "no-known-problems")];
const NO_KNOWN_MEDICATIONS: [(&str, &str); 2] =
    [("http://snomed.info/sct", "787481004"), (IPS_ABSENT, "no-known-medications")];
/// IPS's codes for "no information": the list stays unknown.
const NO_INFORMATION: [(&str, &str); 2] =
    [(IPS_ABSENT, "no-problem-info"), (IPS_ABSENT, "no-medication-info")];

/// Pregnancy status, as the IPS "Observation - Pregnancy: status" profile
/// records it: LOINC 82810-3 with a coded value. The values as the CDC's
/// ReportStream data dictionary lists them for that code (SNOMED CT
/// 77386006 pregnant, 60001007 not pregnant, 261665006 unknown), and the
/// LOINC answer LA15173-0 "Pregnant" used in the WHO SMART immunizations
/// guide's IPS example.
pub(crate) const PREGNANCY_STATUS_CODE: &str = "82810-3";
const PREGNANCY_STATUS: [(&str, &str); 1] = [("http://loinc.org", PREGNANCY_STATUS_CODE)];
const PREGNANT: [(&str, &str); 2] =
    [("http://snomed.info/sct", "77386006"), ("http://loinc.org", "LA15173-0")];
const NOT_PREGNANT: [(&str, &str); 1] = [("http://snomed.info/sct", "60001007")];
const PREGNANCY_UNKNOWN: [(&str, &str); 1] = [("http://snomed.info/sct", "261665006")];

/// Whether a CodeableConcept has one of `codes` (system URI, code).
fn has_code(concept: Option<&Value>, codes: &[(&str, &str)]) -> bool {
    let codings = concept.and_then(|c| c.get("coding")).and_then(Value::as_array);
    codings.into_iter().flatten().any(|coding| {
        let system = coding.get("system").and_then(Value::as_str);
        let code = coding.get("code").and_then(Value::as_str);
        codes.iter().any(|(s, c)| system == Some(*s) && code == Some(*c))
    })
}

/// How errors in FHIR text are worded.
const FHIR: Vocabulary = Vocabulary {
    code: "E0620",
    duplicate_code: "E0610",
    what: "FHIR bundle",
    fields: "FHIR resources may carry any field; this one must be as FHIR R4 defines it",
    hints: &[],
};

/// Whether JSON text is FHIR rather than a profile in Warrant's own form,
/// which has no `resourceType` (and refuses unknown fields): a look for the
/// key, not a parse, since `batch` asks it of every line.
pub fn looks_like_fhir(text: &str) -> bool {
    text.contains("\"resourceType\"")
}

/// What a Bundle says, as a profile, and what it holds that no rule reads
/// and a profile cannot hold (an unknown lab code, a resource type that is
/// not read).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Read {
    pub profile: Profile,
    pub not_considered: Vec<NotConsidered>,
}

/// Reads a Bundle for `program`'s inputs and codes.
pub fn read(file: FileId, source: &SourceFile, program: &Program) -> Result<Read, Vec<Diagnostic>> {
    let locator = Locator::new(Written::file(file, source));
    let root: Value =
        deserialize(&source.text, Format::Json).map_err(|error| vec![error.diagnose(&locator, &FHIR)])?;
    let mut reader = Reader::new(program, locator, None);
    reader.bundle(&root, &FieldPath::root());
    reader.finish()
}

/// Reads FHIR found inside another JSON document (a CDS Hooks request's
/// prefetch): each part a Bundle or a single resource at its path, all of
/// them about the patient `patient_id`. A resource about someone else is an
/// error, never a finding.
pub(crate) fn read_parts(
    locator: Locator<'_>,
    program: &Program,
    parts: &[(FieldPath, &Value)],
    patient_id: &str,
) -> Result<Read, Vec<Diagnostic>> {
    let mut reader = Reader::new(program, locator, Some(patient_id));
    for (path, value) in parts {
        let is_bundle = value.get("resourceType").and_then(Value::as_str) == Some("Bundle");
        if is_bundle {
            reader.bundle(value, path);
        } else if let Some(object) = reader.object(At { value, path }, "a FHIR resource or Bundle") {
            reader.resource(Resource { object, path });
        }
    }
    reader.finish()
}

struct Reader<'a> {
    program: &'a Program,
    at: Locator<'a>,
    problems: Vec<Diagnostic>,
    read: Read,
    /// The newest result so far for each lab, with its date for comparing.
    labs: BTreeMap<String, (Option<dates::Date>, LabValue)>,
    patients: usize,
    /// The patient every resource must be about, when the caller knows it.
    patient_id: Option<&'a str>,
    /// The newest pregnancy status, with its date.
    pregnancy: Option<(Option<dates::Date>, bool)>,
}

/// A JSON value with the path it was found at.
#[derive(Clone, Copy)]
struct At<'v, 'p> {
    value: &'v Value,
    path: &'p FieldPath,
}

impl<'a> Reader<'a> {
    fn new(program: &'a Program, at: Locator<'a>, patient_id: Option<&'a str>) -> Self {
        Reader {
            program,
            at,
            problems: Vec::new(),
            read: Read::default(),
            labs: BTreeMap::new(),
            patients: 0,
            patient_id,
            pregnancy: None,
        }
    }

    fn finish(self) -> Result<Read, Vec<Diagnostic>> {
        let Reader { problems, mut read, labs, pregnancy, .. } = self;
        if !problems.is_empty() {
            return Err(problems);
        }
        if let Some((_, pregnant)) = pregnancy {
            read.profile.pregnant = Some(pregnant);
        }
        if !labs.is_empty() {
            read.profile.labs = Some(labs.into_iter().map(|(name, (_, lab))| (name, lab)).collect());
        }
        Ok(read)
    }

    fn error(&mut self, code: &'static str, path: &FieldPath, message: String, help: &str) {
        let diagnostic = Diagnostic::error(code, format!("`{path}`: {message}"))
            .maybe_primary(self.at.value(path), "here")
            .help(help.to_string());
        self.problems.push(diagnostic);
    }

    /// A field that must be a string, if present.
    fn string<'v>(&mut self, object: &'v Map<String, Value>, path: &FieldPath, key: &str) -> Option<&'v str> {
        match object.get(key)? {
            Value::String(text) => Some(text),
            _ => {
                self.error(
                    "E0621",
                    &path.key(key),
                    String::from("must be a string"),
                    "see the FHIR R4 definition of this element",
                );
                None
            }
        }
    }

    fn object<'v>(&mut self, at: At<'v, '_>, what: &str) -> Option<&'v Map<String, Value>> {
        match at.value {
            Value::Object(object) => Some(object),
            _ => {
                self.error(
                    "E0621",
                    at.path,
                    format!("must be an object ({what})"),
                    "see the FHIR R4 definition of this element",
                );
                None
            }
        }
    }

    /// Lists what no rule reads. The name comes from the Bundle and is
    /// shown, so its control characters are escaped (binding does that for
    /// a profile's own entries; these never pass through binding).
    fn not_considered(&mut self, list: &'static str, name: String) {
        let name = escape_controls(&name).into_owned();
        if !self.read.not_considered.iter().any(|n| n.list == list && n.name == name) {
            self.read.not_considered.push(NotConsidered { list, name, index: 0, did_you_mean: None });
        }
    }

    fn bundle(&mut self, root: &Value, path: &FieldPath) {
        let Some(bundle) = self.object(At { value: root, path }, "a Bundle") else { return };
        match self.string(bundle, path, "resourceType") {
            Some("Bundle") => {}
            Some(other) => {
                let other = other.to_string();
                return self.error(
                    "E0620",
                    &path.key("resourceType"),
                    format!("`{other}` is not a Bundle"),
                    "give a FHIR R4 Bundle of type `collection` or `searchset` holding the resources",
                );
            }
            None => {
                return self.error(
                    "E0620",
                    path,
                    String::from("has no `resourceType`: not a FHIR Bundle"),
                    "give a FHIR R4 Bundle, or a profile in Warrant's own form",
                );
            }
        }
        match self.string(bundle, path, "type") {
            Some("collection" | "searchset") => {}
            Some(other) => {
                let other = other.to_string();
                return self.error(
                    "E0620",
                    &path.key("type"),
                    format!("a `{other}` Bundle is not read"),
                    "send a `collection` or `searchset` Bundle",
                );
            }
            None => {
                return self.error(
                    "E0620",
                    path,
                    String::from("has no `type`"),
                    "a Bundle says its `type`: `collection` or `searchset`",
                );
            }
        }
        let Some(entries) = bundle.get("entry") else { return };
        let Value::Array(entries) = entries else {
            return self.error(
                "E0621",
                &path.key("entry"),
                String::from("must be an array"),
                "see the FHIR R4 definition of Bundle",
            );
        };
        for (index, entry) in entries.iter().enumerate() {
            let entry_path = path.key("entry").index(index);
            let Some(entry) = self.object(At { value: entry, path: &entry_path }, "a Bundle entry") else {
                continue;
            };
            let resource_path = entry_path.key("resource");
            let Some(resource) = entry.get("resource") else {
                self.error(
                    "E0621",
                    &entry_path,
                    String::from("has no `resource`"),
                    "each entry holds one resource",
                );
                continue;
            };
            let Some(resource) = self.object(At { value: resource, path: &resource_path }, "a resource")
            else {
                continue;
            };
            self.resource(Resource { object: resource, path: &resource_path });
        }
    }

    fn resource(&mut self, resource: Resource<'_, '_>) {
        let (object, path) = (resource.object, resource.path);
        let kind = self.string(object, path, "resourceType");
        if matches!(kind, Some("Patient" | "Observation" | "Condition" | "MedicationStatement"))
            && !self.about_the_patient(resource, kind == Some("Patient"))
        {
            return;
        }
        match kind {
            Some("Patient") => {
                self.patients += 1;
                if self.patients > 1 {
                    self.error(
                        "E0620",
                        path,
                        String::from("a second Patient"),
                        "a Bundle describes one person",
                    );
                } else {
                    self.patient(resource);
                }
            }
            Some("Observation") => self.observation(resource),
            Some("Condition") => self.condition(resource),
            Some("MedicationStatement") => self.medication(resource),
            Some(other) => {
                self.not_considered("resources", format!("{other} resource"));
            }
            None => self.error(
                "E0620",
                path,
                String::from("has no `resourceType`"),
                "every FHIR resource names its type",
            ),
        }
    }

    /// Whether a resource is about the expected patient: a Patient by its
    /// `id`, anything else by `subject.reference` (`Patient/ID`, relative
    /// or absolute). One without the field is taken as the caller's; one
    /// naming another patient is an error.
    fn about_the_patient(&mut self, resource: Resource<'_, '_>, is_patient: bool) -> bool {
        let Some(expected) = self.patient_id else { return true };
        let (object, path) = (resource.object, resource.path);
        let (field, named) = if is_patient {
            (path.key("id"), object.get("id").and_then(Value::as_str))
        } else {
            let reference = object.get("subject").and_then(|s| s.get("reference")).and_then(Value::as_str);
            // `Patient/ID`, `https://server/Patient/ID` or `Patient/ID/_history/2`;
            // a `urn:uuid:` reference names no patient id to compare.
            let id =
                reference.and_then(|r| r.rsplit_once("Patient/")).and_then(|(_, id)| id.split('/').next());
            (path.key("subject").key("reference"), id)
        };
        match named {
            Some(id) if id != expected => {
                let id = id.to_string();
                self.error(
                    "E0624",
                    &field,
                    format!("is about patient `{id}`, not `{expected}` the request is for"),
                    "send only the resources of the patient in `context.patientId`",
                );
                false
            }
            _ => true,
        }
    }

    fn patient(&mut self, patient: Resource<'_, '_>) {
        let path = patient.path;
        match self.string(patient.object, path, "gender") {
            Some("female") => self.read.profile.sex = Some(Sex::Female),
            Some("male") => self.read.profile.sex = Some(Sex::Male),
            Some("other") => self.read.profile.sex = Some(Sex::Other),
            Some("unknown") | None => {}
            Some(other) => {
                let other = other.to_string();
                self.error(
                    "E0621",
                    &path.key("gender"),
                    format!("`{other}` is not a FHIR gender"),
                    "use `female`, `male`, `other` or `unknown`",
                );
            }
        }
        if let Some(birth) = self.string(patient.object, path, "birthDate") {
            let birth = birth.to_string();
            match date_of(&birth) {
                DateValue::Day(_) => self.read.profile.birth_date = Some(birth),
                DateValue::Partial => {
                    self.not_considered("patient", format!("birthDate {birth} (not a whole date, so no age)"))
                }
                DateValue::Malformed => self.error(
                    "E0623",
                    &path.key("birthDate"),
                    format!("`{birth}` is not a FHIR date"),
                    "write the date as YYYY-MM-DD",
                ),
            }
        }
    }

    fn observation(&mut self, observation: Resource<'_, '_>) {
        let (object, path) = (observation.object, observation.path);
        let status = self.string(object, path, "status").unwrap_or("unknown");
        if !matches!(status, "final" | "amended" | "corrected") {
            let name = format!("{} (status {status})", codings_text(object.get("code")));
            return self.not_considered("labs", name);
        }
        if has_code(object.get("code"), &PREGNANCY_STATUS) {
            return self.pregnancy_status(object, path);
        }
        let Some((input, code_text)) = self.lab_of(object, path) else { return };
        let Some(input_decl) = self.program.input(input) else { return };
        let InputKind::Lab { unit: canonical, molar_mass } = input_decl.kind else { return };
        let name = input_decl.name.clone();
        let Some(quantity) = object.get("valueQuantity") else {
            return self.not_considered("labs", format!("{code_text} (no valueQuantity)"));
        };
        let quantity_path = path.key("valueQuantity");
        let Some((value, unit)) =
            self.quantity(At { value: quantity, path: &quantity_path }, canonical.dimension, &name)
        else {
            return;
        };
        if units::convertible(unit, canonical, molar_mass).is_err() {
            return self.error(
                "E0603",
                &quantity_path.key("code"),
                format!("`{}` does not fit `{name}`, a {}", unit.symbol, canonical.dimension.describe()),
                "give the result in a unit of the lab's dimension",
            );
        }
        let date = self.effective_date(object, path);
        let range = self.reference_range(object, path, unit, canonical, molar_mass);
        let lab = LabValue { value, unit: unit.symbol.to_string(), date: date.map(|d| d.to_string()), range };
        // The newest result wins; an undated one only when nothing is dated.
        let newer = self.labs.get(&name).is_none_or(|(kept, _)| date > *kept);
        if newer {
            self.labs.insert(name, (date, lab));
        }
    }

    /// A pregnancy-status Observation: pregnant, not pregnant, or (unknown,
    /// or a value Warrant does not know) nothing; the newest one counts.
    fn pregnancy_status(&mut self, object: &Map<String, Value>, path: &FieldPath) {
        let value = object.get("valueCodeableConcept");
        let pregnant = if has_code(value, &PREGNANT) {
            true
        } else if has_code(value, &NOT_PREGNANT) {
            false
        } else {
            if !has_code(value, &PREGNANCY_UNKNOWN) {
                self.not_considered("pregnancy status", codings_text(value));
            }
            return;
        };
        let date = self.effective_date(object, path);
        if self.pregnancy.is_none_or(|(kept, _)| date > kept) {
            self.pregnancy = Some((date, pregnant));
        }
    }

    /// The lab input an Observation's LOINC codings name, if the rules know one.
    fn lab_of(
        &mut self,
        object: &Map<String, Value>,
        path: &FieldPath,
    ) -> Option<(crate::check::InputId, String)> {
        let codings = self.codings(object.get("code"), &path.key("code"));
        for (system, code) in &codings {
            if let (Some(CodeSystem::Loinc), Some(Coded::Input(input))) =
                (*system, system.and_then(|s| self.program.meaning_of(s, code)))
            {
                return Some((input, code.clone()));
            }
        }
        let text = codings_text(object.get("code"));
        self.not_considered("labs", text);
        None
    }

    /// A Quantity's value and UCUM unit, checked: qty-3 (a code needs its
    /// system), UCUM as the system, a unit Warrant knows.
    fn quantity(&mut self, at: At<'_, '_>, dimension: Dimension, lab: &str) -> Option<(f64, Unit)> {
        let object = self.object(at, "a Quantity")?;
        let path = at.path;
        let value = match object.get("value") {
            Some(Value::Number(number)) => number.as_f64(),
            _ => None,
        };
        let Some(value) = value else {
            self.error(
                "E0621",
                &path.key("value"),
                String::from("must be a number"),
                "give the measured value as a JSON number",
            );
            return None;
        };
        let Some(code) = self.string(object, path, "code") else {
            self.error(
                "E0622",
                path,
                String::from("has no UCUM `code` for its unit"),
                "give the unit as a UCUM code in `code`, with `system` \"http://unitsofmeasure.org\"; `unit` is display text only",
            );
            return None;
        };
        match self.string(object, path, "system") {
            Some(UCUM) => {}
            Some(other) => {
                let other = other.to_string();
                self.error(
                    "E0622",
                    &path.key("system"),
                    format!("`{other}` is not UCUM"),
                    "units are UCUM codes: `system` \"http://unitsofmeasure.org\"",
                );
                return None;
            }
            None => {
                self.error(
                    "E0622",
                    &path.key("code"),
                    String::from("a unit code without its `system` (FHIR's rule qty-3)"),
                    "add `\"system\": \"http://unitsofmeasure.org\"` beside the code",
                );
                return None;
            }
        }
        let Some(unit) = Unit::parse(code) else {
            let code = code.to_string();
            self.error(
                "E0603",
                &path.key("code"),
                format!("unknown unit `{code}` for `{lab}`"),
                &format!("`{lab}` accepts {}", Unit::symbols_of(dimension).join(", ")),
            );
            return None;
        };
        Some((value, unit))
    }

    /// `effectiveDateTime`, or the start of `effectivePeriod`, or `issued`:
    /// the day of the result, when whole.
    fn effective_date(&mut self, object: &Map<String, Value>, path: &FieldPath) -> Option<dates::Date> {
        let period_start = object.get("effectivePeriod").and_then(|p| p.get("start")).and_then(Value::as_str);
        let (key, text) = [
            ("effectiveDateTime", object.get("effectiveDateTime").and_then(Value::as_str)),
            ("effectivePeriod", period_start),
            ("issued", object.get("issued").and_then(Value::as_str)),
        ]
        .into_iter()
        .find_map(|(key, text)| text.map(|t| (key, t)))?;
        match date_of(text) {
            DateValue::Day(date) => Some(date),
            DateValue::Partial => None,
            DateValue::Malformed => {
                let text = text.to_string();
                self.error(
                    "E0623",
                    &path.key(key),
                    format!("`{text}` is not a FHIR dateTime"),
                    "write it as YYYY-MM-DD or YYYY-MM-DDThh:mm:ss+zz:zz",
                );
                None
            }
        }
    }

    /// The first reference range, in the value's unit.
    fn reference_range(
        &mut self,
        object: &Map<String, Value>,
        path: &FieldPath,
        unit: Unit,
        canonical: Unit,
        molar_mass: Option<f64>,
    ) -> Option<[f64; 2]> {
        let ranges = object.get("referenceRange")?.as_array()?;
        let range = ranges.first()?;
        let range_path = path.key("referenceRange").index(0);
        let bound = |reader: &mut Self, key: &str| -> Option<f64> {
            let quantity = range.get(key)?;
            let (value, given) = reader.quantity(
                At { value: quantity, path: &range_path.key(key) },
                canonical.dimension,
                "the range",
            )?;
            units::convert(value, given, unit, molar_mass).ok()
        };
        let low = bound(self, "low");
        let high = bound(self, "high");
        match (low, high) {
            (Some(low), Some(high)) => Some([low, high]),
            // One-sided ranges ("< 5") say nothing `below range` could use.
            _ => None,
        }
    }

    fn condition(&mut self, condition: Resource<'_, '_>) {
        let (object, path) = (condition.object, condition.path);
        let clinical = status_code(object.get("clinicalStatus"));
        let verification = status_code(object.get("verificationStatus"));
        let active = clinical.is_none_or(|c| matches!(c, "active" | "recurrence" | "relapse"));
        let doubted = verification.is_some_and(|v| matches!(v, "refuted" | "entered-in-error"));
        if has_code(object.get("code"), &NO_INFORMATION) {
            return;
        }
        // Any other Condition, counted or not, makes the list known: a
        // resolved or refuted one says the person has it no longer.
        self.read.profile.conditions.get_or_insert_with(Vec::new);
        if !active || doubted || has_code(object.get("code"), &NO_KNOWN_PROBLEMS) {
            return;
        }
        let name = self.name_of(object.get("code"), &path.key("code"));
        self.read.profile.conditions.get_or_insert_with(Vec::new).push(name);
    }

    fn medication(&mut self, statement: Resource<'_, '_>) {
        let (object, path) = (statement.object, statement.path);
        let concept = object.get("medicationCodeableConcept");
        if has_code(concept, &NO_INFORMATION) {
            return;
        }
        // As for conditions: a stopped medicine makes the list known, and
        // since FHIR records supplements as medicines, theirs too.
        self.read.profile.medications.get_or_insert_with(Vec::new);
        self.read.profile.supplements.get_or_insert_with(Vec::new);
        let status = self.string(object, path, "status").unwrap_or("unknown");
        if !matches!(status, "active" | "intended" | "on-hold") || has_code(concept, &NO_KNOWN_MEDICATIONS) {
            return;
        }
        let Some(concept) = concept else {
            return self.not_considered(
                "medications",
                String::from("a medicine given by reference (medicationReference)"),
            );
        };
        let name = self.name_of(Some(concept), &path.key("medicationCodeableConcept"));
        let is_supplement = self
            .program
            .considered
            .get(&ProfileList::Supplements)
            .is_some_and(|read| read.contains(&crate::profile::normalise_name(&name)));
        let dosage = object.get("dosage").and_then(Value::as_array).and_then(|d| d.first());
        let quantity = dosage
            .and_then(|d| d.get("doseAndRate"))
            .and_then(Value::as_array)
            .and_then(|rates| rates.first())
            .and_then(|rate| rate.get("doseQuantity"));
        match (is_supplement, quantity) {
            (true, Some(quantity)) => {
                let dose_path = path.key("dosage").index(0).key("doseAndRate").index(0).key("doseQuantity");
                let Some((dose, unit)) =
                    self.quantity(At { value: quantity, path: &dose_path }, Dimension::Mass, &name)
                else {
                    return;
                };
                let time = dosage
                    .and_then(|d| d.get("timing"))
                    .and_then(|t| t.get("code"))
                    .and_then(|c| c.get("text"))
                    .and_then(Value::as_str)
                    .map(String::from);
                self.read.profile.supplements.get_or_insert_with(Vec::new).push(SupplementEntry {
                    name,
                    dose,
                    unit: unit.symbol.to_string(),
                    time,
                });
            }
            _ => self.read.profile.medications.get_or_insert_with(Vec::new).push(name),
        }
    }

    /// The name rules use for a CodeableConcept: that of the first coding
    /// the rules give a meaning, else the concept's text or first display,
    /// kept so the report lists it as not considered.
    fn name_of(&mut self, concept: Option<&Value>, path: &FieldPath) -> String {
        for (system, code) in self.codings(concept, path) {
            let Some(system) = system else { continue };
            match self.program.meaning_of(system, &code) {
                Some(Coded::Input(input)) => {
                    if let Some(input) = self.program.input(input) {
                        return input.name.clone();
                    }
                }
                Some(Coded::Term(term)) => {
                    if let Some(term) = self.program.terms.get(term) {
                        return term.name.clone();
                    }
                }
                None => {}
            }
        }
        codings_text(concept)
    }

    /// A CodeableConcept's codings, each with its system when Warrant knows it.
    fn codings(&mut self, concept: Option<&Value>, path: &FieldPath) -> Vec<(Option<CodeSystem>, String)> {
        let Some(codings) = concept.and_then(|c| c.get("coding")) else { return Vec::new() };
        let Value::Array(codings) = codings else {
            self.error(
                "E0621",
                &path.key("coding"),
                String::from("must be an array"),
                "see the FHIR R4 definition of CodeableConcept",
            );
            return Vec::new();
        };
        codings
            .iter()
            .filter_map(|coding| {
                let code = coding.get("code")?.as_str()?;
                let system = coding.get("system").and_then(Value::as_str).and_then(CodeSystem::from_uri);
                Some((system, code.to_string()))
            })
            .collect()
    }
}

/// A resource and its path.
#[derive(Clone, Copy)]
struct Resource<'v, 'p> {
    object: &'v Map<String, Value>,
    path: &'p FieldPath,
}

/// The first code of a status CodeableConcept (`clinicalStatus`, ...).
fn status_code(concept: Option<&Value>) -> Option<&str> {
    concept?.get("coding")?.as_array()?.first()?.get("code")?.as_str()
}

/// How a CodeableConcept reads to a person: its text, its first display,
/// or its first code with the system's name.
fn codings_text(concept: Option<&Value>) -> String {
    let Some(concept) = concept else { return String::from("(no code)") };
    if let Some(text) = concept.get("text").and_then(Value::as_str) {
        return text.to_string();
    }
    let codings = concept.get("coding").and_then(Value::as_array);
    let first = codings.and_then(|c| c.first());
    if let Some(display) = first.and_then(|c| c.get("display")).and_then(Value::as_str) {
        return display.to_string();
    }
    let code = first.and_then(|c| c.get("code")).and_then(Value::as_str).unwrap_or("?");
    let system = match first.and_then(|c| c.get("system")).and_then(Value::as_str) {
        Some(uri) => CodeSystem::from_uri(uri).map_or_else(|| uri.to_string(), |s| s.title().to_string()),
        None => String::from("no system"),
    };
    format!("{system} {code}")
}

/// A FHIR date or dateTime: a whole day, a partial date (a year, a month),
/// or text that is neither.
enum DateValue {
    Day(dates::Date),
    Partial,
    Malformed,
}

fn date_of(text: &str) -> DateValue {
    let bytes = text.as_bytes();
    let digits =
        |range: std::ops::Range<usize>| bytes.get(range).is_some_and(|d| d.iter().all(u8::is_ascii_digit));
    match text.len() {
        4 if digits(0..4) => DateValue::Partial,
        7 if digits(0..4) && bytes.get(4) == Some(&b'-') && digits(5..7) => DateValue::Partial,
        _ => {
            // A dateTime's day is its first ten characters; what follows is a time.
            let day = text.get(..10).unwrap_or(text);
            let rest = text.get(10..).unwrap_or("");
            match dates::parse(day) {
                Some(date) if rest.is_empty() || rest.starts_with('T') => DateValue::Day(date),
                _ => DateValue::Malformed,
            }
        }
    }
}
