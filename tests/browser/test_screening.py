"""Mass screening on a phone (390 px): an operator scans a tube and ten people, seals it and
ships the box; a lab technician marks it positive and reports it; the recall list shows the
ten; one of them retests positive in a single tube and appears as a proposed (suspected) case
for the tracers."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from outbreakhq.core.actor import Actor
from outbreakhq.screening import services
from outbreakhq.screening.models import Recall, Tube
from outbreakhq.tracing.models import Case
from tests.browser.conftest import log_in, shot
from tests.factories import PASSWORD, make_user
from tests.screening.conftest import make_screen

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PHONE = {"width": 390, "height": 844}


def _fits(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width} px wide on a 390 px phone"


def _log_out(page) -> None:
    page.get_by_role("button", name="Log out").click()


def _seal(page, barcode: str, codes: list[str], *, retest: bool = False) -> None:
    page.goto("/screening/collect/")
    if retest:
        page.check("input[name=retest]")
    page.fill("#barcode", barcode)
    page.press("#barcode", "Enter")  # a keyboard-wedge scanner ends with Enter
    for code in codes:
        page.fill("#person-code", code)
        page.press("#person-code", "Enter")
    expect(page.locator("#tube-count")).to_have_text(f"{len(codes)} / {10 if not retest else 1}")
    page.get_by_role("button", name="3. Seal the tube").click()
    expect(page.locator("#sent")).to_contain_text(f"Tube sealed and sent: {barcode}")


def _ship(page, box: str) -> None:
    page.goto("/screening/ship/")
    page.fill("input[name=box]", box)
    page.get_by_role("button", name="Hand the box over").click()
    expect(page.locator(".messages")).to_contain_text(f"Box {box} shipped")


def _lab_result(page, box: str, barcode: str, result: str) -> None:
    page.goto("/screening/lab/")
    page.fill("#box-code", box)
    page.get_by_role("button", name="Receive").click()
    expect(page.locator(".messages")).to_contain_text(f"Box {box} received")
    page.select_option(f"select[name=result-{barcode}]", result)
    shot(page, f"phone-screening-lab-{barcode}")
    _fits(page)
    page.get_by_role("button", name="Save results").click()
    expect(page.locator(".messages")).to_contain_text("results saved")


def _lab_report(page, barcode: str) -> None:
    """A positive waits for the technician's release (the preset reports negatives at once)."""
    page.goto("/screening/lab/")
    row = page.locator("#unreported tbody tr", has_text=barcode)
    expect(row.locator("input[name=report]")).to_be_checked()
    _fits(page)
    page.get_by_role("button", name="Report the ticked results").click()
    expect(page.locator(".messages")).to_contain_text("1 result reported")
    assert Tube.objects.get(barcode=barcode).reported_at is not None


def test_a_positive_pool_is_recalled_and_a_positive_retest_becomes_a_proposed_case(page):
    screen = make_screen()
    make_user("tracer", screen.land.county1, username="tina")
    people = screen.people(10)
    codes = screen.codes(people)
    page.set_viewport_size(PHONE)

    log_in(page, "sam", PASSWORD)
    _seal(page, "T0001", codes)
    shot(page, "phone-screening-collect")
    _fits(page)
    _ship(page, "BOX1")
    _log_out(page)

    log_in(page, "lee", PASSWORD)
    page.goto("/screening/lab/")
    expect(page.locator("body")).not_to_contain_text(people[0].name)
    _lab_result(page, "BOX1", "T0001", "positive")
    _lab_report(page, "T0001")
    _log_out(page)

    log_in(page, "sam", PASSWORD)
    page.goto("/screening/recalls/")
    expect(page.locator("#recalls tbody tr")).to_have_count(10)
    shot(page, "phone-screening-recalls")
    _fits(page)
    _seal(page, "R0001", [codes[0]], retest=True)
    _ship(page, "BOX2")
    _log_out(page)

    log_in(page, "lee", PASSWORD)
    _lab_result(page, "BOX2", "R0001", "positive")
    _log_out(page)

    log_in(page, "tina", PASSWORD)
    page.goto("/cases/")
    expect(page.locator("body")).to_contain_text(people[0].name)
    shot(page, "phone-screening-proposed-case")
    case = Case.objects.get(person=people[0])
    assert (case.classification, case.detection_route) == ("suspected", "community_screening")
    assert Recall.objects.get(person=people[0]).result == "positive"
    expect(page).to_have_title(re.compile("Cases"))


@pytest.mark.parametrize("who, url", [
    ("cora", "/screening/"), ("cora", "/screening/round/"), ("sam", "/screening/ship/"),
    ("sam", "/screening/codes/?area=990101001001001"), ("lee", "/screening/lab/"), ("sam", "/")])
