from casework.permissions import can


def navigation(request):
    """Which sections the signed-in user may open, for the top bar."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"nav": {
        "registry": can(user, "household", "list"),
        "audit": can(user, "audit", "list"),
        "duplicates": can(user, "duplicate", "list"),
        "admin": can(user, "user", "list"),
        "reports": can(user, "report", "list"),
        "distributions": can(user, "distribution_round", "list"),
        "imports": can(user, "import_batch", "list"),
    }}
