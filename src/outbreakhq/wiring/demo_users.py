"""Demo users, one per role, placed in the loaded territory (idempotent: re-running keeps them)."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import translation

from outbreakhq.core.models import Area, Assignment, Level
from outbreakhq.core.roles import Role
from outbreakhq.tracing.scenario_load import join_county_team

DEMO_PASSWORD = "outbreak-demo"


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    area: Area


def _pick(level: str, index: int = 0) -> Area:
    rows = list(Area.objects.filter(level=level).order_by("path")[: index + 1])
    if not rows:
        raise LookupError(f"the demo territory has no {level}")
    return rows[min(index, len(rows) - 1)]


def demo_plan() -> list[tuple[str, str, Area]]:
    """(username, role, area): the region's command, one county's field teams, a second county's
    tracer to show that jurisdictions do not see each other."""
    region = Area.objects.filter(parent__isnull=True).order_by("path").first()
    if region is None:
        raise LookupError("no areas loaded")
    county, other_county = _pick(Level.COUNTY, 0), _pick(Level.COUNTY, 1)
    township = Area.objects.filter(parent=county).order_by("path").first() or county
    return [
        ("admin", Role.ADMIN, region),
        ("commander", Role.COMMANDER, region),
        ("analyst", Role.ANALYST, region),
        ("tracer", Role.TRACER, county),
        ("tracer2", Role.TRACER, other_county),
        ("screening", Role.SCREENING, county),
        ("lab", Role.LAB, county),
        ("quarantine", Role.QUARANTINE, county),
        ("community", Role.COMMUNITY, township),
    ]


def login_lines(logins: list[DemoLogin], language: str | None = None) -> list[str]:
    """The demo's printed logins: user, role, and area, the area named as the deployment
    names its data (settings.LANGUAGE_CODE: 天宁县 in a Chinese deployment) with its code."""
    language = settings.LANGUAGE_CODE if language is None else language
    with translation.override(language):
        return [f"  {login.username:<11} {str(login.role):<34} "
                f"{login.area.display_name(language)} ({login.area.code})" for login in logins]


@transaction.atomic
def ensure_demo_users(password: str = DEMO_PASSWORD) -> list[DemoLogin]:
    users = get_user_model()
    logins, joining = [], []
    for username, role, area in demo_plan():
        user, created = users.objects.get_or_create(username=username)
        if created or not user.has_usable_password():
            user.set_password(password)
        user.is_staff = user.is_superuser = username == "admin"
        user.save()
        Assignment.objects.filter(user=user).exclude(role=role, area=area).delete()
        Assignment.objects.get_or_create(user=user, role=role, area=area)
        if role in (Role.TRACER, Role.COMMUNITY):
            joining.append((role, user, area))
        logins.append(DemoLogin(username, Role(role).label, area))
    # The community worker first: the tracers' caseloads start with the same first township.
    for role, user, area in sorted(joining, key=lambda j: j[0] != Role.COMMUNITY):
        if role == Role.COMMUNITY:  # the door-to-door checks of their township's contacts
            join_county_team(user, area.parent, within=area)
        else:  # their county's team, and a day's caseload of its contacts
            join_county_team(user, area)
    return logins
