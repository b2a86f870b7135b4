#!/usr/bin/env python3
"""Prints the failed .NET tests of TRX files (one per test project), each with the first lines of its message.

`make test` runs this last, so a run that fails names its failing tests at the end of its output, after the
later suites' logs (a long log is often read from its tail).
"""
import sys
import xml.etree.ElementTree as ET

NS = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
MESSAGE_LINES = 12


def failed_results(path: str) -> list[ET.Element]:
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError) as e:
        print(f"test summary: no readable .NET results at {path} ({e})")
        return []
    return [r for r in root.iterfind(".//t:UnitTestResult", NS) if r.get("outcome") == "Failed"]


def main(paths: list[str]) -> int:
    failed = [r for path in paths for r in failed_results(path)]
    if not failed:
        return 0
    print(f"\n=== {len(failed)} failed .NET test(s) ===")
    for result in failed:
        print(f"\nFAILED {result.get('testName')} ({result.get('duration')})")
        message = result.findtext("t:Output/t:ErrorInfo/t:Message", default="", namespaces=NS).strip()
        for line in message.splitlines()[:MESSAGE_LINES]:
            print(f"    {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
