-- What a shopper wrote (optionally) after turning 2SV off, removing a method or
-- signing out everywhere, for support to read (`ninsho admin feedback`).
create table feedback (
    id uuid primary key,
    account_id uuid not null references accounts(id) on delete cascade,
    at bigint not null,
    topic text not null,
    body text not null
);
create index feedback_at on feedback(at);
