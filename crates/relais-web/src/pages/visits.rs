//! The teleconsultation pages (issue 6): `/visits` lists a schedule's slots and books a patient
//! into a free one; `/visits/{id}` shows one appointment with its consent gate and its actions
//! (record the consent, start — then on to the room `/rooms/{id}` —, end with the note and
//! outcome, no-show, invite a caregiver or an interpreter, cancel). Each handler calls one
//! use case of `relais_app::visits`; a refusal comes back translated, next to its field, with
//! what was typed.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use relais_app::access::Caller;
use relais_app::visits::{Ending, Guest, GuestRole, NewSlots, Overview, VisitError, VisitOutcome};
use relais_views::Tr;
use relais_views::pages::FormErrors;
use relais_views::queues::Choice;
use relais_views::visits::{SlotRow, SlotRun, VisitPage, VisitsPage};
use serde::Deserialize;

use super::render::{Posted, Visitor, clinician, error_page, html, local_time, redirect, server_error};
use crate::state::AppState;

/// `?schedule=…&done=…`.
#[derive(Debug, Default, Deserialize)]
pub(super) struct VisitsQuery {
    #[serde(default)]
    schedule: String,
    #[serde(default)]
    done: String,
}

/// What was typed in the booking form and the open-slots form.
#[derive(Default)]
struct Booking<'a> {
    slot: &'a str,
    patient: &'a str,
    opening: NewSlots,
}

/// `GET /visits`: a schedule's slots and the booking form.
pub(super) async fn list(
    State(state): State<AppState>,
    visitor: Visitor,
    Query(query): Query<VisitsQuery>,
) -> Response {
    let caller = match clinician(&state, &visitor).await {
        Ok(caller) => caller,
        Err(page) => return page,
    };
    let notice = match query.done.as_str() {
        "booked" | "booked-no-email" | "opened" => visitor.tr.t(&format!("visit-done-{}", query.done)),
        _ => String::new(),
    };
    list_page(&state, &visitor, &caller, &query.schedule, notice, FormErrors::none(), &Booking::default())
        .await
}

async fn list_page(
    state: &AppState,
    visitor: &Visitor,
    caller: &Caller,
    schedule: &str,
    notice: String,
    errors: FormErrors,
    typed: &Booking<'_>,
) -> Response {
    let tr = visitor.tr;
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::BAD_REQUEST };
    let loaded = async {
        let schedules = state.visits.schedules(caller).await?;
        let chosen =
            schedules.iter().find(|(id, _)| id == schedule).or(schedules.first()).map(|(id, _)| id.clone());
        let slots = match &chosen {
            Some(id) => state.visits.slots(caller, id).await?,
            None => Vec::new(),
        };
        let patients = state.visits.bookable_patients(caller).await?;
        Ok::<_, VisitError>((schedules, chosen.unwrap_or_default(), slots, patients))
    }
    .await;
    let (schedules, chosen, slots, patients) = match loaded {
        Ok(loaded) => loaded,
        Err(e) => return failed(visitor, &e),
    };
    let zone = &state.settings.time_zone;
    let when = |s: Option<jiff::Timestamp>| s.map(|s| local_time(zone, s)).unwrap_or_default();
    let free = slots
        .iter()
        .filter(|s| s.status == "free")
        .map(|s| Choice { value: s.id.clone(), label: when(s.start), selected: s.id == typed.slot })
        .collect();
    let rows = slots
        .iter()
        .map(|s| SlotRow {
            when: when(s.start),
            when_iso: s.start.map(|s| s.to_string()).unwrap_or_default(),
            status: tr.t(&format!("visits-slot-{}", s.status)),
            free: s.status == "free",
            appointment: s.appointment.as_ref().map(|a| a.0.clone()).unwrap_or_default(),
            patient: s.appointment.as_ref().map(|a| a.2.clone()).unwrap_or_default(),
        })
        .collect();
    let page = VisitsPage {
        chrome: visitor.chrome(),
        notice,
        errors,
        schedules: schedules
            .into_iter()
            .map(|(id, label)| Choice { selected: id == chosen, value: id, label })
            .collect(),
        schedule: chosen,
        slots: rows,
        free,
        patients: patients
            .into_iter()
            .map(|(id, name)| Choice { selected: id == typed.patient, value: id, label: name })
            .collect(),
        opening: SlotRun {
            date: typed.opening.date.clone(),
            time: typed.opening.time.clone(),
            // A half-hour visit, one at a time, unless typed otherwise.
            minutes: if typed.opening.minutes.is_empty() {
                "30".into()
            } else {
                typed.opening.minutes.clone()
            },
            count: if typed.opening.count.is_empty() { "1".into() } else { typed.opening.count.clone() },
        },
    };
    html(status, &page)
}

