-- F-OPS-6: the security log as a hash chain. Each event gets its place (seq), the
-- hash of the event before it and its own hash (storage `chain`). Rows written before
-- this migration are chained at the first start after it, in the order they were
-- written (at, id), by the same code that chains new ones: SQL here cannot compute
-- the hash on SQLite, and one implementation is one encoding.
alter table events add column seq integer;
alter table events add column prev_hash blob;
alter table events add column hash blob;
create unique index events_seq on events(seq);

-- The chain's head: one row, advanced by every transaction that appends (SQLite has
-- one writer, so the chain's order is the commit order). `checkpoint_at`: when the
-- last signed checkpoint was written, so that of several processes only one writes
-- each period.
create table audit_head (
    id integer primary key check (id = 1),
    last_seq integer not null,
    last_hash blob not null,
    checkpoint_at integer not null
);
insert into audit_head (id, last_seq, last_hash, checkpoint_at) values (1, 0, zeroblob(32), 0);

-- The bench's baseline for chained event writes: the same row into a table of the
-- same shape and indexes, without the head (its seq is not unique: every baseline
-- row has seq 0).
create table bench_events (
    id blob primary key,
    account_id blob,
    at integer not null,
    kind text not null,
    ip text,
    user_agent text,
    device_hash blob,
    detail text not null,
    unfamiliar boolean not null,
    seq integer,
    prev_hash blob,
    hash blob
);
create index bench_events_account on bench_events(account_id, at);
create index bench_events_account_kind_device on bench_events(account_id, kind, device_hash);
create index bench_events_account_kind_at on bench_events(account_id, kind, at);
create index bench_events_seq on bench_events(seq);
