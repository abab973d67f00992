"""One HEIF brand list (photoguard/formats.py) decides both which decoder a HEIF/AVIF
file goes to and that its metadata is read as HEIF: the two readers cannot drift."""

from __future__ import annotations

import pytest

from photoguard import formats
from photoguard.metadata import container_kind


def _ftyp(brand: bytes) -> bytes:
    return b"\x00\x00\x00\x18ftyp" + brand + b"\x00\x00\x00\x00" + b"mif1" * 4


@pytest.mark.parametrize("brand", sorted(formats.HEIF_BRANDS))
def test_every_heif_brand_has_its_metadata_read_as_heif(brand: bytes) -> None:
    assert container_kind(_ftyp(brand)) == "HEIF"


@pytest.mark.parametrize("brand", sorted(formats.HEIF_PHOTO_BRANDS))
def test_heif_photo_brands_are_checked_as_photos(brand: bytes) -> None:
    assert formats.sniff_kind(_ftyp(brand)) == "photo"


@pytest.mark.parametrize("brand", sorted(formats.HEIF_OTHER_BRANDS))
def test_heif_sequence_brands_are_checked_as_video(brand: bytes) -> None:
    assert formats.sniff_kind(_ftyp(brand)) == "video"


def test_the_two_heif_sets_do_not_overlap_and_avif_is_inside() -> None:
    assert not formats.HEIF_PHOTO_BRANDS & formats.HEIF_OTHER_BRANDS
    assert formats.AVIF_BRANDS <= formats.HEIF_BRANDS


def test_an_mp4_brand_is_not_heif() -> None:
    assert container_kind(_ftyp(b"isom")) == "MP4"
    assert formats.sniff_kind(_ftyp(b"isom")) == "video"
