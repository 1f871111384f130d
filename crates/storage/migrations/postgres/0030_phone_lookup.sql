-- F-SUP-1: support finds an account by a phone number its owner gives.
create index factors_phone on factors (phone) where phone is not null;

-- F-SUP-1: the staff log reads every member's actions, newest first (removed
-- members' too).
create index events_staff_acted on events (at) where kind = 'staff_acted';
