#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Check that the hand-written uAPI header defines what the netlink spec says.

usage: uapi-check.py GENERATED_HEADER OUR_HEADER

Every enumerator and #define of the header generated from the spec must
exist in ours with the same value: the compiler checks it.
"""
import os
import re
import subprocess
import sys
import tempfile


def parse(text):
    """Enumerators and defines of a generated header, with their values."""
    checks = []
    for body in re.findall(r"enum\s+\w+\s*\{(.*?)\};", text, re.S):
        value = -1
        for entry in body.split(","):
            entry = entry.strip()
            if not entry or entry.startswith("__"):
                continue
            name, _, expr = (p.strip() for p in entry.partition("="))
            if name.endswith("_MAX"):
                checks.append((name, expr))
                continue
            value = int(expr, 0) if expr else value + 1
            checks.append((name, str(value)))
    for name, val in re.findall(r"#define\s+(\w+)\s+(.+)", text):
        if not name.startswith("_"):
            checks.append((name, val.strip()))
    return checks


def main():
    generated, ours = sys.argv[1], sys.argv[2]
    checks = parse(open(generated).read())
    incdir = os.path.dirname(os.path.dirname(os.path.abspath(ours)))
    lines = ['#include <string.h>', '#include <linux/lm.h>']
    for i, (name, val) in enumerate(checks):
        if val.startswith('"'):
            lines.append(f'static const char s{i}[] = {name};')
            lines.append(f'_Static_assert(sizeof(s{i}) == sizeof({val}) && '
                         f'{name}[0] == {val}[0], "{name}");')
        else:
            lines.append(f'_Static_assert({name} == ({val}), "{name}");')
    with tempfile.NamedTemporaryFile("w", suffix=".c", delete=False) as f:
        f.write("\n".join(lines) + "\n")
    try:
        subprocess.run(["cc", "-fsyntax-only", "-I", incdir, f.name],
                       check=True)
    finally:
        os.unlink(f.name)
    print(f"uapi-check: {len(checks)} definitions of the spec match {ours}")


if __name__ == "__main__":
    main()
