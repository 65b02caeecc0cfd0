"""Schema version 4: campaign progress counts a campaign's calls by status
and responsible. With this index that is a read of the index alone, the
same few milliseconds for a campaign of 10,000 calls as for one of ten,
instead of a visit to each call's row."""

from __future__ import annotations

from peewee import Database

from crm_tui.store import schema

CAMPAIGN_INDEXES = (("ix_interaction_campaign", "interaction (campaign_id, status, user_id)"),)


def apply(db: Database, engine: str) -> None:
    schema.create_list_indexes(db, CAMPAIGN_INDEXES)
