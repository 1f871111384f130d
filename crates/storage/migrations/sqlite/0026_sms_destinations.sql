-- F-LIMIT-4: SMS and voice code sends counted per destination key (a number's prefix,
-- its country, or `global`) and clock hour. The charge that counts a send compares
-- it with the key's baseline (the hours before) in the same statement (ADR 0006).
create table sms_traffic (
    key text not null,
    hour integer not null,
    count integer not null,
    primary key (key, hour)
);

-- A destination whose sends jumped above its baseline, or the hour's spent budget,
-- refused until `until`. A new pause is written only over an ended one, so one
-- refusal of a burst raises the alert.
create table sms_pauses (
    key text primary key,
    until integer not null,
    paused_at integer not null
);
