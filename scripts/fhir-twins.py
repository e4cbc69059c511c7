#!/usr/bin/env python3
"""Writes a FHIR R4 Bundle twin of each YAML fixture profile that FHIR can
express, into tests/fixtures/fhir/, and keeps only twins whose findings
match the YAML's (`warrant explain --format json`). Lists the fixtures
left without a twin and why in tests/fixtures/fhir/WITHOUT-TWINS.txt. Needs PyYAML; run from the repository root:

    python3 scripts/fhir-twins.py

Codes are those the bundled rules give (rules/common.warrant, iron.warrant,
b_vitamins.warrant, action_plan.warrant), each with its source there.
"""
import datetime
import glob
import json
import os
import shutil
import subprocess
import sys

import yaml

TODAY = datetime.date(2026, 11, 29)
LOINC = {"ferritin": "2276-4", "tsat": "2502-3", "egfr": "98979-8", "vitamin_b12": "2132-9",
         "folate": "2284-8", "vitamin_d": "62292-8", "magnesium_rbc": "26746-8"}
CONDITIONS = {"rls": ("http://hl7.org/fhir/sid/icd-10-cm", "G25.81"),
              "restless_legs_syndrome": ("http://hl7.org/fhir/sid/icd-10-cm", "G25.81"),
              "hemochromatosis": ("http://hl7.org/fhir/sid/icd-10-cm", "E83.110"),
              "haemochromatosis": ("http://hl7.org/fhir/sid/icd-10-cm", "E83.110"),
              "chronic_kidney_disease": ("http://hl7.org/fhir/sid/icd-10-cm", "N18.9"),
              "ckd": ("http://hl7.org/fhir/sid/icd-10-cm", "N18.9"),
              "dialysis": ("http://hl7.org/fhir/sid/icd-10-cm", "N18.6"),
              "haemodialysis": ("http://hl7.org/fhir/sid/icd-10-cm", "Z99.2"),
              "hemodialysis": ("http://hl7.org/fhir/sid/icd-10-cm", "Z99.2"),
              "pregnancy": ("http://hl7.org/fhir/sid/icd-10-cm", "Z33.1"),
              "pregnant": ("http://hl7.org/fhir/sid/icd-10-cm", "Z33.1")}
RXNORM = {}
UCUM = {"µg/L": "ug/L", "ug/L": "ug/L", "mL/min/1.73m²": "mL/min/{1.73_m2}", "mL/min/1.73 m2": "mL/min/{1.73_m2}"}
SNOMED = "http://snomed.info/sct"


def rxnorm_terms():
    """term NAME "Label" codes rxnorm "CODE" lines of the bundled rules."""
    for path in glob.glob("rules/*.warrant"):
        for line in open(path):
            parts = line.split()
            if parts[:1] == ["term"] and "rxnorm" in parts:
                RXNORM[parts[1]] = parts[parts.index("rxnorm") + 1].strip('",')


def quantity(value, unit):
    return {"value": value, "system": "http://unitsofmeasure.org", "code": UCUM.get(unit, unit)}


