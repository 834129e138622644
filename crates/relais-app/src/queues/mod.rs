//! Work queues (issue 5): the tasks a staff member works from, read with FHIR Task searches as
//! that person — so a queue holds only what they may see, and reading it is audited like any
//! search — and claimed or assigned by updating the Task as that person, against the version
//! they saw (a colleague's change meanwhile is refused, not overwritten).
//!
//! Two queues for now: **mine** (open tasks I own) and **unclaimed** (open tasks nobody owns, of
//! the patients whose record is open to me — my care teams — and naming no patient). Ordered by
//! clinical priority (stat, asap, urgent, routine), then by due time, then oldest first.

mod item;

use std::cmp::Ordering;

use jiff::Timestamp;
use serde_json::{Value, json};

pub use item::{Priority, QueueItem, human_name};

use crate::access::Caller;
use crate::access::grants::queues_of;
use crate::fhir::{Fhir, FhirError};

/// Task statuses of work still to do.
pub const OPEN: &str = "requested,received,accepted,ready,in-progress,on-hold";
/// Statuses a task can be claimed from.
const CLAIMABLE: [&str; 3] = ["requested", "received", "ready"];
/// The most tasks one queue shows: a queue longer than this needs a filter, not a longer page.
pub const MAX_ITEMS: u32 = 200;

/// Which queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueueKind {
    Mine,
    Unclaimed,
}

impl QueueKind {
    pub const ALL: [QueueKind; 2] = [QueueKind::Mine, QueueKind::Unclaimed];

    pub fn code(self) -> &'static str {
        match self {
            QueueKind::Mine => "mine",
            QueueKind::Unclaimed => "unclaimed",
        }
    }

    pub fn from_code(code: &str) -> Option<QueueKind> {
        QueueKind::ALL.into_iter().find(|k| k.code() == code)
    }
}

/// How a queue is ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum QueueSort {
    /// Most pressing first, then soonest due, then oldest.
    #[default]
    Priority,
    /// Soonest due first (tasks without a due time last).
    Due,
    /// Most recently asked for first.
    Newest,
}

impl QueueSort {
    pub fn from_code(code: &str) -> Option<QueueSort> {
        match code {
            "priority" => Some(QueueSort::Priority),
            "due" => Some(QueueSort::Due),
            "newest" => Some(QueueSort::Newest),
            _ => None,
        }
    }
}

/// What a queue shows: optionally only one priority, in an order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueueView {
    pub priority: Option<Priority>,
    pub sort: QueueSort,
}

/// Why a claim or an assignment was refused.
#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    /// The account is not linked to a Practitioner: it cannot own tasks. `account-not-linked`.
    #[error("account-not-linked")]
    NotLinked,
    /// Someone changed the task since it was shown (claimed it, closed it). `task-changed`.
    #[error("task-changed")]
    Changed,
    /// The task is no longer open, or already has an owner. `task-not-claimable`.
    #[error("task-not-claimable")]
    NotClaimable,
    #[error(transparent)]
    Fhir(#[from] FhirError),
}

impl QueueError {
    pub fn code(&self) -> &'static str {
        match self {
            QueueError::NotLinked => "account-not-linked",
            QueueError::Changed => "task-changed",
            QueueError::NotClaimable => "task-not-claimable",
            QueueError::Fhir(FhirError::NotFound(_)) => "task-not-found",
            QueueError::Fhir(FhirError::Forbidden(_)) => "task-forbidden",
            QueueError::Fhir(_) => "server-error",
        }
    }
}

fn pairs(list: &[(&str, String)]) -> Vec<(String, String)> {
    list.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect()
}

impl Fhir {
    /// The Practitioner the caller's account stands for.
    async fn practitioner_of(&self, caller: &Caller) -> Result<String, QueueError> {
        let account = self.store.account_by_id(&caller.principal.id).await.map_err(FhirError::from)?;
        account.and_then(|a| a.practitioner_id).ok_or(QueueError::NotLinked)
    }

    /// The tasks of `kind` for `caller`, filtered and ordered by `view`.
    ///
    /// # Errors
    /// [`QueueError::NotLinked`] for "mine" without a Practitioner; the search's errors.
    pub async fn queue(
        &self,
        caller: &Caller,
        kind: QueueKind,
        view: &QueueView,
    ) -> Result<Vec<QueueItem>, QueueError> {
        // Each search, and whether its items are offered only for records wholly open to me.
        let mut searches: Vec<(Vec<(&str, String)>, bool)> = Vec::new();
        match kind {
            QueueKind::Mine => {
                let me = self.practitioner_of(caller).await?;
                searches.push((
                    vec![("owner", format!("Practitioner/{me}")), ("status", OPEN.to_owned())],
                    false,
                ));
            }
            QueueKind::Unclaimed => {
                let claimable = CLAIMABLE.join(",");
                searches
                    .push((vec![("owner:missing", "true".to_owned()), ("status", claimable.clone())], true));
                let queues = match self.practitioner_of(caller).await {
                    Ok(me) => {
                        queues_of(self.store.as_ref(), &self.search, &me).await.map_err(FhirError::from)?
                    }
                    Err(QueueError::NotLinked) => Vec::new(),
                    Err(e) => return Err(e),
                };
                if !queues.is_empty() {
                    searches.push((vec![("owner", queues.join(",")), ("status", claimable)], false));
                }
            }
        }
        let mut items: Vec<QueueItem> = Vec::new();
        let now = self.clock.now();
        for (mut query, whole_records_only) in searches {
            query.extend([
                ("_include", "Task:patient".to_owned()),
                ("_include", "Task:owner".to_owned()),
                ("_count", MAX_ITEMS.to_string()),
            ]);
            if let Some(priority) = view.priority {
                query.push(("priority", priority.code().to_owned()));
            }
            let bundle = self.search_as(caller, "Task", &pairs(&query), true, "").await?;
            let found = item::items_of(&bundle).into_iter();
            if whole_records_only {
                // Nobody's tasks are offered for the patients whose record is wholly open to
                // me; a task waiting in my queue lets me see that patient's other tasks, but
                // they are not mine to take.
                items.extend(
                    found.filter(|i| i.patient.as_ref().is_none_or(|(p, _)| caller.whole_record(p, now))),
                );
            } else {
                items.extend(found);
            }
        }
        sort(&mut items, view.sort);
        Ok(items)
    }

