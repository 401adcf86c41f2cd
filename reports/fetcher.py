"""The only door through which WeasyPrint may load anything: the product's own static files.

Plan content is typed by users and ends up in the reports. Templates escape it, but
WeasyPrint 70 would otherwise fetch whatever a document names (file://, http://, an
attachment link embeds the file into the PDF). This fetcher answers only URLs under
STATIC_BASE that name a file the staticfiles finders know, and the SVG images the reports
write inline as `data:` URLs (reports/pdf.py puts each chart in an `<img>` so that its
text alternative reaches the PDF's structure tree); it refuses everything else without
touching the file system or the network.
"""

import mimetypes
import posixpath
from urllib.parse import unquote
from urllib.request import DataHandler, Request

from django.contrib.staticfiles import finders
from weasyprint.urls import URLFetcher, URLFetcherResponse

# An address no browser or resolver will ever reach: it only names our static files.
STATIC_BASE = "https://ivp-static.invalid/"
# The one kind of data: URL the reports write. A data: URL holds its bytes itself (no disk,
# no network); anything an image refers to comes back through this fetcher again.
CHART_DATA_PREFIX = "data:image/svg+xml;base64,"


class StaticOnlyFetcher(URLFetcher):
    """Serves the product's static files by path and the charts' SVG data: URLs;
    refuses every other URL."""

    def __init__(self):
        # No handlers are used: fetch() never calls the urllib machinery.
        super().__init__(allowed_protocols=("https",), allow_redirects=False)
        self.served: list[str] = []
        self.refused: list[str] = []

    def fetch(self, url, headers=None):
        if url.startswith(CHART_DATA_PREFIX):
            return self._data(url)
        path = self._static_path(url)
        found = finders.find(path) if path else None
        if not found:
            self.refused.append(url)
            raise ValueError(f"Refused to fetch {url!r}: not one of our static files")
        with open(found, "rb") as file:
            body = file.read()
        self.served.append(path)
        content_type = mimetypes.guess_type(found)[0] or "application/octet-stream"
        return URLFetcherResponse(url, body, {"Content-Type": content_type})

    def _data(self, url: str) -> URLFetcherResponse:
        try:
            response = DataHandler().data_open(Request(url))
            body = response.read()
        except ValueError:  # binascii.Error (bad base64) is a ValueError
            self.refused.append(url[:40])
            raise
        self.served.append(CHART_DATA_PREFIX)
        return URLFetcherResponse(url, body, {"Content-Type": "image/svg+xml"})

    @staticmethod
    def _static_path(url: str) -> str | None:
        if not url.startswith(STATIC_BASE):
            return None
        path = unquote(url[len(STATIC_BASE) :].split("?")[0].split("#")[0])
        normal = posixpath.normpath(path)
        # No way out of the static directories: no "..", no absolute paths, no NUL.
        if normal != path or normal.startswith(("/", "..")) or "\x00" in normal:
            return None
        return normal
