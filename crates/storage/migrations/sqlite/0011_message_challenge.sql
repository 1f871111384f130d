-- The request (challenge) a code message was sent for, so the authenticity check can
-- tell the owner which sign-in or change a real code belongs to, and whether it is
-- still open (F-MSG-3). Earlier messages have none.
alter table outbox add column challenge_id blob;
