"""Accounts made before e-mail verification existed count as verified.

Each existing user gets a verified, primary EmailAddress row (django-allauth) for the
address they log in with; a user who already has one is left as they are. Undoing the
migration leaves the rows (they are allauth's to remove with its own migrations).
"""

from django.db import migrations


def mark_existing_addresses_verified(apps, schema_editor):
    User = apps.get_model("assessment", "User")
    EmailAddress = apps.get_model("account", "EmailAddress")
    have_address = EmailAddress.objects.values_list("user_id", flat=True)
    missing = User.objects.exclude(pk__in=have_address).values_list("pk", "email")
    EmailAddress.objects.bulk_create(
        [
            EmailAddress(user_id=pk, email=email.lower(), verified=True, primary=True)
            for pk, email in missing.iterator()
        ],
        batch_size=500,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("assessment", "0007_roadmap_conditions_profile_facts"),
        ("account", "0009_emailaddress_unique_primary_email"),
    ]

    operations = [
        migrations.RunPython(mark_existing_addresses_verified, migrations.RunPython.noop),
    ]
