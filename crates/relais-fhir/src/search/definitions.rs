//! The official R4 SearchParameter definitions (HL7's `search-parameters.json`, CC0, embedded):
//! for each resource type, its parameters with their type, parsed expression, reference targets
//! and composite components.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, OnceLock};

use serde_json::Value;

use super::path::{Path, Step, parse_expression, parse_relative};

const R4_SEARCH_PARAMETERS: &str = include_str!("../../data/search-parameters.json");

/// `SearchParameter.type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ParamType {
    Number,
    Date,
    String,
    Token,
    Reference,
    Composite,
    Quantity,
    Uri,
    Special,
}

impl ParamType {
    /// The FHIR code (`SearchParameter.type`).
    pub fn as_str(self) -> &'static str {
        match self {
            ParamType::Number => "number",
            ParamType::Date => "date",
            ParamType::String => "string",
            ParamType::Token => "token",
            ParamType::Reference => "reference",
            ParamType::Composite => "composite",
            ParamType::Quantity => "quantity",
            ParamType::Uri => "uri",
            ParamType::Special => "special",
        }
    }

    fn parse(code: &str) -> Option<ParamType> {
        Some(match code {
            "number" => ParamType::Number,
            "date" => ParamType::Date,
            "string" => ParamType::String,
            "token" => ParamType::Token,
            "reference" => ParamType::Reference,
            "composite" => ParamType::Composite,
            "quantity" => ParamType::Quantity,
            "uri" => ParamType::Uri,
            "special" => ParamType::Special,
            _ => return None,
        })
    }
}

/// One part of a composite parameter (`code` and `value-quantity` of
/// `component-code-value-quantity`).
#[derive(Debug, Clone)]
pub struct Component {
    pub code: String,
    pub kind: ParamType,
    /// Relative to the composite's element.
    pub steps: Vec<Step>,
}

/// A search parameter of one resource type.
#[derive(Debug, Clone)]
pub struct SearchParam {
    pub code: String,
    pub url: String,
    pub kind: ParamType,
    /// The expression parts that apply to this resource type.
    pub paths: Vec<Path>,
    /// Resource types a reference parameter may point to.
    pub targets: Vec<String>,
    pub components: Vec<Component>,
}

/// Every parameter of every resource type.
#[derive(Debug, Default)]
pub struct SearchParams {
    by_type: HashMap<String, BTreeMap<String, Arc<SearchParam>>>,
    /// Parameters whose expression uses FHIRPath beyond the supported subset, or of type
    /// `special`: (resource type, code).
    unsupported: Vec<(String, String)>,
}

/// Why the definitions could not be read (only if the embedded file were corrupt).
#[derive(Debug, thiserror::Error)]
#[error("the embedded search parameter definitions could not be read: {0}")]
pub struct DefinitionsError(String);

impl SearchParams {
    /// The process-wide definitions, read on first use, for `resource_types`.
    pub fn shared<'a>(
        resource_types: impl Iterator<Item = &'a str>,
    ) -> Result<Arc<SearchParams>, DefinitionsError> {
        static SHARED: OnceLock<Result<Arc<SearchParams>, String>> = OnceLock::new();
        let types: Vec<&str> = resource_types.collect();
        SHARED
            .get_or_init(|| SearchParams::load(types.into_iter()).map(Arc::new).map_err(|e| e.0))
            .clone()
            .map_err(DefinitionsError)
    }

    /// Reads the embedded bundle. Parameters on `Resource` apply to every one of
    /// `resource_types`; on `DomainResource`, to all but Bundle, Binary and Parameters.
    pub fn load<'a>(resource_types: impl Iterator<Item = &'a str>) -> Result<SearchParams, DefinitionsError> {
        let bundle: Value =
            serde_json::from_str(R4_SEARCH_PARAMETERS).map_err(|e| DefinitionsError(e.to_string()))?;
        let definitions: Vec<&Value> = bundle
            .get("entry")
            .and_then(Value::as_array)
            .ok_or_else(|| DefinitionsError("no entries".into()))?
            .iter()
            .filter_map(|e| e.get("resource"))
            .collect();
        let by_url: HashMap<&str, &Value> =
            definitions.iter().filter_map(|d| Some((d.get("url")?.as_str()?, *d))).collect();
        let all_types: Vec<&str> = resource_types.collect();
        let mut params = SearchParams::default();
        for definition in &definitions {
            let text = |key: &str| definition.get(key).and_then(Value::as_str).unwrap_or_default();
            let strings = |key: &str| -> Vec<String> {
                definition.get(key).and_then(Value::as_array).map_or_else(Vec::new, |a| {
                    a.iter().filter_map(Value::as_str).map(str::to_owned).collect()
                })
            };
            let Some(kind) = ParamType::parse(text("type")) else { continue };
            let parsed = parse_expression(text("expression"));
            let components = components(definition, &by_url);
            for base in strings("base") {
                let applies_to: Vec<&str> = match base.as_str() {
                    "Resource" => all_types.clone(),
                    "DomainResource" => all_types
                        .iter()
                        .copied()
                        .filter(|t| !matches!(*t, "Bundle" | "Binary" | "Parameters"))
                        .collect(),
                    other => vec![other],
                };
                for resource_type in applies_to {
                    let paths: Option<Vec<Path>> = parsed.as_ref().map(|paths| {
                        paths
                            .iter()
                            .filter(|p| {
                                p.root == resource_type || p.root == "Resource" || p.root == "DomainResource"
                            })
                            .cloned()
                            .collect()
                    });
                    let supported = kind != ParamType::Special
                        && paths.as_ref().is_some_and(|p| !p.is_empty())
                        && (kind != ParamType::Composite || components.is_some());
                    if !supported {
                        params.unsupported.push((resource_type.to_owned(), text("code").to_owned()));
                        continue;
                    }
                    let param = SearchParam {
                        code: text("code").to_owned(),
                        url: text("url").to_owned(),
                        kind,
                        paths: paths.unwrap_or_default(),
                        targets: strings("target"),
                        components: components.clone().unwrap_or_default(),
                    };
                    params
                        .by_type
                        .entry(resource_type.to_owned())
                        .or_default()
                        .insert(param.code.clone(), Arc::new(param));
                }
            }
        }
        Ok(params)
    }

    /// The parameter `code` of `resource_type`.
    pub fn get(&self, resource_type: &str, code: &str) -> Option<&Arc<SearchParam>> {
        self.by_type.get(resource_type)?.get(code)
    }

    /// Every supported parameter of `resource_type`, by code.
    pub fn for_type(&self, resource_type: &str) -> impl Iterator<Item = &Arc<SearchParam>> {
        self.by_type.get(resource_type).into_iter().flat_map(|m| m.values())
    }

    /// Whether `code` is defined for `resource_type` but cannot be evaluated here.
    pub fn is_unsupported(&self, resource_type: &str, code: &str) -> bool {
        self.unsupported.iter().any(|(t, c)| t == resource_type && c == code)
    }
}

