from casework.permissions import can
from referrals.models import Notification


def notifications(request):
    """The referrals link and the unread-notifications badge of the top bar."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "referrals_nav": can(user, "referral", "list"),
        "referrals_dashboard_nav": can(user, "referral", "response_times"),
        "unread_notifications": Notification.objects.filter(recipient=user).unread().count(),
    }
