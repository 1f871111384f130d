create table accounts (
    id uuid primary key,
    email text not null unique,
    password_hash text not null,
    locale text not null,
    created_at bigint not null,
    email_verified_at bigint,
    last_sign_in_at bigint,
    credentials_changed_at bigint,
    twosv_enabled_at bigint,
    preferred_factor uuid
);

create table factors (
    id uuid primary key,
    account_id uuid not null references accounts(id) on delete cascade,
    kind text not null,
    phone text,
    channel text,
    secret bytea,
    created_at bigint not null,
    verified_at bigint,
    last_used_step bigint,
    failed_count bigint not null default 0,
    disabled_at bigint,
    replaces uuid
);
create index factors_account on factors(account_id);

create table backup_codes (
    account_id uuid not null references accounts(id) on delete cascade,
    code_hash bytea not null,
    used_at bigint,
    primary key (account_id, code_hash)
);

create table challenges (
    id uuid primary key,
    account_id uuid not null references accounts(id) on delete cascade,
    purpose text not null,
    factor_id uuid,
    code_hash bytea,
    code_expires_at bigint,
    created_at bigint not null,
    expires_at bigint not null,
    attempts bigint not null default 0,
    consumed_at bigint,
    cancelled_at bigint,
    session_id uuid,
    ip text,
    user_agent text,
    device_name text
);
create index challenges_account on challenges(account_id, purpose, created_at);

create table sessions (
    id uuid primary key,
    account_id uuid not null references accounts(id) on delete cascade,
    token_hash bytea not null unique,
    created_at bigint not null,
    last_seen_at bigint not null,
    expires_at bigint not null,
    ip text,
    user_agent text,
    device_name text,
    stepped_up_at bigint,
    revoked_at bigint
);
create index sessions_account on sessions(account_id);

create table trusted_browsers (
    id uuid primary key,
    account_id uuid not null references accounts(id) on delete cascade,
    token_hash bytea not null unique,
    device_hash bytea not null,
    user_agent text,
    created_at bigint not null,
    expires_at bigint not null,
    last_used_at bigint,
    revoked_at bigint
);
create index trusted_browsers_account on trusted_browsers(account_id);

create table events (
    id uuid primary key,
    account_id uuid,
    at bigint not null,
    kind text not null,
    ip text,
    user_agent text,
    device_hash bytea,
    detail text not null,
    unfamiliar boolean not null
);
create index events_account on events(account_id, at);

create table outbox (
    id uuid primary key,
    account_id uuid,
    template text not null,
    channel text not null,
    destination text not null,
    locale text not null,
    payload bytea not null,
    created_at bigint not null,
    quota_keys text not null,
    status text not null default 'pending',
    attempts bigint not null default 0,
    next_attempt_at bigint not null,
    lease_until bigint,
    sent_at bigint,
    last_error text
);
create index outbox_due on outbox(status, next_attempt_at);

create table send_quota (
    key text primary key,
    window_start bigint not null,
    count bigint not null
);

create table dev_inbox (
    message_id uuid primary key,
    channel text not null,
    destination text not null,
    body text not null,
    at bigint not null
);

create table bench_commits (
    id bigserial primary key,
    at bigint not null
);
