//! Conditional create (`If-None-Exist`): find the resources a query names, inside the write
//! transaction and under a lock on the query, so two concurrent identical creates make one.

use std::collections::BTreeSet;

use relais_fhir::capability::CONDITIONAL_CREATE_PARAMS;
use relais_fhir::search::SearchParams;
use relais_fhir::{Issue, IssueType};
use relais_store::ResourceTx;

use super::FhirError;

/// One criterion of an `If-None-Exist` query.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Criterion {
    Id(String),
    Identifier { system: Option<String>, value: String },
}

/// A parsed `If-None-Exist` query: all criteria must match.
#[derive(Debug, Clone)]
pub(crate) struct Condition {
    criteria: Vec<Criterion>,
    /// Canonical text, used as the lock key.
    key: String,
}

impl Condition {
    /// Parses `identifier=system|value&_id=…` (leading `?` and the type prefix are allowed).
    pub(crate) fn parse(resource_type: &str, query: &str) -> Result<Condition, FhirError> {
        let query = query.trim();
        let query = query.strip_prefix(resource_type).unwrap_or(query);
        let query = query.strip_prefix('?').unwrap_or(query);
        let mut criteria = Vec::new();
        for (name, value) in form_urlencoded::parse(query.as_bytes()) {
            let bad = |why: String| {
                FhirError::Invalid(vec![
                    Issue::error(IssueType::Invalid, "invalid-condition", why).at("If-None-Exist"),
                ])
            };
            if value.is_empty() {
                return Err(bad(format!("If-None-Exist parameter '{name}' has no value")));
            }
            match name.as_ref() {
                "_id" => criteria.push(Criterion::Id(value.into_owned())),
                "identifier" => {
                    let (system, code) = match value.split_once('|') {
                        Some((system, code)) => (Some(system.to_owned()), code.to_owned()),
                        None => (None, value.into_owned()),
                    };
                    if code.is_empty() {
                        return Err(bad("If-None-Exist 'identifier' needs a value after '|'".into()));
                    }
                    criteria.push(Criterion::Identifier {
                        system: system.filter(|s| !s.is_empty()),
                        value: code,
                    });
                }
                other => {
                    return Err(FhirError::Invalid(vec![
                        Issue::error(
                            IssueType::NotSupported,
                            "unsupported-condition",
                            format!(
                                "If-None-Exist parameter '{other}' is not supported; use {}",
                                CONDITIONAL_CREATE_PARAMS.join(" or ")
                            ),
                        )
                        .at("If-None-Exist"),
                    ]));
                }
            }
        }
        if criteria.is_empty() {
            return Err(FhirError::Invalid(vec![
                Issue::error(IssueType::Invalid, "invalid-condition", "If-None-Exist is empty")
                    .at("If-None-Exist"),
            ]));
        }
        // The lock key names the values only (not the systems), so that `identifier=X` and
        // `identifier=sys|X` sent at the same moment still wait for each other.
        let mut parts: Vec<String> = criteria
            .iter()
            .map(|c| match c {
                Criterion::Id(id) => format!("_id={id}"),
                Criterion::Identifier { value, .. } => format!("identifier={value}"),
            })
            .collect();
        parts.sort();
        Ok(Condition { criteria, key: format!("{resource_type}?{}", parts.join("&")) })
    }

    /// Refuses a condition on `identifier` for a type that has no such search parameter (its
    /// identifiers are not indexed, so nothing could ever match).
    pub(crate) fn check_indexed(&self, resource_type: &str, search: &SearchParams) -> Result<(), FhirError> {
        let uses_identifier = self.criteria.iter().any(|c| matches!(c, Criterion::Identifier { .. }));
        if uses_identifier && search.get(resource_type, "identifier").is_none() {
            return Err(FhirError::Invalid(vec![
                Issue::error(
                    IssueType::NotSupported,
                    "unsupported-condition",
                    format!("{resource_type} has no identifier search parameter; use _id"),
                )
                .at("If-None-Exist"),
            ]));
        }
        Ok(())
    }

    /// The condition's only criterion when it is one identifier (`identifier=system|value`):
    /// what the store can look up by itself, in the transaction that creates.
    pub(crate) fn single_identifier(&self) -> Option<(Option<&str>, &str)> {
        match self.criteria.as_slice() {
            [Criterion::Identifier { system, value }] => Some((system.as_deref(), value)),
            _ => None,
        }
    }

    /// The canonical form of the condition (equal for equivalent queries).
    pub(crate) fn key(&self) -> &str {
        &self.key
    }

    /// Locks the condition for the rest of the transaction, then returns every matching id
    /// (the caller keeps those the person may see before counting them).
    pub(crate) async fn matches(
        &self,
        tx: &mut dyn ResourceTx,
        resource_type: &str,
    ) -> Result<Vec<String>, FhirError> {
        tx.lock_key(&self.key).await?;
        let mut result: Option<BTreeSet<String>> = None;
        for criterion in &self.criteria {
            let ids: BTreeSet<String> = match criterion {
                Criterion::Id(id) => match tx.current(resource_type, id).await? {
                    Some(row) if !row.deleted => BTreeSet::from([row.id]),
                    _ => BTreeSet::new(),
                },
                Criterion::Identifier { system, value } => tx
                    .find_by_token(resource_type, "identifier", system.as_deref(), value)
                    .await?
                    .into_iter()
                    .collect(),
            };
            result = Some(match result {
                None => ids,
                Some(previous) => previous.intersection(&ids).cloned().collect(),
            });
        }
        Ok(result.unwrap_or_default().into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_identifier_and_id() {
        let c = Condition::parse("Patient", "identifier=urn%3Aramq%7CABC&_id=p1").unwrap();
        assert_eq!(
            c.criteria,
            vec![
                Criterion::Identifier { system: Some("urn:ramq".into()), value: "ABC".into() },
                Criterion::Id("p1".into())
            ]
        );
        let same = Condition::parse("Patient", "Patient?_id=p1&identifier=urn:ramq|ABC").unwrap();
        assert_eq!(c.key, same.key);
        let other_spelling = Condition::parse("Patient", "_id=p1&identifier=ABC").unwrap();
        assert_eq!(c.key, other_spelling.key, "both spellings serialise on one lock");
    }

    #[test]
    fn refuses_what_it_cannot_match() {
        let e = Condition::parse("Patient", "name=Gagné").unwrap_err();
        assert!(
            matches!(&e, FhirError::Invalid(i) if i[0].error_code == "unsupported-condition" && i[0].diagnostics.contains("'name'"))
        );
        assert!(Condition::parse("Patient", "").is_err());
        assert!(Condition::parse("Patient", "identifier=sys|").is_err());
    }
}
