"""The import page at `/`, in Debian's Chromium driven by Playwright, against a real
`importer serve` (uvicorn on a loopback port, SQLite, in-process worker). Every step asserts
what a person sees; screenshots go to test-artifacts/screenshots (git-ignored).

Without chromium (or the playwright package) the tests skip saying so; with
IMPORTER_REQUIRE_SERVICES=1 (CI) they fail instead."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest

from tests.processes import ChildProcess, free_port
from tests.services import skip_or_fail

ROOT = Path(__file__).parent.parent
SHOTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
TOKEN_LINE = re.compile(r"^\s+(imp_\S+)\s*$", re.MULTILINE)
WAIT_MS = 30_000

GOOD_ROWS = "".join(f"Person{i},Family{i},person{i}@example.com,1990-01-{i + 1:02d},yes\n" for i in range(6))
BAD_ROWS = "".join(f"Bad{i},Row{i},nobody{i}@,31/02/1990,no\n" for i in range(7))
# "Nom" is not a name the automatic mapping knows: the required last name has no column.
FILE_WITH_BAD_ROWS = "Given name,Nom,E-mail,Birthday,Opt in\n" + GOOD_ROWS + BAD_ROWS
GOOD_FILE = "first_name,last_name,email\n" + "".join(f"Phone{i},User{i},phone{i}@example.com\n" for i in range(4))


def _require_browser() -> None:
    problems = []
    if CHROMIUM is None:
        problems.append("Debian's chromium is not installed (apt-get install chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        problems.append("the playwright package is not installed (pip install -e '.[dev]')")
    if not problems:
        return
    skip_or_fail("; ".join(problems))


@dataclass
class Server:
    url: str
    token: str
    data_dir: Path

    def new_token(self, *, email: str, role: str) -> str:
        """`importer token create` for another user of the same organisation."""
        command = [str(Path(sys.executable).parent / "importer"), "token", "create", "--email", email,
                   "--role", role, "--data-dir", str(self.data_dir)]
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=60, check=True)
        return done.stdout.strip().splitlines()[-1]


def _wait_until_serving(process: subprocess.Popen, url: str, log: Path) -> str | None:
    """Once /health answers: the token `importer serve` printed on its first start, if it did."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"importer serve exited: {log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
                healthy = response.status == 200
        except OSError:
            healthy = False
        found = TOKEN_LINE.search(log.read_text())
        if healthy and (found or "First start" not in log.read_text()):
            return found.group(1) if found else None
        time.sleep(0.1)
    raise AssertionError(f"importer serve did not start within 60 s: {log.read_text()[-3000:]}")


@contextmanager
def served(data_dir: Path, *options: str, env: dict[str, str]) -> Iterator[tuple[str, str | None]]:
    """`importer serve` (SQLite in `data_dir`, embedded worker) on a free loopback port: its
    URL and first-start token. Stopped with SIGTERM afterwards."""
    port = free_port()
    log = data_dir.parent / f"serve-{port}.log"
    command = [str(Path(sys.executable).parent / "importer"), "serve", "--host", "127.0.0.1", "--port", str(port),
               "--data-dir", str(data_dir), *options]
    environment = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "BROKER_URL")} | env
    server = ChildProcess(command, log=log, env=environment)
    server.start()
    url = f"http://127.0.0.1:{port}"
    try:
        yield url, _wait_until_serving(server.process, url, log)
    finally:
        server.terminate(timeout=20)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    _require_browser()
    data_dir = tmp_path_factory.mktemp("browser") / "data"
    with served(data_dir, env={"IMPORTER_CHUNK_SIZE": "2"}) as (url, token):
        yield Server(url, token, data_dir)


@pytest.fixture(scope="module")
def browser(server: Server):
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=WAIT_MS)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield chromium
        chromium.close()


def _page(browser, **options: object):  # noqa: ANN202
    """A page that records script and console errors (a CSP refusal among them) and any request
    leaving the server (no CDN)."""
    context = browser.new_context(**options)
    context.set_default_timeout(WAIT_MS)
    page = context.new_page()
    page.problems = []
    page.on("pageerror", lambda error: page.problems.append(str(error)))
    page.on("console", lambda message: page.problems.append(message.text) if message.type == "error" else None)
    page.on("request", lambda request: None if _local(request.url) else page.problems.append(request.url))
    return page


def _local(url: str) -> bool:
    return url.startswith(("http://127.0.0.1:", "ws://127.0.0.1:", "data:", "blob:"))


@pytest.fixture
def page(browser):
    desktop = _page(browser, viewport={"width": 1280, "height": 900})
    yield desktop
    assert desktop.problems == [], desktop.problems
    desktop.context.close()