    /// Makes the caller the owner of task `id`, as it was at `version`, and accepts it.
    ///
    /// # Errors
    /// [`QueueError::NotLinked`], [`QueueError::Changed`] if the task moved on since `version`,
    /// [`QueueError::NotClaimable`] if it is owned or closed, and the read's and update's
    /// refusals (a task the caller may not see is not found).
    pub async fn claim_task(&self, caller: &Caller, id: &str, version: i64) -> Result<(), QueueError> {
        let me = self.practitioner_of(caller).await?;
        self.set_owner(caller, id, version, &me, true).await
    }

    /// Gives task `id`, as it was at `version`, to the Practitioner `to` (a colleague), who
    /// will find it in their own queue.
    ///
    /// # Errors
    /// As [`Fhir::claim_task`]; the new owner must be a Practitioner the caller may see.
    pub async fn assign_task(
        &self,
        caller: &Caller,
        id: &str,
        version: i64,
        to: &str,
    ) -> Result<(), QueueError> {
        self.read_as(caller, "Practitioner", to).await?;
        self.set_owner(caller, id, version, to, false).await
    }

    async fn set_owner(
        &self,
        caller: &Caller,
        id: &str,
        version: i64,
        owner: &str,
        only_unowned: bool,
    ) -> Result<(), QueueError> {
        let row = self.read_as(caller, "Task", id).await?;
        if row.version != version {
            return Err(QueueError::Changed);
        }
        let mut task: Value = row
            .content
            .as_deref()
            .and_then(|c| serde_json::from_str(c).ok())
            .ok_or(QueueError::NotClaimable)?;
        let status = task["status"].as_str().unwrap_or_default().to_owned();
        let open = OPEN.split(',').any(|s| s == status);
        // A task waiting in a queue (owned by an Organization or a HealthcareService) is as
        // free to take as one nobody owns; one a person owns is theirs.
        let owned_by_someone = task
            .pointer("/owner/reference")
            .and_then(Value::as_str)
            .is_some_and(|r| !r.starts_with("Organization/") && !r.starts_with("HealthcareService/"));
        if !open || (only_unowned && owned_by_someone) {
            return Err(QueueError::NotClaimable);
        }
        task["owner"] = json!({"reference": format!("Practitioner/{owner}")});
        if CLAIMABLE.contains(&status.as_str()) {
            task["status"] = json!("accepted");
        }
        task["lastModified"] = json!(self.clock.now().to_string());
        let body = serde_json::to_vec(&task).map_err(|_| QueueError::NotClaimable)?;
        match self.update_as(caller, "Task", id, &body, Some(version)).await {
            Ok(_) => Ok(()),
            Err(FhirError::PreconditionFailed(_)) => Err(QueueError::Changed),
            Err(e) => Err(e.into()),
        }
    }

    /// The Practitioners the caller may hand a task to, by name (at most [`MAX_ITEMS`]).
    ///
    /// # Errors
    /// The search's.
    pub async fn colleagues(&self, caller: &Caller) -> Result<Vec<(String, String)>, QueueError> {
        let query = pairs(&[("_count", MAX_ITEMS.to_string())]);
        let bundle = self.search_as(caller, "Practitioner", &query, true, "").await?;
        let mut people: Vec<(String, String)> = bundle["entry"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|e| e.get("resource"))
            .filter(|p| p.get("active").and_then(Value::as_bool) != Some(false))
            .filter_map(|p| Some((p["id"].as_str()?.to_owned(), item::human_name(p)?)))
            .collect();
        people.sort_by(|a, b| a.1.cmp(&b.1));
        Ok(people)
    }
}

/// Orders `items` for `sort`; ties keep the oldest first, then by id, so the order is stable.
pub fn sort(items: &mut [QueueItem], sort: QueueSort) {
    let due = |i: &QueueItem| i.due.unwrap_or(Timestamp::MAX);
    let authored = |i: &QueueItem| i.authored.unwrap_or(Timestamp::MAX);
    items.sort_by(|a, b| {
        let first = match sort {
            QueueSort::Priority => a.priority.cmp(&b.priority).then(due(a).cmp(&due(b))),
            QueueSort::Due => due(a).cmp(&due(b)).then(a.priority.cmp(&b.priority)),
            QueueSort::Newest => b.authored.cmp(&a.authored),
        };
        first.then(authored(a).cmp(&authored(b))).then_with(|| a.id.cmp(&b.id)).then(Ordering::Equal)
    });
}

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