/// `POST /visits/book` (`slot`, `patient`, `schedule`).
pub(super) async fn book(
    State(state): State<AppState>,
    visitor: Visitor,
    Posted(fields): Posted,
) -> Response {
    let caller = match clinician(&state, &visitor).await {
        Ok(caller) => caller,
        Err(page) => return page,
    };
    let typed = Booking { slot: fields.get("slot"), patient: fields.get("patient"), ..Booking::default() };
    let schedule = fields.get("schedule");
    match state.visits.book(&caller, typed.slot, typed.patient).await {
        Ok(booked) => {
            let done = if booked.emailed { "booked" } else { "booked-no-email" };
            redirect(&format!("/visits/{}?done={done}", booked.appointment), &[])
        }
        Err(e) if e.status() < 500 && e.status() != 403 => {
            let message = visitor.tr.t(&format!("error-{}", e.code()));
            let errors = match e {
                VisitError::PatientNotFound => FormErrors::field("patient", message),
                VisitError::SlotNotFound | VisitError::SlotTaken | VisitError::SlotPast => {
                    FormErrors::field("slot", message)
                }
                _ => FormErrors::whole(message),
            };
            list_page(&state, &visitor, &caller, schedule, String::new(), errors, &typed).await
        }
        Err(e) => failed(&visitor, &e),
    }
}

/// `POST /visits/slots` (`schedule`, `date`, `time`, `minutes`, `count`): opens a run of slots.
pub(super) async fn open_slots(
    State(state): State<AppState>,
    visitor: Visitor,
    Posted(fields): Posted,
) -> Response {
    let caller = match clinician(&state, &visitor).await {
        Ok(caller) => caller,
        Err(page) => return page,
    };
    let schedule = fields.get("schedule");
    let opening = NewSlots {
        date: fields.get("date").to_owned(),
        time: fields.get("time").to_owned(),
        minutes: fields.get("minutes").to_owned(),
        count: fields.get("count").to_owned(),
    };
    match state.visits.open_slots(&caller, schedule, &opening).await {
        Ok(_) => {
            let schedule: String = form_urlencoded::byte_serialize(schedule.as_bytes()).collect();
            redirect(&format!("/visits?schedule={schedule}&done=opened"), &[])
        }
        Err(e) if e.status() < 500 && e.status() != 403 => {
            let errors = refusal(&visitor, &e);
            let typed = Booking { opening, ..Booking::default() };
            list_page(&state, &visitor, &caller, schedule, String::new(), errors, &typed).await
        }
        Err(e) => failed(&visitor, &e),
    }
}

/// `GET /visits/{id}`.
pub(super) async fn show(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
    Query(query): Query<VisitsQuery>,
) -> Response {
    let caller = match clinician(&state, &visitor).await {
        Ok(caller) => caller,
        Err(page) => return page,
    };
    let notice = match query.done.as_str() {
        done @ ("booked" | "booked-no-email" | "consent" | "invited" | "cancelled" | "no-show" | "ended") => {
            visitor.tr.t(&format!("visit-done-{done}"))
        }
        _ => String::new(),
    };
    visit_page(&state, &visitor, &caller, &id, notice, FormErrors::none(), &Typed::default()).await
}

/// What was typed in the visit page's forms.
#[derive(Default)]
struct Typed<'a> {
    name: &'a str,
    email: &'a str,
    role: &'a str,
    locale: &'a str,
    note: &'a str,
    outcome: &'a str,
}

async fn visit_page(
    state: &AppState,
    visitor: &Visitor,
    caller: &Caller,
    id: &str,
    notice: String,
    errors: FormErrors,
    typed: &Typed<'_>,
) -> Response {
    let overview = match state.visits.overview(caller, id).await {
        Ok(overview) => overview,
        Err(e) => return failed(visitor, &e),
    };
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::BAD_REQUEST };
    html(status, &visit_view(state, visitor, overview, notice, errors, typed))
}

