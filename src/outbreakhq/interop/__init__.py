"""Importing files into the apps' records (issue 8): one pipeline for every kind of file.

read (CSV/XLSX) -> map (columns to fields, saved mappings) -> clean values -> plan once (every
row checked against the database, nothing written) -> preview (audited, rate-limited) -> commit
(in the request, or by the task worker above a size, whatever the entry point: page, API, CLI).

Dependency direction: interop imports core, never an app. Each app declares what it imports in a
small importer (its fields, its checks, its set-based writer) and registers it in its
AppConfig.ready(); see registry.py and docs/architecture.md ("Import pipeline").
"""
