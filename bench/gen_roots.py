#!/usr/bin/env python3
"""Writes the skills roots of Claude Code, Codex and Gemini CLI into a HOME, for
benchmarking `skillpack doctor`.

Usage: bench/gen_roots.py HOME [N]

N skills (default 300) are spread evenly over ~/.claude/skills, ~/.agents/skills (read by
Codex and Gemini CLI) and ~/.gemini/skills, each a folder with a SKILL.md of about 50
lines and a references/guide.md. One skill in 50 has a problem some agent skips it for
(no description, a tab in the YAML, a byte-order mark), so doctor reports and exits 1.
"""

import sys
from pathlib import Path

ROOTS = [".claude/skills", ".agents/skills", ".gemini/skills"]
BODY = "".join(f"{i}. Step {i}: check the input, apply the change, verify it.\n" for i in range(1, 41))


def main() -> None:
    home = Path(sys.argv[1])
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 300
    for i in range(n):
        name = f"skill-{i:04d}"
        folder = home / ROOTS[i % len(ROOTS)] / name
        (folder / "references").mkdir(parents=True, exist_ok=True)
        fm = f"name: {name}\ndescription: Use for {name} requests; read the guide first.\n"
        bom = ""
        if i % 50 == 7:
            fm = f"name: {name}\n"
        elif i % 50 == 17:
            fm += "metadata:\n\tauthor: bench\n"
        elif i % 50 == 27:
            bom = "\ufeff"
        text = f"{bom}---\n{fm}---\n# {name}\n\nRead [the guide](references/guide.md).\n\n{BODY}"
        (folder / "SKILL.md").write_text(text, encoding="utf-8")
        (folder / "references" / "guide.md").write_text(f"# Guide to {name}\n", encoding="utf-8")


if __name__ == "__main__":
    main()
