from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from casework.errors import InvalidInput
from reporting.models import ReportRun
from reporting.rollup import parse_period


@transaction.atomic
def request_run(*, period, requested_by=None):
    """Queue the rollup of a month; the run's status follows it. Future months are refused."""
    if isinstance(period, str):
        try:
            period = parse_period(period)
        except ValueError as error:
            raise InvalidInput({"period": [str(error)]}) from error
    today = timezone.localdate()
    if period > date(today.year, today.month, 1):
        raise InvalidInput({"period": [_("That month has not started yet.")]})
    run = ReportRun.objects.create(period=period, requested_by=requested_by)
    from reporting.tasks import run_rollup

    transaction.on_commit(lambda: run_rollup.delay(str(run.pk)))
    return run


def previous_month(day):
    return date(day.year - (day.month == 1), (day.month - 2) % 12 + 1, 1)
