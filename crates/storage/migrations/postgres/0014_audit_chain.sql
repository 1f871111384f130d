-- F-OPS-6: the security log as a hash chain. Each event gets its place (seq), the
-- hash of the event before it and its own hash (storage `chain`). Rows written before
-- this migration are chained at the first start after it, in the order they were
-- written (at, id), by the same code that chains new ones: SQL here cannot compute
-- the hash on SQLite, and one implementation is one encoding.
alter table events add column seq bigint;
alter table events add column prev_hash bytea;
alter table events add column hash bytea;
create unique index events_seq on events(seq);

-- The chain's head: one row, locked (`for update`) by every transaction that appends,
-- so instances append one at a time and the chain's order is the commit order.
-- `checkpoint_at`: when the last signed checkpoint was written, so that of several
-- instances only one writes each period.
create table audit_head (
    id integer primary key check (id = 1),
    last_seq bigint not null,
    last_hash bytea not null,
    checkpoint_at bigint not null
);
insert into audit_head (id, last_seq, last_hash, checkpoint_at) values (1, 0, decode('0000000000000000000000000000000000000000000000000000000000000000', 'hex'), 0);

-- The bench's baseline for chained event writes: the same row into a table of the
-- same shape and indexes, without the head (its seq is not unique: every baseline
-- row has seq 0).
create table bench_events (
    id uuid primary key,
    account_id uuid,
    at bigint not null,
    kind text not null,
    ip text,
    user_agent text,
    device_hash bytea,
    detail text not null,
    unfamiliar boolean not null,
    seq bigint,
    prev_hash bytea,
    hash bytea
);
create index bench_events_account on bench_events(account_id, at);
create index bench_events_account_kind_device on bench_events(account_id, kind, device_hash);
create index bench_events_account_kind_at on bench_events(account_id, kind, at);
create index bench_events_seq on bench_events(seq);
