"""One owner per run directory: a second launch on a run that a live process trains is refused.

The lock is an flock(2) on RUN_DIR/.lock, held for the whole run. Why flock and not a pid file:
the kernel drops the lock when its process dies, however it dies (kill -9, the OOM killer), so a
run whose trainer was killed is relaunched, and resumed, without anything to clean up, and a pid
that happens to be reused never keeps a run locked. The file holds the owner's pid, host and
start time only to name it in the refusal; the file itself is left in place (removing it would
let a third launch lock a new file while a second still holds the old one).

Multi-worker jobs: each worker holds its own part, RUN_DIR/.lock.<task type><index> (e.g.
.lock.worker1), exclusively, and RUN_DIR/.lock shared. Two launches of the same worker conflict,
a single-process launch and a running job exclude each other, and the relaunch of a whole job
takes the same parts again and resumes.

Shared filesystems: flock is reliable on a local disk and, across nodes, only where the
filesystem implements it: NFSv4 maps it to byte-range locks held under a lease (a lost node's lock
lasts until the lease expires, 90 s by default, then the relaunch goes through); Lustre needs the
`flock` mount option (`localflock` only sees one node's locks). A filesystem that refuses flock
gets a warning and an unlocked run rather than no run.
"""

import contextlib
import errno
import fcntl
import glob
import json
import os
import socket
import sys
import time
from collections.abc import Callable, Iterator

from pipelines.errors import UserError


class RunDirBusy(UserError):
    """Another live process owns the run directory (one line for the CLI)."""


def _holder(path: str) -> str | None:
    """'pid 123 on host (started ...)' from a lock file, or None when it is empty or unreadable
    (its owner is between locking and writing)."""
    try:
        with open(path) as f:
            owner = json.load(f)
        return f"pid {owner['pid']} on {owner['host']} (started {owner['started']})"
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _lock(path: str, mode: int) -> int | None:
    """An open descriptor holding flock `mode` on path, or None when another process holds a
    conflicting lock. OSError when the filesystem cannot lock."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, mode | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    except OSError:
        os.close(fd)
        raise
    return fd


def _live_parts(run_dir: str) -> list[str]:
    """The workers of a job that now hold parts of run_dir: 'worker0: pid ...' each."""
    live = []
    for path in sorted(glob.glob(os.path.join(run_dir, ".lock.*"))):
        try:
            fd = os.open(path, os.O_RDONLY)
        except OSError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)  # taken: nobody holds it, released
        except BlockingIOError:
            live.append(f"{path.rsplit('.lock.', 1)[1]}: {_holder(path) or 'a live process'}")
        except OSError:
            pass
        finally:
            os.close(fd)
    return live


def _busy(run_dir: str, who: str) -> RunDirBusy:
    return RunDirBusy(f"{run_dir} is being trained by {who}: wait for it to finish or stop it, "
                      "or choose another --run-dir")


def _write_owner(fd: int, part: str | None) -> None:
    owner = dict(pid=os.getpid(), host=socket.gethostname(),
                 started=time.strftime("%Y-%m-%d %H:%M:%S %Z"), part=part, argv=sys.argv)
    os.ftruncate(fd, 0)
    os.pwrite(fd, json.dumps(owner).encode() + b"\n", 0)


def _acquire(run_dir: str, part: str | None) -> list[int]:
    """The descriptors that hold run_dir for this process (see the module's docstring)."""
    main = os.path.join(run_dir, ".lock")
    if part is None:
        fd = _lock(main, fcntl.LOCK_EX)
        if fd is None:
            live = _live_parts(run_dir)
            who = ("a multi-worker job (" + ", ".join(live) + ")" if live
                   else _holder(main) or "another live process")
            raise _busy(run_dir, who)
        _write_owner(fd, None)
        return [fd]
    own = os.path.join(run_dir, f".lock.{part}")
    fd = _lock(own, fcntl.LOCK_EX)
    if fd is None:
        raise _busy(run_dir, f"{part} {_holder(own) or 'in another live process'}")
    shared = _lock(main, fcntl.LOCK_SH)
    if shared is None:
        os.close(fd)
        raise _busy(run_dir, _holder(main) or "another live process")
    _write_owner(fd, part)
    return [fd, shared]


@contextlib.contextmanager
def owning(run_dir: str, part: str | None = None,
           warn: Callable[..., None] = print) -> Iterator[None]:
    """Hold run_dir for the block. part: this worker's task in a multi-worker job ('worker1'),
    None for a single process. Raises RunDirBusy, naming the owner, when it is taken."""
    os.makedirs(run_dir, exist_ok=True)
    try:
        fds = _acquire(run_dir, part)
    except OSError as err:
        if err.errno not in (errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOSYS, errno.EINVAL):
            raise
        warn(f"warning: {run_dir} cannot be locked here ({os.strerror(err.errno)}): a second "
             "launch on it would not be refused", file=sys.stderr)
        fds = []
    try:
        yield
    finally:
        for fd in fds:
            os.close(fd)  # the kernel drops the locks with the last descriptor