@pytest.fixture
def phone(browser):
    small = _page(browser, viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True, has_touch=True)
    yield small
    assert small.problems == [], small.problems
    small.context.close()


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / f"{name}.png", full_page=True)


def progress_frames(page) -> list[dict]:
    """importProgress states the page receives over its WebSocket, as they arrive."""
    states: list[dict] = []

    def on_frame(payload: str | bytes) -> None:
        message = json.loads(payload)
        if message.get("type") == "next":
            states.append(message["payload"]["data"]["importProgress"])

    page.on("websocket", lambda ws: ws.on("framereceived", on_frame))
    return states


LOW_CONTRAST = """() => {
  const rgb = (text) => text.match(/[\\d.]+/g).map(Number);
  const lum = ([r, g, b]) => [r, g, b].map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; })
    .reduce((sum, v, i) => sum + v * [0.2126, 0.7152, 0.0722][i], 0);
  const background = (element) => {
    for (let node = element; node; node = node.parentElement) {
      const color = rgb(getComputedStyle(node).backgroundColor);
      if (color.length < 4 || color[3] > 0) return color;
    }
    return [255, 255, 255];
  };
  const found = [];
  for (const element of document.querySelectorAll("body *")) {
    const hasText = [...element.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!hasText || !element.getClientRects().length || element.closest("[disabled], option")) continue;
    const style = getComputedStyle(element);
    const [a, b] = [lum(rgb(style.color)), lum(background(element))];
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    const large = parseFloat(style.fontSize) >= 24 || (parseFloat(style.fontSize) >= 18.66 && style.fontWeight >= 700);
    if (ratio < (large ? 3 : 4.5)) found.push(`${element.tagName} "${element.textContent.trim().slice(0, 30)}" ${ratio.toFixed(2)}`);
  }
  return found;
}"""


def low_contrast(page) -> list[str]:
    """Visible text below WCAG AA contrast against its background (disabled controls exempt)."""
    return page.evaluate(LOW_CONTRAST)


def sign_in(page, server: Server) -> None:
    from playwright.sync_api import expect

    page.goto(server.url + "/")
    page.get_by_label("API token").fill(server.token)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="1. Choose a file")).to_be_focused()


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def cells(page, table: str) -> list[list[str]]:
    return page.locator(f"#{table} tbody tr").evaluate_all(
        "rows => rows.map(row => [...row.cells].map(cell => cell.innerText.trim()))")


def test_a_bad_token_is_refused_with_a_message_beside_the_token_field(server, page):
    from playwright.sync_api import expect

    page.goto(server.url + "/")
    page.get_by_label("API token").fill("imp_not-a-real-token")
    page.get_by_role("button", name="Sign in").click()

    expect(page.locator("#signin-error")).to_contain_text("This token was not accepted")
    expect(page.get_by_label("API token")).to_be_focused()
    assert page.evaluate("sessionStorage.getItem('importer.token')") is None
    assert "imp_" not in page.url
    shot(page, "refusal-bad-token")


