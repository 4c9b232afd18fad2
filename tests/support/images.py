"""Image files for upload tests: real ones made by Pillow, and a
decompression bomb (a small PNG that declares a huge canvas)."""

import io
import struct
import zlib

from PIL import Image


def picture(size=(40, 30), fmt="PNG") -> bytes:
    """A real image of ``size`` in Pillow format ``fmt``."""
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, fmt)
    return out.getvalue()


def bomb(side: int = 100_000) -> bytes:
    """A PNG of a few hundred bytes that declares ``side`` x ``side``
    pixels (10 gigapixels by default): its IHDR chunk is rewritten, with a
    valid CRC, so only the declared size gives it away."""
    data = bytearray(picture((1, 1)))
    # Signature (8), IHDR length (4) and type (4), then width and height.
    data[16:24] = struct.pack(">II", side, side)
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])))
    return bytes(data)
