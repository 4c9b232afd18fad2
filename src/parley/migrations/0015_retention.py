"""An index on a message's creation time: retention's purge reads the
oldest messages first (``parley.services.retention``). On SQLite an index
is added without rebuilding ``parley_message``, so the search triggers of
0010 stay."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("parley", "0014_webhooks")]

    operations = [
        migrations.AddIndex(
            model_name="message",
            index=models.Index(fields=["created_at"], name="parley_message_created"),
        ),
    ]
