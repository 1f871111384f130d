begin;
insert into bench_commits (at) values (1);
commit;
