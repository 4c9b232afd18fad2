"""A message's formatted HTML (parley.wire.formatting), rendered for the
messages stored before it: with the renderer of the code that migrates, in
batches, deleted messages left "" (their text is "")."""

from django.db import migrations, models

from parley.conf import parley_settings
from parley.wire import formatting

# Rows read and written per batch: bounded memory on a large table.
BATCH_ROWS = 500


def render_existing(apps, schema_editor):
    message_model = apps.get_model("parley", "Message")
    max_chars = parley_settings.MESSAGE_HTML_MAX_CHARS
    rows = message_model.objects.filter(deleted_at__isnull=True).exclude(text="")
    last_id = 0
    while True:
        batch = list(rows.filter(pk__gt=last_id).order_by("pk")[:BATCH_ROWS])
        if not batch:
            return
        for message in batch:
            message.html = formatting.render(message.text, max_chars=max_chars)
        message_model.objects.bulk_update(batch, ["html"])
        last_id = batch[-1].pk


class Migration(migrations.Migration):
    dependencies = [("parley", "0007_replies_reactions")]

    operations = [
        migrations.AddField(
            model_name="message",
            name="html",
            field=models.TextField(blank=True, default="", verbose_name="HTML"),
        ),
        migrations.RunPython(render_existing, migrations.RunPython.noop, elidable=True),
    ]
