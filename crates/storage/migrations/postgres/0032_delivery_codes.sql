-- F-DLV-2…4: a delivery keeps its own code. It was a 'delivery' challenge beside the
-- delivery: one row, three index entries and two reference checks more per shipment,
-- for a code that must answer no challenge endpoint anyway (F-DLV-4). The code's hash,
-- expiry, wrong tries, latest message and deny move onto the delivery; a message
-- names the delivery it carries a code for. A code issued before keeps working: its
-- hash stays keyed with its challenge's id (`code_hashed_with`), and the deny link of
-- its message, which names that challenge, finds the delivery by it.
alter table deliveries
    add column code_hash bytea,
    add column code_expires_at bigint,
    add column attempts bigint not null default 0,
    add column code_message_id uuid,
    add column code_denied_at bigint,
    add column code_hashed_with uuid;
update deliveries d set code_hash = c.code_hash, code_expires_at = c.code_expires_at, attempts = c.attempts,
        code_message_id = c.code_message_id, code_denied_at = c.cancelled_at, code_hashed_with = c.id
    from challenges c where c.id = d.challenge_id;
alter table outbox add column delivery_id uuid;
update outbox o set delivery_id = d.id, challenge_id = null from deliveries d where o.challenge_id = d.challenge_id;
alter table deliveries drop column challenge_id;
create index deliveries_hashed_with on deliveries (code_hashed_with) where code_hashed_with is not null;
-- A code denied before: the delivery is held, as a deny now does.
update deliveries set status = 'held' where status = 'pending' and code_denied_at is not null;
delete from challenges where purpose = 'delivery';
