-- F-LIMIT-3: when the owner was last told that sign-in codes kept coming without a
-- sign-in; a guarded update of it lets one warning a window through, however many
-- sends race.
alter table accounts add column codes_warned_at bigint;
