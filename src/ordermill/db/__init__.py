"""Database layer: Core tables, engine set-up, transactions, locks, migrations."""
