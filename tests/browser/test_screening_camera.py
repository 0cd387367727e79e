"""The collection page scans a tube's Code 128 label with a live camera on a phone (390 px),
through the vendored ZXing where the browser has no BarcodeDetector (iPhones; headless Chromium
on Linux has none either). Chromium's fake camera plays a video made here: a few frames of a
printed tube label (python-barcode draws it, Pillow turns it into Y4M frames)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from barcode import Code128
from barcode.writer import ImageWriter
from PIL import Image
from playwright.sync_api import expect

from outbreakhq.screening.models import Tube, TubeMember
from tests.browser.conftest import ARGS, log_in, shot
from tests.factories import PASSWORD
from tests.screening.conftest import make_screen

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PHONE = {"width": 390, "height": 844}
TUBE = "T-CAM-0001"


def label_video(path: Path, text: str, *, frames: int = 10, size=(640, 480)) -> Path:
    """A Y4M video (4:2:0) of a tube's Code 128 label held still before the camera."""
    label = Code128(text, writer=ImageWriter()).render({
        "module_width": 0.4, "module_height": 12, "quiet_zone": 6, "write_text": False,
        "dpi": 200})
    scale = min((size[0] - 40) / label.width, (size[1] - 40) / label.height)
    label = label.resize((int(label.width * scale), int(label.height * scale)),
                         Image.Resampling.NEAREST)
    frame = Image.new("RGB", size, "white")
    frame.paste(label, ((size[0] - label.width) // 2, (size[1] - label.height) // 2))
    y, cb, cr = frame.convert("YCbCr").split()
    half = (size[0] // 2, size[1] // 2)
    planes = b"".join([np.asarray(y).tobytes(), np.asarray(cb.resize(half)).tobytes(),
                       np.asarray(cr.resize(half)).tobytes()])
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{size[0]} H{size[1]} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            out.write(b"FRAME\n" + planes)
    return path


@pytest.fixture(scope="module")
def camera_browser(browser, chromium_path, tmp_path_factory):
    """A Chromium of its own whose camera films the tube's label (the flags are per process)."""
    video = label_video(tmp_path_factory.mktemp("camera") / "label.y4m", TUBE)
    own = browser.browser_type.launch(executable_path=chromium_path,
                                      args=[*ARGS, "--use-fake-ui-for-media-stream",
                                            "--use-fake-device-for-media-stream",
                                            f"--use-file-for-fake-video-capture={video}"])
    yield own
    own.close()


@pytest.fixture
def camera_page(camera_browser, live_server):
    context = camera_browser.new_context(base_url=live_server.url, locale="en-GB",
                                         viewport=PHONE, permissions=["camera"])
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.set_default_timeout(15_000)
    yield page
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def test_an_operator_scans_a_tube_label_with_the_phone_camera_through_the_fallback(
        camera_page):
    page = camera_page
    screen = make_screen()
    person = screen.people(1)[0]
    code = screen.codes([person])[0]
    page.add_init_script("delete window.BarcodeDetector;")  # the iPhone's case, made sure
    log_in(page, "sam", PASSWORD)
    page.goto("/screening/collect/")
    page.wait_for_function("window.outbreakhqBarcodeDetector !== undefined")
    assert page.evaluate("'BarcodeDetector' in window") is False
    assert page.evaluate("Boolean(window.ZXing)")  # the vendored library does the reading
    camera = page.get_by_role("button", name="Scan with the camera")
    camera.click()
    expect(page.locator("#camera")).to_be_visible()
    expect(page.locator("#barcode")).to_have_value(TUBE)  # read from the live frames
    shot(page, "phone-screening-camera")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the collection page is {width} px wide with the camera"
    page.get_by_role("button", name="Stop the camera").click()
    expect(page.locator("#camera")).to_be_hidden()
    page.fill("#person-code", code)
    page.press("#person-code", "Enter")
    expect(page.locator("#tube-count")).to_have_text("1 / 10")
    page.get_by_role("button", name="3. Seal the tube").click()
    expect(page.locator("#sent")).to_contain_text(f"Tube sealed and sent: {TUBE}")
    assert TubeMember.objects.get(tube=Tube.objects.get(barcode=TUBE)).person_id == person.pk
