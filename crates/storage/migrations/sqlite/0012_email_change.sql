-- F-ACC-6: the new address a change-of-address challenge proves. It stays here, not
-- on the account, until the right code is entered: the old address keeps working.
alter table challenges add column new_email text;
