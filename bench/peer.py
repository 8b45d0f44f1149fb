"""The peer issue #12 compares with: django-import-export 4.4 in bulk mode with validation,
importing the benchmark's client CSV into SQLite through Django's ORM.

    .venv/bin/python bench/peer.py --csv clients.csv   # an existing file (bench/data.py's columns)
    .venv/bin/python bench/peer.py --rows 100000       # writes the benchmark's seeded file first

Django and django-import-export are never installed into the project's virtualenv: the first
run creates a virtualenv of their own (pinned releases, `--venv`, cached for later runs).
Each run writes a throwaway Django project (one `clients` app, settings for a fresh SQLite
file) into a temp dir and runs bench/peer_import.py there with that virtualenv's Python.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.data import write_clients_csv

# Django 5.2 is the newest series that runs on the project's Python 3.11 (6.x needs 3.12).
REQUIREMENTS = ("django==5.2.19", "django-import-export==4.4.3")
DEFAULT_VENV = Path.home() / ".cache" / "importer-bench" / "peer-venv"
LABEL = "django-import-export 4.4 bulk, SQLite"

MODELS = '''\
import re

from django.core.validators import EmailValidator
from django.db import models


class InternationalEmailValidator(EmailValidator):
    """Django's check with letters of any script before the @ (RFC 6531), as the file has."""

    user_regex = re.compile(r"^[-!#$%&'*+/=?^_`{{}}|~\\w]+(\\.[-!#$%&'*+/=?^_`{{}}|~\\w]+)*\\Z")


class InternationalEmailField(models.EmailField):
    default_validators = [InternationalEmailValidator()]


class Client(models.Model):
    first_name = models.CharField(max_length=200)
    last_name = models.CharField(max_length=200)
    email = {email_field}(max_length=320, unique=True)
    phone = models.CharField(max_length=50, blank=True)
    date_of_birth = models.DateField(null=True, blank=True)
    marketing_opt_in = models.BooleanField(default=False)
    notes = models.TextField(blank=True)
'''


def peer_python(venv: Path, timeout: float) -> Path:
    """The Python of the peer's virtualenv, created and installed on first use."""
    python, marker = venv / "bin" / "python", venv / "requirements.txt"
    wanted = "\n".join(REQUIREMENTS) + "\n"
    if python.exists() and marker.exists() and marker.read_text() == wanted:
        return python
    print(f"peer: installing {', '.join(REQUIREMENTS)} into {venv} (once) ...", flush=True)
    shutil.rmtree(venv, ignore_errors=True)
    venv.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=timeout)
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *REQUIREMENTS],
                   check=True, timeout=timeout)
    marker.write_text(wanted)
    return python


def write_project(directory: Path, *, international_emails: bool = True) -> Path:
    """A throwaway Django project: the `clients` app and the import script; the script's path."""
    app = directory / "clients"
    app.mkdir(parents=True)
    (app / "__init__.py").write_text("")
    email_field = "InternationalEmailField" if international_emails else "models.EmailField"
    (app / "models.py").write_text(MODELS.format(email_field=email_field))
    script = directory / "peer_import.py"
    shutil.copyfile(Path(__file__).with_name("peer_import.py"), script)
    return script


def run_peer(csv_path: Path, *, venv: Path = DEFAULT_VENV, timeout: float = 900,
             check_file_duplicates: bool = True, international_emails: bool = True) -> dict:
    """Import `csv_path` with the peer; rows, imported, invalid, seconds and the rest of its JSON."""
    python = peer_python(venv, timeout)
    with tempfile.TemporaryDirectory(prefix="importer-peer-") as tmp:
        script = write_project(Path(tmp), international_emails=international_emails)
        command = [str(python), str(script), str(csv_path.resolve()), str(Path(tmp) / "peer.sqlite3")]
        if not check_file_duplicates:
            command.append("--no-file-duplicates")
        done = subprocess.run(command, cwd=tmp, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"the peer's import failed (exit {done.returncode}):\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def summary(peer: dict) -> str:
    """One line, like the baseline's in bench/run.py."""
    rate = peer["rows"] / peer["seconds"]
    text = (f"peer ({LABEL}): {peer['seconds']:.2f} s ({peer['load_seconds']:.2f} s reading the CSV into a "
            f"tablib Dataset), {rate:.0f} rows/s, {peer['imported']} inserted, {peer['invalid']} invalid")
    if peer["error_count"]:
        text += f", {peer['error_count']} errors (first: {peer['errors'][0] if peer['errors'] else '?'})"
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--csv", type=Path, help="the CSV to import (default: write one with --rows and --seed)")
    parser.add_argument("--rows", type=int, default=100_000, help="data rows of the written CSV (default: 100000)")
    parser.add_argument("--seed", type=int, default=5, help="random seed of the written CSV (default: 5)")
    parser.add_argument("--venv", type=Path, default=DEFAULT_VENV,
                        help=f"the peer's own virtualenv, created on first use (default: {DEFAULT_VENV})")
    parser.add_argument("--timeout", type=float, default=900,
                        help="seconds allowed for the install and for the import (default: 900)")
    parser.add_argument("--no-file-duplicates", action="store_true",
                        help="drop the resource's check of emails repeated within the file, leaving repeats "
                        "to full_clean's unique check (which cannot see rows still waiting in a bulk batch)")
    parser.add_argument("--ascii-emails", action="store_true",
                        help="Django's own EmailField check, which refuses letters outside ASCII before the @ "
                        "(josé@...); by default the model accepts them, as the service and the baseline do")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="importer-peer-csv-") as tmp:
        csv_path = args.csv
        if csv_path is None:
            csv_path = Path(tmp) / "clients.csv"
            generated = write_clients_csv(csv_path, args.rows, seed=args.seed)
            print(f"{args.rows} rows, {sum(generated.values())} of them invalid, in {csv_path}", flush=True)
        peer = run_peer(csv_path, venv=args.venv, timeout=args.timeout,
                        check_file_duplicates=not args.no_file_duplicates,
                        international_emails=not args.ascii_emails)
    print(json.dumps(peer))
    print(summary(peer))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
