"""Full-text search over messages, per database (parley.services.search).

SQLite: ``parley_message_fts``, an FTS5 external-content table over
``parley_message.text`` (https://sqlite.org/fts5.html, section 4.4.3), kept
up to date by triggers on insert, on update of ``text`` and on delete. The
``unicode61`` tokenizer with ``remove_diacritics 2`` folds case and accents.

PostgreSQL: ``parley_message.search_vector``, a stored generated
``tsvector`` of the text in the ``simple`` configuration (no stemming, so
every language is indexed alike), with a GIN index
(https://www.postgresql.org/docs/current/textsearch-tables.html).

A deleted message's text is "", so it has no words in either index. On
SQLite a later migration that rebuilds ``parley_message`` (Django does for
most column changes) drops its triggers: ``parley.apps`` runs
``SQLITE_TRIGGERS`` again after every ``migrate``.
"""

from django.db import migrations

SQLITE_TABLE = [
    "CREATE VIRTUAL TABLE parley_message_fts USING fts5("
    "text, content='parley_message', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 2')",
]
SQLITE_TRIGGERS = [
    "CREATE TRIGGER IF NOT EXISTS parley_message_fts_insert "
    "AFTER INSERT ON parley_message BEGIN "
    "INSERT INTO parley_message_fts(rowid, text) VALUES (new.id, new.text); END",
    "CREATE TRIGGER IF NOT EXISTS parley_message_fts_delete "
    "AFTER DELETE ON parley_message BEGIN "
    "INSERT INTO parley_message_fts(parley_message_fts, rowid, text) "
    "VALUES ('delete', old.id, old.text); END",
    "CREATE TRIGGER IF NOT EXISTS parley_message_fts_update "
    "AFTER UPDATE OF text ON parley_message BEGIN "
    "INSERT INTO parley_message_fts(parley_message_fts, rowid, text) "
    "VALUES ('delete', old.id, old.text); "
    "INSERT INTO parley_message_fts(rowid, text) VALUES (new.id, new.text); END",
]
SQLITE_FILL = [
    "INSERT INTO parley_message_fts(parley_message_fts) VALUES ('rebuild')",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS parley_message_fts_insert",
    "DROP TRIGGER IF EXISTS parley_message_fts_delete",
    "DROP TRIGGER IF EXISTS parley_message_fts_update",
    "DROP TABLE IF EXISTS parley_message_fts",
]
POSTGRES_CREATE = [
    "ALTER TABLE parley_message ADD COLUMN search_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, text)) STORED",
    "CREATE INDEX parley_message_search ON parley_message USING GIN (search_vector)",
]
POSTGRES_DROP = [
    "DROP INDEX IF EXISTS parley_message_search",
    "ALTER TABLE parley_message DROP COLUMN IF EXISTS search_vector",
]
FORWARD = {
    "sqlite": SQLITE_TABLE + SQLITE_TRIGGERS + SQLITE_FILL,
    "postgresql": POSTGRES_CREATE,
}
BACKWARD = {"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}


def _run(statements: dict[str, list[str]]):
    def run(apps, schema_editor) -> None:
        """Run this database's statements; other databases get no index
        (``parley.services.search`` then refuses to search)."""
        for statement in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("parley", "0009_attachments")]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD))]
