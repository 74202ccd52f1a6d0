"""Tests of mutation/merge.py on real Stryker shard reports (mutation/tests/fixtures; see fixtures/README.md).

The fixtures are gzip-compressed as Stryker wrote them; each test unpacks them into a temporary directory laid out
as mutation/run lays out mutation/reports/<shard>.
"""
from __future__ import annotations

import gzip
import json
import shutil
import subprocess
import sys
import tempfile
import unittest
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
FIXTURES = HERE / "fixtures"
MERGE = HERE.parent / "merge.py"
sys.path.insert(0, str(HERE.parent))
import merge  # noqa: E402  (the module under test, found through the path above)

SHARDS = ("model-Core", "impl-Tlb")
SINCE = "model-Core-since"
PLACEHOLDER = "File ignored by mutate filter"


def unpack(name: str, into: Path) -> Path:
    """The fixture shard directory `name` with its reports decompressed."""
    source, target = FIXTURES / name, into / name
    for packed in source.rglob("*"):
        if packed.is_file():
            out = target / packed.relative_to(source)
            out.parent.mkdir(parents=True, exist_ok=True)
            if packed.suffix == ".gz":
                out.with_suffix("").write_bytes(gzip.decompress(packed.read_bytes()))
            else:
                shutil.copyfile(packed, out)
    return target


def shard_report(shard_dir: Path) -> dict:
    return json.loads((shard_dir / "reports" / merge.REPORT).read_text(encoding="utf-8"))


def repo_relative(shard_dir: Path) -> dict[str, dict]:
    """The shard's mutated files by repository-relative path, computed here from the sidecar's root."""
    root = json.loads((shard_dir / merge.SIDECAR).read_text(encoding="utf-8"))["repo_root"].rstrip("/") + "/"
    files = shard_report(shard_dir)["files"].items()
    return {name.removeprefix(root): file for name, file in files if file["mutants"]}


def statuses(files: dict[str, dict]) -> Counter:
    """(file, mutator, replacement, location, status) of every mutant, counted."""
    return Counter((name, m["mutatorName"], m.get("replacement"), json.dumps(m["location"], sort_keys=True),
                    m["status"]) for name, file in files.items() for m in file["mutants"])


def scores(counts: Counter) -> tuple[int, str, str]:
    valid = counts["Killed"] + counts["Timeout"] + counts["Survived"] + counts["NoCoverage"]
    return (valid, f"{100.0 * (counts['Killed'] + counts['Timeout']) / valid:.1f}%",
            f"{100.0 * counts['Killed'] / valid:.1f}%")


