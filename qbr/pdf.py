"""HTML to PDF with WeasyPrint, only ever in a Celery worker (qbr.documents): WeasyPrint holds the
whole laid-out document in memory, which a web worker must not.

WeasyPrint fetches nothing but the project's own static files: the fetcher refuses every URL
that is not a file under `static/` (no network, no other file on the machine), so a report's
text cannot make the worker reach anything. Fonts ship in static/fonts (Inter, OFL), so the PDF
looks the same on every machine; one FontConfiguration is made per process and reused, since
building it scans the fonts each time."""
from __future__ import annotations

import functools
import logging
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.template.loader import render_to_string
from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

logger = logging.getLogger(__name__)


def static_root() -> Path:
    return (Path(settings.BASE_DIR) / "static").resolve()


class StaticOnlyFetcher(URLFetcher):
    """Serves file: URLs inside static/ and refuses everything else (WeasyPrint then leaves the
    resource out and the render goes on). `refused` keeps what was asked for, for the tests."""

    def __init__(self):
        super().__init__(allowed_protocols=["file"], allow_redirects=False)
        self.refused: list[str] = []

    def fetch(self, url, headers=None):
        parts = urlsplit(url)
        path = Path(unquote(parts.path)).resolve() if parts.scheme == "file" and not parts.netloc else None
        root = static_root()
        if path is None or not path.is_relative_to(root) or not path.is_file():
            self.refused.append(url)
            logger.warning("PDF render refused to fetch %s", url[:200])
            raise ValueError(f"Reports may only use the project's static files, not {url[:200]}")
        return URLFetcherResponse(path.as_uri(), body=path.read_bytes(),
                                  headers={"Content-Type": _content_type(path)})


def _content_type(path: Path) -> str:
    return {".otf": "font/otf", ".ttf": "font/ttf", ".css": "text/css", ".svg": "image/svg+xml",
            ".png": "image/png"}.get(path.suffix, "application/octet-stream")


@functools.cache
def font_config() -> FontConfiguration:
    return FontConfiguration()


def html_to_pdf(html: str) -> tuple[bytes, int, list[str]]:
    """(the PDF, its page count, the URLs refused)."""
    fetcher = StaticOnlyFetcher()
    document = HTML(string=html, base_url=static_root().as_uri() + "/", url_fetcher=fetcher).render(
        font_config=font_config())
    return document.write_pdf(), len(document.pages), fetcher.refused


def render(template: str, context: dict) -> tuple[bytes, int, list[str]]:
    return html_to_pdf(render_to_string(template, context))
