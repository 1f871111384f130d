-- One row rewritten by the readiness check after a write failed for want of space: it
-- tells when the database takes writes again.
create table health_probe (id bigint primary key, at bigint not null);
