-- F-OFF-5: support locks an account while it investigates suspected access. The
-- account row carries the end of the lock in force, read with every session check;
-- account_locks keeps every lock, who set and who ended it (or that time did).
alter table accounts add column locked_until bigint;
create table account_locks (
    id uuid primary key,
    account_id uuid not null references accounts (id),
    reason text not null,
    locked_by text not null,
    locked_at bigint not null,
    until bigint not null,
    ended_at bigint,
    ended_by text
);
-- At most one lock in force per account.
create unique index account_locks_open on account_locks (account_id) where ended_at is null;
-- The locks whose time has come, for whichever instance ends them first.
create index account_locks_due on account_locks (until) where ended_at is null;
