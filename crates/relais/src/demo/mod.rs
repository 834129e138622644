//! The demo world (issue 5): two organisations with their sites, staff of every role, a dozen
//! patients with histories in the services (weeks of home measurements, consults, visits,
//! forms, queues), a caregiver, and an account for each person — for `relais demo` and
//! `relais serve --demo`.
//!
//! The resources go through the same use case the FHIR API uses (`Fhir::bundle_as`: validated
//! against the R4 schema and our rules, decided by the access policy, on the audit trail as
//! the `relais-demo` client), in one transaction: all of the world or none of it. Their ids are
//! fixed and they carry the demo tag; their dates are relative to now.
//!
//! Filling is idempotent and never mixes: an empty database is filled; one that already holds
//! the demo is left as it is (accounts a cut-short run did not create are added); any other
//! data makes it refuse, writing nothing.

mod accounts;
mod directory;
mod homecare;
mod moments;
mod monitoring;
mod people;
mod records;
mod report;
mod visits;
mod work;
mod world;

use anyhow::{Context, bail};
use relais_access::policy::Principal;
use relais_access::scopes::Scopes;
use relais_app::access::Caller;
use relais_app::auth::Auth;
use relais_app::{Fhir, Prefer};
use relais_store::HistoryQuery;
use serde_json::{Value, json};

use self::moments::Moments;
use self::world::{MARKER, TAG_CODE, TAG_SYSTEM};

/// The client the demo's writes are recorded under on the audit trail.
const DEMO_CLIENT: &str = "relais-demo";

/// What filling did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Filled {
    /// The database was empty and now holds the demo world.
    Created { resources: usize, accounts: usize },
    /// The demo was already there; `accounts` missing ones were added (0: nothing changed).
    AlreadyPresent { accounts: usize },
}

/// Fills the database behind `fhir` with the demo world unless it holds it already; refuses a
/// database with other data. Answers what it did and the accounts table to print.
pub(crate) async fn fill(fhir: &Fhir, auth: &Auth) -> anyhow::Result<(Filled, String)> {
    let store = fhir.store();
    let moments = Moments::new(fhir.clock().now());
    let resources = world(&moments);
    let wanted = accounts::demo_accounts();
    let present = store
        .current(MARKER.0, MARKER.1)
        .await
        .context("cannot read the database")?
        .is_some_and(|row| row.content.is_some());
    let filled = if present {
        let added = accounts::create_missing(store, auth, &wanted).await?;
        Filled::AlreadyPresent { accounts: added }
    } else {
        refuse_other_data(fhir).await?;
        write(fhir, &resources).await?;
        let added = accounts::create_missing(store, auth, &wanted).await?;
        Filled::Created { resources: resources.len(), accounts: added }
    };
    Ok((filled, report::table(&wanted, &resources)))
}

/// Every resource of the demo world, tagged, in the order they are written.
fn world(at: &Moments) -> Vec<Value> {
    let mut all = directory::organisations();
    all.extend(directory::sites());
    all.extend(directory::services());
    for person in world::staff_members() {
        all.extend(directory::staff(&person));
    }
    all.extend(records::patients());
    all.extend(records::caregiver(at));
    all.extend(records::care_teams(at));
    all.extend(records::telehealth_consents(at));
    all.extend(records::allergies_and_flags(at));
    all.extend(homecare::enrolments(at));
    all.extend(visits::questionnaires());
    all.extend(visits::questionnaire_responses(at));
    all.extend(visits::appointments(at));
    all.extend(visits::schedules_and_slots(at));
    all.extend(visits::encounters(at));
    all.extend(monitoring::observations(at));
    all.extend(homecare::symptom_checks(at));
    all.extend(homecare::overrides(at));
    all.extend(work::work_items(at));
    for resource in &mut all {
        resource["meta"] =
            json!({"tag": [{"system": TAG_SYSTEM, "code": TAG_CODE, "display": "Données de démonstration"}]});
    }
    all
}

/// Refuses unless the database holds no account and no resource: demo data must never be
/// mixed into a real one.
async fn refuse_other_data(fhir: &Fhir) -> anyhow::Result<()> {
    let store = fhir.store();
    let accounts = store.list_accounts().await.context("cannot read the accounts")?;
    let any = HistoryQuery { resource_type: None, id: None, since: None, before_seq: None, limit: 1 };
    let resources = store.history(&any).await.context("cannot read the database")?;
    if !accounts.is_empty() || !resources.is_empty() {
        bail!(
            "this database already holds data ({} account(s){}) and not the demo world: refusing to mix \
             demo data into it. Use an empty database, e.g. --data-dir ./relais-demo-data or another \
             --database-url",
            accounts.len(),
            if resources.is_empty() { "" } else { ", FHIR resources" }
        );
    }
    Ok(())
}

/// Writes `resources` as one transaction Bundle of PUTs (fixed ids), as the demo client.
async fn write(fhir: &Fhir, resources: &[Value]) -> anyhow::Result<()> {
    let entries: Vec<Value> = resources
        .iter()
        .map(|r| {
            let url =
                format!("{}/{}", r["resourceType"].as_str().unwrap_or(""), r["id"].as_str().unwrap_or(""));
            json!({"resource": r, "request": {"method": "PUT", "url": url}})
        })
        .collect();
    let bundle = json!({"resourceType": "Bundle", "type": "transaction", "entry": entries});
    let body = serde_json::to_vec(&bundle).context("cannot serialise the demo world")?;
    let schema = fhir.schema().clone();
    let scopes = Scopes::parse("system/*.*", |t| schema.is_resource_type(t))
        .map_err(|_| anyhow::anyhow!("the demo client's scope does not parse"))?;
    let principal = Principal { id: DEMO_CLIENT.to_owned(), scopes: Some(scopes), ..Principal::default() };
    fhir.bundle_as(&Caller::new(principal), &body, Prefer::Minimal, "").await.map_err(|e| {
        let why: Vec<String> = e
            .issues()
            .iter()
            .map(|i| {
                format!("{} at {}: {}", i.error_code, i.expression.as_deref().unwrap_or("-"), i.diagnostics)
            })
            .collect();
        anyhow::anyhow!("the demo world was refused, nothing was written: {e}: {}", why.join("; "))
    })?;
    Ok(())
}

#[cfg(test)]
mod tests;
