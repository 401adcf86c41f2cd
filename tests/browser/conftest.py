"""Browser tests: Playwright driving Debian's Chromium (headless) against the live server.

pytest-playwright looks for its own browser download, which this closed network cannot
fetch; these fixtures point it at /usr/bin/chromium instead (see MACHINE-NOTES.md).
"""

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
PASSWORD = "browser-test-wachtwoord-2021"


@pytest.fixture(scope="package", autouse=True)
def _allow_database_next_to_playwright():
    """Playwright's sync API runs an event loop in this thread; Django would refuse the
    test's own database calls. Only while these tests run: `check --deploy` rightly
    refuses the variable, so it must not leak into the rest of the suite."""
    before = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if before is None:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = before


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "headless": True,
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # Our CSP allows only our own scripts; axe is injected by the test, so bypass it here.
    return {**browser_context_args, "bypass_csp": True, "locale": "nl-NL"}


def axe_violations(page) -> list[str]:
    """Run axe-core on the page; return one readable line per violation."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} -> "
        + "; ".join(" ".join(node["target"]) for node in v["nodes"][:5])
        for v in result["violations"]
    ]


@pytest.fixture
def assert_accessible():
    def check(page):
        violations = axe_violations(page)
        assert not violations, f"axe on {page.url}:\n" + "\n".join(violations)

    return check
