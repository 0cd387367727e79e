"""HTML to PDF with WeasyPrint, for any module: the document's stylesheets are static files
(found as `{% static %}` would find them), relative addresses resolve against `base_url`
(the site's root for a request, the working directory otherwise). The fonts are the system's:
a template names "Noto Sans CJK SC" first so that Chinese renders."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from django.contrib.staticfiles import finders


def html_to_pdf(html: str, *, stylesheets: Iterable[str] = (),
                base_url: str | None = None) -> bytes:
    from weasyprint import CSS, HTML  # a heavy import, only when a PDF is asked for

    sheets = [CSS(filename=found) for name in stylesheets if (found := finders.find(name))]
    return HTML(string=html, base_url=base_url or str(Path.cwd())).write_pdf(stylesheets=sheets)
