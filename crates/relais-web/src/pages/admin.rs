//! Account administration as pages (issue 4 "an admin page", issue 5 "Administration"):
//! `/admin/users` lists the accounts with their roles, second factor and state, and disables,
//! enables or resets a second factor; `/admin/users/new` creates an account;
//! `/admin/users/{id}/roles` changes an account's roles and specialty. Every operation is
//! decided and audited by `relais_app::accounts::AccountAdmin` — administrators only — and the
//! pages show no clinical data.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use relais_access::password::MIN_PASSWORD_CHARS;
use relais_access::policy::Role;
use relais_app::accounts::{AccountError, AccountSummary, Actor, NewAccountForm};
use relais_views::Tr;
use relais_views::admin::{AccountRow, AdminNewUserPage, AdminRolesPage, AdminUsersPage, NewAccountValues};
use relais_views::pages::FormErrors;
use relais_views::queues::Choice;
use serde::Deserialize;

use super::render::{
    Posted, Visitor, forbidden, html, local_time, not_found_for, redirect, server_error, sign_in_then,
};
use crate::state::AppState;

/// The signed-in administrator as the actor of an operation, or the answer for anyone else.
// The refusal is the handler's whole answer, returned at once: boxing it would buy nothing.
#[allow(clippy::result_large_err)]
pub(super) fn administrator(visitor: &Visitor) -> Result<Actor, Response> {
    let Some(profile) = &visitor.profile else { return Err(redirect(&sign_in_then(&visitor.path), &[])) };
    if !profile.roles.contains(&Role::Administrator) {
        return Err(forbidden(visitor));
    }
    Ok(Actor::Account { id: profile.account_id.clone(), address: visitor.address.clone() })
}

/// Logs an operation that failed on our side (never a refusal: those are the person's to read).
fn log_failure(e: &AccountError) {
    if matches!(e, AccountError::Store(_) | AccountError::Internal(_)) {
        tracing::error!(error = %e, "an account operation failed");
    }
}

