#!/usr/bin/env python3
"""Compare `skillpack validate` with the reference validator (skills-ref) on the case table.

Every `spec` case of tests/fixtures/validate/cases.yaml is written to a temporary folder,
validated by the reference validator (in-process, `skills_ref.validator.validate`) and by
the skillpack binary (`--format json`), and the two verdicts (valid / invalid) compared.
A case may differ only when it says so with `differs:`; any other difference fails.

With `--random N`, also N random frontmatters built from tricky names, descriptions and
fields are compared; a difference there must fall in one of the documented classes
(see docs/validate.md), else it is reported as unexpected.

Set-up (the reference validator is a Python package; its YAML reader is strictyaml):

    python3 -m venv /tmp/skills-ref && /tmp/skills-ref/bin/pip install skills-ref
    cargo build
    /tmp/skills-ref/bin/python scripts/reference_validate.py [--binary target/debug/skillpack]
"""

import argparse
import json
import random
import subprocess
import sys
import tempfile
from pathlib import Path

import strictyaml
from skills_ref.validator import validate as reference_validate

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "tests" / "fixtures" / "validate" / "cases.yaml"
BIG_FILE = 1024 * 1024 + 1


def expand(text: str) -> str:
    """`%{TEXT*N}` stands for TEXT repeated N times."""
    out = []
    while "%{" in text:
        before, rest = text.split("%{", 1)
        inner, text = rest.split("}", 1)
        what, count = inner.rsplit("*", 1)
        out.append(before + what * int(count))
    out.append(text)
    return "".join(out)


def load_cases() -> list[dict]:
    return strictyaml.load(CASES.read_text(encoding="utf-8")).data


def materialise(case: dict, root: Path) -> Path:
    """Writes the case's skill folder under `root` and returns it."""
    folder = root / case["id"] / expand(case.get("folder", "my-skill"))
    folder.mkdir(parents=True)
    text = expand(case.get("skill", ""))
    lines = int(case.get("body_lines", "0") or 0)
    text += "".join(f"line {i + 1}\n" for i in range(lines))
    skill_file = case.get("skill_file", "SKILL.md")
    if skill_file != "none":
        data = text.encode(case.get("encoding", "utf-8"))
        (folder / skill_file).write_bytes(data)
    for entry in case.get("files", "").splitlines():
        entry = entry.strip()
        if not entry:
            continue
        big = entry.startswith("big:")
        path = folder / entry.removeprefix("big:")
        if entry.endswith("/"):
            path.mkdir(parents=True, exist_ok=True)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"\0" * BIG_FILE if big else b"x\n")
    return folder


def reference_verdict(folder: Path) -> tuple[bool, list[str]]:
    try:
        errors = reference_validate(folder)
    except Exception as e:  # the reference validator lets decoding errors escape
        errors = [f"{type(e).__name__}: {e}"]
    return (not errors, errors)


NAMES = [
    "my-skill", "My-Skill", "-x", "x-", "a--b", "日本語", "café", "ｍｙ-ｓｋｉｌｌ", "", "  ",
    "a_b", "123", "true", "null", "~", "'q-uoted'", '"dq"', "a b", "a" * 64, "a" * 65,
    "हिन्दी", "Ⓐbc", "ⓐbc", "ß-straße", "ǅx", "İstanbul", "ﬁ-x", "x\u0301y", "ΣΑΣ", "σας",
    "a.b", "1.0", "yes", "Ünï", "٣٤", "x²", "½x", "'a: b'", "a #c", "[a]", "{a: b}",
    "&a x", "!!str x",
]
DESCRIPTIONS = [
    "d", '""', '"   "', "x: y", '"quoted: ok"', "<b>", "|\n  block text\n", "null", "~", "",
    "a" * 1024, "a" * 1025, "- list", '"é"', "42", "true", "'single'", ">\n  folded\n  text\n",
    '"a --- b"', "tab\there", "😀" * 1024, "😀" * 1025,
]
FIELDS = [
    "license: MIT", "license:", "license:\n  - MIT", "compatibility: git",
    "compatibility: " + "c" * 501, "compatibility:\n  - git", 'compatibility: ""',
    "metadata:\n  a: b", "metadata: x", "metadata:\n  v: 1.0", "metadata:\n  t:\n    - a",
    "metadata: {a: b}", "metadata:", "allowed-tools: Read Grep", "allowed-tools:\n  - Read",
    "allowed-tools: [Read]", "version: 1.0", "tags:\n  - a", "author: me", "model: sonnet",
    "x: &a 1\ny: *a", "metadata:\n  a: b\n  a: c", "description: again",
]
# Our errors that the reference validator does not raise (it reads null as text, so a null
# `description` is no `description-empty` to it, and does not type-check these fields), and
# YAML it refuses that skillpack reads.
STRICTER = {"null-value", "description-empty", "license-type", "metadata-type",
            "metadata-value-type", "allowed-tools-type"}
