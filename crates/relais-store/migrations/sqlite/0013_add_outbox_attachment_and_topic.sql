-- Teleconsultation (issue 6): an invitation email carries its calendar entry (.ics) as an
-- attachment, sealed like the body and dropped with it once sent; and email about one thing
-- (topic: a reference such as Appointment/123) can be withdrawn while unsent, so that the
-- reminders of a cancelled visit are never delivered. Reminders are queued at booking with
-- next_attempt_at at their due time: the sender delivers each once, when it falls due.
ALTER TABLE email_outbox ADD COLUMN attachment_sealed TEXT;
ALTER TABLE email_outbox ADD COLUMN topic TEXT;
CREATE INDEX email_outbox_topic ON email_outbox (topic) WHERE sent_at IS NULL;
