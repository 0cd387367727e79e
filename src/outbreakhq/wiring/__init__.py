"""The top of the import graph: the code that may import every app.

What needs several apps at once lives here, so that the apps below never import upwards: the
demo (`outbreakhq demo` and its users), the `outbreakhq simulate` command and the loader that
writes a simulated scenario into core's and tracing's tables. docs/architecture.md has the
rules; tests/test_import_rules.py enforces them.
"""