def test_the_other_screening_pages_fit_a_phone(page, who, url):
    screen = make_screen()
    people = screen.people(12)
    screen.submit("T0001", people[:10])
    screen.submit("T0002", people[10:11])
    # two labs (the lab page offers a choice; per-lab tables), one box received at one
    planner, lab = Actor.of(screen.planner), Actor.of(screen.lab)
    north = services.create_lab(actor=planner, name="North Prefecture Central Laboratory",
                                area_code=screen.land.pref1.code)
    services.create_lab(actor=planner, name="Alder County CDC laboratory",
                        area_code=screen.land.county1.code)
    services.ship_box(actor=Actor.of(screen.operator), site_id=screen.site.pk, box_code="B1",
                      barcodes=["T0002"])
    services.receive_box(actor=lab, box_code="B1", lab_id=north.pk)
    screen.results(("T0002", "negative"))
    page.set_viewport_size(PHONE)
    log_in(page, who, PASSWORD)
    page.goto(url)
    shot(page, "phone-screening-" + (url.strip("/").split("?")[0].replace("/", "-") or "home")
         + f"-{who}")
    _fits(page)


def test_a_site_that_loses_its_connection_keeps_its_tubes_and_sends_them_when_back(page):
    """The Xi'an morning: the connection drops, the operator keeps scanning; the sealed tubes
    wait in the phone's queue and are sent, once each, when the connection is back."""
    screen = make_screen()
    people = screen.people(4)
    codes = screen.codes(people)
    page.set_viewport_size(PHONE)
    log_in(page, "sam", PASSWORD)
    page.goto("/screening/collect/")
    page.expected_console_errors = ["ERR_INTERNET_DISCONNECTED", "Failed to fetch"]
    page.context.set_offline(True)
    for barcode, pair in (("OFF1", codes[:2]), ("OFF2", codes[2:])):
        page.fill("#barcode", barcode)
        page.press("#barcode", "Enter")
        for code in pair:
            page.fill("#person-code", code)
            page.press("#person-code", "Enter")
        page.get_by_role("button", name="3. Seal the tube").click()
    expect(page.locator("#queue-status")).to_contain_text("Waiting: 2")
    assert not Tube.objects.exists()
    page.wait_for_timeout(2500)  # the tubes wait in the queue: they are dated when sealed
    page.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    expect(page.locator("#sent")).to_contain_text("Tube sealed and sent: OFF2")
    expect(page.locator("#queue-status")).to_have_text("")
    assert sorted(Tube.objects.values_list("barcode", flat=True)) == ["OFF1", "OFF2"]
    for tube in Tube.objects.all():  # collected when sealed offline, not when it arrived
        assert (tube.sealed_at - tube.collected_at).total_seconds() >= 2


def _qr_pixels(text: str, scale: int = 4, border: int = 4) -> tuple[int, int, list[int]]:
    """RGBA pixels of a QR code of `text` (segno, the code sheets' own QR library)."""
    import segno

    matrix = [list(row) for row in segno.make(text, error="m").matrix]
    size = (len(matrix) + 2 * border) * scale
    pixels: list[int] = []
    for y in range(size):
        row = matrix[y // scale - border] if border <= y // scale < border + len(matrix) else None
        for x in range(size):
            dark = row is not None and border <= x // scale < border + len(matrix) and \
                row[x // scale - border]
            pixels += [0, 0, 0, 255] if dark else [255, 255, 255, 255]
    return size, size, pixels


def test_without_barcode_detector_the_vendored_library_reads_a_code_on_a_phone(page):
    """An iPhone has no BarcodeDetector: the collection page loads the vendored ZXing from this
    server (nothing fetched elsewhere) and reads a screening code's QR with it."""
    screen = make_screen()
    person = screen.people(1)[0]
    code = screen.codes([person])[0]
    fetched: list[str] = []
    page.on("request", lambda request: fetched.append(request.url))
    page.add_init_script("delete window.BarcodeDetector;")
    page.set_viewport_size(PHONE)
    log_in(page, "sam", PASSWORD)
    page.goto("/screening/collect/")
    page.wait_for_function("window.outbreakhqBarcodeDetector !== undefined")
    assert page.evaluate("'BarcodeDetector' in window") is False
    library = [url for url in fetched if "zxing" in url]
    assert library and all(url.startswith(page.url.split("/screening")[0]) for url in library)
    assert all(url.startswith(page.url.split("/screening")[0]) for url in fetched)
    width, height, pixels = _qr_pixels(code)
    read = page.evaluate("""([width, height, pixels]) => {
        const canvas = document.createElement("canvas");
        canvas.width = width; canvas.height = height;
        canvas.getContext("2d").putImageData(
            new ImageData(new Uint8ClampedArray(pixels), width, height), 0, 0);
        return window.outbreakhqBarcodeDetector.detect(canvas)
            .then(found => found.map(f => f.rawValue));
    }""", [width, height, pixels])
    assert read == [code]
    blank = page.evaluate("""() => {
        const canvas = document.createElement("canvas");
        canvas.width = 80; canvas.height = 80;
        return window.outbreakhqBarcodeDetector.detect(canvas).then(found => found.length);
    }""")
    assert blank == 0  # nothing to read: nothing read
    _fits(page)
