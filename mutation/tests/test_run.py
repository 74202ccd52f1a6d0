"""Tests of mutation/run's shard plumbing, with a stand-in for `dotnet` so that no build or Stryker run happens.

Each test copies the mutation scripts and configs into a fresh git repository (a clone, not a worktree, as
--since needs), puts fake_dotnet first on PATH and reads what it was asked to do. fake_dotnet writes, for each
Stryker call, a report with one killed mutant in <side>/<Component>/Fake.cs, so that the real merge runs.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import unittest
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
COPIED = ("mutation/run", "mutation/merge.py", "mutation/summarize.py", "mutation/shard_only.py",
          "mutation/stryker-model.json", "stryker-config.json")
SHARDS = ["impl-Buddy", "impl-Slab", "impl-Paging", "impl-Tlb", "impl-Reclaim", "impl-Oom",
          "impl-System", "model-Buddy", "model-Slab", "model-Paging", "model-Tlb", "model-Reclaim", "model-Oom",
          "model-System", "model-Core"]


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


class RunTests(unittest.TestCase):
    def setUp(self) -> None:
        self.tmp = Path(tempfile.mkdtemp(prefix="run-test-"))
        self.addCleanup(shutil.rmtree, self.tmp)
        self.repo = self.tmp / "repo"
        for name in COPIED:
            (self.repo / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, self.repo / name)
        for name in ("model/Core/Pfn.cs", "impl/Slab/KmemCache.cs", "impl/Tlb/Tlb.cs", "model/Tlb/TlbModel.cs",
                     "properties/Tlb/TlbExamples.cs"):
            (self.repo / name).parent.mkdir(parents=True, exist_ok=True)
            (self.repo / name).write_text("// stand-in\n", encoding="utf-8")
        (self.repo / ".gitignore").write_text("mutation/reports/\n", encoding="utf-8")
        git(self.repo, "init", "-q")
        git(self.repo, "add", "-A")
        git(self.repo, "-c", "user.name=test", "-c", "user.email=test@example.org", "commit", "-qm", "start")
        bin_dir = self.tmp / "bin"
        bin_dir.mkdir()
        shutil.copy2(HERE / "fake_dotnet.py", bin_dir / "dotnet")
        (bin_dir / "dotnet").chmod(0o755)
        self.log = self.tmp / "calls.jsonl"
        path = f"{bin_dir}{os.pathsep}{os.environ['PATH']}"
        self.env = {**os.environ, "PATH": path, "FAKE_DOTNET_LOG": str(self.log)}
        self.env.pop("MMSPEC_COMPONENT", None)
        self.env.pop("MMSPEC_SCALE", None)

    def run_script(self, *args: str, **env: str) -> subprocess.CompletedProcess:
        self.log.unlink(missing_ok=True)
        return subprocess.run(["bash", "mutation/run", *args], cwd=self.repo, capture_output=True, text=True,
                              env={**self.env, **env})

    def calls(self) -> list[dict]:
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text(encoding="utf-8").splitlines()]

    def stryker_calls(self) -> list[dict]:
        return [c for c in self.calls() if c["args"][:1] == ["stryker"]]

    def merged(self) -> dict:
        return json.loads((self.repo / "mutation/reports/merged/mutation-report.json").read_text(encoding="utf-8"))

    def test_one_shard_runs_stryker_once_and_writes_its_sidecar(self) -> None:
        result = self.run_script("--shard", "impl-Tlb")
        self.assertEqual(result.returncode, 0, result.stderr)
        [call] = self.stryker_calls()
        out = self.repo / "mutation/reports/impl-Tlb"
        self.assertEqual(call["args"], ["stryker", "--config-file", "stryker-config.json", "--output", str(out),
                                        "--mutate", "**/Tlb/**/*.cs", "--mutate", "!**/Core/LoopBound.cs"])
        self.assertEqual(Path(call["cwd"]), self.repo)
        self.assertEqual((call["env"]["MMSPEC_SCALE"], call["env"]["MMSPEC_PROFILE"]), ("0.2", "mutation"))
        sidecar = json.loads((out / "shard.json").read_text(encoding="utf-8"))
        self.assertEqual({k: sidecar[k] for k in ("shard", "side", "component", "commit", "directory", "since")},
                         {"shard": "impl-Tlb", "side": "impl", "component": "Tlb",
                          "commit": git(self.repo, "rev-parse", "HEAD"), "directory": ".", "since": None})
        self.assertEqual(sidecar["command"], ["dotnet", *call["args"]])
        self.assertIsInstance(sidecar["wall_seconds"], int)
        self.assertFalse((self.repo / "mutation/reports/merged").exists())

    def test_a_shard_run_marks_its_sides_other_files_while_stryker_runs_and_unmarks_them_after(self) -> None:
        result = self.run_script("--shard", "impl-Tlb")
        self.assertEqual(result.returncode, 0, result.stderr)
        [call] = self.stryker_calls()
        self.assertEqual(call["marked"], ["impl/Slab/KmemCache.cs"])
        for name in ("impl/Slab/KmemCache.cs", "impl/Tlb/Tlb.cs", "model/Core/Pfn.cs"):
            self.assertEqual((self.repo / name).read_text(encoding="utf-8"), "// stand-in\n")
        self.assertEqual(git(self.repo, "status", "--porcelain", "--", "impl", "model"), "")

    def test_a_whole_side_and_a_since_shard_mark_nothing_and_a_left_mark_is_taken_out(self) -> None:
        left = self.repo / "model/Tlb/TlbModel.cs"
        left.write_bytes(b"// Stryker disable all : outside the shard under test (mutation/shard_only.py)\n"
                         + left.read_bytes())
        result = self.run_script("model")
        self.assertEqual(result.returncode, 0, result.stderr)
        [call] = self.stryker_calls()
        self.assertEqual(call["marked"], [])
        self.assertEqual(left.read_text(encoding="utf-8"), "// stand-in\n")
        (self.repo / "model/Core/Pfn.cs").write_text("// changed\n", encoding="utf-8")
        result = self.run_script("--since", "HEAD", "model-Core")
        self.assertEqual(result.returncode, 0, result.stderr)
        [call] = self.stryker_calls()
        self.assertEqual(call["marked"], [])

    def test_no_argument_runs_each_side_once_with_its_configs_globs_then_merges_them(self) -> None:
        result = self.run_script()
        self.assertEqual(result.returncode, 0, result.stderr)
        calls = self.stryker_calls()
        ran = [Path(c["args"][c["args"].index("--output") + 1]).name for c in calls]
        self.assertEqual(ran, ["impl", "model"])
        self.assertEqual([c for c in calls if "--mutate" in c["args"]], [])
        files = {name.split("/")[0] + "-" + name.split("/")[1] for name in self.merged()["files"]}
        self.assertEqual(files, set(SHARDS))
        sidecar = json.loads((self.repo / "mutation/reports/model/shard.json").read_text(encoding="utf-8"))
        self.assertEqual((sidecar["shard"], sidecar["side"], sidecar["component"]), ("model", "model", "all"))
        rows = {tuple(line.split()[:3]) for line in result.stdout.splitlines()}
        self.assertTrue({("all", "impl", "7"), ("all", "model", "8"), ("total", "15", "15")} <= rows, result.stdout)

    def test_a_side_and_the_mmspec_component_alias_select_their_shards(self) -> None:
        self.assertEqual(self.run_script("model").returncode, 0)
        [call] = self.stryker_calls()
        self.assertNotIn("--mutate", call["args"])
        self.assertEqual(len(self.merged()["files"]), 8)
        result = self.run_script("impl", MMSPEC_COMPONENT="Slab")
        self.assertEqual(result.returncode, 0, result.stderr)
        [call] = self.stryker_calls()
        self.assertEqual(call["args"][-4:], ["--mutate", "**/Slab/**/*.cs", "--mutate", "!**/Core/LoopBound.cs"])
        self.assertEqual(set(self.merged()["files"]), {"impl/Slab/Fake.cs"})

    def test_since_reruns_only_the_changed_side_in_project_context_and_reuses_the_other(self) -> None:
        self.assertEqual(self.run_script().returncode, 0)
        commit = git(self.repo, "rev-parse", "HEAD")
        (self.repo / "model/Core/Pfn.cs").write_text("// changed\n", encoding="utf-8")
        result = self.run_script("--since", "HEAD")
        self.assertEqual(result.returncode, 0, result.stderr)
        [call] = self.stryker_calls()
        out = self.repo / "mutation/reports/model"
        self.assertEqual(Path(call["cwd"]), self.repo / "properties")
        self.assertEqual(call["args"], ["stryker", "--config-file", str(out / "stryker-config.json"),
                                        "--output", str(out), f"--since:{commit}"])
        self.assertIn("impl: nothing it mutates or tests changed since HEAD; its results", result.stdout)
        self.assertEqual(len(self.merged()["files"]), len(SHARDS))

    def test_since_reruns_only_the_changed_shard_in_project_context_and_reuses_the_rest(self) -> None:
        self.assertEqual(self.run_script(*SHARDS).returncode, 0)
        commit = git(self.repo, "rev-parse", "HEAD")
        (self.repo / "model/Core/Pfn.cs").write_text("// changed\n", encoding="utf-8")
        result = self.run_script("--since", "HEAD", *SHARDS)
        self.assertEqual(result.returncode, 0, result.stderr)
        [call] = self.stryker_calls()
        out = self.repo / "mutation/reports/model-Core"
        self.assertEqual(Path(call["cwd"]), self.repo / "properties")
        self.assertEqual(call["args"], ["stryker", "--config-file", str(out / "stryker-config.json"),
                                        "--output", str(out), "--mutate", "**/Core/**/*.cs",
                                        "--mutate", "!**/Core/LoopBound.cs", f"--since:{commit}"])
        config = json.loads((out / "stryker-config.json").read_text(encoding="utf-8"))["stryker-config"]
        self.assertNotIn("solution", config)
        self.assertEqual(config["project"], "MMSpec.Model.csproj")
        for shard in SHARDS[:-1]:
            self.assertIn(f"{shard}: nothing it mutates or tests changed since HEAD; its results", result.stdout)
        self.assertEqual(len(self.merged()["files"]), len(SHARDS))

    def test_since_a_test_change_reruns_both_sides_and_no_change_reruns_none(self) -> None:
        self.assertEqual(self.run_script().returncode, 0)
        result = self.run_script("--since", "HEAD")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(self.stryker_calls(), [])
        self.assertIn("no shard changed since HEAD", result.stdout)
        (self.repo / "properties/Tlb/TlbExamples.cs").write_text("// changed\n", encoding="utf-8")
        self.assertEqual(self.run_script("--since", "HEAD").returncode, 0)
        self.assertEqual(len(self.stryker_calls()), 2)

    def test_since_a_change_to_the_conformance_kit_reruns_both_sides(self) -> None:
        self.assertEqual(self.run_script().returncode, 0)
        kit = self.repo / "conformance/Lockstep/LockstepRunner.cs"
        kit.parent.mkdir(parents=True, exist_ok=True)
        kit.write_text("// changed\n", encoding="utf-8")
        self.assertEqual(self.run_script("--since", "HEAD").returncode, 0)
        self.assertEqual(len(self.stryker_calls()), 2)

    def test_since_without_a_stored_report_is_bad_usage(self) -> None:
        result = self.run_script("--since", "HEAD")
        self.assertEqual(result.returncode, 2)
        self.assertIn("--since needs the stored full report", result.stderr)

    def test_since_refuses_a_git_worktree(self) -> None:
        self.assertEqual(self.run_script().returncode, 0)
        tree = self.tmp / "tree"
        git(self.repo, "worktree", "add", "-q", "--detach", str(tree))
        shutil.copytree(self.repo / "mutation/reports", tree / "mutation/reports")
        result = subprocess.run(["bash", "mutation/run", "--since", "HEAD"], cwd=tree, capture_output=True,
                                text=True, env=self.env)
        self.assertEqual(result.returncode, 2)
        self.assertIn("--since does not work in a git worktree", result.stderr)

    def test_list_prints_every_side_x_component_shard(self) -> None:
        result = self.run_script("--list")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout.split(), SHARDS)

    def test_bad_usage_is_a_clear_message_and_exit_2(self) -> None:
        cases = [(("--shard", "impl-Core"), "unknown shard 'impl-Core'"), (("sideways",), "unknown side or shard"),
                 (("--since", "no-such-ref"), "'no-such-ref' is not a commit"),
                 (("--shard",), "--shard needs a shard name"), (("--bogus",), "unknown option"),
                 (("--shard", "impl-Tlb", "model"), "--shard takes no other shard")]
        for args, message in cases:
            with self.subTest(args=args):
                result = self.run_script(*args)
                self.assertEqual(result.returncode, 2)
                self.assertIn(f"mutation/run: {message}", result.stderr)
                self.assertEqual(self.stryker_calls(), [])


if __name__ == "__main__":
    unittest.main()
