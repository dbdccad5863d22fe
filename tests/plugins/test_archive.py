"""Unpacking release archives: the single `.wasm` comes out, nothing may escape the folder."""

from __future__ import annotations

import io
import stat
import tarfile
import zipfile
from pathlib import Path

import pytest

from tests.plugins._support import WASM, tar_gz, zip_bytes
from witkit.errors import LoadError
from witkit.plugins import extract_wasm


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    """Write an archive into the test folder."""
    path = tmp_path / name
    path.write_bytes(data)
    return path


def link(name: str, target: str, kind: bytes) -> tarfile.TarInfo:
    """A tar link entry (`tarfile.SYMTYPE` or `tarfile.LNKTYPE`)."""
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = target
    return info


def test_single_wasm_in_a_subfolder(tmp_path: Path) -> None:
    archive = write(tmp_path, "p.tar.gz", tar_gz([("README", b"x"), ("dist/p.wasm", WASM)]))
    out = tmp_path / "out.wasm"
    assert extract_wasm(archive, out) == "dist/p.wasm"
    assert out.read_bytes() == WASM


def test_tgz_and_zip(tmp_path: Path) -> None:
    out = tmp_path / "out.wasm"
    extract_wasm(write(tmp_path, "p.tgz", tar_gz([("p.wasm", WASM)])), out)
    assert out.read_bytes() == WASM
    extract_wasm(write(tmp_path, "p.zip", zip_bytes([("d/p.wasm", WASM)])), out)
    assert out.read_bytes() == WASM


def test_preferred_name_picks_among_several(tmp_path: Path) -> None:
    archive = write(tmp_path, "p.zip", zip_bytes([("a.wasm", b"\0asm a"), ("x/p.wasm", WASM)]))
    out = tmp_path / "out.wasm"
    assert extract_wasm(archive, out, preferred_name="p.wasm") == "x/p.wasm"
    assert out.read_bytes() == WASM


def test_several_wasm_without_a_preferred_one(tmp_path: Path) -> None:
    archive = write(tmp_path, "p.tar.gz", tar_gz([("a.wasm", WASM), ("b.wasm", WASM)]))
    with pytest.raises(LoadError, match=r"several \.wasm files \(a\.wasm, b\.wasm\)"):
        extract_wasm(archive, tmp_path / "out.wasm", preferred_name="p.wasm")


def test_no_wasm(tmp_path: Path) -> None:
    archive = write(tmp_path, "p.tar.gz", tar_gz([("README", b"x")]))
    with pytest.raises(LoadError, match=r"p\.tar\.gz holds no \.wasm file"):
        extract_wasm(archive, tmp_path / "out.wasm")


@pytest.mark.hostile
def test_corrupt_archive(tmp_path: Path) -> None:
    archive = write(tmp_path, "p.tar.gz", b"definitely not gzip")
    with pytest.raises(LoadError, match="cannot be read"):
        extract_wasm(archive, tmp_path / "out.wasm")


@pytest.mark.hostile
@pytest.mark.parametrize(
    ("entries", "message"),
    [
        ([("../evil.wasm", WASM)], "escapes its folder"),
        ([("ok/../../evil.wasm", WASM)], "escapes its folder"),
        ([("/tmp/evil.wasm", WASM)], "absolute path"),
        ([("p.wasm", WASM), link("evil.wasm", "/etc/passwd", tarfile.SYMTYPE)], "link entry"),
        ([("p.wasm", WASM), link("evil.wasm", "p.wasm", tarfile.LNKTYPE)], "link entry"),
        ([link("dir", "..", tarfile.SYMTYPE), ("p.wasm", WASM)], "link entry"),
    ],
    ids=["dotdot", "nested-dotdot", "absolute", "symlink", "hardlink", "dir-symlink"],
)
def test_tar_escape_attempts(tmp_path: Path, entries: list[object], message: str) -> None:
    dest = tmp_path / "unpack"
    dest.mkdir()
    archive = write(tmp_path, "p.tar.gz", tar_gz(entries))
    with pytest.raises(LoadError, match=message):
        extract_wasm(archive, dest / "out.wasm")
    assert list(dest.iterdir()) == []
    assert not (tmp_path / "evil.wasm").exists()


@pytest.mark.hostile
def test_tar_special_file(tmp_path: Path) -> None:
    fifo = tarfile.TarInfo("pipe")
    fifo.type = tarfile.FIFOTYPE
    archive = write(tmp_path, "p.tar.gz", tar_gz([fifo, ("p.wasm", WASM)]))
    with pytest.raises(LoadError, match="special file"):
        extract_wasm(archive, tmp_path / "out.wasm")


@pytest.mark.hostile
@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("../evil.wasm", "escapes its folder"),
        ("..\\evil.wasm", "escapes its folder"),
        ("/evil.wasm", "absolute path"),
        ("C:/evil.wasm", "absolute path"),
    ],
)
def test_zip_escape_attempts(tmp_path: Path, name: str, message: str) -> None:
    archive = write(tmp_path, "p.zip", zip_bytes([(name, WASM)]))
    dest = tmp_path / "unpack"
    dest.mkdir()
    with pytest.raises(LoadError, match=message):
        extract_wasm(archive, dest / "out.wasm")
    assert list(dest.iterdir()) == []


@pytest.mark.hostile
def test_zip_symlink(tmp_path: Path) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        info = zipfile.ZipInfo("p.wasm")
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(info, "/etc/passwd")
    archive = write(tmp_path, "p.zip", buf.getvalue())
    with pytest.raises(LoadError, match="link entry"):
        extract_wasm(archive, tmp_path / "out.wasm")


def test_name_decides_the_kind(tmp_path: Path) -> None:
    # Downloads land in temp files whose names say nothing; the asset name decides.
    archive = write(tmp_path, "download.part", zip_bytes([("p.wasm", WASM)]))
    out = tmp_path / "out.wasm"
    extract_wasm(archive, out, name="p.zip")
    assert out.read_bytes() == WASM
