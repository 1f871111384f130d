-- The outbox message carrying a challenge's latest code: a resend supersedes it while
-- it still waits (a failing gateway), so a replaced code is never sent and the send is
-- not charged twice.
alter table challenges add column code_message_id blob;
