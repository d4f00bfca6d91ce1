from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('reporting', '0004_first_reach'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='firstreach',
            name='first_reach_date_idx',
        ),
        migrations.AddIndex(
            model_name='firstreach',
            index=models.Index(fields=['year', 'first_date'], include=('person', 'organisation', 'indicator'), name='first_reach_date_idx'),
        ),
    ]
