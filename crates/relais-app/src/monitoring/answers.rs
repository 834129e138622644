//! What a patient types on their own page, turned into FHIR and recorded as them: a
//! questionnaire's answers as a QuestionnaireResponse (the rules engine reads `valueBoolean` and
//! `valueCoding.code`, see `observation::answers_of`), and a measurement as an Observation in the
//! program's code and unit (a panel's parts, blood pressure, as components of one Observation).
//!
//! Both are checked first, each problem naming its field (the question's `linkId`, the
//! measurement's LOINC code), so the page can show it next to the field with what was typed;
//! an implausible value is refused with the range rather than stored: the patient is there to
//! measure again, unlike a device.

use jiff::Timestamp;
use relais_clinical::program::{
    AnswerValue, ItemKind, Measurement, Program, Questionnaire, questionnaire_url,
};
use relais_fhir::{Issue, IssueType};
use serde_json::{Value, json};

use super::observation::{LOINC, UCUM};
use super::{Monitoring, Recorded, invalid};
use crate::access::Caller;
use crate::fhir::FhirError;

/// A problem with one field of a patient's form.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldProblem {
    /// Nothing chosen or typed.
    Missing,
    /// Not one of the options.
    NotAnOption,
    /// Not a number.
    NotANumber,
    /// Outside the plausible range (low, high, unit).
    Implausible(f64, f64, String),
}

impl FieldProblem {
    /// Stable code (the translations name it `homecare-error-{code}`).
    pub fn code(&self) -> &'static str {
        match self {
            FieldProblem::Missing => "missing",
            FieldProblem::NotAnOption => "not-an-option",
            FieldProblem::NotANumber => "not-a-number",
            FieldProblem::Implausible(..) => "implausible",
        }
    }
}

/// Each field at fault (its name) with its problem.
pub type Problems = Vec<(String, FieldProblem)>;

/// The answers of `questionnaire` from the typed values (`yes`/`no`, or an option's code) by
/// link id; or every field's problem.
pub fn check_answers(
    questionnaire: &Questionnaire,
    typed: &dyn Fn(&str) -> Option<String>,
) -> Result<Vec<(String, AnswerValue)>, Problems> {
    let mut answers = Vec::new();
    let mut problems = Vec::new();
    for item in &questionnaire.items {
        let value = typed(&item.link_id).unwrap_or_default();
        let value = value.trim();
        let answer = match (item.kind, value) {
            (_, "") => Err(FieldProblem::Missing),
            (ItemKind::Boolean, "yes") => Ok(AnswerValue::Bool(true)),
            (ItemKind::Boolean, "no") => Ok(AnswerValue::Bool(false)),
            (ItemKind::Choice, code) if item.options.iter().any(|o| o.code == code) => {
                Ok(AnswerValue::Code(code.to_owned()))
            }
            _ => Err(FieldProblem::NotAnOption),
        };
        match answer {
            Ok(a) => answers.push((item.link_id.clone(), a)),
            Err(p) => problems.push((item.link_id.clone(), p)),
        }
    }
    if problems.is_empty() { Ok(answers) } else { Err(problems) }
}

/// A typed number: `72`, `72.5` or the French `72,5`.
pub fn parse_number(typed: &str) -> Option<f64> {
    let value: f64 = typed.trim().replace(',', ".").parse().ok()?;
    value.is_finite().then_some(value)
}

/// The measurements one form asks for: `code`'s, or every one of its panel (blood pressure).
pub fn form_measurements<'p>(program: &'p Program, code: &str) -> Vec<&'p Measurement> {
    let Some(first) = program.measurement_for(code) else { return Vec::new() };
    match &first.panel {
        Some(panel) => program.measurements.iter().filter(|m| m.panel.as_ref() == Some(panel)).collect(),
        None => vec![first],
    }
}