class MergeTests(unittest.TestCase):
    def setUp(self) -> None:
        self.tmp = Path(tempfile.mkdtemp(prefix="merge-test-"))
        self.addCleanup(shutil.rmtree, self.tmp)
        self.shards = [unpack(name, self.tmp) for name in SHARDS]
        self.out = self.tmp / "merged"

    def run_merge(self, *args: str | Path) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, str(MERGE), *map(str, args)], capture_output=True, text=True)

    def merged(self, *args: str | Path) -> dict:
        result = self.run_merge(self.out, *self.shards, *args)
        self.assertEqual(result.returncode, 0, result.stderr)
        return json.loads((self.out / merge.REPORT).read_text(encoding="utf-8"))

    def test_every_mutated_file_and_every_mutant_of_every_shard_is_in_the_merged_report_once(self) -> None:
        report = self.merged()
        expected: dict[str, dict] = {}
        for shard in self.shards:
            files = repo_relative(shard)
            self.assertTrue(files, f"{shard.name} mutated nothing")
            self.assertFalse(expected.keys() & files.keys())
            expected.update(files)
        self.assertEqual(set(report["files"]), set(expected))
        self.assertEqual(statuses(report["files"]), statuses(expected))
        ids = [m["id"] for f in report["files"].values() for m in f["mutants"]]
        self.assertEqual(len(ids), len(set(ids)))
        self.assertEqual({n.split("/")[0] for n in report["files"]}, {"impl", "model"})

    def test_test_files_are_the_union_of_the_shards_test_files(self) -> None:
        report = self.merged()
        for shard in self.shards:
            root = json.loads((shard / merge.SIDECAR).read_text())["repo_root"].rstrip("/") + "/"
            for name, test_file in shard_report(shard)["testFiles"].items():
                merged_ids = {t["id"] for t in report["testFiles"][name.removeprefix(root)]["tests"]}
                self.assertLessEqual({t["id"] for t in test_file["tests"]}, merged_ids)

    def test_the_table_counts_and_scores_equal_those_computed_from_the_shards(self) -> None:
        for markdown in (False, True):
            result = self.run_merge(self.out, *self.shards, *(["--markdown"] if markdown else []))
            self.assertEqual(result.returncode, 0, result.stderr)
            lines = result.stdout.strip().splitlines()
            cells = [[c.strip() for c in line.strip("|").split("|")] if markdown else line.split()
                     for line in lines]
            rows = {tuple(c[:2]): c for c in cells if c and c[0] not in ("component", "---", "total")}
            total = Counter()
            for shard in self.shards:
                counts = Counter(m["status"] for f in shard_report(shard)["files"].values() for m in f["mutants"])
                total.update(counts)
                sidecar = json.loads((shard / merge.SIDECAR).read_text())
                row = rows[(sidecar["component"], sidecar["side"])]
                valid, stryker, killed_only = scores(counts)
                self.assertEqual(row[2:9], [str(valid), str(counts["Killed"]), str(counts["Timeout"]),
                                            str(counts["Survived"]), str(counts["NoCoverage"]), stryker,
                                            killed_only])
                self.assertEqual(" ".join(row[9:]), f"{sidecar['wall_seconds']} s")
            total_row = next(c for c in cells if c[0] == "total")
            valid, stryker, killed_only = scores(total)
            self.assertIn(str(valid), total_row)
            self.assertIn(stryker, total_row)
            self.assertIn(killed_only, total_row)
            self.assertEqual(len(rows), len(self.shards))

    def test_the_html_embeds_the_merged_report_and_nothing_of_the_shards_own(self) -> None:
        report = self.merged()
        html = (self.out / merge.HTML).read_text(encoding="utf-8")
        template = (self.shards[0] / "reports" / merge.HTML).read_text(encoding="utf-8")
        self.assertEqual(merge.embedded(html), report)
        self.assertEqual(html.count(merge.HTML_MARKER), 1)
        self.assertEqual(html.count("</script>"), template.count("</script>"))
        self.assertIn(PLACEHOLDER, template)
        self.assertNotIn(PLACEHOLDER, html)
        self.assertNotIn(json.loads((self.shards[0] / merge.SIDECAR).read_text())["repo_root"] + "/model/", html)
        head = template[:template.index(merge.HTML_MARKER)]
        self.assertTrue(html.startswith(head))
        self.assertTrue(html.rstrip().endswith("</html>"))

    def test_thresholds_exit_1_below_the_score_and_0_at_or_above_it(self) -> None:
        counts = Counter(m["status"] for s in self.shards for f in shard_report(s)["files"].values()
                         for m in f["mutants"])
        valid = counts["Killed"] + counts["Timeout"] + counts["Survived"] + counts["NoCoverage"]
        killed_only = 100.0 * counts["Killed"] / valid
        stryker = 100.0 * (counts["Killed"] + counts["Timeout"]) / valid
        cases = [("--threshold", killed_only - 0.1, 0), ("--threshold", killed_only + 0.1, 1),
                 ("--threshold-stryker", stryker - 0.1, 0), ("--threshold-stryker", stryker + 0.1, 1)]
        for option, limit, code in cases:
            with self.subTest(option=option, limit=limit):
                result = self.run_merge(self.out, *self.shards, option, f"{limit:.3f}")
                self.assertEqual(result.returncode, code, result.stderr)
                if code:
                    self.assertIn("is below", result.stderr)

    def test_a_missing_or_malformed_shard_is_a_clear_error_with_exit_2(self) -> None:
        report = self.shards[0] / "reports" / merge.REPORT
        broken = self.tmp / "broken.json"
        broken.write_text(report.read_text(encoding="utf-8")[:1000], encoding="utf-8")
        no_files = self.tmp / "no-files.json"
        no_files.write_text(json.dumps({"schemaVersion": "2"}), encoding="utf-8")
        bad_status = self.tmp / "bad-status.json"
        data = shard_report(self.shards[0])
        next(f for f in data["files"].values() if f["mutants"])["mutants"][0]["status"] = "Maybe"
        bad_status.write_text(json.dumps(data), encoding="utf-8")
        cases = [(self.tmp / "absent", "no such file or shard directory"), (self.tmp, "without reports/"),
                 (broken, "not JSON"), (no_files, "no 'files' object"), (bad_status, "no known status")]
        for path, message in cases:
            with self.subTest(path=path.name):
                result = self.run_merge(self.out, self.shards[1], path)
                self.assertEqual(result.returncode, 2)
                self.assertIn(f"merge.py: error: {path}", result.stderr)
                self.assertIn(message, result.stderr)
                self.assertFalse((self.out / merge.REPORT).exists())

    def test_a_file_mutated_by_two_shards_is_an_error(self) -> None:
        result = self.run_merge(self.out, self.shards[0], self.shards[0] / "reports" / merge.REPORT)
        self.assertEqual(result.returncode, 2)
        self.assertIn("is mutated by two inputs", result.stderr)

    def test_since_fresh_results_replace_the_old_ones_and_untouched_files_keep_theirs(self) -> None:
        base = self.merged()
        stored = self.tmp / "stored" / merge.REPORT
        shutil.copytree(self.out, stored.parent)
        fresh_dir = unpack(SINCE, self.tmp)
        fresh = repo_relative(fresh_dir)
        tested = {n for n, f in fresh.items() if any(not merge.since_removed(m) for m in f["mutants"])}
        untouched = {n for n, f in fresh.items() if all(merge.since_removed(m) for m in f["mutants"])}
        self.assertTrue(tested and untouched, "the since fixture must re-test one file and skip another")
        self.assertTrue(all(m["status"] != "Ignored" or m.get("statusReason") != merge.SINCE_REASON
                            for n in tested for m in fresh[n]["mutants"]))
        result = self.run_merge(self.out, "--base", stored, fresh_dir)
        self.assertEqual(result.returncode, 0, result.stderr)
        report = json.loads((self.out / merge.REPORT).read_text(encoding="utf-8"))
        self.assertEqual(set(report["files"]), set(base["files"]))
        for name in tested:
            self.assertEqual(statuses({name: report["files"][name]}), statuses({name: fresh[name]}))
            self.assertEqual(report["files"][name]["source"], fresh[name]["source"])
            self.assertNotEqual(statuses({name: report["files"][name]}), statuses({name: base["files"][name]}))
        for name in set(base["files"]) - tested:
            self.assertEqual(report["files"][name]["source"], base["files"][name]["source"])
            self.assertEqual(statuses({name: report["files"][name]}), statuses({name: base["files"][name]}))
        self.assertEqual(merge.embedded((self.out / merge.HTML).read_text(encoding="utf-8")), report)

    def test_since_a_fresh_result_replaces_the_old_result_of_the_same_mutant(self) -> None:
        # The --since run left DirectMap.cs's mutants "Removed by since filter"; laid as the base under the full
        # model-Core run, the same mutants (same place, same mutation) must take the full run's statuses.
        since_dir = unpack(SINCE, self.tmp)
        stored = self.tmp / "stored"
        self.assertEqual(self.run_merge(stored, since_dir).returncode, 0)
        result = self.run_merge(self.out, "--base", stored / merge.REPORT, self.shards[0])
        self.assertEqual(result.returncode, 0, result.stderr)
        report = json.loads((self.out / merge.REPORT).read_text(encoding="utf-8"))
        full = repo_relative(self.shards[0])
        name = "model/Core/DirectMap.cs"
        self.assertTrue(all(merge.since_removed(m) for m in repo_relative(since_dir)[name]["mutants"]))
        self.assertEqual(statuses({name: report["files"][name]}), statuses({name: full[name]}))

    def test_without_an_html_input_no_stale_html_is_left_behind(self) -> None:
        self.merged()
        result = self.run_merge(self.out, self.shards[1])
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn(f"no input has {merge.HTML}", result.stderr)
        self.assertFalse((self.out / merge.HTML).exists())


if __name__ == "__main__":
    unittest.main()
