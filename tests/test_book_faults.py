"""The runner under faults: two builds in one folder, a build killed mid-chapter, a wrong data
file, and a second checkout sharing the first's environment.

Toy books (tests/toy_book.py) under papermill keep these to seconds.  Builds that must run
beside each other, or be killed, run in processes of their own (``toy_book.cli_command``).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import papermill
import pytest

from siqd_utils import book

from toy_book import CHAPTER, GATE, cli_command, make_toy_book, value_of

ROOT = book.REPO_ROOT
CHAPTERS = ["04_other", "05_search", "06_regress", "07_sum"]  # what `run 07_sum` brings up to date


def statuses(results) -> dict[str, str]:
    return {r.chapter: r.status for r in results}


def wait_for(condition, what: str, timeout: float = 60.0, procs=()) -> None:
    """Poll until ``condition()``; fail naming ``what`` (with the output of ``procs``) on timeout."""
    end = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > end:
            said = "\n".join(f"--- {p.args[-3:]} (exit {p.poll()}):\n{Path(p.log).read_text()}" for p in procs)
            pytest.fail(f"timed out waiting for {what}\n{said}")
        time.sleep(0.05)


def start(root: Path, log: Path, *args: str, gate: Path | None = None, cwd: Path = ROOT) -> subprocess.Popen:
    """A toy build in a process of its own, its output in ``log``."""
    env = {k: v for k, v in os.environ.items() if k not in ("TOY_GATE", "PYTHONPATH")}
    if gate is not None:
        env["TOY_GATE"] = str(gate)
    with log.open("w") as out:
        proc = subprocess.Popen(cli_command(root, *args), stdout=out, stderr=subprocess.STDOUT, cwd=cwd, env=env,
                                start_new_session=True)  # its own group: a kernel it leaves ends with the test
    proc.log = log
    return proc


@pytest.fixture
def procs():
    """Processes a test starts; any still running at the end are ended with their groups."""
    started: list[subprocess.Popen] = []
    yield started
    for proc in started:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


@pytest.fixture
def gated(tmp_path):
    """A toy book whose chapters can be held at their end, and the gate folder: 05_search is held."""
    layout = make_toy_book(tmp_path / "book", chapter=CHAPTER + GATE)
    gate = tmp_path / "gate"
    gate.mkdir()
    (gate / "05_search.hold").touch()
    return layout, gate


def temporaries(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob(".*") if ".tmp" in p.name)


# ------------------------------------------------------------- two builds, one folder


def test_two_builds_in_one_folder_take_turns(gated, procs, tmp_path):
    """A second build refuses at once (--no-wait) or waits, naming the holder; nothing is emptied under it."""
    layout, gate = gated
    first = start(layout.root, tmp_path / "first.log", "run", "07_sum", "--profile", "quick", gate=gate)
    procs.append(first)
    wait_for(lambda: (gate / "05_search.started").exists(), "the first build to be in 05_search", procs=procs)

    refused = subprocess.run(cli_command(layout.root, "run", "07_sum", "--profile", "quick", "--no-wait"),
                             cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert refused.returncode == 3, refused.stdout + refused.stderr
    message = refused.stderr
    assert f"PID {first.pid}" in message and socket.gethostname() in message and "since" in message
    assert "run 07_sum" in message  # the holder's command
    assert value_of(layout, "05_search") == 5  # the refused build emptied nothing

    second = start(layout.root, tmp_path / "second.log", "run", "07_sum", "--profile", "quick", gate=gate)
    procs.append(second)
    wait_for(lambda: "waiting" in second.log.read_text(), "the second build to say it waits", procs=procs)
    assert f"PID {first.pid}" in second.log.read_text()
    assert value_of(layout, "05_search") == 5  # still there: the waiting build has not touched it

    (gate / "05_search.hold").unlink()
    assert first.wait(timeout=120) == 0, first.log.read_text()
    assert second.wait(timeout=120) == 0, second.log.read_text()
    said = second.log.read_text()
    assert "executing" not in said  # the first build did the work; the second found every chapter current
    assert value_of(layout, "07_sum") == 1 + 5 + 6 + 1
    assert not (layout.root / "_build" / "build.lock.json").exists()  # released: no holder recorded
    again = book.run_chapters(layout, profile="quick", only=["07_sum"], log=lambda *a: None)
    assert statuses(again) == dict.fromkeys(CHAPTERS, "cached")


def test_the_lock_is_taken_in_process_and_refuses_a_second_holder(tmp_path):
    from siqd_utils.book.lock import LOCK_FILE, RECORD_FILE, BuildLocked, build_lock

    folder = tmp_path / "_build"
    with build_lock(folder, log=lambda *a: None):
        with build_lock(folder, log=lambda *a: None):  # the same process again: re-entrant
            pass
        record = json.loads((folder / RECORD_FILE).read_text())
        assert record["pid"] == os.getpid() and record["host"] == socket.gethostname()
        code = ("import sys; from pathlib import Path; from siqd_utils.book.lock import build_lock\n"
                "with build_lock(Path(sys.argv[1]), wait=False): pass")
        other = subprocess.run([sys.executable, "-c", code, str(folder)], cwd=ROOT, capture_output=True, text=True)
        assert other.returncode != 0 and "BuildLocked" in other.stderr and f"PID {os.getpid()}" in other.stderr
    assert (folder / LOCK_FILE).exists() and not (folder / RECORD_FILE).exists()
    assert issubclass(BuildLocked, book.BookError)


# ------------------------------------------------------------- a build killed mid-chapter


def test_a_build_killed_mid_chapter_leaves_no_temporary_file(gated, procs, tmp_path):
    layout, gate = gated
    build = layout.root / "_build"
    first = start(layout.root, tmp_path / "first.log", "run", "07_sum", "--profile", "quick", gate=gate)
    procs.append(first)
    wait_for(lambda: (gate / "05_search.started").exists(), "the build to be in 05_search", procs=procs)
    from siqd_utils.atomic import temporary_path

    # papermill's copy of the chapter in progress
    assert temporary_path(build / "executed" / "05_search.ipynb", pid=first.pid, suffix=".ipynb").exists()

    # Temporaries as an atomic write leaves them when its process dies, one of a writer still alive,
    # and one named in the older way (no writer): only the live writer's may stay.
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    orphan = temporary_path(build / "metrics" / "04_other.json", pid=int(dead.stdout))
    orphan.write_text("{")
    live = temporary_path(build / "outputs" / "04_other" / "value.txt")
    live.write_text("4")
    older = build / "reports" / ".sphinx.log.k2v9x_1a.tmp"
    older.parent.mkdir(parents=True, exist_ok=True)
    older.write_text("half")

    os.kill(first.pid, signal.SIGKILL)
    first.wait()
    said: list[str] = []
    results = book.run_chapters(layout, profile="quick", only=["07_sum"], log=said.append)
    assert statuses(results) == {"04_other": "cached", "05_search": "executed", "06_regress": "executed",
                                 "07_sum": "executed"}
    assert value_of(layout, "07_sum") == 1 + 5 + 6 + 1
    assert temporaries(layout.root) == [live]
    text = "\n".join(said)
    assert "removed 3 temporary files" in text, text
    assert f"PID {first.pid}" in text and "took over" in text, text  # the killed holder's lock


def test_temporaries_name_their_writer_and_only_ended_writers_lose_them(tmp_path):
    from siqd_utils.atomic import remove_leftovers, temporary_path, temporary_writer, write_text_atomic, writer_is_gone

    target = tmp_path / "a" / "metrics.json"
    write_text_atomic(target, "{}")
    assert [p.name for p in target.parent.iterdir()] == ["metrics.json"]  # no temporary left by a write
    mine = temporary_path(target)
    writer = temporary_writer(mine)
    assert writer.pid == os.getpid() and writer_is_gone(writer) is False
    assert temporary_writer(target) is None and temporary_writer(tmp_path / ".hidden") is None
    elsewhere = target.with_name(".metrics.json.1@another-host.abcd1234.tmp")
    assert writer_is_gone(temporary_writer(elsewhere)) is None  # cannot be told from here
    older = target.with_name(".metrics.json.k2v9x_1a.tmp")
    assert temporary_writer(older).pid is None
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead = temporary_path(target, pid=int(ended.stdout))
    nested = tmp_path / "a" / "other_build" / temporary_path("x.txt", pid=int(ended.stdout)).name
    nested.parent.mkdir()
    for path in (mine, elsewhere, older, dead, nested):
        path.write_text("half")
    assert remove_leftovers(tmp_path, skip=lambda d: d.name == "other_build") == [dead]
    assert remove_leftovers(tmp_path, writerless=True, skip=lambda d: d.name == "other_build") == [older]
    assert mine.exists() and elsewhere.exists() and nested.exists()


# --------------------------------------------------------------------- the data file


def test_a_data_path_that_is_not_the_ensemble_table_fails_before_any_kernel(tmp_path, monkeypatch, capsys):
    def no_kernel(*_args, **_kwargs):
        raise AssertionError("a kernel was started")

    monkeypatch.setattr(papermill, "execute_notebook", no_kernel)
    monkeypatch.chdir(ROOT)
    build = tmp_path / "_build"
    kept = build / "outputs" / "01_data" / "from_the_last_run.csv"
    kept.parent.mkdir(parents=True)
    kept.write_text("x\n")
    code = book.main(["run", "01_data", "--profile", "quick", "-p", "data_path", "README.md", "--build-dir", str(build)])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "data_path = 'README.md'" in err and str(ROOT / "README.md") in err
    assert "missing column(s) ['id', 'shape', 'n_Si'" in err  # what it lacks, in the loader's words
    assert kept.exists()  # nothing emptied

    table = tmp_path / "renamed.csv"  # a CSV, but one column renamed
    table.write_text((ROOT / "data" / "siqd_ensemble.csv").read_text().replace("wavelength_nm", "lambda_nm", 1))
    with pytest.raises(book.ParameterError, match=r"missing column\(s\) \['wavelength_nm'\]"):
        book.plan(book.Layout(ROOT), profile="quick", only=["01_data"], overrides={"data_path": str(table)})
    binary = tmp_path / "dots.csv"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe\x00")
    with pytest.raises(book.ParameterError, match="cannot be read as CSV"):
        book.plan(book.Layout(ROOT), profile="quick", only=["01_data"], overrides={"data_path": str(binary)})
    good = tmp_path / "mine.csv"
    shutil.copy(ROOT / "data" / "siqd_ensemble.csv", good)
    p = book.plan(book.Layout(ROOT), profile="quick", only=["01_data"], overrides={"data_path": str(good)})
    assert p.params["01_data"]["data_path"] == str(good)


def test_a_content_check_needs_a_file_parameter_and_a_known_content(tmp_path):
    from siqd_utils.book.parameters import load_schema

    schema = tmp_path / "chapters.yml"
    schema.write_text("chapters:\n  a:\n    parameters:\n      n: {type: int, default: 1, help: h, content: ensemble}\n")
    with pytest.raises(book.BookError, match="content 'ensemble' needs type file"):
        load_schema(schema)
    schema.write_text("chapters:\n  a:\n    parameters:\n      f: {type: file, nullable: true, default: null, "
                      "help: h, content: images}\n")
    with pytest.raises(book.BookError, match=r"one of \['ensemble'\]"):
        load_schema(schema)


# ------------------------------------------------------------- a second checkout

_SHOWS_ITS_PACKAGE = """
```{{code-cell}} ipython3
import siqd_utils, siqd_utils.datasets

print("package", siqd_utils.__file__)
print("data", siqd_utils.datasets.DATA_DIR)
```
"""


def test_a_second_checkout_sharing_the_environment_runs_its_own_code_and_data(tmp_path):
    """A copy of the package beside a book, built with this environment (where another checkout is installed)."""
    other = tmp_path / "other"
    shutil.copytree(book.PACKAGE_DIR, other / "siqd_utils", ignore=shutil.ignore_patterns("__pycache__"))
    layout = make_toy_book(other, profiles="profiles: {quick: q, standard: s, paper: p}\n", reads={"01_alone": []},
                           chapter=CHAPTER + _SHOWS_ITS_PACKAGE)
    proc = subprocess.run(cli_command(layout.root, "run", "01_alone", "--profile", "quick"), cwd=other,
                          capture_output=True, text=True, timeout=120,
                          env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    nb = nbformat.read(other / "_build" / "executed" / "01_alone.ipynb", as_version=4)
    printed = "".join(o.get("text", "") for o in nb.cells[-1].outputs)
    assert f"package {other / 'siqd_utils' / '__init__.py'}\n" in printed
    assert f"data {other / 'data'}\n" in printed
    # the cache key hashes the copy's code, the code that ran: a change to it re-executes the chapter
    with (other / "siqd_utils" / "datasets.py").open("a") as fh:
        fh.write("# changed in the second checkout\n")
    again = subprocess.run(cli_command(layout.root, "run", "01_alone", "--profile", "quick"), cwd=other,
                           capture_output=True, text=True, timeout=120,
                           env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"})
    assert again.returncode == 0 and "01_alone: executing" in again.stdout, again.stdout + again.stderr


# ------------------------------------------------------------- a kernel that never answers


def test_a_kernel_that_never_answered_is_started_again_once(tmp_path, monkeypatch):
    """nbclient's start-up timeout means no cell ran: the runner starts one more kernel, never a third."""
    layout = make_toy_book(tmp_path / "book")
    real = papermill.execute_notebook
    calls = []

    def silent_then(*args, fail_times, **kwargs):
        calls.append(1)
        if len(calls) <= fail_times:
            raise RuntimeError("Kernel didn't respond in 60 seconds")
        return real(*args, **kwargs)

    said = []
    monkeypatch.setattr(papermill, "execute_notebook", lambda *a, **k: silent_then(*a, fail_times=1, **k))
    results = book.run_chapters(layout, profile="quick", only=["01_alone"], log=said.append)
    assert statuses(results) == {"01_alone": "executed"} and len(calls) == 2
    assert any("did not start" in line and "starting another (once)" in line for line in said)

    calls.clear()
    monkeypatch.setattr(papermill, "execute_notebook", lambda *a, **k: silent_then(*a, fail_times=2, **k))
    with pytest.raises(book.ChapterFailed, match="could not be executed: RuntimeError: Kernel didn't respond"):
        book.run_chapters(layout, profile="quick", only=["01_alone"], force=True, log=lambda *a: None)
    assert len(calls) == 2

    calls.clear()  # any other failure to run is not retried
    monkeypatch.setattr(papermill, "execute_notebook",
                        lambda *a, **k: calls.append(1) or (_ for _ in ()).throw(RuntimeError("no such kernel")))
    with pytest.raises(book.ChapterFailed, match="no such kernel"):
        book.run_chapters(layout, profile="quick", only=["01_alone"], force=True, log=lambda *a: None)
    assert len(calls) == 1
