"""The company's profile: the seller on every invoice."""

from __future__ import annotations

from commands.finance import messages as m
from commands.unit_of_work import CommandResult, Handlers, UnitOfWork
from ledger.company import PROFILE_ID, Address, CompanyProfile, Profile
from ledger.errors import NotFound


def set_company_profile(uow: UnitOfWork, c: m.SetCompanyProfile) -> CommandResult:
    on = c.on or uow.today()
    try:
        company = uow.load(CompanyProfile, PROFILE_ID)
    except NotFound:
        company = CompanyProfile.start(on, c.meta)
    address = Address(c.street, c.city, c.postal_code, c.country)
    profile = Profile(c.legal_name, address, c.vat_id, c.registration_id, c.email, c.iban, c.bic)
    company.set(profile, c.logo, on, c.meta)
    return uow.commit(company)


HANDLERS: Handlers = {m.SetCompanyProfile: set_company_profile}
