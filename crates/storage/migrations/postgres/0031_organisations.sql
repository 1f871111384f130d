-- F-ORG-1: business accounts. Members are accounts with a role (owner, admin, staff),
-- invited by e-mail with a single-use token kept only as its hash. `version` is bumped
-- by every change to the members' roles, so changes queue behind each other and the
-- last owner can never be taken away by two changes at once.
create table organisations (
    id uuid primary key,
    name text not null,
    created_by uuid not null references accounts (id),
    created_at bigint not null,
    version bigint not null default 0
);
create table org_members (
    org_id uuid not null references organisations (id),
    account_id uuid not null references accounts (id),
    role text not null,
    joined_at bigint not null,
    primary key (org_id, account_id)
);
create index org_members_account on org_members (account_id);
create table org_invitations (
    id uuid primary key,
    org_id uuid not null references organisations (id),
    email text not null,
    role text not null,
    token_hash bytea not null unique,
    invited_by uuid not null references accounts (id),
    created_at bigint not null,
    expires_at bigint not null,
    accepted_at bigint,
    accepted_by uuid references accounts (id)
);
create index org_invitations_org on org_invitations (org_id, created_at);
-- The activity log: who (actor) did what to whom (subject, or the address invited).
create table org_events (
    id uuid primary key,
    org_id uuid not null references organisations (id),
    at bigint not null,
    kind text not null,
    actor_id uuid not null references accounts (id),
    subject_id uuid references accounts (id),
    subject_email text,
    detail text not null
);
create index org_events_org on org_events (org_id, at);
