"""The company's profile and customers' billing details: what invoices and e-invoices show (ADR 0040)."""

from __future__ import annotations

import base64
import binascii
import io
from typing import Annotated
from uuid import UUID

from pydantic import Field, StringConstraints, field_validator

from api.schemas.base import Body, EffectiveDate, Name, OptionalText
from api.schemas.derive import derived
from commands import messages as m
from ledger.company import LOGO_MAX_BYTES, logo_type
from ledger.errors import InvalidValue
from ledger.events import Meta
from projections.finance.document_sources import ProfileView

Country = Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{2}$")]
PostalCode = Annotated[str, StringConstraints(strip_whitespace=True, max_length=20)]
VatId = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=20, pattern=r"^([A-Za-z]{2}[0-9A-Za-z+*. ]{2,16})?$")
]
Iban = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=15, max_length=42, pattern=r"^[A-Za-z0-9 ]+$")
]
Bic = Annotated[str, StringConstraints(strip_whitespace=True, min_length=8, max_length=11, pattern=r"^[A-Za-z0-9]+$")]


class CompanyProfileBody(Body):
    legal_name: Name
    street: Name
    city: Name
    postal_code: PostalCode = ""
    country: Country = Field(description="ISO 3166-1 alpha-2", examples=["GR"])
    vat_id: VatId = Field("", description="With its country prefix (EL for Greece); needed to charge VAT")
    registration_id: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] = ""
    email: OptionalText = Field("", description="The electronic address e-invoices are sent from (BT-34)")
    iban: Iban
    bic: Bic
    logo: str | None = Field(
        None,
        max_length=(LOGO_MAX_BYTES * 4) // 3 + 4,
        description="A PNG or JPEG (at most 256 KiB) in base64; omitted keeps the current logo, '' removes it",
    )
    on: EffectiveDate = None

    @field_validator("logo")
    @classmethod
    def _image(cls, value: str | None) -> str | None:
        if value:
            logo_bytes(value)
        return value

    def to_command(self, meta: Meta) -> m.SetCompanyProfile:
        fields = self.model_dump(exclude={"logo", "on"})
        logo = None if self.logo is None else logo_bytes(self.logo) if self.logo else b""
        return m.SetCompanyProfile(meta=meta, on=self.on, logo=logo, **fields)


def logo_bytes(value: str) -> bytes:
    """The logo's bytes: base64 that decodes to a PNG or JPEG that Pillow can read whole."""
    try:
        data = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("logo: not base64") from None
    try:
        logo_type(data)
    except InvalidValue as exc:
        raise ValueError(str(exc)) from None
    from PIL import Image  # fpdf2's own image reader: what it cannot read is refused here

    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
    except Exception as exc:
        raise ValueError(f"logo: the image cannot be read ({type(exc).__name__})") from None
    return data


class BillingDetailsBody(Body):
    street: Name
    city: Name
    postal_code: PostalCode = ""
    country: Country = Field(description="ISO 3166-1 alpha-2", examples=["DE"])
    vat_id: VatId = ""
    email: OptionalText = Field("", description="Where e-invoices go (BT-49)")
    on: EffectiveDate = None

    def to_command(self, meta: Meta, customer_id: UUID, expected: int | None = None) -> m.SetBillingDetails:
        fields = self.model_dump(exclude={"on"})
        return m.SetBillingDetails(meta=meta, on=self.on, customer_id=customer_id, expected_version=expected, **fields)


CompanyProfile = derived(
    ProfileView,
    name="CompanyProfile",
    describe={
        "logo_sha256": "SHA-256 of the logo's bytes; '' when there is none",
        "position": "The log position the profile was recorded at",
    },
)
