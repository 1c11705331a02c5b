"""The student's kernel, sealed off with bubblewrap; nbval talks to it through a relay.

nbval starts kernels through a Jupyter kernelspec. The grader writes one per run whose
command is this module (``python -m course_utils.grading.sandbox``): the *launcher*.
It reads the connection file jupyter_client wrote (TCP ports on 127.0.0.1), starts
``ipykernel`` inside ``bwrap`` with a second connection file that uses ZeroMQ ``ipc``
sockets in a folder bound into the sandbox, and relays the five channels between the
two. The kernel has no network at all, so TCP could not reach it.

Inside the sandbox (:func:`bwrap_command`) the kernel sees:

- ``/usr``, the Python installation, the virtual environment and the ``course_utils``
  folder, read-only, and nothing else of the machine (no instructor notebooks, no
  other submissions, no grades, no report files of the grader); the stored expected
  values (``course_utils/exercises/expected``) are hidden under an empty folder;
- an empty private ``/tmp``, ``/dev/shm`` and ``/sandbox`` (its home ``/sandbox/home``
  and work folder ``/sandbox/work``, the working directory), each a size-limited tmpfs:
  nothing it writes reaches the grading machine's disk, and the whole of ``/sandbox``
  is its disk quota (``--disk``);
- a new PID namespace: when the kernel exits, everything it started is killed;
- its own user (``nobody``), no capabilities, no network; one control group for the
  whole sandbox where the machine offers one (:mod:`~course_utils.grading.limits`: one
  memory limit for every process and tmpfs page, a process limit), plus per-process
  memory, CPU-time and file-size limits (:func:`limit`, applied before ``bwrap`` starts);
- an environment of a few variables (:func:`kernel_environment`); bwrap itself starts
  with the same, so that ``/proc/1/environ`` shows nothing of the grader's.

Everything the kernel sends towards nbval passes the relay, outside the sandbox, which
drops a cell's outputs beyond :data:`OUTPUT_LIMIT` bytes: a loop of prints cannot grow
the grader's memory.

With ``--unsafe`` (the grader's ``--unsafe-no-sandbox``) the launcher starts the kernel
directly, with a private HOME and IPYTHONDIR but the machine's file system in view.
Either way the launcher writes its process-group id into the run's folder, so that the
grader can kill everything it started.
"""

import argparse
import ctypes
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path

from course_utils.grading import limits

KERNEL_NAME = "downhill-sandbox"
INSIDE = "/sandbox"  # where the run's own folders appear in the sandbox
# (name of the connection-file port, zmq socket facing nbval, socket facing the kernel)
_CHANNELS = [("shell_port", "ROUTER", "DEALER"), ("iopub_port", "XPUB", "XSUB"),
             ("stdin_port", "ROUTER", "DEALER"), ("control_port", "ROUTER", "DEALER"),
             ("hb_port", "ROUTER", "DEALER")]  # fmt: skip
MIB = 1024 * 1024


def bwrap():
    """Path of the ``bwrap`` executable, or None when bubblewrap is not installed."""
    return shutil.which("bwrap")


def _package_dir():
    return Path(__file__).resolve().parents[1]


def read_only_paths():
    """Folders the kernel needs to see, read-only: Python, the venv, the course package."""
    paths = {Path(sys.base_prefix).resolve(), Path(sys.prefix).resolve(), _package_dir()}
    exe = Path(sys.executable)
    paths.add(exe.resolve().parent.parent)  # the interpreter a venv's python points to
    paths = sorted(p for p in paths if not str(p).startswith("/usr/"))
    clash = [p for p in paths if str(p).startswith(INSIDE)]
    if clash:
        raise RuntimeError(f"{clash[0]} would be hidden by the sandbox's own {INSIDE} folder")
    return paths


DISK_MIB = 256  # the default size of /sandbox (work and home)


