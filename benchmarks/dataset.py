"""The benchmark's photo folder, built from ../shared/fixtures with known identities.

61 photos of mixed sizes, like an event folder a yearbook editor drops:

* the 27 fixture photos as they are (240 px to 2333 px);
* 20 "phone photos": fixture photos enlarged to 4032 px on the long side;
* 6 "class photos": 4000 x 3000 frames with 12 faces of 80-110 px pasted on a
  blurred crowd, one or two of them opted-out students;
* 4 portraits stored sideways with an EXIF orientation tag, as phones do;
* 4 photos with no face at all.

Also a 720p video (the fixture clip enlarged and played four times: 37 s) and a
24-megapixel photo.

``ground_truth`` says which opted-out identities each photo holds, so recall can
be measured for photoguard and for the face_recognition CLI alike.
"""

from __future__ import annotations

import json
import random
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import piexif
from PIL import Image, ImageFilter

OPTED_OUT = {"obama": "1001", "kit_harington": "1003", "lin_manuel_miranda": "1006"}
REFERENCES = {
    "obama": "obama/obama.jpg",
    "kit_harington": "kit_harington/kit1.jpg",
    "lin_manuel_miranda": "lin_manuel_miranda/lin1.png",
}
#: Which identities each fixture photo shows (by folder, plus the group photos).
FIXTURE_IDENTITIES = {
    "groups/kit_rose.jpg": {"kit_harington", "rose_leslie"},
    "groups/obama_biden_1.jpg": {"obama", "biden"},
    "groups/obama_biden_2.jpg": {"obama", "biden"},
    "misc/rgba_32bit.png": {"obama"},
}
#: Single-face photos whose faces are pasted into the class photos.
FACE_SOURCES = (
    "obama/obama.jpg",
    "obama/obama2.jpg",
    "kit_harington/kit2.jpg",
    "lin_manuel_miranda/lin1.png",
    "biden/biden.jpg",
    "biden/biden2.jpg",
    "rose_leslie/rose1.jpg",
    "rose_leslie/rose2.jpg",
    "alex_lacamoire/alex1.jpg",
    "alex_lacamoire/alex3.jpg",
    "kit_harington/kit3.jpg",
    "obama/obama4.jpg",
)


@dataclass(frozen=True)
class Dataset:
    folder: Path
    known: Path
    #: photo name -> opted-out identities in it
    truth: dict[str, set[str]]
    video_720p: Path
    big_photo: Path


def identities_of(rel: str) -> set[str]:
    return FIXTURE_IDENTITIES.get(rel, {rel.split("/")[0]})


def _face_boxes(faces: Path) -> dict[str, tuple[int, int, int, int]]:
    """Where the face is in each source photo, found with dlib's HOG detector (the
    detector photoguard used when the bench folder was first built: the folder stays
    the same photos whatever detector is measured on it)."""
    import cv2
    import dlib

    from photoguard.media import photo_frames

    hog = dlib.get_frontal_face_detector()
    boxes = {}
    for rel in FACE_SOURCES:
        frame = next(iter(photo_frames(faces / rel, 48)))
        r = hog(cv2.cvtColor(frame.image, cv2.COLOR_RGB2GRAY), 0)[0]
        h, w = frame.image.shape[:2]
        left, top = max(0, r.left()), max(0, r.top())
        width, height = min(w, r.right() + 1) - left, min(h, r.bottom() + 1) - top
        s = frame.scale
        boxes[rel] = (round(left / s), round(top / s), round(width / s), round(height / s))
    return boxes


