-- F-OFF-3/4: reset requests of locked-out users, reviewed by support. The identity
-- document is sealed (XChaCha20-Poly1305) and deleted with the decision.
create table reset_requests (
    id blob primary key,
    account_id blob not null references accounts(id) on delete cascade,
    created_at integer not null,
    status text not null,
    doc_type text not null,
    doc_kind text not null,
    doc_bytes integer not null,
    document blob,
    decided_at integer,
    reason text,
    reviewer text,
    ip text
);
-- One open request per account.
create unique index reset_requests_one_pending on reset_requests(account_id) where status = 'pending';
create index reset_requests_status on reset_requests(status, created_at);
