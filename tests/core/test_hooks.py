"""The extension points: declared in one file, each explained; the API is what apps registered."""

from __future__ import annotations

import dataclasses
import inspect

from django.utils.module_loading import import_string

from outbreakhq.core import events, hooks


def test_every_extension_point_and_every_event_says_what_it_is_for() -> None:
    points = [getattr(hooks, name) for name in hooks.__all__]
    kinds = [k for _, k in inspect.getmembers(events, inspect.isclass)
             if issubclass(k, events.Event) and k is not events.Event]
    undocumented = [p.__name__ for p in points + kinds
                    if callable(p) and not (p.__doc__ or "").strip()]
    assert undocumented == []


def test_every_event_carries_the_actor() -> None:
    kinds = [k for _, k in inspect.getmembers(events, inspect.isclass)
             if issubclass(k, events.Event)]
    assert all("actor" in {f.name for f in dataclasses.fields(k)} for k in kinds)


def test_the_api_mounts_exactly_the_routers_the_apps_registered() -> None:
    from outbreakhq.api import api

    mounted = {id(router) for _prefix, router in api._routers}
    registered = {id(import_string(path)) for path in hooks.API_ROUTERS.values()}
    assert registered <= mounted
    assert len(mounted - registered) == 1  # ninja's own default router, empty
    prefixes = {prefix.strip("/") for prefix in hooks.API_ROUTERS}
    assert {"areas", "people", "cases", "contacts", "followups", "chains"} <= prefixes


def test_the_site_includes_every_registered_url_module() -> None:
    from outbreakhq import urls

    included = {getattr(p.urlconf_module, "__name__", "") for p in urls.urlpatterns
                if hasattr(p, "urlconf_module")}
    assert set(hooks.URL_INCLUDES) <= included
