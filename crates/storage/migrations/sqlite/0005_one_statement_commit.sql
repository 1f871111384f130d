-- PostgreSQL only (a function for one-statement commits). SQLite commits through its
-- group commit; this file keeps the two migration lists in step.
select 1;
