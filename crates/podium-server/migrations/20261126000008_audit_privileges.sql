-- Least privilege for the audit log: whatever default privileges gave other roles (the runtime
-- role podium_app in the production set-up), they keep only SELECT and INSERT on it. The
-- append-only trigger already refuses changes; this makes the grants say so too.
do $$
declare
    r record;
begin
    for r in
        select distinct grantee from information_schema.role_table_grants
        where table_schema = current_schema() and table_name = 'audit_log'
          and privilege_type in ('UPDATE', 'DELETE', 'TRUNCATE')
          and grantee <> current_user and grantee <> 'PUBLIC'
    loop
        execute format('revoke update, delete, truncate on audit_log from %I', r.grantee);
    end loop;
end
$$;
