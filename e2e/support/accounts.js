// The accounts the global setup creates (all with PASSWORD). Staff must set up a second factor
// on their first sign-in; each staff account is used by one test only, which does that.
export const PASSWORD = 'Bonjour-le-monde-42';

export const ACCOUNTS = [
  { key: 'patient', email: 'lea.gagne@example.org', name: 'Léa Gagné', role: 'patient', ownRecord: true },
  { key: 'newcomer', email: 'nouveau@example.org', name: 'Marc Tremblay', role: 'patient' },
  { key: 'nurse', email: 'infirmiere@cisss.example', name: 'Camille Roy', role: 'nurse' },
  { key: 'physician', email: 'medecin@cisss.example', name: 'Dre Amina Haddad', role: 'physician' },
];

export function account(key) {
  return ACCOUNTS.find((a) => a.key === key);
}
