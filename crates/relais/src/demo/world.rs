//! The demo world as data: its two organisations and their sites, the caregiver, who cares
//! for whom (care teams), and the demo's constants; its people are in `people.rs`. All of it
//! is invented. The code that turns it into FHIR resources and accounts lives beside it
//! (`directory.rs`, `records.rs`, `monitoring.rs`, `visits.rs`, `work.rs`, `accounts.rs`).

pub(crate) use super::people::*;

/// Every demo account's password (printed; it is a demo).
pub(crate) const PASSWORD: &str = "Relais-demo-2026";

/// The staff's TOTP secret (base32, 20 bytes), the same for every staff account, so that a
/// person or a browser test can compute the codes (`oathtool --totp -b SECRET`).
pub(crate) const TOTP_SECRET: &str = "RELAISDEMOTOTPSECRETFORSTAFFAAAA";

/// Tag on every demo resource (`meta.tag`): the demo can be found, and told apart.
pub(crate) const TAG_SYSTEM: &str = "https://relais.example/fhir/CodeSystem/demo";
pub(crate) const TAG_CODE: &str = "demo";

/// The Organization whose presence says "this database holds the demo world".
pub(crate) const MARKER: (&str, &str) = ("Organization", "demo-org-lafontaine");

/// The demo's (invented) health-card numbers are written under the default health-card system,
/// so that the pages show them as they would a real one; with another `health_card_system`
/// configured, the demo patients' charts say the number is not recorded.
pub(crate) const HEALTH_CARD_SYSTEM: &str = crate::settings::DEFAULT_HEALTH_CARD_SYSTEM;

pub(crate) struct Organisation {
    pub id: &'static str,
    pub name: &'static str,
    pub alias: &'static str,
    pub city: &'static str,
    pub postal_code: &'static str,
    pub phone: &'static str,
}

pub(crate) struct Site {
    pub id: &'static str,
    pub name: &'static str,
    pub organisation: &'static str,
    /// The site this one is part of (a unit of a building).
    pub part_of: Option<&'static str>,
    pub line: &'static str,
    pub city: &'static str,
    pub postal_code: &'static str,
}

pub(crate) const ORGANISATIONS: [Organisation; 2] = [
    Organisation {
        id: "demo-org-lafontaine",
        name: "Centre universitaire de santé Lafontaine",
        alias: "CUSL",
        city: "Montréal",
        postal_code: "H2L 4M1",
        phone: "+1-514-555-0100",
    },
    Organisation {
        id: "demo-org-riviere",
        name: "Centre de santé régional de la Rivière-aux-Sables",
        alias: "CSRRS",
        city: "Val-des-Sables",
        postal_code: "J0T 9Z9",
        phone: "+1-819-555-0100",
    },
];

pub(crate) const SITES: [Site; 5] = [
    Site {
        id: "demo-site-lafontaine-hopital",
        name: "Hôpital Lafontaine",
        organisation: "demo-org-lafontaine",
        part_of: None,
        line: "4500, rue Lafontaine Est",
        city: "Montréal",
        postal_code: "H2L 4M1",
    },
    Site {
        id: "demo-site-lafontaine-telesante",
        name: "Centre de télésanté Lafontaine",
        organisation: "demo-org-lafontaine",
        part_of: Some("demo-site-lafontaine-hopital"),
        line: "4500, rue Lafontaine Est, pavillon B",
        city: "Montréal",
        postal_code: "H2L 4M1",
    },
    Site {
        id: "demo-site-riviere-hopital",
        name: "Hôpital de Val-des-Sables",
        organisation: "demo-org-riviere",
        part_of: None,
        line: "12, boulevard des Sables",
        city: "Val-des-Sables",
        postal_code: "J0T 9Z9",
    },
    Site {
        id: "demo-site-riviere-chsld",
        name: "CHSLD des Érables",
        organisation: "demo-org-riviere",
        part_of: None,
        line: "300, rue des Érables",
        city: "Val-des-Sables",
        postal_code: "J0T 9Z8",
    },
    Site {
        id: "demo-site-riviere-chsld-pins",
        name: "CHSLD des Érables — unité Les Pins",
        organisation: "demo-org-riviere",
        part_of: Some("demo-site-riviere-chsld"),
        line: "300, rue des Érables, 2e étage",
        city: "Val-des-Sables",
        postal_code: "J0T 9Z8",
    },
];