/// The message for a refused operation, translated (a failure on our side is logged).
fn refusal(tr: Tr, e: &AccountError) -> String {
    log_failure(e);
    let min = MIN_PASSWORD_CHARS.to_string();
    tr.t_with(&format!("error-{}", e.code()), &[("min", &min), ("max", "1024")])
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct UsersQuery {
    /// What was just done (`created`, `disabled`, `enabled`, `second-factor-reset`).
    #[serde(default)]
    done: String,
    /// Why the last operation was refused (an error code).
    #[serde(default)]
    error: String,
}

/// `GET /admin/users`.
pub(super) async fn users(
    State(state): State<AppState>,
    visitor: Visitor,
    Query(query): Query<UsersQuery>,
) -> Response {
    let actor = match administrator(&visitor) {
        Ok(actor) => actor,
        Err(answer) => return answer,
    };
    let tr = visitor.tr;
    let accounts = match state.accounts.list_accounts(&actor).await {
        Ok(accounts) => accounts,
        Err(AccountError::NotAdministrator) => return forbidden(&visitor),
        Err(e) => {
            tracing::error!(error = %e, "cannot list the accounts");
            return server_error(tr);
        }
    };
    let zone = &state.settings.time_zone;
    let rows: Vec<AccountRow> = accounts.iter().map(|a| row(tr, zone, a)).collect();
    let notice = match query.done.as_str() {
        done @ ("created" | "disabled" | "enabled" | "second-factor-reset" | "roles-saved") => {
            tr.t(&format!("admin-done-{done}"))
        }
        _ => String::new(),
    };
    let error = match query.error.as_str() {
        "" => String::new(),
        code => tr.t(&format!("error-{code}")),
    };
    let caption = tr.t_count("admin-users-caption", rows.len() as i64);
    html(StatusCode::OK, &AdminUsersPage { chrome: visitor.chrome(), rows, caption, notice, error })
}

fn row(tr: Tr, zone: &jiff::tz::TimeZone, a: &AccountSummary) -> AccountRow {
    let links: Vec<String> = [
        ("Practitioner", &a.practitioner_id),
        ("Patient", &a.patient_id),
        ("RelatedPerson", &a.related_person_id),
    ]
    .into_iter()
    .filter_map(|(t, id)| id.as_ref().map(|id| format!("{t}/{id}")))
    .collect();
    let roles: Vec<String> = a
        .roles
        .iter()
        .map(|r| {
            let label = tr.t(&format!("role-{}", r.role));
            match &r.specialty {
                Some(specialty) => format!("{label} ({specialty})"),
                None => label,
            }
        })
        .collect();
    AccountRow {
        id: a.id.clone(),
        name: a.display_name.clone(),
        email: a.email.clone(),
        links: links.join(", "),
        roles: roles.join(", "),
        second_factor: tr.t(if a.second_factor { "admin-yes" } else { "admin-no" }),
        has_second_factor: a.second_factor,
        status: match a.disabled_at {
            Some(at) => tr.t1("admin-disabled-since", "date", &local_time(zone, at)),
            None => tr.t("admin-active"),
        },
        disabled: a.disabled_at.is_some(),
    }
}

/// The new-account form, with what was typed and its errors.
fn new_form(
    visitor: &Visitor,
    errors: FormErrors,
    values: NewAccountValues,
    ticked: &[String],
) -> AdminNewUserPage {
    let roles = role_choices(visitor.tr, ticked);
    AdminNewUserPage {
        chrome: visitor.chrome(),
        errors,
        values,
        roles,
        min_chars: MIN_PASSWORD_CHARS.to_string(),
    }
}

/// `GET /admin/users/new`.
pub(super) async fn new_user(visitor: Visitor) -> Response {
    if let Err(answer) = administrator(&visitor) {
        return answer;
    }
    html(StatusCode::OK, &new_form(&visitor, FormErrors::none(), NewAccountValues::default(), &[]))
}

/// `POST /admin/users`: creates the account; a refusal comes back next to its field.
pub(super) async fn create_user(
    State(state): State<AppState>,
    visitor: Visitor,
    Posted(fields): Posted,
) -> Response {
    let actor = match administrator(&visitor) {
        Ok(actor) => actor,
        Err(answer) => return answer,
    };
    let tr = visitor.tr;
    let values = NewAccountValues {
        display_name: fields.get("display_name").to_owned(),
        email: fields.get("email").to_owned(),
        specialty: fields.get("specialty").to_owned(),
        organisation: fields.get("organisation").to_owned(),
        practitioner_id: fields.get("practitioner_id").to_owned(),
        patient_id: fields.get("patient_id").to_owned(),
        related_person_id: fields.get("related_person_id").to_owned(),
    };
    let roles: Vec<String> = fields.values("roles").map(str::to_owned).collect();
    let optional = |name: &str| Some(fields.get(name).trim().to_owned()).filter(|v| !v.is_empty());
    let account = NewAccountForm {
        email: values.email.clone(),
        display_name: values.display_name.clone(),
        password: fields.get("password").to_owned(),
        roles: roles.clone(),
        specialty: optional("specialty"),
        organisation: optional("organisation"),
        practitioner_id: optional("practitioner_id"),
        patient_id: optional("patient_id"),
        related_person_id: optional("related_person_id"),
        locale: None,
    };
    match state.accounts.create_account(&actor, account).await {
        Ok(_) => redirect("/admin/users?done=created", &[]),
        Err(e) => {
            let message = refusal(tr, &e);
            let errors = match e.field() {
                Some(field) => FormErrors::field(field, message),
                None => FormErrors::whole(message),
            };
            let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::BAD_REQUEST);
            html(status, &new_form(&visitor, errors, values, &roles))
        }
    }
}

/// Every role as a checkbox, `ticked` checked.
fn role_choices(tr: Tr, ticked: &[String]) -> Vec<Choice> {
    Role::all()
        .map(|role| Choice {
            value: role.code().to_owned(),
            label: tr.t(&format!("role-{}", role.code())),
            selected: ticked.iter().any(|t| t == role.code()),
        })
        .collect()
}

