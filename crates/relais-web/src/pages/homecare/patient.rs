//! `/patients/{id}/monitoring`: the clinician's enrolment and thresholds page. Enrolling
//! (program, devices), discharging, setting or removing one of the patient's limits each call
//! one use case as the clinician (policy-checked, audited); a refusal comes back next to its
//! field with what was typed, a success redirects (303) with a notice.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use relais_app::FhirError;
use relais_app::access::Caller;
use relais_app::monitoring::enrolment::Enrol;
use relais_app::monitoring::invitation::Invitation;
use relais_app::monitoring::overrides::{SetOverride, overridable};
use relais_clinical::program::Condition;
use relais_views::homecare::{EnrolledView, HomecarePatientPage, OverrideRow};
use relais_views::pages::FormErrors;
use relais_views::queues::Choice;
use serde::Deserialize;
use serde_json::Value;

use super::{failed, field_issues};
use crate::pages::record::patient_name;
use crate::pages::render::{Posted, Visitor, clinician, html, local_time, redirect};
use crate::state::AppState;

#[derive(Debug, Default, Deserialize)]
pub(in crate::pages) struct DoneQuery {
    #[serde(default)]
    done: String,
}

/// What was typed in the page's forms.
#[derive(Default)]
struct Typed<'a> {
    program: &'a str,
    devices: &'a str,
    rule: &'a str,
    limit: &'a str,
    reason: &'a str,
}

/// The program's limit of a rule, as written in the file.
fn limit_of(condition: &Condition) -> String {
    match condition {
        Condition::Threshold { when, .. }
        | Condition::Average { when, .. }
        | Condition::Change { when, .. } => when.to_string(),
        _ => String::new(),
    }
}

async fn show(
    state: &AppState,
    visitor: &Visitor,
    caller: &Caller,
    id: &str,
    notice: String,
    errors: FormErrors,
    typed: &Typed<'_>,
) -> Response {
    let tr = visitor.tr;
    let lang = tr.locale().code();
    let monitoring = &state.monitoring;
    let loaded = async {
        // Read as the clinician: a record they may not see is a 404, and the read is audited.
        let row = state.fhir.read_as(caller, "Patient", id).await?;
        let patient: Value =
            row.content.as_deref().and_then(|c| serde_json::from_str(c).ok()).unwrap_or_default();
        let enrolment = monitoring.enrolment_of(caller, id).await?;
        let overrides = match &enrolment {
            Some(_) => monitoring.overrides_of(caller, id).await?,
            None => Vec::new(),
        };
        Ok::<_, FhirError>((patient, enrolment, overrides))
    }
    .await;
    let (patient, enrolment, overrides) = match loaded {
        Ok(loaded) => loaded,
        Err(e) => return failed(visitor, &e),
    };
    let catalog = monitoring.catalog();
    let zone = &state.settings.time_zone;
    let program = enrolment.as_ref().and_then(|e| catalog.get(&e.program));
    let rule_title = |rule: &str| {
        program.and_then(|p| p.rule(rule)).map_or_else(|| rule.to_owned(), |r| r.title.get(lang).to_owned())
    };
    let rows = overrides
        .iter()
        .map(|o| OverrideRow {
            id: o.id.clone(),
            rule: rule_title(&o.rule),
            limit: o.limit.to_string(),
            default_limit: program
                .and_then(|p| p.rule(&o.rule))
                .map(|r| limit_of(&r.condition))
                .unwrap_or_default(),
            reason: o.reason.clone(),
            by: o.by.clone(),
            at: o.at.parse::<jiff::Timestamp>().map(|t| local_time(zone, t)).unwrap_or_default(),
        })
        .collect();
    let rules = program
        .map(|p| {
            p.rules
                .iter()
                .filter(|r| overridable(p, &r.id))
                .map(|r| Choice {
                    value: r.id.clone(),
                    label: format!("{} ({})", r.title.get(lang), limit_of(&r.condition)),
                    selected: r.id == typed.rule,
                })
                .collect()
        })
        .unwrap_or_default();
    let programs = catalog
        .programs()
        .map(|p| Choice {
            value: p.id.clone(),
            label: p.title.get(lang).to_owned(),
            selected: p.id == typed.program,
        })
        .collect();
    let page = HomecarePatientPage {
        chrome: visitor.chrome(),
        notice,
        errors: errors.clone(),
        patient_id: id.to_owned(),
        patient_name: patient_name(&patient),
        enrolled: enrolment.map(|e| EnrolledView {
            program: catalog
                .get(&e.program)
                .map_or(e.program.clone(), |p| format!("{} (v{})", p.title.get(lang), p.version)),
            since: e.since.map(|t| local_time(zone, t)).unwrap_or_default(),
            devices: e.devices,
        }),
        programs,
        devices: typed.devices.to_owned(),
        overrides: rows,
        rules,
        limit: typed.limit.to_owned(),
        reason: typed.reason.to_owned(),
    };
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    html(status, &page)
}

