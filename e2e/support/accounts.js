// The accounts the global setup creates (all with PASSWORD); `careTeam` puts the account's
// Practitioner on the patient's care team, `practitioner` gives it one that is on none, `record`
// gives a patient account a record of its own (a Patient of that name). Staff
// must set up a second factor on their first sign-in; each staff account is used by one test
// only, which does that.
export const PASSWORD = 'Bonjour-le-monde-42';

export const ACCOUNTS = [
  { key: 'patient', email: 'lea.gagne@example.org', name: 'Léa Gagné', role: 'patient', ownRecord: true },
  { key: 'newcomer', email: 'nouveau@example.org', name: 'Marc Tremblay', role: 'patient', record: true },
  { key: 'nurse', email: 'infirmiere@cisss.example', name: 'Camille Roy', role: 'nurse' },
  // The two nurses of Léa's home-care team, who share a work queue.
  { key: 'queue-nurse-a', email: 'ines.morin@cisss.example', name: 'Inès Morin', role: 'nurse', careTeam: true },
  { key: 'queue-nurse-b', email: 'samuel.cote@cisss.example', name: 'Samuel Côté', role: 'nurse', careTeam: true },
  { key: 'admin', email: 'admin@cisss.example', name: 'Julie Fortin', role: 'administrator' },
  // The organisations-and-roles test: a second administrator, and the account whose roles she
  // changes (never signed in).
  { key: 'siteAdmin', email: 'eric.lavoie@cisss.example', name: 'Éric Lavoie', role: 'administrator' },
  { key: 'rolesTarget', email: 'theo.martin@cisss.example', name: 'Théo Martin', role: 'nurse' },
  { key: 'physician', email: 'medecin@cisss.example', name: 'Dre Amina Haddad', role: 'physician' },
  // The chart tests: a nurse on Léa Gagné's care team, and one who is not. Both are
  // Practitioners in the record (the setup creates them).
  { key: 'chartNurse', email: 'julie.bouchard@cisss.example', name: 'Julie Bouchard', role: 'nurse', careTeam: true },
  { key: 'outsider', email: 'marc.lebel@cisss.example', name: 'Marc Lebel', role: 'nurse', practitioner: true },
  // The video visits test: a nurse of Léa Gagné's care team who books and starts her visit.
  { key: 'visitNurse', email: 'nadia.pelletier@cisss.example', name: 'Nadia Pelletier', role: 'nurse', careTeam: true },
  // The video visit test: the physician who hosts the room.
  { key: 'videoHost', email: 'nadia.belanger@cisss.example', name: 'Dre Nadia Bélanger', role: 'physician' },
  // The observer test: the physician who opens the room, and the colleague who observes it.
  { key: 'observedHost', email: 'claire.dion@cisss.example', name: 'Dre Claire Dion', role: 'physician' },
  { key: 'videoObserver', email: 'hugo.lapointe@cisss.example', name: 'Dr Hugo Lapointe', role: 'physician' },
  // Home monitoring: a patient of his own and the nurse of his care team (`homecare`), who
  // enrols him; the programs page is read by the administrator.
  { key: 'homecarePatient', email: 'gerard.roy@example.org', name: 'Gérard Roy', role: 'patient', record: true },
  { key: 'homecareNurse', email: 'lucie.gauthier@cisss.example', name: 'Lucie Gauthier', role: 'nurse', homecare: true },
  // The patient's account from the enrolment email: the nurse who enrols Sophie Bélanger.
  { key: 'welcomeNurse', email: 'rose.pelletier@cisss.example', name: 'Rose Pelletier', role: 'nurse', practitioner: true },
  { key: 'programsAdmin', email: 'paul.girard@cisss.example', name: 'Paul Girard', role: 'administrator' },
  // The triage test: two nurses of Léa Gagné's care team watching the alerts of her home devices.
  { key: 'triage-nurse-a', email: 'chloe.gauthier@cisss.example', name: 'Chloé Gauthier', role: 'nurse', careTeam: true },
  { key: 'triage-nurse-b', email: 'olivier.roy@cisss.example', name: 'Olivier Roy', role: 'nurse', careTeam: true },
  // The walk through every page (every-page.spec.js): a nurse of Léa Gagné's care team and an
  // administrator, each signed in once there.
  { key: 'tourNurse', email: 'emma.caron@cisss.example', name: 'Emma Caron', role: 'nurse', careTeam: true },
  { key: 'tourAdmin', email: 'louis.bergeron@cisss.example', name: 'Louis Bergeron', role: 'administrator' },
  // The cohort test: a nurse of Léa Gagné's care team reading her home-monitoring cohort.
  { key: 'cohort-nurse', email: 'sophie.leblanc@cisss.example', name: 'Sophie Leblanc', role: 'nurse', careTeam: true },
  // The review queue: a nurse of Léa Gagné's care team accepts an implausible pulse as measured.
  { key: 'review-nurse', email: 'maude.cloutier@cisss.example', name: 'Maude Cloutier', role: 'nurse', careTeam: true },
  // The device tokens page: an administrator issues a token for Léa's scale.
  { key: 'devicesAdmin', email: 'karim.haddad@cisss.example', name: 'Karim Haddad', role: 'administrator' },
];

export function account(key) {
  return ACCOUNTS.find((a) => a.key === key);
}
