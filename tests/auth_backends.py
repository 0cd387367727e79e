"""The project's lockout backend, letting through the test client's `login()`, which calls
`authenticate()` without a request (axes refuses that). Every sign-in test goes through the
login page, which passes the request, so the lockout is tested as configured."""

from axes.backends import AxesStandaloneBackend


class AxesBackendAllowingTestClientLogin(AxesStandaloneBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