REFUSED_YAML = ("\t", "---", "{", "[", "&", "*", "!!")


def random_cases(n: int, seed: int) -> list[dict]:
    rng = random.Random(seed)
    cases = []
    for i in range(n):
        name, desc = rng.choice(NAMES), rng.choice(DESCRIPTIONS)
        fields = []
        if rng.random() > 0.05:
            fields.append(f"name: {name}")
        if rng.random() > 0.05:
            fields.append(f"description: {desc}")
        fields += [rng.choice(FIELDS) for _ in range(rng.choice([0, 0, 1, 2]))]
        rng.shuffle(fields)
        folder = name.strip("'\"").strip() if rng.random() < 0.8 else "my-skill"
        folder = folder.replace("/", "_").strip(".") or "empty"
        body = "\n".join(fields)
        cases.append({"id": f"random-{i}", "folder": folder, "skill": f"---\n{body}\n---\nBody\n"})
    return cases


def explained(case: dict, ref_ok: bool, our_errors: set[str]) -> bool:
    """Whether a difference on a random case is one of the documented classes."""
    if ref_ok:
        return bool(our_errors) and our_errors <= STRICTER
    yaml = case["skill"][4:-10]
    return any(token in yaml for token in REFUSED_YAML)


def compare_random(binary: str, n: int, seed: int) -> int:
    cases = random_cases(n, seed)
    with tempfile.TemporaryDirectory() as tmp:
        folders = [materialise(c, Path(tmp)) for c in cases]
        run = subprocess.run(
            [binary, "validate", "--format", "json", *map(str, folders)],
            capture_output=True, text=True,
        )
        ours = {
            Path(s["path"]): {d["rule"] for d in s["diagnostics"] if d["severity"] == "error"}
            for s in json.loads(run.stdout)["skills"]
        }
        same, documented, unexpected = 0, 0, []
        for case, folder in zip(cases, folders):
            ref_ok, ref_errors = reference_verdict(folder)
            errors = ours[folder]
            if ref_ok == (not errors):
                same += 1
            elif explained(case, ref_ok, errors):
                documented += 1
            else:
                unexpected.append((case, ref_errors, errors))
    print(f"{n} random frontmatters (seed {seed}): {same} same verdict, "
          f"{documented} in documented classes, {len(unexpected)} unexpected")
    for case, ref_errors, errors in unexpected[:20]:
        print(f"  UNEXPECTED {case['id']}: reference {ref_errors or 'valid'}, skillpack {sorted(errors) or 'valid'}")
        print("    " + case["skill"].replace("\n", "\n    "))
    return 1 if unexpected else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", default=str(ROOT / "target" / "debug" / "skillpack"))
    parser.add_argument("-v", "--verbose", action="store_true", help="show every case")
    parser.add_argument("--random", type=int, default=0, metavar="N", help="also compare N random frontmatters")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    cases = [c for c in load_cases() if c.get("profile", "spec") == "spec"]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        folders = [materialise(c, root) for c in cases]
        run = subprocess.run(
            [args.binary, "validate", "--format", "json", *map(str, folders)],
            capture_output=True,
            text=True,
        )
        if run.returncode not in (0, 1):
            print(run.stderr, file=sys.stderr)
            return 2
        ours = {Path(s["path"]): s["valid"] for s in json.loads(run.stdout)["skills"]}

        agree, documented, unexpected = 0, [], []
        for case, folder in zip(cases, folders):
            ref_ok, ref_errors = reference_verdict(folder)
            our_ok = ours[folder]
            differs = case.get("differs")
            if ref_ok == our_ok and not differs:
                agree += 1
                status = "agree"
            elif ref_ok != our_ok and differs:
                documented.append((case["id"], ref_ok, differs))
                status = "differs (documented)"
            else:
                unexpected.append((case["id"], ref_ok, our_ok, ref_errors))
                status = "UNEXPECTED"
            if args.verbose:
                verdict = lambda ok: "valid" if ok else "invalid"
                print(f"{case['id']:40} reference {verdict(ref_ok):8} skillpack {verdict(our_ok):8} {status}")

    print(f"{len(cases)} spec cases: {agree} same verdict, {len(documented)} documented differences, {len(unexpected)} unexpected")
    for cid, ref_ok, why in documented:
        print(f"  differs  {cid}: reference says {'valid' if ref_ok else 'invalid'}; it {why}")
    for cid, ref_ok, our_ok, ref_errors in unexpected:
        print(f"  UNEXPECTED {cid}: reference {'valid' if ref_ok else 'invalid'} {ref_errors}, skillpack {'valid' if our_ok else 'invalid'}")
    status = 1 if unexpected else 0
    if args.random:
        status |= compare_random(args.binary, args.random, args.seed)
    return status


if __name__ == "__main__":
    sys.exit(main())
