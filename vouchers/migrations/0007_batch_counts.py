from importlib import import_module

from django.db import migrations, models

PREVIOUS_FUNCTION = import_module("vouchers.migrations.0006_voucher_counters").COUNT_FUNCTION

# The function of migration 0006, counting each statement's rows per batch and sync status
# too (vouchers_voucherbatchcount) from the same transition tables. Rows are upserted in key
# order, the global counters first, so two transactions never deadlock on them; a batch's
# rows are removed once its last voucher is deleted.
COUNT_FUNCTION = """
CREATE OR REPLACE FUNCTION vouchers_count() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    r record;
    upsert text := format(
        'INSERT INTO %I.vouchers_vouchercount AS c (key, count) VALUES ($1, $2)'
        ' ON CONFLICT (key) DO UPDATE SET count = c.count + EXCLUDED.count',
        TG_TABLE_SCHEMA
    );
    batch_upsert text := format(
        'INSERT INTO %I.vouchers_voucherbatchcount AS c (batch_id, sync_status, count)'
        ' VALUES ($1, $2, $3) ON CONFLICT (batch_id, sync_status)'
        ' DO UPDATE SET count = c.count + EXCLUDED.count',
        TG_TABLE_SCHEMA
    );
BEGIN
    -- Each branch names only the transition tables its trigger has (plpgsql plans a statement
    -- when it first runs it).
    IF TG_OP = 'INSERT' THEN
        FOR r IN
            SELECT k, count(*) AS d FROM (
                SELECT status AS k FROM new_rows
                UNION ALL SELECT 'sync:' || radius_sync_status FROM new_rows
            ) c GROUP BY k ORDER BY k
        LOOP
            EXECUTE upsert USING r.k, r.d;
        END LOOP;
        FOR r IN
            SELECT batch_id AS b, radius_sync_status AS s, count(*) AS d FROM new_rows
            GROUP BY 1, 2 ORDER BY 1, 2
        LOOP
            EXECUTE batch_upsert USING r.b, r.s, r.d;
        END LOOP;
    ELSIF TG_OP = 'DELETE' THEN
        FOR r IN
            SELECT k, -count(*) AS d FROM (
                SELECT status AS k FROM old_rows
                UNION ALL SELECT 'sync:' || radius_sync_status FROM old_rows
            ) c GROUP BY k ORDER BY k
        LOOP
            EXECUTE upsert USING r.k, r.d;
        END LOOP;
        FOR r IN
            SELECT batch_id AS b, radius_sync_status AS s, -count(*) AS d FROM old_rows
            GROUP BY 1, 2 ORDER BY 1, 2
        LOOP
            EXECUTE batch_upsert USING r.b, r.s, r.d;
        END LOOP;
        EXECUTE format(
            'DELETE FROM %I.vouchers_voucherbatchcount WHERE count = 0'
            ' AND batch_id IN (SELECT DISTINCT batch_id FROM old_rows)',
            TG_TABLE_SCHEMA
        );
    ELSE
        FOR r IN
            SELECT k, sum(d) AS d FROM (
                SELECT status AS k, 1 AS d FROM new_rows
                UNION ALL SELECT 'sync:' || radius_sync_status, 1 FROM new_rows
                UNION ALL SELECT status, -1 FROM old_rows
                UNION ALL SELECT 'sync:' || radius_sync_status, -1 FROM old_rows
            ) c GROUP BY k HAVING sum(d) <> 0 ORDER BY k
        LOOP
            EXECUTE upsert USING r.k, r.d;
        END LOOP;
        FOR r IN
            SELECT b, s, sum(d) AS d FROM (
                SELECT batch_id AS b, radius_sync_status AS s, 1 AS d FROM new_rows
                UNION ALL SELECT batch_id, radius_sync_status, -1 FROM old_rows
            ) c GROUP BY b, s HAVING sum(d) <> 0 ORDER BY b, s
        LOOP
            EXECUTE batch_upsert USING r.b, r.s, r.d;
        END LOOP;
    END IF;
    RETURN NULL;
END $$;
"""
FILL = """
INSERT INTO vouchers_voucherbatchcount (batch_id, sync_status, count)
    SELECT batch_id, radius_sync_status, count(*) FROM vouchers_voucher GROUP BY 1, 2;
"""


class Migration(migrations.Migration):

    dependencies = [
        ("vouchers", "0006_voucher_counters"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="voucher", name="vouchers_vo_batch_i_e25cf6_idx"),
        migrations.AddIndex(
            model_name="voucher",
            index=models.Index(fields=["batch", "id"], name="voucher_batch_order"),
        ),
        migrations.CreateModel(
            name="VoucherBatchCount",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("batch_id", models.BigIntegerField()),
                ("sync_status", models.CharField(choices=[("pending", "Pending"), ("synced", "Synced"), ("failed", "Failed")], max_length=10)),
                ("count", models.BigIntegerField(default=0)),
            ],
            options={
                "constraints": [models.UniqueConstraint(fields=("batch_id", "sync_status"), name="batch_count_key")],
            },
        ),
        # On the way back, 0006's function again (before the table goes).
        migrations.RunSQL(
            COUNT_FUNCTION + FILL,
            PREVIOUS_FUNCTION.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION"),
        ),
    ]
