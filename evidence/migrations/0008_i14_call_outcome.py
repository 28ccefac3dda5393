"""A call's outcome, how exact an entry's time is, files waiting for their form and the short
invitation code (issue 14).

Calls logged before the outcome was asked get "unknown": nothing said they were
answered, so nothing is invented (the rules counted every incoming call as answered).
"""
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import evidence.store.fields


def calls_outcome_unknown(apps, schema_editor):
    Entry = apps.get_model("evidence", "Entry")
    Entry.objects.filter(kind="call", call_outcome="").update(call_outcome="unknown")


def back(apps, schema_editor):
    pass  # the column goes away with the schema step


class Migration(migrations.Migration):

    dependencies = [
        ("evidence", "0007_bundle_expired"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="entry",
            name="call_outcome",
            field=models.CharField(blank=True, choices=[("answered", "Answered"), ("missed", "Not answered"),
                                                        ("rejected", "Rejected"), ("unknown", "Not sure")],
                                   max_length=10, verbose_name="outcome"),
        ),
        migrations.AddField(
            model_name="entry",
            name="time_precision",
            field=models.CharField(choices=[("exact", "Exact time"), ("day", "Date only"),
                                            ("unknown", "Time not known")],
                                   default="exact", max_length=8, verbose_name="how exact the time is"),
        ),
        migrations.AddField(
            model_name="entry",
            name="captured_offline_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="kept on the phone offline at"),
        ),
        migrations.AddField(
            model_name="invitation",
            name="short_hash",
            field=models.CharField(blank=True, db_index=True, max_length=64),
        ),
        migrations.RunPython(calls_outcome_unknown, back),
        migrations.CreateModel(
            name="PendingUpload",
            fields=[
                ("id", models.UUIDField(editable=False, primary_key=True, serialize=False)),
                ("form_token", models.UUIDField(db_index=True)),
                ("name", evidence.store.fields.EncryptedTextField()),
                ("size", models.BigIntegerField()),
                ("sha256", models.CharField(max_length=64)),
                ("kind", models.CharField(blank=True, max_length=16)),
                ("created_at", models.DateTimeField(auto_now_add=True, db_index=True)),
                ("case", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+",
                                           to="evidence.case")),
                ("uploaded_by", models.ForeignKey(null=True, on_delete=django.db.models.deletion.CASCADE,
                                                  related_name="+", to=settings.AUTH_USER_MODEL)),
                ("witness_link", models.ForeignKey(null=True, on_delete=django.db.models.deletion.CASCADE,
                                                   related_name="+", to="evidence.witnesslink")),
            ],
            options={"ordering": ["created_at"]},
        ),
    ]
