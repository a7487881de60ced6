#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
# pty-run.py COLUMNS CMD...: run CMD with its stderr on a pseudo-terminal
# COLUMNS wide (TIOCSWINSZ), as a user at a terminal would; stdout goes to
# /dev/null. Prints what the terminal received, then exits with CMD's code.
import fcntl, os, pty, struct, subprocess, sys, termios
cols = int(sys.argv[1])
master, slave = pty.openpty()
fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, cols, 0, 0))
env = dict(os.environ)
env.pop("COLUMNS", None)
p = subprocess.Popen(sys.argv[2:], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                     stderr=slave, env=env)
os.close(slave)
out = b""
while True:
    try:
        b = os.read(master, 65536)
    except OSError:
        break
    if not b:
        break
    out += b
rc = p.wait()
sys.stdout.write(out.decode("utf-8", "replace"))
sys.exit(rc)
