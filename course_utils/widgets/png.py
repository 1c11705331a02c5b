"""PNG files of RGB pixels, written quickly with numpy and zlib.

An explorer encodes a new picture for every slider value it draws, 1440 × 720 pixels
at the default pixel ratio, so the encoder's speed decides part of how many pictures
per second follow a drag. Pillow's encoder tries the five PNG row filters on every row
and keeps the most promising one; on a plot, which is mostly flat colour, no filter at
all compresses as well and costs nothing, which leaves only the deflate of the raw rows
(``benchmarks/png.py`` compares the two).

The file is the smallest valid PNG of 8-bit RGB pixels (W3C, *Portable Network Graphics
Specification*, 2nd ed., 2003):

- the 8-byte signature ``89 50 4E 47 0D 0A 1A 0A``;
- chunks, each its data length (4 bytes, big-endian), its type (4 letters), its data,
  and the CRC-32 of type and data;
- ``IHDR``: width, height (4 bytes each), bit depth 8, colour type 2 (RGB), compression
  method 0 (deflate), filter method 0, interlace method 0 (none);
- ``IDAT``: the zlib stream of the rows, top to bottom, each row its filter type (0,
  none) followed by its ``3 * width`` bytes;
- ``IEND``, empty.
"""

import struct
import zlib

import numpy as np

from course_utils import _validate

SIGNATURE = b"\x89PNG\r\n\x1a\n"


def encode(pixels, level=1):
    """The PNG file of ``pixels``: an ``(height, width, 3)`` or ``(height, width, 4)``
    array of ``uint8``; a fourth channel (alpha) is left out.

    ``level`` is zlib's compression level, from 0 (store) to 9 (smallest); 1 is
    several times faster than the default 6 and, on plots, hardly larger.
    """
    pixels = np.asarray(pixels)
    if pixels.dtype != np.uint8 or pixels.ndim != 3 or pixels.shape[2] not in (3, 4):
        raise ValueError(
            "pixels must be a uint8 array of shape (height, width, 3 or 4), got "
            f"{pixels.dtype} of shape {pixels.shape}"
        )
    level = _validate.integer("level", level, lo=0, hi=9)
    height, width = pixels.shape[:2]
    if height == 0 or width == 0:
        raise ValueError(f"pixels must have at least one row and column, got {pixels.shape}")
    rows = np.zeros((height, 1 + 3 * width), dtype=np.uint8)  # column 0: filter type 0
    rgb = rows[:, 1:].reshape(height, width, 3)
    if pixels.shape[2] == 4:  # read each pixel as one little-endian number: R + 256 G + …
        rgba = np.ascontiguousarray(pixels).view("<u4")[..., 0]
        for channel in range(3):  # 3 times faster than copying a strided pixels[..., :3]
            rgb[..., channel] = rgba >> (8 * channel)  # the low 8 bits are kept
    else:
        rgb[...] = pixels
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        SIGNATURE
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(rows.data, level))
        + _chunk(b"IEND", b"")
    )


def _chunk(kind, data):
    """One chunk: length, type, data, CRC-32 of type and data."""
    crc = zlib.crc32(data, zlib.crc32(kind))
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)
