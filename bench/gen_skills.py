#!/usr/bin/env python3
"""Writes a tree of N skills for benchmarking `skillpack validate`.

Usage: bench/gen_skills.py OUT [N]

Skills are spread over 100 category folders (OUT/cat-XX/skill-NNNNN), each with a
SKILL.md of about 60 lines that links to its references/guide.md. One skill in 500 is
invalid (a name that differs from its folder), one in 250 has an unknown field (an error in
the spec profile), and one in 100 links to a missing file (a warning).
"""

import sys
from pathlib import Path

BODY = """
# {name}

Use this skill when the user asks for {name}. Read [the guide](references/guide.md)
before starting, and follow its steps in order.

## Steps

""" + "".join(
    f"{i}. Step {i} of the procedure: check the input, apply the change, verify the result.\n"
    for i in range(1, 41)
) + """
## Notes

Keep answers short. Quote the guide when in doubt.
"""


def main() -> None:
    out = Path(sys.argv[1])
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 10_000
    for i in range(n):
        name = f"skill-{i:05d}"
        folder = out / f"cat-{i % 100:02d}" / name
        (folder / "references").mkdir(parents=True, exist_ok=True)
        fm_name = "wrong-name" if i % 500 == 499 else name
        extra = "author: someone\n" if i % 250 == 123 else ""
        body = BODY.format(name=name)
        if i % 100 == 42:
            body += "\nSee also [the appendix](references/appendix.md).\n"
        (folder / "SKILL.md").write_text(
            f"---\nname: {fm_name}\n"
            f"description: Does {name} work. Use when the user asks for {name} or a related task.\n"
            f"license: MIT\n{extra}"
            f"metadata:\n  version: \"1.0.{i}\"\n  author: bench\n---\n{body}",
            encoding="utf-8",
        )
        (folder / "references" / "guide.md").write_text(f"# Guide for {name}\n\nStep by step.\n")


if __name__ == "__main__":
    main()
