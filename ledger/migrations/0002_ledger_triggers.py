"""Database triggers that keep postings append-only and transactions balanced.

PostgreSQL: postings can be neither updated nor deleted (TRUNCATE, used by test
flushes, is not row-level and still works), and a deferred constraint trigger
refuses, at commit, any transaction whose postings do not sum to zero.
SQLite: postings cannot be updated. (A DELETE trigger would also block Django's
flush, which SQLite implements with DELETE; the model refuses deletes instead.)
"""

from django.db import migrations

POSTGRES_UP = """
CREATE OR REPLACE FUNCTION ledger_posting_immutable() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'ledger postings are never updated or deleted (posting %)', OLD.id;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER ledger_posting_immutable
    BEFORE UPDATE OR DELETE ON ledger_posting
    FOR EACH ROW EXECUTE FUNCTION ledger_posting_immutable();

CREATE OR REPLACE FUNCTION ledger_transaction_balanced() RETURNS trigger AS $$
DECLARE
    total bigint;
BEGIN
    SELECT COALESCE(SUM(amount), 0) INTO total FROM ledger_posting WHERE transaction_id = NEW.transaction_id;
    IF total <> 0 THEN
        RAISE EXCEPTION 'ledger transaction % does not balance: its postings sum to % minutes',
            NEW.transaction_id, total;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE CONSTRAINT TRIGGER ledger_transaction_balanced
    AFTER INSERT ON ledger_posting
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION ledger_transaction_balanced();
"""

POSTGRES_DOWN = """
DROP TRIGGER IF EXISTS ledger_transaction_balanced ON ledger_posting;
DROP FUNCTION IF EXISTS ledger_transaction_balanced();
DROP TRIGGER IF EXISTS ledger_posting_immutable ON ledger_posting;
DROP FUNCTION IF EXISTS ledger_posting_immutable();
"""

SQLITE_UP = """
CREATE TRIGGER IF NOT EXISTS ledger_posting_immutable
BEFORE UPDATE ON ledger_posting
BEGIN
    SELECT RAISE(ABORT, 'ledger postings are never updated');
END;
"""

SQLITE_DOWN = "DROP TRIGGER IF EXISTS ledger_posting_immutable;"


def install(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_UP, params=None)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_UP)


def uninstall(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_DOWN, params=None)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_DOWN)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]

    operations = [migrations.RunPython(install, uninstall)]
