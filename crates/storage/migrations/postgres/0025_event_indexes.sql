-- Every event was entered in five indexes besides its key; most kinds need two. The
-- sign-in risk checks ask about one kind each ('sign_in' by device, 'wrong_password'
-- by time), so each gets an index of that kind's rows only, and an event of any other
-- kind (a code sent for each parcel of a bulk import) is not entered in them.
drop index events_account_kind_device;
drop index events_account_kind_at;
create index events_sign_in_device on events(account_id, device_hash) where kind = 'sign_in';
create index events_wrong_password_at on events(account_id, at) where kind = 'wrong_password';
-- The chain's places: only chained rows have one. An unchained row (seq null) is no
-- longer entered here, and "seq is null" can only be answered from events_unchained,
-- in (at, id) order: with nulls in this index a planner without statistics read every
-- unchained row through it and sorted them, on each batch of the chainer — a backlog
-- (a bulk import) made each batch slower.
drop index events_seq;
create unique index events_seq on events(seq) where seq is not null;
