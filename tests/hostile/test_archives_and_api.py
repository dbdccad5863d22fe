"""Zip archives zipfile fails on late (corrupt deflate, deflate64, encryption), special-file
modes, and GitHub API answers nested past the recursion limit: each a LoadError, nothing left.
"""

from __future__ import annotations

import io
import stat
import struct
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.hostile.test_downloads import MakeLoader, _servers, ca, make_loader, servers  # noqa: F401  # noqa: F401
from tests.plugins._support import WASM, LoopbackServer, files_in
from witkit.errors import LoadError
from witkit.plugins.archive import extract_wasm


def _zip(data: bytes = WASM, method: int = zipfile.ZIP_DEFLATED, mode: int | None = None) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as zf:
        info = zipfile.ZipInfo("plugin.wasm")
        info.compress_type = method
        if mode is not None:
            info.external_attr = mode << 16
        zf.writestr(info, data)
    return buf.getvalue()


def _patch_method(blob: bytes, method: int) -> bytes:
    """Rewrite the compression method in the local header and the central directory."""
    out = bytearray(blob)
    local = out.index(b"PK\x03\x04")
    out[local + 8 : local + 10] = struct.pack("<H", method)
    central = out.index(b"PK\x01\x02")
    out[central + 10 : central + 12] = struct.pack("<H", method)
    return bytes(out)


def _set_flag(blob: bytes, bit: int) -> bytes:
    out = bytearray(blob)
    for sig, at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        i = out.index(sig)
        (flags,) = struct.unpack("<H", out[i + at : i + at + 2])
        out[i + at : i + at + 2] = struct.pack("<H", flags | bit)
    return bytes(out)


def _corrupt_deflate(blob: bytes) -> bytes:
    out = bytearray(blob)
    local = out.index(b"PK\x03\x04")
    name_len, extra_len = struct.unpack("<HH", out[local + 26 : local + 30])
    start = local + 30 + name_len + extra_len
    out[start : start + 4] = b"\xff\xff\xff\xff"  # an invalid deflate block type
    return bytes(out)


def refused(tmp_path: Path, blob: bytes, match: str) -> None:
    archive = tmp_path / "p.zip"
    archive.write_bytes(blob)
    dest = tmp_path / "out" / "plugin.wasm"
    dest.parent.mkdir()
    with pytest.raises(LoadError, match=match) as info:
        extract_wasm(archive, dest)
    assert "p.zip" in str(info.value)
    assert files_in(dest.parent) == []


def test_corrupt_deflate_data(tmp_path: Path) -> None:
    blob = _corrupt_deflate(_zip(WASM * 50))
    refused(tmp_path, blob, "cannot be read")


def test_deflate64_is_refused_up_front(tmp_path: Path) -> None:
    refused(tmp_path, _patch_method(_zip(), 9), "compression method 9")


def test_encryption_flag_is_refused(tmp_path: Path) -> None:
    refused(tmp_path, _set_flag(_zip(), 0x1), "encrypted entry")


@pytest.mark.parametrize(
    "kind",
    [stat.S_IFCHR, stat.S_IFBLK, stat.S_IFIFO, stat.S_IFSOCK],
    ids=["chr", "blk", "fifo", "sock"],
)
def test_zip_special_file_modes_are_refused_like_tar(tmp_path: Path, kind: int) -> None:
    refused(tmp_path, _zip(mode=kind | 0o644), "special file entry 'plugin.wasm'")


def test_plain_and_modeless_zip_entries_still_unpack(tmp_path: Path) -> None:
    for i, blob in enumerate(
        [_zip(mode=stat.S_IFREG | 0o644), _zip(mode=0), _zip(method=zipfile.ZIP_STORED)]
    ):
        archive = tmp_path / f"{i}.zip"
        archive.write_bytes(blob)
        dest = tmp_path / f"{i}.wasm"
        assert extract_wasm(archive, dest) == "plugin.wasm"
        assert dest.read_bytes() == WASM


def _with_first_name_byte(tmp_path: Path, byte: int, utf8: bool = False) -> Path:
    """A one-entry zip whose central directory name starts with `byte` (flagged UTF-8 or not),
    where zipfile reads the names; byte values found by the byte-flip test below."""
    blob = bytearray(_zip())
    central = blob.rindex(b"PK\x01\x02")
    if utf8:
        blob[central + 9] |= 0x08  # flags are little-endian: bit 11 is bit 3 of the high byte
    blob[central + 46] = byte
    archive = tmp_path / "p.zip"
    archive.write_bytes(bytes(blob))
    return archive


def test_a_zip_entry_name_flagged_utf8_that_is_not_is_a_load_error(tmp_path: Path) -> None:
    archive, dest = _with_first_name_byte(tmp_path, 0x80, utf8=True), tmp_path / "out.wasm"
    with pytest.raises(LoadError, match=r"archive p\.zip cannot be read"):
        extract_wasm(archive, dest)
    assert not dest.exists()


def test_a_zip_entry_name_starting_with_nul_is_a_load_error(tmp_path: Path) -> None:
    # zipfile cuts a name at its first NUL, so this entry has the empty name.
    archive, dest = _with_first_name_byte(tmp_path, 0x00), tmp_path / "out.wasm"
    with pytest.raises(LoadError, match=r"archive p\.zip has an entry with no name"):
        extract_wasm(archive, dest)
    assert not dest.exists()


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_any_byte_flip_of_a_zip_unpacks_or_is_a_load_error(data: st.DataObject) -> None:
    import tempfile

    blob = bytearray(_zip(WASM * 20))
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(blob) - 1))
        blob[at] = data.draw(st.integers(0, 255))
    with tempfile.TemporaryDirectory() as tmp:
        archive = Path(tmp) / "p.zip"
        archive.write_bytes(bytes(blob))
        dest = Path(tmp) / "out.wasm"
        try:
            extract_wasm(archive, dest)
        except LoadError:
            assert not dest.exists()


def test_deep_github_api_answer_is_a_load_error(
    servers: dict[str, LoopbackServer],  # noqa: F811
    make_loader: MakeLoader,  # noqa: F811
) -> None:
    depth = 100_000
    servers["http"].serve("/api/repos/acme/tool/releases/latest", b"[" * depth + b"]" * depth)
    loader = make_loader()
    with pytest.raises(LoadError, match="did not return JSON: nested too deeply"):
        loader.load("p", "github:acme/tool")
    assert files_in(loader.plugins_dir) == []


def test_huge_number_in_github_api_answer_is_a_load_error(
    servers: dict[str, LoopbackServer],  # noqa: F811
    make_loader: MakeLoader,  # noqa: F811
) -> None:
    servers["http"].serve("/api/repos/acme/tool/releases/latest", b'{"id": ' + b"9" * 5000 + b"}")
    with pytest.raises(LoadError, match=r"did not return JSON.*4300"):
        make_loader().load("p", "github:acme/tool")
