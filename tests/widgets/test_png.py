"""The PNG writer: exact bytes for one pixel, and Pillow (an independent decoder) reads
every picture back pixel for pixel."""

import io
import zlib

import numpy as np
import pytest
from PIL import Image

from course_utils.widgets import png

# The well-known smallest PNG header: a 1 × 1 image, 8-bit RGB, with the CRC-32 of its
# IHDR chunk, and the IEND chunk that ends every PNG file.
ONE_PIXEL_HEAD = bytes.fromhex(
    "89504e470d0a1a0a"  # signature
    "0000000d" "49484452" "00000001" "00000001" "08" "02" "00" "00" "00" "907753de"
)  # fmt: skip
IEND = bytes.fromhex("00000000" "49454e44" "ae426082")  # fmt: skip


def decoded(data):
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "PNG"
        assert image.mode == "RGB"
        return np.asarray(image.convert("RGB"))


def chunks(data):
    """(type, data, stored CRC) of each chunk after the signature, to the file's last byte."""
    found, at = [], len(png.SIGNATURE)
    while at < len(data):
        length = int.from_bytes(data[at : at + 4], "big")
        crc = int.from_bytes(data[at + 8 + length : at + 12 + length], "big")
        found.append((data[at + 4 : at + 8], data[at + 8 : at + 8 + length], crc))
        at += 12 + length
    assert at == len(data)
    return found


def test_one_red_pixel_byte_for_byte():
    data = png.encode(np.array([[[255, 0, 0]]], dtype=np.uint8))
    assert data.startswith(ONE_PIXEL_HEAD)
    assert data.endswith(IEND)
    _, (kind, idat, _), _ = chunks(data)
    assert kind == b"IDAT"
    assert zlib.decompress(idat) == b"\x00\xff\x00\x00"  # filter type 0, then R, G, B


def test_rows_are_unfiltered_top_to_bottom():
    pixels = np.arange(2 * 3 * 3, dtype=np.uint8).reshape(2, 3, 3)
    _, (_, idat, _), _ = chunks(png.encode(pixels))
    assert zlib.decompress(idat) == bytes([0, *range(0, 9), 0, *range(9, 18)])


@pytest.mark.parametrize("shape", [(1, 1, 3), (1, 7, 3), (5, 1, 4), (33, 17, 3), (64, 48, 4)])
@pytest.mark.parametrize("level", [0, 1, 9])
def test_pillow_reads_back_every_pixel(shape, level):
    pixels = np.random.default_rng(sum(shape) + level).integers(0, 256, shape, dtype=np.uint8)
    np.testing.assert_array_equal(decoded(png.encode(pixels, level=level)), pixels[..., :3])


def test_a_plot_like_picture_reads_back_and_is_compressed():
    pixels = np.full((720, 1440, 4), 255, dtype=np.uint8)
    pixels[100:600, 200:1300, :3] = (31, 119, 180)  # a flat patch of colour
    pixels[::50, :, :3] = 0  # thin lines
    data = png.encode(pixels)
    np.testing.assert_array_equal(decoded(data), pixels[..., :3])
    assert len(data) < pixels[..., :3].size // 50


def test_pillow_refuses_a_damaged_header_checksum():
    """Pillow checks the IHDR's CRC, so the round trips above would catch a wrong one."""
    data = bytearray(png.encode(np.zeros((2, 2, 3), dtype=np.uint8)))
    data[len(ONE_PIXEL_HEAD) - 1] ^= 0xFF
    with pytest.raises(OSError, match="cannot identify image file"):
        decoded(bytes(data))


def crc32_bit_by_bit(data):
    """CRC-32 as the PNG specification defines it (reflected polynomial 0xEDB88320,
    register preset to all ones and inverted at the end), one bit at a time."""
    register = 0xFFFFFFFF
    for byte in data:
        register ^= byte
        for _ in range(8):
            register = (register >> 1) ^ (0xEDB88320 if register & 1 else 0)
    return register ^ 0xFFFFFFFF


def test_every_chunk_checksum_matches_the_specification():
    """Pillow does not check the IDAT's CRC (nor IEND's); check all of them here."""
    pixels = np.random.default_rng(3).integers(0, 256, (6, 5, 3), dtype=np.uint8)
    found = chunks(png.encode(pixels))
    for kind, data, stored in found:
        assert stored == crc32_bit_by_bit(kind + data), kind
    assert [kind for kind, _, _ in found] == [b"IHDR", b"IDAT", b"IEND"]


@pytest.mark.parametrize(
    ("pixels", "message"),
    [
        (np.zeros((2, 2, 3), dtype=float), "uint8"),
        (np.zeros((2, 2), dtype=np.uint8), r"shape \(height, width, 3 or 4\)"),
        (np.zeros((2, 2, 2), dtype=np.uint8), r"shape \(height, width, 3 or 4\)"),
        (np.zeros((0, 2, 3), dtype=np.uint8), "at least one row and column"),
    ],
)
def test_bad_pixels_are_refused(pixels, message):
    with pytest.raises(ValueError, match=message):
        png.encode(pixels)


def test_bad_level_is_refused():
    with pytest.raises(ValueError, match=r"level must be in \[0, 9\], got 10"):
        png.encode(np.zeros((1, 1, 3), dtype=np.uint8), level=10)
