-- Account administration (issue 4 "Identity"): two more facts about an account.
--
-- related_person_id: the FHIR RelatedPerson a caregiver account stands for (a resource id in
-- resource_versions; no foreign key, as for practitioner_id and patient_id). Access reads it to
-- find what the patient shares with the caregiver (active Consents naming the RelatedPerson).
--
-- locale: the UI language the person chose, 'fr' or 'en'; NULL until they choose, and the
-- server's default (French) applies. No CHECK: the use-case layer (relais_app::accounts) accepts
-- only the languages the UI has, and a third must not need a table rebuild (SQLite cannot alter
-- a CHECK).
ALTER TABLE accounts ADD COLUMN related_person_id TEXT;
ALTER TABLE accounts ADD COLUMN locale TEXT;
