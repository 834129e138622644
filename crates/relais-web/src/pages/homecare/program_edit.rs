//! `/admin/programs/{id}/edit`: an administrator changes a program's tunable values with the
//! reason; `relais_app::monitoring::program_edit` checks, writes, records and puts it in force.
//! A refusal comes back next to its field, in French or English, with everything typed kept.

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use relais_app::FhirError;
use relais_app::monitoring::program_edit::EditProgram;
use relais_clinical::program::{Catalog, Program, Severity};
use relais_views::Tr;
use relais_views::pages::FormErrors;
use relais_views::program_edit::{EditField, EditGroup, EditSection, ProgramEditPage};

use super::{failed, field_issues};
use crate::pages::render::{Posted, Visitor, caller, html, redirect};
use crate::state::AppState;

/// What the programs page says after a save (`?saved=<id>&version=<n>`).
#[derive(serde::Deserialize, Default)]
pub(in crate::pages) struct SavedQuery {
    #[serde(default)]
    pub saved: String,
    #[serde(default)]
    pub version: String,
}

/// The notice of a save of one of `catalog`'s programs, translated; empty without one.
pub(super) fn saved_notice(tr: Tr, catalog: &Catalog, query: &SavedQuery) -> String {
    let Some(program) = catalog.get(&query.saved) else { return String::new() };
    let Ok(version) = query.version.parse::<u32>() else { return String::new() };
    let title = program.title.get(tr.locale().code());
    tr.t_with("programs-edit-saved", &[("program", title), ("version", &version.to_string())])
}

/// The input id of a path: `rules[3].when` → `f-rules-3-when`.
fn input_id(path: &str) -> String {
    let mut id = String::from("f-");
    for c in path.chars() {
        match c {
            '[' | '.' => id.push('-'),
            ']' => {}
            c => id.push(c),
        }
    }
    id
}

/// The form being built: values as typed (or as in the file), errors by field.
struct Builder<'a> {
    tr: Tr,
    values: &'a BTreeMap<String, String>,
    typed: Option<&'a BTreeMap<String, String>>,
    errors: &'a FormErrors,
}

impl Builder<'_> {
    /// The field `path`, labelled by `label`, when the file has it.
    fn field(&self, path: String, label: &str, kind: &'static str, lang: &'static str) -> Option<EditField> {
        let in_file = self.values.get(&path)?;
        let value = self.typed.and_then(|t| t.get(&path)).unwrap_or(in_file).clone();
        Some(EditField {
            id: input_id(&path),
            label: self.tr.t(label),
            value,
            kind,
            lang,
            error: self.errors.get(&path).map(str::to_owned),
            name: path,
        })
    }

    fn group(&self, path: &str, legend: String, fields: Vec<Option<EditField>>) -> Option<EditGroup> {
        let fields: Vec<EditField> = fields.into_iter().flatten().collect();
        (!fields.is_empty()).then(|| EditGroup {
            id: input_id(path),
            legend,
            fields,
            error: self.errors.get(path).map(str::to_owned),
        })
    }

    fn texts(&self, path: &str) -> [Option<EditField>; 2] {
        [
            self.field(format!("{path}.fr"), "programs-edit-text-fr", "line", "fr"),
            self.field(format!("{path}.en"), "programs-edit-text-en", "line", "en"),
        ]
    }

    fn sections(&self, program: &Program) -> Vec<EditSection> {
        let lang = self.tr.locale().code();
        let tr = self.tr;
        let measurements = program.measurements.iter().enumerate().filter_map(|(i, m)| {
            let p = format!("measurements[{i}]");
            self.group(
                &format!("{p}.plausible"),
                format!("{} ({}) · LOINC {}", m.name.get(lang), m.unit, m.code),
                vec![
                    self.field(format!("{p}.every_hours"), "programs-edit-every-hours", "whole", ""),
                    self.field(format!("{p}.plausible[0]"), "programs-edit-plausible-low", "decimal", ""),
                    self.field(format!("{p}.plausible[1]"), "programs-edit-plausible-high", "decimal", ""),
                ],
            )
        });
        let questionnaires = program.questionnaires.iter().enumerate().filter_map(|(i, q)| {
            let p = format!("questionnaires[{i}]");
            self.group(
                &p,
                q.title.get(lang).to_owned(),
                vec![self.field(format!("{p}.every_hours"), "programs-edit-every-hours", "whole", "")],
            )
        });
        let rules = program.rules.iter().enumerate().filter_map(|(i, r)| {
            let p = format!("rules[{i}]");
            let mut fields = vec![self.field(format!("{p}.when"), "programs-edit-when", "limit", "")];
            for key in ["window_hours", "min_readings", "within_hours", "after_hours", "set_window_minutes"] {
                let label = format!("programs-edit-{}", key.replace('_', "-"));
                fields.push(self.field(format!("{p}.{key}"), &label, "whole", ""));
            }
            fields.push(self.field(format!("{p}.severity"), "programs-edit-severity", "severity", ""));
            fields.extend(self.texts(&format!("{p}.title")));
            self.group(&p, format!("{} · {} v{}", r.title.get(lang), r.id, r.version), fields)
        });
        let advice = program.advice.keys().filter_map(|id| {
            let p = format!("advice.{id}");
            let [fr, en] = self.texts(&p).map(|f| f.map(|f| EditField { kind: "text", ..f }));
            self.group(&p, id.clone(), vec![fr, en])
        });
        let escalation = program.escalation.keys().enumerate().filter_map(|(i, severity)| {
            let p = format!("escalation[{i}]");
            let legend = tr.t(&format!("homecare-severity-{}", severity.code()));
            self.group(
                &p,
                legend,
                vec![self.field(format!("{p}.after_minutes"), "programs-edit-after-minutes", "whole", "")],
            )
        });
        let section = |id: &str, title: &str, groups: Vec<EditGroup>| {
            (!groups.is_empty()).then(|| EditSection { id: id.to_owned(), title: tr.t(title), groups })
        };
        [
            section("measurements", "programs-measurements", measurements.collect()),
            section("questionnaires", "programs-questionnaires", questionnaires.collect()),
            section("rules", "programs-rules", rules.collect()),
            section("advice", "programs-advice-texts", advice.collect()),
            section("escalation", "programs-escalation", escalation.collect()),
        ]
        .into_iter()
        .flatten()
        .collect()
    }
}

