"""The pages of case investigation and contact tracing: cases.py (cases, exposures, visits),
contacts.py (contacts, follow-up worklists, chains), import_export.py (line-list import and
scoped exports), common.py (form helpers they share). Routes: tracing/urls.py, urls_io.py."""
