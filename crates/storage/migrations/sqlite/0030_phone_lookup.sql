-- F-SUP-1: support finds an account by a phone number its owner gives.
create index factors_phone on factors (phone) where phone is not null;
