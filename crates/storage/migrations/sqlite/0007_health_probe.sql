-- One row rewritten by the readiness check after a write failed for want of space: it
-- tells when the database takes writes again. It carries 64 KiB, so that it needs
-- room a real write would need, not just the free space left in the log.
create table health_probe (id bigint primary key, at bigint not null, pad blob);
