"""Prints a Stryker JSON report's score with killed, survived, timeout and no-coverage counts, and the survivors."""
import json
import sys
from collections import Counter


def main(name: str, path: str) -> None:
    with open(path, encoding="utf-8") as f:
        report = json.load(f)
    counts = Counter()
    survivors = []
    for file_name, file in report["files"].items():
        for mutant in file["mutants"]:
            counts[mutant["status"]] += 1
            if mutant["status"] in ("Survived", "NoCoverage"):
                line = mutant["location"]["start"]["line"]
                survivors.append(f"  {mutant['status']:10} {file_name}:{line} {mutant['mutatorName']}: {mutant.get('replacement', '')[:80]}")
    killed, timeout = counts["Killed"], counts["Timeout"]
    survived, no_coverage = counts["Survived"], counts["NoCoverage"]
    valid = killed + timeout + survived + no_coverage
    stryker = 100.0 * (killed + timeout) / valid if valid else 0.0
    strict = 100.0 * killed / valid if valid else 0.0
    print(f"{name}: mutation score {stryker:.1f}% (Stryker, timeouts count as killed); "
          f"{strict:.1f}% counting killed only")
    print(f"{name}: {valid} mutants: {killed} killed, {survived} survived, {timeout} timeout, {no_coverage} no coverage"
          f" ({counts['CompileError']} compile errors, {counts['Ignored']} ignored)")
    for line in sorted(survivors):
        print(line)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
