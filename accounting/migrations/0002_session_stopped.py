from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("accounting", "0001_initial")]

    operations = [
        migrations.RemoveIndex(model_name="session", name="session_closed"),
        migrations.AddIndex(
            model_name="session",
            index=models.Index(fields=["-stopped_at", "-id"], name="session_stopped"),
        ),
    ]
