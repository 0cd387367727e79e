from django.apps import AppConfig


class WiringConfig(AppConfig):
    """No models: an app only so that Django finds the `demo` and `simulate` commands."""

    name = "outbreakhq.wiring"
    label = "wiring"