def build(faces: Path, video: Path, out: Path, seed: int = 2026) -> Dataset:
    rng = random.Random(seed)
    if out.exists():
        shutil.rmtree(out)
    folder = out / "event"
    known = out / "known"
    folder.mkdir(parents=True)
    known.mkdir()
    truth: dict[str, set[str]] = {}
    for ident, rel in REFERENCES.items():
        shutil.copyfile(faces / rel, known / f"{ident}{Path(rel).suffix}")

    photos = sorted(p for p in faces.glob("*/*") if p.is_file())
    for p in photos:
        rel = f"{p.parent.name}/{p.name}"
        name = f"orig_{p.parent.name}_{p.name}"
        shutil.copyfile(p, folder / name)
        truth[name] = identities_of(rel) & OPTED_OUT.keys()

    for i, p in enumerate(rng.sample(photos, 20)):
        rel = f"{p.parent.name}/{p.name}"
        with Image.open(p) as im:
            im = im.convert("RGB")
            scale = 4032 / max(im.size)
            big = im.resize((round(im.width * scale), round(im.height * scale)), Image.BICUBIC)
        name = f"phone_{i:02d}.jpg"
        big.save(folder / name, quality=90)
        truth[name] = identities_of(rel) & OPTED_OUT.keys()

    boxes = _face_boxes(faces)
    crowd = Image.open(faces / "groups" / "obama_biden_2.jpg").convert("RGB")
    crowd = crowd.resize((4000, 3000)).filter(ImageFilter.GaussianBlur(25))
    for i in range(6):
        canvas = crowd.copy()
        chosen = rng.sample(FACE_SOURCES, 12)
        present: set[str] = set()
        for k, rel in enumerate(chosen):
            left, top, w, h = boxes[rel]
            with Image.open(faces / rel) as im:
                im = im.convert("RGB")
                m = w // 3
                crop = im.crop((left - m, top - m, left + w + m, top + h + m))
            face_px = rng.randint(80, 110)
            s = face_px / w
            crop = crop.resize((round(crop.width * s), round(crop.height * s)), Image.LANCZOS)
            x = 150 + (k % 6) * 640 + rng.randint(0, 120)
            y = 500 + (k // 6) * 1100 + rng.randint(0, 200)
            canvas.paste(crop, (x, y))
            present |= identities_of(rel)
        name = f"class_{i}.jpg"
        canvas.save(folder / name, quality=90)
        truth[name] = present & OPTED_OUT.keys()

    for i, rel in enumerate(
        [
            "obama/obama2.jpg",
            "kit_harington/kit3.jpg",
            "obama/obama4.jpg",
            "lin_manuel_miranda/lin1.png",
        ]
    ):
        with Image.open(faces / rel) as im:
            upright = im.convert("RGB")
            scale = 3024 / max(upright.size)
            upright = upright.resize(
                (round(upright.width * scale), round(upright.height * scale)), Image.BICUBIC
            )
        orientation, turn = (
            (6, Image.Transpose.ROTATE_90) if i % 2 == 0 else (8, Image.Transpose.ROTATE_270)
        )
        name = f"sideways_{i}.jpg"
        upright.transpose(turn).save(
            folder / name,
            quality=90,
            exif=piexif.dump({"0th": {piexif.ImageIFD.Orientation: orientation}}),
        )
        truth[name] = identities_of(rel) & OPTED_OUT.keys()

    with Image.open(faces / "obama" / "obama3.jpg") as im:
        background = im.convert("RGB").crop((0, 1700, 1434, 2333))
    for i in range(4):
        crop = background.rotate(90 * i, expand=True).resize((3000, 2000))
        name = f"noface_{i}.jpg"
        crop.save(folder / name, quality=90)
        truth[name] = set()

    video_720p = out / "clip_720p.mp4"
    _upscale_video(video, video_720p, (1280, 720), repeat=4)
    big_photo = out / "big_24mp.jpg"
    with Image.open(faces / "groups" / "obama_biden_2.jpg") as im:
        im.convert("RGB").resize((6000, 4000), Image.BICUBIC).save(big_photo, quality=90)
    (out / "truth.json").write_text(json.dumps({k: sorted(v) for k, v in truth.items()}, indent=1))
    return Dataset(folder, known, truth, video_720p, big_photo)


def _upscale_video(src: Path, dst: Path, size: tuple[int, int], repeat: int = 1) -> None:
    """The fixture clip enlarged to ``size`` and played ``repeat`` times in a row (a 37 s
    clip measures throughput; on a 9 s one, starting the workers is a quarter of the time)."""
    import cv2

    writer = None
    for _ in range(repeat):
        cap = cv2.VideoCapture(str(src))
        fps = cap.get(cv2.CAP_PROP_FPS)
        if writer is None:
            writer = cv2.VideoWriter(str(dst), cv2.VideoWriter_fourcc(*"mp4v"), fps, size)
        while True:
            ok, frame = cap.read()
            if not ok:
                break
            resized = cv2.resize(frame, size, interpolation=cv2.INTER_CUBIC)
            writer.write(np.ascontiguousarray(resized))
        cap.release()
    assert writer is not None
    writer.release()
