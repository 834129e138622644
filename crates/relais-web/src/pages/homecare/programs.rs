//! `/admin/programs`: the monitoring programs in force — measurements, frequencies,
//! questionnaires, rules and thresholds, advice texts in both languages, escalation, version,
//! and whether each is the shipped default or a file of the data folder. Administrators and
//! clinicians read it; the viewing is on the audit trail. Administrators change a program from
//! here (`program_edit.rs`).

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use relais_clinical::program::{Condition, Program, Source};
use relais_views::Tr;
use relais_views::homecare::{
    AdviceView, MeasurementView, ProgramView, ProgramsPage, QuestionnaireView, RuleView,
};

use super::failed;
use super::program_edit::{SavedQuery, saved_notice};
use crate::pages::render::{Visitor, caller, html};
use crate::state::AppState;

fn hours(tr: Tr, d: jiff::SignedDuration) -> String {
    tr.t1("programs-hours", "hours", &d.as_hours().to_string())
}

/// A rule's condition as the file writes it.
fn condition(condition: &Condition) -> String {
    let h = |d: &jiff::SignedDuration| d.as_hours();
    match condition {
        Condition::Threshold { code, when } => format!("{code} {when}"),
        Condition::Average { code, when, window, min_readings } => {
            format!("mean {code} over {} h {when} (≥ {min_readings})", h(window))
        }
        Condition::Change { code, direction, when, window } => {
            format!("{direction:?} {code} over {} h {when}", h(window)).to_lowercase()
        }
        Condition::News2 { bands, .. } => {
            let bands: Vec<String> = bands.iter().map(|(b, s)| format!("{b:?}→{}", s.code())).collect();
            format!("NEWS2 {}", bands.join(", "))
        }
        Condition::Symptom { questionnaire, items, answers, within } => {
            let answers: Vec<String> =
                answers.iter().map(|a| serde_json::to_string(a).unwrap_or_default()).collect();
            format!("{questionnaire}: {} = {} within {} h", items.join("|"), answers.join("|"), h(within))
        }
        Condition::Composite { all, within } => format!("{} within {} h", all.join(" + "), h(within)),
        Condition::Missing { source, after } => {
            let what = match source {
                Source::Measurement(code) => code.clone(),
                Source::Questionnaire(id) => id.clone(),
            };
            format!("no {what} for {} h", h(after))
        }
    }
}

fn kind(condition: &Condition) -> &'static str {
    match condition {
        Condition::Threshold { .. } => "threshold",
        Condition::Average { .. } => "average",
        Condition::Change { .. } => "change",
        Condition::News2 { .. } => "news2",
        Condition::Symptom { .. } => "symptom",
        Condition::Composite { .. } => "composite",
        Condition::Missing { .. } => "missing",
    }
}

fn view(tr: Tr, program: &Program, file: Option<&str>) -> ProgramView {
    let lang = tr.locale().code();
    ProgramView {
        id: program.id.clone(),
        title: program.title.get(lang).to_owned(),
        version: program.version,
        source: match file {
            Some(file) => tr.t1("programs-source-file", "file", file),
            None => tr.t("programs-source-default"),
        },
        measurements: program
            .measurements
            .iter()
            .map(|m| MeasurementView {
                name: m.name.get(lang).to_owned(),
                code: m.code.clone(),
                unit: m.unit.clone(),
                every: hours(tr, m.every),
                plausible: format!("{}–{}", m.plausible.0, m.plausible.1),
            })
            .collect(),
        questionnaires: program
            .questionnaires
            .iter()
            .map(|q| QuestionnaireView {
                title: q.title.get(lang).to_owned(),
                every: hours(tr, q.every),
                items: q.items.iter().map(|i| i.text.get(lang).to_owned()).collect(),
            })
            .collect(),
        rules: program
            .rules
            .iter()
            .map(|r| RuleView {
                id: r.id.clone(),
                version: r.version,
                title: r.title.get(lang).to_owned(),
                kind: kind(&r.condition).to_owned(),
                condition: condition(&r.condition),
                severity: tr.t(&format!("homecare-severity-{}", r.severity.code())),
                advice: r
                    .advice
                    .as_ref()
                    .and_then(|a| program.advice.get(a))
                    .map(|t| t.get(lang).to_owned())
                    .unwrap_or_default(),
                alert: r.alert,
            })
            .collect(),
        advice: program
            .advice
            .iter()
            .map(|(id, t)| AdviceView { id: id.clone(), fr: t.fr.clone(), en: t.en.clone() })
            .collect(),
        escalation: program
            .escalation
            .iter()
            .map(|(severity, e)| {
                format!(
                    "{} · {} min · {}",
                    tr.t(&format!("homecare-severity-{}", severity.code())),
                    e.after_minutes,
                    e.chain.join(" → ")
                )
            })
            .collect(),
    }
}

/// `GET /admin/programs` (`?saved=<id>&version=<n>` after a change).
pub(in crate::pages) async fn page(
    State(state): State<AppState>,
    visitor: Visitor,
    Query(saved): Query<SavedQuery>,
) -> Response {
    let caller = match caller(&state, &visitor).await {
        Ok(caller) => caller,
        Err(page) => return page,
    };
    let catalog = match state.monitoring.programs_for(&caller).await {
        Ok(catalog) => catalog,
        Err(e) => return failed(&visitor, &e),
    };
    let programs = catalog.programs().map(|p| view(visitor.tr, p, catalog.file_of(&p.id))).collect();
    // The data folder is the operator's choice (`--data-dir`); its `programs/` is where files go.
    let folder = "<data folder>/programs/".to_owned();
    let chrome = visitor.chrome();
    let can_edit = chrome.user.as_ref().is_some_and(|u| u.is_admin);
    let notice = saved_notice(visitor.tr, &catalog, &saved);
    html(StatusCode::OK, &ProgramsPage { chrome, programs, folder, can_edit, notice })
}
