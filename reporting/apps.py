from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "reporting"

    def ready(self):
        from casework.signals import person_records_moved, person_records_moving
        from reporting import activity

        person_records_moving.connect(activity.forget_first_reach, dispatch_uid="reporting_forget_first_reach")
        person_records_moved.connect(activity.rebuild_first_reach, dispatch_uid="reporting_rebuild_first_reach")
