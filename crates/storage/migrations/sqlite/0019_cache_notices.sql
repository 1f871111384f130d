-- What one process's commits made stale in the others' session caches (F-INT-2).
-- One writer at a time, so `seq` is commit order: a reader that has seen every seq up
-- to n has seen every such change committed before its read began. Old rows are
-- pruned; a reader that finds a gap forgets everything it cached.
create table cache_notices (
    seq integer primary key autoincrement,
    notice text not null
);