/// The values of a measurement form, each checked against its plausible range.
pub fn check_values(
    measurements: &[&Measurement],
    typed: &dyn Fn(&str) -> Option<String>,
) -> Result<Vec<(String, f64)>, Problems> {
    let mut values = Vec::new();
    let mut problems = Vec::new();
    for m in measurements {
        let text = typed(&m.code).unwrap_or_default();
        let checked = if text.trim().is_empty() {
            Err(FieldProblem::Missing)
        } else {
            match parse_number(&text) {
                None => Err(FieldProblem::NotANumber),
                Some(v) if v < m.plausible.0 || v > m.plausible.1 => {
                    Err(FieldProblem::Implausible(m.plausible.0, m.plausible.1, m.unit.clone()))
                }
                Some(v) => Ok(v),
            }
        };
        match checked {
            Ok(v) => values.push((m.code.clone(), v)),
            Err(p) => problems.push((m.code.clone(), p)),
        }
    }
    if problems.is_empty() { Ok(values) } else { Err(problems) }
}

fn quantity(m: &Measurement, value: f64) -> Value {
    json!({"value": value, "unit": m.unit, "system": UCUM, "code": m.unit})
}

/// The Observation of checked `values` of `measurements`, measured `at`, entered by the patient.
pub fn observation(
    patient: &str,
    measurements: &[&Measurement],
    values: &[(String, f64)],
    at: Timestamp,
) -> Value {
    let coded = |code: &str| json!({"coding": [{"system": LOINC, "code": code}]});
    let mut obs = json!({"resourceType": "Observation", "status": "final",
        "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "vital-signs"}]}],
        "subject": {"reference": format!("Patient/{patient}")}, "effectiveDateTime": at.to_string(),
        "performer": [{"reference": format!("Patient/{patient}")}]});
    let value_of = |code: &str| values.iter().find(|(c, _)| c == code).map(|(_, v)| *v);
    match (measurements.first().and_then(|m| m.panel.clone()), measurements) {
        (Some(panel), _) => {
            obs["code"] = coded(&panel);
            let components: Vec<Value> = measurements
                .iter()
                .filter_map(|m| {
                    value_of(&m.code)
                        .map(|v| json!({"code": coded(&m.code), "valueQuantity": quantity(m, v)}))
                })
                .collect();
            obs["component"] = Value::Array(components);
        }
        (None, [m]) => {
            obs["code"] = coded(&m.code);
            if let Some(v) = value_of(&m.code) {
                obs["valueQuantity"] = quantity(m, v);
            }
        }
        _ => {}
    }
    obs
}

/// The QuestionnaireResponse of checked answers.
pub fn questionnaire_response(
    program: &Program,
    questionnaire: &Questionnaire,
    patient: &str,
    answers: &[(String, AnswerValue)],
    at: Timestamp,
) -> Value {
    let url = questionnaire_url(program, questionnaire);
    let items: Vec<Value> = answers
        .iter()
        .map(|(link, value)| {
            let item = questionnaire.item(link);
            let text = item.map(|i| i.text.fr.clone()).unwrap_or_default();
            let answer = match value {
                AnswerValue::Bool(b) => json!({"valueBoolean": b}),
                AnswerValue::Code(code) => {
                    let display = item
                        .and_then(|i| i.options.iter().find(|o| &o.code == code))
                        .map(|o| o.display.fr.clone())
                        .unwrap_or_default();
                    json!({"valueCoding": {"system": format!("{url}#{link}"), "code": code, "display": display}})
                }
            };
            json!({"linkId": link, "text": text, "answer": [answer]})
        })
        .collect();
    json!({"resourceType": "QuestionnaireResponse", "status": "completed",
        // The canonical without `|version`: the rules engine matches it as published.
        "questionnaire": url,
        "subject": {"reference": format!("Patient/{patient}")},
        "author": {"reference": format!("Patient/{patient}")},
        "source": {"reference": format!("Patient/{patient}")},
        "authored": at.to_string(), "item": items})
}

