"""Merges Stryker shard reports into one report, writes its HTML, prints the score table.

Usage: python3 mutation/merge.py OUT_DIR INPUT... [--base REPORT] [--markdown] [--threshold P] [--threshold-stryker P]

INPUT is a shard directory (mutation/reports/<shard>, holding reports/mutation-report.json and the sidecar
shard.json that mutation/run writes) or a report file. OUT_DIR receives mutation-report.json (Stryker's
mutation-testing-elements schema, file paths relative to the repository root, test files united) and
mutation-report.html (one shard's HTML with the merged report embedded in place of its own).

A Stryker report lists every file of the mutated project; a file outside the shard's --mutate globs is a
placeholder with no mutants. Each file must be mutated by at most one input; placeholders nobody mutated are left
out.

--base REPORT is the last stored full report and the inputs are fresh shard runs made with Stryker's --since (the
incremental rule): a file whose fresh mutants were all "Removed by since filter" keeps its old results; in any
other fresh file every mutant Stryker tested replaces the old ones, and a mutant the since filter removed takes
the old result of the mutant at the same place with the same mutation, if there is one; files no fresh input
mutated keep their old results.

The table has a row per component and side: valid mutants (killed + timeout + survived + no coverage), each
status, Stryker's score ((killed + timeout) / valid), the killed-only score (killed / valid) and the run time from
the sidecars. A whole side's run (sidecar component "all") times no single component: its time is on a row
"all" for that side, whose counts are the side's. --threshold P exits 1 when the merged killed-only score is below P, --threshold-stryker P when
Stryker's score is. Bad input (a missing or malformed report, a file mutated twice) exits 2.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPORT = "mutation-report.json"
HTML = "mutation-report.html"
SIDECAR = "shard.json"
SINCE_REASON = "Removed by since filter"
STATUSES = ("Killed", "Survived", "NoCoverage", "Timeout", "CompileError", "RuntimeError", "Ignored", "Pending")
VALID = ("Killed", "Timeout", "Survived", "NoCoverage")
HTML_MARKER = "app.report = "
WHOLE_SIDE = "all"


class MergeError(Exception):
    """Bad input: the message names the file and what is wrong with it."""


@dataclass
class Shard:
    """One input: its report with repository-relative paths, and the sidecar if it had one."""

    origin: Path
    report: dict[str, Any]
    html: Path | None
    sidecar: dict[str, Any] | None
    root: str | None = None
    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    test_files: dict[str, dict[str, Any]] = field(default_factory=dict)


def read_json(path: Path) -> Any:
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except FileNotFoundError:
        raise MergeError(f"{path}: no such file") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise MergeError(f"{path}: not JSON ({e})") from None


def locate(arg: str) -> tuple[Path, Path | None]:
    """The report file of an input, and the shard directory holding its sidecar when there is one."""
    path = Path(arg)
    if path.is_dir():
        report = path / "reports" / REPORT
        if not report.is_file():
            raise MergeError(f"{path}: a shard directory without reports/{REPORT}")
        return report, path
    if not path.is_file():
        raise MergeError(f"{path}: no such file or shard directory")
    return path, None


def check_report(path: Path, report: Any) -> None:
    if not isinstance(report, dict) or not isinstance(report.get("files"), dict):
        raise MergeError(f"{path}: not a Stryker report (no 'files' object)")
    if "schemaVersion" not in report:
        raise MergeError(f"{path}: not a Stryker report (no 'schemaVersion')")
    for name, file in report["files"].items():
        mutants = file.get("mutants") if isinstance(file, dict) else None
        if not isinstance(mutants, list) or not isinstance(file.get("source"), str):
            raise MergeError(f"{path}: file {name} has no 'source' text or no 'mutants' list")
        for mutant in mutants:
            if not isinstance(mutant, dict) or mutant.get("status") not in STATUSES:
                raise MergeError(f"{path}: file {name} has a mutant with no known status: {mutant!r:.200}")
            if "location" not in mutant or "mutatorName" not in mutant:
                raise MergeError(f"{path}: file {name} has a mutant without 'location' or 'mutatorName'")


def repo_root(path: Path, report: dict[str, Any], sidecar: dict[str, Any] | None) -> str | None:
    """The directory the report's absolute paths are made relative to: the sidecar's, else the deepest
    directory holding the project root, every mutated file and every test file. None for relative paths."""
    names = list(report["files"]) + list(report.get("testFiles") or {})
    absolute = [n for n in names if os.path.isabs(n)]
    if not absolute:
        return None
    if len(absolute) != len(names):
        raise MergeError(f"{path}: mixes absolute and relative file paths")
    if sidecar is not None and "repo_root" in sidecar:
        return str(sidecar["repo_root"])
    roots = absolute + ([report["projectRoot"]] if report.get("projectRoot") else [])
    return os.path.commonpath(roots)


def relative(path: Path, root: str | None, name: str) -> str:
    if root is None:
        return name
    rel = os.path.relpath(name, root)
    if rel.startswith(".."):
        raise MergeError(f"{path}: {name} lies outside the repository root {root}")
    return Path(rel).as_posix()


def load(arg: str) -> Shard:
    report_path, shard_dir = locate(arg)
    report = read_json(report_path)
    check_report(report_path, report)
    sidecar = None
    if shard_dir is not None and (shard_dir / SIDECAR).is_file():
        sidecar = read_json(shard_dir / SIDECAR)
        if not isinstance(sidecar, dict) or not isinstance(sidecar.get("wall_seconds"), (int, float)):
            raise MergeError(f"{shard_dir / SIDECAR}: not a shard sidecar (no 'wall_seconds')")
    html = report_path.with_name(HTML)
    shard = Shard(report_path, report, html if html.is_file() else None, sidecar)
    shard.root = root = repo_root(report_path, report, sidecar)
    shard.files = {relative(report_path, root, n): f for n, f in report["files"].items()}
    shard.test_files = {relative(report_path, root, n): f for n, f in (report.get("testFiles") or {}).items()}
    return shard


def mutated(file: dict[str, Any]) -> bool:
    """A placeholder for a file outside the shard's globs has no mutants (and language "none")."""
    return bool(file["mutants"]) or file.get("language") != "none"