/// The form page of `id`: from the file, or as typed with its errors.
async fn show(
    state: &AppState,
    visitor: &Visitor,
    caller: &relais_app::access::Caller,
    id: &str,
    typed: Option<(&BTreeMap<String, String>, u32, &str)>,
    errors: FormErrors,
) -> Response {
    let to_edit = match state.monitoring.program_to_edit(caller, id).await {
        Ok(to_edit) => to_edit,
        Err(e) => return failed(visitor, &e),
    };
    let tr = visitor.tr;
    let builder = Builder { tr, values: &to_edit.values, typed: typed.map(|t| t.0), errors: &errors };
    let sections = builder.sections(&to_edit.program);
    // A refused form keeps the version it was made from: saving it again must not undo a
    // change made meanwhile.
    let version = typed.map_or(to_edit.program.version, |t| t.1);
    let severities = [Severity::Low, Severity::Moderate, Severity::High]
        .map(|s| (s.code().to_owned(), tr.t(&format!("homecare-severity-{}", s.code()))))
        .to_vec();
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page = ProgramEditPage {
        chrome: visitor.chrome(),
        id: to_edit.program.id.clone(),
        title: to_edit.program.title.get(tr.locale().code()).to_owned(),
        version,
        how: tr.t1("programs-edit-how", "version", &version.to_string()),
        sections,
        severities,
        reason: typed.map(|t| t.2.to_owned()).unwrap_or_default(),
        errors,
    };
    html(status, &page)
}

/// `GET /admin/programs/{id}/edit` (administrators).
pub(in crate::pages) async fn form(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Response {
    let caller = match caller(&state, &visitor).await {
        Ok(caller) => caller,
        Err(page) => return page,
    };
    show(&state, &visitor, &caller, &id, None, FormErrors::none()).await
}

/// `POST /admin/programs/{id}/edit` (administrators): saves, or the form again with its errors.
pub(in crate::pages) async fn save(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
    Posted(fields): Posted,
) -> Response {
    let caller = match caller(&state, &visitor).await {
        Ok(caller) => caller,
        Err(page) => return page,
    };
    let typed: BTreeMap<String, String> = fields
        .pairs()
        .iter()
        .filter(|(name, _)| name != "from_version" && name != "reason")
        .map(|(name, value)| (name.clone(), value.clone()))
        .collect();
    let reason = fields.get("reason");
    let Ok(from_version) = fields.get("from_version").parse::<u32>() else {
        let errors = FormErrors::whole(visitor.tr.t("error-form-invalid"));
        return show(&state, &visitor, &caller, &id, Some((&typed, 0, reason)), errors).await;
    };
    let edit = EditProgram {
        program: id.clone(),
        from_version,
        reason: reason.to_owned(),
        changes: typed.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
    };
    match state.monitoring.edit_program(&caller, &edit).await {
        Ok(saved) => redirect(&format!("/admin/programs?saved={id}&version={}#{id}", saved.version), &[]),
        Err(e @ FhirError::Unprocessable(_)) => {
            let tr = visitor.tr;
            let mut errors = FormErrors::none();
            let mut whole = Vec::new();
            for (field, code) in field_issues(&e) {
                let message = tr.t(&format!("programs-error-{code}"));
                if field.is_empty() {
                    whole.push(message)
                } else {
                    errors = errors.and_field(&field, message)
                }
            }
            // Above the form too, so that a long form's refusal is not missed.
            let general = whole.pop().unwrap_or_else(|| tr.t("programs-error-fields"));
            errors = errors.with_whole(general);
            show(&state, &visitor, &caller, &id, Some((&typed, from_version, reason)), errors).await
        }
        Err(e) => failed(&visitor, &e),
    }
}
