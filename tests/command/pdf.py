"""Reading a PDF in tests (pypdfium2: PDFium in a wheel, no system tools needed)."""

from __future__ import annotations

from pathlib import Path


def pdf_text(pdf: bytes) -> str:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(pdf)
    return "\n".join(page.get_textpage().get_text_range() for page in document)


def first_page_png(pdf: bytes, out: Path, *, scale: float = 1.5) -> tuple[int, float]:
    """Render page 1 to `out`; (pixels that are not white, their share of the page)."""
    import pypdfium2 as pdfium

    image = pdfium.PdfDocument(pdf)[0].render(scale=scale).to_pil()
    image.save(out)
    grey = image.convert("L")
    inked = sum(grey.histogram()[:200])
    return inked, inked / (grey.width * grey.height)