/// The caregiver: a RelatedPerson of the heart-failure patient, with a share of the record.
pub(crate) struct Caregiver {
    pub id: &'static str,
    pub given: &'static str,
    pub family: &'static str,
    pub email: &'static str,
    pub patient: &'static str,
    /// The resource types the patient shares with her (Consent `provision.class`).
    pub shared: &'static [&'static str],
}

pub(crate) const CAREGIVER: Caregiver = Caregiver {
    id: "demo-rp-sylvie-bouchard",
    given: "Sylvie",
    family: "Bouchard",
    email: "sylvie.bouchard@courriel.example",
    patient: HEART_FAILURE,
    shared: &["Observation", "Appointment", "CarePlan"],
};

/// A care team: the patient, what it is for, and its members (Practitioner ids).
pub(crate) struct Team {
    pub id: &'static str,
    pub patient: &'static str,
    pub name: &'static str,
    pub organisation: &'static str,
    pub members: &'static [&'static str],
}

pub(crate) const TEAMS: [Team; 10] = [
    Team {
        id: "demo-ct-bouchard",
        patient: HEART_FAILURE,
        name: "Télésurveillance — insuffisance cardiaque",
        organisation: "demo-org-lafontaine",
        members: &[NURSE_MONITORING, CARDIOLOGIST],
    },
    Team {
        id: "demo-ct-lefebvre",
        patient: HYPERTENSION,
        name: "Télésurveillance — hypertension",
        organisation: "demo-org-lafontaine",
        members: &[NURSE_MONITORING],
    },
    Team {
        id: "demo-ct-ouellet",
        patient: COPD,
        name: "Télésurveillance — MPOC",
        organisation: "demo-org-lafontaine",
        members: &[NURSE_MONITORING, CARDIOLOGIST],
    },
    Team {
        id: "demo-ct-leblanc",
        patient: DIABETES,
        name: "Télésurveillance — diabète",
        organisation: "demo-org-riviere",
        members: &[NURSE_PIVOT, FAMILY_PHYSICIAN],
    },
    Team {
        id: "demo-ct-gagne",
        patient: DERMATOLOGY_NEW,
        name: "Médecine familiale",
        organisation: "demo-org-riviere",
        members: &[FAMILY_PHYSICIAN],
    },
    Team {
        id: "demo-ct-cote",
        patient: DERMATOLOGY_CLAIMED,
        name: "Médecine familiale",
        organisation: "demo-org-riviere",
        members: &[FAMILY_PHYSICIAN],
    },
    Team {
        id: "demo-ct-paquette",
        patient: LONG_TERM_CARE,
        name: "CHSLD des Érables — unité Les Pins",
        organisation: "demo-org-riviere",
        members: &[LTC_NURSE, FAMILY_PHYSICIAN],
    },
    Team {
        id: "demo-ct-poirier",
        patient: HAND,
        name: "Téléréadaptation — main",
        organisation: "demo-org-riviere",
        members: &[HAND_THERAPIST],
    },
    Team {
        id: "demo-ct-belanger",
        patient: ONCOLOGY,
        name: "Oncologie — suivi par l'IPO",
        organisation: "demo-org-riviere",
        members: &[NURSE_PIVOT, FAMILY_PHYSICIAN],
    },
    Team {
        id: "demo-ct-berube",
        patient: TELECONSULTATION,
        name: "Médecine familiale",
        organisation: "demo-org-riviere",
        members: &[FAMILY_PHYSICIAN],
    },
];

/// The full name of the patient `id`, for the accounts table.
pub(crate) fn patient_name(id: &str) -> String {
    PATIENTS
        .iter()
        .find(|p| p.id == id)
        .map_or_else(|| id.to_owned(), |p| format!("{} {}", p.given, p.family))
}
