-- F-OFF-2: the owner pauses 2SV until this time. Whether a code is asked is computed
-- from it and the clock, so 2SV is back on at the time without any instance running;
-- the column is cleared (guarded on its value) by whichever instance tells the owner.
alter table accounts add column twosv_suspended_until bigint;
-- The pauses whose time has come, for the sweep that tells their end.
create index accounts_twosv_suspended on accounts (twosv_suspended_until) where twosv_suspended_until is not null;
