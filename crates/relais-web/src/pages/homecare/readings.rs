//! `/my/readings`: the patient's own forms — one per measurement (a panel's parts, blood
//! pressure, on one form) and per questionnaire of their program, what is due today first —
//! and recording what they send, as them. Red-flag advice is shown at the top of the answer
//! page at once; a refused field is shown next to it with what was typed.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use relais_app::FhirError;
use relais_app::monitoring::answers::{FieldProblem, check_answers, check_values, form_measurements};
use relais_app::monitoring::schedule::{Asked, MyDay, Standing};
use relais_clinical::program::{ItemKind, Program};
use relais_views::Tr;
use relais_views::homecare::{MyReadingsPage, NumberField, Question, ReadingForm};
use relais_views::pages::FormErrors;
use relais_views::queues::Choice;
use serde::Deserialize;

use super::failed;
use crate::pages::render::{Posted, Visitor, caller, forbidden, html, local_time, redirect};
use crate::session::form::Fields;
use crate::state::AppState;

#[derive(Debug, Default, Deserialize)]
pub(in crate::pages) struct ReadingsQuery {
    #[serde(default)]
    done: String,
}

/// A number as a person reads it in `tr`'s language (`72,5` in French).
fn number(tr: Tr, x: f64) -> String {
    let text = format!("{}", (x * 100.0).round() / 100.0);
    if tr.locale().code() == "fr" { text.replace('.', ",") } else { text }
}

/// The translated message of a field's problem.
fn problem_text(tr: Tr, problem: &FieldProblem) -> String {
    match problem {
        FieldProblem::Implausible(low, high, unit) => tr.t_with(
            "homecare-error-implausible",
            &[
                ("low", number(tr, *low).as_str()),
                ("high", number(tr, *high).as_str()),
                ("unit", unit.as_str()),
            ],
        ),
        p => tr.t(&format!("homecare-error-{}", p.code())),
    }
}

/// What the patient typed in the form being answered (nothing for the other forms).
struct Typed<'a> {
    form: &'a str,
    fields: Option<&'a Fields>,
    errors: FormErrors,
}

fn status_line(tr: Tr, zone: &jiff::tz::TimeZone, standing: &Standing) -> String {
    let mut parts = vec![tr.t(if standing.due { "readings-due" } else { "readings-done" })];
    if standing.missed > 0 {
        parts.push(tr.t_count("readings-missed", i64::from(standing.missed)));
    }
    parts.push(match standing.last {
        Some(at) => tr.t1("readings-last", "when", &local_time(zone, at)),
        None => tr.t("readings-never"),
    });
    parts.join(" · ")
}

fn form_of(
    tr: Tr,
    zone: &jiff::tz::TimeZone,
    program: &Program,
    asked: &Asked,
    standing: &Standing,
    typed: &Typed<'_>,
) -> Option<ReadingForm> {
    let lang = tr.locale().code();
    let (key, title, numbers, questions) = match asked {
        Asked::Measurement(code) => {
            let measurements = form_measurements(program, code);
            let title = measurements.iter().map(|m| m.name.get(lang)).collect::<Vec<_>>().join(" / ");
            let numbers = measurements
                .iter()
                .map(|m| {
                    let name = format!("m-{}", m.code);
                    let value = if typed.form == code.as_str() {
                        typed.fields.map(|f| f.get(&name).to_owned())
                    } else {
                        None
                    };
                    NumberField {
                        label: m.name.get(lang).to_owned(),
                        unit: m.unit.clone(),
                        hint: tr.t_with(
                            "readings-range",
                            &[
                                ("low", number(tr, m.plausible.0).as_str()),
                                ("high", number(tr, m.plausible.1).as_str()),
                                ("unit", m.unit.as_str()),
                            ],
                        ),
                        value: value.unwrap_or_default(),
                        name,
                    }
                })
                .collect();
            (code.clone(), title, numbers, Vec::new())
        }
        Asked::Questionnaire(id) => {
            let q = program.questionnaire(id)?;
            let key = format!("q-{id}");
            let questions = q
                .items
                .iter()
                .map(|item| {
                    let name = format!("q-{}", item.link_id);
                    let chosen = if typed.form == key { typed.fields.map(|f| f.get(&name)) } else { None };
                    let options: Vec<(String, String)> = match item.kind {
                        ItemKind::Boolean => {
                            vec![("yes".into(), tr.t("readings-yes")), ("no".into(), tr.t("readings-no"))]
                        }
                        ItemKind::Choice => item
                            .options
                            .iter()
                            .map(|o| (o.code.clone(), o.display.get(lang).to_owned()))
                            .collect(),
                    };
                    Question {
                        text: item.text.get(lang).to_owned(),
                        options: options
                            .into_iter()
                            .map(|(value, label)| Choice {
                                selected: chosen == Some(value.as_str()),
                                value,
                                label,
                            })
                            .collect(),
                        name,
                    }
                })
                .collect();
            (key, q.title.get(lang).to_owned(), Vec::new(), questions)
        }
    };
    Some(ReadingForm {
        id: format!("form-{key}"),
        action: format!("/my/readings/{key}"),
        title,
        due: standing.due,
        status: status_line(tr, zone, standing),
        numbers,
        questions,
        errors: if typed.form == key { typed.errors.clone() } else { FormErrors::none() },
    })
}