fn components(definition: &Value, by_url: &HashMap<&str, &Value>) -> Option<Vec<Component>> {
    let list = definition.get("component")?.as_array()?;
    list.iter()
        .map(|c| {
            let target = by_url.get(c.get("definition")?.as_str()?)?;
            Some(Component {
                code: target.get("code")?.as_str()?.to_owned(),
                kind: ParamType::parse(target.get("type")?.as_str()?)?,
                steps: parse_relative(c.get("expression")?.as_str()?)?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SchemaValidator;

    fn params() -> Arc<SearchParams> {
        let schema = SchemaValidator::shared().unwrap();
        SearchParams::shared(schema.resource_types()).unwrap()
    }

    /// The resource types the clinical queues and charts search (issue 3).
    const CLINICAL_TYPES: &[&str] = &[
        "Patient",
        "RelatedPerson",
        "Practitioner",
        "PractitionerRole",
        "Organization",
        "Location",
        "HealthcareService",
        "CareTeam",
        "Group",
        "Encounter",
        "Appointment",
        "Schedule",
        "Slot",
        "ServiceRequest",
        "Task",
        "Communication",
        "CommunicationRequest",
        "Observation",
        "Questionnaire",
        "QuestionnaireResponse",
        "Condition",
        "CarePlan",
        "Goal",
        "Media",
        "DocumentReference",
        "Binary",
        "Flag",
        "DetectedIssue",
        "RiskAssessment",
        "Device",
        "DeviceUseStatement",
        "Consent",
        "AuditEvent",
        "Provenance",
        "MedicationAdministration",
    ];

    #[test]
    fn every_clinical_type_has_its_parameters_and_the_common_ones() {
        let params = params();
        for t in CLINICAL_TYPES {
            assert!(params.get(t, "_id").is_some(), "{t} _id");
            assert!(params.get(t, "_lastUpdated").is_some(), "{t} _lastUpdated");
            assert!(params.for_type(t).count() >= 3, "{t}");
        }
    }

    #[test]
    fn parameters_carry_type_paths_and_targets() {
        let params = params();
        let subject = params.get("Observation", "subject").unwrap();
        assert_eq!(subject.kind, ParamType::Reference);
        assert!(subject.targets.contains(&"Patient".to_owned()));
        let code = params.get("Observation", "code").unwrap();
        assert_eq!(code.paths.len(), 1, "only the Observation part of the shared expression");
        assert_eq!(params.get("Patient", "name").unwrap().kind, ParamType::String);
        for kind in [ParamType::Date, ParamType::Reference, ParamType::Composite, ParamType::Uri] {
            assert_eq!(ParamType::parse(kind.as_str()), Some(kind));
        }
        let patient = params.get("Task", "patient").unwrap();
        assert_eq!(patient.paths[0].steps.last(), Some(&Step::ResolvesTo("Patient".into())));
        let bp = params.get("Observation", "component-code-value-quantity").unwrap();
        assert_eq!(bp.kind, ParamType::Composite);
        let codes: Vec<_> = bp.components.iter().map(|c| (c.code.as_str(), c.kind)).collect();
        assert_eq!(
            codes,
            [("component-code", ParamType::Token), ("component-value-quantity", ParamType::Quantity)]
        );
        assert!(
            params.is_unsupported("Patient", "deceased"),
            "beyond the FHIRPath subset: reported, not guessed"
        );
        assert!(params.get("Binary", "_text").is_none());
    }
}
