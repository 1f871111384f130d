-- Password tries per e-mail address (as a keyed hash) and per client address: counted
-- before the hash, in the statement that checks the wait (storage/writes.rs).
create table password_throttle (
    key text primary key,
    tries bigint not null,
    window_start bigint not null,
    blocked_until bigint not null
);
