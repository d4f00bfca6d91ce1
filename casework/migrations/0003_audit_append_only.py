from django.db import migrations

# The audit trail is append-only for everyone who connects as the application: the database
# itself refuses to change or remove a row, whatever the code does.
FORBID = """
CREATE FUNCTION caminos_audit_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit trail is append-only: % is not allowed on casework_auditevent', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON casework_auditevent
    FOR EACH ROW EXECUTE FUNCTION caminos_audit_is_append_only();
"""

ALLOW = """
DROP TRIGGER IF EXISTS audit_append_only ON casework_auditevent;
DROP FUNCTION IF EXISTS caminos_audit_is_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("casework", "0002_peru_locations")]

    operations = [migrations.RunSQL(FORBID, ALLOW)]
