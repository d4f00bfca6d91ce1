import django.db.models.deletion
from django.db import migrations, models

from casework import case_activities


def seed(apps, schema_editor):
    case_activities.install(apps.get_model("casework", "CaseActivityType"), apps.get_model("reporting", "Indicator"))


def unseed(apps, schema_editor):
    apps.get_model("casework", "CaseActivityType").objects.filter(
        code__in=[code for code, _name, _indicator in case_activities.CASE_ACTIVITY_TYPES]).delete()


class Migration(migrations.Migration):

    dependencies = [
        ('casework', '0008_duplicate_detection'),
        ('reporting', '0004_first_reach'),  # the seeded indicators the kinds point at
    ]

    operations = [
        migrations.CreateModel(
            name='CaseActivityType',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('code', models.CharField(max_length=32, unique=True, verbose_name='code')),
                ('name', models.CharField(max_length=200, verbose_name='name')),
                ('is_active', models.BooleanField(default=True, verbose_name='active')),
                ('indicator', models.ForeignKey(blank=True, help_text='Left empty, follow-ups of this kind are not counted in reports.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='case_activity_types', to='reporting.indicator', verbose_name='indicator')),
            ],
            options={
                'verbose_name': 'case activity type',
                'verbose_name_plural': 'case activity types',
                'ordering': ['name'],
            },
        ),
        migrations.AddField(
            model_name='followup',
            name='activity_type',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='follow_ups', to='casework.caseactivitytype', verbose_name='kind of activity'),
        ),
        migrations.RunPython(seed, unseed),
    ]