def test_the_token_stays_in_the_tab_and_never_in_the_address(server, page):
    from playwright.sync_api import expect

    sign_in(page, server)
    assert page.evaluate("sessionStorage.getItem('importer.token')") == server.token
    assert server.token not in page.url

    page.reload()
    expect(page.get_by_role("heading", name="1. Choose a file")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_focused()
    assert page.evaluate("sessionStorage.getItem('importer.token')") is None


def test_a_file_with_bad_rows_is_mapped_reviewed_imported_and_rolled_back(server, page, tmp_path):
    from playwright.sync_api import expect

    states = progress_frames(page)
    sign_in(page, server)
    shot(page, "desktop-1-signed-in")

    # 1. Choose: the upload shows its progress, then the file is checked in the background.
    page.get_by_label("What the file holds").select_option(label="Clients")
    page.get_by_label("File (CSV or XLSX)").set_input_files(write(tmp_path, "clients.csv", FILE_WITH_BAD_ROWS))
    page.get_by_role("button", name="Upload").click()
    expect(page.locator("#upload-percent")).to_have_text("100 %")
    expect(page.locator("#current-status")).to_have_text("Stopped: needs attention")
    expect(page.locator("#current-message")).to_contain_text("last_name")
    expect(page.locator("#current-message")).to_have_attribute("data-code", "MISSING_REQUIRED_FIELDS")

    # 2. Map: the unknown column shows its values; the missing required field is named.
    expect(page.locator("#map-table tbody tr")).to_have_count(5)
    mapping = {row[0]: row for row in cells(page, "map-table")}
    assert mapping["Nom"][1] == "Family0, Family1, Family2"
    assert mapping["Nom"][3] == "not mapped"
    assert mapping["Given name"][3] == "90 % sure"
    expect(page.locator("#missing")).to_have_text("Required fields without a column: Last name (last_name).")
    shot(page, "desktop-2-mapping")
    page.get_by_label("Field for column Nom").select_option("last_name")
    expect(page.locator("#missing")).to_have_text("Every required field has a column.")
    page.get_by_role("button", name="Check again with this mapping").click()
    expect(page.locator("#current-status")).to_have_text("Checked: ready to import")

    # 3. Review: counts, then every error a page at a time, by field, and the report.
    expect(page.locator("#count-total")).to_have_text("13")
    expect(page.locator("#count-valid")).to_have_text("6")
    expect(page.locator("#count-invalid")).to_have_text("7")
    expect(page.locator("#errors-caption")).to_have_text("Errors 1 to 10, more follow")
    first_page = cells(page, "errors-table")
    assert first_page[0] == ["8", "E-mail", "nobody0@", "not an email address", "'nobody0@' is not a valid email address"]
    assert first_page[1][:3] == ["8", "Birthday", "31/02/1990"]
    page.get_by_role("button", name="Next errors").click()
    expect(page.locator("#errors-caption")).to_have_text("Errors 11 to 14")
    expect(page.get_by_role("button", name="Next errors")).to_be_disabled()
    assert [row[0] for row in cells(page, "errors-table")] == ["13", "13", "14", "14"]
    page.get_by_role("button", name="Previous errors").click()
    expect(page.locator("#errors-caption")).to_have_text("Errors 1 to 10, more follow")
    page.get_by_label("Show errors of").select_option("email")
    expect(page.locator("#errors-caption")).to_have_text("Errors 1 to 7")
    assert {row[1] for row in cells(page, "errors-table")} == {"E-mail"}
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the error report (CSV)").click()
    assert download.value.suggested_filename == "clients-errors.csv"
    report = Path(download.value.path()).read_text().splitlines()
    assert report[0] == "Given name,Nom,E-mail,Birthday,Opt in,row_number,errors"
    assert len(report) == 8
    assert low_contrast(page) == []
    shot(page, "desktop-3-review")

    # 4. Import: the bar reaches 100 % from the states the subscription sends.
    expect(page.locator("#start-hint")).to_have_text("6 valid rows will be imported; invalid rows are skipped.")
    page.evaluate("""() => { const shown = document.getElementById("progress-percent"); window.percentages = [];
        new MutationObserver(() => window.percentages.push(parseInt(shown.textContent, 10)))
          .observe(shown, { childList: true, characterData: true, subtree: true }); }""")
    page.get_by_role("button", name="Import the valid rows").click()
    expect(page.locator("#current-status")).to_have_text("Imported")
    expect(page.locator("#progress-bar")).to_have_attribute("value", "100")
    expect(page.locator("#progress-percent")).to_have_text("100 %")
    expect(page.locator("#live-imported")).to_have_text("6")
    expect(page.locator("#live-failed")).to_have_text("0")
    expect(page.locator("#live-rate")).to_have_text(re.compile(r"^\d[\d,]*$"))
    percentages = page.evaluate("window.percentages")
    assert percentages == sorted(percentages) and percentages[-1] == 100, percentages
    imported = [s for s in states if s["status"] == "IMPORTED"]
    assert imported and imported[-1]["progress"] == 100 and imported[-1]["importedRows"] == 6
    shot(page, "desktop-4-imported")

    # 5. Undo, after a confirmation that says what goes.
    page.get_by_role("button", name="Roll back this import…").click()
    dialog = page.get_by_role("dialog", name="Roll back this import?")
    expect(dialog).to_contain_text("This removes the 6 clients this import created.")
    expect(dialog.get_by_role("button", name="Keep the import")).to_be_focused()
    shot(page, "desktop-5-confirm-rollback")
    dialog.get_by_role("button", name="Roll back", exact=True).click()
    expect(page.locator("#current-status")).to_have_text("Rolled back")
    expect(page.locator("#undo-hint")).to_have_text(
        "Rolled back: 6 rows undone, 0 left as they were (changed since).")
    assert any(s["status"] == "ROLLED_BACK" for s in states)

    # 6. History: newest first, filtered, and each opens its details.
    history = page.locator("#history-table tbody tr").first
    expect(history).to_contain_text("clients.csv")
    expect(history).to_contain_text("Rolled back")
    page.get_by_label("Status").select_option(label="Imported")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("#history-table tbody")).to_have_text("No imports match.")
    page.get_by_label("Status").select_option(label="Rolled back")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("#history-table tbody tr")).to_have_count(1)
    page.get_by_label("Type", exact=True).select_option(label="Vouchers")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("#history-table tbody")).to_have_text("No imports match.")
    page.get_by_label("Type", exact=True).select_option(label="Clients")
    page.get_by_label("From", exact=True).fill((date.today() + timedelta(days=1)).isoformat())
    page.get_by_role("button", name="Show").click()
    expect(page.locator("#history-table tbody")).to_have_text("No imports match.")
    page.get_by_label("From", exact=True).fill(date.today().isoformat())
    page.get_by_label("To", exact=True).fill(date.today().isoformat())
    page.get_by_role("button", name="Show").click()
    expect(page.locator("#history-table tbody tr")).to_have_count(1)
    page.get_by_role("button", name=re.compile("^Open clients.csv")).click()
    expect(page.locator("#status-title")).to_be_focused()
    expect(page.locator("#current-status")).to_have_text("Rolled back")
    shot(page, "desktop-6-history")