/// The roles form of `account`, with `ticked` and `specialty` as shown and `errors`.
fn roles_form(
    visitor: &Visitor,
    account: &AccountSummary,
    ticked: &[String],
    specialty: String,
    errors: FormErrors,
) -> AdminRolesPage {
    AdminRolesPage {
        chrome: visitor.chrome(),
        errors,
        id: account.id.clone(),
        name: account.display_name.clone(),
        email: account.email.clone(),
        roles: role_choices(visitor.tr, ticked),
        specialty,
    }
}

/// The account `id`, read through the (audited) list of accounts, or the page to answer.
async fn account(
    state: &AppState,
    visitor: &Visitor,
    actor: &Actor,
    id: &str,
) -> Result<AccountSummary, Response> {
    match state.accounts.list_accounts(actor).await {
        Ok(accounts) => accounts.into_iter().find(|a| a.id == id).ok_or_else(|| not_found_for(visitor)),
        Err(AccountError::NotAdministrator) => Err(forbidden(visitor)),
        Err(e) => {
            tracing::error!(error = %e, "cannot list the accounts");
            Err(server_error(visitor.tr))
        }
    }
}

/// `GET /admin/users/{id}/roles`: the account's roles ticked, and its specialty.
pub(super) async fn roles_page(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Response {
    let actor = match administrator(&visitor) {
        Ok(actor) => actor,
        Err(answer) => return answer,
    };
    let account = match account(&state, &visitor, &actor, &id).await {
        Ok(account) => account,
        Err(answer) => return answer,
    };
    let ticked: Vec<String> = account.roles.iter().map(|r| r.role.clone()).collect();
    let specialty = account.roles.iter().find_map(|r| r.specialty.clone()).unwrap_or_default();
    html(StatusCode::OK, &roles_form(&visitor, &account, &ticked, specialty, FormErrors::none()))
}

/// `POST /admin/users/{id}/roles` (`roles` repeated, `specialty`): saved with
/// `AccountAdmin::set_roles`; a refusal comes back next to the roles, what was ticked kept.
pub(super) async fn save_roles(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
    Posted(fields): Posted,
) -> Response {
    let actor = match administrator(&visitor) {
        Ok(actor) => actor,
        Err(answer) => return answer,
    };
    let tr = visitor.tr;
    let ticked: Vec<String> = fields.values("roles").map(str::to_owned).collect();
    let specialty = fields.get("specialty").trim().to_owned();
    let wanted = Some(specialty.as_str()).filter(|s| !s.is_empty());
    match state.accounts.set_roles(&actor, &id, &ticked, wanted).await {
        Ok(_) => redirect("/admin/users?done=roles-saved", &[]),
        Err(AccountError::NotFound) => not_found_for(&visitor),
        Err(AccountError::NotAdministrator) => forbidden(&visitor),
        Err(e @ (AccountError::Store(_) | AccountError::Internal(_))) => {
            log_failure(&e);
            server_error(tr)
        }
        Err(e) => {
            let account = match account(&state, &visitor, &actor, &id).await {
                Ok(account) => account,
                Err(answer) => return answer,
            };
            let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::BAD_REQUEST);
            let errors = FormErrors::field("roles", refusal(tr, &e));
            html(status, &roles_form(&visitor, &account, &ticked, specialty, errors))
        }
    }
}

/// `POST /admin/users/{id}/{disable|enable|reset-second-factor}`.
pub(super) async fn change(
    State(state): State<AppState>,
    visitor: Visitor,
    Path((id, operation)): Path<(String, String)>,
) -> Response {
    let actor = match administrator(&visitor) {
        Ok(actor) => actor,
        Err(answer) => return answer,
    };
    let (result, done) = match operation.as_str() {
        "disable" => (state.accounts.disable_account(&actor, &id).await, "disabled"),
        "enable" => (state.accounts.enable_account(&actor, &id).await, "enabled"),
        "reset-second-factor" => {
            (state.accounts.reset_second_factor(&actor, &id).await, "second-factor-reset")
        }
        _ => return not_found_for(&visitor),
    };
    match result {
        Ok(_) => redirect(&format!("/admin/users?done={done}"), &[]),
        Err(e) => {
            log_failure(&e);
            redirect(&format!("/admin/users?error={}", e.code()), &[])
        }
    }
}
