-- PostgreSQL tells the other instances what a commit made stale with NOTIFY, in the
-- commit itself (see the session cache); nothing is stored. The number is kept in step
-- with SQLite's migration of the same name.
select 1;
