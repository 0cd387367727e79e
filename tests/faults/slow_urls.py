"""A page and an API answer that run one endless query: the request time-out must stop them."""

from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.urls import path

from outbreakhq.urls import urlpatterns as project_urls

ENDLESS = ("WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n) "
           "SELECT count(*) FROM n")


def slow(request):
    with connection.cursor() as cursor:
        cursor.execute(ENDLESS if connection.vendor == "sqlite" else "SELECT pg_sleep(30)")
    return HttpResponse("never")


def slow_api(request):
    slow(request)
    return JsonResponse({})


urlpatterns = [path("slow/", slow), path("api/v1/slow/", slow_api), *project_urls]