def bwrap_command(box, memory_mib, disk_mib=DISK_MIB):
    """The ``bwrap`` arguments that seal a kernel off; ``box`` holds ipc/."""
    box = Path(box)
    tmp_size = str(min(memory_mib, 512) * MIB)
    cmd = [bwrap(), "--unshare-all", "--unshare-user", "--uid", "65534", "--gid", "65534",
           "--cap-drop", "ALL", "--die-with-parent", "--new-session", "--hostname", "sandbox",
           # the tmpfs first: later mounts hide earlier ones, and the venv may be under /tmp
           "--size", tmp_size, "--tmpfs", "/tmp",
           "--ro-bind", "/usr", "/usr", "--proc", "/proc", "--dev", "/dev",
           "--size", tmp_size, "--tmpfs", "/dev/shm"]  # fmt: skip
    for name in ("bin", "lib", "lib64", "sbin"):
        link = Path("/") / name
        if link.is_symlink():
            cmd += ["--symlink", os.readlink(link), str(link)]
        elif link.is_dir():
            cmd += ["--ro-bind", str(link), str(link)]
    for etc in ("/etc/ld.so.cache", "/etc/fonts", "/etc/localtime", "/etc/alternatives"):
        cmd += ["--ro-bind-try", etc, etc]
    for path in read_only_paths():
        cmd += ["--ro-bind", str(path), str(path)]
    venv = Path(sys.prefix)
    if venv != venv.resolve():  # reached through a symlink: the kernel starts by that path
        cmd += ["--ro-bind", str(venv.resolve()), str(venv)]
    expected = _package_dir() / "exercises" / "expected"
    if expected.is_dir():  # the visible checks' values: the grader's, never the kernel's
        cmd += ["--tmpfs", str(expected)]
    cmd += ["--size", str(int(disk_mib) * MIB), "--tmpfs", INSIDE,
            "--dir", f"{INSIDE}/work", "--dir", f"{INSIDE}/home",
            "--bind", str(box / "ipc"), f"{INSIDE}/ipc",
            "--chdir", f"{INSIDE}/work", "--clearenv"]  # fmt: skip
    for name, value in kernel_environment(f"{INSIDE}/home", "/tmp").items():
        cmd += ["--setenv", name, value]
    return cmd


#: Settings that choose the CPU kernels of the numerics, passed on from the grader's
#: environment: an instructor (or the test matrix, ``instructor/matrix.py``) may pin them.
CPU_SETTINGS = ("OPENBLAS_CORETYPE", "NPY_DISABLE_CPU_FEATURES", "NPY_ENABLE_CPU_FEATURES")


def kernel_environment(home, tmp):
    """The kernel's environment: a private home and caches, one thread for BLAS, and the
    grader's choice of CPU kernels (:data:`CPU_SETTINGS`), nothing else of the grader's."""
    env = {
        "HOME": str(home),
        "IPYTHONDIR": f"{tmp}/ipython",
        "MPLCONFIGDIR": f"{tmp}/matplotlib",
        "TMPDIR": str(tmp),
        "XDG_CACHE_HOME": f"{tmp}/cache",
        "XDG_CONFIG_HOME": f"{tmp}/config",
        "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONNOUSERSITE": "1",
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
        "JUPYTER_PLATFORM_DIRS": "1",
        "MPLBACKEND": "module://matplotlib_inline.backend_inline",
    }
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[name] = "1"
    env.update({name: os.environ[name] for name in CPU_SETTINGS if name in os.environ})
    return env


def limit(memory_mib, cpu_seconds, tasks=None):
    """Cap this process (and what it starts): address space, CPU time, file size, and
    (where no control group counts them, ``tasks``) the user's processes."""
    memory = int(memory_mib) * MIB
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    cpu = int(cpu_seconds)
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))
    resource.setrlimit(resource.RLIMIT_FSIZE, (256 * MIB, 256 * MIB))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if tasks:  # counted per user, and not at all for root: the control group's is the real one
        resource.setrlimit(resource.RLIMIT_NPROC, (tasks, tasks))


def _user_processes():
    uid = os.getuid()
    count = 0
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                count += entry.stat().st_uid == uid
            except OSError:
                pass
    return count


def write_kernelspec(folder, run, memory_mib, cpu_seconds, unsafe=False, cgroups=(),
                     disk_mib=DISK_MIB):  # fmt: skip
    """Write the kernelspec ``KERNEL_NAME`` into ``folder/kernels``; return ``folder``.
    ``cgroups``: the folders of the run's control group, which the sandbox joins."""
    argv = [sys.executable, "-m", "course_utils.grading.sandbox", "--run", str(run),
            "--memory", str(memory_mib), "--cpu-time", str(int(cpu_seconds)),
            "--disk", str(int(disk_mib))]  # fmt: skip
    for path in cgroups:
        argv += ["--cgroup", str(path)]
    argv += ["--unsafe"] if unsafe else []
    spec = {
        "argv": argv + ["{connection_file}"],
        "display_name": "Downhill grading sandbox",
        "language": "python",
        "interrupt_mode": "message",  # a signal would stop at the sandbox's init process
        "metadata": {"debugger": False},
    }
    target = Path(folder) / "kernels" / KERNEL_NAME
    target.mkdir(parents=True, exist_ok=True)
    (target / "kernel.json").write_text(json.dumps(spec, indent=1))
    return Path(folder)


