"""Only real PNG and JPEG images become a logo, and never as uploaded: always re-encoded."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image, PngImagePlugin

from assessment.models import ConsultantProfile

REFUSED = "Bitte laden Sie ein echtes PNG- oder JPEG-Bild hoch"


def image(fmt: str, size=(120, 60), **save) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (11, 85, 99)).save(buffer, format=fmt, **save)
    return buffer.getvalue()


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_claiming(width: int, height: int) -> bytes:
    """A small, well-formed PNG whose header claims a huge picture (a decompression bomb)."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    rows = zlib.compress(b"\x00" * 64, 9)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", rows)
        + png_chunk(b"IEND", b"")
    )


@pytest.fixture
def advisor(client, consultant):
    ConsultantProfile.objects.create(user=consultant, name="Berta", approved=True)
    client.force_login(consultant)
    return client


def upload(advisor, content: bytes, name: str = "logo.png", content_type: str = "image/png"):
    return advisor.post(
        reverse("consultant_profile"),
        {"name": "Berta", "logo": SimpleUploadedFile(name, content, content_type=content_type)},
    )


def stored_logo(consultant) -> bytes | None:
    logo = ConsultantProfile.objects.get(user=consultant).logo_png
    return None if logo is None else bytes(logo)


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(b"<!doctype html><script>alert(1)</script>", id="html named .png"),
        pytest.param(image("PNG")[:200], id="truncated png"),
        pytest.param(image("JPEG")[:300], id="truncated jpeg"),
        pytest.param(png_claiming(30_000, 30_000), id="decompression bomb"),
        pytest.param(png_claiming(4001, 20), id="too wide"),
        pytest.param(image("PNG", size=(8, 8)), id="too small"),
        pytest.param(image("GIF"), id="gif"),
        pytest.param(b"GIF89a/*\x00\x00*/=alert(1)//", id="gif and script polyglot"),
        pytest.param(image("WEBP"), id="webp"),
        pytest.param(image("BMP"), id="bmp"),
        pytest.param(image("TIFF"), id="tiff"),
        pytest.param(image("ICO", size=(32, 32)), id="ico"),
        pytest.param(
            b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
            id="svg with onload",
        ),
    ],
)
def test_anything_but_a_real_png_or_jpeg_is_refused(advisor, consultant, content):
    response = upload(advisor, content)
    assert response.status_code == 400
    assert REFUSED in response.content.decode()
    assert stored_logo(consultant) is None


def test_an_empty_or_oversized_file_is_refused(advisor, consultant):
    response = upload(advisor, b"")
    assert response.status_code == 400
    assert stored_logo(consultant) is None
    response = upload(advisor, image("PNG") + b"\x00" * 1_000_001)
    assert response.status_code == 400
    assert "Das Logo ist größer als 1 MB." in response.content.decode()
    assert stored_logo(consultant) is None


def test_a_png_is_re_encoded_without_its_metadata(advisor, consultant):
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "Entwurf von Max Mustermann, intern")
    original = image("PNG", pnginfo=info)
    assert b"Max Mustermann" in original
    assert upload(advisor, original).status_code == 302
    logo = stored_logo(consultant)
    assert logo.startswith(b"\x89PNG\r\n\x1a\n") and logo != original
    assert b"Max Mustermann" not in logo and b"tEXt" not in logo
    assert Image.open(io.BytesIO(logo)).size == (120, 60)


def test_a_jpeg_becomes_a_png_without_exif_or_comment(advisor, consultant):
    exif = Image.Exif()
    exif[0x010E] = "Kamera von Max Mustermann"  # ImageDescription
    original = image("JPEG", exif=exif.tobytes(), comment=b"<script>alert(1)</script>")
    assert b"Max Mustermann" in original and b"<script>" in original
    response = upload(advisor, original, "logo.jpg", "image/jpeg")
    assert response.status_code == 302
    logo = stored_logo(consultant)
    assert logo.startswith(b"\x89PNG") and b"Exif" not in logo
    assert b"Max Mustermann" not in logo and b"<script>" not in logo


def test_a_png_with_html_appended_is_stored_without_it(advisor, consultant):
    polyglot = image("PNG") + b"<html><script>alert(1)</script></html>"
    assert upload(advisor, polyglot, "logo.html", "text/html").status_code == 302
    logo = stored_logo(consultant)
    assert b"<script>" not in logo and logo.endswith(png_chunk(b"IEND", b""))


def test_a_large_logo_is_scaled_down(advisor, consultant):
    assert upload(advisor, image("PNG", size=(3000, 1500))).status_code == 302
    assert Image.open(io.BytesIO(stored_logo(consultant))).size == (480, 240)
