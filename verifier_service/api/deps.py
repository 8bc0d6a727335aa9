"""The one dependency every route reaches the service through."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from verifier_service.services import Services


def get_services(request: Request) -> Services:
    return request.app.state.services


ServicesDep = Annotated[Services, Depends(get_services)]