fn visit_view(
    state: &AppState,
    visitor: &Visitor,
    o: Overview,
    notice: String,
    errors: FormErrors,
    typed: &Typed<'_>,
) -> VisitPage {
    let tr = visitor.tr;
    let consent = if o.consent.required {
        tr.t(&format!("visit-{}", o.consent.status.code()))
    } else {
        tr.t("visit-consent-not-required")
    };
    let choices = |items: &[(&str, String)], chosen: &str| -> Vec<Choice> {
        items
            .iter()
            .map(|(value, label)| Choice {
                value: (*value).to_owned(),
                label: label.clone(),
                selected: *value == chosen,
            })
            .collect()
    };
    let roles: Vec<(&str, String)> = [GuestRole::Caregiver, GuestRole::Interpreter]
        .into_iter()
        .map(|r| (r.code(), tr.t(&format!("visit-guest-role-{}", r.code()))))
        .collect();
    let languages = [("fr", tr.t("visit-language-fr")), ("en", tr.t("visit-language-en"))];
    let outcomes: Vec<(&str, String)> =
        VisitOutcome::all().map(|o| (o.code(), tr.t(&format!("visit-outcome-{}", o.code())))).collect();
    let (patient_id, patient) = o.patient.clone().unwrap_or_default();
    VisitPage {
        chrome: visitor.chrome(),
        notice,
        errors,
        id: o.id.clone(),
        when: o.start.map(|s| local_time(&state.settings.time_zone, s)).unwrap_or_default(),
        when_iso: o.start.map(|s| s.to_string()).unwrap_or_default(),
        what: o.what.clone().unwrap_or_else(|| tr.t("visit-mail-what")),
        patient,
        patient_id,
        with: o.with.join(", "),
        status: tr.t(&format!("appointment-status-{}", o.status)),
        status_code: o.status.clone(),
        consent,
        consent_ok: o.consent.allows(),
        running: o.running.is_some(),
        open: matches!(o.status.as_str(), "booked" | "pending" | "checked-in" | "arrived"),
        guest_name: typed.name.to_owned(),
        guest_email: typed.email.to_owned(),
        guest_roles: choices(&roles, typed.role),
        guest_languages: choices(&languages, if typed.locale.is_empty() { "fr" } else { typed.locale }),
        note: typed.note.to_owned(),
        outcomes: choices(&outcomes, typed.outcome),
    }
}

/// `POST /visits/{id}/{operation}`: `consent`, `start`, `end` (`note`, `outcome`), `no-show`,
/// `invite` (`name`, `email`, `role`, `locale`), `cancel`.
pub(super) async fn act(
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
        name: fields.get("name"),
        email: fields.get("email"),
        role: fields.get("role"),
        locale: fields.get("locale"),
        note: fields.get("note"),
        outcome: fields.get("outcome"),
    };
    let visits = &state.visits;
    let back = |done: &str| redirect(&format!("/visits/{id}?done={done}"), &[]);
    let result = match operation.as_str() {
        "consent" => visits.record_consent(&caller, &id).await.map(|_| back("consent")),
        "start" => visits.start(&caller, &id).await.map(|started| redirect(&started.room, &[])),
        "end" => {
            let ending = Ending { note: typed.note.to_owned(), outcome: typed.outcome.to_owned() };
            visits.end(&caller, &id, &ending).await.map(|_| back("ended"))
        }
        "no-show" => visits.no_show(&caller, &id).await.map(|()| back("no-show")),
        "invite" => {
            let guest = Guest {
                name: typed.name.to_owned(),
                email: typed.email.to_owned(),
                role: GuestRole::from_code(typed.role).unwrap_or(GuestRole::Caregiver),
                locale: typed.locale.to_owned(),
            };
            visits.invite_guest(&caller, &id, &guest).await.map(|()| back("invited"))
        }
        "cancel" => visits.cancel(&caller, &id).await.map(|()| back("cancelled")),
        _ => return super::render::not_found_for(&visitor),
    };
    match result {
        Ok(answer) => answer,
        Err(e @ (VisitError::AppointmentNotFound | VisitError::Forbidden)) => failed(&visitor, &e),
        Err(e) if e.status() < 500 => {
            let errors = refusal(&visitor, &e);
            let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::BAD_REQUEST);
            let mut page = visit_page(&state, &visitor, &caller, &id, String::new(), errors, &typed).await;
            if page.status() == StatusCode::BAD_REQUEST {
                *page.status_mut() = status;
            }
            page
        }
        Err(e) => failed(&visitor, &e),
    }
}

/// The page for a refusal that leaves nothing to show, or a failure.
/// A refusal as the form shows it: next to its field, or above the form.
fn refusal(visitor: &Visitor, e: &VisitError) -> FormErrors {
    let message = visitor.tr.t(&format!("error-{}", e.code()));
    match e.field() {
        Some(field) => FormErrors::field(field, message),
        None => FormErrors::whole(message),
    }
}

fn failed(visitor: &Visitor, e: &VisitError) -> Response {
    let tr: Tr = visitor.tr;
    match e.status() {
        404 => error_page(tr, StatusCode::NOT_FOUND, "visit-title", &format!("error-{}", e.code())),
        403 => super::render::forbidden(visitor),
        _ => {
            tracing::error!(error = %e, "a visit page failed");
            server_error(tr)
        }
    }
}
