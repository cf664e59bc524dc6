"""The company's profile: who issues the invoices (EN 16931's seller), where it is paid, its logo.

One aggregate per store. Each change records the whole profile (``DetailsSet``), so a document
reads the profile as it was known when it was issued. A logo is kept in the log once, by its
SHA-256 (``LogoStored``); profiles name it by that digest, so changing an address does not copy
the image again.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING
from uuid import NAMESPACE_URL, uuid5

from ledger.errors import InvalidValue
from ledger.events import KeelAggregate, Meta

PROFILE_ID = uuid5(NAMESPACE_URL, "keel:company-profile")
LOGO_MAX_BYTES = 256 * 1024
LOGO_MAX_PIXELS = 4000  # per side

_COUNTRY = re.compile(r"^[A-Z]{2}$")  # ISO 3166-1 alpha-2
_VAT_ID = re.compile(r"^[A-Z]{2}[0-9A-Z+*.]{2,13}$")  # a country prefix, then at most 13 (EU: EL for Greece)
_IBAN = re.compile(r"^[A-Z]{2}[0-9]{2}[0-9A-Z]{11,30}$")
_BIC = re.compile(r"^[A-Z]{4}[A-Z]{2}[0-9A-Z]{2}([0-9A-Z]{3})?$")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True, slots=True)
class Address:
    """A postal address as EN 16931 reads it (BT-35..40 for the seller, BT-50..55 for the buyer)."""

    street: str
    city: str
    postal_code: str
    country: str


def check_address(address: Address, owner: str) -> Address:
    fields = {k: getattr(address, k).strip() for k in ("street", "city", "postal_code", "country")}
    for name in ("street", "city"):
        if not fields[name]:
            raise InvalidValue(f"{name}: {owner}'s address needs a {name.replace('_', ' ')}")
    fields["country"] = fields["country"].upper()
    if not _COUNTRY.match(fields["country"]):
        raise InvalidValue(f"country: an ISO 3166-1 alpha-2 code (GR, DE, US), got {address.country[:10]!r}")
    return Address(**fields)


def check_vat_id(value: str) -> str:
    """A VAT identifier with its country prefix (EL123456789, DE123456789); '' when there is none."""
    value = value.replace(" ", "").upper()
    if value and not _VAT_ID.match(value):
        raise InvalidValue(f"vat_id: a country prefix and 2 to 13 letters or digits (EL123456789), got {value[:20]!r}")
    return value


def check_email(value: str) -> str:
    """An address ("" for none): one ``@``, a dotted domain, no spaces; at most 200 characters."""
    value = value.strip()
    if value and (len(value) > 200 or not _EMAIL.match(value)):
        raise InvalidValue(f"email: not an e-mail address: {value[:40]!r}")
    return value


def check_iban(value: str) -> str:
    """An IBAN, its ISO 13616 check digits verified (mod 97)."""
    value = value.replace(" ", "").upper()
    if not _IBAN.match(value):
        raise InvalidValue(f"iban: two letters, two check digits and 11 to 30 letters or digits, got {value[:40]!r}")
    digits = "".join(str(int(c, 36)) for c in value[4:] + value[:4])
    if int(digits) % 97 != 1:
        raise InvalidValue(f"iban: the check digits of {value} are wrong")
    return value


def check_bic(value: str) -> str:
    value = value.replace(" ", "").upper()
    if not _BIC.match(value):
        raise InvalidValue(f"bic: 8 or 11 letters and digits (PIRBGRAA), got {value[:20]!r}")
    return value


def logo_type(data: bytes) -> str:
    """The media type of a logo (PNG or JPEG) read from its own bytes, with its size bounded;
    anything else is refused naming the field ``logo``."""
    if not data:
        raise InvalidValue("logo: empty")
    if len(data) > LOGO_MAX_BYTES:
        raise InvalidValue(f"logo: at most {LOGO_MAX_BYTES // 1024} KiB, got {len(data) // 1024} KiB")
    if data.startswith(b"\x89PNG\r\n\x1a\n") and data[12:16] == b"IHDR":
        width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
        if not (0 < width <= LOGO_MAX_PIXELS and 0 < height <= LOGO_MAX_PIXELS):
            raise InvalidValue(f"logo: at most {LOGO_MAX_PIXELS} pixels a side, got {width}x{height}")
        return "image/png"
    if data.startswith(b"\xff\xd8\xff") and data.rstrip(b"\x00").endswith(b"\xff\xd9"):
        return "image/jpeg"
    raise InvalidValue("logo: not a PNG or JPEG image")


@dataclass(frozen=True, slots=True)
class Profile:
    legal_name: str
    address: Address
    vat_id: str
    registration_id: str  # the company's registration number (BT-30), '' when none is shown
    email: str
    iban: str
    bic: str


class CompanyProfile(KeelAggregate):
    TOPIC = "keel.CompanyProfile"

    if TYPE_CHECKING:
        logos: list[str]  # digests of the logos stored so far
        logo_sha256: str

    class Event(KeelAggregate.Event):
        pass

    class Created(Event, KeelAggregate.Created):
        TOPIC = "keel.company.Created.v1"

    class Started(Created):
        TOPIC = "keel.company.Started.v1"

        def apply(self, profile: CompanyProfile) -> None:
            profile.logos = []
            profile.logo_sha256 = ""

    class LogoStored(Event):
        """A logo's bytes (base64), kept once by their digest."""

        TOPIC = "keel.company.LogoStored.v1"
        sha256: str
        media_type: str
        logo: str

        def apply(self, profile: CompanyProfile) -> None:
            profile.logos = [*profile.logos, self.sha256]

    class DetailsSet(Event):
        """The whole profile as from now ('' where a detail is not given)."""

        TOPIC = "keel.company.DetailsSet.v1"
        legal_name: str
        street: str
        city: str
        postal_code: str
        country: str
        vat_id: str
        registration_id: str
        email: str
        iban: str
        bic: str
        logo_sha256: str

        def apply(self, profile: CompanyProfile) -> None:
            profile.logo_sha256 = self.logo_sha256

    @classmethod
    def start(cls, on: date, meta: Meta) -> CompanyProfile:
        return cls._create(cls.Started, id=PROFILE_ID, **meta.stamp(on))

    def set(self, profile: Profile, logo: bytes | None, on: date, meta: Meta) -> None:
        """Record the profile; ``logo`` None keeps the current logo, empty bytes remove it."""
        name = profile.legal_name.strip()
        if not name:
            raise InvalidValue("legal_name: the company's legal name must not be empty")
        address = check_address(profile.address, "the company")
        digest = self.logo_sha256
        if logo is not None:
            digest = hashlib.sha256(logo).hexdigest() if logo else ""
            if logo and digest not in self.logos:
                media_type = logo_type(logo)
                encoded = base64.b64encode(logo).decode("ascii")
                self.trigger_event(
                    self.LogoStored, sha256=digest, media_type=media_type, logo=encoded, **meta.stamp(on)
                )
        self.trigger_event(
            self.DetailsSet,
            legal_name=name,
            street=address.street,
            city=address.city,
            postal_code=address.postal_code,
            country=address.country,
            vat_id=check_vat_id(profile.vat_id),
            registration_id=profile.registration_id.strip(),
            email=check_email(profile.email),
            iban=check_iban(profile.iban),
            bic=check_bic(profile.bic),
            logo_sha256=digest,
            **meta.stamp(on),
        )