def since_removed(mutant: dict[str, Any]) -> bool:
    return mutant["status"] == "Ignored" and mutant.get("statusReason") == SINCE_REASON


def mutation_key(mutant: dict[str, Any]) -> str:
    return json.dumps([mutant["mutatorName"], mutant.get("replacement"), mutant["location"]], sort_keys=True)


def union_files(shards: list[Shard]) -> dict[str, dict[str, Any]]:
    """Every mutated file of every shard exactly once; a file mutated by two shards is an error."""
    owner: dict[str, Path] = {}
    files: dict[str, dict[str, Any]] = {}
    for shard in shards:
        for name, file in shard.files.items():
            if not mutated(file):
                continue
            if name in owner:
                raise MergeError(f"{name} is mutated by two inputs: {owner[name]} and {shard.origin}")
            owner[name] = shard.origin
            files[name] = file
    return files


def union_tests(reports: list[dict[str, dict[str, Any]]]) -> dict[str, dict[str, Any]]:
    """Every test file once with the tests of all inputs; a later input's source (a fresh run's) wins."""
    merged: dict[str, dict[str, Any]] = {}
    for test_files in reports:
        for name, test_file in test_files.items():
            into = merged.setdefault(name, {"tests": []})
            into.update({k: v for k, v in test_file.items() if k != "tests"})
            known = {t.get("id") for t in into["tests"]}
            into["tests"].extend(t for t in test_file.get("tests", []) if t.get("id") not in known)
    return merged


