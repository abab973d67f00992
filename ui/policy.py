"""The district policy the app enforces, quoted where the app explains itself.

From ../shared/policy/social-media-policy.txt (Wilmington Public Schools,
Social Media Policy, revision adopted 2/10/2016).
"""

from __future__ import annotations

from photoguard.audit import POLICY_SECTION_4

SOURCE = "Social Media Policy, revision adopted 2/10/2016"

POLICY_3D1 = (
    "Staff shall not use, copy, disseminate or share in any manner, including via social "
    "media, photos or videos of students where the parent(s) or legal guardian(s) has selected "
    "to opt out by completing and submitting the form for the Privacy Law in the online "
    "Student Contact Update application in the Aspen Parent Portal. This information is "
    "available to staff from your school's main office."
)
POLICY_3D3 = "Staff shall not identify students by their full name in any photograph at any time."
POLICY_3F3 = "Staff shall identify students only by their first names on these pages."
POLICY_4 = POLICY_SECTION_4
POLICY_2B3 = (
    "The Superintendent and the Administration will have all staff read and review this "
    "policy at the beginning of each school year."
)

#: (section, text, what photoguard does about it)
QUOTES: tuple[tuple[str, str, str], ...] = (
    (
        "3.d.1 Use of Photographs",
        POLICY_3D1,
        "photoguard checks every face in your photos and videos against the reference faces "
        "of opted-out students on the roster the main office imports from Aspen.",
    ),
    (
        "3.d.3 Use of Photographs",
        POLICY_3D3,
        "photoguard reads captions, descriptions, keywords and file and folder names, and "
        "flags any student's full name.",
    ),
    (
        "3.f.3 Blogs, Wikis, Class Pages",
        POLICY_3F3,
        "The caption box checks the text of a post before you publish it and suggests the "
        "same words with first names only.",
    ),
    (
        "4 Public Records Law",
        POLICY_4,
        "Every check, import and decision is kept in an approval log that cannot be changed "
        "without it showing.",
    ),
    (
        "2.b.3 Responsibilities of the Administration",
        POLICY_2B3,
        "The policy is reviewed every year: check that the thresholds and the roster are "
        "still right when it is.",
    ),
)