/// `GET /patients/{id}/monitoring`.
pub(in crate::pages) async fn page(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
    Query(query): Query<DoneQuery>,
) -> Response {
    let caller = match clinician(&state, &visitor).await {
        Ok(caller) => caller,
        Err(page) => return page,
    };
    let notice = match query.done.as_str() {
        done @ ("enrolled"
        | "enrolled-invited"
        | "enrolled-no-address"
        | "discharged"
        | "override"
        | "removed") => visitor.tr.t(&format!("homecare-done-{done}")),
        _ => String::new(),
    };
    show(&state, &visitor, &caller, &id, notice, FormErrors::none(), &Typed::default()).await
}

/// A refusal's issues next to their fields (translated `error-{code}`), or the error page.
fn refusal_errors(visitor: &Visitor, e: &FhirError) -> Option<FormErrors> {
    if !matches!(e, FhirError::Unprocessable(_) | FhirError::Invalid(_)) {
        return None;
    }
    let tr = visitor.tr;
    Some(field_issues(e).iter().fold(FormErrors::none(), |errors, (field, code)| {
        let message = tr.t(&format!("error-{code}"));
        if field.is_empty() { FormErrors::whole(message) } else { errors.and_field(field, message) }
    }))
}

/// `POST /patients/{id}/monitoring/{enrol|discharge|overrides}`.
pub(in crate::pages) async fn act(
    State(state): State<AppState>,
    visitor: Visitor,
    Path((id, operation)): Path<(String, String)>,
    Posted(fields): Posted,
) -> Response {
    let caller = match clinician(&state, &visitor).await {
        Ok(caller) => caller,
        Err(page) => return page,
    };
    let typed = Typed {
        program: fields.get("program"),
        devices: fields.get("devices"),
        rule: fields.get("rule"),
        limit: fields.get("limit"),
        reason: fields.get("reason"),
    };
    let monitoring = &state.monitoring;
    let (result, done) = match operation.as_str() {
        "enrol" => {
            let enrol = Enrol {
                patient: id.clone(),
                program: typed.program.to_owned(),
                devices: typed.devices.lines().map(str::to_owned).collect(),
            };
            match monitoring.enrol_and_invite(&caller, &enrol).await {
                // The notice says whether the patient was emailed their instructions.
                Ok(done) => (
                    Ok(()),
                    match done.invitation {
                        Invitation::Queued => "enrolled-invited",
                        Invitation::NoAddress => "enrolled-no-address",
                        Invitation::Off => "enrolled",
                    },
                ),
                Err(e) => (Err(e), "enrolled"),
            }
        }
        "discharge" => (monitoring.discharge(&caller, &id).await, "discharged"),
        "overrides" => {
            let by = visitor.profile.as_ref().map(|p| p.display_name.clone()).unwrap_or_default();
            let set = SetOverride {
                patient: id.clone(),
                rule: typed.rule.to_owned(),
                limit: typed.limit.to_owned(),
                reason: typed.reason.to_owned(),
                by,
            };
            (monitoring.set_override(&caller, &set).await.map(|_| ()), "override")
        }
        _ => return failed(&visitor, &FhirError::NotFound(operation.clone())),
    };
    match result {
        Ok(()) => redirect(&format!("/patients/{id}/monitoring?done={done}"), &[]),
        Err(e) => match refusal_errors(&visitor, &e) {
            Some(errors) => show(&state, &visitor, &caller, &id, String::new(), errors, &typed).await,
            None => failed(&visitor, &e),
        },
    }
}

/// `POST /patients/{id}/monitoring/overrides/{override_id}/remove`.
pub(in crate::pages) async fn remove_override(
    State(state): State<AppState>,
    visitor: Visitor,
    Path((id, override_id)): Path<(String, String)>,
) -> Response {
    let caller = match clinician(&state, &visitor).await {
        Ok(caller) => caller,
        Err(page) => return page,
    };
    match state.monitoring.clear_override(&caller, &id, &override_id).await {
        Ok(()) => redirect(&format!("/patients/{id}/monitoring?done=removed"), &[]),
        Err(e) => failed(&visitor, &e),
    }
}
