-- A patient's own view of who accessed their record ("who saw my chart", the patient portal),
-- and the privacy officer's review of one patient's accesses, read the trail by patient, newest
-- first: without this index each would scan the whole trail. Partial: sign-ins and other records
-- about no patient are not indexed.
CREATE INDEX audit_log_patient ON audit_log (patient_id, seq) WHERE patient_id IS NOT NULL;
