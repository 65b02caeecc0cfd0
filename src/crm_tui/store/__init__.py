"""Persistence: Peewee models, connections and versioned migrations."""
