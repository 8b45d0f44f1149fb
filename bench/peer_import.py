"""The peer's side of bench/peer.py: runs inside the peer's own virtualenv (Django and
django-import-export), never in the project's. bench/peer.py copies it into a throwaway
project directory beside a `clients` app and runs

    <peer venv>/bin/python peer_import.py CSV DATABASE [--no-file-duplicates]

It creates the tables (`migrate --run-syncdb`), imports CSV with a `ModelResource` in bulk
mode with validation, and prints one line of JSON: rows, imported (records in the table
afterwards), new, invalid, errors, load_seconds, import_seconds, seconds, versions.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import django
from django.conf import settings


def configure(database: Path) -> None:
    settings.configure(
        INSTALLED_APPS=["clients"],
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": str(database)}},
        DEFAULT_AUTO_FIELD="django.db.models.BigAutoField",
        USE_TZ=True,
    )
    django.setup()


def resource_class(check_file_duplicates: bool) -> type:
    """The ModelResource a django-import-export user would write for this file."""
    from django.core.exceptions import ValidationError
    from import_export import fields, resources, widgets

    from clients.models import Client

    class DateWidget(widgets.DateWidget):
        """Day-first dates (31/12/1990) and ISO dates (1990-12-31), as the file mixes both."""

        def __init__(self) -> None:
            super().__init__()
            self.formats = ("%d/%m/%Y", "%Y-%m-%d")

    class YesNoWidget(widgets.BooleanWidget):
        """yes/no, y/n, true/false, 1/0; blank is no (the model's field is not nullable)."""

        VALUES = {"yes": True, "y": True, "true": True, "1": True,
                  "no": False, "n": False, "false": False, "0": False, "": False}

        def clean(self, value: object, row: dict | None = None, **kwargs: object) -> bool:
            key = str(value or "").strip().lower()
            if key not in self.VALUES:
                raise ValueError(f"{value!r} is not yes or no")
            return self.VALUES[key]

    class ClientResource(resources.ModelResource):
        date_of_birth = fields.Field(attribute="date_of_birth", column_name="date_of_birth", widget=DateWidget())
        marketing_opt_in = fields.Field(attribute="marketing_opt_in", column_name="marketing_opt_in",
                                        widget=YesNoWidget())

        class Meta:
            model = Client
            fields = ("first_name", "last_name", "email", "phone", "date_of_birth", "marketing_opt_in", "notes")
            use_bulk = True
            batch_size = 2000
            clean_model_instances = True  # full_clean(): EmailField, blank last_name, unique email (a query a row)
            force_init_instance = True  # every row is new: no lookup of an existing record per row
            skip_diff = True  # no copy and diff of each row (the documented tuning for large files)

        def __init__(self) -> None:
            super().__init__()
            self.seen_emails: set[str] = set()

        def import_instance(self, instance: Client, row: dict, **kwargs: object) -> None:
            # full_clean's unique check queries the table, which does not yet hold the rows
            # waiting in the bulk batch: a repeat of one of them would fail the whole batch.
            super().import_instance(instance, row, **kwargs)
            if check_file_duplicates:
                if instance.email in self.seen_emails:
                    raise ValidationError({"email": "repeats an earlier row's email"})
                self.seen_emails.add(instance.email)

    return ClientResource


def run(csv_path: Path, check_file_duplicates: bool) -> dict:
    import import_export
    import tablib
    from django.core.management import call_command

    from clients.models import Client

    call_command("migrate", run_syncdb=True, verbosity=0)
    resource = resource_class(check_file_duplicates)()
    began = time.perf_counter()
    dataset = tablib.Dataset().load(csv_path.read_text(encoding="utf-8"), format="csv")
    loaded = time.perf_counter()
    result = resource.import_data(dataset, dry_run=False, raise_errors=False, use_transactions=True,
                                  collect_failed_rows=True)
    ended = time.perf_counter()
    return {
        "rows": len(dataset), "imported": Client.objects.count(), "new": result.totals["new"],
        "invalid": len(result.invalid_rows), "errors": [str(e.error)[:200] for e in result.base_errors][:5],
        "error_count": len(result.base_errors) + len(result.row_errors()),
        "load_seconds": loaded - began, "import_seconds": ended - loaded, "seconds": ended - began,
        "versions": {"django": django.get_version(), "django-import-export": import_export.__version__,
                     "python": sys.version.split()[0]},
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("csv", type=Path)
    parser.add_argument("database", type=Path)
    parser.add_argument("--no-file-duplicates", action="store_true",
                        help="leave repeats of an email within the file to full_clean's unique check alone")
    args = parser.parse_args()
    configure(args.database)
    print(json.dumps(run(args.csv, not args.no_file_duplicates)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
