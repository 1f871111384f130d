-- What a shopper wrote (optionally) after turning 2SV off, removing a method or
-- signing out everywhere, for support to read (`ninsho admin feedback`).
create table feedback (
    id blob primary key,
    account_id blob not null references accounts(id) on delete cascade,
    at integer not null,
    topic text not null,
    body text not null
);
create index feedback_at on feedback(at);