def overlay(base: dict[str, dict[str, Any]], fresh: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The --since rule (module docstring): fresh results over the stored full report."""
    files = dict(base)
    for name, file in fresh.items():
        if all(since_removed(m) for m in file["mutants"]) and name in base:
            continue
        old = {mutation_key(m): m for m in base.get(name, {}).get("mutants", [])}
        mutants = [old.get(mutation_key(m), m) if since_removed(m) else m for m in file["mutants"]]
        files[name] = {**file, "mutants": mutants}
    return files


def number_mutants(files: dict[str, dict[str, Any]]) -> None:
    """Shards number their mutants from 0 each; the merged report gives every mutant its own id."""
    next_id = 0
    for file in files.values():
        renumbered = []
        for mutant in file["mutants"]:
            renumbered.append({**mutant, "id": str(next_id)})
            next_id += 1
        file["mutants"] = renumbered


def merge(shards: list[Shard], base: Shard | None) -> dict[str, Any]:
    files = union_files(shards)
    if base is not None:
        files = overlay(union_files([base]), files)
    files = dict(sorted(files.items()))
    number_mutants(files)
    tests = union_tests(([base.test_files] if base else []) + [s.test_files for s in shards])
    first = shards[0].report
    roots = [s.root for s in shards if s.root is not None]
    root = roots[0] if roots else (base.report.get("projectRoot") if base else None) or str(Path.cwd())
    return {
        "schemaVersion": first["schemaVersion"],
        "thresholds": first.get("thresholds", {"high": 80, "low": 60}),
        "projectRoot": root,
        "files": files,
        "testFiles": dict(sorted(tests.items())),
    }


def embed(template: Path, report: dict[str, Any]) -> str:
    """The template HTML with its embedded report replaced by this one (escaped for a <script> element)."""
    html = template.read_text(encoding="utf-8")
    start = html.find(HTML_MARKER)
    if start < 0 or html.find(HTML_MARKER, start + 1) >= 0:
        raise MergeError(f"{template}: not a Stryker HTML report (expected one '{HTML_MARKER}')")
    start += len(HTML_MARKER)
    try:
        _, end = json.JSONDecoder().raw_decode(html, start)
    except json.JSONDecodeError as e:
        raise MergeError(f"{template}: its embedded report is not JSON ({e})") from None
    text = json.dumps(report, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return html[:start] + text + html[end:]


def embedded(html: str) -> Any:
    """The report an HTML report embeds (the tests use it to check what embed wrote)."""
    start = html.index(HTML_MARKER) + len(HTML_MARKER)
    return json.JSONDecoder().raw_decode(html, start)[0]


@dataclass
class Row:
    component: str
    side: str
    counts: Counter = field(default_factory=Counter)
    seconds: float | None = None

    @property
    def valid(self) -> int:
        return sum(self.counts[s] for s in VALID)

    def score(self, statuses: tuple[str, ...]) -> float | None:
        return 100.0 * sum(self.counts[s] for s in statuses) / self.valid if self.valid else None


def rows(report: dict[str, Any], sidecars: list[dict[str, Any]]) -> list[Row]:
    """One row per (component, side) of the repository-relative paths side/Component/..., then the total."""
    table: dict[tuple[str, str], Row] = {}
    for name, file in report["files"].items():
        parts = name.split("/")
        side, component = (parts[0], parts[1]) if len(parts) > 2 else (parts[0], "-")
        row = table.setdefault((component, side), Row(component, side))
        row.counts.update(m["status"] for m in file["mutants"])
    side_seconds: Counter = Counter()
    for sidecar in sidecars:
        key = (sidecar["component"], sidecar["side"])
        if sidecar["component"] == WHOLE_SIDE:
            side_seconds[sidecar["side"]] += sidecar["wall_seconds"]
        elif key in table:
            table[key].seconds = (table[key].seconds or 0) + sidecar["wall_seconds"]
    result = [table[k] for k in sorted(table)]
    for side in sorted(side_seconds):
        subtotal = Row(WHOLE_SIDE, side, seconds=side_seconds[side])
        for row in result:
            if row.side == side:
                subtotal.counts.update(row.counts)
        result.append(subtotal)
    total = Row("total", "")
    for row in result:
        if row.component != WHOLE_SIDE:
            total.counts.update(row.counts)
    timed = [r.seconds for r in result if r.seconds is not None]
    total.seconds = sum(timed) if timed else None
    return result + [total]


HEADER = ("component", "side", "mutants", "killed", "timeout", "survived", "no coverage", "Stryker score",
          "killed only", "run time")


def cells(row: Row) -> list[str]:
    def pct(value: float | None) -> str:
        return "-" if value is None else f"{value:.1f}%"

    seconds = "-" if row.seconds is None else f"{row.seconds:.0f} s"
    c = row.counts
    return [row.component, row.side, str(row.valid), str(c["Killed"]), str(c["Timeout"]), str(c["Survived"]),
            str(c["NoCoverage"]), pct(row.score(("Killed", "Timeout"))), pct(row.score(("Killed",))), seconds]


def table(table_rows: list[Row], markdown: bool) -> str:
    lines = [list(HEADER)] + [cells(r) for r in table_rows]
    if markdown:
        out = ["| " + " | ".join(lines[0]) + " |", "|" + "---|" * len(HEADER)]
        out += ["| " + " | ".join(line) + " |" for line in lines[1:]]
        return "\n".join(out)
    widths = [max(len(line[i]) for line in lines) for i in range(len(HEADER))]
    return "\n".join("  ".join(v.ljust(w) if i < 2 else v.rjust(w) for i, (v, w) in enumerate(zip(line, widths)))
                     for line in lines)


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="merge.py", description="Merge Stryker shard reports.")
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("inputs", nargs="+", help="shard directories or mutation-report.json files")
    parser.add_argument("--base", help="the last full report; the inputs are --since runs laid over it")
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    parser.add_argument("--threshold", type=float, help="exit 1 when the killed-only score is below this")
    parser.add_argument("--threshold-stryker", type=float, help="exit 1 when Stryker's score is below this")
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse(argv)
    try:
        shards = [load(arg) for arg in args.inputs]
        base = load(args.base) if args.base else None
        report = merge(shards, base)
        template = next((s.html for s in shards if s.html is not None), base.html if base else None)
        html = embed(template, report) if template is not None else None
    except MergeError as e:
        print(f"merge.py: error: {e}", file=sys.stderr)
        return 2
    args.out_dir.mkdir(parents=True, exist_ok=True)
    with open(args.out_dir / REPORT, "w", encoding="utf-8") as f:
        json.dump(report, f, separators=(",", ":"))
    if html is None:
        (args.out_dir / HTML).unlink(missing_ok=True)
        print(f"merge.py: no input has {HTML}; wrote {args.out_dir / REPORT} only", file=sys.stderr)
    else:
        (args.out_dir / HTML).write_text(html, encoding="utf-8")
    table_rows = rows(report, [s.sidecar for s in shards if s.sidecar is not None])
    print(table(table_rows, args.markdown))
    total = table_rows[-1]
    status = 0
    for limit, statuses, name in ((args.threshold, ("Killed",), "killed-only"),
                                  (args.threshold_stryker, ("Killed", "Timeout"), "Stryker")):
        score = total.score(statuses)
        if limit is not None and (score is None or score < limit):
            print(f"merge.py: the {name} score {'-' if score is None else f'{score:.1f}%'} is below {limit}%",
                  file=sys.stderr)
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
