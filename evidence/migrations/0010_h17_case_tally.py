import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('evidence', '0009_merge_issues_12_to_17'),
    ]

    operations = [
        migrations.CreateModel(
            name='CaseTally',
            fields=[
                ('case', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True,
                                              related_name='tally', serialize=False, to='evidence.case')),
                ('basis', models.CharField(max_length=120)),
                ('counts', models.JSONField(default=dict)),
                ('updated_at', models.DateTimeField(auto_now=True)),
            ],
        ),
    ]
