-- F-MSG-2: the text that was really sent, sealed, kept as the message-center record.
alter table outbox add column body bytea;
create index outbox_account on outbox(account_id, created_at);
-- F-MSG-1: sign-in alerts for a new browser or device, switchable by the user.
alter table accounts add column signin_alerts boolean not null default false;
