-- F-OFF-3/4: reset requests of locked-out users, reviewed by support. The identity
-- document is sealed (XChaCha20-Poly1305) and deleted with the decision.
create table reset_requests (
    id uuid primary key,
    account_id uuid not null references accounts(id) on delete cascade,
    created_at bigint not null,
    status text not null,
    doc_type text not null,
    doc_kind text not null,
    doc_bytes bigint not null,
    document bytea,
    decided_at bigint,
    reason text,
    reviewer text,
    ip text
);
-- One open request per account.
create unique index reset_requests_one_pending on reset_requests(account_id) where status = 'pending';
create index reset_requests_status on reset_requests(status, created_at);
