"""A response body's Content-Encoding layers, decoded within a size limit.

httpx decodes gzip and deflate without bounding what one chunk expands to, and a server may
stack layers (`Content-Encoding: gzip, gzip`): 17 KB on the wire can decode to gigabytes. Here
each layer is a zlib decompressor asked for at most CHUNK bytes at a time, and the output of
every layer counts against the limit as it streams, so memory stays at a few chunks whatever
the body holds. Brotli is not offered (no bounded decoder is installed): a server that sends
it anyway is refused.
"""
from __future__ import annotations

import zlib
from collections.abc import Iterable, Iterator

ACCEPT_ENCODING = "gzip, deflate"
CHUNK = 64 * 1024


class TooLarge(Exception):
    pass


class BadEncoding(Exception):
    pass


def decoded(raw: Iterable[bytes], content_encoding: str | None, limit: int) -> Iterator[bytes]:
    """The body's bytes with every layer undone, in pieces; raises TooLarge as soon as the raw
    body or any layer's output passes `limit` bytes."""
    # layers are listed in the order they were applied
    layers = [e.strip().lower() for e in (content_encoding or "").split(",")]
    layers = [e for e in layers if e not in ("", "identity")]
    for name in layers:
        if name not in ("gzip", "x-gzip", "deflate"):
            raise BadEncoding(f"unsupported Content-Encoding {name!r}")
    stream = _limited(raw, limit, "response exceeds the {limit}-byte limit")
    for name in reversed(layers):
        stream = _limited(_inflate(stream, name), limit,
                          "response larger than {mb} MB after decoding (over the {limit}-byte limit)")
    return stream


def _limited(pieces: Iterable[bytes], limit: int, message: str) -> Iterator[bytes]:
    total = 0
    for piece in pieces:
        total += len(piece)
        if total > limit:
            raise TooLarge(message.format(limit=limit, mb=f"{limit / 2**20:.3g}"))
        yield piece


def _inflate(pieces: Iterable[bytes], name: str) -> Iterator[bytes]:
    if name == "deflate":
        pieces, wbits = _deflate_kind(pieces)
    else:
        wbits = 16 + zlib.MAX_WBITS
    d = zlib.decompressobj(wbits)
    try:
        for piece in pieces:
            while piece:
                if d.eof:
                    # another gzip member, or bytes after the stream (padding, a stray newline)
                    # that browsers ignore, and so do we
                    if name == "deflate" or not piece.startswith(b"\x1f\x8b"[: len(piece)]):
                        return
                    d = zlib.decompressobj(wbits)
                yield from _drain(d, piece)
                piece = d.unused_data if d.eof else b""
    except zlib.error as e:
        raise BadEncoding(f"cannot decode the {name} body: {e}") from e


def _drain(d, data: bytes) -> Iterator[bytes]:
    """All the output of `data`, CHUNK bytes at most at a time."""
    while True:
        out = d.decompress(data, CHUNK)
        if out:
            yield out
        data = d.unconsumed_tail
        # a full chunk with no input left may still have output pending: ask again
        if d.eof or (not data and len(out) < CHUNK):
            return


def _deflate_kind(pieces: Iterable[bytes]) -> tuple[Iterator[bytes], int]:
    """`deflate` is zlib-wrapped by the standard, raw by some servers: the first two bytes say."""
    it = iter(pieces)
    head = b""
    for piece in it:
        head += piece
        if len(head) >= 2:
            break
    wrapped = len(head) >= 2 and head[0] & 0x0F == 8 and (head[0] << 8 | head[1]) % 31 == 0

    def rest() -> Iterator[bytes]:
        yield head
        yield from it

    return rest(), zlib.MAX_WBITS if wrapped else -zlib.MAX_WBITS
