from django.db import migrations, models

# The sessions table's row count, kept per statement from its transition tables (an ingest
# page's INSERT .. ON CONFLICT counts only the rows it inserted; its updates count none), in the
# schema whose table fired (TG_TABLE_SCHEMA: tenant schemas are cloned from a template, the
# pattern of vouchers' counters). A TRUNCATE forgets the count: the next read counts the table.
COUNT_FUNCTION = """
CREATE FUNCTION accounting_session_count() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    delta bigint;
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        EXECUTE format('DELETE FROM %I.accounting_sessioncount', TG_TABLE_SCHEMA);
        RETURN NULL;
    END IF;
    IF TG_OP = 'INSERT' THEN
        SELECT count(*) INTO delta FROM new_rows;
    ELSE
        SELECT -count(*) INTO delta FROM old_rows;
    END IF;
    IF delta <> 0 THEN
        EXECUTE format(
            'INSERT INTO %I.accounting_sessioncount AS c (key, count) VALUES (''all'', $1)'
            ' ON CONFLICT (key) DO UPDATE SET count = c.count + EXCLUDED.count',
            TG_TABLE_SCHEMA
        ) USING delta;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER session_count_insert AFTER INSERT ON accounting_session
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION accounting_session_count();
CREATE TRIGGER session_count_delete AFTER DELETE ON accounting_session
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT
    EXECUTE FUNCTION accounting_session_count();
CREATE TRIGGER session_count_truncate AFTER TRUNCATE ON accounting_session
    FOR EACH STATEMENT EXECUTE FUNCTION accounting_session_count();
INSERT INTO accounting_sessioncount (key, count) SELECT 'all', count(*) FROM accounting_session;
"""
DROP = """
DROP TRIGGER IF EXISTS session_count_insert ON accounting_session;
DROP TRIGGER IF EXISTS session_count_delete ON accounting_session;
DROP TRIGGER IF EXISTS session_count_truncate ON accounting_session;
DROP FUNCTION IF EXISTS accounting_session_count();
"""


class Migration(migrations.Migration):
    dependencies = [("accounting", "0002_session_stopped")]

    operations = [
        migrations.CreateModel(
            name="SessionCount",
            fields=[
                ("key", models.CharField(max_length=10, primary_key=True, serialize=False)),
                ("count", models.BigIntegerField(default=0)),
            ],
        ),
        migrations.RunSQL(COUNT_FUNCTION, DROP),
    ]
