"""The rule names documented in docs/*.md and the rule names in the code are the same set.

A rule table in docs/ is a Markdown table whose header's first cell is "rule"; the first cell of each of its rows
is a backticked rule name. A rule name in the code is the value of a `const string` in model/, conformance/ or
properties/ that is written like one: lower-case words joined by hyphens (scenario names have spaces, environment
variables capitals), outside the JSON files (*Json*.cs) and the protocol's (conformance/Protocol), whose constants
are property names and capabilities (docs/protocol.md).
Standard library only: python3 -m unittest discover -s docs/tests
"""
from __future__ import annotations

import re
import unittest
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent.parent
DOCS = REPO / "docs"
CONST = re.compile(r'\bconst\s+string\s+\w+\s*=\s*"([^"]*)"')
RULE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
NAME_CELL = re.compile(r"^`([^`]+)`$")


def cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def documented() -> dict[str, set[str]]:
    """Each rule name in a rule table, with the docs files that list it."""
    names: dict[str, set[str]] = {}
    for page in sorted(DOCS.glob("*.md")):
        in_rule_table = False
        for line in page.read_text(encoding="utf-8").splitlines():
            if not line.lstrip().startswith("|"):
                in_rule_table = False
                continue
            first = cells(line)[0]
            if first == "rule":
                in_rule_table = True
            elif in_rule_table and not set(first) <= set("-: "):
                match = NAME_CELL.match(first)
                names.setdefault(match.group(1) if match else first, set()).add(page.name)
    return names


def in_code() -> dict[str, set[str]]:
    """Each rule-like const string of model/, conformance/ and properties/, with the files that define it."""
    names: dict[str, set[str]] = {}
    for root in ("model", "conformance", "properties"):
        for source in sorted((REPO / root).rglob("*.cs")):
            parts = set(source.relative_to(REPO).parts)
            if {"bin", "obj"} & parts or "Json" in source.name or {"conformance", "Protocol"} <= parts:
                continue
            for value in CONST.findall(source.read_text(encoding="utf-8")):
                if RULE.match(value):
                    names.setdefault(value, set()).add(str(source.relative_to(REPO)))
    return names


class RuleNameTests(unittest.TestCase):
    def test_the_docs_have_rule_tables(self) -> None:
        self.assertGreater(len(documented()), 0, "no rule table found in docs/*.md")

    def test_every_documented_rule_is_a_rule_of_the_code(self) -> None:
        code = in_code()
        missing = {name: sorted(pages) for name, pages in documented().items() if name not in code}
        self.assertEqual({}, missing, "documented in docs/ but no rule of that name in model/, conformance/ or "
                         "properties/")

    def test_every_rule_of_the_code_is_documented(self) -> None:
        docs = documented()
        missing = {name: sorted(files) for name, files in in_code().items() if name not in docs}
        self.assertEqual({}, missing, "a rule of the code that no rule table in docs/ lists")

    def test_rule_cells_are_backticked_names(self) -> None:
        bad = [name for name in documented() if not RULE.match(name)]
        self.assertEqual([], bad, "a rule table's first cell must be one `rule-name`")


if __name__ == "__main__":
    unittest.main()