def test_on_a_phone_sized_screen_a_file_is_imported_and_rolled_back(server, phone, tmp_path):
    from playwright.sync_api import expect

    sign_in(phone, server)
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    shot(phone, "phone-1-signed-in")
    phone.get_by_label("File (CSV or XLSX)").set_input_files(write(tmp_path, "phone.csv", GOOD_FILE))
    phone.get_by_role("button", name="Upload").click()
    expect(phone.locator("#current-status")).to_have_text("Checked: ready to import")
    expect(phone.locator("#errors-caption")).to_have_text("No errors to show")
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert low_contrast(phone) == []
    shot(phone, "phone-2-checked")
    phone.get_by_role("button", name="Import the valid rows").click()
    expect(phone.locator("#progress-percent")).to_have_text("100 %")
    expect(phone.locator("#live-imported")).to_have_text("4")
    shot(phone, "phone-3-imported")
    phone.get_by_role("button", name="Roll back this import…").click()
    phone.get_by_role("dialog").get_by_role("button", name="Roll back", exact=True).click()
    expect(phone.locator("#current-status")).to_have_text("Rolled back")
    shot(phone, "phone-4-rolled-back")


def test_a_file_that_cannot_be_read_is_refused_beside_the_file_field(server, page, tmp_path):
    from playwright.sync_api import expect

    sign_in(page, server)
    page.get_by_role("button", name="Upload").click()
    expect(page.locator("#upload-error")).to_have_text("Choose a file first (CSV or XLSX).")
    page.get_by_label("File (CSV or XLSX)").set_input_files(write(tmp_path, "empty.csv", ""))
    page.get_by_role("button", name="Upload").click()
    expect(page.locator("#upload-error")).to_contain_text("The file is empty")
    expect(page.locator("#upload-error")).to_have_attribute("data-code", "BAD_FILE")
    expect(page.get_by_label("File (CSV or XLSX)")).to_be_focused()
    shot(page, "refusal-bad-file")


def focused(page) -> str:
    return page.evaluate("document.activeElement.id || document.activeElement.textContent.trim()")


