"""Cheap checks of a file's structure, byte-level, before (or instead of) decoding its pixels.

- ``jpeg_check``: at most MAX_JPEG_SCANS scans (each scan of a progressive JPEG is another pass
  over every coefficient: 4,000 scans held a decoder for 90 s), and enough entropy-coded data
  for the pixels the header claims (libjpeg fills missing data with grey without an error).
- ``png_check``: every chunk's CRC, the image data inflated in pieces and thrown away, its
  length and row filters checked: the integrity of a 100 Mpx PNG in constant memory.
"""

import re
import struct
import zlib
from dataclasses import dataclass

from gallery.imaging.errors import ImageRejected, corrupt

MAX_JPEG_SCANS = 100  # encoders write 1 (baseline) or about 10 (progressive); 20 seen in the wild
# Huffman coding spends at least one bit on every 8x8 block's DC coefficient; arithmetic coding
# can go far lower. Half of that floor (and 1/64 for arithmetic) as the least believable size.
_HUFFMAN_BITS_PER_BLOCK = 0.5
_ARITHMETIC_BITS_PER_BLOCK = 1 / 64
_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
_ARITHMETIC_SOF = frozenset({0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF})
_STANDALONE = frozenset({0x01, *range(0xD0, 0xD8)})  # TEM, RST0-7: no length
_NEXT_MARKER = re.compile(rb"\xff+[^\x00\xd0-\xd7\xff]")  # 0xFF00 is a stuffed byte
_INFLATE_PIECE = 1 << 20
_PNG_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}
_ADAM7 = (  # (x0, y0, dx, dy) of the seven passes
    (0, 0, 8, 8),
    (4, 0, 8, 8),
    (0, 4, 4, 8),
    (2, 0, 4, 4),
    (0, 2, 2, 4),
    (1, 0, 2, 2),
    (0, 1, 1, 2),
)


def too_many_scans(scans: int) -> ImageRejected:
    return ImageRejected(
        f"the JPEG has too many scans ({scans}, the limit is {MAX_JPEG_SCANS}): decoding it "
        "would take too long",
        code="decode_limit",
    )


@dataclass(frozen=True, slots=True)
class JpegFacts:
    scans: int
    entropy_bytes: int
    arithmetic: bool


def jpeg_check(data: bytes, *, width: int, height: int) -> JpegFacts:
    """Walk the markers of the first picture (an MPO's others follow its EOI); refuse too many
    scans, and image data too small for width x height (a forged header)."""
    facts = _jpeg_walk(data)
    blocks = -(-width // 8) * -(-height // 8)
    per_block = _ARITHMETIC_BITS_PER_BLOCK if facts.arithmetic else _HUFFMAN_BITS_PER_BLOCK
    if facts.entropy_bytes * 8 < blocks * per_block:
        raise ImageRejected(
            f"the file is truncated or corrupt: {facts.entropy_bytes} bytes of image data "
            f"cannot hold {width}x{height} pixels",
            code="corrupt",
        )
    return facts


def _jpeg_walk(data: bytes) -> JpegFacts:
    position, scans, entropy, arithmetic = 2, 0, 0, False
    while True:
        found = _NEXT_MARKER.search(data, position)
        if found is None:
            raise corrupt()  # no EOI: cut short
        position = found.end() - 2
        marker = data[position + 1]
        if marker == 0xD9:
            return JpegFacts(scans=scans, entropy_bytes=entropy, arithmetic=arithmetic)
        if marker in _STANDALONE:
            position += 2
            continue
        if position + 4 > len(data):
            raise corrupt()
        end = position + 2 + struct.unpack(">H", data[position + 2 : position + 4])[0]
        if marker in _SOF:
            arithmetic = arithmetic or marker in _ARITHMETIC_SOF
        if marker == 0xDA:
            scans += 1
            if scans > MAX_JPEG_SCANS:
                raise too_many_scans(scans)
            following = _NEXT_MARKER.search(data, end)
            if following is None:
                raise corrupt()
            data_end = following.end() - 2
            entropy += max(0, data_end - end)
            end = data_end
        position = end


@dataclass(frozen=True, slots=True)
class PngFacts:
    orientation: int  # from an eXIf chunk; 1 when absent


def png_check(data: bytes) -> PngFacts:
    """Raise the corrupt error unless the PNG's chunks and image data are whole and sound.

    Decodes nothing into pixels: the inflated rows are counted and dropped piece by piece.
    """
    position, header, exif = 8, b"", b""
    inflater = zlib.decompressobj()
    counter: _RowCounter | None = None
    while True:
        if position + 12 > len(data):
            raise corrupt()
        length, kind = struct.unpack(">I4s", data[position : position + 8])
        body = data[position + 8 : position + 8 + length]
        crc = data[position + 8 + length : position + 12 + length]
        if len(crc) < 4 or struct.unpack(">I", crc)[0] != zlib.crc32(kind + body):
            raise corrupt()
        position += 12 + length
        if kind == b"IHDR":
            header = body
            counter = _RowCounter(body)
        elif kind == b"eXIf":
            exif = body
        elif kind == b"IDAT":
            if counter is None:
                raise corrupt()
            _inflate(inflater, body, counter)
        elif kind == b"IEND":
            break
    if not header or counter is None or not inflater.eof or counter.seen < counter.expected:
        raise corrupt()
    return PngFacts(orientation=_exif_orientation(exif))


class _RowCounter:
    """The inflated length a PNG's header implies, and a check of each row's filter byte."""

    def __init__(self, header: bytes) -> None:
        if len(header) != 13:
            raise corrupt()
        fields: tuple[int, ...] = struct.unpack(">IIBBBBB", header)
        width, height, depth, colour, _, _, interlace = fields
        if colour not in _PNG_CHANNELS or depth not in (1, 2, 4, 8, 16):
            raise corrupt()
        bits = _PNG_CHANNELS[colour] * depth

        def stride(pixels: int) -> int:
            return 1 + (pixels * bits + 7) // 8

        if interlace:
            self.stride = 0  # rows of seven sizes: length checked, filters left to the decoder
            self.expected = sum(
                stride(-(-(width - x0) // dx)) * -(-(height - y0) // dy)
                for x0, y0, dx, dy in _ADAM7
                if width > x0 and height > y0
            )
        else:
            self.stride = stride(width)
            self.expected = self.stride * height
        self.seen = 0

    def add(self, piece: bytes) -> None:
        if self.stride:
            first = -self.seen % self.stride
            filters = piece[first :: self.stride]
            if filters and max(filters) > 4:
                raise corrupt()
        self.seen += len(piece)
        if self.seen > self.expected + _INFLATE_PIECE:
            raise corrupt()  # far more data than the header says: not this image


def _inflate(inflater: "zlib._Decompress", body: bytes, counter: _RowCounter) -> None:
    try:
        piece = inflater.decompress(body, _INFLATE_PIECE)
        counter.add(piece)
        while inflater.unconsumed_tail:
            piece = inflater.decompress(inflater.unconsumed_tail, _INFLATE_PIECE)
            counter.add(piece)
    except zlib.error as error:
        raise corrupt() from error


def _exif_orientation(exif: bytes) -> int:
    if not exif:
        return 1
    from PIL import Image  # only for the rare PNG with EXIF

    try:
        parsed = Image.Exif()
        parsed.load(exif)
        value: object = parsed.get(0x0112, 1)
    except Exception:  # a malformed eXIf chunk means no orientation, as in orientation_of
        return 1
    return value if isinstance(value, int) and 1 <= value <= 8 else 1
