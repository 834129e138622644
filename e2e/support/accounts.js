// The accounts the global setup creates (all with PASSWORD). Staff must set up a second factor
// on their first sign-in; each staff account is used by one test only, which does that.
// `practitioner` links the account to a new FHIR Practitioner of that name; `careTeam` puts it
// on the patient's care team.
export const PASSWORD = 'Bonjour-le-monde-42';

export const ACCOUNTS = [
  { key: 'patient', email: 'lea.gagne@example.org', name: 'Léa Gagné', role: 'patient', ownRecord: true },
  { key: 'newcomer', email: 'nouveau@example.org', name: 'Marc Tremblay', role: 'patient', record: ['Marc', 'Tremblay'] },
  { key: 'nurse', email: 'infirmiere@cisss.example', name: 'Camille Roy', role: 'nurse' },
  // The two nurses of Léa's home-care team, who share a work queue.
  { key: 'queue-nurse-a', email: 'ines.morin@cisss.example', name: 'Inès Morin', role: 'nurse', practitioner: ['Inès', 'Morin'], careTeam: true },
  { key: 'queue-nurse-b', email: 'samuel.cote@cisss.example', name: 'Samuel Côté', role: 'nurse', practitioner: ['Samuel', 'Côté'], careTeam: true },
  { key: 'admin', email: 'admin@cisss.example', name: 'Julie Fortin', role: 'administrator' },
  { key: 'physician', email: 'medecin@cisss.example', name: 'Dre Amina Haddad', role: 'physician' },
];

export function account(key) {
  return ACCOUNTS.find((a) => a.key === key);
}