def twin(profile):
    """The Bundle for a profile, or the reason FHIR cannot say what it says."""
    if profile.get("diet") is not None:
        return None, "a diet list (FHIR has no resource for it here)"
    if profile.get("lactating") is not None:
        return None, "says whether breastfeeding (no sourced code for breastfeeding status)"
    if (profile.get("medications") is None) != (profile.get("supplements") is None):
        return None, "knows medicines but not supplements, or the reverse (FHIR records both as MedicationStatements)"
    entries = []
    patient = {"resourceType": "Patient"}
    if "sex" in profile:
        patient["gender"] = profile["sex"]
    if "birth_date" in profile:
        patient["birthDate"] = str(profile["birth_date"])
    elif "age" in profile:
        age = profile["age"]
        if age != int(age):
            return None, "a fractional age"
        patient["birthDate"] = TODAY.replace(year=TODAY.year - int(age)).isoformat()
    entries.append(patient)
    for name, lab in (profile.get("labs") or {}).items():
        if name not in LOINC:
            return None, f"lab `{name}` has no sourced LOINC code"
        observation = {"resourceType": "Observation", "status": "final",
                       "code": {"coding": [{"system": "http://loinc.org", "code": LOINC[name]}]},
                       "valueQuantity": quantity(lab["value"], lab["unit"])}
        if "date" in lab:
            observation["effectiveDateTime"] = str(lab["date"])
        if "range" in lab:
            low, high = lab["range"]
            observation["referenceRange"] = [{"low": quantity(low, lab["unit"]), "high": quantity(high, lab["unit"])}]
        entries.append(observation)
    if profile.get("pregnant") is not None:
        # IPS pregnancy status: LOINC 82810-3, SNOMED CT pregnant / not pregnant.
        value = "77386006" if profile["pregnant"] else "60001007"
        entries.append({"resourceType": "Observation", "status": "final",
                        "code": {"coding": [{"system": "http://loinc.org", "code": "82810-3"}]},
                        "valueCodeableConcept": {"coding": [{"system": SNOMED, "code": value}]}})
    conditions = list(profile.get("conditions") or [])
    if profile.get("conditions") is not None:
        if not conditions:
            entries.append({"resourceType": "Condition",
                            "code": {"coding": [{"system": SNOMED, "code": "160245001"}]}})
        for condition in conditions:
            key = condition.strip().lower().replace(" ", "_").replace("-", "_")
            code = {"text": condition}
            if key in CONDITIONS:
                system, value = CONDITIONS[key]
                code = {"coding": [{"system": system, "code": value}]}
            entries.append({"resourceType": "Condition",
                            "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": "active"}]},
                            "code": code})
    if profile.get("medications") is not None:
        medicines = profile["medications"] or []
        supplements = profile.get("supplements") or []
        if not medicines and not supplements:
            entries.append({"resourceType": "MedicationStatement", "status": "active",
                            "medicationCodeableConcept": {"coding": [{"system": SNOMED, "code": "787481004"}]}})
        for medicine in medicines:
            key = medicine.strip().lower().replace(" ", "_").replace("-", "_")
            concept = {"text": medicine}
            if key in RXNORM:
                concept = {"coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": RXNORM[key]}]}
            entries.append({"resourceType": "MedicationStatement", "status": "active",
                            "medicationCodeableConcept": concept})
        for supplement in supplements:
            dosage = {"doseAndRate": [{"doseQuantity": quantity(supplement["dose"], supplement["unit"])}]}
            if "time" in supplement:
                dosage["timing"] = {"code": {"text": supplement["time"]}}
            entries.append({"resourceType": "MedicationStatement", "status": "active",
                            "medicationCodeableConcept": {"text": supplement["name"]}, "dosage": [dosage]})
    return {"resourceType": "Bundle", "type": "collection",
            "entry": [{"resource": resource} for resource in entries]}, None


def findings(path):
    out = subprocess.run(["target/debug/warrant", "explain", "--format", "json", path],
                         capture_output=True, text=True, env={**os.environ, "WARRANT_TODAY": "2026-11-29"})
    if out.returncode != 0:
        return out.stderr
    report = json.loads(out.stdout)
    keep = ["suggestions", "tests", "cautions", "test_first", "ruled_out", "outside_population", "background"]
    # FHIR gives a birth date where YAML may give only an age.
    person = {key: value for key, value in report["person"].items() if key != "birth_date"}
    return {key: [f["id"] for f in report[key]] for key in keep} | {"person": person, "labs": report["labs"]}


def main():
    subprocess.run(["cargo", "build", "--quiet"], check=True)
    rxnorm_terms()
    missing = []
    for source in sorted(glob.glob("tests/fixtures/profiles/*.yaml")):
        name = os.path.basename(source)[:-5]
        bundle, why = twin(yaml.safe_load(open(source)))
        target = f"tests/fixtures/fhir/{name}.json"
        if bundle is None:
            missing.append((name, why))
            continue
        with open(target, "w") as out:
            json.dump(bundle, out, indent=2)
            out.write("\n")
        shutil.copy(source, f"tests/fixtures/fhir/{name}.yaml")
        if findings(target) != findings(source):
            missing.append((name, "the twin's findings differ"))
            os.remove(target)
            os.remove(f"tests/fixtures/fhir/{name}.yaml")
    with open("tests/fixtures/fhir/WITHOUT-TWINS.txt", "w") as out:
        out.write("# Fixture profiles with no FHIR twin, and why (written by scripts/fhir-twins.py).\n")
        for name, why in missing:
            out.write(f"no twin for {name}: {why}\n")
            print(f"no twin for {name}: {why}")


if __name__ == "__main__":
    sys.exit(main())