fn render(
    state: &AppState,
    visitor: &Visitor,
    day: Option<&MyDay>,
    advice: Vec<String>,
    notice: String,
    typed: &Typed<'_>,
) -> Response {
    let tr = visitor.tr;
    let zone = &state.settings.time_zone;
    let (program, mut forms) = match day {
        Some(day) => (
            day.program.title.get(tr.locale().code()).to_owned(),
            day.items
                .iter()
                .filter_map(|(a, s)| form_of(tr, zone, &day.program, a, s, typed))
                .collect::<Vec<_>>(),
        ),
        None => (String::new(), Vec::new()),
    };
    // What is due today first; the order of the program otherwise.
    forms.sort_by_key(|f| !f.due);
    let status = if typed.errors.is_empty() { StatusCode::OK } else { StatusCode::BAD_REQUEST };
    html(status, &MyReadingsPage { chrome: visitor.chrome(), program, advice, notice, forms })
}

fn not_enrolled(e: &FhirError) -> bool {
    e.issues().first().is_some_and(|i| i.error_code == "not-enrolled")
}

/// `GET /my/readings`.
pub(in crate::pages) async fn page(
    State(state): State<AppState>,
    visitor: Visitor,
    Query(query): Query<ReadingsQuery>,
) -> Response {
    let caller = match caller(&state, &visitor).await {
        Ok(caller) => caller,
        Err(page) => return page,
    };
    let none = Typed { form: "", fields: None, errors: FormErrors::none() };
    let notice = if query.done == "recorded" { visitor.tr.t("readings-recorded") } else { String::new() };
    match state.monitoring.my_day(&caller).await {
        Ok(day) => render(&state, &visitor, Some(&day), Vec::new(), notice, &none),
        Err(e) if not_enrolled(&e) => render(&state, &visitor, None, Vec::new(), String::new(), &none),
        Err(FhirError::Forbidden(_)) => forbidden(&visitor),
        Err(e) => failed(&visitor, &e),
    }
}

/// `POST /my/readings/{form}`: a measurement (`form` = its LOINC code) or a questionnaire
/// (`q-{id}`).
pub(in crate::pages) async fn record(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(form): Path<String>,
    Posted(fields): Posted,
) -> Response {
    let caller = match caller(&state, &visitor).await {
        Ok(caller) => caller,
        Err(page) => return page,
    };
    let day = match state.monitoring.my_day(&caller).await {
        Ok(day) => day,
        Err(e) if not_enrolled(&e) => return redirect("/my/readings", &[]),
        Err(FhirError::Forbidden(_)) => return forbidden(&visitor),
        Err(e) => return failed(&visitor, &e),
    };
    let tr = visitor.tr;
    let questionnaire = form.strip_prefix("q-");
    // Checked here first, so each problem is shown next to its field with its range.
    let problems = match questionnaire {
        Some(id) => match day.program.questionnaire(id) {
            Some(q) => {
                check_answers(q, &|link: &str| Some(fields.get(&format!("q-{link}")).to_owned())).err()
            }
            None => return failed(&visitor, &FhirError::NotFound(form.clone())),
        },
        None => {
            let measurements = form_measurements(&day.program, &form);
            if measurements.is_empty() {
                return failed(&visitor, &FhirError::NotFound(form.clone()));
            }
            check_values(&measurements, &|code: &str| Some(fields.get(&format!("m-{code}")).to_owned())).err()
        }
    };
    if let Some(problems) = problems {
        let prefix = if questionnaire.is_some() { "q" } else { "m" };
        let errors =
            problems.iter().fold(FormErrors::whole(tr.t("readings-form-error")), |errors, (name, p)| {
                errors.and_field(&format!("{prefix}-{name}"), problem_text(tr, p))
            });
        let typed = Typed { form: &form, fields: Some(&fields), errors };
        return render(&state, &visitor, Some(&day), Vec::new(), String::new(), &typed);
    }
    let recorded = match questionnaire {
        Some(id) => {
            let typed = |link: &str| Some(fields.get(&format!("q-{link}")).to_owned());
            state.monitoring.record_answers(&caller, &day.patient, id, &typed).await
        }
        None => {
            let typed = |code: &str| Some(fields.get(&format!("m-{code}")).to_owned());
            state.monitoring.record_typed(&caller, &day.patient, &form, &typed).await
        }
    };
    match recorded {
        // Red flags: the advice at once, on this very answer.
        Ok(recorded) if !recorded.advice.is_empty() => {
            let advice = recorded.advice.iter().map(|t| t.get(tr.locale().code()).to_owned()).collect();
            // The page again, with this answer counted (the earlier view if it cannot be read).
            let fresh = state.monitoring.my_day(&caller).await.ok();
            let none = Typed { form: "", fields: None, errors: FormErrors::none() };
            render(
                &state,
                &visitor,
                Some(fresh.as_ref().unwrap_or(&day)),
                advice,
                tr.t("readings-recorded"),
                &none,
            )
        }
        Ok(_) => redirect("/my/readings?done=recorded", &[]),
        Err(e) => failed(&visitor, &e),
    }
}
