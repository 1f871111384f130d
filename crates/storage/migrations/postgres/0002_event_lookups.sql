-- Sign-in risk rules ask "has this device signed in before?" and "how many wrong
-- passwords lately?" on every sign-in: answer both from an index, not a scan.
create index events_account_kind_device on events(account_id, kind, device_hash);
create index events_account_kind_at on events(account_id, kind, at);
