"""What the metadata readers return: caption fields, and fields that could not be read."""

from __future__ import annotations

from dataclasses import dataclass

#: Field names that hold a file or folder name rather than a caption: names in
#: them are written with `_ - .` between words (see NameIndex.find(file_name=True)).
PATH_FIELDS = frozenset({"filename", "folder"})

#: Longest text kept from one field (characters). A caption is a few hundred;
#: anything longer is still checked up to here and the rest reported unread.
MAX_FIELD_CHARS = 200_000


@dataclass(frozen=True)
class CaptionField:
    """Text found in one place: ``field`` names the place, e.g. "EXIF:ImageDescription"."""

    field: str
    text: str

    @property
    def is_path_name(self) -> bool:
        return self.field in PATH_FIELDS


@dataclass(frozen=True)
class FieldError:
    """A field or block that could not be read: the file cannot be called clear."""

    field: str
    detail: str


@dataclass(frozen=True)
class CaptionFields:
    fields: tuple[CaptionField, ...]
    errors: tuple[FieldError, ...]


class Collector:
    """Gathers what the readers find, in reading order."""

    def __init__(self) -> None:
        self.fields: list[CaptionField] = []
        self.errors: list[FieldError] = []

    def text(self, field: str, text: str) -> None:
        text = text.replace("\x00", " ").strip()
        if not text:
            return
        if len(text) > MAX_FIELD_CHARS:
            self.error(field, f"longer than {MAX_FIELD_CHARS} characters; only the start was read")
            text = text[:MAX_FIELD_CHARS]
        self.fields.append(CaptionField(field, text))

    def error(self, field: str, detail: str) -> None:
        self.errors.append(FieldError(field, detail))

    def result(self) -> CaptionFields:
        return CaptionFields(tuple(self.fields), tuple(self.errors))
