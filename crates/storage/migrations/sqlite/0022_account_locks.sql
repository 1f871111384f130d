-- F-OFF-5: support locks an account while it investigates suspected access. The
-- account row carries the end of the lock in force, read with every session check;
-- account_locks keeps every lock, who set and who ended it (or that time did).
alter table accounts add column locked_until integer;
create table account_locks (
    id blob primary key,
    account_id blob not null references accounts (id),
    reason text not null,
    locked_by text not null,
    locked_at integer not null,
    until integer not null,
    ended_at integer,
    ended_by text
);
-- At most one lock in force per account.
create unique index account_locks_open on account_locks (account_id) where ended_at is null;
-- The locks whose time has come, for whichever instance ends them first.
create index account_locks_due on account_locks (until) where ended_at is null;
