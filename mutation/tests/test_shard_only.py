"""Tests of mutation/shard_only.py on a made-up tree of C# files."""
from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCRIPT = HERE.parent / "shard_only.py"
sys.path.insert(0, str(HERE.parent))
import shard_only  # noqa: E402


class ShardOnlyTests(unittest.TestCase):
    def setUp(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="shard-only-"))
        self.addCleanup(shutil.rmtree, self.root)
        self.files = {
            "model/Buddy/BuddyModel.cs": b"namespace A;\n",
            "model/Core/Pfn.cs": b"\xef\xbb\xbfnamespace B;\n",
            "model/Tlb/Deep/Walk.cs": b"namespace C;\n",
            "model/obj/Release/Gen.cs": b"generated\n",
            "impl/Buddy/BuddyAllocator.cs": b"namespace D;\n",
        }
        for name, data in self.files.items():
            (self.root / name).parent.mkdir(parents=True, exist_ok=True)
            (self.root / name).write_bytes(data)

    def read(self, name: str) -> bytes:
        return (self.root / name).read_bytes()

    def run_script(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True)

    def test_apply_marks_the_sides_files_outside_the_component_after_a_bom_and_nothing_else(self) -> None:
        self.assertEqual(shard_only.apply(self.root, "model", "Buddy"), 2)
        self.assertEqual(self.read("model/Buddy/BuddyModel.cs"), b"namespace A;\n")
        self.assertEqual(self.read("model/Core/Pfn.cs"), b"\xef\xbb\xbf" + shard_only.MARK + b"namespace B;\n")
        self.assertEqual(self.read("model/Tlb/Deep/Walk.cs"), shard_only.MARK + b"namespace C;\n")
        self.assertEqual(self.read("model/obj/Release/Gen.cs"), b"generated\n")
        self.assertEqual(self.read("impl/Buddy/BuddyAllocator.cs"), b"namespace D;\n")

    def test_apply_keeps_every_component_of_a_comma_separated_list(self) -> None:
        self.assertEqual(shard_only.apply(self.root, "model", "Buddy,Tlb"), 1)
        self.assertEqual(self.read("model/Buddy/BuddyModel.cs"), b"namespace A;\n")
        self.assertEqual(self.read("model/Tlb/Deep/Walk.cs"), b"namespace C;\n")
        self.assertTrue(shard_only.is_marked(self.root / "model/Core/Pfn.cs"))

    def test_restore_takes_out_only_the_mark_and_keeps_later_edits(self) -> None:
        shard_only.apply(self.root, "model", "Tlb")
        path = self.root / "model/Buddy/BuddyModel.cs"
        path.write_bytes(path.read_bytes() + b"// edited\n")
        self.assertEqual(shard_only.restore(self.root, "model"), 2)
        self.assertEqual(self.read("model/Buddy/BuddyModel.cs"), b"namespace A;\n// edited\n")
        self.assertEqual(self.read("model/Core/Pfn.cs"), self.files["model/Core/Pfn.cs"])
        self.assertEqual(shard_only.restore(self.root, "model"), 0)

    def test_apply_refuses_a_side_already_marked_and_changes_nothing(self) -> None:
        shard_only.apply(self.root, "model", "Tlb")
        before = {name: self.read(name) for name in self.files}
        result = self.run_script("apply", "model", "Core", str(self.root))
        self.assertEqual(result.returncode, 2)
        self.assertIn("already marked", result.stderr)
        self.assertEqual({name: self.read(name) for name in self.files}, before)

    def test_the_command_line_counts_and_refuses_bad_usage(self) -> None:
        result = self.run_script("apply", "impl", "Slab", str(self.root))
        self.assertEqual((result.returncode, result.stdout.strip()),
                         (0, "1 files of impl outside Slab carry no mutants"))
        result = self.run_script("restore", "impl", str(self.root))
        self.assertEqual((result.returncode, result.stdout.strip()), (0, "1 files of impl unmarked"))
        for bad in (["apply", "impl"], ["apply", "conformance", "Slab"], ["undo", "impl"], []):
            self.assertEqual(self.run_script(*bad).returncode, 2, bad)


if __name__ == "__main__":
    unittest.main()