impl Monitoring {
    /// Records a questionnaire's answers as `caller` (a QuestionnaireResponse), then evaluates
    /// the patient's program: red-flag answers come back as advice at once.
    ///
    /// # Errors
    /// 400 `answers-invalid` (the linkIds at fault in the issues' expressions); 403 when the
    /// caller may not write the record (audited, before anything is looked up); 422
    /// `not-enrolled`, `unknown-questionnaire`.
    pub async fn record_answers(
        &self,
        caller: &Caller,
        patient: &str,
        questionnaire: &str,
        typed: &(dyn Fn(&str) -> Option<String> + Sync),
    ) -> Result<Recorded, FhirError> {
        let probe = json!({"resourceType": "QuestionnaireResponse", "status": "completed",
            "subject": {"reference": format!("Patient/{patient}")}});
        if !self.fhir.may_create(caller, "QuestionnaireResponse", &probe) {
            let refused = self
                .fhir
                .create_as(caller, "QuestionnaireResponse", probe.to_string().as_bytes(), None)
                .await;
            return Err(refused.err().unwrap_or(FhirError::Forbidden("not-entitled")));
        }
        let (program, enrolled_at) = self.enrolment(patient).await?;
        let q = program.questionnaire(questionnaire).ok_or_else(|| {
            FhirError::Unprocessable(vec![Issue::error(
                IssueType::BusinessRule,
                "unknown-questionnaire",
                "The patient's program has no such questionnaire",
            )])
        })?;
        let answers = check_answers(q, typed).map_err(|problems| {
            FhirError::Invalid(
                problems
                    .iter()
                    .map(|(link, p)| {
                        Issue::error(IssueType::Invalid, "answers-invalid", p.code()).at(link.clone())
                    })
                    .collect(),
            )
        })?;
        let now = self.fhir.clock().now();
        let response = questionnaire_response(&program, q, patient, &answers, now);
        let written = self
            .fhir
            .create_as(caller, "QuestionnaireResponse", response.to_string().as_bytes(), None)
            .await?;
        let mut response = response;
        response["id"] = Value::String(written.row.id.clone());
        self.remember_response(patient, &program, &response);
        let (alerts, advice) = self.evaluate(patient, &program, enrolled_at).await?;
        Ok(Recorded { observation: written.row.id, outcome: super::Outcome::Counted, alerts, advice })
    }

    /// Records a measurement typed on the patient's form (the values by LOINC code, in the
    /// program's unit), through [`Monitoring::record_reading`].
    ///
    /// # Errors
    /// 400 `values-invalid` (the codes at fault in the issues' expressions), or as
    /// `record_reading`.
    pub async fn record_typed(
        &self,
        caller: &Caller,
        patient: &str,
        code: &str,
        typed: &(dyn Fn(&str) -> Option<String> + Sync),
    ) -> Result<Recorded, FhirError> {
        let program = self.program_of_form(caller, patient).await?;
        let measurements = form_measurements(&program, code);
        if measurements.is_empty() {
            return Err(invalid("unknown-measurement", "The patient's program does not measure this"));
        }
        let values = check_values(&measurements, typed).map_err(|problems| {
            FhirError::Invalid(
                problems
                    .iter()
                    .map(|(code, p)| {
                        Issue::error(IssueType::Invalid, "values-invalid", p.code()).at(code.clone())
                    })
                    .collect(),
            )
        })?;
        let obs = observation(patient, &measurements, &values, self.fhir.clock().now());
        self.record_reading(caller, obs.to_string().as_bytes(), None).await
    }

    /// The program of the patient whose form it is, once the caller is found entitled to write
    /// their readings.
    pub(super) async fn program_of_form(&self, caller: &Caller, patient: &str) -> Result<Program, FhirError> {
        let probe = json!({"resourceType": "Observation", "status": "final",
            "code": {"text": "probe"}, "subject": {"reference": format!("Patient/{patient}")}});
        if !self.fhir.may_create(caller, "Observation", &probe) {
            let refused =
                self.fhir.create_as(caller, "Observation", probe.to_string().as_bytes(), None).await;
            return Err(refused.err().unwrap_or(FhirError::Forbidden("not-entitled")));
        }
        Ok(Program::clone(&self.enrolment(patient).await?.0))
    }
}
