"""Accounts made before e-mail verification count as verified after the migration."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [
    ("assessment", "0007_roadmap_conditions_profile_facts"),
    ("account", "0009_emailaddress_unique_primary_email"),
]
AFTER = [("assessment", "0008_existing_accounts_verified")]


@pytest.mark.django_db(transaction=True)
def test_existing_accounts_get_a_verified_address_and_others_are_left_alone():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old_apps = executor.loader.project_state(BEFORE).apps
    User = old_apps.get_model("assessment", "User")
    EmailAddress = old_apps.get_model("account", "EmailAddress")
    old = User.objects.create(email="alt@example.com", password="!")
    pending = User.objects.create(email="offen@example.com", password="!")
    EmailAddress.objects.create(user=pending, email=pending.email, verified=False, primary=True)

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    new_apps = executor.loader.project_state(AFTER).apps
    EmailAddress = new_apps.get_model("account", "EmailAddress")
    assert (
        EmailAddress.objects.filter(
            user_id=old.pk, email="alt@example.com", verified=True, primary=True
        ).count()
        == 1
    )
    # An address already on record (an unverified sign-up) stays as it is.
    assert list(
        EmailAddress.objects.filter(user_id=pending.pk).values_list("verified", flat=True)
    ) == [False]

    # Back to the latest state for the tests that follow.
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
