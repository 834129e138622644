//! The network's directory as FHIR: the two Organizations, their sites (Location, with
//! `managingOrganization` and `partOf`), the teledermatology service whose queue e-consults wait
//! in, and each staff member's Practitioner and PractitionerRole (organisation, site, what they
//! do, their specialty, the service they answer for).

use serde_json::{Value, json};

use super::world::{ORGANISATIONS, SITES, Staff};

pub(crate) fn organisations() -> Vec<Value> {
    ORGANISATIONS
        .iter()
        .map(|o| {
            json!({
                "resourceType": "Organization",
                "id": o.id,
                "active": true,
                "type": [{"coding": [{
                    "system": "http://terminology.hl7.org/CodeSystem/organization-type",
                    "code": "prov", "display": "Healthcare Provider"}]}],
                "name": o.name,
                "alias": [o.alias],
                "telecom": [{"system": "phone", "value": o.phone, "use": "work"}],
                "address": [{"city": o.city, "state": "QC", "postalCode": o.postal_code, "country": "CA"}]
            })
        })
        .collect()
}

/// The teledermatology service (HealthcareService) of CISSS de Lafontaine: an e-consult nobody
/// has taken yet is a Task `owner`ed by it, in the queue of every dermatologist working for it.
pub(crate) const DERMATOLOGY_SERVICE: &str = "demo-hs-teledermatology";

pub(crate) fn services() -> Vec<Value> {
    vec![json!({
        "resourceType": "HealthcareService",
        "id": DERMATOLOGY_SERVICE,
        "active": true,
        "providedBy": {"reference": "Organization/demo-org-lafontaine"},
        "name": "Télédermatologie (e-consultation)",
        "specialty": [{"text": "Dermatologie"}]
    })]
}

pub(crate) fn sites() -> Vec<Value> {
    SITES
        .iter()
        .map(|s| {
            let mut site = json!({
                "resourceType": "Location",
                "id": s.id,
                "status": "active",
                "name": s.name,
                "mode": "instance",
                "address": {"line": [s.line], "city": s.city, "state": "QC", "postalCode": s.postal_code, "country": "CA"},
                "managingOrganization": {"reference": format!("Organization/{}", s.organisation)}
            });
            if let Some(parent) = s.part_of {
                site["partOf"] = json!({"reference": format!("Location/{parent}")});
            }
            site
        })
        .collect()
}

/// The Practitioner and PractitionerRole of `person`.
pub(crate) fn staff(person: &Staff) -> [Value; 2] {
    let mut name = json!({"use": "official", "family": person.family, "given": [person.given]});
    if let Some(prefix) = person.prefix {
        name["prefix"] = json!([prefix]);
    }
    let practitioner = json!({
        "resourceType": "Practitioner",
        "id": person.id,
        "active": true,
        "name": [name],
        "telecom": [{"system": "email", "value": person.email, "use": "work"}],
        "gender": person.gender,
        "communication": [{"coding": [{"system": "urn:ietf:bcp:47", "code": "fr-CA"}]}]
    });
    let mut role = json!({
        "resourceType": "PractitionerRole",
        "id": format!("{}-role", person.id),
        "active": true,
        "practitioner": {"reference": format!("Practitioner/{}", person.id),
                          "display": format!("{} {}", person.given, person.family)},
        "code": [{"coding": [{"system": "https://relais.example/fhir/CodeSystem/role", "code": person.role.code()}],
                  "text": person.title}],
        "telecom": [{"system": "email", "value": person.email, "use": "work"}]
    });
    if let Some(organisation) = person.organisation {
        role["organization"] = json!({"reference": format!("Organization/{organisation}")});
    }
    if let Some(site) = person.site {
        role["location"] = json!([{"reference": format!("Location/{site}")}]);
    }
    if let Some(specialty) = person.specialty_text {
        role["specialty"] = json!([{"text": specialty}]);
    }
    if person.specialty == Some("dermatology") {
        role["healthcareService"] =
            json!([{"reference": format!("HealthcareService/{DERMATOLOGY_SERVICE}")}]);
    }
    [practitioner, role]
}
