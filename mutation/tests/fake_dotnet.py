#!/usr/bin/env python3
"""Stands in for `dotnet` in test_run.py: logs each call (arguments, directory, MMSPEC_* variables) to
$FAKE_DOTNET_LOG with the C# files marked "Stryker disable all" at the time, and for `dotnet stryker` writes a report with one killed mutant in <side>/<Component>/Fake.cs
for each component the --mutate globs (or, without them, the config's) name."""
import json
import os
import re
import subprocess
import sys
from pathlib import Path

args = sys.argv[1:]
top = Path(subprocess.run(["git", "rev-parse", "--show-toplevel"], capture_output=True, text=True).stdout.strip())
# The C# files that carry mutation/shard_only.py's mark while Stryker runs.
marked = sorted(str(p.relative_to(top)) for p in top.glob("*/**/*.cs")
                if p.read_bytes().startswith(b"// Stryker disable all"))
with open(os.environ["FAKE_DOTNET_LOG"], "a", encoding="utf-8") as log:
    env = {k: v for k, v in os.environ.items() if k.startswith("MMSPEC_")}
    log.write(json.dumps({"args": args, "cwd": os.getcwd(), "env": env, "marked": marked}) + "\n")
if args[:1] == ["stryker"]:
    pairs = list(zip(args[1::2], args[2::2]))
    option = dict(pairs)
    root = subprocess.run(["git", "rev-parse", "--show-toplevel"], capture_output=True, text=True).stdout.strip()
    config = json.loads(Path(option["--config-file"]).read_text(encoding="utf-8"))["stryker-config"]
    side = "impl" if config["project"] == "MMSpec.Impl.csproj" else "model"
    # The command line's --mutate globs replace the config's, as in Stryker; a whole side has none.
    globs = [value for key, value in pairs if key == "--mutate"] or config["mutate"]
    components = [m.group(1) for g in globs if (m := re.fullmatch(r"\*\*/(\w+)/\*\*/\*\.cs", g))]
    mutant = {"id": "0", "mutatorName": "Equality mutation", "replacement": "!=", "status": "Killed",
              "location": {"start": {"line": 1, "column": 1}, "end": {"line": 1, "column": 3}}}
    report = {"schemaVersion": "2", "thresholds": {"high": 90, "low": 80}, "projectRoot": f"{root}/{side}",
              "files": {f"{root}/{side}/{component}/Fake.cs": {"language": "cs", "source": "a == b\n",
                                                                  "mutants": [mutant]}
                        for component in components},
              "testFiles": {f"{root}/properties/FakeTests.cs": {"language": "cs", "source": "", "tests": []}}}
    reports = Path(option["--output"]) / "reports"
    reports.mkdir(parents=True, exist_ok=True)
    (reports / "mutation-report.json").write_text(json.dumps(report), encoding="utf-8")
