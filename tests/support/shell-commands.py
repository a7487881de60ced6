#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""List the external commands shell scripts run.

usage: shell-commands.py [--make] FILE...

Prints one line per command and place: "NAME<TAB>FILE:LINE". The scripts
are parsed by shfmt (its --to-json syntax tree), so quoting, command
substitutions, arithmetic, case patterns and here-documents are read as
the shell reads them. Every simple command whose name is a literal word
is listed, looking through the wrappers the tests use (check,
expect_exit, with_lock, timeout, env, command, exec, nice, xargs, time,
flock, setpriv, strace, unshare, chroot, ...) and into the scripts given
to sh -c / bash -c. Skipped: assignments, builtins, functions the files
define, variables and paths (the project's own programs are run by
path). With --make, FILE is a Makefile.am or configure.ac: its recipe
lines (after a tab) are read as shell, and AC_PATH_PROG/AC_CHECK_PROG
names are listed.
"""
import os
import json
import re
import subprocess
import sys

BUILTINS = set(""". : [ alias bg bind break builtin caller cd command compgen
complete compopt continue declare dirs disown echo enable eval exec exit
export false fc fg getopts hash help history jobs kill let local logout
mapfile popd printf pushd pwd read readarray readonly return set shift
shopt source suspend test times trap true type typeset ulimit umask unalias
unset wait""".split())
# wrapper -> plain arguments before the wrapped command (options skipped)
WRAPPERS = {"check": 1, "expect_exit": 2, "with_lock": 1, "timeout": 1,
            "command": 0, "exec": 0, "nice": 0, "xargs": 0, "time": 0,
            "sudo": 0, "env": 0, "flock": 1, "setpriv": 0, "strace": 0,
            "unshare": 0, "chroot": 1, "bytes_read": 0, "stdbuf": 0,
            "ionice": 0, "taskset": 1, "fakeroot": 0, "nohup": 0}
# options of wrappers that take a value
OPT_ARG = {"-o", "-e", "-u", "-g", "-n", "-s", "-k", "-E", "-I", "-P",
           "--reuid", "--regid", "--groups", "--init-groups"}
SYSDIRS = ("/usr/bin/", "/bin/", "/usr/sbin/", "/sbin/")
NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._+-]*$")


_trees = {}


def shfmt_tree(text, name):
    if text in _trees:
        return _trees[text]
    r = subprocess.run(["shfmt", "--to-json", "-ln", "bash"], input=text,
                       capture_output=True, text=True)
    if r.returncode:
        sys.exit("shell-commands.py: %s: shfmt cannot parse it: %s" %
                 (name, r.stderr.strip()))
    _trees[text] = json.loads(r.stdout)
    return _trees[text]


def literal(word):
    """The word's text if it is made of literal parts only, else None."""
    out = []
    for p in word.get("Parts", []):
        t = p.get("Type")
        if t == "Lit":
            out.append(p.get("Value", ""))
        elif t == "SglQuoted":
            out.append(p.get("Value", ""))
        elif t == "DblQuoted":
            inner = literal(p)
            if inner is None:
                return None
            out.append(inner)
        else:
            return None
    return "".join(out)


def script_text(word):
    """A word's text with every expansion replaced by a placeholder word:
    enough to parse the commands of an sh -c script built with variables."""
    out = []
    for p in word.get("Parts", []):
        t = p.get("Type")
        if t in ("Lit", "SglQuoted"):
            out.append(p.get("Value", ""))
        elif t == "DblQuoted":
            out.append(script_text(p))
        else:
            out.append("/placeholder")
    return "".join(out)


def walk(node, visit):
    if isinstance(node, dict):
        visit(node)
        for v in node.values():
            walk(v, visit)
    elif isinstance(node, list):
        for v in node:
            walk(v, visit)


def commands_in(text, name, line0, defined, emit, depth=0):
    tree = shfmt_tree(text, name)

    def visit(node):
        if node.get("Type") != "CallExpr" or not node.get("Args"):
            return
        args = node["Args"]
        line = line0 + args[0]["Pos"]["Line"] - 1
        words = [literal(a) for a in args]
        i = 0
        while i < len(words):
            w = words[i]
            if w is None:
                return  # a variable or computed name: a path the tests own
            if w in ("sh", "bash", "dash"):
                if i + 2 < len(words) and words[i + 1] in ("-c", "-ec", "-euc", "-ce") \
                        and depth < 5:
                    try:
                        commands_in(script_text(args[i + 2]), name, line,
                                    defined, emit, depth + 1)
                    except SystemExit:
                        pass  # a script that is not shell on its own
                emit(w, line)
                return
            wraps = WRAPPERS.get(w)
            if wraps is None and defined.get(w) is not None:
                wraps = defined[w]
            if wraps is not None:
                emit(w, line)
                skip = wraps
                i += 1
                while i < len(words):
                    a = words[i]
                    if a is None and skip:
                        skip -= 1
                        i += 1
                    elif a is None:
                        return
                    elif a.startswith("-"):
                        i += 2 if a in OPT_ARG and "=" not in a else 1
                    elif w == "env" and "=" in a:
                        i += 1
                    elif skip:
                        skip -= 1
                        i += 1
                    else:
                        break
                continue
            emit(w, line)
            return

    walk(tree, visit)


def functions(tree, known):
    """Functions a file defines: name -> None, or, for a function that
    runs its own arguments ("$@" as a command name, as check and row do),
    how many leading arguments it shifts off first."""
    names = {}
    known = dict(known)

    def visit(node):
        if node.get("Type") != "FuncDecl":
            return
        runs, shifts = [False], [0]

        def all_args(word):
            parts = word.get("Parts", [])
            return len(parts) == 1 and parts[0].get("Type") == "DblQuoted" and \
                [p.get("Param", {}).get("Value") for p in parts[0].get("Parts", [])] == ["@"]

        def inner(n):
            if n.get("Type") != "CallExpr" or not n.get("Args"):
                return
            args = n["Args"]
            name = literal(args[0])
            # "$@" run as a command, or handed to a command runner
            if all_args(args[0]) or ((name in WRAPPERS or
                                      (name in known and known[name] is not None))
                                     and any(all_args(a) for a in args[1:])):
                runs[0] = True
            if literal(n["Args"][0]) == "shift":
                k = literal(n["Args"][1]) if len(n["Args"]) > 1 else "1"
                shifts[0] += int(k) if k and k.isdigit() else 1
        walk(node.get("Body"), inner)
        names[node["Name"]["Value"]] = shifts[0] if runs[0] else None
        known[node["Name"]["Value"]] = names[node["Name"]["Value"]]
    walk(tree, visit)
    return names


def sourced(tree):
    """Base names of the files a script sources."""
    names = []

    def visit(n):
        if n.get("Type") == "CallExpr" and len(n.get("Args", [])) > 1 and \
                literal(n["Args"][0]) in (".", "source"):
            lits = [p.get("Value", "") for p in n["Args"][1].get("Parts", [])
                    if p.get("Type") == "Lit"]
            for p in n["Args"][1].get("Parts", []):
                if p.get("Type") == "DblQuoted":
                    lits += [q.get("Value", "") for q in p.get("Parts", [])
                             if q.get("Type") == "Lit"]
            if lits:
                names.append(lits[-1].rsplit("/", 1)[-1])
    walk(tree, visit)
    return names


def main(argv):
    make = False
    if argv and argv[0] == "--make":
        make, argv = True, argv[1:]
    files = []
    for path in argv:
        with open(path, encoding="utf-8", errors="replace") as f:
            files.append((path, f.read()))
    # functions: a file's own, and those of the lib.sh every test sources
    shared = {}
    if not make:
        for path, text in files:
            if path.endswith("/lib.sh"):
                shared.update(functions(shfmt_tree(text, path), shared))
    found = []

    by_base = {path.rsplit("/", 1)[-1]: (path, text) for path, text in files}
    # a file another one sources (tests/kernel/run sources check-*.sh) also
    # sees the functions of the file that sources it
    parents = {}
    if not make:
        for path, text in files:
            for src in sourced(shfmt_tree(text, path)):
                parents.setdefault(src, []).append((path, text))
    for path, text in files:
        defined = dict(shared)
        if not make:
            for p2, t2 in parents.get(path.rsplit("/", 1)[-1], []):
                defined.update(functions(shfmt_tree(t2, p2), shared))
            # and those of the files it sources (". $top_srcdir/tests/x.sh")
            for src in sourced(shfmt_tree(text, path)):
                if src in by_base:
                    p2, t2 = by_base[src]
                    defined.update(functions(shfmt_tree(t2, p2), shared))
                else:
                    # a file not checked itself (the guest's scn-*.sh):
                    # only the functions it defines count
                    p2 = os.path.join(os.path.dirname(path), src)
                    if os.path.isfile(p2):
                        with open(p2, encoding="utf-8", errors="replace") as f:
                            defined.update(functions(shfmt_tree(f.read(), p2), shared))
            defined.update(functions(shfmt_tree(text, path), shared))
        def emit(w, line, path=path):
            if w.startswith(SYSDIRS):
                found.append((w, "%s:%d" % (path, line)))
                return
            if "/" in w or not NAME.match(w) or w in BUILTINS or w in defined:
                return
            found.append((w, "%s:%d" % (path, line)))
        if not make:
            commands_in(text, path, 1, defined, emit)
            continue
        in_recipe = False
        for n, line in enumerate(text.split("\n"), 1):
            for m in re.finditer(r"AC_(?:PATH|CHECK)_PROGS?\(\[\w+\],\s*\[([^\]]+)\]", line):
                for w in m.group(1).split():
                    emit(w, n)
            if not line.startswith("\t"):
                # a rule line "target: prerequisites" starts a recipe
                in_recipe = bool(re.match(r"^[^\t#=]+:([^=]|$)", line))
            elif in_recipe and "Makefile" in path:
                body = re.sub(r"\$[({]([A-Za-z_]+)[)}]", r"$\1", line[1:].rstrip("\\"))
                body = body.lstrip("@-+").replace("$$", "$")
                try:
                    commands_in(body, path, n, defined, emit)
                except SystemExit:
                    pass  # a recipe line continued from the previous one
    for w, where in found:
        print("%s\t%s" % (w, where))


if __name__ == "__main__":
    main(sys.argv[1:])
