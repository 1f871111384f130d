-- Hot write lists commit as one statement of data-modifying CTEs (storage/writes.rs).
-- Its final select calls this for the first guard that changed nothing: the error
-- rolls the whole statement back and names the guard.
create or replace function ninsho_refuse(guard integer) returns integer
language plpgsql volatile as $$
begin
  raise exception using errcode = 'NSG01', message = guard::text;
end
$$;
