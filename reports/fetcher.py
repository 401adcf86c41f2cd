"""The only door through which WeasyPrint may load anything: the product's own static files.

Plan content is typed by users and ends up in the reports. Templates escape it, but
WeasyPrint 70 would otherwise fetch whatever a document names (file://, http://, an
attachment link embeds the file into the PDF). This fetcher answers only URLs under
STATIC_BASE that name a file the staticfiles finders know, and refuses everything else
without touching the file system or the network.
"""

import mimetypes
import posixpath
from urllib.parse import unquote

from django.contrib.staticfiles import finders
from weasyprint.urls import URLFetcher, URLFetcherResponse

# An address no browser or resolver will ever reach: it only names our static files.
STATIC_BASE = "https://ivp-static.invalid/"


class StaticOnlyFetcher(URLFetcher):
    """Serves the product's static files by path; refuses every other URL."""

    def __init__(self):
        # No handlers are used: fetch() never calls the urllib machinery.
        super().__init__(allowed_protocols=("https",), allow_redirects=False)
        self.served: list[str] = []
        self.refused: list[str] = []

    def fetch(self, url, headers=None):
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
