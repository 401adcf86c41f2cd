"""Fill Dutch translations into locale/nl/LC_MESSAGES/django.po and compile it.

Usage (from the project root; serialised so several people can run it at once):

    flock /tmp/ivp-po.lock .venv/bin/python locale/fill.py translations.json

translations.json maps English msgids to Dutch msgstrs (for a plural: a list of the
singular and the plural form). The script first runs
makemessages (which keeps existing translations), fills every untranslated or fuzzy
entry found in the JSON, compiles the catalogue, and lists msgids still untranslated.
"""

import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "locale" / "nl" / "LC_MESSAGES" / "django.po"
MANAGE = [sys.executable, str(ROOT / "manage.py")]


def _unquote(block: str) -> str:
    parts = re.findall(r'"((?:[^"\\]|\\.)*)"', block)
    return "".join(parts).replace('\\"', '"').replace("\\n", "\n")


def _quote(text: str) -> str:
    return (
        '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
    )


def _unfuzzy(entry: str) -> str:
    entry = re.sub(r"^#, fuzzy\n", "", entry, flags=re.M)
    entry = re.sub(r"^#, fuzzy, ", "#, ", entry, flags=re.M)
    return re.sub(r"^#\| .*\n", "", entry, flags=re.M)


def fill(translations: dict[str, str]) -> list[str]:
    entries = PO.read_text(encoding="utf-8").split("\n\n")
    missing = []
    for index, entry in enumerate(entries):
        plural = re.search(
            r'^msgid ((?:"[^\n]*"\n?)+)msgid_plural (?:"[^\n]*"\n?)+msgstr\[0\] ((?:"[^\n]*"\n?)+)'
            r'msgstr\[1\] ((?:"[^\n]*"\n?)+)',
            entry,
            re.M,
        )
        if plural:
            msgid = _unquote(plural.group(1))
            if (_unquote(plural.group(2)) and "#, fuzzy" not in entry) or not msgid:
                continue
            if isinstance(translations.get(msgid), list):
                one, many = translations[msgid]
                entry = (
                    entry[: plural.start(2)]
                    + _quote(one)
                    + "\nmsgstr[1] "
                    + _quote(many)
                )
                entries[index] = _unfuzzy(entry)
            else:
                missing.append(msgid)
            continue
        match = re.search(
            r'^msgid ((?:"[^\n]*"\n?)+)msgstr ((?:"[^\n]*"\n?)+)', entry, re.M
        )
        if not match:
            continue
        msgid = _unquote(match.group(1))
        if not msgid:
            continue
        fuzzy = "#, fuzzy" in entry
        if _unquote(match.group(2)) and not fuzzy:
            continue
        if msgid in translations:
            entry = entry[: match.start(2)] + _quote(translations[msgid])
            entry = _unfuzzy(entry)
            entries[index] = entry
        else:
            missing.append(msgid)
    PO.write_text("\n\n".join(entries), encoding="utf-8")
    return missing


def main(path: str) -> None:
    translations = json.loads(Path(path).read_text(encoding="utf-8"))
    common = ["-l", "nl", "--ignore=.venv", "--ignore=node_modules", "-v0"]
    subprocess.run(
        [*MANAGE, "makemessages", *common, "--no-obsolete", "--ignore=tests"],
        check=True,
        cwd=ROOT,
    )
    missing = fill(translations)
    subprocess.run([*MANAGE, "compilemessages", *common], check=True, cwd=ROOT)
    if missing:
        print("Still untranslated:")
        for msgid in missing:
            print(f"  {msgid!r}")


if __name__ == "__main__":
    main(sys.argv[1])
