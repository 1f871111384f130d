-- The zone an account's times are shown in (an IANA name); null follows the default
-- (the operator's, else the account language's).
alter table accounts add column time_zone text;