def _die_with_parent():
    """Ask Linux to kill this process when its parent (nbval's pytest) dies."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


#: the most bytes of output (stream, display, result, error) one cell may send to nbval
OUTPUT_LIMIT = 32 * MIB
_OUTPUTS = {b"stream", b"display_data", b"execute_result", b"update_display_data", b"error"}


def _relay(context, kind_out, kind_in, outside, inside):
    import zmq

    front, back = context.socket(getattr(zmq, kind_out)), context.socket(getattr(zmq, kind_in))
    front.bind(outside)
    back.connect(inside)
    try:
        if kind_out == "XPUB":
            _relay_outputs(zmq, front, back)
        else:
            zmq.proxy(front, back)
    except zmq.ZMQError:  # the context was closed: the kernel is gone
        pass


def _message_type_and_parent(frames):
    """``(msg_type, parent msg_id)`` of a Jupyter message's frames (bytes; b"" if unread)."""
    try:
        at = frames.index(b"<IDS|MSG>")
        header, parent = json.loads(frames[at + 2]), json.loads(frames[at + 3])
        return header.get("msg_type", "").encode(), parent.get("msg_id", "").encode()
    except (ValueError, IndexError, AttributeError, TypeError):
        return b"", b""


def _relay_outputs(zmq, front, back, limit=None):
    """The kernel's broadcasts to nbval, with each cell's outputs cut at ``limit`` bytes."""
    limit = limit or OUTPUT_LIMIT
    sent = {}  # parent msg_id -> bytes of output forwarded
    poller = zmq.Poller()
    poller.register(front, zmq.POLLIN)
    poller.register(back, zmq.POLLIN)
    while True:
        for socket, _ in poller.poll():
            frames = socket.recv_multipart()
            if socket is front:  # subscriptions
                back.send_multipart(frames)
                continue
            kind, parent = _message_type_and_parent(frames)
            if kind in _OUTPUTS:
                size = sum(len(f) for f in frames)
                total = sent.get(parent, 0) + size
                if total > limit:
                    continue  # dropped: the cell has printed its share
                if len(sent) > 10_000:
                    sent.clear()
                sent[parent] = total
            front.send_multipart(frames)


def _kernel_command(connection_file):
    return [sys.executable, "-m", "ipykernel_launcher", "-f", connection_file,
            "--HistoryManager.enabled=False"]  # fmt: skip


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m course_utils.grading.sandbox")
    p.add_argument("--run", type=Path, required=True, help="the run's folder")
    p.add_argument("--memory", type=int, default=2048, help="address space, MiB")
    p.add_argument("--cpu-time", type=int, default=600, help="CPU seconds")
    p.add_argument("--disk", type=int, default=DISK_MIB, help="size of /sandbox, MiB")
    p.add_argument("--cgroup", action="append", default=[], help="the run's control group")
    p.add_argument("--unsafe", action="store_true", help="no sandbox")
    p.add_argument("connection_file", type=Path)
    args = p.parse_args(argv)
    _die_with_parent()
    (args.run / "meta" / "launcher.pgid").write_text(str(os.getpgid(0)))
    if args.unsafe:
        home = args.run / "box" / "home"
        env = {**os.environ, **kernel_environment(home, args.run / "box" / "tmp")}
        env.pop("JPY_PARENT_PID", None)
        for name in ("ipython", "matplotlib"):
            (args.run / "box" / "tmp" / name).mkdir(parents=True, exist_ok=True)
        if args.cgroup:
            limits.join(args.cgroup)
        limit(args.memory, args.cpu_time)
        os.chdir(args.run / "box" / "work")
        cmd = _kernel_command(str(args.connection_file))
        os.execve(cmd[0], cmd, env)
    return _sandboxed(args)


def _sandboxed(args):
    import zmq

    info = json.loads(args.connection_file.read_text())
    box = args.run / "box"
    inner = {k: info[k] for k in ("key", "signature_scheme")}
    inner.update(transport="ipc", ip=f"{INSIDE}/ipc/kernel", kernel_name="")
    for n, (port, _, _) in enumerate(_CHANNELS, start=1):
        inner[port] = n
    (box / "ipc" / "kernel.json").write_text(json.dumps(inner))
    context = zmq.Context()
    for n, (port, kind_out, kind_in) in enumerate(_CHANNELS, start=1):
        outside = f"{info.get('transport', 'tcp')}://{info['ip']}:{info[port]}"
        inside = f"ipc://{box / 'ipc' / 'kernel'}-{n}"
        threading.Thread(
            target=_relay, args=(context, kind_out, kind_in, outside, inside), daemon=True
        ).start()
    cmd = bwrap_command(box, args.memory, args.disk) + ["--"]
    cmd += _kernel_command(f"{INSIDE}/ipc/kernel.json")
    tasks = None if args.cgroup or os.getuid() == 0 else _user_processes() + limits.TASKS

    def start():
        if args.cgroup:
            limits.join(args.cgroup)
        limit(args.memory, args.cpu_time, tasks)

    # bwrap starts with the kernel's few variables: its own process (PID 1 inside, whose
    # /proc/1/environ the kernel can read) holds nothing of the grader's environment
    env = kernel_environment(f"{INSIDE}/home", "/tmp")
    kernel = subprocess.Popen(cmd, preexec_fn=start, stdin=subprocess.DEVNULL, env=env)
    code = kernel.wait()
    os._exit(code if code >= 0 else 128 - code)


if __name__ == "__main__":
    sys.exit(main())
