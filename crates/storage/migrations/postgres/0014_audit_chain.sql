-- F-OPS-6: the security log as a hash chain. Each event gets its place (seq), the
-- hash of the event before it and its own hash (storage `chain`). Events are inserted
-- as before, without these; a chainer (`chain_impl::chain_pending`, run by every
-- instance after commits, by the checkpoint and by `ninsho admin audit verify`) gives
-- committed events their place in its own transaction, in the order (at, id). SQL here
-- cannot compute the hash on SQLite, and one implementation is one encoding: rows
-- written before this migration are chained by the same code.
alter table events add column seq bigint;
alter table events add column prev_hash bytea;
alter table events add column hash bytea;
create unique index events_seq on events(seq);
-- What the chainer (and an idle instance's look for work) reads: the unchained rows only.
create index events_unchained on events(at, id) where seq is null;

-- The chain's head: one row, locked by the chainer (`for update`), so one chains at
-- a time. `last_at`: the newest `at` chained so far — an unchained row much older than
-- it is not a late commit but one inserted outside the chain, and is left out of it.
-- `checkpoint_at`: when the last signed checkpoint was written, so that of several
-- instances only one writes each period.
create table audit_head (
    id integer primary key check (id = 1),
    last_seq bigint not null,
    last_hash bytea not null,
    last_at bigint not null,
    checkpoint_at bigint not null
);
insert into audit_head (id, last_seq, last_hash, last_at, checkpoint_at) values (1, 0, decode('0000000000000000000000000000000000000000000000000000000000000000', 'hex'), 0, 0);
