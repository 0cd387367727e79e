"""The JSON API of tracing, one router per resource: cases.py (cases, and the schemas the other
routers share), contacts.py (contacts, follow-ups, chains), import_export.py (imports, exports).
The project's api.py mounts them under /api/v1/."""
