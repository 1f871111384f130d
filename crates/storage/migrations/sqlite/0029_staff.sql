-- F-SUP-1: support staff. Each member is an account the operator created for the
-- work, with a role that decides what it may do at /support. A removed member keeps
-- its row (removed_at), so the security log's names stay explained.
create table staff (
    account_id blob primary key references accounts (id),
    role text not null,
    added_by text not null,
    added_at integer not null,
    removed_at integer
);
