#!/usr/bin/env python3
"""Every module a target imports is one of its declared dependencies in Package.swift, and every
declared dependency is imported (make lint runs this; SwiftPM alone lets a transitive module be
imported without saying so)."""
import glob
import os
import re
import sys

SYSTEM = {"Foundation", "Testing", "Glibc", "Dispatch", "XCTest", "PackageDescription", "Synchronization", "FoundationEssentials"}
PRODUCTS = {"ArgumentParser": "ArgumentParser", "Crypto": "Crypto"}

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
package = open(os.path.join(root, "Package.swift")).read()
# A test target depends on an executable to have it built, not to import it.
executables = set(re.findall(r'\.executableTarget\(\s*name: "(\w+)"', package))
failures = 0
checked = 0
for m in re.finditer(r'\.(target|testTarget|executableTarget)\(\s*name: "(\w+)",\s*dependencies: \[(.*?)\]', package, re.S):
    kind, name, deps = m.groups()
    declared = set(re.findall(r'"(\w+)"', re.sub(r'package: "[^"]*"', "", deps)))
    path = re.search(r'path: "([^"]+)"', package[m.end():m.end() + 300].split(".target")[0].split(".testTarget")[0])
    folder = path.group(1) if path else ("Tests/" if kind == "testTarget" else "Sources/") + name
    imported = set()
    for f in glob.glob(os.path.join(root, folder, "**", "*.swift"), recursive=True):
        imported |= set(re.findall(r"^(?:@testable |internal |public )?import (\w+)", open(f).read(), re.M))
    imported -= SYSTEM
    for module in sorted(imported - declared):
        print(f"{name}: imports {module} without declaring it")
        failures += 1
    checked += 1
    for module in sorted(declared - imported - executables):
        print(f"{name}: declares {module} but imports nothing of it")
        failures += 1
if checked < 20:
    print(f"check-imports: found only {checked} targets in Package.swift; the pattern needs updating")
    failures += 1
sys.exit(1 if failures else 0)
