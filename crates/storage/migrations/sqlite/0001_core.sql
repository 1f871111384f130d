create table accounts (
    id blob primary key,
    email text not null unique,
    password_hash text not null,
    locale text not null,
    created_at integer not null,
    email_verified_at integer,
    last_sign_in_at integer,
    credentials_changed_at integer,
    twosv_enabled_at integer,
    preferred_factor blob
);

create table factors (
    id blob primary key,
    account_id blob not null references accounts(id) on delete cascade,
    kind text not null,
    phone text,
    channel text,
    secret blob,
    created_at integer not null,
    verified_at integer,
    last_used_step integer,
    failed_count integer not null default 0,
    disabled_at integer,
    replaces blob
);
create index factors_account on factors(account_id);

create table backup_codes (
    account_id blob not null references accounts(id) on delete cascade,
    code_hash blob not null,
    used_at integer,
    primary key (account_id, code_hash)
);

create table challenges (
    id blob primary key,
    account_id blob not null references accounts(id) on delete cascade,
    purpose text not null,
    factor_id blob,
    code_hash blob,
    code_expires_at integer,
    created_at integer not null,
    expires_at integer not null,
    attempts integer not null default 0,
    consumed_at integer,
    cancelled_at integer,
    session_id blob,
    ip text,
    user_agent text,
    device_name text
);
create index challenges_account on challenges(account_id, purpose, created_at);

create table sessions (
    id blob primary key,
    account_id blob not null references accounts(id) on delete cascade,
    token_hash blob not null unique,
    created_at integer not null,
    last_seen_at integer not null,
    expires_at integer not null,
    ip text,
    user_agent text,
    device_name text,
    stepped_up_at integer,
    revoked_at integer
);
create index sessions_account on sessions(account_id);

create table trusted_browsers (
    id blob primary key,
    account_id blob not null references accounts(id) on delete cascade,
    token_hash blob not null unique,
    device_hash blob not null,
    user_agent text,
    created_at integer not null,
    expires_at integer not null,
    last_used_at integer,
    revoked_at integer
);
create index trusted_browsers_account on trusted_browsers(account_id);

create table events (
    id blob primary key,
    account_id blob,
    at integer not null,
    kind text not null,
    ip text,
    user_agent text,
    device_hash blob,
    detail text not null,
    unfamiliar boolean not null
);
create index events_account on events(account_id, at);

create table outbox (
    id blob primary key,
    account_id blob,
    template text not null,
    channel text not null,
    destination text not null,
    locale text not null,
    payload blob not null,
    created_at integer not null,
    quota_keys text not null,
    status text not null default 'pending',
    attempts integer not null default 0,
    next_attempt_at integer not null,
    lease_until integer,
    sent_at integer,
    last_error text
);
create index outbox_due on outbox(status, next_attempt_at);

create table send_quota (
    key text primary key,
    window_start integer not null,
    count integer not null
);

create table dev_inbox (
    message_id blob primary key,
    channel text not null,
    destination text not null,
    body text not null,
    at integer not null
);

create table bench_commits (
    id integer primary key autoincrement,
    at integer not null
);
