# Joins two migrations made side by side: playable copies and OCR text (h15), the per-case tally (h17).
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("evidence", "0010_h15_derivatives_machine_text"),
        ("evidence", "0010_h17_case_tally"),
    ]
    operations = []
