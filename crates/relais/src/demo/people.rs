//! The demo world's people: its staff (one or more of every role, each with a Practitioner,
//! a PractitionerRole and an account) and its twelve patients, all invented. The `*.example`
//! email domains cannot reach anyone; the health-card numbers are shaped like Quebec ones
//! (4 letters, 8 digits) but sit under a demo identifier system.

use relais_access::policy::Role;

/// A staff member: a Practitioner, a PractitionerRole and an account.
pub(crate) struct Staff {
    /// The Practitioner id (and the key other tables use).
    pub id: &'static str,
    pub prefix: Option<&'static str>,
    pub given: &'static str,
    pub family: &'static str,
    pub gender: &'static str,
    pub email: &'static str,
    pub role: Role,
    /// The account role's specialty (a code), for a specialist.
    pub specialty: Option<&'static str>,
    /// The PractitionerRole's code, as shown (French, the default language).
    pub title: &'static str,
    /// The PractitionerRole's specialty, as shown.
    pub specialty_text: Option<&'static str>,
    /// `None` for the court, which is no part of either health centre.
    pub organisation: Option<&'static str>,
    pub site: Option<&'static str>,
}

const fn staff(
    id: &'static str,
    prefix: Option<&'static str>,
    (given, family, gender): (&'static str, &'static str, &'static str),
    email: &'static str,
    role: Role,
    (title, specialty_text): (&'static str, Option<&'static str>),
    (organisation, site): (Option<&'static str>, Option<&'static str>),
) -> Staff {
    Staff {
        id,
        prefix,
        given,
        family,
        gender,
        email,
        role,
        specialty: None,
        title,
        specialty_text,
        organisation,
        site,
    }
}

const CUSL: (Option<&str>, Option<&str>) =
    (Some("demo-org-lafontaine"), Some("demo-site-lafontaine-telesante"));
const CUSL_HOSPITAL: (Option<&str>, Option<&str>) =
    (Some("demo-org-lafontaine"), Some("demo-site-lafontaine-hopital"));
const CSRRS: (Option<&str>, Option<&str>) = (Some("demo-org-riviere"), Some("demo-site-riviere-hopital"));
const CHSLD: (Option<&str>, Option<&str>) = (Some("demo-org-riviere"), Some("demo-site-riviere-chsld"));
const COURT: (Option<&str>, Option<&str>) = (None, None);

pub(crate) const NURSE_MONITORING: &str = "demo-pr-lavoie";
pub(crate) const NURSE_PIVOT: &str = "demo-pr-bergeron";
pub(crate) const CARDIOLOGIST: &str = "demo-pr-haddad";
pub(crate) const FAMILY_PHYSICIAN: &str = "demo-pr-girard";
pub(crate) const DERMATOLOGIST: &str = "demo-pr-nguyen";
pub(crate) const NEUROLOGIST: &str = "demo-pr-pelletier";
pub(crate) const HAND_THERAPIST: &str = "demo-pr-roy";
pub(crate) const LTC_NURSE: &str = "demo-pr-cloutier";
pub(crate) const INFECTION_CONTROL: &str = "demo-pr-gauthier";
pub(crate) const JUDGE: &str = "demo-pr-beaulieu";
pub(crate) const CLERK: &str = "demo-pr-fortin";
pub(crate) const LAWYER: &str = "demo-pr-caron";

pub(crate) fn staff_members() -> Vec<Staff> {
    vec![
        staff(
            NURSE_MONITORING,
            None,
            ("Marie-Ève", "Lavoie", "female"),
            "marie-eve.lavoie@lafontaine.example",
            Role::Nurse,
            ("Infirmière en télésurveillance", Some("Insuffisance cardiaque, MPOC, hypertension")),
            CUSL,
        ),
        staff(
            NURSE_PIVOT,
            None,
            ("Julie", "Bergeron", "female"),
            "julie.bergeron@riviere-sables.example",
            Role::Nurse,
            ("Infirmière pivot en oncologie (IPO)", Some("Oncologie")),
            CSRRS,
        ),
        staff(
            CARDIOLOGIST,
            Some("Dr"),
            ("Karim", "Haddad", "male"),
            "karim.haddad@lafontaine.example",
            Role::Physician,
            ("Médecin", Some("Cardiologie")),
            CUSL_HOSPITAL,
        ),
        staff(
            FAMILY_PHYSICIAN,
            Some("Dr"),
            ("Antoine", "Girard", "male"),
            "antoine.girard@riviere-sables.example",
            Role::Physician,
            ("Médecin de famille", Some("Médecine familiale")),
            CSRRS,
        ),
        Staff {
            specialty: Some("dermatology"),
            ..staff(
                DERMATOLOGIST,
                Some("Dre"),
                ("Sophie", "Nguyen", "female"),
                "sophie.nguyen@lafontaine.example",
                Role::Specialist,
                ("Dermatologue consultante", Some("Dermatologie")),
                CUSL_HOSPITAL,
            )
        },
        staff(
            NEUROLOGIST,
            Some("Dr"),
            ("Mathieu", "Pelletier", "male"),
            "mathieu.pelletier@lafontaine.example",
            Role::OnCallNeurologist,
            ("Neurologue de garde (télé-AVC)", Some("Neurologie")),
            CUSL_HOSPITAL,
        ),
        staff(
            HAND_THERAPIST,
            None,
            ("Catherine", "Roy", "female"),
            "catherine.roy@riviere-sables.example",
            Role::Therapist,
            ("Ergothérapeute (réadaptation de la main)", Some("Réadaptation de la main")),
            CSRRS,
        ),
        staff(
            LTC_NURSE,
            None,
            ("Nadia", "Cloutier", "female"),
            "nadia.cloutier@riviere-sables.example",
            Role::LongTermCareStaff,
            ("Infirmière auxiliaire en CHSLD", None),
            CHSLD,
        ),
        staff(
            INFECTION_CONTROL,
            None,
            ("Luc", "Gauthier", "male"),
            "luc.gauthier@riviere-sables.example",
            Role::InfectionControl,
            ("Conseiller en prévention des infections", None),
            CSRRS,
        ),
        staff(
            JUDGE,
            None,
            ("Louise", "Beaulieu", "female"),
            "louise.beaulieu@tribunal.example",
            Role::Judge,
            ("Juge (tribunal fictif)", None),
            COURT,
        ),
        staff(
            CLERK,
            None,
            ("Éric", "Fortin", "male"),
            "eric.fortin@tribunal.example",
            Role::CourtClerk,
            ("Greffier (tribunal fictif)", None),
            COURT,
        ),
        staff(
            LAWYER,
            Some("Me"),
            ("Isabelle", "Caron", "female"),
            "isabelle.caron@avocats.example",
            Role::Lawyer,
            ("Avocate de la personne concernée", None),
            COURT,
        ),
        staff(
            "demo-pr-dube",
            None,
            ("Hélène", "Dubé", "female"),
            "helene.dube@lafontaine.example",
            Role::PrivacyOfficer,
            ("Responsable de la protection des renseignements personnels", None),
            CUSL_HOSPITAL,
        ),
        staff(
            "demo-pr-morin",
            None,
            ("Simon", "Morin", "male"),
            "simon.morin@lafontaine.example",
            Role::Administrator,
            ("Administrateur de la plateforme", None),
            CUSL_HOSPITAL,
        ),
    ]
}

/// A patient: a Patient resource and an account.
pub(crate) struct Patient {
    pub id: &'static str,
    pub given: &'static str,
    pub family: &'static str,
    pub gender: &'static str,
    pub birth_date: &'static str,
    /// Shaped like a Quebec health-card number (4 letters, 8 digits), under a demo system.
    pub health_card: &'static str,
    /// BCP 47.
    pub language: &'static str,
    pub email: &'static str,
    pub city: &'static str,
    pub organisation: &'static str,
    /// What the patient is followed for, shown in the accounts table.
    pub story: &'static str,
}

pub(crate) const HEART_FAILURE: &str = "demo-pat-bouchard";
pub(crate) const HYPERTENSION: &str = "demo-pat-lefebvre";
pub(crate) const COPD: &str = "demo-pat-ouellet";
pub(crate) const DIABETES: &str = "demo-pat-leblanc";
pub(crate) const DERMATOLOGY_NEW: &str = "demo-pat-gagne";
pub(crate) const DERMATOLOGY_CLAIMED: &str = "demo-pat-cote";
pub(crate) const LONG_TERM_CARE: &str = "demo-pat-paquette";
pub(crate) const HAND: &str = "demo-pat-poirier";
pub(crate) const ONCOLOGY: &str = "demo-pat-belanger";
pub(crate) const STROKE: &str = "demo-pat-lapointe";
pub(crate) const HEARING: &str = "demo-pat-dion";
pub(crate) const TELECONSULTATION: &str = "demo-pat-berube";

const fn patient(
    id: &'static str,
    (given, family, gender): (&'static str, &'static str, &'static str),
    (birth_date, health_card, language): (&'static str, &'static str, &'static str),
    email: &'static str,
    (city, organisation): (&'static str, &'static str),
    story: &'static str,
) -> Patient {
    Patient { id, given, family, gender, birth_date, health_card, language, email, city, organisation, story }
}

const MONTREAL: (&str, &str) = ("Montréal", "demo-org-lafontaine");
const REGION: (&str, &str) = ("Val-des-Sables", "demo-org-riviere");

pub(crate) const PATIENTS: [Patient; 12] = [
    patient(
        HEART_FAILURE,
        ("Gérard", "Bouchard", "male"),
        ("1947-03-12", "BOUG47031218", "fr-CA"),
        "gerard.bouchard@courriel.example",
        MONTREAL,
        "insuffisance cardiaque, télésurveillance (6 semaines, gain de poids récent)",
    ),
    patient(
        HYPERTENSION,
        ("Monique", "Lefebvre", "female"),
        ("1956-09-04", "LEFM56590412", "fr-CA"),
        "monique.lefebvre@courriel.example",
        MONTREAL,
        "hypertension, télésurveillance (4 semaines)",
    ),
    patient(
        COPD,
        ("Raymond", "Ouellet", "male"),
        ("1953-01-27", "OUER53012714", "fr-CA"),
        "raymond.ouellet@courriel.example",
        MONTREAL,
        "MPOC, télésurveillance (mesures manquantes depuis 2 jours)",
    ),
    patient(
        DIABETES,
        ("Patrick", "Leblanc", "male"),
        ("1973-06-18", "LEBP73061816", "en-CA"),
        "patrick.leblanc@courriel.example",
        REGION,
        "diabète, glycémies (4 semaines)",
    ),
    patient(
        DERMATOLOGY_NEW,
        ("Léa", "Gagné", "female"),
        ("1991-11-02", "GAGL91610219", "fr-CA"),
        "lea.gagne@courriel.example",
        REGION,
        "télédermatologie, demande non assignée",
    ),
    patient(
        DERMATOLOGY_CLAIMED,
        ("Yves", "Côté", "male"),
        ("1944-05-21", "COTY44052111", "fr-CA"),
        "yves.cote@courriel.example",
        REGION,
        "télédermatologie, prise en charge par la dermatologue",
    ),
    patient(
        LONG_TERM_CARE,
        ("Thérèse", "Paquette", "female"),
        ("1936-08-15", "PAQT36581513", "fr-CA"),
        "therese.paquette@courriel.example",
        REGION,
        "résidente en CHSLD, surveillance quotidienne",
    ),
    patient(
        HAND,
        ("Jacques", "Poirier", "male"),
        ("1981-02-09", "POIJ81020917", "fr-CA"),
        "jacques.poirier@courriel.example",
        REGION,
        "réimplantation de la main, téléréadaptation",
    ),
    patient(
        ONCOLOGY,
        ("Suzanne", "Bélanger", "female"),
        ("1967-12-30", "BELS67623010", "fr-CA"),
        "suzanne.belanger@courriel.example",
        REGION,
        "oncologie, ESAS-r, rencontre virtuelle à venir",
    ),
    patient(
        STROKE,
        ("Denis", "Lapointe", "male"),
        ("1960-04-11", "LAPD60041115", "fr-CA"),
        "denis.lapointe@courriel.example",
        REGION,
        "télé-AVC (thrombolyse il y a 2 jours), suivi",
    ),
    patient(
        HEARING,
        ("Nathalie", "Dion", "female"),
        ("1984-07-23", "DION84572312", "fr-CA"),
        "nathalie.dion@courriel.example",
        MONTREAL,
        "audience à distance (garde en établissement)",
    ),
    patient(
        TELECONSULTATION,
        ("Camille", "Bérubé", "female"),
        ("1997-10-05", "BERC97600519", "en-CA"),
        "camille.berube@courriel.example",
        REGION,
        "téléconsultation demain",
    ),
];