def choose_file_with_space(page, path: Path) -> None:
    """Space on the focused file field opens the file chooser. Headless Chromium now and then
    drops that request (the same press opens it on a retry), so up to three presses."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for _ in range(3):
        assert focused(page) == "file"
        try:
            with page.expect_file_chooser(timeout=5_000) as chooser:
                page.keyboard.press("Space")
        except PlaywrightTimeout:
            continue
        chooser.value.set_files(path)
        return
    raise AssertionError("Space on the file field never opened the file chooser")


def test_sign_in_and_upload_with_the_keyboard_alone(server, page, tmp_path):
    from playwright.sync_api import expect

    page.goto(server.url + "/")
    page.keyboard.press("Tab")
    assert focused(page) == "Skip to the page"
    page.keyboard.press("Tab")
    assert focused(page) == "token"
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") == "solid"
    page.keyboard.type(server.token)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="1. Choose a file")).to_be_focused()

    order = []
    for _ in range(4):
        page.keyboard.press("Tab")
        order.append(focused(page))
    assert order == ["import-type", "import-mode", "upload-mapping", "file"]
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") == "solid"
    choose_file_with_space(page, write(tmp_path, "keyboard.csv", GOOD_FILE.replace("phone", "keys")))
    page.keyboard.press("Tab")
    assert focused(page) == "template-link"
    page.keyboard.press("Tab")
    assert focused(page) == "upload-button"
    shot(page, "keyboard-1-upload-focused")
    page.keyboard.press("Enter")
    expect(page.locator("#current-status")).to_have_text("Checked: ready to import")
    expect(page.get_by_role("heading", name="2. Map columns")).to_be_focused()
    shot(page, "keyboard-2-uploaded")


def test_a_saved_mapping_is_saved_then_applied_to_the_next_file(server, page, tmp_path):
    from playwright.sync_api import expect

    sign_in(page, server)
    french = "Prénom,Nom,Courriel\nAmélie,Poulain,amelie@example.com\n"
    page.get_by_label("File (CSV or XLSX)").set_input_files(write(tmp_path, "french.csv", french))
    page.get_by_role("button", name="Upload").click()
    expect(page.locator("#current-status")).to_have_text("Stopped: needs attention")
    page.get_by_label("Field for column Prénom").select_option("first_name")
    page.get_by_label("Field for column Nom").select_option("last_name")
    page.get_by_label("Field for column Courriel").select_option("email")
    page.get_by_role("button", name="Check again with this mapping").click()
    expect(page.locator("#current-status")).to_have_text("Checked: ready to import")
    page.get_by_label("Save the checked mapping as").fill("French export")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("#save-message")).to_have_text("Saved as “French export”.")

    page.get_by_label("File (CSV or XLSX)").set_input_files(write(tmp_path, "french2.csv", french))
    page.get_by_label("Mapping", exact=True).select_option(label="Map the columns automatically")
    page.get_by_role("button", name="Upload").click()
    expect(page.locator("#current-file")).to_have_text("french2.csv")
    expect(page.locator("#current-status")).to_have_text("Stopped: needs attention")
    page.get_by_label("Saved mapping", exact=True).select_option(label="French export")
    page.get_by_role("button", name="Apply").click()
    expect(page.locator("#missing")).to_have_text("Every required field has a column.")
    expect(page.get_by_label("Field for column Courriel")).to_have_value("email")
    page.get_by_role("button", name="Check again with this mapping").click()
    expect(page.locator("#current-message")).to_have_text("")
    expect(page.locator("#current-status")).to_have_text("Checked: ready to import")
    expect(page.locator("#count-valid")).to_have_text("1")

    page.get_by_label("File (CSV or XLSX)").set_input_files(write(tmp_path, "french3.csv", french))
    page.get_by_label("Mapping", exact=True).select_option(label="French export")
    page.get_by_role("button", name="Upload").click()
    expect(page.locator("#current-file")).to_have_text("french3.csv")
    expect(page.locator("#current-status")).to_have_text("Checked: ready to import")
    shot(page, "desktop-7-saved-mapping")


def test_a_viewer_is_told_beside_the_upload_that_their_role_may_not_import(server, page, tmp_path):
    from playwright.sync_api import expect

    viewer = server.new_token(email="viewer@example.com", role="viewer")
    page.goto(server.url + "/")
    page.get_by_label("API token").fill(viewer)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("File (CSV or XLSX)").set_input_files(write(tmp_path, "viewer.csv", GOOD_FILE))
    page.get_by_role("button", name="Upload").click()

    expect(page.locator("#upload-error")).to_have_attribute("data-code", "FORBIDDEN")
    expect(page.locator("#upload-error")).to_have_text(
        "Your role (viewer) may not do this; ask an admin for a member token.")
    expect(page.locator("#current")).to_be_hidden()
    shot(page, "refusal-viewer")


def test_a_file_dropped_on_the_drop_zone_is_uploaded(server, page):
    from playwright.sync_api import expect

    sign_in(page, server)
    dropped = page.evaluate_handle(
        """(text) => { const data = new DataTransfer();
                       data.items.add(new File([text], "dropped.csv", { type: "text/csv" })); return data; }""",
        GOOD_FILE.replace("phone", "drop"))
    page.dispatch_event("#drop", "dragover", {"dataTransfer": dropped})
    expect(page.locator("#drop")).to_have_class(re.compile("over"))
    page.dispatch_event("#drop", "drop", {"dataTransfer": dropped})
    page.get_by_role("button", name="Upload").click()

    expect(page.locator("#current-file")).to_have_text("dropped.csv")
    expect(page.locator("#current-status")).to_have_text("Checked: ready to import")
    expect(page.locator("#count-valid")).to_have_text("4")


def validated_imports(data_dir: Path, files: dict[str, str]) -> tuple[str, list[str]]:
    """A token and the ids of `files` uploaded and validated, in a server run in this process."""
    from starlette.testclient import TestClient

    from domain.accounts.auth import issue_token
    from domain.settings import Settings
    from graph.app import create_app
    from tests.helpers import data_of, settle, upload

    with TestClient(create_app(Settings(data_dir=data_dir))) as client:
        token = issue_token(client.app.state.services.db, organisation="Queue Spa", email="owner@queue.test").token
        ids = []
        for name, text in files.items():
            created = data_of(upload(client, text.encode(), token=token, filename=name))["createImport"]
            assert settle(client, token, created["id"])["status"] == "VALIDATED"
            ids.append(created["id"])
    return token, ids


def post_graphql(url: str, token: str, query: str, variables: dict) -> dict:
    body = json.dumps({"query": query, "variables": variables}).encode()
    request = urllib.request.Request(f"{url}/graphql", data=body, method="POST", headers={
        "Content-Type": "application/json", "Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def test_a_waiting_import_shows_its_place_in_line_and_can_be_cancelled(browser, tmp_path):
    from playwright.sync_api import expect

    data_dir = tmp_path / "data"
    token, (first, _) = validated_imports(data_dir, {"first.csv": GOOD_FILE, "second.csv": GOOD_FILE.replace("phone", "q")})
    # No worker: the first import stays IMPORTING, so the second must wait for its turn.
    with served(data_dir, "--no-worker", env={"IMPORTER_MAX_RUNNING_IMPORTS_PER_ORGANISATION": "1"}) as (url, _):
        started = post_graphql(url, token, "mutation($id: ID!) { startImport(id: $id) { status } }", {"id": first})
        assert started == {"data": {"startImport": {"status": "IMPORTING"}}}
        page = _page(browser, viewport={"width": 1280, "height": 900})
        sign_in(page, Server(url, token, data_dir))
        expect(page.locator("#history-table tbody tr")).to_have_count(2)
        page.get_by_role("button", name=re.compile("^Open second.csv")).click()
        expect(page.locator("#current-status")).to_have_text("Checked: ready to import")
        page.get_by_role("button", name="Import the valid rows").click()

        expect(page.locator("#current-status")).to_have_text("Waiting for its turn (position 1)")
        expect(page.locator("#start-hint")).to_have_text(
            "Your organisation's other imports run first; this one is number 1 in line.")
        expect(page.locator("#progress-percent")).to_have_text("0 %")
        expect(page.locator("#progress-label")).to_have_text("Waiting for its turn")
        expect(page.locator("#undo-hint")).to_have_text("Nothing is written yet: rolling back cancels the import.")
        expect(page.locator("#history-table tbody tr").first).to_contain_text("Waiting for its turn (position 1)")
        shot(page, "desktop-8-waiting")
        page.get_by_role("button", name="Roll back this import…").click()
        dialog = page.get_by_role("dialog", name="Roll back this import?")
        expect(dialog).to_contain_text("The import has not started: rolling back cancels it, and nothing is removed.")
        dialog.get_by_role("button", name="Roll back", exact=True).click()
        expect(page.locator("#current-status")).to_have_text("Rolled back")
        expect(page.locator("#history-table tbody tr").first).to_contain_text("Rolled back")
        expect(page.locator("#history-table tbody tr").last).to_contain_text("Importing")
        assert page.problems == [], page.problems
        page.context.close()


def upload_file(page, path: Path, status: str = "Checked: ready to import") -> None:
    """Uploads `path` as clients (create new records) and waits until its check ends in `status`."""
    from playwright.sync_api import expect

    page.get_by_label("What the file holds").select_option(label="Clients")
    page.get_by_label("File (CSV or XLSX)").set_input_files(path)
    page.get_by_role("button", name="Upload").click()
    expect(page.locator("#current-file")).to_have_text(path.name)
    expect(page.locator("#current-status")).to_have_text(status)


def decision(page, column: str):
    """The notices about one column, with the control that changes the decision."""
    return page.locator("#notices-list li").filter(has_text=f"'{column}'")


def test_a_column_of_us_dates_is_read_month_first_and_the_page_says_so(server, page, tmp_path):
    from playwright.sync_api import expect

    sign_in(page, server)
    us = ("First name,Last name,Email,DOB\n"
          "Ann,Lee,ann.us@example.com,05/11/1990\nBob,Ray,bob.us@example.com,12/31/1990\n")
    upload_file(page, write(tmp_path, "us-dates.csv", us))

    notices = page.get_by_role("region", name="Check what was decided for you")
    expect(notices).to_be_visible()
    dob = decision(page, "DOB")
    expect(dob).to_have_count(1)
    expect(dob).to_contain_text("Column 'DOB' is read month first")
    expect(dob).to_contain_text("12/31/1990")
    expect(dob).to_contain_text("05/11/1990 (row 2) is read as 11 May 1990")
    # The rows prove the order: there is nothing to choose, so no date-order control.
    expect(dob.get_by_label("Date order of column DOB")).to_have_count(0)
    assert low_contrast(page) == []
    shot(page, "notices-1-us-dates")


def test_an_ambiguous_date_column_is_read_day_first_until_the_person_chooses_month_first(server, page, tmp_path):
    from playwright.sync_api import expect

    sign_in(page, server)
    ambiguous = ("First name,Last name,Email,DOB\n"
                 "Cleo,Marsh,cleo.amb@example.com,05/11/1990\nDev,Shah,dev.amb@example.com,03/04/1985\n")
    upload_file(page, write(tmp_path, "ambiguous-dates.csv", ambiguous))
    dob = decision(page, "DOB")
    expect(dob).to_contain_text("so it is read day first")
    expect(dob).to_contain_text("05/11/1990 (row 2) is read as 5 November 1990")
    order = dob.get_by_label("Date order of column DOB")
    expect(order).to_have_value("DAY_FIRST")
    shot(page, "notices-2-ambiguous-day-first")

    # With the keyboard alone: the select, then its button.
    order.focus()
    order.select_option("MONTH_FIRST")
    page.keyboard.press("Tab")
    assert focused(page) == "Use this date order for column DOB"
    page.keyboard.press("Enter")
    expect(page.locator("#notices-title")).to_be_focused()
    expect(page.locator("#current-status")).to_have_text("Checked: ready to import")
    dob = decision(page, "DOB")
    expect(dob).to_contain_text("so it is read month first, as dateOrder asks")
    expect(dob).to_contain_text("05/11/1990 (row 2) is read as 11 May 1990")
    expect(dob.get_by_label("Date order of column DOB")).to_have_value("MONTH_FIRST")
    expect(page.locator("#count-valid")).to_have_text("2")
    shot(page, "notices-3-ambiguous-month-first")


ALREADY = "first_name,last_name,email\n" + "".join(f"Again{i},Twice{i},again{i}@example.com\n" for i in range(3))


def test_rows_that_already_exist_are_counted_by_kind_and_shown_alone(server, page, tmp_path):
    from playwright.sync_api import expect

    sign_in(page, server)
    upload_file(page, write(tmp_path, "first-time.csv", ALREADY))
    page.get_by_role("button", name="Import the valid rows").click()
    expect(page.locator("#current-status")).to_have_text("Imported")
    expect(page.locator("#current-summary")).to_have_text("Imported 3 of 3 valid rows.")

    upload_file(page, write(tmp_path, "second-time.csv", ALREADY + "Bad,Mail,not-an-email\n"))
    expect(page.locator("#count-invalid")).to_have_text("4")
    expect(page.locator("#current-summary")).to_have_text(
        "0 of 4 rows are valid and will be imported; 4 have problems and will be skipped.")
    kinds = page.locator("#kinds-list button")
    expect(kinds).to_have_text(["3 × already exists in Email", "1 × not an email address in Email"])
    expect(page.locator("#errors-table tbody tr")).to_have_count(4)
    expect(page.locator("#start-hint")).to_have_text("No row is valid, so there is nothing to import: see the errors above.")
    expect(page.get_by_role("button", name="Import the valid rows")).to_be_disabled()
    shot(page, "kinds-1-all")

    page.get_by_role("button", name="3 × already exists in Email").click()
    expect(page.locator("#errors-caption")).to_have_text("Errors 1 to 3 (only 3 × already exists in Email)")
    rows = cells(page, "errors-table")
    assert [row[:4] for row in rows] == [
        [str(i + 2), "email", f"again{i}@example.com", "already exists"] for i in range(3)], rows
    assert all("already exists" in row[4] for row in rows), rows
    expect(page.get_by_role("button", name="3 × already exists in Email")).to_have_attribute("aria-pressed", "true")
    shot(page, "kinds-2-already-exists")

    page.get_by_role("button", name="Show all errors").click()
    expect(page.locator("#errors-caption")).to_have_text("Errors 1 to 4")
    expect(page.get_by_role("button", name="Show all errors")).to_be_hidden()
    expect(page.get_by_role("button", name="3 × already exists in Email")).to_be_focused()


def test_an_import_whose_every_row_failed_says_nothing_was_imported(server, page, tmp_path):
    from playwright.sync_api import expect

    sign_in(page, server)
    rows = "first_name,last_name,email\n" + "".join(f"Late{i},Comer{i},late{i}@example.com\n" for i in range(3))
    # Both are checked before either is imported: nothing exists yet, so every row is valid.
    upload_file(page, write(tmp_path, "taken-first.csv", rows))
    upload_file(page, write(tmp_path, "taken-second.csv", rows))
    page.get_by_role("button", name=re.compile("^Open taken-first.csv")).click()
    expect(page.locator("#current-file")).to_have_text("taken-first.csv")
    page.get_by_role("button", name="Import the valid rows").click()
    expect(page.locator("#current-status")).to_have_text("Imported")

    page.get_by_role("button", name=re.compile("^Open taken-second.csv")).click()
    expect(page.locator("#current-file")).to_have_text("taken-second.csv")
    expect(page.locator("#current-status")).to_have_text("Checked: ready to import")
    page.get_by_role("button", name="Import the valid rows").click()
    expect(page.locator("#current-status")).to_have_text("Imported nothing: every row failed")
    expect(page.locator("#current-summary")).to_have_text(
        "Nothing was imported: all 3 valid rows failed at import (see the errors).")
    expect(page.locator("#start-hint")).to_have_text("No row was imported: all 3 failed. The errors above say why.")
    expect(page.locator("#kinds-list button")).to_have_text(["3 × already exists in Email"])
    expect(page.locator("#undo-hint")).to_have_text("This import wrote nothing, so there is nothing to undo.")
    expect(page.get_by_role("button", name="Roll back this import…")).to_be_disabled()
    expect(page.locator("#history-table tbody tr").first).to_contain_text("Imported nothing: every row failed")
    shot(page, "summary-nothing-imported")


def test_the_encoding_and_header_row_read_are_shown_and_can_be_changed(server, page, tmp_path):
    from playwright.sync_api import expect

    sign_in(page, server)
    # Excel for Mac: Mac Roman, lone CR line ends, a title and a blank line above the header.
    text = "Client list,,\r,,\rFirst name,Last name,Email\rZoë,Brontë,zoe.mac@example.com\rRenée,Noël,renee.mac@example.com\r"
    path = tmp_path / "excel-mac.csv"
    path.write_bytes(text.encode("mac_roman"))
    upload_file(page, path)

    encoding = page.locator("#notices-list li").filter(has=page.get_by_label("Encoding of the file"))
    expect(encoding).to_contain_text("Mac Roman")
    expect(encoding.locator("pre")).to_contain_text("Zoë")
    expect(encoding.get_by_label("Encoding of the file")).to_have_value("mac_roman")
    header = page.locator("#notices-list li").filter(has=page.get_by_label("Row of the header"))
    expect(header).to_contain_text("The header was found on row 3")
    expect(header.get_by_label("Row of the header")).to_have_value("3")
    shot(page, "notices-4-excel-mac")

    encoding.get_by_label("Encoding of the file").select_option("windows-1252")
    encoding.get_by_role("button", name="Use this encoding").click()
    expect(page.locator("#notices-title")).to_be_focused()
    encoding = page.locator("#notices-list li").filter(has=page.get_by_label("Encoding of the file"))
    expect(encoding).to_contain_text("the encoding you chose")
    expect(encoding.get_by_label("Encoding of the file")).to_have_value("windows-1252")
    expect(page.locator("#map-table tbody tr").first).to_contain_text("Zo‘, RenŽe")
    shot(page, "notices-5-read-as-windows-1252")


def test_a_file_with_only_a_full_name_needs_no_first_and_last_name_column(server, page, tmp_path):
    from playwright.sync_api import expect

    sign_in(page, server)
    upload_file(page, write(tmp_path, "full-names.csv", "Name,Email\nAda Lovelace,ada.full@example.com\n"))
    expect(page.get_by_label("Field for column Name")).to_have_value("full_name")
    expect(page.get_by_text("Every required field has a column.")).to_be_visible()
    shot(page, "mapping-full-name")


def test_graphiql_keeps_a_pasted_token_in_the_tab_only(server, page):
    """GraphiQL's headers (and its history, which holds them too) go to sessionStorage: the
    token never lands in localStorage and a new tab starts without it. A token an earlier
    page left in localStorage is removed."""
    from playwright.sync_api import expect

    page.goto(server.url + "/graphql")
    page.evaluate("localStorage.setItem('graphiql:headers', '{\"Authorization\": \"Bearer imp_stale\"}')")
    page.goto(server.url + "/graphql?q=" + urllib.parse.quote("{ importTypes { type } }"))
    page.get_by_role("button", name="Headers").click()
    headers = page.locator(".graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror")
    headers.click()
    page.keyboard.press("Control+A")
    page.keyboard.insert_text(json.dumps({"Authorization": f"Bearer {server.token}"}))
    page.get_by_role("button", name=re.compile("Execute query")).click()
    expect(page.locator(".graphiql-response")).to_contain_text('"type": "CLIENT"')

    stored = "(store) => JSON.stringify(Object.entries(window[store]))"
    assert server.token in page.evaluate(stored, "sessionStorage")
    assert "imp_" not in page.evaluate(stored, "localStorage")


    other = page.context.new_page()
    other.goto(server.url + "/graphql")
    expect(other.locator(".graphiql-container .graphiql-editors")).to_be_visible()
    assert "imp_" not in other.evaluate(stored, "sessionStorage")
    assert "imp_" not in other.evaluate(stored, "localStorage")
    other.close()
